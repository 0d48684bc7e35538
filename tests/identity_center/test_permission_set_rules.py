"""LP-IAM1 and LP-IAM2 on AWS::SSO::PermissionSet: the boundary by name and path, admin access by name."""

from __future__ import annotations

from typing import Any

import pytest

from least_privilege_constructs.analysis.rules.base import NOT_APPLICABLE
from least_privilege_constructs.analysis.rules.no_admin_access import no_admin_access
from least_privilege_constructs.analysis.rules.permissions_boundary import approved_boundary
from least_privilege_constructs.analysis.rules.stack_view import StackView

ADMIN = {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::aws:policy/AdministratorAccess"]]}
BOUNDARY = {"CustomerManagedPolicyReference": {"Name": "lpc-developer-boundary", "Path": "/"}}


def _keys(rule: Any, **props: Any) -> Any:
    view = StackView({"Resources": {"PS": {"Type": "AWS::SSO::PermissionSet", "Properties": {
        "InstanceArn": "arn:aws:sso:::instance/ssoins-1", "Name": "Devs", **props}}}})
    inp = view.rule_input("PS")
    assert inp is not None
    result = rule(inp)
    return "n/a" if result is NOT_APPLICABLE else {f.key for f in result}


@pytest.mark.parametrize(("props", "expected"), [
    ({"PermissionsBoundary": BOUNDARY}, set()),
    ({}, {"Boundary::missing"}),
    ({"PermissionsBoundary": {"CustomerManagedPolicyReference": {"Name": "my-own", "Path": "/"}}},
     {"Boundary::my-own"}),
    ({"PermissionsBoundary": {"ManagedPolicyArn": "arn:aws:iam::aws:policy/PowerUserAccess"}},
     {"Boundary::invalid"}),
])
def test_boundary(props: dict[str, Any], expected: set[str]) -> None:
    assert _keys(approved_boundary, **props) == expected


@pytest.mark.parametrize(("props", "expected"), [
    ({"ManagedPolicies": ["arn:aws:iam::aws:policy/ReadOnlyAccess"]}, set()),
    ({"ManagedPolicies": [ADMIN, "arn:aws:iam::aws:policy/ReadOnlyAccess"]}, {"ManagedPolicy::AdministratorAccess"}),
    ({"InlinePolicy": {"Version": "2012-10-17", "Statement": [
        {"Sid": "All", "Effect": "Allow", "Action": "*", "Resource": "*"}]}}, {"Admin::InlinePolicy/All"}),
    ({"InlinePolicy": '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", '
                      '"Resource": "*"}]}'}, set()),
])
def test_admin(props: dict[str, Any], expected: set[str]) -> None:
    assert _keys(no_admin_access, **props) == expected
