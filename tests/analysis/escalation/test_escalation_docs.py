"""docs/escalation.md is generated from the code (methods and checks); it must not be stale."""

from __future__ import annotations

from least_privilege_constructs.analysis.escalation.docs import DOC_PATH, render_docs
from least_privilege_constructs.analysis.escalation.methods import METHODS


def test_docs_are_up_to_date() -> None:
    assert DOC_PATH.exists(), "run: .venv/bin/python -m least_privilege_constructs.analysis.escalation.docs --write"
    assert DOC_PATH.read_text(encoding="utf-8") == render_docs(), (
        "docs/escalation.md is stale: run .venv/bin/python -m least_privilege_constructs.analysis.escalation.docs --write"
    )


def test_every_method_has_a_row() -> None:
    text = render_docs()
    for m in METHODS:
        assert f"| `{m.id}` |" in text
