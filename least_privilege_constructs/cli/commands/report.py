"""``lpc report``: the gate's report as one self-contained HTML page (and its JSON), for people to look at.

Runs what ``lpc gate`` runs over a ``cdk.out`` (same settings, same flags), or reads a JSON report the gate
already wrote, and writes a page that needs no network: per account and stack the principals with their
boundary and effective permissions by service and access level (what the boundary cuts away), the findings
with construct paths and acknowledgments, and the escalation paths as a graph::

    lpc report cdk.out --html report.html
    lpc report cdk.out --html report.html --json report.json --no-boundary-enforcement
    lpc report .lpc-reports/validation-report.json --html report.html     # a report the gate wrote

Exit codes: 0 the report was written (whatever it shows; ``lpc gate`` is the one that fails a build),
1 usage or internal error.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from least_privilege_constructs.cli.errors import CliError


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from least_privilege_constructs.cli.commands.gate import add_gate_arguments

    parser = subparsers.add_parser(
        "report", help="write the gate's report as a self-contained HTML page",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", metavar="CDK_OUT|REPORT.json",
                        help="a cloud assembly directory, or a JSON report written by the gate")
    parser.add_argument("--html", required=True, metavar="FILE", help="write the HTML page here")
    parser.add_argument("--json", default=None, metavar="FILE", help="also write the JSON report here")
    add_gate_arguments(parser)
    parser.set_defaults(handler=run)


def _read_report(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CliError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except json.JSONDecodeError as exc:
        raise CliError(f"{path}:{exc.lineno}:{exc.colno}: not JSON ({exc.msg})") from None
    if not isinstance(data, dict) or not isinstance(data.get("findings"), list):
        raise CliError(f"{path}: not a report of the gate (no 'findings' list at the top level)")
    return data


def run(args: argparse.Namespace) -> int:
    from least_privilege_constructs.analysis.report.html import write_html
    from least_privilege_constructs.cli.commands.gate import run_gate_from_args

    source = Path(args.source)
    if source.is_file():
        data = _read_report(source)
        if "inventory" not in data:
            print(f"lpc report: {source} has no principal inventory (written with htmlReport off or by an older "
                  "version): the page lists findings only", file=sys.stderr)
    else:
        args.cdk_out = args.source
        report, _options, _path = run_gate_from_args(args, inventory=True)
        data = report.to_dict()
        if args.json:
            out = Path(args.json)
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps(data, indent=2), encoding="utf-8")
    written = write_html(data, args.html)
    print(f"lpc report: {len(data.get('findings') or [])} open finding(s), "
          f"{len((data.get('inventory') or {}).get('principals') or [])} principal(s): {written}", file=sys.stderr)
    return 0
