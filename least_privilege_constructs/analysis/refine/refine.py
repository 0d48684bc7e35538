"""Refined policies: keep every action a role used or that cannot be proven unused, drop the rest.

:func:`refine_bundle` decides every action of every Allow statement of every policy of every role of an
evidence bundle (:mod:`~least_privilege_constructs.analysis.refine.decisions`) and removes only the
*unused-confirmed* ones. Each refined document is then proven to grant nothing new
(:func:`~least_privilege_constructs.analysis.reasoning.check_no_new_access`, PASS required) and to still
allow every used action on every resource the original granted it on (the evaluator); a document that
fails either, or is above IAM's size quota, is left unchanged (fail closed).

Guardrails (:class:`RefineOptions`): evidence older than ``max_evidence_age_days`` is refused
(``LPC-REFINE-002``); a role younger than ``min_role_age_days`` keeps everything; a policy changed within
``grace_period_days`` (or whose change date is unknown, while a grace period is set) keeps everything; a
statement whose ``Sid`` starts with ``opt_out_sid_prefix`` is kept as is; ``NotAction`` statements and Deny
statements are kept; ``iam:PassRole`` is removed only when the evidence names it.

Example::

    >>> bundle = {"format": "lpc-evidence-bundle", "version": 1, "generatedAt": "2026-12-01T00:00:00Z",
    ...   "accounts": [{"accountId": "111122223333", "roles": [{
    ...     "arn": "arn:aws:iam::111122223333:role/app", "createDate": "2025-01-01T00:00:00Z",
    ...     "policies": [{"kind": "inline", "name": "app", "modifiedAt": "2025-01-01T00:00:00Z",
    ...       "document": {"Version": "2012-10-17", "Statement": [
    ...         {"Effect": "Allow", "Action": ["s3:GetObject", "sqs:SendMessage"], "Resource": "*"}]}}],
    ...     "lastAccessed": {"JobStatus": "COMPLETED", "JobType": "ACTION_LEVEL", "ServicesLastAccessed": [
    ...       {"ServiceNamespace": "s3", "LastAuthenticated": "2026-11-30T00:00:00Z", "TrackedActionsLastAccessed": [
    ...         {"ActionName": "GetObject", "LastAccessedTime": "2026-11-30T00:00:00Z"}]},
    ...       {"ServiceNamespace": "sqs"}]}}]}]}
    >>> result = refine_bundle(bundle, RefineOptions(now="2026-12-02T00:00:00Z"))
    >>> policy = result.roles[0].policies[0]
    >>> policy.status, policy.refined["Statement"][0]["Action"], policy.removed
    ('refined', 's3:GetObject', ['sqs:SendMessage'])
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from least_privilege_constructs.analysis.catalog import get_catalog
from least_privilege_constructs.analysis.iam.wildcards import (
    action_matches,
    has_wildcards,
    pattern_covers,
    split_action,
)
from least_privilege_constructs.analysis.managed_policies import aws_managed_document
from least_privilege_constructs.analysis.refine import decisions as d
from least_privilege_constructs.analysis.refine.bundle import load_bundle, parse_time
from least_privilege_constructs.analysis.refine.decisions import ActionDecision, Decision, LastAccessed
from least_privilege_constructs.analysis.refine.errors import RefineError

TRACKING_PERIOD_DAYS = 400
"""IAM keeps last-accessed data for 400 days (IAM User Guide, "Refine permissions in AWS using last accessed
information": https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_last-accessed.html)."""

MANAGED_POLICY_MAX_CHARS = 6_144
INLINE_ROLE_POLICIES_MAX_CHARS = 10_240
"""IAM quotas (whitespace not counted): a managed policy 6,144 characters, all inline policies of a role
10,240 (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html)."""

_VERB = re.compile(r"^([A-Z][a-z0-9]*)")


@dataclass(frozen=True)
class RefineOptions:
    """The window and the guardrails (days). ``now`` defaults to the current time (a datetime or ISO text)."""

    window_days: int = 90
    min_role_age_days: int | None = None
    """Default: the window (a role younger than the window has not been observed for a whole window)."""
    max_evidence_age_days: int = 7
    grace_period_days: int = 30
    opt_out_sid_prefix: str = "LpcKeep"
    verify: bool = True
    """Prove each refined document a subset of its original (statement by statement: the same statement
    with fewer actions, each covered by an original action pattern; every Deny kept) and check with the
    evaluator that every used action is still allowed wherever the original allowed it."""
    prove: bool = False
    """Also run :func:`check_no_new_access` (z3) on each refined document (about 75 ms a policy)."""
    now: datetime | str | None = None

    def __post_init__(self) -> None:
        if not (isinstance(self.window_days, int) and 1 <= self.window_days <= TRACKING_PERIOD_DAYS):
            raise RefineError("LPC-REFINE-003", "window_days",
                              f"{self.window_days!r} is not 1-{TRACKING_PERIOD_DAYS} days (IAM's tracking period)")
        for name in ("min_role_age_days", "max_evidence_age_days", "grace_period_days"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value < 0):
                raise RefineError("LPC-REFINE-006", name, f"{value!r} is not a number of days >= 0")

    @property
    def current_time(self) -> datetime:
        return parse_time(self.now) if self.now is not None else datetime.now(UTC)

    @property
    def window_start(self) -> datetime:
        return self.current_time - timedelta(days=self.window_days)


@dataclass
class PolicyResult:
    """One policy of a role: its original and refined documents and the decisions behind them."""

    kind: str
    name: str
    arn: str | None
    status: str
    """``refined`` (actions removed), ``unchanged`` (nothing provably unused) or ``undetermined`` (a
    guardrail or a missing source kept it whole; ``reason`` says which)."""
    original: dict[str, Any] | None
    refined: dict[str, Any] | None = None
    removed: list[str] = field(default_factory=list)
    decisions: list[ActionDecision] = field(default_factory=list)
    reason: str | None = None
    replaces: str | None = None
    """For an AWS managed policy: the ARN the proposed customer managed policy replaces."""

    def counts(self) -> dict[str, int]:
        out = {str(k): 0 for k in Decision}
        for dec in self.decisions:
            out[str(dec.decision)] += 1
        return out

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "name": self.name, "status": self.status,
                               "counts": self.counts(), "removed": self.removed}
        if self.arn:
            out["arn"] = self.arn
        if self.reason:
            out["reason"] = self.reason
        if self.replaces:
            out["replaces"] = self.replaces
        if self.refined is not None:
            out["refinedDocument"] = self.refined
        gone = {a.lower() for a in self.removed}
        out["removedBecause"] = [x.to_dict() for x in self.decisions
                                 if x.decision is Decision.UNUSED_CONFIRMED and x.action.lower() in gone]
        out["undetermined"] = [x.to_dict() for x in self.decisions if x.decision is Decision.UNDETERMINED]
        return out


