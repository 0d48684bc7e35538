"""What a custom check reasons about: a single policy or a :class:`PolicySet`, as grant groups and denies.

A request is allowed by a target when, for every *grant group*, some Allow statement of the group
applies, and no Deny statement applies. The groups of a policy set are: identity and resource policies
together (either may grant), the permissions boundary, and each SCP level. RCPs only contribute denies.
A single document is a set with one group.

The custom checks ask one question per *candidate* statement (an Allow of the first group): with the
group replaced by that statement alone, the answer says which statements add access.

Example::

    >>> t = Target.of({"Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}, "IDENTITY_POLICY")
    >>> [s.index for _, _, s in t.candidates()]
    [0]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import z3

from least_privilege_constructs.analysis.reasoning.evaluator import as_policy_set
from least_privilege_constructs.analysis.reasoning.policy import Policy, Statement
from least_privilege_constructs.analysis.reasoning.policy_set import PolicySet
from least_privilege_constructs.analysis.reasoning.smt import Encoding

Member = tuple[str, Policy, Statement]


@dataclass(frozen=True)
class Target:
    policy_set: PolicySet
    groups: tuple[tuple[Member, ...], ...]
    denies: tuple[Member, ...]
    single: bool = True
    """True when built from one document (reasons then name no policy)."""

    @classmethod
    def of(cls, policy: Any, policy_type: str = "IDENTITY_POLICY") -> Target:
        single = not isinstance(policy, PolicySet) and not hasattr(policy, "identity_policies")
        ps = as_policy_set(policy, policy_type)
        groups: list[tuple[Member, ...]] = []
        # A policy set whose only policies are SCPs, RCPs or a boundary grants nothing: "No permissions are
        # granted by an SCP" (Organizations User Guide, SCPs,
        # https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html; the
        # same for RCPs and, IAM User Guide, permissions boundaries). Its first grant group is then empty.
        # A lone document is the policy the check asks about: its own Allows are the candidates.
        if ps.identity or ps.resource is not None or not single:
            first: list[Member] = [("identity", p, s) for p in ps.identity for s in p.allows]
            if ps.resource is not None:
                first += [("resource", ps.resource, s) for s in ps.resource.allows]
            groups.append(tuple(first))
        if ps.boundary is not None:
            groups.append(tuple(("boundary", ps.boundary, s) for s in ps.boundary.allows))
        for level in ps.scps:
            groups.append(tuple(("scp", p, s) for p in level for s in p.allows))
        denies = tuple((k, p, s) for k, p, s in ps.statements() if not s.is_allow)
        return cls(ps, tuple(groups), denies, single)

    @property
    def unresolved(self) -> tuple[str, ...]:
        return self.policy_set.unresolved

    def policy_label(self, policy: Policy) -> str | None:
        """The name reasons give for a policy: None for a single document."""
        return None if self.single else (policy.name or None)

    def statements(self) -> list[Statement]:
        return [s for g in self.groups for _, _, s in g] + [s for _, _, s in self.denies]

    def candidates(self) -> tuple[Member, ...]:
        """The Allow statements a check reports on (those of the first grant group)."""
        return self.groups[0] if self.groups else ()

    def structure_key(self) -> tuple[Any, ...]:
        """Canonical text of everything but the first group (for the syntactic fast paths)."""
        rest = tuple(frozenset(s.canonical() for _, _, s in g) for g in self.groups[1:])
        return (len(self.groups), rest)

    def deny_keys(self) -> frozenset[str]:
        return frozenset(s.canonical() for _, _, s in self.denies)

    def allowed(self, enc: Encoding, focus: Member | None = None) -> z3.BoolRef:
        """Requests the target allows (with the first group replaced by ``focus`` when given).

        With a resource policy beside other grant groups, this over-approximates two rules of the
        evaluator so that a PASS stays sound: a resource-policy Allow alone may grant (the permissions
        boundary does not limit a grant to the user or session itself, and anonymous or service callers
        are decided by the resource policy alone), and identity, boundary and SCP denies apply only to AWS
        principals (IAM User Guide, *Policy evaluation logic*; *Permissions boundaries for IAM entities*).
        """
        parts: list[z3.BoolRef] = []
        for gi, group in enumerate(self.groups):
            members = (focus,) if (focus is not None and gi == 0) else group
            parts.append(
                z3.Or(*[enc.statement_formula(s) for _, _, s in members]) if members else z3.BoolVal(False)
            )
        grant = z3.And(*parts) if parts else z3.BoolVal(True)
        has_resource = self.policy_set.resource is not None
        if has_resource and len(self.groups) > 1:
            first = (focus,) if focus is not None else (self.groups[0] if self.groups else ())
            direct = [enc.statement_formula(s) for kind, _, s in first if kind == "resource"]
            if direct:
                grant = z3.Or(grant, *direct)
        if self.denies:
            deny_parts: list[z3.BoolRef] = []
            for kind, _, s in self.denies:
                f = enc.statement_formula(s)
                if has_resource and kind in ("identity", "boundary", "scp"):
                    f = z3.And(f, enc.caller_is_aws())
                deny_parts.append(f)
            return z3.And(grant, z3.Not(z3.Or(*deny_parts)))
        return grant
