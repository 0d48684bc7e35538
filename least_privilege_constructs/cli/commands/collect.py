"""``lpc collect``: read the evidence of use from AWS into one evidence bundle (JSON).

    lpc collect -o evidence.json                                   # this account
    lpc collect -o evidence.json --accounts 111111111111 222222222222 --role-name lpc-evidence-reader \\
        --analyzer-arn arn:aws:access-analyzer:eu-west-1:999999999999:analyzer/org-unused \\
        --organizations-reports --production-accounts 111111111111

Reads, per account (through ``sts:AssumeRole`` of ``--role-name`` when accounts are given): every role, its
inline and attached policies and its IAM last-accessed details (``ACTION_LEVEL``), when each role policy
last changed (CloudTrail event history, 90 days), the credential report,
and the unused-access findings of ``--analyzer-arn`` with their recommendations; with
``--organizations-reports`` (from the management or delegated administrator account) an Organizations
access report for the root and every OU. Nothing is changed in any account. Clients use botocore's
standard retry mode; a role deleted while reading, or a failed job, is recorded in the bundle's
``errors`` and the collection goes on.

Exit codes: 0 collected (possibly with recorded errors), 1 usage error or no access at all.
"""

from __future__ import annotations

import argparse
import json
import sys

from least_privilege_constructs.cli.errors import CliError


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "collect", help="read last-accessed data, access reports, credential reports and unused-access "
                        "findings into an evidence bundle", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", "-o", required=True, metavar="FILE", help="the bundle to write (- for stdout)")
    parser.add_argument("--profile", default=None, help="AWS profile (default: the environment's credentials)")
    parser.add_argument("--region", default=None, help="region of the IAM/STS clients (IAM is global)")
    parser.add_argument("--accounts", nargs="+", default=[], metavar="ID", help="accounts to read (default: this one)")
    parser.add_argument("--role-name", default=None, metavar="NAME",
                        help="role assumed in each of --accounts (read-only; e.g. SecurityAudit plus "
                             "iam:GenerateServiceLastAccessedDetails)")
    parser.add_argument("--external-id", default=None, help="ExternalId for the assumed roles")
    parser.add_argument("--path-prefix", default="/", help="only roles under this IAM path (default /)")
    parser.add_argument("--granularity", choices=("ACTION_LEVEL", "SERVICE_LEVEL"), default="ACTION_LEVEL")
    parser.add_argument("--no-policy-changes", action="store_true",
                        help="do not date policy changes from CloudTrail event history (refine then keeps every "
                             "policy whole while a grace period is set)")
    parser.add_argument("--no-credential-report", action="store_true", help="skip the credential report")
    parser.add_argument("--analyzer-arn", default=None, metavar="ARN",
                        help="an unused-access analyzer (e.g. the UnusedAccessAnalyzer construct's)")
    parser.add_argument("--no-recommendations", action="store_true",
                        help="do not generate recommendations for UnusedPermission findings")
    parser.add_argument("--organizations-reports", action="store_true",
                        help="an Organizations access report for the root and every OU")
    parser.add_argument("--account-reports", action="store_true",
                        help="with --organizations-reports, also one report per account (SCPs per account)")
    parser.add_argument("--entity-path", action="append", default=[], metavar="PATH",
                        help="an Organizations access report for this entity path (o-.../r-.../ou-...)")
    parser.add_argument("--production-accounts", nargs="+", default=[], metavar="ID",
                        help="accounts whose findings rank first")
    parser.add_argument("--max-attempts", type=int, default=5, help="botocore total_max_attempts (standard mode)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from least_privilege_constructs.analysis.iam import Arn, is_account_id
    from least_privilege_constructs.analysis.refine.bundle import validation_errors
    from least_privilege_constructs.cli.files import write_output
    from least_privilege_constructs.cli.progress import ProgressLine
    from least_privilege_constructs.collect.calls import CollectError, new_session
    from least_privilege_constructs.collect.collector import CollectOptions, collect

    for account in [*args.accounts, *args.production_accounts]:
        if not is_account_id(account):
            raise CliError(f"{account!r} is not a 12-digit account id")
    if args.accounts and not args.role_name:
        raise CliError("--accounts needs --role-name (the role to assume in each account)")
    analyzer = Arn.parse(args.analyzer_arn) if args.analyzer_arn else None
    if args.analyzer_arn and not (
        analyzer and analyzer.service == "access-analyzer" and analyzer.region and analyzer.resource.startswith("analyzer/")
    ):
        raise CliError(f"--analyzer-arn: {args.analyzer_arn!r} is not an analyzer ARN")
    try:
        session = new_session(args.profile, args.region)
    except CollectError as exc:
        raise CliError(exc.message) from None
    options = CollectOptions(
        accounts=args.accounts, role_name=args.role_name, external_id=args.external_id, path_prefix=args.path_prefix,
        granularity=args.granularity, credential_report=not args.no_credential_report, analyzer_arn=args.analyzer_arn,
        recommendations=not args.no_recommendations, organizations_reports=args.organizations_reports,
        account_reports=args.account_reports, entity_paths=args.entity_path,
        policy_changes=not args.no_policy_changes,
        production_accounts=args.production_accounts, max_attempts=args.max_attempts)
    progress = ProgressLine()
    try:
        bundle = collect(session, options, progress=progress)
    except CollectError as exc:
        raise CliError(f"collect: {exc}") from None
    finally:
        progress.done()
    problems = validation_errors(bundle)
    if problems:  # a collector bug, never the user's: fail loudly rather than write a bundle refine rejects
        raise CliError(f"collect wrote an invalid bundle: {problems[0]}")
    write_output(json.dumps(bundle, indent=1) + "\n", args.output)
    roles = sum(len(a["roles"]) for a in bundle["accounts"])
    errors = len(bundle.get("errors", [])) + sum(len(a.get("errors", [])) for a in bundle["accounts"])
    print(f"lpc collect: {len(bundle['accounts'])} accounts, {roles} roles, "
          f"{len(bundle.get('organizationsAccessReports', []))} access reports, {errors} errors recorded",
          file=sys.stderr)
    return 0 if bundle["accounts"] or bundle.get("organizationsAccessReports") else 1
