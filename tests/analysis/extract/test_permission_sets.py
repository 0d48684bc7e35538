"""AWS::SSO::PermissionSet as a principal: the role Identity Center provisions, with its policies and
boundary, seen by the gate and the escalation analysis.

https://docs.aws.amazon.com/singlesignon/latest/userguide/referencingpermissionsets.html
https://docs.aws.amazon.com/singlesignon/latest/userguide/permissionsboundary.html
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from least_privilege_constructs.access_analyzer.offline import OfflineBackend
from least_privilege_constructs.analysis.extract import extract_policies
from least_privilege_constructs.analysis.gate import GateOptions, run_gate

ADMIN = {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::aws:policy/AdministratorAccess"]]}
INLINE = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}


def _assembly(tmp_path: Path, **props: Any) -> Path:
    out = tmp_path / "cdk.out"
    out.mkdir()
    template = {"Resources": {"PS": {"Type": "AWS::SSO::PermissionSet", "Properties": {
        "InstanceArn": "arn:aws:sso:::instance/ssoins-1", "Name": "Devs", **props}}}}
    (out / "S.template.json").write_text(json.dumps(template))
    (out / "manifest.json").write_text(json.dumps({"version": "36.0.0", "artifacts": {"S": {
        "type": "aws:cloudformation:stack", "environment": "aws://111122223333/us-east-1",
        "properties": {"templateFile": "S.template.json"}}}}))
    return out


def test_permission_set_is_the_role_it_provisions(tmp_path: Path) -> None:
    cdk_out = _assembly(tmp_path, InlinePolicy=INLINE, ManagedPolicies=["arn:aws:iam::aws:policy/ReadOnlyAccess"],
                        CustomerManagedPolicyReferences=[{"Name": "team", "Path": "/app/"}],
                        PermissionsBoundary={"CustomerManagedPolicyReference": {"Name": "lpc-developer-boundary"}})
    [principal] = extract_policies([str(cdk_out)]).principals
    assert principal.kind.value == "role" and principal.path == "/aws-reserved/sso.amazonaws.com/"
    assert principal.arn == "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Devs"
    assert principal.managed_policy_arns == ["arn:aws:iam::aws:policy/ReadOnlyAccess",
                                             "arn:aws:iam::111122223333:policy/app/team"]
    assert principal.boundary_arn == "arn:aws:iam::111122223333:policy/lpc-developer-boundary"
    assert [p.document for p in principal.inline_policies] == [INLINE]


def test_gate_analyses_permission_sets(tmp_path: Path) -> None:
    """The escalation analysis counts the permission set and resolves its AWS managed policy offline.
    (An unbounded admin has nothing to escalate to: LP-IAM1/LP-IAM2 of the nag pack report it.)"""
    report = run_gate(str(_assembly(tmp_path, ManagedPolicies=[ADMIN])), GateOptions.resolve({}, env={}),
                      backend=OfflineBackend())
    assert report.summaries["escalation"].checked == 1
    assert not [f for f in report.findings if f.issue_code == "ESCALATION_UNDETERMINED"]
    unknown = tmp_path / "unknown"
    unknown.mkdir()
    report = run_gate(str(_assembly(unknown, ManagedPolicies=["arn:aws:iam::aws:policy/NotInTheSnapshot"])),
                      GateOptions.resolve({}, env={}), backend=OfflineBackend())
    assert [f.issue_code for f in report.findings if f.check == "escalation"] == ["ESCALATION_UNDETERMINED"]


# -- the permission set whole: inline ∪ AWS managed ∪ customer managed (from the StackSet), under the boundary --

MEMBER = "444455556666"
STACK_SET_TEMPLATE = {"Resources": {
    "Boundary": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
        "ManagedPolicyName": "lpc-developer-boundary", "Path": "/boundaries/", "PolicyDocument": {
            "Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": ["cloudwatch:GetMetricData", "cloudwatch:ListMetrics"], "Resource": "*"}]}}},
    "TeamExtra": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
        "ManagedPolicyName": "team-extra", "Path": "/lpc/", "PolicyDocument": {
            "Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "iam:CreateUser", "Resource": "*"}]}}},
}}
BOUNDARY_REF = {"CustomerManagedPolicyReference": {"Name": "lpc-developer-boundary", "Path": "/boundaries/"}}


def _with_stack_set(tmp_path: Path, **props: Any) -> Path:
    """A management stack: the StackSet that creates the boundary and team-extra, and a permission set."""
    out = tmp_path / "cdk.out"
    out.mkdir()
    template = {"Resources": {
        "StackSet": {"Type": "AWS::CloudFormation::StackSet", "Properties": {
            "StackSetName": "lpc-default-policies", "PermissionModel": "SERVICE_MANAGED",
            "TemplateBody": json.dumps(STACK_SET_TEMPLATE)}},
        "PS": {"Type": "AWS::SSO::PermissionSet", "Properties": {
            "InstanceArn": "arn:aws:sso:::instance/ssoins-1", "Name": "Devs", **props}}}}
    (out / "S.template.json").write_text(json.dumps(template))
    (out / "manifest.json").write_text(json.dumps({"version": "36.0.0", "artifacts": {"S": {
        "type": "aws:cloudformation:stack", "environment": f"aws://{MEMBER}/us-east-1",
        "properties": {"templateFile": "S.template.json"}}}}))
    return out


def test_customer_managed_reference_is_the_stackset_policy_in_the_account(tmp_path: Path) -> None:
    # given a permission set referring to team-extra by name and path, which the StackSet creates everywhere
    cdk_out = _with_stack_set(tmp_path, PermissionsBoundary=BOUNDARY_REF,
                              CustomerManagedPolicyReferences=[{"Name": "team-extra", "Path": "/lpc/"}])
    # when extracted
    extraction = extract_policies([str(cdk_out)])
    principal = next(p for p in extraction.principals if p.logical_id == "PS")
    # then its identity policies hold the StackSet's team-extra, as deployed in the permission set's account
    [policy] = extraction.all_identity_policies(principal)
    assert policy.policy_arn == f"arn:aws:iam::{MEMBER}:policy/lpc/team-extra"
    assert principal.managed_policy_arns == [] and principal.boundary is not None


@pytest.mark.parametrize(("props", "access_granted"), [
    # the StackSet's customer managed policy grants iam:CreateUser (a sensitive action)
    ({"CustomerManagedPolicyReferences": [{"Name": "team-extra", "Path": "/lpc/"}]}, ["team-extra"]),
    # an AWS managed policy that grants sensitive IAM actions
    ({"ManagedPolicies": ["arn:aws:iam::aws:policy/IAMFullAccess"]}, ["IAMFullAccess"]),
    # broad but read-only: nothing sensitive, and no BEYOND_BOUNDARY noise for an AWS managed policy
    ({"ManagedPolicies": ["arn:aws:iam::aws:policy/ReadOnlyAccess"]}, []),
    # AdministratorAccess is LP-IAM2's one finding (below), not the gate's too
    ({"ManagedPolicies": [ADMIN]}, []),
])
def test_gate_asks_about_every_policy_of_the_permission_set(tmp_path: Path, props: dict[str, Any],
                                                              access_granted: list[str]) -> None:
    # given a bounded permission set, when the gate runs
    report = run_gate(str(_with_stack_set(tmp_path, PermissionsBoundary=BOUNDARY_REF, **props)),
                      GateOptions.resolve({}, env={}), backend=OfflineBackend())
    # then check-access-not-granted reports exactly the policies granting sensitive actions
    found = [f.origin.policy_name for f in report.findings if f.issue_code == "ACCESS_GRANTED" and f.origin]
    assert sorted(found) == access_granted
    assert not [f for f in report.findings if f.issue_code == "BEYOND_BOUNDARY" and f.origin
                and f.origin.policy_name in ("ReadOnlyAccess", "IAMFullAccess", "AdministratorAccess")]


@pytest.mark.parametrize(("props", "rule_finding"), [
    ({"ManagedPolicies": [ADMIN], "PermissionsBoundary": BOUNDARY_REF}, "LP-IAM2 ManagedPolicy::AdministratorAccess"),
    ({"ManagedPolicies": ["arn:aws:iam::aws:policy/ReadOnlyAccess"]}, "LP-IAM1 Boundary::missing"),
])
def test_admin_or_unbounded_permission_set_is_one_finding(tmp_path: Path, props: dict[str, Any],
                                                          rule_finding: str) -> None:
    """AdministratorAccess, or no boundary: the owner rule reports it once; the gate adds nothing blocking."""
    from least_privilege_constructs.analysis.rules.no_admin_access import no_admin_access
    from least_privilege_constructs.analysis.rules.permissions_boundary import approved_boundary
    from least_privilege_constructs.analysis.rules.stack_view import StackView

    cdk_out = _with_stack_set(tmp_path, **props)
    # when the nag rules and the gate look at it
    view = StackView(json.loads((cdk_out / "S.template.json").read_text()))
    inp = view.rule_input("PS")
    assert inp is not None
    keys = [f"{rule} {f.key}" for rule, check in (("LP-IAM1", approved_boundary), ("LP-IAM2", no_admin_access))
            for f in check(inp)]
    report = run_gate(str(cdk_out), GateOptions.resolve({}, env={}), backend=OfflineBackend())
    # then one rule finding names it, and the gate has nothing blocking on the permission set
    assert keys == [rule_finding]
    assert [f for f in report.findings if f.is_blocking(report.treat_as_blocking) and f.origin
            and f.origin.logical_id == "PS"] == []


def test_escalation_sees_the_stackset_policy_of_the_permission_set(tmp_path: Path) -> None:
    """B3 (remove the boundary) through a customer managed policy the StackSet deploys: the escalation
    analysis reads the policy itself, instead of an unknown ARN (ESCALATION_UNDETERMINED)."""
    template = json.loads(json.dumps(STACK_SET_TEMPLATE))
    template["Resources"]["Boundary"]["Properties"]["PolicyDocument"]["Statement"][0]["Action"] = "iam:*"
    template["Resources"]["TeamExtra"]["Properties"]["PolicyDocument"]["Statement"][0]["Action"] = (
        "iam:DeleteRolePermissionsBoundary")
    # given a permission set whose StackSet-deployed team policy may delete role boundaries
    cdk_out = _with_stack_set(tmp_path, PermissionsBoundary=BOUNDARY_REF,
                              CustomerManagedPolicyReferences=[{"Name": "team-extra", "Path": "/lpc/"}])
    stack = json.loads((cdk_out / "S.template.json").read_text())
    stack["Resources"]["StackSet"]["Properties"]["TemplateBody"] = json.dumps(template)
    (cdk_out / "S.template.json").write_text(json.dumps(stack))
    # when the gate runs, then the escalation names the path, and nothing is undetermined
    report = run_gate(str(cdk_out), GateOptions.resolve({}, env={}), backend=OfflineBackend())
    codes = {f.issue_code for f in report.findings if f.check == "escalation"}
    assert "B3" in codes and "ESCALATION_UNDETERMINED" not in codes
