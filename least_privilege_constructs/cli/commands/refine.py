"""``lpc refine``: refined policies, SCPs of unused services and unused identities, from evidence bundles.

    lpc refine evidence.json -o refine-out/
    lpc refine evidence.json -o refine-out/ --window-days 90 --grace-period-days 30 \\
        --cdk-out cdk.out --managed-policies policies.jsonl --scp-allow-service braket --prove

Per action: unused-confirmed (tracked and not used in the window, or its service never authenticated),
used, or undetermined (kept). Only unused-confirmed actions are removed; each refined document is shown
to be a subset of the original and to still allow every used action. Guardrails: evidence older than
``--max-evidence-age-days`` is refused; roles younger than ``--min-role-age-days`` and policies changed
within ``--grace-period-days`` are kept whole; statements whose Sid starts with ``--opt-out-sid-prefix``
stay; ``iam:PassRole`` stays unless the evidence names it.

Writes ``report.md`` / ``report.json`` (ranked by risk), ``policies/`` (refined documents), ``patches/``
(for roles a construct of ``--cdk-out`` owns) and ``scps/`` (SCPs and the ServiceControlPolicy code).
Nothing is applied. Exit codes: 0 written, 1 usage error or refused evidence (a ``LPC-REFINE-nnn`` code).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from least_privilege_constructs.cli.errors import CliError


def _days(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of days") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is negative")
    return value


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "refine", help="refined policies, SCPs of unused services and unused identities from evidence bundles",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("bundles", nargs="+", metavar="BUNDLE", help="evidence bundles (lpc collect's output)")
    parser.add_argument("--output-dir", "-o", required=True, metavar="DIR", help="where the report and files go")
    parser.add_argument("--window-days", type=_days, default=90, help="the observation window (default 90)")
    parser.add_argument("--min-role-age-days", type=_days, default=None, help="default: the window")
    parser.add_argument("--max-evidence-age-days", type=_days, default=7, help="refuse older evidence (default 7)")
    parser.add_argument("--grace-period-days", type=_days, default=30,
                        help="keep policies changed this recently, or whose change date is unknown (default 30; "
                             "0 disables)")
    parser.add_argument("--opt-out-sid-prefix", default="LpcKeep", help="statements whose Sid starts so stay")
    parser.add_argument("--prove", action="store_true",
                        help="also prove each refined policy with check-no-new-access (z3; slower)")
    parser.add_argument("--managed-policies", default=None, metavar="JSONL",
                        help="AWS managed policy documents (one {name, document} object a line)")
    parser.add_argument("--cdk-out", default=None, metavar="DIR",
                        help="a cloud assembly: construct paths of the roles, for the patches")
    parser.add_argument("--no-scps", action="store_true", help="no SCPs of unused services")
    parser.add_argument("--scp-allow-service", action="append", default=[], metavar="PREFIX",
                        help="a service never to deny (repeatable)")
    parser.add_argument("--scp-exempt-principal", action="append", default=[], metavar="ARN",
                        help="a principal the SCPs do not apply to, e.g. a break-glass role (repeatable)")
    parser.add_argument("--scp-max-policies", type=int, default=4, help="SCPs a target may take (default 4)")
    parser.add_argument("--now", default=None, help=argparse.SUPPRESS)  # tests and reproducible reports
    parser.add_argument("--format", choices=("text", "json"), default="text", help="what is printed on stdout")
    parser.set_defaults(handler=run)


def _managed(path: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise CliError(f"--managed-policies: {path}: {exc.strerror or exc}") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            out[item["name"]] = {"document": item["document"], "versionId": item.get("version")}
        except (ValueError, KeyError, TypeError):
            raise CliError(f"--managed-policies: {path}:{number}: not a {{name, document}} JSON object") from None
    return out


def run(args: argparse.Namespace) -> int:
    from least_privilege_constructs.analysis.refine import (
        RefineError,
        RefineOptions,
        ScpOptions,
        load_bundle,
        merge_bundles,
        refine_bundle,
        unused_identities,
        unused_service_scps,
        write_outputs,
    )
    from least_privilege_constructs.analysis.refine.identities import unused_permission_findings
    from least_privilege_constructs.analysis.refine.report import (
        attach_construct_paths,
        collection_errors,
        role_construct_paths,
        summary,
    )
    from least_privilege_constructs.cli.progress import ProgressLine

    progress = ProgressLine()
    try:
        bundle = merge_bundles([load_bundle(b) for b in args.bundles])
        if args.cdk_out:
            from least_privilege_constructs.analysis.assembly import AssemblyError

            try:
                attach_construct_paths(bundle, role_construct_paths(args.cdk_out))
            except AssemblyError as exc:
                raise CliError(f"--cdk-out: {args.cdk_out}: not a cloud assembly ({exc.message})") from None
        options = RefineOptions(window_days=args.window_days, min_role_age_days=args.min_role_age_days,
                                max_evidence_age_days=args.max_evidence_age_days,
                                grace_period_days=args.grace_period_days, opt_out_sid_prefix=args.opt_out_sid_prefix,
                                prove=args.prove, now=args.now)
        managed = _managed(args.managed_policies) if args.managed_policies else None
        result = refine_bundle(bundle, options, managed, progress=lambda d, t, label: progress(d, t, label))
        scps = [] if args.no_scps else unused_service_scps(
            bundle.get("organizationsAccessReports", []),
            ScpOptions(window_days=args.window_days, max_evidence_age_days=args.max_evidence_age_days,
                       allow_services=args.scp_allow_service, exempt_principal_arns=args.scp_exempt_principal,
                       max_policies=args.scp_max_policies, now=args.now))
        identities = unused_identities(bundle, window_days=args.window_days, now=args.now)
        files = write_outputs(args.output_dir, result, scps, identities, unused_permission_findings(bundle),
                              errors=collection_errors(bundle))
    except RefineError as exc:
        raise CliError(str(exc)) from None
    finally:
        progress.done()
    s = summary(result)
    if args.format == "json":
        print(json.dumps({"summary": s, "files": [str(f) for f in files]}, indent=2))
    else:
        print(f"{s['roles']} roles, {s['policies']} policies: {s['refined']} refined, {s['unchanged']} unchanged, "
              f"{s['undetermined']} kept whole; {s['actionsRemoved']} actions removed; "
              f"{sum(len(x.policies) for x in scps)} SCPs; {len(identities)} unused identities")
        print(f"report: {Path(args.output_dir) / 'report.md'} ({len(files)} files written)")
    sys.stdout.flush()
    return 0
