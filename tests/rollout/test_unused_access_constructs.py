"""UnusedAccessAnalyzer and ServiceControlPolicy: the synthesized resources, the construction errors, and
the gate validating the SCP document as SERVICE_CONTROL_POLICY."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.synth

SCP = {"Version": "2012-10-17", "Statement": [
    {"Sid": "DenyUnusedServices1", "Effect": "Deny", "Action": ["gamelift:*", "braket:*"], "Resource": "*"}]}


@pytest.fixture(scope="module")
def cdk_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from aws_cdk import App, Environment, Stack

    from least_privilege_constructs import ServiceControlPolicy, UnusedAccessAnalyzer

    out = tmp_path_factory.mktemp("unused") / "cdk.out"
    app = App(outdir=str(out))
    stack = Stack(app, "Management", env=Environment(account="999999999999", region="eu-west-1"))
    UnusedAccessAnalyzer(stack, "UnusedAccess", unused_access_age=120, exclude_account_ids=["444455556666"],
                         exclude_resource_tags=[{"lpc:unused-access": "exempt"}], analyzer_name="org-unused")
    ServiceControlPolicy(stack, "DenyUnused", name="lpc-deny-unused-services-ou-ab12-sandbox01", document=SCP,
                         target_ids=["ou-ab12-sandbox01", "r-ab12", "111122223333"], description="unused services")
    ServiceControlPolicy(stack, "Broken", document={"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Action": "notaservice:*", "Resource": "*"}]}, target_ids=["ou-ab12-sandbox01"])
    app.synth()
    return out


def _resources(cdk_out: Path) -> dict[str, Any]:
    return dict(json.loads((cdk_out / "Management.template.json").read_text())["Resources"])


def test_analyzer_and_scp_resources(cdk_out: Path) -> None:
    resources = _resources(cdk_out)
    [analyzer] = [r for r in resources.values() if r["Type"] == "AWS::AccessAnalyzer::Analyzer"]
    assert analyzer["Properties"]["Type"] == "ORGANIZATION_UNUSED_ACCESS"
    config = analyzer["Properties"]["AnalyzerConfiguration"]["UnusedAccessConfiguration"]
    assert config["UnusedAccessAge"] == 120
    assert config["AnalysisRule"]["Exclusions"] == [
        {"AccountIds": ["444455556666"]}, {"ResourceTags": [[{"Key": "lpc:unused-access", "Value": "exempt"}]]}]
    scps = {r["Properties"]["Name"]: r["Properties"] for r in resources.values()
            if r["Type"] == "AWS::Organizations::Policy"}
    scp = scps["lpc-deny-unused-services-ou-ab12-sandbox01"]
    assert scp["Type"] == "SERVICE_CONTROL_POLICY" and scp["Content"] == SCP
    assert scp["TargetIds"] == ["ou-ab12-sandbox01", "r-ab12", "111122223333"]


def test_gate_validates_the_scp_as_service_control_policy(cdk_out: Path) -> None:
    from least_privilege_constructs.access_analyzer import OfflineBackend
    from least_privilege_constructs.analysis.gate import GateOptions, run_gate

    report = run_gate(str(cdk_out), GateOptions(escalation=False), backend=OfflineBackend(), backend_reason="test")
    scp_findings = [f for f in report.findings if f.origin and "Broken" in (f.origin.construct_path or "")]
    assert [f.issue_code for f in scp_findings] == ["INVALID_SERVICE_IN_ACTION"]
    assert all(f.origin and str(f.origin.policy_type) == "SERVICE_CONTROL_POLICY" for f in scp_findings)
    assert not [f for f in report.findings if f.origin and "DenyUnused" in (f.origin.construct_path or "")]


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"unused_access_age": 0}, "LPC-UNUSED-001"),
    ({"unused_access_age": 366}, "LPC-UNUSED-001"),
    ({"scope_type": "ORG"}, "LPC-UNUSED-002"),
    ({"exclude_account_ids": "444455556666"}, "LPC-UNUSED-003"),
    ({"exclude_account_ids": ["4444"]}, "LPC-UNUSED-003"),
    ({"exclude_account_ids": ["999999999999"]}, "LPC-UNUSED-003"),
    ({"scope_type": "ACCOUNT", "exclude_account_ids": ["444455556666"]}, "LPC-UNUSED-003"),
    ({"exclude_resource_tags": [{"aws:x": "y"}]}, "LPC-UNUSED-003"),
    ({"analyzer_name": "9bad name"}, "LPC-UNUSED-004"),
])
def test_analyzer_errors(kwargs: dict[str, Any], code: str) -> None:
    from aws_cdk import App, Environment, Stack

    from least_privilege_constructs import UnusedAccessAnalyzer
    from least_privilege_constructs.errors import LeastPrivilegeError

    stack = Stack(App(), "S", env=Environment(account="999999999999", region="eu-west-1"))
    with pytest.raises(LeastPrivilegeError) as info:
        UnusedAccessAnalyzer(stack, "A", **kwargs)
    assert info.value.code == code and info.value.where == "S/A"


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"document": {"Version": "2012-10-17"}}, "LPC-SCP-001"),
    ({"document": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Action": [f"ec2:Describe{i:05d}" for i in range(400)], "Resource": "*"}]}}, "LPC-SCP-002"),
    ({"document": SCP, "target_ids": ["ou-bad"]}, "LPC-SCP-003"),
    ({"document": SCP, "target_ids": "r-ab12"}, "LPC-SCP-003"),
    ({"document": SCP, "target_ids": ["r-ab12", "r-ab12"]}, "LPC-SCP-003"),
    ({"document": SCP, "name": ""}, "LPC-SCP-004"),
])
def test_scp_errors(kwargs: dict[str, Any], code: str) -> None:
    from aws_cdk import App, Stack

    from least_privilege_constructs import ServiceControlPolicy
    from least_privilege_constructs.errors import LeastPrivilegeError

    with pytest.raises(LeastPrivilegeError) as info:
        ServiceControlPolicy(Stack(App(), "S"), "P", **kwargs)
    assert info.value.code == code
