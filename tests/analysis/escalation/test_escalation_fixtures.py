"""The escalation analysis on the B1–B11 fixtures, the three published examples and the sample app."""

from __future__ import annotations

from pathlib import Path

import pytest

from least_privilege_constructs.analysis.escalation import EscalationContext, analyze, find_escalations
from least_privilege_constructs.analysis.findings import FindingType

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "tests" / "fixtures" / "escalation"
HOLES = [f"B{i}" for i in range(1, 12)]


def ids(paths: list) -> set[str]:
    return {p.method_id for p in paths}


def test_base_design_has_no_path() -> None:
    report = analyze(FIXTURES / "base.json")
    assert report.problems == []
    assert report.principals == 1
    assert report.paths == []


@pytest.mark.parametrize("path_id", HOLES, ids=HOLES)
def test_fixture_opens_exactly_its_path(path_id: str) -> None:
    paths = find_escalations(FIXTURES / f"{path_id.lower()}.json")
    assert ids(paths) == {path_id}
    (path,) = paths
    assert path.principal.endswith("/DeveloperRole")
    assert path.permissions and path.statements and path.fix
    finding = path.to_finding()
    assert finding.check == "escalation" and finding.issue_code == path_id
    assert finding.is_blocking()


def test_b5_names_what_the_self_edit_opens() -> None:
    (path,) = find_escalations(FIXTURES / "b5.json")
    assert path.target.endswith(":policy/app/developer-policy")
    assert "B1" in path.chain


def test_b9_names_the_unbounded_function() -> None:
    (path,) = find_escalations(FIXTURES / "b9.json")
    assert path.target.endswith(":function:platform-secret-rotation")
    assert path.assumption == ""  # the function and its unbounded role are in the assembly
    assert path.to_finding().finding_type is FindingType.ERROR


def test_cdk_cli_example_boundary_is_b1() -> None:
    paths = find_escalations(FIXTURES / "cdk-example-boundary.json")
    b1 = [p for p in paths if p.method_id == "B1"]
    assert b1, ids(paths)
    assert "no permissions boundary" in b1[0].evidence


def test_iam_user_guide_delegation_is_b10() -> None:
    paths = find_escalations(FIXTURES / "iam-user-guide-delegation.json", EscalationContext(account="111122223333"))
    b10 = [p for p in paths if p.method_id == "B10"]
    assert b10, ids(paths)
    assert b10[0].principal.endswith("/Zhang")
    assert any("CloudWatchAndOtherIAMTasks" in s for s in b10[0].statements)
    # creating users with the XCompanyBoundaries boundary is the designed pattern, not B1
    assert "B1" not in ids(paths)


def test_well_architected_app1_policy_is_b6() -> None:
    paths = find_escalations(FIXTURES / "well-architected-app1.json")
    b6 = [p for p in paths if p.method_id == "B6"]
    assert b6, ids(paths)
    assert ":role/app1" in b6[0].target
    assert any("AttachDetachRolePolicy" in s for s in b6[0].statements)
    # its CreateRole statement is conditioned on the boundary: no B1
    assert "B1" not in ids(paths)


@pytest.fixture(scope="module")
def sample_assembly(sample_cdk_out: Path) -> Path:
    """The sample app, synthesized once per session with every guardrail on (escalation included)."""
    return sample_cdk_out


def test_sample_app_developer_roles_with_bounded_bootstrap_have_no_path(sample_assembly: Path) -> None:
    """With the CDK bootstrap roles declared bounded, too, nothing is open."""
    report = analyze(sample_assembly, EscalationContext(bootstrap_roles_bounded=True))
    assert report.problems == []
    assert report.principals >= 2
    assert report.paths == []


def test_sample_app_developer_roles_have_no_path(sample_assembly: Path) -> None:
    """With the default context (CDK bootstrap roles unbounded, unknown roles possibly privileged): the
    payments stack deploys through a bounded execution role under the application path, developers' work is
    scoped to their name prefixes, and the boundary denies writes to the CDK asset stores."""
    assert find_escalations(sample_assembly) == []
