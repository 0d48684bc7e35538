"""Shared plumbing of the three custom-check commands (``check-no-new-access``,
``check-access-not-granted``, ``check-no-public-access``): reading a policy argument, printing the AWS
CLI's JSON shape and mapping the verdict to the exit code (0 PASS, 2 FAIL or UNKNOWN, 1 error).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from least_privilege_constructs.cli.errors import CliError

CHECK_POLICY_TYPES = ("IDENTITY_POLICY", "RESOURCE_POLICY", "SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY")


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--timeout-ms", type=int, default=10_000, metavar="MS",
                        help="solver budget for the whole check; when exceeded the result is UNKNOWN, "
                             "which fails closed (exit 2). Default 10000")
    parser.add_argument("--explain", action="store_true",
                        help="add, for each reason, a concrete example request that witnesses it")
    parser.add_argument("--output", "-o", default=None, metavar="FILE", help="write the JSON here instead of stdout")


def read_policy(value: str, option: str) -> Any:
    """A policy document argument (inline JSON, ``file://path``, a path or ``-``), checked to be an object."""
    from least_privilege_constructs.cli.files import read_json_argument

    doc = read_json_argument(value, option)
    if not isinstance(doc, dict):
        raise CliError(f"{option}: a policy document must be a JSON object")
    return doc


def emit(result: Any, args: argparse.Namespace) -> int:
    """Print the result as ``aws accessanalyzer check-...`` does and return the exit code."""
    from least_privilege_constructs.cli.files import write_output

    out = result.to_aws()
    if getattr(args, "explain", False):
        for reason, item in zip(result.reasons, out["reasons"], strict=False):
            if reason.example is not None:
                item["exampleRequest"] = reason.example
            grants = reason.grants() if callable(getattr(reason, "grants", None)) else None
            if grants:
                item["grants"] = grants
    write_output(json.dumps(out, indent=4) + "\n", args.output)
    return int(result.exit_code)


def run_check(func: Any, *args: Any, **kwargs: Any) -> Any:
    """Call a check, turning malformed input into a one-line CLI error."""
    from least_privilege_constructs.analysis.reasoning import PolicyError

    try:
        return func(*args, **kwargs)
    except PolicyError as exc:
        raise CliError(str(exc)) from None
    except ValueError as exc:
        raise CliError(str(exc)) from None
