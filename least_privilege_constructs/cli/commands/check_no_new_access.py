"""``lpc check-no-new-access``: the same arguments and JSON output as ``aws accessanalyzer
check-no-new-access``, decided offline by automated reasoning (z3).

    lpc check-no-new-access --new-policy-document file://new.json \\
        --existing-policy-document file://existing.json --policy-type IDENTITY_POLICY

Prints ``{"result": "PASS"|"FAIL", "message": ..., "reasons": [...]}``. Exit code 0 on PASS, 2 on FAIL
(or when the answer could not be determined: fail closed), 1 on a usage or input error.
"""

from __future__ import annotations

import argparse

from least_privilege_constructs.cli.commands.check_common import (
    CHECK_POLICY_TYPES,
    add_common_arguments,
    emit,
    read_policy,
    run_check,
)


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "check-no-new-access", help="does a new policy grant access the existing one does not? (offline)",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--new-policy-document", required=True, metavar="JSON|file://PATH")
    parser.add_argument("--existing-policy-document", required=True, metavar="JSON|file://PATH")
    parser.add_argument("--policy-type", required=True, type=str.upper, choices=CHECK_POLICY_TYPES)
    add_common_arguments(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from least_privilege_constructs.analysis.reasoning import check_no_new_access

    new = read_policy(args.new_policy_document, "--new-policy-document")
    existing = read_policy(args.existing_policy_document, "--existing-policy-document")
    result = run_check(check_no_new_access, new, existing, args.policy_type, timeout_ms=args.timeout_ms)
    return emit(result, args)
