"""Issue 13: trust policies naming roles with paths match those roles' sessions; dead grants are warnings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from least_privilege_constructs.analysis.escalation import EscalationContext, analyze
from least_privilege_constructs.analysis.reasoning import PolicySet, Request, evaluate
from least_privilege_constructs.boundary.boundary_document import BoundarySpec, build_boundary_document
from sample_app import config

ROOT = Path(__file__).resolve().parents[3]
BEFORE = ROOT / "tests" / "fixtures" / "escalation" / "families" / "sample-boundary-before-issue-13.json"
ACCOUNT = "123456789012"
ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def _role(name: str, path: str, trust_principal: dict[str, Any], policies: list[dict[str, Any]],
          boundary: str | None = None) -> dict[str, Any]:
    props: dict[str, Any] = {
        "RoleName": name, "Path": path,
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": trust_principal}]},
        "Policies": [{"PolicyName": f"P{i}", "PolicyDocument": p} for i, p in enumerate(policies)],
    }
    if boundary:
        props["PermissionsBoundary"] = {"Ref": boundary}
    return {"Type": "AWS::IAM::Role", "Properties": props}


@pytest.mark.parametrize("path", ["/app/", "/developers/", "/"])
def test_a_trust_policy_naming_a_role_with_its_path_matches_its_sessions(tmp_path: Path, path: str) -> None:
    # the evaluator: a session ARN carries no path; the trust policy names the role with it
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role{path}dev"}}]}
    # no identity permission: in the same account the trust policy naming the role grants alone
    ps = PolicySet.build(identity=[{"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}], resource=trust)
    session = f"arn:aws:sts::{ACCOUNT}:assumed-role/dev/alice"
    target = f"arn:aws:iam::{ACCOUNT}:role/platform/admin"
    assert evaluate(Request(session, "sts:AssumeRole", target, {}), ps).allowed
    other = f"arn:aws:sts::{ACCOUNT}:assumed-role/devx/alice"
    assert not evaluate(Request(other, "sts:AssumeRole", target, {}), ps).allowed
    # the analysis: the developer (under the path) may assume the admin role that trusts it by name
    template = {"Resources": {
        "Dev": _role("dev", path, {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                     [{"Version": "2012-10-17", "Statement": [
                         {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}]),
        "Admin": _role("admin", "/platform/", {"AWS": {"Fn::GetAtt": ["Dev", "Arn"]}}, [ALLOW_ALL]),
    }}
    file = tmp_path / "trust.json"
    file.write_text(json.dumps(template))
    report = analyze(file, EscalationContext(account=ACCOUNT, assume_unknown_roles_privileged=False,
                                             cdk_bootstrap=False))
    assert report.problems == []
    found = [(p.principal.split("/")[1], p.method_id, p.target) for p in report.paths]
    assert ("Dev", "AssumeRole", f"arn:aws:iam::{ACCOUNT}:role/platform/admin") in found, found


def _sample_boundary() -> dict[str, Any]:
    spec = BoundarySpec(name="lpc-developer-boundary", allowed_regions=config.REGIONS,
                        **config.BOUNDARY_OPTIONS)  # type: ignore[arg-type]
    return build_boundary_document(spec)


def _payments_template(tmp_path: Path, boundary: dict[str, Any], name: str) -> Path:
    """The sample's payments developer statement that passes its bounded execution role to CloudFormation."""
    account = config.WORKLOAD_ACCOUNT
    text = json.dumps(boundary).replace("${AWS::AccountId}", account).replace("${AWS::Partition}", "aws")
    statement = {
        "Sid": "PassExecutionRoleToCloudFormation", "Effect": "Allow", "Action": "iam:PassRole",
        "Resource": f"arn:aws:iam::{account}:role/app/deployers/cfn-exec-payments",
        "Condition": {"StringEquals": {"iam:PassedToService": "cloudformation.amazonaws.com"}},
    }
    template = {"Resources": {
        "Boundary": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
            "ManagedPolicyName": "lpc-developer-boundary", "Path": "/boundaries/", "PolicyDocument": json.loads(text)}},
        "Developers": _role("payments-developers", "/developers/", {"AWS": f"arn:aws:iam::{config.IDENTITY_ACCOUNT}:root"},
                            [{"Version": "2012-10-17", "Statement": [
                                statement,
                                {"Sid": "ReadLogs", "Effect": "Allow", "Action": "logs:GetLogEvents",
                                 "Resource": f"arn:aws:logs:eu-west-1:{account}:log-group:app-payments:*"}]}],
                            boundary="Boundary"),
    }}
    file = tmp_path / f"{name}.json"
    file.write_text(json.dumps(template))
    return file


def test_the_sample_pass_role_that_the_old_boundary_denied_is_a_dead_grant(tmp_path: Path) -> None:
    context = EscalationContext(account=config.WORKLOAD_ACCOUNT, regions=config.REGIONS, cdk_bootstrap=False)
    before = json.loads(BEFORE.read_text(encoding="utf-8"))
    report = analyze(_payments_template(tmp_path, before, "before"), context)
    assert report.problems == []
    (finding,) = report.dead_grants
    assert finding.issue_code == "DEAD_GRANT" and finding.finding_type.value == "WARNING"
    assert not finding.is_blocking()
    assert "P0 Statement[0] (PassExecutionRoleToCloudFormation)" in finding.message
    assert "DenyPassRoleToUnlistedServices" in finding.message
    assert finding.details["actions"] == ["iam:PassRole"]
    assert finding in report.findings()
    # the fixed sample boundary lists CloudFormation: the grant works, nothing to report
    fixed = analyze(_payments_template(tmp_path, _sample_boundary(), "after"), context)
    assert fixed.dead_grants == []


def test_a_grant_the_boundary_merely_narrows_is_not_dead() -> None:
    from least_privilege_constructs.analysis.escalation.dead_grants import dead_grants

    boundary = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Sid": "DenyOutsideApp", "Effect": "Deny", "Action": "lambda:UpdateFunctionCode",
         "NotResource": "arn:aws:lambda:*:*:function:app-*"}]}
    identity = {"Version": "2012-10-17", "Statement": [
        {"Sid": "Wide", "Effect": "Allow", "Action": "lambda:UpdateFunctionCode", "Resource": "*"},
        {"Sid": "Own", "Effect": "Allow", "Action": "lambda:UpdateFunctionCode",
         "Resource": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:app-x"},
        {"Sid": "Other", "Effect": "Allow", "Action": "lambda:UpdateFunctionCode",
         "Resource": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:platform-x"}]}
    found = dead_grants([("P", identity)], boundary, principal=f"arn:aws:iam::{ACCOUNT}:role/dev")
    # a wildcard resource is not judged; the literal one outside the application is dead
    assert [(d.statement, d.boundary_statements) for d in found] == [
        ("P Statement[2] (Other)", ("Statement[1] (DenyOutsideApp)",))]


def test_the_sample_app_has_no_dead_grant(sample_cdk_out: Path) -> None:
    report = analyze(sample_cdk_out)
    assert report.dead_grants == [] and report.paths == [] and report.conditional == []
