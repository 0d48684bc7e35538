"""A set of policies that together decide a request: identity policies, a permissions boundary, SCPs,
RCPs and a resource policy.

A :class:`PolicySet` is what :func:`~least_privilege_constructs.analysis.reasoning.effective_permissions`
returns and what the evaluator and every custom check accept wherever a "policy" is expected: a check on a
policy set reasons about what the principal can really do (identity ∩ boundary ∩ SCPs, minus every Deny).

SCPs are given as levels (root, OUs, account): a request must be allowed by some policy at every level.
A flat list of documents is one level (all attached to the account). RCPs are deny-only in effect
(``RCPFullAWSAccess`` is implicit), so only their Deny statements matter.

Example::

    >>> ps = PolicySet.build(identity=[{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}],
    ...                      boundary={"Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}})
    >>> len(ps.identity), ps.boundary is not None
    (1, True)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from least_privilege_constructs.analysis.iam.organizations import RCP_SERVICE_PREFIXES
from least_privilege_constructs.analysis.reasoning.policy import Policy, Statement, parse_policy


def _doc(obj: Any) -> Any:
    """Accept a document, a Policy, or an object with ``.document`` (ExtractedPolicy-like)."""
    if isinstance(obj, (Mapping, Policy, str, bytes)):
        return obj
    doc = getattr(obj, "document", None)
    if doc is not None:
        return doc
    raise TypeError(f"expected a policy document, got {type(obj).__name__}")


def _name(obj: Any, default: str) -> str:
    for attr in ("name", "policy_name", "logical_id"):
        value = getattr(obj, attr, None)
        if isinstance(value, str) and value:
            return value
    origin = getattr(obj, "origin", None)
    if origin is not None and hasattr(origin, "label"):
        return str(origin.label())
    return default


def _rcp_scoped(policy: Policy) -> Policy:
    """``policy`` (a resource control policy) with every statement limited to the RCP services."""
    if all(s.action_services == RCP_SERVICE_PREFIXES for s in policy.statements):
        return policy
    return replace(
        policy, statements=tuple(replace(s, action_services=RCP_SERVICE_PREFIXES) for s in policy.statements)
    )


def _levels(value: Any, kind: str) -> tuple[tuple[Policy, ...], ...]:
    if not value:
        return ()
    items = list(value)
    if any(isinstance(i, (list, tuple)) for i in items):
        return tuple(
            tuple(parse_policy(_doc(p), _name(p, f"{kind}{li}.{pi}")) for pi, p in enumerate(level))
            for li, level in enumerate(items)
        )
    return (tuple(parse_policy(_doc(p), _name(p, f"{kind}{pi}")) for pi, p in enumerate(items)),)


@dataclass(frozen=True)
class PolicySet:
    """Normalized policies of one principal (and optionally one resource)."""

    identity: tuple[Policy, ...] = ()
    boundary: Policy | None = None
    scps: tuple[tuple[Policy, ...], ...] = ()
    rcps: tuple[tuple[Policy, ...], ...] = ()
    resource: Policy | None = None
    principal: str | None = None
    unresolved: tuple[str, ...] = ()
    """Policies that apply but whose documents are unknown (e.g. an AWS managed policy attached by ARN):
    a check on such a set cannot PASS — it reports UNKNOWN instead (fail closed)."""

    def __post_init__(self) -> None:
        # RCPs restrict only the services the Organizations guide lists; every RCP statement is scoped to
        # them here, so the evaluator and the SMT encoding (which both read Statement.action_services)
        # never apply an RCP Deny to EC2, Lambda, IAM ... (analysis.iam.organizations, with the page).
        scoped = tuple(tuple(_rcp_scoped(p) for p in level) for level in self.rcps)
        if scoped != self.rcps:
            object.__setattr__(self, "rcps", scoped)

    @classmethod
    def build(
        cls,
        identity: Sequence[Any] = (),
        boundary: Any = None,
        scps: Sequence[Any] = (),
        rcps: Sequence[Any] = (),
        resource: Any = None,
        principal: str | None = None,
        unresolved: Sequence[str] = (),
    ) -> PolicySet:
        """Build from raw documents (dicts, JSON text, or objects with ``.document``)."""
        return cls(
            identity=tuple(
                parse_policy(_doc(p), _name(p, f"identity{i}")) for i, p in enumerate(identity or ())
            ),
            boundary=parse_policy(_doc(boundary), _name(boundary, "boundary"))
            if boundary is not None
            else None,
            scps=_levels(scps, "scp"),
            rcps=_levels(rcps, "rcp"),
            resource=parse_policy(_doc(resource), _name(resource, "resource"))
            if resource is not None
            else None,
            principal=principal,
            unresolved=tuple(unresolved),
        )

    def all_policies(self) -> Iterator[tuple[str, Policy]]:
        for p in self.identity:
            yield "identity", p
        if self.boundary is not None:
            yield "boundary", self.boundary
        for level in self.scps:
            for p in level:
                yield "scp", p
        for level in self.rcps:
            for p in level:
                yield "rcp", p
        if self.resource is not None:
            yield "resource", self.resource

    def statements(self) -> Iterator[tuple[str, Policy, Statement]]:
        for kind, p in self.all_policies():
            for s in p.statements:
                yield kind, p, s
