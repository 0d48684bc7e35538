"""``DeveloperRole``: developers author their own application roles and policies, always bounded.

Example::

    from least_privilege_constructs import DeveloperRole, DeveloperTrust, PermissionsBoundaryPolicy

    boundary = PermissionsBoundaryPolicy(stack, "Boundary", allowed_services=["s3", "lambda", "logs"])
    DeveloperRole(
        stack, "PaymentsDevelopers",
        boundary=boundary,
        trust=DeveloperTrust.account("111122223333", require_mfa=True),
        developer_services=["s3", "lambda", "logs"],
    )

The role may create, change and delete roles and customer-managed policies **only** under the application
path and **only** with the boundary attached (``iam:PermissionsBoundary`` pinned to the exact ARN in this
account), pass only application-path roles to the listed services, and carries the boundary itself, so
everything the boundary denies (removing or editing boundaries, guardrail policies, users, groups,
credentials, AssumeRole outside the path, service-linked roles) is denied to it as well.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aws_cdk import Acknowledgment, Duration, Validations
from aws_cdk import aws_iam as iam
from constructs import Construct

from least_privilege_constructs.analysis.iam.identity_center import permission_set_role_condition
from least_privilege_constructs.analysis.iam.wildcards import service_of
from least_privilege_constructs.boundary.boundary_document import (
    POLICY_WRITE_ACTIONS,
    ROLE_WRITE_ACTIONS,
    check_path,
    iam_arn,
)
from least_privilege_constructs.boundary.permissions_boundary_policy import (
    BoundaryReference,
    PermissionsBoundaryPolicy,
    render_templates,
    statement_to_json,
    to_cdk_json,
)
from least_privilege_constructs.errors import LeastPrivilegeError, construct_path

if TYPE_CHECKING:
    from least_privilege_constructs.identity_center.developer_permission_set import DeveloperPermissionSet

# services a developer must never get wholesale: their write actions are the escalation surface that the
# role's own, narrowly conditioned statements grant instead
RESERVED_SERVICES = frozenset({"iam", "sts", "organizations", "account", "sso", "identitystore"})

ROLE_READ_ACTIONS = (
    "iam:GetRole",
    "iam:GetRolePolicy",
    "iam:ListRolePolicies",
    "iam:ListAttachedRolePolicies",
    "iam:ListRoleTags",
    "iam:ListInstanceProfilesForRole",
)
POLICY_READ_ACTIONS = ("iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListPolicyVersions", "iam:ListPolicyTags")
EXTERNAL_TRUST_ACKNOWLEDGMENT = "LeastPrivilege-PolicyValidation::EXTERNAL_PRINCIPAL"
"""What a federated or Identity Center developer trust acknowledges (the gate's EXTERNAL_PRINCIPAL)."""
ACCOUNT_READ_ACTIONS = ("iam:ListRoles", "iam:ListPolicies", "iam:GetAccountSummary")


@dataclass(frozen=True)
class DeveloperTrust:
    """Who may assume a developer role, with sensible conditions.

    Use the factory methods: :meth:`account`, :meth:`saml`, :meth:`oidc`, :meth:`identity_center`.
    """

    kind: str
    principal_factory: Any = field(repr=False)
    conditions: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    assume_action: str = "sts:AssumeRole"
    external_reason: str | None = None
    """Why the trust is intended external access (federated and Identity Center trusts): the developer role
    acknowledges its EXTERNAL_PRINCIPAL finding with this reason, so the report still lists it, accepted."""

    def principal(self) -> iam.IPrincipal:
        base = self.principal_factory()
        if self.conditions:
            return iam.PrincipalWithConditions(base, {k: dict(v) for k, v in self.conditions.items()})
        return base

    @classmethod
    def account(
        cls,
        account_id: str,
        *,
        require_mfa: bool = True,
        principal_tags: Mapping[str, str] | None = None,
        source_identity_required: bool = False,
    ) -> DeveloperTrust:
        """Principals of an account (identity or SSO roles) — with MFA and tag conditions by default."""
        if not (isinstance(account_id, str) and len(account_id) == 12 and account_id.isdigit()):
            raise LeastPrivilegeError("LPC-DEVROLE-010", "DeveloperTrust.account", f"invalid account id {account_id!r}")
        conditions: dict[str, dict[str, Any]] = {}
        if require_mfa:
            conditions["Bool"] = {"aws:MultiFactorAuthPresent": "true"}
        if principal_tags:
            conditions["StringEquals"] = {f"aws:PrincipalTag/{k}": v for k, v in principal_tags.items()}
        if source_identity_required:
            conditions["Null"] = {"sts:SourceIdentity": "false"}
        return cls("account", lambda: iam.AccountPrincipal(account_id), conditions)

    @classmethod
    def saml(cls, provider_arn: str) -> DeveloperTrust:
        """A SAML 2.0 federation provider (console sign-in audience pinned)."""
        if ":saml-provider/" not in provider_arn:
            raise LeastPrivilegeError(
                "LPC-DEVROLE-012", "DeveloperTrust.saml", f"not a SAML provider ARN: {provider_arn!r}"
            )
        conditions = {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}
        return cls(
            "saml",
            lambda: iam.FederatedPrincipal(provider_arn, conditions, "sts:AssumeRoleWithSAML"),
            {},
            "sts:AssumeRoleWithSAML",
            f"DeveloperTrust.saml: federated sign-in through {provider_arn}, SAML:aud pinned to the AWS "
            "sign-in endpoint",
        )

    @classmethod
    def oidc(
        cls, provider_arn: str, *, issuer: str, audience: str, subjects: Sequence[str]
    ) -> DeveloperTrust:
        """An OIDC provider (e.g. a CI system) pinned to an audience and to subject patterns."""
        if not subjects or any(s.strip() in ("", "*") for s in subjects):
            raise LeastPrivilegeError(
                "LPC-DEVROLE-011",
                "DeveloperTrust.oidc",
                "OIDC trust must be pinned to specific subjects (e.g. 'repo:org/repo:ref:refs/heads/main')",
            )
        host = issuer.removeprefix("https://")
        conditions = {
            "StringEquals": {f"{host}:aud": audience},
            "StringLike": {f"{host}:sub": list(subjects)},
        }
        return cls(
            "oidc",
            lambda: iam.WebIdentityPrincipal(provider_arn, conditions),
            {},
            "sts:AssumeRoleWithWebIdentity",
            f"DeveloperTrust.oidc: web identities of {host} with audience {audience!r} and subjects "
            f"{', '.join(subjects)} only",
        )

    @classmethod
    def identity_center(cls, account_id: str, permission_set_name: str | None = None, *,
                        permission_set: DeveloperPermissionSet | str | None = None,
                        permission_set_role_prefix: str = "AWSReservedSSO_") -> DeveloperTrust:
        """The roles IAM Identity Center creates in ``account_id`` for one permission set.

        Identity Center names them ``AWSReservedSSO_<permission set name>_<suffix>`` under the path
        ``/aws-reserved/sso.amazonaws.com/`` (https://docs.aws.amazon.com/singlesignon/latest/userguide/
        referencingpermissionsets.html); the trust is pinned to one permission set through
        ``aws:PrincipalArn`` (``arn:aws:iam::<account>:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_
        <name>_*``: the ``*`` after the path also matches the region segment of instances outside
        us-east-1), never to every permission set of the account; an ``ArnNotLike`` on ``..._<name>_*_*`` keeps
        out the roles of another permission set whose name extends this one (``<name>_admin``). Name it with ``permission_set_name`` or
        pass ``permission_set``: a :class:`~least_privilege_constructs.DeveloperPermissionSet` (its ``name``
        gives the pattern, so renaming the permission set renames the trust) or its name.
        """
        from least_privilege_constructs.identity_center.developer_permission_set import DeveloperPermissionSet

        where = "DeveloperTrust.identity_center"
        if not (isinstance(account_id, str) and len(account_id) == 12 and account_id.isdigit()):
            raise LeastPrivilegeError("LPC-DEVROLE-010", where, f"invalid account id {account_id!r}")
        if permission_set is not None:
            if permission_set_name is not None:
                raise LeastPrivilegeError("LPC-DEVROLE-013", where,
                                          "give permission_set_name or permission_set, not both")
            if not isinstance(permission_set, (str, DeveloperPermissionSet)):
                raise LeastPrivilegeError("LPC-DEVROLE-013", where,
                                          "permission_set must be a DeveloperPermissionSet or a permission set "
                                          f"name, got {type(permission_set).__name__}")
            permission_set_name = permission_set if isinstance(permission_set, str) else permission_set.name
        if not isinstance(permission_set_name, str) or not re.fullmatch(r"[\w+=,.@-]{1,32}", permission_set_name):
            raise LeastPrivilegeError(
                "LPC-DEVROLE-013", where,
                f"name the permission set whose roles may assume the developer role (1-32 characters of "
                f"letters, digits and +=,.@_-, no wildcard), got {permission_set_name!r}: trusting every "
                f"{permission_set_role_prefix}* role would let any permission set of the account in")
        conditions = permission_set_role_condition(f"arn:aws:iam::{account_id}", permission_set_name,
                                                   permission_set_role_prefix)
        return cls("identity-center", lambda: iam.AccountPrincipal(account_id), conditions,
                   external_reason=f"DeveloperTrust.identity_center: only the roles of permission set "
                   f"{permission_set_name!r} in account {account_id}")


class DeveloperRole(iam.Role):
    """A developer (or CI) role that may author bounded application roles and policies.

    :param boundary: the :class:`PermissionsBoundaryPolicy` (or a :class:`BoundaryReference` to the one the
        organization's StackSet deploys); attached to this role and required on every role it creates.
    :param trust: who may assume the role (:class:`DeveloperTrust`).
    :param developer_services: services for day-to-day developer work (create/delete resources).
        ``iam``/``sts``/``organizations`` are refused: the role's IAM rights come from its own narrowly
        conditioned statements.
    :param developer_actions: further actions for developer work.
    :param developer_statements: further statements (``iam.PolicyStatement`` or JSON dicts).
    :param templates: ``(template id, parameters)`` pairs from the template catalog for developer work.
    :param passable_to_services: services application roles may be passed to (default: the boundary's).
    :param allow_cdk_bootstrap_roles: allow assuming the CDK bootstrap roles (``cdk-*``) of this account.
        Off by default: the deploy role leads to the cloudformation execution role (B11).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        boundary: PermissionsBoundaryPolicy | BoundaryReference,
        trust: DeveloperTrust,
        developer_services: Sequence[str] = (),
        developer_actions: Sequence[str] = (),
        developer_statements: Sequence[iam.PolicyStatement | Mapping[str, Any]] = (),
        templates: Sequence[tuple[str, Mapping[str, Any]]] = (),
        passable_to_services: Sequence[str] | None = None,
        allow_cdk_bootstrap_roles: bool = False,
        role_name: str | None = None,
        path: str = "/developers/",
        max_session_duration: Duration | None = None,
        description: str | None = None,
    ) -> None:
        where = construct_path(scope, construct_id)
        if not isinstance(boundary, PermissionsBoundaryPolicy | BoundaryReference):
            raise LeastPrivilegeError(
                "LPC-DEVROLE-001",
                where,
                "boundary must be a PermissionsBoundaryPolicy of this library, or the reference to one deployed "
                "elsewhere (PermissionsBoundaryPolicy.reference)",
            )
        problem = check_path(path)
        if problem:
            raise LeastPrivilegeError("LPC-DEVROLE-002", where, problem)
        app_path = boundary.application_path
        if path.startswith(app_path):
            raise LeastPrivilegeError(
                "LPC-DEVROLE-003",
                where,
                f"the developer role's path {path!r} must be outside the application path {app_path!r}, "
                "or developers could edit their own role",
            )
        reserved = sorted({s.lower() for s in developer_services} & RESERVED_SERVICES)
        if reserved:
            raise LeastPrivilegeError(
                "LPC-DEVROLE-004",
                where,
                f"developer_services may not include {', '.join(reserved)}: IAM rights of a developer role come "
                "from its bounded statements only",
            )
        from least_privilege_constructs.analysis.catalog import get_catalog

        catalog = get_catalog()
        unknown = sorted({s for s in developer_services if not catalog.service_exists(s)})
        if unknown:
            raise LeastPrivilegeError(
                "LPC-DEVROLE-005", where, f"unknown service prefix(es) in developer_services: {', '.join(unknown)}"
            )
        bad = sorted(a for a in developer_actions if not catalog.expand_action(a))
        if bad:
            raise LeastPrivilegeError(
                "LPC-DEVROLE-006", where, f"unknown or malformed action(s) in developer_actions: {', '.join(bad)}"
            )
        # by what the pattern grants, not its text: "*", "i*:*" or "s*:*" reach iam/sts/sso too
        escalating = sorted(
            a for a in developer_actions
            if any(service_of(x) in RESERVED_SERVICES for x in catalog.expand_action(a))
        )
        if escalating:
            raise LeastPrivilegeError(
                "LPC-DEVROLE-007",
                where,
                f"developer_actions may not include {', '.join(escalating)}; use the role's bounded statements",
            )

        if allow_cdk_bootstrap_roles and not any(":role/cdk-" in a for a in boundary.spec.assumable_role_arns):
            raise LeastPrivilegeError(
                "LPC-DEVROLE-009",
                where,
                "allow_cdk_bootstrap_roles needs the boundary to allow them (assumable_role_arns with the "
                "cdk-* role ARNs) and is only safe when the bootstrap roles are themselves bounded "
                "(cdk bootstrap --custom-permissions-boundary): the deploy role passes the cfn-exec role, which "
                "has AdministratorAccess by default (B11)",
            )
        principal = trust.principal()
        super().__init__(
            scope,
            construct_id,
            assumed_by=principal,
            role_name=role_name,
            path=path,
            permissions_boundary=boundary if isinstance(boundary, PermissionsBoundaryPolicy) else boundary.managed_policy,
            max_session_duration=max_session_duration or Duration.hours(1),
            description=description or f"Developer role: authors bounded application roles under {app_path}",
        )
        self.boundary = boundary
        self.application_path = app_path
        if trust.external_reason:
            # intended external access, by construction: accepted with its reason (still in the report)
            Validations.of(self).acknowledge(Acknowledgment(id=EXTERNAL_TRUST_ACKNOWLEDGMENT,
                                                            reason=trust.external_reason))
        passable = list(passable_to_services if passable_to_services is not None else boundary.spec.passable_to_services)
        document = developer_policy_document(
            boundary_arn=boundary.boundary_arn_template,
            application_path=app_path,
            passable_to_services=passable,
            developer_services=list(developer_services),
            developer_actions=list(developer_actions),
            developer_statements=[
                *(statement_to_json(s, self) for s in developer_statements),
                *render_templates(templates, where, scope, code="LPC-DEVROLE-008"),
            ],
            allow_cdk_bootstrap_roles=allow_cdk_bootstrap_roles,
        )
        self._document_json = document
        iam.Policy(
            self,
            "DeveloperPolicy",
            document=iam.PolicyDocument.from_json(to_cdk_json(document)),
        ).attach_to_role(self)

    @property
    def document_json(self) -> dict[str, Any]:
        """The developer policy as JSON (pseudo parameters as ``${AWS::...}``)."""
        return dict(self._document_json)


def developer_policy_document(
    *,
    boundary_arn: str,
    application_path: str,
    passable_to_services: Sequence[str],
    developer_services: Sequence[str] = (),
    developer_actions: Sequence[str] = (),
    developer_statements: Sequence[Mapping[str, Any]] = (),
    allow_cdk_bootstrap_roles: bool = False,
) -> dict[str, Any]:
    """The developer role's identity policy as JSON (no CDK import; used by the construct and the tests)."""
    app = application_path
    boundary_condition = {"StringEquals": {"iam:PermissionsBoundary": boundary_arn}}
    statements: list[dict[str, Any]] = [
        {
            "Sid": "ManageBoundedApplicationRoles",
            "Effect": "Allow",
            "Action": [a for a in ROLE_WRITE_ACTIONS],
            "Resource": iam_arn("role", app),
            "Condition": boundary_condition,
        },
        {
            "Sid": "ReadAndTagApplicationRoles",
            "Effect": "Allow",
            "Action": [*ROLE_READ_ACTIONS, "iam:TagRole", "iam:UntagRole"],
            "Resource": iam_arn("role", app),
        },
        {
            "Sid": "ManageApplicationPolicies",
            "Effect": "Allow",
            "Action": [*POLICY_WRITE_ACTIONS, *POLICY_READ_ACTIONS, "iam:TagPolicy", "iam:UntagPolicy"],
            "Resource": iam_arn("policy", app),
        },
        {
            "Sid": "ReadIamInventory",
            "Effect": "Allow",
            "Action": list(ACCOUNT_READ_ACTIONS),
            "Resource": "*",
        },
        {
            "Sid": "PassApplicationRolesToListedServices",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": iam_arn("role", app),
            "Condition": {"StringEquals": {"iam:PassedToService": list(passable_to_services)}},
        },
    ]
    work = sorted({f"{s.lower()}:*" for s in developer_services} | set(developer_actions))
    if work:
        statements.append({"Sid": "DeveloperWork", "Effect": "Allow", "Action": work, "Resource": "*"})
    if allow_cdk_bootstrap_roles:
        statements.append(
            {
                "Sid": "AssumeCdkBootstrapRoles",
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/cdk-*",
            }
        )
    statements.extend(dict(s) for s in developer_statements)
    return {"Version": "2012-10-17", "Statement": statements}
