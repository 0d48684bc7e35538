"""``lpc generate-policy``: a least-privilege identity policy from recorded CloudTrail activity, offline.

    lpc generate-policy trail/ --principal arn:aws:iam::111122223333:role/app -o policy.json \\
        --report provenance.json
    lpc generate-policy lookup-events.json --session-issuer arn:aws:iam::111122223333:role/app \\
        --start-time 2026-01-01T00:00:00Z --end-time 2026-01-31T23:59:59Z --format cdk

Inputs are CloudTrail log files as delivered (``.json.gz`` with ``{"Records": [...]}``; digest files
skipped), directories of them, ``aws cloudtrail lookup-events`` output or CloudTrail Lake results, read as a
stream. Calls a service made for the principal (``invokedBy``) are not granted; access-denied calls are
listed as ``missing`` in the report. The policy is validated offline (no ERROR) before it is written; it is
split under the managed-policy size limit (a JSON array of documents when it does not fit in one).

Exit codes: 0 written, 1 usage or input error (nothing written).
"""

from __future__ import annotations

import argparse
import sys

from least_privilege_constructs.cli.errors import CliError

FORMATS = ("policy", "template", "cdk")


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "generate-policy", help="generate a least-privilege policy from CloudTrail records (offline)",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help="CloudTrail log files or directories (.json, .json.gz), lookup-events or Lake output")
    who = parser.add_argument_group("principal (one is required)")
    who.add_argument("--principal", "--role-arn", dest="principal", metavar="ARN",
                     help="the role (or user) ARN whose calls to keep; a role also matches its sessions")
    who.add_argument("--session-issuer", metavar="ARN",
                     help="keep calls whose userIdentity.sessionContext.sessionIssuer.arn is exactly ARN")
    parser.add_argument("--start-time", metavar="ISO8601", help="ignore calls before this time (with a zone: ...Z)")
    parser.add_argument("--end-time", metavar="ISO8601", help="ignore calls after this time")
    parser.add_argument("--service-reference", action="append", default=[], metavar="PATH",
                        help="AWS Service Reference JSON files or a directory of them (Operations -> "
                             "AuthorizedActions); takes precedence over the built-in mapping (repeatable)")
    parser.add_argument("--mapping-file", metavar="PATH",
                        help="replace the built-in operation -> action exceptions (same JSON schema)")
    parser.add_argument("--format", choices=FORMATS, default="policy",
                        help="policy: IAM JSON (default); template: a template of the catalog (YAML); "
                             "cdk: Python aws_iam.PolicyStatement code")
    parser.add_argument("--template-id", default="generated.policy", help="the id of a --format template output")
    parser.add_argument("--max-policy-size", type=int, default=6144, metavar="CHARS",
                        help="split into documents under this many characters (default: the managed-policy quota)")
    parser.add_argument("--max-resources-per-group", type=int, default=25, metavar="N",
                        help="more than N resources of one action under one parent fold into a wildcard "
                             "at a path boundary (0: never fold)")
    parser.add_argument("--exclude-failed-calls", action="store_true",
                        help="leave out calls that failed for a reason other than access denied (NoSuchKey, "
                             "throttling ...); by default they are granted, as the application makes them")
    parser.add_argument("--output", "-o", default=None, metavar="FILE", help="write the output here (default stdout)")
    parser.add_argument("--report", metavar="FILE",
                        help="write the side report here: provenance of each statement (event ids, first/last "
                             "seen, mappings), missing (denied) calls, unmapped operations, unresolved ARN parts, notes")
    parser.add_argument("--no-progress", action="store_true", help="no progress line on stderr")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from least_privilege_constructs.analysis.generate import GenerateError, generate_policy
    from least_privilege_constructs.cli.files import write_output
    from least_privilege_constructs.cli.progress import ProgressLine

    if not args.principal and not args.session_issuer:
        raise CliError("give --principal (or --role-arn) ARN, or --session-issuer ARN")
    line = ProgressLine(enabled=False if args.no_progress else None)

    def progress(done: int, total: int, label: str) -> None:
        line(done // 1024 // 1024, max(1, total // 1024 // 1024), f"MiB  {label}")

    try:
        result = generate_policy(
            args.paths, args.principal, session_issuer=args.session_issuer, start=args.start_time,
            end=args.end_time, service_reference=args.service_reference, mapping_file=args.mapping_file,
            max_policy_size=args.max_policy_size, max_resources_per_group=args.max_resources_per_group,
            include_failed=not args.exclude_failed_calls, progress=progress)
    except GenerateError as exc:
        raise CliError(str(exc)) from None
    finally:
        line.done()
    try:
        if args.format == "template":
            text = result.template_yaml(args.template_id)
        elif args.format == "cdk":
            text = result.cdk_snippet()
        else:
            text = result.policy_json()
    except ValueError as exc:  # the template loader rejected the id
        raise CliError(f"--template-id: {exc}") from None
    if args.report:
        write_output(result.report_json(), args.report)
    write_output(text, args.output)
    c = result.counts
    report = result.report()
    print(
        f"lpc: {len(result.statements)} statements in {len(result.documents)} "
        f"polic{'y' if len(result.documents) == 1 else 'ies'} from {c.get('allowed', 0)} allowed calls of "
        f"{result.principal} ({c.get('records', 0)} records; {c.get('denied', 0)} denied -> missing, "
        f"{c.get('service-invoked', 0)} made by services, {len(result.unmapped)} unmapped operations, "
        f"{sum(n['count'] for n in result.notes)} calls granted more than their record shows (see notes), "
        f"{report['concrete_arn_pairs']}/{report['resource_scoped_pairs']} resource grants with a concrete ARN)",
        file=sys.stderr)
    return 0