@dataclass
class RoleResult:
    arn: str
    account: str
    production: bool
    cross_account: bool
    construct_path: str | None
    policies: list[PolicyResult]
    reason: str | None = None
    admin_like: bool = False
    _risk: float | None = field(default=None, repr=False, compare=False)

    @property
    def name(self) -> str:
        return self.arn.rsplit("/", 1)[-1]

    @property
    def removed(self) -> list[str]:
        return sorted({a for p in self.policies for a in p.removed})

    def risk(self) -> float:
        if self._risk is None:
            self._risk = self._compute_risk()
        return self._risk

    def _compute_risk(self) -> float:
        """Rank (higher first): production accounts, cross-account trust and admin-like grants first, then
        the weight of what is removable (access levels: permissions management weighs most)."""
        weights = {"Permissions management": 5.0, "Write": 3.0, "Tagging": 1.0, "Read": 1.0, "List": 0.5}
        catalog = get_catalog()
        weight = sum(weights.get(catalog.access_level(a) or "", 1.0) for a in self.removed)
        return (1000.0 if self.production else 0) + (500.0 if self.cross_account else 0) + \
            (250.0 if self.admin_like else 0) + weight

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"arn": self.arn, "account": self.account, "risk": round(self.risk(), 1),
                               "production": self.production, "crossAccount": self.cross_account,
                               "adminLike": self.admin_like, "removed": self.removed,
                               "policies": [p.to_dict() for p in self.policies]}
        if self.construct_path:
            out["constructPath"] = self.construct_path
        if self.reason:
            out["reason"] = self.reason
        return out


