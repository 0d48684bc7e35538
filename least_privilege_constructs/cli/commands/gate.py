"""``lpc gate``: the synth-time gate over a ``cdk.out``, from a pipeline, without CDK or jsii.

Runs what ``LeastPrivilegeValidation`` runs inside ``cdk synth`` — validate-policy, the custom
checks (no new access vs boundaries and references, access not granted, no public access) and the
escalation analysis — plus what ``BoundaryEnforcement`` verifies there (every role and user carries the
approved boundary, ``boundaryName``/``boundaryArn``; its exemptions are honoured), with the settings of ``cdk.json``'s ``least-privilege`` context, the environment
and these flags::

    lpc gate cdk.out                               # settings from ./cdk.json
    lpc gate cdk.out --cdk-json path/to/cdk.json --mode online --format sarif -o gate.sarif

The full JSON report goes to ``reportPath`` (relative to ``cdk.json``), as the plugin writes it.

Exit codes: 0 no blocking findings, 2 blocking findings, 1 usage or internal error.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from least_privilege_constructs.cli.errors import CliError

FORMATS = ("text", "json", "sarif", "junit")


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from least_privilege_constructs.access_analyzer.settings import add_arguments

    parser = subparsers.add_parser(
        "gate", help="run the synth-time gate (all checks) over a cdk.out",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("cdk_out", metavar="CDK_OUT", help="a cloud assembly directory")
    parser.add_argument("--cdk-json", default=None, metavar="FILE",
                        help="cdk.json whose 'least-privilege' context holds the settings (default: ./cdk.json "
                             "if present)")
    parser.add_argument("--treat-as-blocking", default=None, metavar="TYPES",
                        help="finding types that block (default: the context's treatAsBlocking, else "
                             "ERROR,SECURITY_WARNING)")
    parser.add_argument("--ignore-finding", action="append", default=[], metavar="CODE|RESOURCE|RESOURCE.CODE",
                        help="findings to ignore, added to the context's ignoreFindings")
    parser.add_argument("--no-escalation", action="store_true", help="skip the escalation analysis")
    parser.add_argument("--export", action="append", default=[], metavar="NAME=VALUE",
                        help="the value of an Fn::ImportValue export no stack of the assembly defines (added to "
                             "the exports setting)")
    parser.add_argument("--no-boundary-enforcement", action="store_true",
                        help="do not require the approved boundary (boundaryName/boundaryArn) on every role and "
                             "user (neither BoundaryEnforcement's check nor the rule LP-IAM1)")
    parser.add_argument("--no-lp-rules", action="store_true",
                        help="do not run the LP-* rules of the nag pack (inside cdk synth they run when "
                             "LeastPrivilegeChecks is attached)")
    parser.add_argument("--format", choices=FORMATS, default="text", help="report format (default text)")
    parser.add_argument("--output", "-o", default=None, metavar="FILE", help="write the report here (default stdout)")
    add_arguments(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from least_privilege_constructs.access_analyzer import select_backend
    from least_privilege_constructs.access_analyzer.settings import flags_from_args, from_resolved
    from least_privilege_constructs.analysis.assembly import AssemblyError, read_assembly
    from least_privilege_constructs.analysis.gate import GateOptions, enforced_boundary, run_gate
    from least_privilege_constructs.analysis.pipeline import split_list
    from least_privilege_constructs.analysis.report import render
    from least_privilege_constructs.analysis.settings import SettingsError, resolve
    from least_privilege_constructs.cli.files import use_color, write_output

    cdk_out = Path(args.cdk_out)
    try:
        read_assembly(cdk_out)
    except AssemblyError as exc:
        raise CliError(f"{cdk_out}: not a cloud assembly ({exc.message})") from None
    cdk_json = Path(args.cdk_json) if args.cdk_json else Path("cdk.json")
    if args.cdk_json and not cdk_json.is_file():
        raise CliError(f"{cdk_json}: no such file")
    base_dir = cdk_json.resolve().parent
    # the one settings reader: flags > environment > cdk.json > defaults, the same table the plugin reads
    flags: dict[str, Any] = flags_from_args(args)
    if args.treat_as_blocking is not None:
        flags["treatAsBlocking"] = args.treat_as_blocking
    if args.no_escalation:
        flags["checks.escalation"] = False
    if args.ignore_finding:
        flags["ignoreFindings"] = split_list(args.ignore_finding)
    if args.export:
        flags["exports"] = list(args.export)
    try:
        resolved = resolve(cdk_json=cdk_json if cdk_json.is_file() else None, flags=flags, base_dir=base_dir)
        options = GateOptions.from_settings(resolved)
        if not args.no_boundary_enforcement:  # what BoundaryEnforcement's plugin checks inside cdk synth
            options = replace(options, enforce_boundary=enforced_boundary(resolved))
        else:  # LP-IAM1 requires the same boundary: not required means that rule's findings are ignored too
            options = replace(options, ignore_findings=(*options.ignore_findings, "LP-IAM1"))
        if not args.no_lp_rules:  # the LP-* rules, the same functions and ids as LeastPrivilegeChecks in synth
            from least_privilege_constructs.analysis.rules.config import NagConfig

            options = replace(options, rules=NagConfig.from_settings(resolved))
        settings = from_resolved(resolved)
    except SettingsError as exc:
        raise CliError(str(exc)) from None
    report_path = Path(options.report_path)
    report_path = report_path if report_path.is_absolute() else base_dir / report_path
    report_path.unlink(missing_ok=True)  # a failed run leaves no stale report behind
    backend, reason = select_backend(settings, cdk_out=str(cdk_out))
    report = run_gate(str(cdk_out), options, backend=backend, backend_reason=reason,
                      progress=lambda line: print(line, file=sys.stderr))
    # the same JSON report as the synth plugin, at the same place (reportPath, relative to cdk.json)
    report.publish(report_path, lambda line: print(line, file=sys.stderr))
    to_stdout = args.output in (None, "-")
    text = render(report.findings, args.format, blocking=options.treat_as_blocking,
                  color=args.format == "text" and to_stdout and use_color(sys.stdout))
    write_output(text, args.output)
    return 2 if report.blocking else 0
