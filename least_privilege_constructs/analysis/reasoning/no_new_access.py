"""``check_no_new_access``: does a new policy allow any request the existing policy does not?

Access Analyzer's semantics (CheckNoNewAccess): FAIL when *some* request — any action, resource,
principal and context — is allowed by the new policy and not by the existing one; ``reasons`` list the
statements of the new policy that add access.

Fast path (sound): when the new policy keeps every Deny of the existing one (and the other grant groups
of a policy set are identical), an Allow statement of the new policy that also appears, with the same
meaning, in the existing policy cannot add access and is not sent to the solver; two policies with the
same statements PASS without the solver. Every other Allow statement is one z3 query:
``new allows via S  ∧  ¬ existing allows``, restricted to the actions S can grant.

Example::

    >>> old = {"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}
    >>> new = {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
    ...                      {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}]}
    >>> r = check_no_new_access(new, old, "IDENTITY_POLICY")
    >>> r.verdict.value, [x.statement_index for x in r.reasons]
    ('FAIL', [1])
"""

from __future__ import annotations

import time
from typing import Any

import z3

from least_privilege_constructs.analysis.outcome import UNDETERMINED
from least_privilege_constructs.analysis.reasoning.result import CheckResult, Reason, Verdict
from least_privilege_constructs.analysis.reasoning.smt import (
    Encoding,
    Unsupported,
    all_catalog_actions,
    extra_literal_actions,
    request_from_model,
    solve_by,
    statement_action_set,
)
from least_privilege_constructs.analysis.reasoning.target import Member, Target

CHECK = "check-no-new-access"
PASS_MESSAGE = "The modified permissions do not grant new access compared to your existing policy."
FAIL_MESSAGE = "The modified permissions grant new access compared to your existing policy."
UNKNOWN_MESSAGE = (
    "Whether the modified permissions grant new access could not be determined ({why}); failing closed."
)
DEFAULT_TIMEOUT_MS = 10_000
EXAMPLE_PRINCIPAL = "arn:aws:iam::111122223333:role/example"


def _reason(target: Target, member: Member | None, example: dict[str, Any] | None = None) -> Reason:
    if member is None:
        return Reason("New access: a Deny statement of the existing policy was removed or weakened.",
                      example=example)
    kind, policy, stmt = member
    name = target.policy_label(policy)
    prefix = f"{kind} policy {name}: " if name else ""
    return Reason(f"{prefix}New access in the statement with index: {stmt.index}.", stmt.index, stmt.sid, name,
                  example)


def _covered_unconditionally(stmt: Any, old: Target, everything: frozenset[str]) -> bool:
    """True when an identity Allow statement adds nothing to ``old`` because ``old`` (one grant group, no
    Deny, nothing unresolved) has an Allow of all of its actions on every resource without conditions.

    Sound: such an Allow permits every request with those actions, whatever the resource and context, so
    no request that ``stmt`` allows is missing from ``old``. Unknown literal actions are not covered by a
    wildcard here (they are not in the catalog's expansion), so they go to the solver.
    """
    if len(old.groups) != 1 or old.denies or old.unresolved or stmt.actions is None or stmt.principals:
        return False
    wanted = statement_action_set(stmt, everything)
    if not wanted:
        return False
    for _, _, allow in old.groups[0]:
        if (
            allow.conditions
            or allow.actions is None
            or allow.resources is None
            or "*" not in allow.resources
            or allow.principals is not None
            or allow.not_principals is not None
        ):
            continue
        if wanted <= statement_action_set(allow, everything):
            return True
    return False


def check_no_new_access(
    new_policy: Any,
    existing_policy: Any,
    policy_type: str = "IDENTITY_POLICY",
    *,
    timeout_ms: int = DEFAULT_TIMEOUT_MS,
    fast_path: bool = True,
) -> CheckResult:
    """Whether ``new_policy`` grants access ``existing_policy`` does not (both of ``policy_type``).

    ``fast_path=False`` sends every Allow statement to the solver (benchmarks and tests of the encoding).

    Either argument may be a document (dict or JSON text), a parsed :class:`Policy` or a
    :class:`PolicySet` (e.g. from :func:`effective_permissions`). Raises ``PolicyError`` on a malformed
    policy; a solver timeout or an unsupported construct gives ``Verdict.UNKNOWN``.
    """
    start = time.perf_counter()
    new = Target.of(new_policy, policy_type)
    old = Target.of(existing_policy, policy_type)

    def done(verdict: Verdict, message: str, reasons: list[Reason], **details: Any) -> CheckResult:
        return CheckResult(
            CHECK, verdict, message, tuple(reasons), (time.perf_counter() - start) * 1000.0, dict(details)
        )

    fast = fast_path and new.structure_key() == old.structure_key() and old.deny_keys() <= new.deny_keys()
    old_allow_keys = frozenset(s.canonical() for _, _, s in old.candidates())
    candidates: list[Member | None] = list(new.candidates()) if new.groups else [None]
    if fast:
        todo = [m for m in candidates if m is None or m[2].canonical() not in old_allow_keys]
    else:
        todo = candidates
    missing = new.unresolved + old.unresolved
    if not todo and not missing:
        return done(Verdict.PASS, PASS_MESSAGE, [], solver_queries=0)
    # when the first groups differ only by the denies, removed denies can add access through any Allow
    statements = new.statements() + old.statements()
    extras = extra_literal_actions(statements)
    everything = all_catalog_actions() | extras if extras else all_catalog_actions()  # no 22k-set copy
    if fast_path and policy_type == "IDENTITY_POLICY":
        todo = [m for m in todo if m is None or not _covered_unconditionally(m[2], old, everything)]
        if not todo and not missing:
            return done(Verdict.PASS, PASS_MESSAGE, [], solver_queries=0)
    reasons: list[Reason] = []
    unknown: list[str] = []
    queries = 0
    deadline = start + timeout_ms / 1000.0
    for member in todo:
        universe = statement_action_set(member[2], everything) if member is not None else everything
        if not universe:
            continue
        try:
            relevant = [s for s in statements if statement_action_set(s, universe)]
            enc = Encoding.for_statements(relevant, universe)
            body = [new.allowed(enc, member), z3.Not(old.allowed(enc))]
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
            reasons.append(_reason(new, member, request_from_model(enc, model, EXAMPLE_PRINCIPAL)))
    if missing:
        unknown.append("policy documents not available: " + ", ".join(missing))
    if reasons:  # new access, and some other statements undecided: they are reported too (fail closed)
        extra = {UNDETERMINED: sorted(set(unknown))} if unknown else {}
        return done(Verdict.FAIL, FAIL_MESSAGE, reasons, solver_queries=queries, **extra)
    if unknown:
        why = "; ".join(sorted(set(unknown)))
        return done(Verdict.UNKNOWN, UNKNOWN_MESSAGE.format(why=why), [Reason(why)], solver_queries=queries)
    return done(Verdict.PASS, PASS_MESSAGE, [], solver_queries=queries)