@dataclass
class RefineResult:
    roles: list[RoleResult]
    options: RefineOptions

    def ranked(self) -> list[RoleResult]:
        return sorted(self.roles, key=lambda r: (-r.risk(), r.arn))


def _statements(doc: dict[str, Any]) -> list[Any]:
    stmts = doc.get("Statement", [])
    return list(stmts) if isinstance(stmts, list) else [stmts]


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def _chars(doc: Any) -> int:
    """Characters IAM counts against its quotas (whitespace outside strings is not counted)."""
    return len(json.dumps(doc, separators=(",", ":")))


def _compress(pattern: str, kept: list[str], unused: set[str]) -> list[str]:
    """The kept actions of one pattern's expansion, as few patterns as is sound: ``svc:*`` or ``svc:Verb*``
    where the original pattern covers it and no unused-confirmed action matches it, else the action."""
    out: list[str] = []
    by_service: dict[str, list[str]] = {}
    for action in kept:
        by_service.setdefault(split_action(action)[0], []).append(action)
    for service, actions in sorted(by_service.items()):
        if not any(split_action(u)[0] == service for u in unused) and pattern_covers(
                pattern, f"{service}:*", ignore_case=True):
            out.append(f"{service}:*")
            continue
        by_verb: dict[str, list[str]] = {}
        for action in actions:
            m = _VERB.match(split_action(action)[1])
            by_verb.setdefault(m.group(1) if m else "", []).append(action)
        for verb, group in sorted(by_verb.items()):
            wildcard = f"{service}:{verb}*"
            if verb and len(group) > 1 and pattern_covers(pattern, wildcard, ignore_case=True) and not any(
                    action_matches(wildcard, u) for u in unused):
                out.append(wildcard)
            else:
                out.extend(sorted(group))
    return out


Decide = Callable[[str], ActionDecision]


def refine_document(document: dict[str, Any], decide: Decide, opt_out_sid_prefix: str = "LpcKeep"
                    ) -> tuple[dict[str, Any] | None, list[str], list[ActionDecision]]:
    """Remove the unused-confirmed actions of the Allow statements of one document.

    Returns ``(refined document or None when every statement went, removed actions, decisions)``.
    """
    catalog = get_catalog()
    removed: set[str] = set()
    seen: dict[str, ActionDecision] = {}
    statements: list[Any] = []

    def decided(action: str) -> ActionDecision:
        key = action.lower()
        if key not in seen:
            seen[key] = decide(action)
        return seen[key]

    for stmt in _statements(document):
        if not isinstance(stmt, dict) or stmt.get("Effect") != "Allow":
            statements.append(stmt)
            continue
        sid = stmt.get("Sid")
        if "Action" not in stmt:
            for pattern in _as_list(stmt.get("NotAction", [])):
                seen.setdefault(f"notaction:{pattern}".lower(),
                                ActionDecision(str(pattern), Decision.UNDETERMINED, d.NOT_ACTION))
            statements.append(stmt)
            continue
        patterns = [p for p in _as_list(stmt["Action"]) if isinstance(p, str)]
        if opt_out_sid_prefix and isinstance(sid, str) and sid.startswith(opt_out_sid_prefix):
            for pattern in patterns:
                seen.setdefault(f"optout:{pattern}".lower(),
                                ActionDecision(pattern, Decision.UNDETERMINED, d.OPT_OUT))
            statements.append(stmt)
            continue
        kept_patterns: list[str] = []
        for pattern in patterns:
            expansion = sorted(catalog.expand_action(pattern)) if has_wildcards(pattern) else (
                [catalog.action(pattern).full_name] if catalog.action(pattern) else [])  # type: ignore[union-attr]
            if not expansion:  # unknown action or service: nothing provable
                seen.setdefault(pattern.lower(), ActionDecision(pattern, Decision.UNDETERMINED, d.UNKNOWN_ACTION))
                kept_patterns.append(pattern)
                continue
            results = [decided(a) for a in expansion]
            unused = {r.action for r in results if r.decision is Decision.UNUSED_CONFIRMED}
            if not unused:
                kept_patterns.append(pattern)
                continue
            removed |= unused
            kept = [r.action for r in results if r.decision is not Decision.UNUSED_CONFIRMED]
            if kept:
                kept_patterns.extend(_compress(pattern, kept, unused) if has_wildcards(pattern) else [pattern])
        unique = list(dict.fromkeys(kept_patterns))
        if unique == patterns:
            statements.append(stmt)
        elif unique:
            new = dict(stmt)
            new["Action"] = unique[0] if len(unique) == 1 else unique
            statements.append(new)
    if not statements:
        return None, sorted(removed), list(seen.values())
    refined = dict(document)
    refined["Statement"] = statements
    # an action another (opted-out or NotAction) statement still grants is not removed from the document
    still = [p for s in statements if isinstance(s, dict) and s.get("Effect") == "Allow"
             for p in _as_list(s.get("Action", [])) if isinstance(p, str)]
    literal = {p.lower() for p in still if not has_wildcards(p)}
    wild = [p for p in still if has_wildcards(p)]
    gone = sorted(a for a in removed if a.lower() not in literal and not any(action_matches(p, a) for p in wild))
    return refined, gone, list(seen.values())


