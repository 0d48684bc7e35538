"""Precision in both directions: conditions evaluated, actions combined across policies, context honoured,
the designed pattern never reported."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from least_privilege_constructs.analysis.escalation import EscalationContext, analyze, find_escalations

ACCOUNT = "123456789012"


def _template(tmp_path: Path, policies: list[dict[str, Any]], *, boundary: dict[str, Any] | None = None,
              extra: dict[str, Any] | None = None, name: str = "t") -> Path:
    resources: dict[str, Any] = {
        "Subject": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "RoleName": "subject",
                "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "lambda.amazonaws.com"}}]},
                "Policies": [{"PolicyName": f"P{i}", "PolicyDocument": {"Version": "2012-10-17", "Statement": p}}
                             for i, p in enumerate(policies)],
            },
        }
    }
    if boundary is not None:
        resources["Boundary"] = {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
            "ManagedPolicyName": "boundary", "Path": "/boundaries/", "PolicyDocument": boundary}}
        resources["Subject"]["Properties"]["PermissionsBoundary"] = {"Ref": "Boundary"}
    resources.update(extra or {})
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps({"Resources": resources}))
    return path


def _ids(path: Path, context: EscalationContext | None = None) -> set[str]:
    report = analyze(path, context)
    assert report.problems == []
    return {p.method_id for p in report.paths}


def allow(actions: Any, resource: Any = "*", condition: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"Effect": "Allow", "Action": actions, "Resource": resource}
    if condition:
        out["Condition"] = condition
    return out


def deny(actions: Any, resource: Any = "*", condition: dict[str, Any] | None = None, *, not_resource: bool = False
         ) -> dict[str, Any]:
    out: dict[str, Any] = {"Effect": "Deny", "Action": actions,
                           ("NotResource" if not_resource else "Resource"): resource}
    if condition:
        out["Condition"] = condition
    return out


BOUNDARY_ARN = f"arn:aws:iam::{ACCOUNT}:policy/boundaries/boundary"


def test_unbounded_role_with_create_policy_version_is_the_classic_method(tmp_path: Path) -> None:
    paths = find_escalations(_template(tmp_path, [[allow("iam:CreatePolicyVersion")]]))
    assert [p.method_id for p in paths] == ["CreatePolicyVersion"]
    assert paths[0].also_known_as == ("B5",)


def test_actions_are_combined_across_policies(tmp_path: Path) -> None:
    one = _template(tmp_path, [[allow("iam:PassRole")], [allow(["lambda:CreateFunction", "lambda:InvokeFunction"])]])
    assert "PassRole-Lambda" in _ids(one)
    # either policy alone opens nothing
    assert _ids(_template(tmp_path, [[allow("iam:PassRole")]], name="a")) == set()
    assert _ids(_template(tmp_path, [[allow(["lambda:CreateFunction", "lambda:InvokeFunction"])]], name="b")) == set()


def test_conditions_are_evaluated_not_ignored(tmp_path: Path) -> None:
    # PassRole on * but only to Step Functions: no catalog method passes to states, so no path
    path = _template(tmp_path, [[allow("iam:PassRole", condition={"StringEquals": {"iam:PassedToService":
                                                                                   "states.amazonaws.com"}}),
                                 allow(["lambda:CreateFunction", "lambda:InvokeFunction"])]])
    assert _ids(path) == set()


def test_scp_from_context_closes_a_path(tmp_path: Path) -> None:
    path = _template(tmp_path, [[allow("iam:PassRole"), allow(["lambda:CreateFunction", "lambda:InvokeFunction"])]])
    scp = {"Version": "2012-10-17", "Statement": [allow("*"), deny("iam:PassRole")]}
    assert "PassRole-Lambda" in _ids(path)
    assert _ids(path, EscalationContext(scps=[scp])) == set()


def test_admin_roles_of_the_context_and_the_unknown_role_assumption(tmp_path: Path) -> None:
    admin = f"arn:aws:iam::{ACCOUNT}:role/ops/Admin"
    path = _template(tmp_path, [[allow("sts:AssumeRole", admin)]])
    assert _ids(path) == {"AssumeRole"}  # unknown role outside the application path: may be privileged
    assert _ids(path, EscalationContext(assume_unknown_roles_privileged=False, cdk_bootstrap=False)) == set()
    found = find_escalations(path, EscalationContext(admin_role_arns=[admin], assume_unknown_roles_privileged=False))
    assert [(p.method_id, p.target, p.assumption) for p in found] == [("AssumeRole", admin, "")]


def test_application_path_roles_are_the_designed_pattern(tmp_path: Path) -> None:
    # a bounded developer may pass, tag and assume application-path roles: nothing to report
    boundary = {"Version": "2012-10-17", "Statement": [
        allow("*"),
        deny(["iam:PassRole", "sts:AssumeRole"], f"arn:aws:iam::{ACCOUNT}:role/app/*", not_resource=True)]}
    path = _template(tmp_path, [[allow(["iam:PassRole", "sts:AssumeRole"], f"arn:aws:iam::{ACCOUNT}:role/app/*"),
                                 allow(["lambda:CreateFunction", "lambda:InvokeFunction"])]], boundary=boundary)
    assert _ids(path) == set()


def test_negated_operator_on_a_missing_key_denies(tmp_path: Path) -> None:
    boundary = {"Version": "2012-10-17", "Statement": [
        allow(["iam:CreateRole"]),
        deny("iam:CreateRole", condition={"StringNotEquals": {"iam:PermissionsBoundary": BOUNDARY_ARN}})]}
    assert _ids(_template(tmp_path, [[allow("iam:CreateRole")]], boundary=boundary)) == set()
    # the same statement with Effect Allow (the CDK CLI's example) denies nothing
    weak = {"Version": "2012-10-17", "Statement": [
        allow(["iam:CreateRole"]),
        allow("iam:CreateRole", condition={"StringEquals": {"iam:PermissionsBoundary": BOUNDARY_ARN}})]}
    assert _ids(_template(tmp_path, [[allow("iam:CreateRole")]], boundary=weak, name="weak")) == {"B1"}


def test_wildcard_boundary_condition_a_developer_policy_can_match_is_b1(tmp_path: Path) -> None:
    pattern = f"arn:aws:iam::{ACCOUNT}:policy/app/*"
    boundary = {"Version": "2012-10-17", "Statement": [
        allow(["iam:CreateRole", "iam:CreatePolicy"]),
        deny("iam:CreateRole", condition={"StringNotLike": {"iam:PermissionsBoundary": pattern}})]}
    identity = [allow("iam:CreateRole", condition={"StringLike": {"iam:PermissionsBoundary": pattern}}),
                allow("iam:CreatePolicy", f"arn:aws:iam::{ACCOUNT}:policy/app/*")]
    paths = find_escalations(_template(tmp_path, [identity], boundary=boundary))
    b1 = [p for p in paths if p.method_id == "B1"]
    assert b1 and "policy/app/lpc-probe" in b1[0].evidence
    # without the right to write such a policy, the wildcard cannot be matched by the developer
    no_author = find_escalations(_template(tmp_path, [identity[:1]], boundary=boundary, name="n"))
    assert "B1" not in {p.method_id for p in no_author}


@pytest.mark.parametrize(("actions", "expected"), [
    (["iam:CreateServiceLinkedRole"], "B12"),
    (["s3:PutBucketPolicy", "s3:GetObject"], "B15"),
], ids=["B12-any-service", "B15-resource-policy-beyond-boundary"])
def test_b12_and_b15(tmp_path: Path, actions: list[str], expected: str) -> None:
    boundary = {"Version": "2012-10-17", "Statement": [
        allow([*actions, "iam:CreateRole"]),
        deny("iam:CreateRole", condition={"StringNotEquals": {"iam:PermissionsBoundary": BOUNDARY_ARN}})]}
    assert _ids(_template(tmp_path, [[allow(actions)]], boundary=boundary)) == {expected}


def test_b12_restricted_by_service_name_is_closed(tmp_path: Path) -> None:
    statement = allow("iam:CreateServiceLinkedRole",
                      condition={"StringEquals": {"iam:AWSServiceName": "elasticbeanstalk.amazonaws.com"}})
    boundary = {"Version": "2012-10-17", "Statement": [allow("iam:CreateServiceLinkedRole")]}
    assert _ids(_template(tmp_path, [[statement]], boundary=boundary)) == set()


def test_unknown_managed_policy_is_undetermined_not_silent(tmp_path: Path) -> None:
    extra = {"Other": {"Type": "AWS::IAM::Role", "Properties": {
        "RoleName": "other", "ManagedPolicyArns": ["arn:aws:iam::aws:policy/service-role/SomeServicePolicy"],
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "ec2.amazonaws.com"}}]}}}}
    report = analyze(_template(tmp_path, [[allow("s3:GetObject")]], extra=extra))
    assert [p for p in report.paths if p.principal.endswith("/Other")] == []  # not proven...
    other = [p for p in report.undetermined if p.principal.endswith("/Other")]
    assert other and all(p.undetermined for p in other)  # ...nor excluded
    (finding,) = [f for f in report.findings() if f.issue_code == "ESCALATION_UNDETERMINED"]
    assert finding.finding_type.value == "WARNING" and not finding.is_blocking()
    assert "SomeServicePolicy" in finding.message
    known = analyze(_template(tmp_path, [[allow("s3:GetObject")]], extra=extra, name="k"), EscalationContext(
        managed_policy_documents={"arn:aws:iam::aws:policy/service-role/SomeServicePolicy":
                                  {"Version": "2012-10-17", "Statement": [allow("s3:GetObject")]}}))
    assert [p for p in known.paths if p.principal.endswith("/Other")] == []
    assert known.undetermined == []


def test_context_from_dict_rejects_unknown_settings() -> None:
    assert EscalationContext.from_dict({"adminRoleArns": ["arn:aws:iam::1:role/a"]}).admin_role_arns == (
        "arn:aws:iam::1:role/a",)
    with pytest.raises(ValueError, match="unknown escalation context setting"):
        EscalationContext.from_dict({"adminRoles": []})


def test_writes_to_the_cdk_asset_stores_are_b9(tmp_path: Path) -> None:
    boundary = {"Version": "2012-10-17", "Statement": [
        allow(["s3:*", "iam:CreateRole"]),
        deny("iam:CreateRole", condition={"StringNotEquals": {"iam:PermissionsBoundary": BOUNDARY_ARN}})]}
    paths = find_escalations(_template(tmp_path, [[allow("s3:PutObject")]], boundary=boundary))
    assert [(p.method_id, p.target) for p in paths] == [
        ("B9", f"arn:aws:s3:::cdk-hnb659fds-assets-{ACCOUNT}-us-east-1/lpc-probe-asset.json")]
    protected = {"Version": "2012-10-17", "Statement": [
        *boundary["Statement"], deny("s3:Put*", "arn:aws:s3:::cdk-*-assets-*/*")]}
    assert _ids(_template(tmp_path, [[allow("s3:PutObject")]], boundary=protected, name="p")) == set()
    # bootstrapped with a boundary as strict as the developers': the execution role gains nothing
    assert _ids(_template(tmp_path, [[allow("s3:PutObject")]], boundary=boundary, name="b"),
                EscalationContext(bootstrap_roles_bounded=True)) == set()


def test_multi_step_takeover_needs_every_step(tmp_path: Path) -> None:
    # user data: modify the attribute, then stop and start the instance
    alone = _template(tmp_path, [[allow("ec2:ModifyInstanceAttribute")]])
    assert _ids(alone) == set()
    full = _template(tmp_path, [[allow(["ec2:ModifyInstanceAttribute", "ec2:StopInstances", "ec2:StartInstances"])]],
                     name="full")
    assert _ids(full) == {"EC2-UserData"}


def test_findings_for_the_plugin(tmp_path: Path) -> None:
    from least_privilege_constructs.analysis.escalation import escalation_findings

    findings = escalation_findings(_template(tmp_path, [[allow("iam:CreatePolicyVersion")]]))
    assert [(f.check, f.issue_code) for f in findings] == [("escalation", "CreatePolicyVersion")]
    (finding,) = findings
    assert finding.origin is not None and finding.origin.logical_id == "Subject"
    assert finding.is_blocking() and finding.details["id"] == "CreatePolicyVersion"


def test_trust_policy_naming_the_principal_grants_without_identity_permission(tmp_path: Path) -> None:
    admin = {"Admin": {"Type": "AWS::IAM::Role", "Properties": {
        "RoleName": "ops-admin", "Path": "/ops/",
        "ManagedPolicyArns": ["arn:aws:iam::aws:policy/AdministratorAccess"],
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "sts:AssumeRole",
             "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/subject"}}]}}}}
    paths = find_escalations(_template(tmp_path, [[allow("s3:GetObject")]], extra=admin))
    found = [(p.principal.rsplit("/", 1)[-1], p.method_id, p.target) for p in paths]
    assert ("Subject", "AssumeRole", f"arn:aws:iam::{ACCOUNT}:role/ops/ops-admin") in found
    assert all(p.assumption == "" for p in paths if p.target.endswith("ops-admin"))


def test_an_administrator_has_nothing_to_escalate_to(tmp_path: Path) -> None:
    assert _ids(_template(tmp_path, [[allow("*")]])) == set()
    # denied something, it may get around the deny
    assert _ids(_template(tmp_path, [[allow("*"), deny("s3:*")]], name="d")) != set()


def test_a_role_with_no_more_access_is_no_escalation(tmp_path: Path) -> None:
    # a pipeline-like role may assume an unbounded helper role that can do less than itself
    helper = {"Helper": {"Type": "AWS::IAM::Role", "Properties": {
        "RoleName": "helper", "Path": "/ops/",
        "Policies": [{"PolicyName": "H", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
            allow("s3:GetObject", "arn:aws:s3:::artifacts/*")]}}],
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "sts:AssumeRole",
             "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/subject"}}]}}}}
    context = EscalationContext(assume_unknown_roles_privileged=False, cdk_bootstrap=False)
    path = _template(tmp_path, [[allow("s3:GetObject")]], extra=helper)
    assert _ids(path, context) == set()
    # the same helper with a permission the subject lacks is a way up
    helper["Helper"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"].append(allow("iam:CreateUser"))
    path = _template(tmp_path, [[allow("s3:GetObject")]], extra=helper, name="more")
    assert "AssumeRole" in _ids(path, context)
