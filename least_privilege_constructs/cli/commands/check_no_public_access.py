"""``lpc check-no-public-access``: the same arguments and JSON output as ``aws accessanalyzer
check-no-public-access``, decided offline by automated reasoning (z3).

    lpc check-no-public-access --policy-document file://bucket-policy.json --resource-type AWS::S3::Bucket

Exit code 0 on PASS, 2 on FAIL (or undetermined: fail closed), 1 on a usage or input error.
"""

from __future__ import annotations

import argparse

from least_privilege_constructs.cli.commands.check_common import (
    add_common_arguments,
    emit,
    read_policy,
    run_check,
)


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from least_privilege_constructs.analysis.reasoning.resource_types import SUPPORTED_RESOURCE_TYPES

    parser = subparsers.add_parser(
        "check-no-public-access", help="can a resource policy grant public access? (offline)",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--policy-document", required=True, metavar="JSON|file://PATH")
    parser.add_argument("--resource-type", required=True, choices=SUPPORTED_RESOURCE_TYPES, metavar="TYPE",
                        help=f"one of: {', '.join(SUPPORTED_RESOURCE_TYPES)}")
    add_common_arguments(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from least_privilege_constructs.analysis.reasoning import check_no_public_access

    policy = read_policy(args.policy_document, "--policy-document")
    result = run_check(check_no_public_access, policy, args.resource_type, timeout_ms=args.timeout_ms)
    return emit(result, args)
