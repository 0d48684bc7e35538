"""docs/reasoning.md's generated table is not stale, and its examples' claims hold."""

from __future__ import annotations

from pathlib import Path

from least_privilege_constructs.analysis.reasoning.resource_types import (
    SUPPORTED_RESOURCE_TYPES,
    supported_resource_types_markdown,
)

DOC = Path(__file__).resolve().parents[3] / "docs" / "reasoning.md"


def test_resource_type_table_is_current() -> None:
    text = DOC.read_text(encoding="utf-8")
    start = text.index("<!-- resource-types:start -->\n") + len("<!-- resource-types:start -->\n")
    end = text.index("<!-- resource-types:end -->")
    assert text[start:end].strip() == supported_resource_types_markdown().strip(), (
        "regenerate with: python -m least_privilege_constructs.analysis.reasoning.resource_types"
    )
    assert all(f"`{rt}`" in text for rt in SUPPORTED_RESOURCE_TYPES)


def test_doc_mentions_every_documented_disagreement() -> None:
    from .test_differential import DOCUMENTED

    text = DOC.read_text(encoding="utf-8")
    for label in DOCUMENTED:
        assert label.split()[0] in text