def _sample_resources(document: dict[str, Any], action: str) -> list[str]:
    out: list[str] = []
    for stmt in _statements(document):
        if isinstance(stmt, dict) and stmt.get("Effect") == "Allow" and any(
                isinstance(p, str) and action_matches(p, action) for p in _as_list(stmt.get("Action", []))):
            out.extend(r for r in _as_list(stmt.get("Resource", [])) if isinstance(r, str))
    return list(dict.fromkeys(out)) or ["*"]


def _covered(pattern: str, originals: list[str]) -> bool:
    """Whether an original action pattern covers ``pattern`` (cheap cases first, then
    :func:`~least_privilege_constructs.analysis.iam.pattern_covers`)."""
    lower = pattern.lower()
    if any(q.lower() == lower for q in originals):
        return True
    wild = [q for q in originals if has_wildcards(q)]
    if not has_wildcards(pattern):
        return any(action_matches(q, pattern) for q in wild)
    return any(pattern_covers(q, pattern, ignore_case=True) for q in wild)


def structural_subset(original: dict[str, Any], refined: dict[str, Any] | None) -> str | None:
    """None when every statement of ``refined`` is a statement of ``original`` with the same elements but
    ``Action``, each of whose patterns an ``Action`` pattern of that original statement covers
    (:func:`~least_privilege_constructs.analysis.iam.pattern_covers`), and every non-Allow statement of
    ``original`` is kept unchanged; else why not.

    Sound: a statement allows a request only when its action matches one of its patterns (IAM JSON policy
    elements: Action, https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html),
    so fewer, covered patterns allow a subset; with every Deny kept, the document allows a subset.
    """
    old = _statements(original)
    new = _statements(refined) if refined is not None else []
    if refined is not None and {k: v for k, v in refined.items() if k != "Statement"} != \
            {k: v for k, v in original.items() if k != "Statement"}:
        return "the document's elements other than Statement changed"
    for stmt in old:
        if not (isinstance(stmt, dict) and stmt.get("Effect") == "Allow") and stmt not in new:
            return f"statement {stmt.get('Sid', '') if isinstance(stmt, dict) else stmt!r} (not an Allow) was changed"
    for stmt in new:
        if stmt in old:
            continue
        rest = {k: v for k, v in stmt.items() if k != "Action"} if isinstance(stmt, dict) else None
        if rest is None or stmt.get("Effect") != "Allow" or "Action" not in stmt:
            return "a statement that is no narrowed Allow was added"
        patterns = [p for p in _as_list(stmt["Action"])]
        if not any(isinstance(o, dict) and {k: v for k, v in o.items() if k != "Action"} == rest and
                   all(isinstance(p, str) and _covered(p, [q for q in _as_list(o.get("Action", []))
                                                           if isinstance(q, str)]) for p in patterns)
                   for o in old):
            return f"statement {stmt.get('Sid', '')!r} is not a narrowed original statement"
    return None


