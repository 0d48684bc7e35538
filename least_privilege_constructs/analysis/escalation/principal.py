"""The per-principal model of the escalation analysis: effective permissions (identity policies, groups'
policies, boundary, SCPs) and the means to question them.

:meth:`PrincipalModel.ask` evaluates one concrete request with
:func:`~least_privilege_constructs.analysis.reasoning.evaluate` in every region that matters, in the context
a legitimate session of the principal has (MFA, TLS, its tags, the network conditions its own Allow
statements require) plus the keys of the adversarial request; a ``None`` value removes a key (a request
with no ``iam:PermissionsBoundary`` at all). :meth:`PrincipalModel.witnesses` turns wildcard resources into
concrete ones (see :mod:`.probes`); :meth:`PrincipalModel.privileged_roles` lists the roles a request could
target, most concrete first (assembly, context, CDK bootstrap, then assumed unknown ones).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from least_privilege_constructs.analysis.escalation.methods import method
from least_privilege_constructs.analysis.escalation.paths import EscalationPath
from least_privilege_constructs.analysis.escalation.probes import PROBE, instantiate
from least_privilege_constructs.analysis.escalation.world import RoleFact, Subject, World, assembly_scps_for
from least_privilege_constructs.analysis.extract.model import PrincipalKind
from least_privilege_constructs.analysis.findings import PolicyOrigin
from least_privilege_constructs.analysis.iam.arn import Arn, account_of
from least_privilege_constructs.analysis.iam.wildcards import action_matches, service_of
from least_privilege_constructs.analysis.reasoning.evaluator import evaluate
from least_privilege_constructs.analysis.reasoning.policy import Policy, Statement, parse_policy
from least_privilege_constructs.analysis.reasoning.policy_set import PolicySet
from least_privilege_constructs.analysis.reasoning.request import Decision, Request

GLOBAL_SERVICES = frozenset({"iam", "sts", "organizations", "account"})
ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}

_ENV_KEYS = ("aws:sourceip", "aws:sourcevpc", "aws:sourcevpce", "aws:vpcsourceip", "aws:principalorgid",
             "aws:principalorgpaths", "aws:sourceidentity")

_ORDER = {f"B{i}": i for i in range(1, 16)}


def order(method_id: str) -> int:
    """Sort key: B1..B15 first, then the classic ids."""
    return _ORDER.get(method_id, 100)


@dataclass(frozen=True)
class Hit:
    action: str
    resource: str
    decision: Decision
    context: Mapping[str, Any]


class PrincipalModel:
    """One principal's effective permissions and the means to question them: the evaluator with the
    adversarial request contexts, witness resources, and the roles and resources it could target."""

    def __init__(self, world: World, subject: Subject, *, over_approximate: bool = False,
                 identity_override: Any = None, chained: bool = False) -> None:
        self.world = world
        self.subject = subject
        self.ctx = world.context
        self.arn = subject.arn
        parsed = Arn.parse(subject.arn)
        self.account = (parsed.account_id if parsed else None) or (world.context.account or "")
        self.partition = parsed.partition if parsed and parsed.partition else "aws"
        self.chained = chained
        self.over_approximate = over_approximate
        self.requests = 0
        self._cache: dict[Any, Decision] = {}
        self._origins: dict[str, PolicyOrigin | None] = {}
        identity: list[Policy] = []
        if identity_override is not None:
            identity.append(parse_policy(identity_override, "self-edited policy (Allow *)"))
        else:
            for name, doc, origin in subject.identity:
                identity.append(parse_policy(doc, name))
                self._origins[name] = origin
            if over_approximate:
                for arn in subject.unknown_managed:
                    identity.append(parse_policy(ALLOW_ALL, f"{arn} (unanalyzed: assumed Allow *)"))
        boundary: Policy | None = None
        if subject.boundary is not None:
            boundary = parse_policy(subject.boundary, subject.boundary_name or "boundary")
            self._origins[subject.boundary_name or "boundary"] = subject.boundary_origin
        elif subject.boundary_unknown and over_approximate:
            boundary = parse_policy(ALLOW_ALL, "boundary (unanalyzed: assumed Allow *)")
        elif subject.boundary_unknown:
            # unknown boundary: analyze as if it allowed nothing beyond the identity policies' denies;
            # the over-approximating run (Allow *) reports what may be open
            boundary = parse_policy(ALLOW_ALL, "boundary (unanalyzed)")
        scp_docs = list(world.scps)
        for scp in assembly_scps_for(world, self.account):
            scp_docs.append(scp)
        self.policy_set = PolicySet(
            identity=tuple(identity),
            boundary=boundary,
            scps=PolicySet.build(scps=scp_docs).scps if scp_docs else (),
            principal=subject.arn,
        )
        self.approved = self._approved_boundaries(identity)
        self.bounded = subject.principal.boundary_arn is not None
        self.delegation = self.bounded or any(
            c.key.lower() == "iam:permissionsboundary"
            for p in identity for s in p.statements for c in s.conditions
        )
        self.base_context = self._base_context(identity, boundary)
        self._self_paths: list[str] | None = None

    # -- context ----------------------------------------------------------------------------------------

    def _approved_boundaries(self, identity: Sequence[Policy]) -> frozenset[str]:
        approved = set(self.ctx.approved_boundary_arns)
        if self.subject.principal.boundary_arn:
            approved.add(self.subject.principal.boundary_arn)
        else:
            approved.update(self.world.assembly_boundaries)
        # the boundaries the principal's own Allow conditions require (exact values): the designed pattern
        policies = [*identity, *([self.policy_set.boundary] if self.policy_set.boundary else [])]
        for p in policies:
            for s in p.allows:
                for c in s.conditions:
                    if (c.key.lower() == "iam:permissionsboundary"
                            and c.base in ("StringEquals", "ArnEquals", "StringLike", "ArnLike")):
                        approved.update(v for v in c.values if "*" not in v and "?" not in v)
        return frozenset(approved)

    def _base_context(self, identity: Sequence[Policy], boundary: Policy | None) -> dict[str, Any]:
        p = self.subject.principal
        now = datetime.now(UTC)
        ctx: dict[str, Any] = {
            "aws:PrincipalArn": p.arn,
            "aws:PrincipalAccount": self.account,
            "aws:PrincipalType": "User" if self.subject.is_user else "AssumedRole",
            "aws:MultiFactorAuthPresent": "true",
            "aws:SecureTransport": "true",
            "aws:ViaAWSService": "false",
            "aws:PrincipalIsAWSService": "false",
            "aws:CurrentTime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "aws:EpochTime": str(int(now.timestamp())),
        }
        if self.subject.is_user:
            ctx["aws:username"] = p.name
        for k, v in p.tags.items():
            ctx[f"aws:PrincipalTag/{k}"] = v
        # environment keys the principal's own Allow statements require: its legitimate sessions meet them
        for pol in [*identity, *([boundary] if boundary else [])]:
            for s in pol.allows:
                for c in s.conditions:
                    key = c.key.lower()
                    if key in _ENV_KEYS and c.key not in ctx and c.values and not c.base.startswith(
                            ("StringNot", "ArnNot", "NotIp")):
                        value = c.values[0]
                        if c.base == "IpAddress":
                            value = value.split("/")[0]
                        ctx[c.key] = instantiate(value, account=self.account, region="us-east-1")
        return ctx

    # -- evaluation -------------------------------------------------------------------------------------

    def regions_for(self, action: str) -> tuple[str, ...]:
        service = service_of(action)
        return ("us-east-1",) if service in GLOBAL_SERVICES else self.world.regions

    def ask(self, action: str, resource: str, extra: Mapping[str, Any] | None = None, *,
            principal: str | None = None, resource_policy: Any = None) -> Hit | None:
        """The first region where ``action`` on ``resource`` with ``extra`` context (None values: key
        absent) is allowed, as a hit; None when it is allowed nowhere."""
        for region in self.regions_for(action):
            context = dict(self.base_context)
            context["aws:RequestedRegion"] = region
            for k, v in (extra or {}).items():
                if v is None:
                    context.pop(k, None)
                else:
                    context[k] = v
            key = (action, resource, principal, id(resource_policy),
                   tuple(sorted((k, str(v)) for k, v in context.items() if k not in ("aws:CurrentTime",
                                                                                     "aws:EpochTime"))))
            decision = self._cache.get(key)
            if decision is None:
                ps = self.policy_set
                if resource_policy is not None:
                    ps = PolicySet(ps.identity, ps.boundary, ps.scps, ps.rcps, resource_policy, ps.principal)
                decision = evaluate(Request(principal or self.arn, action, resource, context), ps)
                self._cache[key] = decision
                self.requests += 1
            if decision.allowed:
                return Hit(action, resource, decision, context)
        return None

    def may(self, action: str) -> bool:
        """Action-level prefilter: some identity Allow names the action, and the boundary (if any) too."""
        def names(policies: Iterable[Policy]) -> bool:
            return any(statement_names(s, action) for p in policies for s in p.allows)
        if not names(self.policy_set.identity):
            return False
        return self.policy_set.boundary is None or names([self.policy_set.boundary])

    def witnesses(self, action: str, defaults: Iterable[str] = ()) -> list[str]:
        """Concrete resources for ``action``: the defaults, then instances of every resource pattern of
        the statements that name the action (see :mod:`.probes`)."""
        out = list(dict.fromkeys(defaults))
        region = self.world.regions[0]
        for _, pol in self.policy_set.all_policies():
            for s in pol.statements:
                if not statement_names(s, action):
                    continue
                patterns = (s.resources or ()) if s.is_allow else (s.not_resources or ())
                for pattern in patterns:
                    if pattern == "*":
                        continue
                    arn = instantiate(pattern, account=self.account, region=region, partition=self.partition,
                                      context=self.base_context)
                    if arn not in out:
                        out.append(arn)
        return out

    # -- targets ----------------------------------------------------------------------------------------

    def iam_arn(self, kind: str, path_and_name: str) -> str:
        return f"arn:{self.partition}:iam::{self.account}:{kind}{path_and_name}"

    def app_path(self) -> str:
        return self.ctx.application_paths[0] if self.ctx.application_paths else "/app/"

    def role_fact(self, arn: str) -> RoleFact:
        """Facts about a role ARN: known (assembly, context, bootstrap), or assumed from its path."""
        known = self.world.role(arn) or self.world.users.get(arn)
        if known is not None:
            return known
        if self.ctx.in_application_path(arn):
            boundary = next(iter(sorted(self.approved)), "approved-boundary")
            return RoleFact(arn, "application-path role (assumed bounded)", boundary, privileged=False,
                            assumption="roles in the application path carry the approved boundary")
        privileged = self.ctx.assume_unknown_roles_privileged
        return RoleFact(arn, "unknown role outside the application path", None, privileged=privileged,
                        assumption="an unknown role outside the application path may be unbounded and "
                        "privileged" if privileged else "")

    def privileged_roles(self, action: str, *, include_self: bool) -> list[RoleFact]:
        """Unbounded roles a request could target, most concrete first."""
        seen: dict[str, RoleFact] = {}
        own = self.subject.principal
        for fact in self.world.roles.values():
            # IAM writes and PassRole stay in the account; roles of other accounts trust them explicitly or not at all
            if fact.privileged and not fact.bounded and fact.arn != own.arn and self.same_account(fact.arn):
                seen.setdefault(fact.arn, fact)
        if include_self and own.kind is PrincipalKind.ROLE and own.boundary_arn is None:
            seen.setdefault(own.arn, RoleFact(own.arn, "the principal's own (unbounded) role", None))
        if self.ctx.assume_unknown_roles_privileged:
            probe = self.iam_arn("role", f"/{PROBE}-unknown-role")
            for arn in self.witnesses(action, [probe]):
                if ":role/" not in arn or arn in seen or arn == own.arn or not self.same_account(arn):
                    continue
                fact = self.role_fact(arn)
                if fact.privileged and not fact.bounded:
                    seen[arn] = fact
        return list(seen.values())

    def gains(self, fact: RoleFact) -> bool:
        """Whether acting as the role ``fact`` gives the principal access it does not have. Roles known only
        from the context, the CDK bootstrap or the unknown-role assumption are privileged by definition; a
        role of the assembly gains only if its effective permissions allow some request the principal's do
        not (``check_no_new_access``, failing closed: an undetermined answer counts as a gain)."""
        target = next((p for p in self.world.extraction.principals
                       if p.arn == fact.arn and not p.external), None)
        if target is None or self.over_approximate:
            return True
        cache: dict[tuple[str, str], bool] = self.world.__dict__.setdefault("_gain_cache", {})
        key = (self.arn, fact.arn)
        if key not in cache:
            from least_privilege_constructs.analysis.escalation.world import subject_of
            from least_privilege_constructs.analysis.reasoning.no_new_access import check_no_new_access
            from least_privilege_constructs.analysis.reasoning.result import Verdict

            subject = subject_of(self.world, target)
            if subject.unknown_managed or subject.boundary_unknown:
                cache[key] = True
            else:
                target_set = PolicySet.build(
                    identity=[doc for _, doc, _ in subject.identity], boundary=subject.boundary,
                    scps=[], principal=fact.arn)
                if self.policy_set.scps:
                    target_set = PolicySet(target_set.identity, target_set.boundary, self.policy_set.scps)
                result = check_no_new_access(target_set, self.policy_set, "IDENTITY_POLICY")
                cache[key] = result.verdict is not Verdict.PASS
        return cache[key]

    def same_account(self, arn: str) -> bool:
        """Whether an ARN (with an account field) belongs to the principal's account."""
        account = account_of(arn)
        return not account or account == self.account

    def privileged_users(self, action: str) -> list[RoleFact]:
        seen: dict[str, RoleFact] = {}
        for fact in self.world.users.values():
            if not fact.bounded and fact.arn != self.arn and self.same_account(fact.arn):
                seen.setdefault(fact.arn, fact)
        if self.ctx.assume_unknown_roles_privileged:
            probe = self.iam_arn("user", f"/{PROBE}-unknown-user")
            for arn in self.witnesses(action, [probe]):
                if ":user/" in arn and arn not in seen and arn != self.arn and not self.ctx.in_application_path(arn):
                    seen[arn] = RoleFact(arn, "unknown user outside the application path", None,
                                         assumption="an unknown user outside the application path may be "
                                         "unbounded and privileged")
        return list(seen.values())

    # -- reporting --------------------------------------------------------------------------------------

    def path(self, method_id: str, hits: Sequence[Hit], target: str, evidence: str, *,
             assumption: str = "", chain: Sequence[str] = (), classic: str | None = None,
             fix: str | None = None, family: str = "", condition: str = "", runs_with: str = "") -> EscalationPath:
        m = method(method_id)
        aliases: tuple[str, ...] = ()
        reported = method_id
        fix = fix or m.fix
        title = m.title
        if classic is not None:
            if self.delegation:
                aliases = (classic,)
            else:
                cm = method(classic)
                reported, title, aliases = classic, cm.title, (method_id,)
                fix = fix or cm.fix
        permissions = tuple(dict.fromkeys(h.action for h in hits))
        statements: list[str] = []
        origins: list[dict[str, Any]] = []
        for h in hits:
            for ref in h.decision.deciding:
                if ref.effect != "Allow" or ref.kind not in ("identity", "boundary", "resource"):
                    continue
                label = f"{ref.label()} → {h.action}"
                if label not in statements:
                    statements.append(label)
                    origin = self._origins.get(ref.policy)
                    # every granting statement is listed; one of a policy outside the assembly (an AWS managed
                    # policy) has no template location, and a path granted by it is never folded into a finding
                    # about a statement of the assembly
                    origins.append({"policy": ref.policy, "statement": ref.index, "sid": ref.sid, "kind": ref.kind,
                                    **(origin.to_dict() if origin is not None else {})})
        return EscalationPath(
            principal=self.subject.label,
            principal_arn=self.arn,
            method_id=reported,
            title=title,
            permissions=permissions,
            statements=tuple(statements),
            target=target,
            evidence=evidence,
            fix=fix,
            category=(method(reported).category.value),
            also_known_as=aliases,
            assumption=assumption,
            chain=tuple(chain),
            family=family,
            condition=condition,
            runs_with=runs_with,
            origin=self.subject.origin(),
            statement_origins=tuple(origins),
            specific_target=self._specific(target, runs_with),
        )

    def _specific(self, target: str, runs_with: str) -> bool:
        """Whether ``target`` is a particular principal or resource, not a probe (see
        :attr:`EscalationPath.specific_target`)."""
        if target == self.arn:
            return False
        if runs_with or self.world.role(target) is not None or target in self.world.users:
            return True
        return any(r.arn(self.world.partition) == target for r in self.world.running)


def statement_names(stmt: Statement, action: str) -> bool:
    if stmt.actions is not None:
        return any(action_matches(p, action) for p in stmt.actions)
    if stmt.not_actions is not None:
        return not any(action_matches(p, action) for p in stmt.not_actions)
    return False

