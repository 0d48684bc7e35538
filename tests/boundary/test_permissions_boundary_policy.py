"""PermissionsBoundaryPolicy: statements on the synthesized template, and bad input at construction."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Match, Template

from least_privilege_constructs import PermissionsBoundaryPolicy
from least_privilege_constructs.analysis.catalog import get_catalog
from least_privilege_constructs.boundary.boundary_document import (
    BOUNDARY_CONDITION_ACTIONS,
    BoundarySpec,
    build_boundary_document,
    policy_size,
)
from least_privilege_constructs.errors import LeastPrivilegeError


def expanded(actions: Any) -> set[str]:
    """The actions an Action value matches in the IAM service reference (compact wildcards expanded)."""
    patterns = [actions] if isinstance(actions, str) else list(actions)
    return {a for p in patterns for a in get_catalog().expand_action(p)}


BOUNDARY_ARN = {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/boundaries/lpc-developer-boundary"}


@pytest.fixture(scope="module")
def boundary_template() -> dict[str, Any]:
    # given a stack with a boundary restricted to two services and one region
    app = App(builtin_cloud_formation_validation=False)
    stack = Stack(app, "Guardrails")
    PermissionsBoundaryPolicy(
        stack,
        "Boundary",
        allowed_services=["s3", "dynamodb"],
        allowed_actions=["ssm:GetParameter"],
        allowed_regions=["eu-west-1"],
        additional_statements=[{"Sid": "DenyLeavingOrg", "Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"}],
    )
    # when it is synthesized
    return Template.from_stack(stack).to_json()


def _statements(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    (policy,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::IAM::ManagedPolicy"]
    return {s["Sid"]: s for s in policy["Properties"]["PolicyDocument"]["Statement"]}


def test_fixed_account_independent_name_and_path(boundary_template: dict[str, Any]) -> None:
    (policy,) = [r for r in boundary_template["Resources"].values() if r["Type"] == "AWS::IAM::ManagedPolicy"]
    assert policy["Properties"]["ManagedPolicyName"] == "lpc-developer-boundary"
    assert policy["Properties"]["Path"] == "/boundaries/"


def test_maximum_permissions_are_the_allowed_services_and_actions(boundary_template: dict[str, Any]) -> None:
    allowed = _statements(boundary_template)["AllowedMaximum"]
    assert allowed["Effect"] == "Allow"
    assert sorted(allowed["Action"]) == ["dynamodb:*", "s3:*", "ssm:GetParameter"]


def test_principal_writes_require_this_exact_boundary_with_the_account_pinned(boundary_template: dict[str, Any]) -> None:
    deny = _statements(boundary_template)["DenyPrincipalWritesWithoutBoundaryAttached"]
    assert deny["Effect"] == "Deny"
    # compact wildcards, but exactly the actions that support iam:PermissionsBoundary: an action without the
    # key would be denied everywhere by StringNotEquals
    assert expanded(deny["Action"]) == expanded(BOUNDARY_CONDITION_ACTIONS)
    assert deny["Condition"] == {"StringNotEquals": {"iam:PermissionsBoundary": BOUNDARY_ARN}}


def test_boundary_removal_is_denied(boundary_template: dict[str, Any]) -> None:
    deny = _statements(boundary_template)["DenyBoundaryRemoval"]
    assert deny == {
        "Sid": "DenyBoundaryRemoval",
        "Effect": "Deny",
        "Action": ["iam:DeleteRolePermissionsBoundary", "iam:DeleteUserPermissionsBoundary"],
        "Resource": "*",
    }


def test_guardrail_policies_cannot_be_edited(boundary_template: dict[str, Any]) -> None:
    deny = _statements(boundary_template)["DenyGuardrailPolicyEdits"]
    assert {"iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:DeletePolicy"} <= expanded(deny["Action"])
    assert deny["Resource"] == {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/boundaries/*"}


@pytest.mark.parametrize(
    ("sid", "action", "not_resource"),
    [
        ("DenyPassRoleOutsideApplicationPath", "iam:PassRole", "role/app/*"),
        ("DenyRoleWritesOutsideApplicationPath", "iam:UpdateAssumeRolePolicy", "role/app/*"),
        ("DenyPolicyWritesOutsideApplicationPath", "iam:CreatePolicyVersion", "policy/app/*"),
        ("DenyInstanceProfilesOutsideApplicationPath", "iam:AddRoleToInstanceProfile", "instance-profile/app/*"),
    ],
    ids=["passrole", "role-writes", "policy-writes", "instance-profiles"],
)
def test_iam_writes_are_confined_to_the_application_path(
    boundary_template: dict[str, Any], sid: str, action: str, not_resource: str
) -> None:
    deny = _statements(boundary_template)[sid]
    assert action in expanded(deny["Action"])
    assert deny["NotResource"]["Fn::Sub"].endswith(not_resource)


def test_users_groups_and_credentials_are_denied(boundary_template: dict[str, Any]) -> None:
    deny = _statements(boundary_template)["DenyUserAndGroupManagement"]
    assert {"iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:AddUserToGroup", "iam:AttachGroupPolicy"} <= expanded(
        deny["Action"]
    )
    # and no read: the compact wildcards stay on writes
    assert not any(get_catalog().access_level(a) in ("List", "Read") for a in expanded(deny["Action"]))
    assert deny["Resource"] == "*" and "Condition" not in deny


def test_service_linked_roles_denied_by_default(boundary_template: dict[str, Any]) -> None:
    deny = _statements(boundary_template)["DenyServiceLinkedRoles"]
    assert deny["Action"] == "iam:CreateServiceLinkedRole" and "Condition" not in deny


def test_region_guardrail_exempts_global_services(boundary_template: dict[str, Any]) -> None:
    deny = _statements(boundary_template)["DenyOutsideAllowedRegions"]
    assert "iam:*" in deny["NotAction"]
    assert deny["Condition"] == {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1"]}}


def test_additional_statements_are_appended(boundary_template: dict[str, Any]) -> None:
    assert _statements(boundary_template)["DenyLeavingOrg"]["Action"] == "organizations:LeaveOrganization"


def test_boundary_can_be_applied_with_cdk_aspect() -> None:
    # given a boundary and a role in the same stack, when CDK's aspect applies the boundary
    app = App(builtin_cloud_formation_validation=False)
    stack = Stack(app, "S")
    boundary = PermissionsBoundaryPolicy(stack, "B", allowed_services=["s3"])
    iam.Role(stack, "R", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    iam.PermissionsBoundary.of(stack).apply(boundary)
    # then the role carries a Ref to the boundary
    Template.from_stack(stack).has_resource_properties(
        "AWS::IAM::Role", {"PermissionsBoundary": {"Ref": Match.string_like_regexp("^B")}}
    )


BAD_INPUT = [
    pytest.param({"managed_policy_name": ""}, "non-empty", id="empty-name"),
    pytest.param({"managed_policy_name": "bad name!"}, "invalid managed policy name", id="invalid-name"),
    pytest.param({"managed_policy_name": "x" * 129}, "invalid managed policy name", id="name-too-long"),
    pytest.param({"path": "boundaries"}, "must start and end with '/'", id="path-without-slashes"),
    pytest.param({"application_path": "/app"}, "must start and end with '/'", id="app-path-without-trailing-slash"),
    pytest.param({"allowed_services": ["s3", "notaservice"]}, "notaservice", id="unknown-service"),
    pytest.param({"allowed_actions": ["s3:GetObjekt"]}, "s3:GetObjekt", id="unknown-action"),
    pytest.param({"allowed_regions": ["mars-1"]}, "invalid region", id="bad-region"),
    pytest.param({"path": "/app/"}, "must differ from the application path", id="path-equals-application-path"),
    pytest.param({"allowed_services": []}, "maximum permissions", id="no-maximum"),
]


@pytest.mark.parametrize(("kwargs", "message"), BAD_INPUT)
def test_bad_input_is_a_clear_error_naming_the_construct(kwargs: dict[str, Any], message: str) -> None:
    app = App(builtin_cloud_formation_validation=False)
    stack = Stack(app, "Guardrails")
    args: dict[str, Any] = {"allowed_services": ["s3"], **kwargs}
    with pytest.raises(LeastPrivilegeError) as err:
        PermissionsBoundaryPolicy(stack, "Boundary", **args)
    assert "Guardrails/Boundary" in str(err.value)
    assert message in str(err.value)
    assert err.value.code == "LPC-BOUNDARY-001"


def test_boundary_over_the_managed_policy_size_limit_is_refused() -> None:
    app = App(builtin_cloud_formation_validation=False)
    stack = Stack(app, "Guardrails")
    many = sorted(get_catalog().expand_action("s3:*"))[:150]
    with pytest.raises(LeastPrivilegeError) as err:
        PermissionsBoundaryPolicy(stack, "Boundary", allowed_actions=many)
    assert err.value.code == "LPC-BOUNDARY-002"
    assert "6144" in str(err.value) and "Guardrails/Boundary" in str(err.value)
    assert "largest statements: AllowedMaximum" in str(err.value)


def test_every_service_with_resources_that_run_with_a_role_still_fits_or_fails_clearly() -> None:
    # granting every service of the table adds every takeover statement: construction either fits the limit
    # or fails with LPC-BOUNDARY-002 naming the takeover statements (never a policy IAM would reject)
    from least_privilege_constructs.analysis.escalation.runners import load_runners

    services = sorted({r.service for r in load_runners()})
    app = App(builtin_cloud_formation_validation=False)
    stack = Stack(app, "Guardrails")
    try:
        boundary = PermissionsBoundaryPolicy(stack, "Boundary", allowed_services=services)
    except LeastPrivilegeError as err:
        assert err.code == "LPC-BOUNDARY-002"
        assert "DenyTakeover" in str(err)
    else:
        assert boundary.size <= 6144


def test_size_counts_without_whitespace_with_pseudo_parameters_substituted() -> None:
    doc = build_boundary_document(BoundarySpec(name="b", allowed_services=["s3"]))
    assert policy_size(doc) < 6144
    assert policy_size({"a": "${AWS::AccountId}"}) == len('{"a":"123456789012"}')
