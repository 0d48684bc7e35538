"""``lpc check-access-not-granted``: the same arguments and JSON output as ``aws accessanalyzer
check-access-not-granted``, decided offline by automated reasoning (z3).

    lpc check-access-not-granted --policy-document file://policy.json \\
        --access '{"actions": ["iam:PassRole", "s3:DeleteBucket"], "resources": ["arn:aws:s3:::prod-*"]}'

    lpc check-access-not-granted --policy-document file://policy.json \\
        --access actions=s3:GetObject,s3:PutObject,resources=arn:aws:s3:::prod/* actions=iam:PassRole

``--access`` takes, like the AWS CLI, one object or a list of objects (JSON, ``file://PATH``) with
``actions`` and/or ``resources``, or the AWS CLI's shorthand syntax (``actions=a,b,resources=r``; one
structure per argument). Any number of actions and resources: they are split into batches within the
Access Analyzer limits, each batch with its own slice. Exit code 0 on PASS, 2 on FAIL (or undetermined:
fail closed), 1 on error.
"""

from __future__ import annotations

import argparse
from typing import Any

from least_privilege_constructs.cli.commands.check_common import (
    CHECK_POLICY_TYPES,
    add_common_arguments,
    emit,
    read_policy,
    run_check,
)
from least_privilege_constructs.cli.errors import CliError


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "check-access-not-granted", help="does a policy grant any of the listed actions/resources? (offline)",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--policy-document", required=True, metavar="JSON|file://PATH")
    parser.add_argument("--access", required=True, nargs="+", metavar="JSON|file://PATH|actions=A,B,resources=R",
                        help='{"actions": [...], "resources": [...]}, a list of such objects, or the AWS CLI '
                             'shorthand actions=A,B,resources=R (one structure per argument)')
    parser.add_argument("--policy-type", default="IDENTITY_POLICY", type=str.upper, choices=CHECK_POLICY_TYPES)
    add_common_arguments(parser)
    parser.set_defaults(handler=run)


def parse_access(value: Any) -> list[tuple[list[str], list[str]]]:
    """The ``--access`` argument as (actions, resources) pairs; raises CliError naming the bad part."""
    items = value if isinstance(value, list) else [value]
    if not items:
        raise CliError("--access: give at least one access entry")
    out: list[tuple[list[str], list[str]]] = []
    for i, item in enumerate(items):
        where = f"--access[{i}]" if isinstance(value, list) else "--access"
        if not isinstance(item, dict):
            raise CliError(f"{where}: expected an object with actions and/or resources")
        unknown = set(item) - {"actions", "resources"}
        if unknown:
            raise CliError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        lists: list[list[str]] = []
        for key in ("actions", "resources"):
            vals = item.get(key, [])
            if not isinstance(vals, list) or not all(isinstance(v, str) and v for v in vals):
                raise CliError(f"{where}.{key}: expected a list of non-empty strings")
            lists.append(vals)
        if not lists[0] and not lists[1]:
            raise CliError(f"{where}: give actions, resources or both")
        out.append((lists[0], lists[1]))
    return out


def read_access(values: list[str]) -> Any:
    """The ``--access`` arguments as the JSON value the API takes: each argument is JSON (inline,
    ``file://``, a path, ``-``) or one structure in the AWS CLI's shorthand syntax."""
    from pathlib import Path

    from least_privilege_constructs.cli.files import read_json_argument
    from least_privilege_constructs.cli.shorthand import looks_like_shorthand, parse_shorthand

    items: list[Any] = []
    for value in values:
        if looks_like_shorthand(value) and not value.startswith(("file://", "fileb://")) \
                and not Path(value).expanduser().is_file():
            items.append(parse_shorthand(value, "--access"))
            continue
        parsed = read_json_argument(value, "--access")
        if len(values) == 1:
            return parsed
        items.extend(parsed if isinstance(parsed, list) else [parsed])
    return items if len(values) > 1 else items[0]


def run(args: argparse.Namespace) -> int:
    from least_privilege_constructs.analysis.reasoning import CheckResult, Verdict, check_access_not_granted

    policy = read_policy(args.policy_document, "--policy-document")
    entries = parse_access(read_access(args.access))
    results = [
        run_check(check_access_not_granted, policy, actions, resources, args.policy_type,
                  timeout_ms=args.timeout_ms)
        for actions, resources in entries
    ]
    if len(results) == 1:
        return emit(results[0], args)
    # several access entries: FAIL if any fails, UNKNOWN if any is undetermined and none fails
    worst = next((r for r in results if r.verdict is Verdict.FAIL), None) or next(
        (r for r in results if r.verdict is Verdict.UNKNOWN), results[0])
    reasons = tuple(dict.fromkeys(x for r in results for x in r.reasons))
    merged = CheckResult(worst.check, worst.verdict, worst.message, reasons, sum(r.elapsed_ms for r in results))
    return emit(merged, args)
