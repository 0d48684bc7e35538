"""``DefaultPolicies``: the policies and roles every account of the organization carries.

Example (management account; the rollout turns the stack into a StackSet)::

    from aws_cdk import App, Stack
    from least_privilege_constructs import DefaultPolicies, FederationProvider, OrganizationRollout

    app = App()
    management = Stack(app, "OrgManagement")
    defaults = DefaultPolicies(
        management, "DefaultPolicies",
        security_account_id="111122223333",
        federation=FederationProvider.saml("corp-idp"),
        allowed_regions=["eu-west-1", "eu-central-1"],
        organization_id="o-a1b2c3d4e5",
        boundary_options={"allowed_services": ["s3", "dynamodb", "lambda", "logs", "sqs"]},
    )
    OrganizationRollout(management, "Rollout", template=defaults,
                        organizational_unit_ids=["ou-ab12-workload1"], regions=["eu-west-1"])

What it holds (all names fixed and account-independent, so the same ARN is valid in every account):

==============================  ==================================================================  =========
resource                        purpose                                                             boundary
==============================  ==================================================================  =========
``/boundaries/lpc-developer-``  the permissions boundary (``PermissionsBoundaryPolicy``); every     —
``boundary`` (managed policy)   role developers create must carry it
``/lpc/lpc-federated-read-``    read-only access for people, trusted by the organization's          yes
``only`` (role)                 identity provider (SAML, OIDC or IAM Identity Center)
``/lpc/lpc-security-audit``     ``SecurityAudit`` for the security account's tooling (trusted by    no (opt-in)
(role)                          that account only, optionally with ExternalId, MFA, principal ARNs)
``/lpc/<name>`` (managed        ``additional_managed_policies``: further policies common to every   —
policies)                       account, e.g. for application roles to attach
==============================  ==================================================================  =========

Which roles carry the boundary, and why:

* The **federation read-only role** carries it (``read_only_role_boundary=True``): its effective access is
  ``ReadOnlyAccess`` ∩ boundary, i.e. reads of the organization's allowed services in the allowed regions,
  and if anybody later attaches a broader policy to the role, the boundary still caps it.
* The **security-audit role** does not carry it by default (``audit_role_boundary=False``): the developer
  boundary allows only the organization's services and denies regional actions outside the allowed
  regions — exactly the places an auditor must look into (shadow resources in unapproved regions). The
  role is protected instead by its trust (only the security account, plus the optional ExternalId, MFA,
  principal and organization conditions), by its path outside the boundary's application path (bounded
  principals cannot modify it) and by ``SecurityAudit`` being read-only. Set ``audit_role_boundary=True``
  where auditors only ever need the allowed services and regions.

The boundary choices are pinned against outer ``PermissionsBoundary`` aspects (e.g. an app-wide
``BoundaryEnforcement``), which would otherwise write another stack's account-pinned boundary ARN into this
template. The stack is environment-agnostic: ARNs use ``${AWS::AccountId}`` and ``${AWS::Partition}`` of the account the
StackSet instance runs in. It uses :class:`StackSetTemplateSynthesizer` (no assets, no bootstrap rule).
Everything is IAM, a global service: roll it out to **one region** per account.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import Aws, Duration, Environment, Fn, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from least_privilege_constructs.boundary.boundary_document import iam_arn
from least_privilege_constructs.boundary.permissions_boundary_policy import (
    PermissionsBoundaryPolicy,
    statement_to_json,
    to_cdk_json,
)
from least_privilege_constructs.errors import LeastPrivilegeError, construct_path
from least_privilege_constructs.rollout.federation import FederationProvider
from least_privilege_constructs.rollout.synthesizer import StackSetTemplateSynthesizer
from least_privilege_constructs.rollout.targets import check_account_id, check_organization_id, check_regions

DEFAULT_ROLE_PATH = "/lpc/"
DEFAULT_READ_ONLY_ROLE_NAME = "lpc-federated-read-only"
DEFAULT_AUDIT_ROLE_NAME = "lpc-security-audit"

_ROLE_NAME_RE = re.compile(r"^[\w+=,.@-]{1,64}$")
_POLICY_NAME_RE = re.compile(r"^[\w+=,.@-]{1,128}$")
_PATH_RE = re.compile(r"^/$|^/[\x21-\x7E]{1,510}/$")
_EXTERNAL_ID_RE = re.compile(r"^[\w+=,.@:/-]{2,1224}$")
_AWS_MANAGED_RE = re.compile(r"^[\w+=,.@/-]{1,128}$")


class DefaultPolicies(Stack):
    """The organization's default policies and roles, as one environment-agnostic StackSet template.

    :param security_account_id: the account whose principals may assume the security-audit role.
    :param federation: the identity provider trusted by the read-only federation role; ``None`` omits it.
    :param allowed_regions: regions the boundary allows (regional actions elsewhere are denied); empty
        means no region restriction.
    :param organization_id: if given, the audit role's trust also requires ``aws:PrincipalOrgID``.
    :param boundary_options: further keyword arguments of :class:`PermissionsBoundaryPolicy`
        (``allowed_services``, ``allowed_actions``, ``statements``, ``managed_policy_name``, ...).
    :param role_path: IAM path of the roles and additional policies (default ``/lpc/``; keep it outside the
        boundary's application path so bounded principals cannot change them).
    :param read_only_role_name / read_only_managed_policies / read_only_role_boundary: the federation role.
    :param audit_role_name / audit_managed_policies / audit_role_boundary: the security-audit role.
    :param audit_external_id: require ``sts:ExternalId`` (the security tooling's shared secret).
    :param audit_principal_arns: only these principals (patterns) of the security account, via
        ``aws:PrincipalArn`` (e.g. ``arn:aws:iam::111122223333:role/security-scanner``).
    :param audit_require_mfa: require ``aws:MultiFactorAuthPresent`` (for human auditors).
    :param additional_managed_policies: name → statements of further customer-managed policies.
    :param max_session_duration: of both roles (1 hour by default).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        security_account_id: str,
        federation: FederationProvider | None = None,
        allowed_regions: Sequence[str] = (),
        organization_id: str | None = None,
        boundary_options: Mapping[str, Any] | None = None,
        role_path: str = DEFAULT_ROLE_PATH,
        read_only_role_name: str = DEFAULT_READ_ONLY_ROLE_NAME,
        read_only_managed_policies: Sequence[str] = ("ReadOnlyAccess",),
        read_only_role_boundary: bool = True,
        audit_role_name: str = DEFAULT_AUDIT_ROLE_NAME,
        audit_managed_policies: Sequence[str] = ("SecurityAudit",),
        audit_role_boundary: bool = False,
        audit_external_id: str | None = None,
        audit_principal_arns: Sequence[str] = (),
        audit_require_mfa: bool = False,
        additional_managed_policies: Mapping[str, Sequence[iam.PolicyStatement | Mapping[str, Any]]]
        | None = None,
        max_session_duration: Duration | None = None,
        description: str | None = None,
    ) -> None:
        where = construct_path(scope, construct_id)
        check_account_id(where, "security_account_id", security_account_id)
        regions = check_regions(where, "allowed_regions", allowed_regions, required=False)
        if organization_id is not None:
            check_organization_id(where, "organization_id", organization_id)
        if federation is not None and not isinstance(federation, FederationProvider):
            raise LeastPrivilegeError(
                "LPC-ROLLOUT-021",
                where,
                "federation must be a FederationProvider (saml, oidc or identity_center)",
            )
        if not isinstance(role_path, str) or not _PATH_RE.match(role_path):
            raise LeastPrivilegeError(
                "LPC-ROLLOUT-021", where, f"role_path {role_path!r} must start and end with '/'"
            )
        for argument, name in (
            ("read_only_role_name", read_only_role_name),
            ("audit_role_name", audit_role_name),
        ):
            if not isinstance(name, str) or not _ROLE_NAME_RE.match(name):
                raise LeastPrivilegeError(
                    "LPC-ROLLOUT-021",
                    where,
                    f"{argument} {name!r} is not an IAM role name (1-64 of '\\w+=,.@-')",
                )
        if read_only_role_name == audit_role_name:
            raise LeastPrivilegeError("LPC-ROLLOUT-021", where, "the two roles need different names")
        for argument, names in (
            ("read_only_managed_policies", read_only_managed_policies),
            ("audit_managed_policies", audit_managed_policies),
        ):
            if isinstance(names, str) or not all(
                isinstance(n, str) and _AWS_MANAGED_RE.match(n) for n in names
            ):
                raise LeastPrivilegeError(
                    "LPC-ROLLOUT-021", where, f"{argument} must be a list of AWS managed policy names"
                )
        if audit_external_id is not None and not _EXTERNAL_ID_RE.match(audit_external_id):
            raise LeastPrivilegeError(
                "LPC-ROLLOUT-021", where, "audit_external_id must be 2-1224 characters of '\\w+=,.@:/-'"
            )
        principal_arns = (
            [audit_principal_arns] if isinstance(audit_principal_arns, str) else list(audit_principal_arns)
        )
        for index, arn in enumerate(principal_arns):
            if (
                not isinstance(arn, str)
                or not arn.startswith("arn:")
                or f":{security_account_id}:" not in arn
            ):
                raise LeastPrivilegeError(
                    "LPC-ROLLOUT-021",
                    where,
                    f"audit_principal_arns[{index}] {arn!r} must be an ARN (pattern) in the security account "
                    f"{security_account_id}",
                )
        extra = dict(additional_managed_policies or {})
        for name, statements in extra.items():
            if not isinstance(name, str) or not _POLICY_NAME_RE.match(name):
                raise LeastPrivilegeError(
                    "LPC-ROLLOUT-021", where, f"additional_managed_policies: {name!r} is not a policy name"
                )
            if isinstance(statements, (str, Mapping)) or not list(statements):
                raise LeastPrivilegeError(
                    "LPC-ROLLOUT-021",
                    where,
                    f"additional_managed_policies[{name!r}] must be a non-empty list",
                )
        options = dict(boundary_options or {})
        if "allowed_regions" in options:
            raise LeastPrivilegeError(
                "LPC-ROLLOUT-021", where, "give the regions as allowed_regions, not in boundary_options"
            )

        super().__init__(
            scope,
            construct_id,
            # pinned to the pseudo parameters: agnostic even inside a Stage that has an environment
            env=Environment(account=Aws.ACCOUNT_ID, region=Aws.REGION),
            synthesizer=StackSetTemplateSynthesizer(),
            analytics_reporting=False,
            description=description
            or "Organization default policies (least-privilege-constructs): permissions boundary, "
            "federation and security-audit roles",
        )
        self._security_account_id = security_account_id
        self._federation = federation
        self._allowed_regions = regions

        try:
            self.boundary = PermissionsBoundaryPolicy(
                self, "PermissionsBoundary", allowed_regions=regions, **options
            )
        except TypeError as exc:
            raise LeastPrivilegeError("LPC-ROLLOUT-021", where, f"boundary_options: {exc}") from None
        """The permissions boundary every account carries."""

        session = max_session_duration or Duration.hours(1)

        self.read_only_role: iam.CfnRole | None = None
        """The federation role (``None`` without ``federation``)."""
        if federation is not None:
            self.read_only_role = iam.CfnRole(
                self,
                "FederatedReadOnlyRole",
                role_name=read_only_role_name,
                path=role_path,
                description=f"Read-only access for people federated through {federation.describe()}"[:1000],
                assume_role_policy_document=to_cdk_json(
                    {"Version": "2012-10-17", "Statement": federation.trust_statements()}
                ),
                managed_policy_arns=[_aws_managed(n) for n in read_only_managed_policies],
                permissions_boundary=self.boundary.managed_policy_arn if read_only_role_boundary else None,
                max_session_duration=int(session.to_seconds()),
            )

        audit_conditions: dict[str, dict[str, Any]] = {}
        if audit_external_id is not None:
            audit_conditions.setdefault("StringEquals", {})["sts:ExternalId"] = audit_external_id
        if organization_id is not None:
            audit_conditions.setdefault("StringEquals", {})["aws:PrincipalOrgID"] = organization_id
        if principal_arns:
            audit_conditions["ArnLike"] = {
                "aws:PrincipalArn": principal_arns if len(principal_arns) > 1 else principal_arns[0]
            }
        if audit_require_mfa:
            audit_conditions["Bool"] = {"aws:MultiFactorAuthPresent": "true"}
        audit_statement: dict[str, Any] = {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:${{AWS::Partition}}:iam::{security_account_id}:root"},
            "Action": "sts:AssumeRole",
        }
        if audit_conditions:
            audit_statement["Condition"] = audit_conditions
        self.audit_role = iam.CfnRole(
            self,
            "SecurityAuditRole",
            role_name=audit_role_name,
            path=role_path,
            description=f"Security audit (read-only) for the security account {security_account_id}",
            assume_role_policy_document=to_cdk_json(
                {"Version": "2012-10-17", "Statement": [audit_statement]}
            ),
            managed_policy_arns=[_aws_managed(n) for n in audit_managed_policies],
            permissions_boundary=self.boundary.managed_policy_arn if audit_role_boundary else None,
            max_session_duration=int(session.to_seconds()),
        )
        """The security-audit role."""

        # Pin the boundaries against outer aspects: an app-wide ``PermissionsBoundary.of(app).apply(...)`` (or
        # ``BoundaryEnforcement``) would otherwise write *another* stack's boundary ARN — pinned to that
        # stack's account — into this template that runs in every account. Aspects of a scope run after its
        # ancestors', so this stack's own choice wins: its boundary on every role (also roles added later),
        # none where the arguments say so.
        iam.PermissionsBoundary.of(self).apply(self.boundary)
        if self.read_only_role is not None and not read_only_role_boundary:
            iam.PermissionsBoundary.of(self.read_only_role).clear()
        if not audit_role_boundary:
            iam.PermissionsBoundary.of(self.audit_role).clear()

        self.additional_policies: dict[str, iam.ManagedPolicy] = {}
        """The ``additional_managed_policies``, by name."""
        for index, (name, statements) in enumerate(extra.items()):
            document = {
                "Version": "2012-10-17",
                "Statement": [statement_to_json(s, self) for s in statements],
            }
            self.additional_policies[name] = iam.ManagedPolicy(
                self,
                f"AdditionalPolicy{index}",
                managed_policy_name=name,
                path=role_path,
                document=iam.PolicyDocument.from_json(to_cdk_json(document)),
            )

    @property
    def security_account_id(self) -> str:
        return self._security_account_id

    @property
    def federation(self) -> FederationProvider | None:
        return self._federation

    @property
    def allowed_regions(self) -> list[str]:
        return list(self._allowed_regions)

    def role_arn_template(self, role: iam.CfnRole) -> str:
        """A role's ARN with ``${AWS::AccountId}`` placeholders (e.g. for SCP exemptions)."""
        return iam_arn("role", role.path or "/", role.role_name or "")

    def boundary_arn_for(self, account: str, partition: str = "aws") -> str:
        """The boundary's concrete ARN in ``account``."""
        return self.boundary.boundary_arn_for(account, partition)


def _aws_managed(name: str) -> str:
    return Fn.sub(f"arn:${{AWS::Partition}}:iam::aws:policy/{name}")
