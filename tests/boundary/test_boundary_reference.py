"""PermissionsBoundaryPolicy.reference: a boundary deployed by the organization's StackSet, used in a workload
account without redeploying it."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template

from least_privilege_constructs import (
    BoundaryEnforcement,
    DeveloperRole,
    DeveloperTrust,
    PermissionsBoundaryPolicy,
)
from least_privilege_constructs.errors import LeastPrivilegeError

ARN = {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/boundaries/lpc-developer-boundary"}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    # given a workload stack that refers to the organization's boundary and enforces it
    app = App(builtin_cloud_formation_validation=False)
    stack = Stack(app, "Workload")
    boundary = PermissionsBoundaryPolicy.reference(stack, "Boundary", allowed_services=["s3", "lambda"])
    DeveloperRole(stack, "Devs", boundary=boundary, trust=DeveloperTrust.account("111122223333"))
    iam.Role(stack, "App", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"), path="/app/")
    BoundaryEnforcement.of(stack).apply(boundary)
    # when synthesized
    return Template.from_stack(stack).to_json()


def test_reference_creates_no_policy(template: dict[str, Any]) -> None:
    assert not [r for r in template["Resources"].values() if r["Type"] == "AWS::IAM::ManagedPolicy"]


def test_every_role_carries_the_referenced_boundary_with_its_path(template: dict[str, Any]) -> None:
    roles = [r for r in template["Resources"].values() if r["Type"] == "AWS::IAM::Role"]
    assert len(roles) == 2
    assert all(r["Properties"]["PermissionsBoundary"] == ARN for r in roles)


def test_developer_role_pins_the_same_arn(template: dict[str, Any]) -> None:
    (policy,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::IAM::Policy"]
    statements = {s["Sid"]: s for s in policy["Properties"]["PolicyDocument"]["Statement"]}
    assert statements["ManageBoundedApplicationRoles"]["Condition"] == {
        "StringEquals": {"iam:PermissionsBoundary": ARN}
    }


def test_reference_is_validated_like_the_policy() -> None:
    app = App(builtin_cloud_formation_validation=False)
    stack = Stack(app, "Workload")
    with pytest.raises(LeastPrivilegeError) as err:
        PermissionsBoundaryPolicy.reference(stack, "Boundary", allowed_services=["nosuchservice"])
    assert err.value.code == "LPC-BOUNDARY-001" and "Workload/Boundary" in str(err.value)
    with pytest.raises(LeastPrivilegeError) as err:
        PermissionsBoundaryPolicy.reference(stack, "Boundary2", allowed_service=["s3"])
    assert err.value.code == "LPC-BOUNDARY-004" and "allowed_service" in str(err.value)
