"""The sample organization synthesizes with every guardrail on, and its templates are valid CloudFormation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from least_privilege_constructs.boundary.boundary_enforcement import verify_cdk_out
from tests.helpers.cfn import cfn_lint_errors


def _templates(cdk_out: Path) -> list[Path]:
    return sorted(cdk_out.glob("*.template.json"))


def test_sample_app_synthesizes_every_stack(sample_cdk_out: Path) -> None:
    manifest = json.loads((sample_cdk_out / "manifest.json").read_text())
    stacks = {a.get("displayName", k) for k, a in manifest["artifacts"].items() if a["type"] == "aws:cloudformation:stack"}
    assert {"Platform", "PaymentsApp"} <= stacks


def test_cfn_lint_reports_no_errors(sample_cdk_out: Path) -> None:
    templates = _templates(sample_cdk_out)
    assert templates
    assert cfn_lint_errors(templates) == []


def test_every_principal_carries_the_boundary(sample_cdk_out: Path) -> None:
    assert verify_cdk_out(str(sample_cdk_out), "/boundaries/", "lpc-developer-boundary") == []


@pytest.mark.parametrize("stack", ["PaymentsApp"])
def test_application_roles_live_under_the_application_path(sample_cdk_out: Path, stack: str) -> None:
    template = json.loads((sample_cdk_out / f"{stack}.template.json").read_text())
    roles = [r for r in template["Resources"].values() if r["Type"] == "AWS::IAM::Role"]
    assert len(roles) >= 3
    assert all(r["Properties"].get("Path") == "/app/" for r in roles)


def test_workload_roles_are_linked_to_the_boundary_the_stackset_deploys(sample_cdk_out: Path) -> None:
    """The workload account refers to the organization's boundary; the extraction links each role to the
    policy the StackSet deploys, as deployed in the role's own account."""
    from least_privilege_constructs.analysis.extract import extract_policies

    extraction = extract_policies([sample_cdk_out])
    workload = [p for p in extraction.roles if ":444444444444:" in p.arn]
    assert len(workload) >= 5
    for role in workload:
        assert role.boundary is not None, role.label
        text = json.dumps(role.boundary.document)
        assert ":444444444444:" in text and "123456789012" not in text
