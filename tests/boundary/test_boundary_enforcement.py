"""BoundaryEnforcement: verified on the synthesized templates; implicit roles; exemptions with reasons."""

from __future__ import annotations

import json
import os

import pytest
from aws_cdk import App, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3

from least_privilege_constructs import BoundaryEnforcement, PermissionsBoundaryPolicy
from least_privilege_constructs.boundary.boundary_enforcement import ACKNOWLEDGMENT_ID, verify_cdk_out
from least_privilege_constructs.errors import LeastPrivilegeError


def _app(tmp_path: object) -> App:
    return App(outdir=str(tmp_path), builtin_cloud_formation_validation=False)


def test_every_role_including_implicit_ones_is_bounded(tmp_path: object) -> None:
    # given roles created explicitly and implicitly (the auto-delete custom resource provider's role)
    app = _app(tmp_path)
    stack = Stack(app, "S")
    boundary = PermissionsBoundaryPolicy(stack, "B", allowed_services=["s3"])
    iam.Role(stack, "R", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    s3.Bucket(stack, "Bucket", auto_delete_objects=True, removal_policy=RemovalPolicy.DESTROY)
    # when enforcement is applied and the app synthesized
    BoundaryEnforcement.of(app).apply(boundary)
    assembly = app.synth()
    # then every role in the template carries the boundary, and the verification passes
    template = json.load(open(os.path.join(assembly.directory, "S.template.json")))
    roles = {k: v for k, v in template["Resources"].items() if v["Type"] == "AWS::IAM::Role"}
    assert len(roles) == 2
    assert any(k.startswith("CustomS3AutoDeleteObjects") for k in roles)
    assert all("PermissionsBoundary" in r["Properties"] for r in roles.values())
    assert verify_cdk_out(assembly.directory, "/boundaries/", "lpc-developer-boundary") == []


def test_unbounded_role_fails_synth_naming_its_construct_path(tmp_path: object) -> None:
    # given a role whose boundary was cleared
    app = _app(tmp_path)
    stack = Stack(app, "S")
    boundary = PermissionsBoundaryPolicy(stack, "B", allowed_services=["s3"])
    role = iam.Role(stack, "Escapee", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    BoundaryEnforcement.of(app).apply(boundary)
    iam.PermissionsBoundary.of(role).clear()
    # when synthesized, then synth fails and the report names the construct path
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    report = json.load(open(os.path.join(str(tmp_path), "validation-report.json")))
    (failed,) = [r for r in report["pluginReports"] if r["conclusion"] == "failure"]
    paths = [c["constructPath"] for v in failed["violations"] for c in v["violatingConstructs"]]
    assert paths == ["S/Escapee/Resource"]


def test_role_with_another_boundary_fails(tmp_path: object) -> None:
    app = _app(tmp_path)
    stack = Stack(app, "S")
    boundary = PermissionsBoundaryPolicy(stack, "B", allowed_services=["s3"])
    other = iam.ManagedPolicy(stack, "Weaker", managed_policy_name="weaker", statements=[
        iam.PolicyStatement(actions=["*"], resources=["*"])])
    role = iam.Role(stack, "Swapped", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    BoundaryEnforcement.of(app).apply(boundary)
    iam.PermissionsBoundary.of(role).apply(other)
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    report = json.load(open(os.path.join(str(tmp_path), "validation-report.json")))
    descriptions = [v["description"] for r in report["pluginReports"] for v in r["violations"]]
    assert any("S/Swapped/Resource" in d and "policy/weaker" in d for d in descriptions)


def test_implicit_role_without_boundary_fails(tmp_path: object) -> None:
    # given an implicit provider role whose boundary was removed by clearing it on the stack
    app = _app(tmp_path)
    stack = Stack(app, "S")
    other = Stack(app, "Other")
    boundary = PermissionsBoundaryPolicy(other, "B", allowed_services=["s3"])
    s3.Bucket(stack, "Bucket", auto_delete_objects=True, removal_policy=RemovalPolicy.DESTROY)
    BoundaryEnforcement.of(app).apply(boundary)
    iam.PermissionsBoundary.of(stack).clear()
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    report = json.load(open(os.path.join(str(tmp_path), "validation-report.json")))
    paths = [c["constructPath"] for r in report["pluginReports"] for v in r["violations"] for c in v["violatingConstructs"]]
    assert any("Custom::S3AutoDeleteObjectsCustomResourceProvider" in p for p in paths)


def test_exemption_with_reason_is_recorded_and_lets_synth_pass(tmp_path: object) -> None:
    app = _app(tmp_path)
    stack = Stack(app, "S")
    boundary = PermissionsBoundaryPolicy(stack, "B", allowed_services=["s3"])
    role = iam.Role(stack, "BreakGlass", assumed_by=iam.AccountRootPrincipal())
    BoundaryEnforcement.of(app).apply(boundary)
    BoundaryEnforcement.of(app).exempt(role, reason="break-glass role, reviewed by SecOps", remove_boundary=True)
    assembly = app.synth()
    template = json.load(open(os.path.join(assembly.directory, "S.template.json")))
    (role_json,) = [v for v in template["Resources"].values() if v["Type"] == "AWS::IAM::Role"]
    assert "PermissionsBoundary" not in role_json["Properties"]
    report = json.load(open(os.path.join(assembly.directory, "validation-report.json")))
    suppressed = [s for r in report["pluginReports"] for s in r.get("suppressedViolations", [])]
    assert [s["acknowledgedId"] for s in suppressed] == [ACKNOWLEDGMENT_ID]
    assert suppressed[0]["reason"] == "break-glass role, reviewed by SecOps"


def test_exemption_without_a_reason_is_refused(tmp_path: object) -> None:
    app = _app(tmp_path)
    stack = Stack(app, "S")
    role = iam.Role(stack, "R", assumed_by=iam.AccountRootPrincipal())
    with pytest.raises(LeastPrivilegeError) as err:
        BoundaryEnforcement.of(app).exempt(role, reason=" ")
    assert err.value.code == "LPC-ENFORCE-002" and "S/R" in str(err.value)


def test_scope_limits_the_verification(tmp_path: object) -> None:
    # an unbounded role outside the enforced stack is not this enforcement's business
    app = _app(tmp_path)
    stack = Stack(app, "Enforced")
    free = Stack(app, "Free")
    boundary = PermissionsBoundaryPolicy(stack, "B", allowed_services=["s3"])
    iam.Role(free, "R", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    BoundaryEnforcement.of(stack).apply(boundary)
    app.synth()
    assert verify_cdk_out(str(tmp_path), "/boundaries/", "lpc-developer-boundary") == [
        "Free/R/Resource: role has no permissions boundary (expected policy/boundaries/lpc-developer-boundary)"
    ]


def _boundaries(template: dict) -> dict[str, object]:
    return {k: v["Properties"].get("PermissionsBoundary") for k, v in template["Resources"].items()
            if v["Type"] in ("AWS::IAM::Role", "AWS::IAM::User")}


def test_each_stack_names_the_boundary_of_its_own_account(tmp_path: object) -> None:
    # given the boundary in a platform stack of account 1 and application stacks in account 1 and account 2
    from aws_cdk import Environment

    app = _app(tmp_path)
    platform = Stack(app, "Platform", env=Environment(account="111111111111", region="eu-west-1"))
    same = Stack(app, "SameAccount", env=Environment(account="111111111111", region="eu-west-1"))
    other = Stack(app, "OtherAccount", env=Environment(account="222222222222", region="eu-west-1"))
    agnostic = Stack(app, "Agnostic")
    boundary = PermissionsBoundaryPolicy(platform, "B", allowed_services=["s3"])
    for stack in (platform, same, other, agnostic):
        iam.Role(stack, "R", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    # when enforcement is applied and the app synthesized
    BoundaryEnforcement.of(app).apply(boundary)
    assembly = app.synth()
    templates = {name: json.load(open(os.path.join(assembly.directory, f"{name}.template.json")))
                 for name in ("Platform", "SameAccount", "OtherAccount", "Agnostic")}
    # then the boundary's own stack refers to the policy (its roles wait for it) ...
    (own,) = _boundaries(templates["Platform"]).values()
    assert own == {"Ref": next(k for k, v in templates["Platform"]["Resources"].items()
                               if v["Type"] == "AWS::IAM::ManagedPolicy")}
    # ... and every other stack writes its own account's ARN with the path: no export, no account 1 in account 2
    expected = {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/boundaries/lpc-developer-boundary"}
    for name in ("SameAccount", "OtherAccount", "Agnostic"):
        assert list(_boundaries(templates[name]).values()) == [expected], name
        assert "Outputs" not in templates["Platform"]
        assert "Fn::ImportValue" not in json.dumps(templates[name])
    assert verify_cdk_out(assembly.directory, "/boundaries/", "lpc-developer-boundary") == []