def verify_refinement(original: dict[str, Any], refined: dict[str, Any] | None, used: Iterable[str],
                      principal: str, prove: bool = False) -> str | None:
    """None when ``refined`` is shown to grant nothing new (:func:`structural_subset`, and with ``prove``
    :func:`~least_privilege_constructs.analysis.reasoning.check_no_new_access`, PASS required) and to allow
    every used action wherever the original did (evaluator, on each resource the original grants it on);
    else why not."""
    from least_privilege_constructs.analysis.reasoning import (
        PolicyError,
        Request,
        check_no_new_access,
        evaluate,
    )
    from least_privilege_constructs.analysis.reasoning.policy import parse_policy

    why = structural_subset(original, refined)
    if why is not None:
        return why
    try:  # a document the policy model refuses (an Action that is a number ...) is kept whole: fail closed
        if prove and refined is not None:
            result = check_no_new_access(refined, original, "IDENTITY_POLICY")
            if result.verdict.value != "PASS":
                return f"check-no-new-access: {result.verdict.value} ({result.message})"
        old_policy = parse_policy(original, "original")
        new_policy = parse_policy(refined, "refined") if refined is not None else None
    except PolicyError as exc:
        return f"the policy cannot be read: {exc}"
    for action in used:
        for resource in _sample_resources(original, action):
            request = Request(principal, action, resource)
            if evaluate(request, old_policy).allowed and (
                    new_policy is None or not evaluate(request, new_policy).allowed):
                return f"used action {action} on {resource} is no longer allowed"
    return None


def _undetermined(policy: dict[str, Any], document: Any, reason: str, replaces: str | None = None) -> PolicyResult:
    return PolicyResult(policy["kind"], policy["name"], policy.get("arn"), "undetermined",
                        document, None, [], [], reason, replaces)


