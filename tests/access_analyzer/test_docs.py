"""docs/access-analyzer.md is generated where it says so (the package's freedom from aws_cdk is an
import-linter contract: tests/test_layering.py)."""

from __future__ import annotations

from pathlib import Path

from least_privilege_constructs.access_analyzer import docs
from least_privilege_constructs.access_analyzer.settings import SETTINGS

ROOT = Path(__file__).resolve().parents[2]


def test_settings_table_is_not_stale() -> None:
    text = docs.DOC.read_text(encoding="utf-8")
    assert docs.render(text) == text, "run: python -m least_privilege_constructs.access_analyzer.docs"


def test_every_setting_is_documented() -> None:
    text = docs.DOC.read_text(encoding="utf-8")
    for spec in SETTINGS:
        assert f"`{spec.env}`" in text and f"`{spec.context_key}`" in text


def test_regenerating_rewrites_a_stale_table(tmp_path: Path) -> None:
    stale = tmp_path / "doc.md"
    stale.write_text(f"intro\n{docs.BEGIN}\n| old |\n{docs.END}\noutro\n", encoding="utf-8")
    assert docs.main([str(stale)]) == 0
    text = stale.read_text(encoding="utf-8")
    assert "| old |" not in text and "`LEAST_PRIVILEGE_MODE`" in text and text.endswith(f"{docs.END}\noutro\n")
