"""``check_access_not_granted``: does a policy grant any of the listed actions on any of the listed
resources?

Access Analyzer's semantics (CheckAccessNotGranted): with only actions, FAIL when any of them is granted
on some resource; with only resources, FAIL when some action is granted on any of them; with both, FAIL
when any listed action is granted on any listed resource. ``reasons`` list the granting statements.

The Access Analyzer API takes at most :data:`MAX_ACTIONS` actions and :data:`MAX_RESOURCES` resources per
call. :func:`plan_access_batches` splits any number of them into batches whose cross product covers every
(action, resource) pair exactly once — each batch carries *its own* slice, not the whole list (the bug of
public tools that resend the full list in every batch). The offline check runs the same batches so its
answers line up with the online backend batch for batch.

Example::

    >>> doc = {"Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*"}}
    >>> check_access_not_granted(doc, ["s3:DeleteObject"], ["arn:aws:s3:::b/k"]).verdict.value
    'FAIL'
    >>> check_access_not_granted(doc, ["s3:DeleteObject"], ["arn:aws:s3:::other/k"]).verdict.value
    'PASS'
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import z3

from least_privilege_constructs.analysis.outcome import UNDETERMINED
from least_privilege_constructs.analysis.reasoning.result import CheckResult, Reason, Verdict
from least_privilege_constructs.analysis.reasoning.smt import (
    Encoding,
    Unsupported,
    all_catalog_actions,
    extra_literal_actions,
    pattern_actions,
    request_from_model,
    solve_by,
    statement_action_set,
    wildcard_witness,
)
from least_privilege_constructs.analysis.reasoning.target import Target

CHECK = "check-access-not-granted"
MAX_ACTIONS = 100
MAX_RESOURCES = 100
PASS_MESSAGE = (
    "The policy document does not grant access to perform one or more of the listed actions or resources."
)
FAIL_MESSAGE = "The policy document grants access to perform one or more of the listed actions or resources."
UNKNOWN_MESSAGE = (
    "Whether the policy grants the listed access could not be determined ({why}); failing closed."
)
DEFAULT_TIMEOUT_MS = 10_000
NAMING_BUDGET_S = 2.0
"""At most this long (and never past the check's deadline) is spent, per failing statement, on naming what
it grants: the verdict is already FAIL, so an answer cut short only makes the names "at least these"."""
MAX_NAMED = 25


@dataclass(frozen=True)
class AccessBatch:
    """One ``access`` entry of a CheckAccessNotGranted call."""

    actions: tuple[str, ...]
    resources: tuple[str, ...]

    def to_aws(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        if self.actions:
            out["actions"] = list(self.actions)
        if self.resources:
            out["resources"] = list(self.resources)
        return out


def _chunks(items: Sequence[str], size: int) -> list[tuple[str, ...]]:
    return [tuple(items[i : i + size]) for i in range(0, len(items), size)] or [()]


def plan_access_batches(
    actions: Sequence[str],
    resources: Sequence[str],
    *,
    max_actions: int = MAX_ACTIONS,
    max_resources: int = MAX_RESOURCES,
) -> list[AccessBatch]:
    """Batches covering every (action, resource) pair exactly once, each within the API limits.

    Duplicates are removed (order kept). With no resources, each batch has only actions, and vice versa.

    >>> [len(b.actions) for b in plan_access_batches([f"s3:A{i}" for i in range(250)], [])]
    [100, 100, 50]
    """
    if not actions and not resources:
        raise ValueError("access must name at least one action or resource")
    acts = list(dict.fromkeys(actions))
    ress = list(dict.fromkeys(resources))
    return [AccessBatch(a, r) for a in _chunks(acts, max_actions) for r in _chunks(ress, max_resources)]


def check_access_not_granted(
    policy: Any,
    actions: Sequence[str] = (),
    resources: Sequence[str] = (),
    policy_type: str = "IDENTITY_POLICY",
    *,
    timeout_ms: int = DEFAULT_TIMEOUT_MS,
) -> CheckResult:
    """Whether ``policy`` (a document or a :class:`PolicySet`) grants none of the listed access.

    Any number of actions (names or wildcard patterns) and resources (ARNs, ``*`` wildcards allowed).
    """
    start = time.perf_counter()
    target = Target.of(policy, policy_type)
    batches = plan_access_batches(list(actions), list(resources))
    statements = target.statements()
    extras = extra_literal_actions(statements)
    everything = all_catalog_actions() | extras if extras else all_catalog_actions()  # no 22k-set copy
    reasons: dict[tuple[str, int], Reason] = {}
    unknown: list[str] = []
    queries = 0
    deadline = start + timeout_ms / 1000.0
    for batch in batches:
        if batch.actions:
            wanted: set[str] = set()
            for a in batch.actions:
                acts = pattern_actions(a)
                wanted |= acts if acts else {a.lower()}
                if ("*" in a or "?" in a) and a != "*":  # actions the catalog does not know yet
                    wanted.add(wildcard_witness(a))
            universe = frozenset(wanted)
        else:
            universe = everything
        for member in target.candidates() or ((None),):  # type: ignore[arg-type]
            if member is not None and not statement_action_set(member[2], universe):
                continue
            key = (member[1].name, member[2].index) if member is not None else ("", -1)
            if key in reasons:
                continue
            try:
                relevant = [s for s in statements if statement_action_set(s, universe)]
                enc = Encoding.for_statements(relevant, universe)
                want_res = (
                    z3.Or(*[enc.string_match(r, enc.res, variables_ok=False, arn=True) for r in batch.resources])
                    if batch.resources
                    else z3.BoolVal(True)
                )
                body = [target.allowed(enc, member), want_res]
                constraints = [*enc.domain(), *body]
            except Unsupported as exc:
                unknown.append(str(exc))
                continue
            result = solve_by(deadline, constraints, enc.theory, unknown)
            if result is None:
                break
            queries += 1
            status, model = result
            if status == "sat":
                assert model is not None
                example = request_from_model(enc, model, "arn:aws:iam::111122223333:role/example")
                if member is None:
                    reasons[key] = Reason("The listed access is not denied.", example=example)
                else:
                    _, pol, stmt = member
                    named_actions, named_resources = _granted(enc, constraints, body[0], model, batch, stmt, deadline)
                    reasons[key] = Reason(
                        f"One or more of the listed actions or resources in the statement with index: {stmt.index}.",
                        stmt.index,
                        stmt.sid,
                        target.policy_label(pol),
                        example,
                        granted_actions=named_actions,
                        granted_resources=named_resources,
                    )
    elapsed = (time.perf_counter() - start) * 1000.0
    details: dict[str, Any] = {"batches": [b.to_aws() for b in batches], "solver_queries": queries}
    if target.unresolved:
        unknown.append("policy documents not available: " + ", ".join(target.unresolved))
    if reasons:
        ordered = sorted(reasons.values(), key=lambda r: (r.policy or "", r.statement_index or 0))
        if unknown:  # granted, and some other statements undecided: they are reported too (fail closed)
            details[UNDETERMINED] = sorted(set(unknown))
        return CheckResult(CHECK, Verdict.FAIL, FAIL_MESSAGE, tuple(ordered), elapsed, details)
    if unknown:
        why = "; ".join(sorted(set(unknown)))
        return CheckResult(
            CHECK, Verdict.UNKNOWN, UNKNOWN_MESSAGE.format(why=why), (Reason(why),), elapsed, details
        )
    return CheckResult(CHECK, Verdict.PASS, PASS_MESSAGE, (), elapsed, details)


def _granted(
    enc: Encoding,
    constraints: list[z3.BoolRef],
    allowed: z3.BoolRef,
    first: Any,
    batch: AccessBatch,
    stmt: Any,
    deadline: float,
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """What a failing statement grants, for the finding's message: the listed actions it grants (every
    action class the solver can still find once the classes found are excluded) and the listed resources
    it grants them on (one query each); with no actions listed, "some of" its ``Action`` element; with no
    resources listed, its ``Resource`` element. Each name is proven by a satisfiable query; a name that could not be
    decided in time is left out and ``…`` is appended."""
    stop = min(deadline, time.perf_counter() + NAMING_BUDGET_S)
    scratch: list[str] = []
    found = {first.model.eval(enc.act, model_completion=True).as_long()}
    complete = True
    if batch.actions:
        while len(found) < MAX_NAMED:
            result = solve_by(stop, [*constraints, *[enc.act != c for c in sorted(found)]], enc.theory, scratch)
            if result is None or result[0] != "sat" or result[1] is None:
                complete = result is not None and result[0] == "unsat"
                break
            found.add(result[1].model.eval(enc.act, model_completion=True).as_long())
        else:
            complete = False
        members = {a for a, c in enc.classes.items() if c in found}
        actions = [a for a in batch.actions if members & _denoted(a)]
    else:
        # no listed actions: the statement's own (a Deny elsewhere may take some away, hence "some of")
        actions = ["some of " + ", ".join(stmt.actions)] if stmt.actions is not None else [
            "actions other than " + ", ".join(stmt.not_actions or ())]
    resources: list[str] = []
    if batch.resources:
        acts = z3.Or(*[enc.act == c for c in sorted(found)]) if batch.actions else z3.BoolVal(True)
        for r in batch.resources[:MAX_NAMED]:
            try:
                match = enc.string_match(r, enc.res, variables_ok=False, arn=True)
            except Unsupported:
                complete = False
                continue
            result = solve_by(stop, [*enc.domain(), allowed, acts, match], enc.theory, scratch)
            if result is None:
                complete = False
                break
            if result[0] == "sat":
                resources.append(r)
            elif result[0] != "unsat":
                complete = False
        complete = complete and len(batch.resources) <= MAX_NAMED
    else:
        resources = list(stmt.resources) if stmt.resources is not None else [
            "every resource except " + ", ".join(stmt.not_resources or ())]
    if not complete:
        (actions if batch.actions else resources).append("\u2026")
    return tuple(actions), tuple(resources)


def _denoted(action: str) -> set[str]:
    """The lower-case actions (and, for a wildcard, the stand-in of actions the catalog does not know yet)
    that a listed action denotes, as the query's universe was built."""
    out = set(pattern_actions(action)) or {action.lower()}
    if ("*" in action or "?" in action) and action != "*":
        out.add(wildcard_witness(action))
    return out
