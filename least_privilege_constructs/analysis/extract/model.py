"""What extraction produces: policies (resolved, with their origin), the principals they apply to, and
the assembly's exports.

Later analyses (effective permissions, escalation, the synth-time plugin) consume an :class:`Extraction`:

    >>> from least_privilege_constructs.analysis.extract import extract_policies
    >>> ex = extract_policies(["cdk.out"])                    # doctest: +SKIP
    >>> for role in ex.roles:                                 # doctest: +SKIP
    ...     print(role.name, role.boundary_arn, [p.origin.policy_name for p in role.identity_policies()])
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from least_privilege_constructs.analysis.findings import Finding, JsonPath, PolicyOrigin, PolicyType


class PolicyKind(StrEnum):
    """What role a policy plays. ``policy_type`` says how Access Analyzer validates it; ``kind`` says how
    it takes effect."""

    INLINE = "inline"
    """An identity policy embedded in (or attached only to) one or more principals: ``Policies`` of a
    role/user/group, ``AWS::IAM::Policy``, ``AWS::IAM::RolePolicy`` / ``UserPolicy`` / ``GroupPolicy``."""
    MANAGED = "managed"
    """A customer managed policy (``AWS::IAM::ManagedPolicy``) attached to principals (or to none)."""
    BOUNDARY = "boundary"
    """A customer managed policy used only as a permissions boundary."""
    TRUST = "trust"
    """A role's ``AssumeRolePolicyDocument``."""
    RESOURCE = "resource"
    """A resource-based policy (bucket, queue, topic, key, function, secret, repository, ...)."""
    SCP = "scp"
    """A service control policy (``AWS::Organizations::Policy`` of type SERVICE_CONTROL_POLICY)."""
    RCP = "rcp"
    """A resource control policy (``AWS::Organizations::Policy`` of type RESOURCE_CONTROL_POLICY)."""
    DOCUMENT = "document"
    """A plain policy document file (no template around it)."""


class PrincipalKind(StrEnum):
    ROLE = "role"
    USER = "user"
    GROUP = "group"


@dataclass
class ExtractedPolicy:
    """One policy found in the input, with intrinsic functions resolved.

    ``document`` is the resolved policy (a dict). ``policy_type`` and ``resource_type`` are what to
    pass to ``validate_policy`` / Access Analyzer's ValidatePolicy. ``unresolved`` lists the paths
    (inside ``document``) whose value could not be resolved; each has an extraction finding, and
    findings of other checks at those paths are artefacts of the placeholder.
    """

    document: Any
    policy_type: PolicyType
    origin: PolicyOrigin
    kind: PolicyKind
    resource_type: str | None = None
    """Access Analyzer's ``validatePolicyResourceType`` (e.g. ``AWS::S3::Bucket``,
    ``AWS::IAM::AssumeRolePolicyDocument``), ``None`` where ValidatePolicy has none."""
    governed_resource_type: str | None = None
    """For resource policies: the CloudFormation type of the resource the policy protects
    (``AWS::SNS::Topic``, ``AWS::Lambda::Function``, ...)."""
    resources: list[str] = field(default_factory=list)
    """For resource policies: the (resolved) ARNs or names of the resources the policy protects;
    for SCPs/RCPs: the target ids."""
    policy_arn: str | None = None
    """For customer managed policies: the policy's ARN (resolved)."""
    attached_to: list[str] = field(default_factory=list)
    """Keys (:attr:`Principal.key`) of the principals the policy grants to (identity) or protects (trust)."""
    boundary_of: list[str] = field(default_factory=list)
    """Keys of the principals that use this managed policy as their permissions boundary."""
    unresolved: list[JsonPath] = field(default_factory=list)
    cfn_type: str | None = None
    """The CloudFormation type of the resource that carries the policy (``AWS::IAM::Role``,
    ``AWS::S3::BucketPolicy``, ...); ``None`` for plain policy files."""
    account: str | None = None
    """The account the policy lives in (the stack's ``AWS::AccountId`` as resolved)."""

    @property
    def key(self) -> str:
        """A stable, unique identifier: source, stack, logical id and JSON path."""
        o = self.origin
        return "#".join(str(x) for x in (o.source, o.stack or "", o.logical_id or "", o.json_path or ""))

    @property
    def name(self) -> str:
        return self.origin.policy_name or self.origin.logical_id or self.origin.label()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "key": self.key,
            "kind": self.kind.value,
            "policyType": self.policy_type.value,
            "origin": self.origin.to_dict(),
            "document": self.document,
        }
        if self.resource_type:
            out["validatePolicyResourceType"] = self.resource_type
        if self.cfn_type:
            out["cfnType"] = self.cfn_type
        if self.account:
            out["account"] = self.account
        if self.governed_resource_type:
            out["governedResourceType"] = self.governed_resource_type
        if self.resources:
            out["resources"] = list(self.resources)
        if self.policy_arn:
            out["policyArn"] = self.policy_arn
        if self.attached_to:
            out["attachedTo"] = list(self.attached_to)
        if self.boundary_of:
            out["boundaryOf"] = list(self.boundary_of)
        if self.unresolved:
            out["unresolved"] = [list(p) for p in self.unresolved]
        return out


