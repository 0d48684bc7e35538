"""``DeveloperPermissionSet``: an IAM Identity Center permission set that carries the boundary.

Example::

    from least_privilege_constructs import DeveloperPermissionSet, PermissionsBoundaryPolicy

    boundary = PermissionsBoundaryPolicy.reference(stack, "Boundary", allowed_services=["s3", "lambda"])
    DeveloperPermissionSet(
        stack, "Developers",
        instance_arn="arn:aws:sso:::instance/ssoins-1234567890abcdef",
        name="PaymentsDevelopers",
        boundary=boundary,
        aws_managed_policies=["ReadOnlyAccess"],
        inline_policy={"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "lambda:UpdateFunctionCode", "Resource": "*"}]},
        session_duration="PT4H",
    )

The boundary is attached as a ``CustomerManagedPolicyReference`` (name and path): Identity Center looks the
policy up by name in every account the permission set is assigned to, so the boundary must exist there
with the same name and path (deploy it with the organization's StackSet)
(https://docs.aws.amazon.com/singlesignon/latest/userguide/permissionsboundary.html). Limits checked at
construction follow the ``AWS::SSO::PermissionSet`` reference
(https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-sso-permissionset.html):
name 1-32 characters of ``[\\w+=,.@-]``, inline policy at most 32,768 characters, session duration an ISO-8601
duration from PT1H to PT12H. An AWS managed policy that grants ``*`` on ``*`` (``AdministratorAccess``) is
refused by name (its document from the packaged managed policy snapshot).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sso as sso
from constructs import Construct

from least_privilege_constructs.analysis.managed_policies import aws_managed_document, is_admin_like
from least_privilege_constructs.boundary.boundary_document import check_path
from least_privilege_constructs.boundary.permissions_boundary_policy import (
    BoundaryReference,
    PermissionsBoundaryPolicy,
)
from least_privilege_constructs.errors import LeastPrivilegeError, construct_path

MAX_NAME = 32
MAX_INLINE_POLICY = 32_768
NAME_RE = re.compile(r"^[\w+=,.@-]{1,32}$")
DURATION_RE = re.compile(r"^PT(?:(\d+)H)?(?:(\d+)M)?$")


@dataclass(frozen=True)
class CustomerManagedPolicyName:
    """A customer managed policy by name and path, as Identity Center references it in each account."""

    name: str
    path: str = "/"


def session_minutes(duration: str) -> int | None:
    """Minutes of an ISO-8601 ``PTnHnM`` duration, or None when it is not one.

    >>> session_minutes("PT1H30M"), session_minutes("PT12H"), session_minutes("1 hour")
    (90, 720, None)
    """
    m = DURATION_RE.match(duration)
    if not m or not (m.group(1) or m.group(2)):
        return None
    return int(m.group(1) or 0) * 60 + int(m.group(2) or 0)


class DeveloperPermissionSet(Construct):
    """An ``AWS::SSO::PermissionSet`` with the permissions boundary, checked at construction.

    ``boundary`` is required unless ``no_boundary_reason`` says why not (kept in the construct's metadata).
    ``aws_managed_policies`` takes names (``ReadOnlyAccess``, ``job-function/ViewOnlyAccess``) or ARNs.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        instance_arn: str,
        name: str,
        boundary: PermissionsBoundaryPolicy | BoundaryReference | None = None,
        inline_policy: Mapping[str, Any] | iam.PolicyDocument | None = None,
        aws_managed_policies: Sequence[str] = (),
        customer_managed_policies: Sequence[CustomerManagedPolicyName] = (),
        session_duration: str = "PT1H",
        description: str | None = None,
        relay_state: str | None = None,
        no_boundary_reason: str | None = None,
    ) -> None:
        where = construct_path(scope, construct_id)
        if not isinstance(name, str) or not NAME_RE.match(name):
            raise LeastPrivilegeError("LPC-PERMSET-001", where,
                                      f"name {name!r} must be 1-{MAX_NAME} characters of letters, digits and +=,.@_-")
        minutes = session_minutes(session_duration)
        if minutes is None or not 60 <= minutes <= 720:
            raise LeastPrivilegeError("LPC-PERMSET-002", where,
                                      f"session_duration {session_duration!r} must be an ISO-8601 duration "
                                      "from PT1H to PT12H")
        if boundary is None and not (no_boundary_reason or "").strip():
            raise LeastPrivilegeError("LPC-PERMSET-003", where,
                                      "a permission set needs the permissions boundary (boundary=...), or "
                                      "no_boundary_reason='why' to opt out")
        for ref in customer_managed_policies:
            problem = check_path(ref.path, f"customer managed policy {ref.name!r} path")
            if problem:
                raise LeastPrivilegeError("LPC-PERMSET-004", where, problem)
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        managed_arns: list[str] = []
        for given in aws_managed_policies:
            lookup = given if given.startswith("arn:") else f"arn:aws:iam::aws:policy/{given.lstrip('/')}"
            if is_admin_like(aws_managed_document(lookup)):
                raise LeastPrivilegeError("LPC-PERMSET-005", where,
                                          f"the AWS managed policy {given} grants every action on every "
                                          "resource: grant what the developers use instead")
            managed_arns.append(given if given.startswith("arn:") else
                                iam.ManagedPolicy.from_aws_managed_policy_name(given.lstrip("/")).managed_policy_arn)
        document = self._inline_json(stack, inline_policy)
        if document is not None and len(json.dumps(document, separators=(",", ":"))) > MAX_INLINE_POLICY:
            raise LeastPrivilegeError("LPC-PERMSET-006", where,
                                      f"the inline policy is longer than {MAX_INLINE_POLICY:,} characters")
        self.name = name
        self.boundary = boundary
        self.no_boundary_reason = no_boundary_reason
        boundary_prop = None
        if boundary is not None:
            boundary_prop = sso.CfnPermissionSet.PermissionsBoundaryProperty(
                customer_managed_policy_reference=sso.CfnPermissionSet.CustomerManagedPolicyReferenceProperty(
                    name=boundary.boundary_name, path=boundary.boundary_path))
        else:
            self.node.add_metadata("least-privilege:no-boundary-reason", no_boundary_reason)
        self.cfn = sso.CfnPermissionSet(
            self, "Resource",
            instance_arn=instance_arn,
            name=name,
            description=description,
            inline_policy=document,
            managed_policies=managed_arns or None,
            customer_managed_policy_references=[
                sso.CfnPermissionSet.CustomerManagedPolicyReferenceProperty(name=r.name, path=r.path)
                for r in customer_managed_policies] or None,
            permissions_boundary=boundary_prop,
            relay_state_type=relay_state,
            session_duration=session_duration,
        )
        self.permission_set_arn: str = self.cfn.attr_permission_set_arn
        self.customer_managed_policies = tuple(customer_managed_policies)

    @staticmethod
    def _inline_json(stack: Stack, policy: Mapping[str, Any] | iam.PolicyDocument | None) -> Any:
        if policy is None:
            return None
        if isinstance(policy, iam.PolicyDocument):
            return stack.resolve(policy.to_json())
        return dict(policy)
