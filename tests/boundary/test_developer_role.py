"""DeveloperRole: the synthesized role and its policy's conditions; trust variants; bad input."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk.assertions import Template

from least_privilege_constructs import DeveloperRole, DeveloperTrust, PermissionsBoundaryPolicy
from least_privilege_constructs.errors import LeastPrivilegeError

BOUNDARY_ARN = "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/boundaries/lpc-developer-boundary"


@pytest.fixture(scope="module")
def synthesized() -> dict[str, Any]:
    # given a boundary and a developer role trusted by an identity account with MFA and a team tag
    app = App(builtin_cloud_formation_validation=False)
    stack = Stack(app, "Platform")
    boundary = PermissionsBoundaryPolicy(stack, "Boundary", allowed_services=["s3", "lambda", "logs"])
    DeveloperRole(
        stack,
        "Devs",
        boundary=boundary,
        trust=DeveloperTrust.account("111122223333", principal_tags={"team": "payments"}),
        developer_services=["s3", "lambda"],
        developer_actions=["logs:CreateLogGroup"],
        passable_to_services=["lambda.amazonaws.com"],
    )
    # when synthesized
    return Template.from_stack(stack).to_json()


def _role(t: dict[str, Any]) -> dict[str, Any]:
    (role,) = [r for r in t["Resources"].values() if r["Type"] == "AWS::IAM::Role"]
    return role["Properties"]


def _statements(t: dict[str, Any]) -> dict[str, dict[str, Any]]:
    (policy,) = [r for r in t["Resources"].values() if r["Type"] == "AWS::IAM::Policy"]
    return {s["Sid"]: s for s in policy["Properties"]["PolicyDocument"]["Statement"]}


def test_the_developer_role_carries_the_boundary_itself(synthesized: dict[str, Any]) -> None:
    props = _role(synthesized)
    assert props["PermissionsBoundary"]["Ref"].startswith("Boundary")
    assert props["Path"] == "/developers/"


def test_trust_requires_mfa_and_the_team_tag(synthesized: dict[str, Any]) -> None:
    (stmt,) = _role(synthesized)["AssumeRolePolicyDocument"]["Statement"]
    assert stmt["Action"] == "sts:AssumeRole"
    assert stmt["Condition"]["Bool"] == {"aws:MultiFactorAuthPresent": "true"}
    assert stmt["Condition"]["StringEquals"] == {"aws:PrincipalTag/team": "payments"}


def test_role_writes_only_under_the_application_path_with_the_exact_boundary(synthesized: dict[str, Any]) -> None:
    stmt = _statements(synthesized)["ManageBoundedApplicationRoles"]
    assert "iam:CreateRole" in stmt["Action"] and "iam:PutRolePermissionsBoundary" in stmt["Action"]
    assert "iam:DeleteRolePermissionsBoundary" not in stmt["Action"]
    assert stmt["Resource"] == {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/app/*"}
    assert stmt["Condition"] == {"StringEquals": {"iam:PermissionsBoundary": {"Fn::Sub": BOUNDARY_ARN}}}


def test_pass_role_only_for_application_roles_to_listed_services(synthesized: dict[str, Any]) -> None:
    stmt = _statements(synthesized)["PassApplicationRolesToListedServices"]
    assert stmt["Action"] == "iam:PassRole"
    assert stmt["Resource"]["Fn::Sub"].endswith(":role/app/*")
    assert stmt["Condition"] == {"StringEquals": {"iam:PassedToService": ["lambda.amazonaws.com"]}}


def test_policies_only_under_the_application_path(synthesized: dict[str, Any]) -> None:
    stmt = _statements(synthesized)["ManageApplicationPolicies"]
    assert stmt["Resource"]["Fn::Sub"].endswith(":policy/app/*")


def test_developer_work_is_the_listed_services_and_actions(synthesized: dict[str, Any]) -> None:
    assert _statements(synthesized)["DeveloperWork"]["Action"] == ["lambda:*", "logs:CreateLogGroup", "s3:*"]


def test_no_statement_allows_users_groups_credentials_or_boundary_removal(synthesized: dict[str, Any]) -> None:
    allowed = {
        a
        for s in _statements(synthesized).values()
        if s["Effect"] == "Allow"
        for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
    }
    forbidden = {"iam:CreateAccessKey", "iam:CreateUser", "iam:AddUserToGroup", "iam:DeleteRolePermissionsBoundary",
                 "iam:*", "sts:AssumeRole", "*"}
    assert not allowed & forbidden


def test_oidc_trust_pins_audience_and_subject() -> None:
    app = App(builtin_cloud_formation_validation=False)
    stack = Stack(app, "S")
    boundary = PermissionsBoundaryPolicy(stack, "B", allowed_services=["s3"])
    DeveloperRole(
        stack,
        "Ci",
        boundary=boundary,
        trust=DeveloperTrust.oidc(
            "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com",
            issuer="https://token.actions.githubusercontent.com",
            audience="sts.amazonaws.com",
            subjects=["repo:org/repo:ref:refs/heads/main"],
        ),
    )
    (role,) = [r for r in Template.from_stack(stack).to_json()["Resources"].values() if r["Type"] == "AWS::IAM::Role"]
    (stmt,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert stmt["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert stmt["Condition"]["StringEquals"] == {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}
    assert stmt["Condition"]["StringLike"] == {"token.actions.githubusercontent.com:sub": ["repo:org/repo:ref:refs/heads/main"]}


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        pytest.param({"developer_services": ["iam"]}, "LPC-DEVROLE-004", id="iam-service-refused"),
        pytest.param({"developer_services": ["nosuchservice"]}, "LPC-DEVROLE-005", id="unknown-service"),
        pytest.param({"developer_actions": ["s3:GetObjekt"]}, "LPC-DEVROLE-006", id="unknown-action"),
        pytest.param({"developer_actions": ["iam:CreateUser"]}, "LPC-DEVROLE-007", id="iam-action-refused"),
        pytest.param({"developer_actions": ["i*:CreateUser"]}, "LPC-DEVROLE-007", id="wildcard-reaching-iam-refused"),
        pytest.param({"path": "developers"}, "LPC-DEVROLE-002", id="path-without-slashes"),
        pytest.param({"path": "/app/devs/"}, "LPC-DEVROLE-003", id="role-inside-application-path"),
    ],
)
def test_bad_input_names_the_construct(kwargs: dict[str, Any], code: str) -> None:
    app = App(builtin_cloud_formation_validation=False)
    stack = Stack(app, "Platform")
    boundary = PermissionsBoundaryPolicy(stack, "B", allowed_services=["s3"])
    with pytest.raises(LeastPrivilegeError) as err:
        DeveloperRole(stack, "Devs", boundary=boundary, trust=DeveloperTrust.account("111122223333"), **kwargs)
    assert err.value.code == code
    assert "Platform/Devs" in str(err.value)


@pytest.mark.parametrize(
    "factory",
    [
        pytest.param(lambda: DeveloperTrust.account("12345"), id="short-account"),
        pytest.param(
            lambda: DeveloperTrust.oidc("arn:aws:iam::111122223333:oidc-provider/x", issuer="https://x", audience="a", subjects=["*"]),
            id="oidc-wildcard-subject",
        ),
    ],
)
def test_bad_trust_is_refused(factory: Any) -> None:
    with pytest.raises(LeastPrivilegeError):
        factory()


def test_two_saml_developer_roles_in_one_stack() -> None:
    app = App(builtin_cloud_formation_validation=False)
    stack = Stack(app, "S")
    boundary = PermissionsBoundaryPolicy(stack, "B", allowed_services=["s3"])
    provider = "arn:aws:iam::111122223333:saml-provider/corp-idp"
    for name in ("TeamA", "TeamB"):
        DeveloperRole(stack, name, boundary=boundary, trust=DeveloperTrust.saml(provider))
    roles = [r for r in Template.from_stack(stack).to_json()["Resources"].values() if r["Type"] == "AWS::IAM::Role"]
    for role in roles:
        (stmt,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        assert stmt["Action"] == "sts:AssumeRoleWithSAML"
        assert stmt["Principal"] == {"Federated": provider}
        assert stmt["Condition"] == {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}
