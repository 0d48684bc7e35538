"""Generate the rules table of ``docs/nag.md`` from the rules themselves (so it cannot drift).

    python -m least_privilege_constructs.nag.docs          # rewrite the table in docs/nag.md
    python -m least_privilege_constructs.nag.docs --check  # exit 1 when docs/nag.md is stale

No jsii: the table comes from :mod:`least_privilege_constructs.analysis.rules.rule_set` and each rule's ``@rule`` doc.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from least_privilege_constructs.analysis.rules.rule_set import ACK_RULE_DOC, ACK_RULE_ID, RULES, Level

BEGIN = "<!-- BEGIN GENERATED RULES TABLE (python -m least_privilege_constructs.nag.docs) -->"
END = "<!-- END GENERATED RULES TABLE -->"
DOC_PATH = Path(__file__).resolve().parents[2] / "docs" / "nag.md"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def render_rules_table() -> str:
    """The Markdown rules table: id, level, what it checks, why, how to fix."""
    lines = ["| Rule | Level | What it checks | Why | How to fix |", "|---|---|---|---|---|"]
    rows = [(b.id, b.level, b.doc) for b in RULES] + [(ACK_RULE_ID, Level.ERROR, ACK_RULE_DOC)]
    for rule_id, level, doc in rows:
        lines.append(
            f"| `{rule_id}` {_cell(doc.title)} | {level.value.title()} | {_cell(doc.checks)} | {_cell(doc.why)} "
            f"| {_cell(doc.fix)} |"
        )
    return "\n".join(lines) + "\n"


def update(text: str) -> str:
    """``text`` with the block between the markers replaced by the current table."""
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        raise ValueError(f"{DOC_PATH}: the markers {BEGIN!r} ... {END!r} are missing")
    return text[: start + len(BEGIN)] + "\n" + render_rules_table() + text[end:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when the table in docs/nag.md is stale")
    parser.add_argument("--path", type=Path, default=DOC_PATH)
    args = parser.parse_args(argv)
    try:
        current = args.path.read_text(encoding="utf-8")
        fresh = update(current)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.check:
        if fresh != current:
            print(f"{args.path}: rules table is stale; run python -m least_privilege_constructs.nag.docs",
                  file=sys.stderr)
            return 1
        return 0
    if fresh != current:
        args.path.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
