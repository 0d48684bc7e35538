"""DeveloperPermissionSet: the boundary as a CustomerManagedPolicyReference, the limits of
AWS::SSO::PermissionSet, and AWS managed admin policies refused by name.

https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-sso-permissionset.html
https://docs.aws.amazon.com/singlesignon/latest/userguide/permissionsboundary.html
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from least_privilege_constructs import (
    CustomerManagedPolicyName,
    DeveloperPermissionSet,
    PermissionsBoundaryPolicy,
)
from least_privilege_constructs.errors import LeastPrivilegeError

INSTANCE = "arn:aws:sso:::instance/ssoins-1234567890abcdef"


def _stack() -> cdk.Stack:
    return cdk.Stack(cdk.App(), "Access", env=cdk.Environment(account="111122223333", region="eu-west-1"))


def _make(stack: cdk.Stack, **kwargs: Any) -> DeveloperPermissionSet:
    kwargs.setdefault("boundary", PermissionsBoundaryPolicy.reference(stack, "Boundary", allowed_services=["s3"]))
    kwargs.setdefault("name", "Developers")
    return DeveloperPermissionSet(stack, "Devs", instance_arn=INSTANCE, **kwargs)


def test_synthesizes_the_boundary_and_policies() -> None:
    stack = _stack()
    inline = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    ps = _make(stack, inline_policy=inline, aws_managed_policies=["ReadOnlyAccess", "job-function/ViewOnlyAccess"],
               customer_managed_policies=[CustomerManagedPolicyName("team-extra", "/app/")],
               session_duration="PT4H")
    props = Template.from_stack(stack).find_resources("AWS::SSO::PermissionSet")
    [resource] = props.values()
    p = resource["Properties"]
    assert p["Name"] == "Developers" and p["SessionDuration"] == "PT4H" and p["InlinePolicy"] == inline
    boundary = p["PermissionsBoundary"]["CustomerManagedPolicyReference"]
    assert (boundary["Name"], boundary["Path"]) == (ps.boundary.boundary_name, ps.boundary.boundary_path)
    assert p["CustomerManagedPolicyReferences"] == [{"Name": "team-extra", "Path": "/app/"}]
    rendered = [str(cdk.Stack.of(ps).resolve(a)) for a in p["ManagedPolicies"]]
    assert len(rendered) == 2 and "ReadOnlyAccess" in rendered[0] and "job-function/ViewOnlyAccess" in rendered[1]


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"name": "x" * 33}, "LPC-PERMSET-001"),
    ({"name": "has space"}, "LPC-PERMSET-001"),
    ({"session_duration": "PT30M"}, "LPC-PERMSET-002"),
    ({"session_duration": "PT12H1M"}, "LPC-PERMSET-002"),
    ({"session_duration": "P1D"}, "LPC-PERMSET-002"),
    ({"boundary": None}, "LPC-PERMSET-003"),
    ({"boundary": None, "no_boundary_reason": "  "}, "LPC-PERMSET-003"),
    ({"customer_managed_policies": [CustomerManagedPolicyName("p", "app")]}, "LPC-PERMSET-004"),
    ({"aws_managed_policies": ["AdministratorAccess"]}, "LPC-PERMSET-005"),
    ({"aws_managed_policies": ["arn:aws:iam::aws:policy/AdministratorAccess"]}, "LPC-PERMSET-005"),
    ({"inline_policy": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": [f"s3:GetObject{i:05d}" for i in range(2000)], "Resource": "*"}]}},
     "LPC-PERMSET-006"),
])
def test_limits_and_guardrails_fail_with_a_code(kwargs: dict[str, Any], code: str) -> None:
    with pytest.raises(LeastPrivilegeError) as err:
        _make(_stack(), **kwargs)
    assert err.value.code == code and err.value.where == "Access/Devs"


def test_admin_refused_by_name() -> None:
    with pytest.raises(LeastPrivilegeError, match="AdministratorAccess grants every action"):
        _make(_stack(), aws_managed_policies=["AdministratorAccess"])


def test_limits_at_the_edges_pass_and_the_opt_out_is_recorded() -> None:
    stack = _stack()
    ps = _make(stack, name="x" * 32, session_duration="PT12H", boundary=None, no_boundary_reason="break-glass")
    [resource] = Template.from_stack(stack).find_resources("AWS::SSO::PermissionSet").values()
    assert "PermissionsBoundary" not in resource["Properties"]
    assert [m.data for m in ps.node.metadata if m.type == "least-privilege:no-boundary-reason"] == ["break-glass"]


def test_developer_trust_names_a_permission_set() -> None:
    from least_privilege_constructs import DeveloperRole, DeveloperTrust

    stack = _stack()
    ps = _make(stack, name="PaymentsDevs")
    DeveloperRole(stack, "Role", boundary=ps.boundary,
                  trust=DeveloperTrust.identity_center("111122223333", permission_set=ps),
                  developer_services=["s3"])
    roles = Template.from_stack(stack).find_resources("AWS::IAM::Role")
    [trust] = [r["Properties"]["AssumeRolePolicyDocument"] for r in roles.values()]
    pattern = trust["Statement"][0]["Condition"]["ArnLike"]["aws:PrincipalArn"]
    assert pattern == "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_PaymentsDevs_*"
    with pytest.raises(LeastPrivilegeError) as err:
        DeveloperTrust.identity_center("111122223333", permission_set="bad name")
    assert err.value.code == "LPC-DEVROLE-013"
