"""``lpc validate-policy``: the same arguments and JSON output as ``aws accessanalyzer validate-policy``.

    lpc validate-policy --policy-document file://policy.json --policy-type IDENTITY_POLICY
    lpc validate-policy --policy-document '{"Version": "2012-10-17", ...}' --policy-type RESOURCE_POLICY \\
        --validate-policy-resource-type AWS::S3::Bucket

Prints ``{"findings": [...]}``. Exit code 2 when a finding is blocking (``--treat-as-blocking``, default
``ERROR,SECURITY_WARNING``; ``NONE`` to always exit 0 like the AWS CLI).
"""

from __future__ import annotations

import argparse
import json

from least_privilege_constructs.cli.errors import CliError

POLICY_TYPES = ("IDENTITY_POLICY", "RESOURCE_POLICY", "SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY")
RESOURCE_TYPES = (
    "AWS::S3::Bucket",
    "AWS::S3::AccessPoint",
    "AWS::S3::MultiRegionAccessPoint",
    "AWS::S3ObjectLambda::AccessPoint",
    "AWS::IAM::AssumeRolePolicyDocument",
    "AWS::DynamoDB::Table",
)


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "validate-policy", help="validate one policy document (like aws accessanalyzer validate-policy)",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--policy-document", required=True, metavar="JSON|file://PATH",
                        help="the policy: inline JSON, file://path, a path, or - for stdin")
    parser.add_argument("--policy-type", required=True, type=str.upper, choices=POLICY_TYPES)
    parser.add_argument("--validate-policy-resource-type", metavar="TYPE", default=None,
                        help=f"resource type of a resource policy: {', '.join(RESOURCE_TYPES)}")
    parser.add_argument("--locale", default="EN", help="only EN is supported")
    parser.add_argument("--treat-as-blocking", default="ERROR,SECURITY_WARNING", metavar="TYPES",
                        help="finding types that make the exit code 2 (comma separated, or NONE)")
    parser.add_argument("--output", "-o", default=None, metavar="FILE", help="write the JSON here instead of stdout")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from least_privilege_constructs.analysis.findings import PolicyType
    from least_privilege_constructs.analysis.pipeline import parse_blocking
    from least_privilege_constructs.cli.files import read_text_argument, write_output

    if args.locale.upper() != "EN":
        raise CliError(f"--locale: only EN is supported offline, not {args.locale!r}")
    if args.validate_policy_resource_type is not None:
        if args.validate_policy_resource_type not in RESOURCE_TYPES:
            raise CliError(f"--validate-policy-resource-type: {args.validate_policy_resource_type!r} is not one of "
                           f"{', '.join(RESOURCE_TYPES)}")
        if args.policy_type != "RESOURCE_POLICY":
            raise CliError("--validate-policy-resource-type is only valid with --policy-type RESOURCE_POLICY")
    try:
        blocking = parse_blocking(args.treat_as_blocking)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    # the text goes to validate_policy as is: invalid JSON is a JSON_SYNTAX_ERROR finding, as in the API
    document, _source = read_text_argument(args.policy_document, "--policy-document")
    from least_privilege_constructs.analysis.validate import validate_policy

    findings = validate_policy(document, PolicyType.parse(args.policy_type).value, args.validate_policy_resource_type)
    write_output(json.dumps({"findings": [f.to_access_analyzer() for f in findings]}, indent=4) + "\n", args.output)
    from least_privilege_constructs.analysis.findings import blocks

    return 2 if any(blocks(f, blocking) for f in findings) else 0
