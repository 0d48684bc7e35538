"""``lpc validate``: every policy of cloud assemblies and templates, validated offline.

Takes cfn-policy-validator's flags::

    lpc validate cdk.out
    lpc validate cdk.out --treat-as-blocking ERROR --ignore-finding MyRole.PASS_ROLE_WITH_STAR_IN_RESOURCE \\
        --allow-external-principals 111111111111 --format sarif --output lpc.sarif

Exit codes: 0 no blocking findings, 2 blocking findings, 1 usage or internal error.
"""

from __future__ import annotations

import argparse
import sys

from least_privilege_constructs.cli.errors import CliError
from least_privilege_constructs.cli.options import (
    add_extraction_arguments,
    check_paths_exist,
    extraction_options,
)

FORMATS = ("text", "json", "sarif", "junit")


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "validate", help="validate every policy of a cdk.out, templates or policy files",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help="cdk.out directories, CloudFormation templates (JSON/YAML), directories of them, "
                             "or policy JSON files")
    parser.add_argument("--treat-as-blocking", default="ERROR,SECURITY_WARNING", metavar="TYPES",
                        help="finding types that block (exit code 2): comma separated ERROR, SECURITY_WARNING, "
                             "WARNING, SUGGESTION, or NONE (default ERROR,SECURITY_WARNING)")
    parser.add_argument("--ignore-finding", action="append", default=[], metavar="CODE|RESOURCE|RESOURCE.CODE",
                        help="findings to ignore: an issue code, a resource (logical id, policy name or construct "
                             "path) or RESOURCE.CODE; comma separated or repeated")
    parser.add_argument("--exclude-resource-types", action="append", default=[], metavar="TYPE",
                        help="CloudFormation resource types whose policies are not validated (e.g. "
                             "AWS::SQS::QueuePolicy,AWS::SNS::Topic)")
    parser.add_argument("--allow-external-principals", action="append", default=[], metavar="PRINCIPAL",
                        help="account ids, ARNs or federated providers that resource and trust policies may grant "
                             "access to ('*' allows public access)")
    parser.add_argument("--format", choices=FORMATS, default="text", help="report format (default text)")
    parser.add_argument("--output", "-o", default=None, metavar="FILE", help="write the report here (default stdout)")
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="show progress on stderr (default: when stderr is a terminal)")
    add_extraction_arguments(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from least_privilege_constructs.analysis.extract import extract_policies
    from least_privilege_constructs.analysis.pipeline import (
        ValidationOptions,
        parse_blocking,
        split_list,
        validate_extraction,
    )
    from least_privilege_constructs.analysis.report import render
    from least_privilege_constructs.analysis.report.grouping import summary
    from least_privilege_constructs.cli.files import use_color, write_output
    from least_privilege_constructs.cli.progress import ProgressLine

    try:
        blocking = parse_blocking(args.treat_as_blocking)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    options = ValidationOptions(
        treat_as_blocking=blocking,
        ignore_findings=split_list(args.ignore_finding),
        exclude_resource_types=split_list(args.exclude_resource_types),
        allow_external_principals=split_list(args.allow_external_principals),
    )
    check_paths_exist(args.paths)
    extraction = extract_policies(args.paths, extraction_options(args))
    progress = ProgressLine(enabled=args.progress)
    try:
        run_ = validate_extraction(extraction, options, progress)
    finally:
        progress.done()
    to_stdout = args.output in (None, "-")
    text = render(run_.findings, args.format, policies=run_.checked, blocking=blocking,
                  color=args.format == "text" and to_stdout and use_color(sys.stdout))
    write_output(text, args.output)
    if not to_stdout:
        counts = summary(run_.findings, blocking, len(run_.checked))
        print(f"lpc validate: {counts['policiesChecked']} policies checked, {counts['total']} findings, "
              f"{counts['blocking']} blocking; report written to {args.output}", file=sys.stderr)
    if run_.excluded or run_.ignored:
        print(f"lpc validate: {len(run_.excluded)} policies excluded by resource type, {len(run_.ignored)} findings "
              "ignored", file=sys.stderr)
    return run_.exit_code