def refine_role(role: dict[str, Any], account: dict[str, Any], options: RefineOptions,
                managed_documents: dict[str, Any] | None = None) -> RoleResult:
    """Refine every policy of one bundle role (see the module docstring for the guardrails)."""
    now = options.current_time
    window_start = options.window_start
    min_age = options.window_days if options.min_role_age_days is None else options.min_role_age_days
    managed_documents = managed_documents or {}
    policies: list[PolicyResult] = []
    evidence = LastAccessed.from_api(role["lastAccessed"]) if role.get("lastAccessed") else None
    if evidence is not None and evidence.completed_at is not None and \
            evidence.completed_at < now - timedelta(days=options.max_evidence_age_days):
        raise RefineError("LPC-REFINE-002", role["arn"],
                          f"last-accessed details completed {evidence.completed_at.isoformat()}, more than "
                          f"{options.max_evidence_age_days} days before {now.isoformat()}; collect again")
    role_reason = None
    if parse_time(role["createDate"]) > now - timedelta(days=min_age):
        role_reason = d.ROLE_TOO_YOUNG
    elif evidence is None:
        role_reason = d.NO_EVIDENCE
    admin_like = False
    for policy in role.get("policies", []):
        kind = policy["kind"]
        document = policy.get("document")
        replaces = None
        if kind == "aws-managed":
            replaces = policy.get("arn")
            # by ARN (the bundle's managedPolicies) or by name (a snapshot such as policies.jsonl)
            known = managed_documents.get(policy.get("arn", "")) or managed_documents.get(policy["name"])
            if known is None and document is None:
                # the packaged AWS managed policy snapshot (analysis/managed_policies.py)
                snapshot_document = aws_managed_document(policy.get("arn", ""))
                known = {"document": snapshot_document} if snapshot_document is not None else None
            if document is None and known is not None:
                document = known["document"]
        if isinstance(document, dict) and any(
                isinstance(s, dict) and s.get("Effect") == "Allow" and "*" in _as_list(s.get("Action", []))
                for s in _statements(document)):
            admin_like = True
        if not isinstance(document, dict):
            policies.append(_undetermined(policy, None, d.NO_DOCUMENT, replaces))
            continue
        if role_reason is not None:
            policies.append(_undetermined(policy, document, role_reason, replaces))
            continue
        if options.grace_period_days:
            changed = policy.get("modifiedAt")
            if changed is None:
                policies.append(_undetermined(policy, document, d.CHANGE_DATE_UNKNOWN, replaces))
                continue
            if parse_time(changed) > now - timedelta(days=options.grace_period_days):
                policies.append(_undetermined(policy, document, d.GRACE_PERIOD, replaces))
                continue
        assert evidence is not None
        refined, removed, decided = refine_document(
            document, lambda a: evidence.decide(a, window_start), options.opt_out_sid_prefix)
        if not removed:
            policies.append(PolicyResult(kind, policy["name"], policy.get("arn"), "unchanged", document,
                                         document, [], decided, None, replaces))
            continue
        limit = MANAGED_POLICY_MAX_CHARS if kind != "inline" else INLINE_ROLE_POLICIES_MAX_CHARS
        if refined is not None and _chars(refined) > limit and _chars(refined) > _chars(document):
            policies.append(PolicyResult(kind, policy["name"], policy.get("arn"), "undetermined", document, None,
                                         [], decided, d.SIZE_LIMIT, replaces))
            continue
        if options.verify:
            why = verify_refinement(document, refined, evidence.used_actions(window_start), role["arn"],
                                    options.prove)
            if why is not None:
                policies.append(PolicyResult(kind, policy["name"], policy.get("arn"), "undetermined", document,
                                             None, [], decided, f"{d.VERIFY_FAILED}: {why}", replaces))
                continue
        name = f"{policy['name']}-refined" if kind == "aws-managed" else policy["name"]
        policies.append(PolicyResult("customer-managed" if kind == "aws-managed" else kind, name,
                                     None if kind == "aws-managed" else policy.get("arn"), "refined", document,
                                     refined, removed, decided, None, replaces))
    return RoleResult(role["arn"], account["accountId"], bool(account.get("production")),
                      bool(role.get("trustsOtherAccounts")), role.get("constructPath"), policies, role_reason,
                      admin_like)


def check_evidence_age(bundle: dict[str, Any], options: RefineOptions) -> None:
    """Refuse a bundle generated more than ``max_evidence_age_days`` ago (``LPC-REFINE-002``)."""
    generated = parse_time(bundle["generatedAt"])
    now = options.current_time
    if generated < now - timedelta(days=options.max_evidence_age_days):
        raise RefineError("LPC-REFINE-002", "generatedAt",
                          f"the evidence was collected {generated.isoformat()}, more than "
                          f"{options.max_evidence_age_days} days before {now.isoformat()}; collect again")


def refine_bundle(bundle: dict[str, Any], options: RefineOptions | None = None,
                  managed_documents: dict[str, Any] | None = None,
                  progress: Callable[[int, int, str], None] | None = None) -> RefineResult:
    """Refine every role of a bundle (validated first). ``managed_documents`` (ARN -> ``{"document": ...}``)
    adds AWS managed policy documents to the bundle's own ``managedPolicies``."""
    options = options or RefineOptions()
    bundle = load_bundle(bundle)
    check_evidence_age(bundle, options)
    documents = dict(managed_documents or {})
    documents.update(bundle.get("managedPolicies") or {})
    roles = [(role, account) for account in bundle["accounts"] for role in account["roles"]]
    results: list[RoleResult] = []
    for i, (role, account) in enumerate(roles):
        results.append(refine_role(role, account, options, documents))
        if progress is not None:
            progress(i + 1, len(roles), role["arn"])
    return RefineResult(results, options)
