"""What the templates cannot show: the account around the assembly.

An :class:`EscalationContext` tells the escalation analysis about roles that exist in the account but not
in the assembly (CDK bootstrap roles, administrator roles), which boundaries are approved, which SCPs
apply, where the application path is, and what to assume about everything unknown.

Defaults are conservative (they find holes rather than hide them):

* roles **outside** the application path that the assembly does not define *may be privileged*
  (unbounded, trusting the account): a developer who can pass, assume, or modify such a role escalates;
* roles **inside** the application path are bounded by an approved boundary (that is what the path is
  reserved for: the boundary only lets developers create roles there with the boundary attached);
* the CDK bootstrap roles (deploy role, CloudFormation execution role) named in the cloud assembly's
  manifest, or derived from the default qualifier, are unbounded; the execution role holds
  ``AdministratorAccess`` unless bootstrapped otherwise (say so with ``bootstrap_roles_bounded=True``).

Example::

    >>> ctx = EscalationContext(admin_role_arns=["arn:aws:iam::111122223333:role/OrganizationAccountAccessRole"])
    >>> ctx.application_paths
    ('/app/',)
    >>> ctx.in_application_path("arn:aws:iam::111122223333:role/app/payments-handler")
    True
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from least_privilege_constructs.analysis.iam.arn import Arn
from least_privilege_constructs.analysis.managed_policies import aws_managed_document

DEFAULT_QUALIFIER = "hnb659fds"
"""The CDK bootstrap qualifier used when the manifest names no bootstrap roles."""

ADMINISTRATOR_ACCESS_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"
KNOWN_MANAGED_POLICIES: dict[str, dict[str, Any]] = {
    # the one AWS managed policy whose content is its name; others must be given in the context
    ADMINISTRATOR_ACCESS_ARN: {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    },
}


@dataclass(frozen=True)
class KnownRole:
    """A role of the account that the assembly does not define (or whose facts the context overrides).

    ``boundary_arn`` None means unbounded. ``trusted_services`` lists the service principals its trust
    policy names (None: unknown, any service may be trusted; empty: none); ``trusts_account`` says whether
    principals of the account may assume it (with identity permission), as a role trusting
    ``arn:aws:iam::ACCOUNT:root`` does.
    """

    arn: str
    description: str = "existing role"
    boundary_arn: str | None = None
    trusts_account: bool = True
    trusted_services: tuple[str, ...] | None = None
    privileged: bool = True

    @property
    def bounded(self) -> bool:
        return self.boundary_arn is not None


@dataclass(frozen=True)
class EscalationContext:
    """Facts about the account the assembly is deployed to, and the assumptions for everything unknown."""

    application_paths: Sequence[str] = ("/app/",)
    """IAM paths reserved for bounded application roles and policies (developer-owned)."""
    approved_boundary_arns: Sequence[str] = ()
    """Boundaries that application roles may carry, beyond those used by the assembly's own principals.
    Creating roles with an approved boundary is the designed pattern, never a finding."""
    admin_role_arns: Sequence[str] = ()
    """Existing privileged roles (admin, break-glass, ``OrganizationAccountAccessRole`` ...)."""
    unbounded_role_arns: Sequence[str] = ()
    """Other existing roles known to carry no boundary."""
    known_roles: Sequence[KnownRole] = ()
    """Existing roles with their facts (trust, boundary); overrides the two lists above for the same ARN."""
    guardrail_policy_arns: Sequence[str] = ()
    """Policies no developer may edit (boundaries, SCP-like guardrails), besides the approved boundaries."""
    scps: Sequence[Any] = ()
    """Service control policies that apply to the account: documents, or levels (lists of documents)."""
    apply_assembly_scps: bool = True
    """Also apply SCPs of the assembly (``AWS::Organizations::Policy``) whose targets name the account."""
    cdk_bootstrap: bool = True
    """Whether the account is CDK-bootstrapped (adds its deploy and execution roles as known roles)."""
    bootstrap_qualifier: str = DEFAULT_QUALIFIER
    bootstrap_roles_bounded: bool = False
    """True when the bootstrap roles carry a permissions boundary (``cdk bootstrap
    --custom-permissions-boundary``) that is as strict as the developers' one."""
    assume_unknown_roles_privileged: bool = True
    """Unknown roles outside the application path may be privileged (the safe default)."""
    regions: Sequence[str] = ()
    """Regions to test regional actions in (default: the stacks' regions, else us-east-1)."""
    account: str | None = None
    """Account id for environment-agnostic templates (default: the extraction's default account)."""
    managed_policy_documents: Mapping[str, Any] = field(default_factory=dict)
    """Documents of managed policies the assembly attaches by ARN (AWS managed or external), by ARN."""
    tag_based_access: bool | None = None
    """Whether policies in the account grant or deny by principal/resource tags (B13). None: decided from
    the assembly's own policies."""

    def in_application_path(self, arn: str) -> bool:
        """Whether an IAM ARN (role, policy, instance profile) lies under an application path."""
        parsed = Arn.parse(arn)
        resource = parsed.resource if parsed is not None else arn
        _, _, rest = resource.partition("/")
        path = "/" + rest
        return any(path.startswith(p) for p in self.application_paths)

    def managed_policy(self, arn: str) -> Any | None:
        if arn in self.managed_policy_documents:
            return self.managed_policy_documents[arn]
        normalized = _normalize_partition(arn)
        for key, doc in self.managed_policy_documents.items():
            if _normalize_partition(key) == normalized:
                return doc
        known = KNOWN_MANAGED_POLICIES.get(normalized)
        return known if known is not None else aws_managed_document(normalized)

    @classmethod
    def from_file(cls, path: str | Path) -> EscalationContext:
        """Read a context from a JSON file (keys as the field names, or camelCase)."""
        where = str(path)
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ValueError(f"{where}: cannot read the escalation context: {exc}") from None
        return cls.from_dict(data, where)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str = "context") -> EscalationContext:
        if not isinstance(data, Mapping):
            raise ValueError(f"{where}: the escalation context must be a JSON object")
        names = {f: f for f in cls.__dataclass_fields__}
        names.update({_camel(f): f for f in cls.__dataclass_fields__})
        kwargs: dict[str, Any] = {}
        for key, value in data.items():
            field_name = names.get(key)
            if field_name is None:
                raise ValueError(f"{where}.{key}: unknown escalation context setting; known: "
                                 f"{', '.join(sorted(_camel(f) for f in cls.__dataclass_fields__))}")
            if field_name == "known_roles":
                if not isinstance(value, list):
                    raise ValueError(f"{where}.{key}: expected a list of roles")
                roles = []
                for i, item in enumerate(value):
                    if not isinstance(item, Mapping) or "arn" not in item:
                        raise ValueError(f"{where}.{key}[{i}]: a role needs at least an 'arn'")
                    roles.append(KnownRole(
                        arn=str(item["arn"]),
                        description=str(item.get("description", "existing role")),
                        boundary_arn=item.get("boundaryArn", item.get("boundary_arn")),
                        trusts_account=bool(item.get("trustsAccount", item.get("trusts_account", True))),
                        trusted_services=_services(item.get("trustedServices", item.get("trusted_services"))),
                        privileged=bool(item.get("privileged", True)),
                    ))
                value = tuple(roles)
            elif isinstance(value, list):
                value = tuple(value)
            kwargs[field_name] = value
        return cls(**kwargs)


def bootstrap_roles(account: str, region: str, qualifier: str = DEFAULT_QUALIFIER, partition: str = "aws",
                    bounded: bool = False) -> list[KnownRole]:
    """The CDK bootstrap roles that escalate: the deploy role (assumable from the account, passes the
    execution role) and the CloudFormation execution role (``AdministratorAccess`` by default)."""
    prefix = f"arn:{partition}:iam::{account}:role/cdk-{qualifier}"
    boundary = "bootstrap-boundary" if bounded else None
    return [
        KnownRole(f"{prefix}-deploy-role-{account}-{region}", "CDK bootstrap deploy role (passes the "
                  "CloudFormation execution role)", boundary, True, (), not bounded),
        KnownRole(f"{prefix}-cfn-exec-role-{account}-{region}", "CDK bootstrap CloudFormation execution role "
                  "(AdministratorAccess by default)", boundary, False, ("cloudformation.amazonaws.com",),
                  not bounded),
    ]


def _services(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    return (value,) if isinstance(value, str) else tuple(str(v) for v in value)


def _normalize_partition(arn: str) -> str:
    parsed = Arn.parse(arn)
    return str(parsed.with_partition("aws")) if parsed is not None else arn


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(r.title() for r in rest)