@dataclass
class Principal:
    """An IAM role, user or group and every policy that applies to it.

    Principals defined in the input carry their logical id and construct path. A principal that a
    policy attaches to by name but that the input does not define is ``external`` (only its name).
    """

    kind: PrincipalKind
    name: str
    arn: str
    path: str = "/"
    source: str = ""
    stack: str | None = None
    logical_id: str | None = None
    construct_path: str | None = None
    external: bool = False
    inline_policies: list[ExtractedPolicy] = field(default_factory=list)
    """Identity policies embedded in or attached only to this principal (kind ``inline``)."""
    managed_policies: list[ExtractedPolicy] = field(default_factory=list)
    """Customer managed policies of the input attached to this principal."""
    managed_policy_arns: list[str] = field(default_factory=list)
    """Managed policies attached by ARN that the input does not define (AWS managed or external)."""
    trust_policy: ExtractedPolicy | None = None
    boundary: ExtractedPolicy | None = None
    """The permissions boundary when it is a managed policy of the input."""
    boundary_arn: str | None = None
    """The permissions boundary's ARN (always set when the principal has a boundary)."""
    groups: list[str] = field(default_factory=list)
    """For users: keys of the groups the user belongs to."""
    members: list[str] = field(default_factory=list)
    """For groups: keys of the users in the group."""
    has_login_profile: bool = False
    """For users: console access (``LoginProfile``)."""
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        if self.external:
            return f"external:{self.kind.value}/{self.name}"
        return f"{self.source}#{self.stack or ''}#{self.logical_id or self.name}"

    @property
    def label(self) -> str:
        return self.construct_path or "/".join(x for x in (self.stack, self.logical_id) if x) or self.name

    def identity_policies(self) -> list[ExtractedPolicy]:
        """The policies of the input that grant this principal permissions (not its group's)."""
        return [*self.inline_policies, *self.managed_policies]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "key": self.key,
            "kind": self.kind.value,
            "name": self.name,
            "arn": self.arn,
            "path": self.path,
        }
        for attr in ("source", "stack", "logical_id", "construct_path"):
            value = getattr(self, attr)
            if value:
                out[_camel(attr)] = value
        if self.external:
            out["external"] = True
        out["inlinePolicies"] = [p.key for p in self.inline_policies]
        out["managedPolicies"] = [p.key for p in self.managed_policies]
        out["managedPolicyArns"] = list(self.managed_policy_arns)
        if self.kind is PrincipalKind.ROLE:
            out["trustPolicy"] = self.trust_policy.key if self.trust_policy else None
        if self.kind is not PrincipalKind.GROUP:
            out["permissionsBoundary"] = (
                {"arn": self.boundary_arn, "policy": self.boundary.key if self.boundary else None}
                if self.boundary_arn
                else None
            )
        if self.kind is PrincipalKind.USER:
            out["groups"] = list(self.groups)
            out["loginProfile"] = self.has_login_profile
        if self.kind is PrincipalKind.GROUP:
            out["members"] = list(self.members)
        if self.tags:
            out["tags"] = dict(self.tags)
        return out


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(r.title() for r in rest)


@dataclass(frozen=True)
class TemplateInfo:
    """One template that was read: a stack, nested stack, StackSet template or a plain file."""

    source: str
    stack: str | None
    kind: str
    """``stack``, ``nested-stack``, ``stack-set``, ``template`` or ``policy``."""
    parent: str | None = None
    """For nested stacks and StackSet templates: the parent stack and logical id."""
    account: str | None = None
    region: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class SkippedItem:
    """Something deliberately not extracted, with the reason (never skipped silently)."""

    origin: PolicyOrigin
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"origin": self.origin.to_dict(), "reason": self.reason}


