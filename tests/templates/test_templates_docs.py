"""docs/templates.md is generated from the code and the template files; it must not be stale."""

from __future__ import annotations

from least_privilege_constructs.templates.catalog import TemplateCatalog
from least_privilege_constructs.templates.docs import DOC_PATH, render_docs


def test_docs_are_up_to_date() -> None:
    assert DOC_PATH.exists(), "run: .venv/bin/python -m least_privilege_constructs.templates.docs --write"
    assert DOC_PATH.read_text(encoding="utf-8") == render_docs(), (
        "docs/templates.md is stale; run: .venv/bin/python -m least_privilege_constructs.templates.docs --write"
    )


def test_docs_list_every_builtin_template_with_its_justification() -> None:
    text = render_docs()
    for t in TemplateCatalog.builtin():
        assert f"### {t.id}" in text
        assert t.justification in text
