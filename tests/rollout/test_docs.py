"""docs/rollout.md's generated table is current, and every error code raised in rollout/ is registered."""

from __future__ import annotations

import re
from pathlib import Path

from least_privilege_constructs.rollout.error_codes import ERROR_CODES, render_error_table

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "least_privilege_constructs" / "rollout"
DOC = ROOT / "docs" / "rollout.md"


def test_error_table_in_docs_is_current() -> None:
    text = DOC.read_text(encoding="utf-8")
    match = re.search(
        r"<!-- BEGIN GENERATED: rollout error codes -->\n(.*?)<!-- END GENERATED: rollout error codes -->",
        text,
        re.S,
    )
    assert match, "docs/rollout.md lost its generated error-code table"
    assert match.group(1) == render_error_table(), (
        "stale: regenerate with python -m least_privilege_constructs.rollout.error_codes"
    )


def test_every_raised_code_is_registered_and_every_registered_code_is_raised() -> None:
    raised: set[str] = set()
    for path in PACKAGE.glob("*.py"):
        if path.name == "error_codes.py":
            continue
        raised |= set(re.findall(r"LPC-ROLLOUT-\d{3}", path.read_text(encoding="utf-8")))
    assert raised == set(ERROR_CODES)
