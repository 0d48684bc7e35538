"""Extraction from a hand-made cloud assembly whose nested stack and StackSet templates are found through
their ``TemplateURL`` asset (``*.assets.json``), with a broken artifact and a nested stack not in it."""

from __future__ import annotations

from pathlib import Path

import pytest

from least_privilege_constructs.analysis.extract import Extraction, PolicyKind, extract_policies


@pytest.fixture(scope="module")
def urls(fixtures_dir: Path) -> Extraction:
    return extract_policies(fixtures_dir / "extract" / "assembly_urls")


def test_nested_stack_found_by_template_url_asset(urls: Extraction) -> None:
    policy = next(p for p in urls.policies if p.origin.policy_name == "use-key")
    assert policy.origin.stack == "Parent/Child"
    key_arn = policy.document["Statement"][0]["Resource"]
    assert key_arn.startswith("arn:aws:kms:ap-southeast-2:333333333333:key/")
    assert urls.exports["child-role-arn"].startswith("arn:aws:iam::333333333333:role/parent-stack-Child-")


def test_stack_set_template_url_asset_in_yaml(urls: Extraction) -> None:
    policy = next(p for p in urls.policies if p.origin.stack == "Parent/Guardrails")
    assert policy.kind is PolicyKind.MANAGED
    # StackSet templates deploy into other accounts: resolved with the placeholder account
    assert policy.document["Statement"][0]["Resource"] == "arn:aws:organizations::123456789012:account/*"
    assert policy.origin.source.endswith("stackset.template.yaml")


def test_missing_templates_are_blocking_findings(urls: Extraction) -> None:
    codes = sorted((f.issue_code, f.origin.logical_id if f.origin else None) for f in urls.findings)
    assert codes == [("INVALID_MANIFEST", None), ("NESTED_TEMPLATE_NOT_FOUND", "Missing")]
    assert all(f.is_blocking() and f.check == "extraction" for f in urls.findings)
    missing = next(f for f in urls.findings if f.issue_code == "NESTED_TEMPLATE_NOT_FOUND")
    assert missing.origin is not None and missing.origin.json_path == "Resources.Missing.Properties.TemplateURL"
