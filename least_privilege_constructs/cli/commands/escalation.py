"""``lpc escalation``: prove that no principal of a cloud assembly (or templates) can escalate beyond its
permissions boundary; report every path found (B1–B15 and the classic methods).

    lpc escalation cdk.out
    lpc escalation cdk.out --admin-role arn:aws:iam::111122223333:role/OrganizationAccountAccessRole \\
        --format json --output escalation.json
    lpc escalation template.json --context escalation-context.json --account 111122223333

What the templates cannot show is an input: ``--context FILE`` (JSON with the fields of
``EscalationContext``: ``adminRoleArns``, ``unboundedRoleArns``, ``knownRoles``, ``approvedBoundaryArns``,
``guardrailPolicyArns``, ``scps``, ``applicationPaths``, ``bootstrapRolesBounded``,
``assumeUnknownRolesPrivileged``, ``managedPolicyDocuments`` ...) or the flags below, which add to it.

Exit codes: 0 no blocking finding, 2 an escalation path (or a principal that could not be analyzed),
1 usage or internal error.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from typing import Any

from least_privilege_constructs.cli.errors import CliError
from least_privilege_constructs.cli.options import add_extraction_arguments, extraction_options

FORMATS = ("text", "json", "sarif", "junit")


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "escalation", help="find privilege-escalation paths (B1-B15, classic) in a cdk.out or templates",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help="cdk.out directories, CloudFormation templates (JSON/YAML) or directories of them")
    parser.add_argument("--context", metavar="FILE", default=None,
                        help="JSON file with the escalation context (existing roles, SCPs, assumptions)")
    parser.add_argument("--admin-role", nargs="+", action="extend", default=[], metavar="ARN",
                        help="existing privileged roles of the account (repeatable)")
    parser.add_argument("--unbounded-role", nargs="+", action="extend", default=[], metavar="ARN",
                        help="existing roles known to carry no permissions boundary (repeatable)")
    parser.add_argument("--approved-boundary", nargs="+", action="extend", default=[], metavar="ARN",
                        help="boundaries application roles may carry (creating roles with them is never reported)")
    parser.add_argument("--guardrail-policy", nargs="+", action="extend", default=[], metavar="ARN",
                        help="policies nobody may edit besides the approved boundaries (B4)")
    parser.add_argument("--scp", nargs="+", action="extend", default=[], metavar="FILE",
                        help="service control policies that apply to the account (JSON files)")
    parser.add_argument("--application-path", nargs="+", action="extend", default=[], metavar="PATH",
                        help="IAM paths reserved for bounded application roles (default /app/)")
    parser.add_argument("--bootstrap-roles-bounded", action="store_true",
                        help="the CDK bootstrap roles carry a boundary as strict as the developers'")
    parser.add_argument("--no-bootstrap", action="store_true", help="the account is not CDK-bootstrapped")
    parser.add_argument("--trust-unknown-roles", action="store_true",
                        help="do not assume that unknown roles outside the application path may be privileged")
    parser.add_argument("--treat-as-blocking", default="ERROR,SECURITY_WARNING", metavar="TYPES",
                        help="finding types that block (exit code 2), comma separated (default "
                             "ERROR,SECURITY_WARNING; undetermined paths are WARNING)")
    parser.add_argument("--ignore-finding", nargs="+", action="extend", default=[],
                        metavar="CODE|RESOURCE|RESOURCE.CODE",
                        help="paths to ignore: a path id (B6), a principal (logical id, name or construct path) "
                             "or PRINCIPAL.ID")
    parser.add_argument("--format", choices=FORMATS, default="text", help="report format (default text)")
    parser.add_argument("--output", "-o", default=None, metavar="FILE", help="write the report here (default stdout)")
    add_extraction_arguments(parser)
    parser.set_defaults(handler=run)


def build_context(args: argparse.Namespace) -> Any:
    from least_privilege_constructs.analysis.escalation.context import EscalationContext
    from least_privilege_constructs.cli.files import read_json_argument

    if args.context:
        try:
            context = EscalationContext.from_file(args.context)
        except ValueError as exc:
            raise CliError(str(exc)) from None
    else:
        context = EscalationContext()
    changes: dict[str, Any] = {}
    if args.admin_role:
        changes["admin_role_arns"] = (*context.admin_role_arns, *args.admin_role)
    if args.unbounded_role:
        changes["unbounded_role_arns"] = (*context.unbounded_role_arns, *args.unbounded_role)
    if args.approved_boundary:
        changes["approved_boundary_arns"] = (*context.approved_boundary_arns, *args.approved_boundary)
    if args.guardrail_policy:
        changes["guardrail_policy_arns"] = (*context.guardrail_policy_arns, *args.guardrail_policy)
    if args.scp:
        changes["scps"] = (*context.scps, *(read_json_argument(f, "--scp") for f in args.scp))
    if args.application_path:
        bad = [p for p in args.application_path if not (p.startswith("/") and p.endswith("/"))]
        if bad:
            raise CliError(f"--application-path: {', '.join(bad)} must start and end with '/' (e.g. /app/)")
        changes["application_paths"] = tuple(args.application_path)
    if args.bootstrap_roles_bounded:
        changes["bootstrap_roles_bounded"] = True
    if args.no_bootstrap:
        changes["cdk_bootstrap"] = False
    if args.trust_unknown_roles:
        changes["assume_unknown_roles_privileged"] = False
    if args.account and not context.account:
        changes["account"] = args.account
    return replace(context, **changes)


def run(args: argparse.Namespace) -> int:
    from least_privilege_constructs.analysis.escalation.analysis import analyze
    from least_privilege_constructs.analysis.extract import extract_policies
    from least_privilege_constructs.analysis.pipeline import is_ignored, parse_blocking, split_list
    from least_privilege_constructs.analysis.report import render
    from least_privilege_constructs.cli.files import use_color, write_output

    try:
        blocking = parse_blocking(args.treat_as_blocking)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    context = build_context(args)
    extraction = extract_policies(args.paths, extraction_options(args))
    report = analyze(extraction, context)
    ignore = split_list(args.ignore_finding)
    findings = [f for f in report.findings() if not is_ignored(f, ignore)]
    to_stdout = args.output in (None, "-")
    text = render(findings, args.format, blocking=blocking,
                  color=args.format == "text" and to_stdout and use_color(sys.stdout))
    write_output(text, args.output)
    blocked = [f for f in findings if f.is_blocking(blocking)]
    print(f"lpc escalation: {report.principals} principals analyzed ({report.requests} requests, "
          f"{report.elapsed_s:.2f} s), {len(report.paths)} escalation paths, {len(blocked)} blocking findings"
          + (f"; report written to {args.output}" if not to_stdout else ""), file=sys.stderr)
    return 2 if blocked else 0