@dataclass
class Extraction:
    """Everything found in the inputs.

    ``findings`` holds extraction problems (unreadable files, unresolvable intrinsics, cycles); each
    is a blocking ERROR with ``check='extraction'``.
    """

    policies: list[ExtractedPolicy] = field(default_factory=list)
    principals: list[Principal] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    exports: dict[str, str] = field(default_factory=dict)
    templates: list[TemplateInfo] = field(default_factory=list)
    skipped: list[SkippedItem] = field(default_factory=list)
    _principal_index: dict[str, Principal] = field(default_factory=dict, repr=False, compare=False)
    _policy_index: dict[str, ExtractedPolicy] = field(default_factory=dict, repr=False, compare=False)

    def __iter__(self) -> Iterator[ExtractedPolicy]:
        return iter(self.policies)

    def __len__(self) -> int:
        return len(self.policies)

    def of_kind(self, *kinds: PolicyKind | str) -> list[ExtractedPolicy]:
        wanted = {PolicyKind(k) for k in kinds}
        return [p for p in self.policies if p.kind in wanted]

    @property
    def roles(self) -> list[Principal]:
        return [p for p in self.principals if p.kind is PrincipalKind.ROLE]

    @property
    def users(self) -> list[Principal]:
        return [p for p in self.principals if p.kind is PrincipalKind.USER]

    @property
    def groups(self) -> list[Principal]:
        return [p for p in self.principals if p.kind is PrincipalKind.GROUP]

    @property
    def scps(self) -> list[ExtractedPolicy]:
        return self.of_kind(PolicyKind.SCP)

    @property
    def rcps(self) -> list[ExtractedPolicy]:
        return self.of_kind(PolicyKind.RCP)

    @property
    def resource_policies(self) -> list[ExtractedPolicy]:
        return self.of_kind(PolicyKind.RESOURCE)

    def principal(self, key: str) -> Principal | None:
        """The principal with :attr:`Principal.key` ``key``."""
        if len(self._principal_index) != len(self.principals):
            self._principal_index = {p.key: p for p in self.principals}
        return self._principal_index.get(key)

    def policy(self, key: str) -> ExtractedPolicy | None:
        """The policy with :attr:`ExtractedPolicy.key` ``key``."""
        if len(self._policy_index) != len(self.policies):
            self._policy_index = {p.key: p for p in self.policies}
        return self._policy_index.get(key)

    def all_identity_policies(
        self, principal: Principal, managed_documents: Callable[[str], Any] | None = None
    ) -> list[ExtractedPolicy]:
        """Every identity policy of the input that applies to a principal: its own and, for a user, its
        groups' (AWS managed policies are in ``managed_policy_arns`` of the principal and its groups).

        With ``managed_documents`` (ARN -> document or None, e.g. :class:`~least_privilege_constructs.
        analysis.managed_policies.ManagedPolicyResolver`) the AWS managed policies it knows are included too,
        reported at the principal (``policy_name`` the policy's name, ``policy_arn`` its ARN): for a
        permission set that is inline ∪ AWS managed ∪ customer managed. Policies it does not know are left
        out; the escalation analysis reports them (ESCALATION_UNDETERMINED)."""
        out = principal.identity_policies()
        arns = list(principal.managed_policy_arns)
        if principal.kind is PrincipalKind.USER:
            out += [p for p in self.group_policies(principal) if p not in out]
            for key in principal.groups:
                group = self.principal(key)
                arns += [a for a in (group.managed_policy_arns if group else []) if a not in arns]
        if managed_documents is None:
            return out
        for arn in arns:
            document = managed_documents(arn)
            if not isinstance(document, dict):
                continue
            origin = PolicyOrigin(source=principal.source, stack=principal.stack, logical_id=principal.logical_id,
                                  construct_path=principal.construct_path, policy_type=PolicyType.IDENTITY_POLICY.value,
                                  policy_name=arn.rsplit("/", 1)[-1])
            out.append(ExtractedPolicy(document=document, policy_type=PolicyType.IDENTITY_POLICY, origin=origin,
                                       kind=PolicyKind.MANAGED, policy_arn=arn, attached_to=[principal.key]))
        return out

    def group_policies(self, user: Principal) -> list[ExtractedPolicy]:
        """The identity policies a user gets through its groups."""
        out: list[ExtractedPolicy] = []
        for key in user.groups:
            group = self.principal(key)
            if group is not None:
                out.extend(group.identity_policies())
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "templates": [t.to_dict() for t in self.templates],
            "policies": [p.to_dict() for p in self.policies],
            "principals": [p.to_dict() for p in self.principals],
            "exports": dict(sorted(self.exports.items())),
            "skipped": [s.to_dict() for s in self.skipped],
            "findings": [f.to_dict() for f in self.findings],
        }
