"""docs/cli.md's generated tables are up to date with the code."""

from __future__ import annotations

from pathlib import Path

from least_privilege_constructs.cli.docs import GENERATORS, render

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def test_generated_sections_are_not_stale() -> None:
    text = DOC.read_text(encoding="utf-8")
    for name in GENERATORS:
        assert f"<!-- BEGIN GENERATED: {name} -->" in text
    assert render(text) == text, "run: python -m least_privilege_constructs.cli.docs docs/cli.md"


def test_resource_table_lists_every_type_the_extractor_reads() -> None:
    from least_privilege_constructs.analysis.extract.resources import RESOURCE_POLICY_TYPES

    table = GENERATORS["resource-policies"]()
    for entry in RESOURCE_POLICY_TYPES:
        assert f"`{entry.cfn_type}`" in table
    assert "`AWS::IAM::AssumeRolePolicyDocument`" in table
