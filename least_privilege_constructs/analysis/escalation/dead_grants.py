"""Dead grants: Allow statements of a bounded principal that its own permissions boundary explicitly denies.

An identity policy can grant no more than the boundary allows (IAM User Guide, "Permissions boundaries for
IAM entities", https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html: the
effective permissions are the intersection, and an explicit Deny in any policy overrides every Allow,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html). A statement
whose every request the boundary explicitly denies can never work: usually a configuration mistake (a
developer passing a deployment role to a service the boundary does not list), which surfaces only when the
deployment fails.

Only requests the statement fixes are asked, so a warning is never a guess: literal actions, literal
resources (policy variables filled from the session) and the values its positive conditions pin
(``StringEquals``, ``ArnEquals``, ``StringLike``/``ArnLike`` without wildcards, ``Bool``); a statement with
other condition operators, wildcard resources or ``NotResource`` is not judged (a wildcard may reach
resources the boundary spares).

Example::

    >>> boundary = {"Version": "2012-10-17", "Statement": [
    ...     {"Effect": "Allow", "Action": "*", "Resource": "*"},
    ...     {"Sid": "DenyPassRoleToUnlistedServices", "Effect": "Deny", "Action": "iam:PassRole", "Resource": "*",
    ...      "Condition": {"StringNotEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}}]}
    >>> identity = {"Version": "2012-10-17", "Statement": [{"Sid": "PassDeployRole", "Effect": "Allow",
    ...     "Action": "iam:PassRole", "Resource": "arn:aws:iam::111122223333:role/app/deploy",
    ...     "Condition": {"StringEquals": {"iam:PassedToService": "cloudformation.amazonaws.com"}}}]}
    >>> [(d.statement, d.boundary_statements) for d in dead_grants(
    ...     [("DevPolicy", identity)], boundary, principal="arn:aws:iam::111122223333:role/dev")]
    [('DevPolicy Statement[0] (PassDeployRole)', ('Statement[1] (DenyPassRoleToUnlistedServices)',))]
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from least_privilege_constructs.analysis.escalation.probes import instantiate
from least_privilege_constructs.analysis.iam.arn import account_of
from least_privilege_constructs.analysis.iam.wildcards import has_wildcards
from least_privilege_constructs.analysis.reasoning.evaluator import evaluate
from least_privilege_constructs.analysis.reasoning.policy import Policy, Statement, parse_policy
from least_privilege_constructs.analysis.reasoning.policy_set import PolicySet
from least_privilege_constructs.analysis.reasoning.request import Outcome, Request

_PINNING = frozenset({"StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike", "Bool"})
_MAX_COMBINATIONS = 16


@dataclass(frozen=True)
class DeadGrant:
    """One Allow statement whose requests the boundary denies."""

    policy: str
    statement: str
    """``<policy> Statement[i] (Sid)``."""
    actions: tuple[str, ...]
    requests: tuple[str, ...]
    """The denied requests, as text (action, resource, pinned context)."""
    boundary_statements: tuple[str, ...]
    """The boundary's Deny statements that deny them (``Statement[i] (Sid)``)."""
    index: int | None = None
    """The statement's index in its policy (locates the finding: it is about that statement only)."""


def dead_grants(identity: Sequence[tuple[str, Any]], boundary: Any, *, principal: str,
                context: Mapping[str, Any] | None = None, regions: Sequence[str] = ("us-east-1",)) -> list[DeadGrant]:
    """The dead grants of the ``(name, document or parsed Policy)`` identity policies of ``principal`` under
    ``boundary`` (a document or a parsed Policy).

    ``context``: the session's keys (MFA, tags ...); each request adds the keys its statement pins. A request
    counts as denied only if it is explicitly denied by a boundary statement in every region of ``regions``.
    """
    bound = boundary if isinstance(boundary, Policy) else parse_policy(boundary, "boundary")
    out: list[DeadGrant] = []
    account = account_of(principal) or ""
    for name, document in identity:
        policy = document if isinstance(document, Policy) else parse_policy(document, name)
        for st in policy.statements:
            found = _dead(st, bound, principal, account, dict(context or {}), regions)
            if found is not None:
                actions, requests, denying = found
                out.append(DeadGrant(name, f"{name} {st.label()}", actions, requests, denying, st.index))
    return out


def _dead(st: Statement, boundary: Policy, principal: str, account: str, base: dict[str, Any],
          regions: Sequence[str]) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]] | None:
    if not st.is_allow or st.actions is None or st.resources is None:
        return None
    if any(c.base not in _PINNING or c.set_op or c.if_exists for c in st.conditions):
        return None
    pinned: list[list[tuple[str, str]]] = []
    for c in st.conditions:
        if any(has_wildcards(v) for v in c.values) or not c.values:
            return None
        pinned.append([(c.key, v) for v in c.values])
    combos = list(itertools.islice(itertools.product(*pinned), _MAX_COMBINATIONS)) if pinned else [()]
    resources = [r for r in st.resources]
    if any(has_wildcards(_without_variables(r)) for r in resources):
        return None
    single = Policy(statements=(st,), name="statement")
    policy_set = PolicySet(identity=(single,), boundary=boundary, principal=principal)
    dead_actions: list[str] = []
    requests: list[str] = []
    denying: dict[str, None] = {}
    for action in st.actions:
        if has_wildcards(action):
            continue
        all_denied = True
        texts: list[str] = []
        for resource in resources:
            arn = instantiate(resource, account=account, region=regions[0], context=base)
            for combo in combos:
                extra = dict(combo)
                for region in regions:
                    ctx = {**base, **extra, "aws:RequestedRegion": region}
                    decision = evaluate(Request(principal, action, arn, ctx), policy_set)
                    refs = [r for r in decision.deciding if r.kind == "boundary" and r.effect == "Deny"]
                    if decision.outcome is not Outcome.EXPLICITLY_DENIED or not refs:
                        all_denied = False
                        break
                    for ref in refs:
                        denying[f"Statement[{ref.index}]" + (f" ({ref.sid})" if ref.sid else "")] = None
                if not all_denied:
                    break
                pins = ", ".join(f"{k}={v}" for k, v in combo)
                texts.append(f"{action} on {arn}" + (f" with {pins}" if pins else ""))
            if not all_denied:
                break
        if all_denied:
            dead_actions.append(action)
            requests.extend(texts)
    if not dead_actions:
        return None
    return tuple(dead_actions), tuple(requests), tuple(denying)


def _without_variables(text: str) -> str:
    """``text`` with policy variables replaced by a letter (their values are the session's), wildcards kept."""
    from least_privilege_constructs.analysis.iam.variables import Lit, Wild, tokenize

    return "".join(t.text if isinstance(t, Lit) else t.char if isinstance(t, Wild) else "x" for t in tokenize(text))
