"""Regenerate the README's generated sections (rules table, issue codes) from the code.

    .venv/bin/python scripts/update_readme.py          # rewrite README.md
    .venv/bin/python scripts/update_readme.py --check  # exit 1 if README.md is stale
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _sections() -> dict[str, Callable[[], str]]:
    from least_privilege_constructs.analysis.settings import error_codes_markdown, settings_table_markdown
    from least_privilege_constructs.analysis.validate.docs import codes_table
    from least_privilege_constructs.nag.docs import render_rules_table

    return {"nag-rules": render_rules_table, "validate-codes": codes_table, "settings": settings_table_markdown,
            "settings-errors": error_codes_markdown}


def render(text: str) -> str:
    for name, produce in _sections().items():
        pattern = re.compile(
            rf"(<!-- BEGIN GENERATED: {re.escape(name)} -->\n).*?(<!-- END GENERATED: {re.escape(name)} -->)",
            re.DOTALL,
        )
        if not pattern.search(text):
            raise SystemExit(f"README.md: the markers of the generated section {name!r} are missing")
        body = produce().strip() + "\n"
        text = pattern.sub(lambda m, body=body: m.group(1) + body + m.group(2), text)
    return text


def main(argv: list[str]) -> int:
    readme = ROOT / "README.md"
    current = readme.read_text(encoding="utf-8")
    fresh = render(current)
    if "--check" in argv:
        if fresh != current:
            print("README.md is stale: run .venv/bin/python scripts/update_readme.py", file=sys.stderr)
            return 1
        return 0
    readme.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
