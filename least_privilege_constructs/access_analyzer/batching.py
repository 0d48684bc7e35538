"""Batching for CheckAccessNotGranted.

The API takes one ``access`` entry per call with at most 100 actions and at most 100 resources (the
limits are read from botocore's service model). A check of A actions on R resources asks "is any of
these actions allowed on any of these resources?", so it is split into the cross product of action
chunks and resource chunks: every (action, resource) pair is covered by exactly one call, no call
repeats the full list, and the answers are combined (any ``FAIL`` -> ``FAIL`` with every reason).

Example::

    >>> batches = plan_access_batches([f"s3:A{i}" for i in range(250)], [f"arn:aws:s3:::b{i}" for i in range(150)])
    >>> len(batches), [len(b["actions"]) for b in batches][:3], [len(b["resources"]) for b in batches][:2]
    (6, [100, 100, 100], [100, 50])
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from least_privilege_constructs.analysis.outcome import Check, CheckOutcome, CheckStatus, Reason

T = TypeVar("T")

DEFAULT_MAX_ITEMS = 100


@functools.cache
def access_limits() -> tuple[int, int]:
    """(max actions, max resources) per ``access`` entry, from the installed service model."""
    try:
        import botocore.session

        model = botocore.session.get_session().get_service_model("accessanalyzer")
        actions = model.shape_for("AccessActionsList").metadata.get("max", DEFAULT_MAX_ITEMS)
        resources = model.shape_for("AccessResourcesList").metadata.get("max", DEFAULT_MAX_ITEMS)
        return int(actions), int(resources)
    except Exception:  # an older botocore without the shapes: the documented limit
        return DEFAULT_MAX_ITEMS, DEFAULT_MAX_ITEMS


def chunked(items: Sequence[T], size: int) -> list[list[T]]:
    """Consecutive chunks of at most ``size`` items."""
    if size < 1:
        raise ValueError("chunk size must be at least 1")
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def plan_access_batches(
    actions: Iterable[str],
    resources: Iterable[str],
    max_actions: int | None = None,
    max_resources: int | None = None,
) -> list[dict[str, list[str]]]:
    """The ``access`` entries to send, one per call: duplicates removed, order kept, the cross product
    of action chunks and resource chunks covered exactly once. Raises ValueError when both are empty."""
    default_actions, default_resources = access_limits()
    acts = _unique(actions)
    ress = _unique(resources)
    if not acts and not ress:
        raise ValueError("check-access-not-granted needs at least one action or resource")
    action_chunks: list[list[str] | None] = list(chunked(acts, max_actions or default_actions)) or [None]
    resource_chunks: list[list[str] | None] = list(chunked(ress, max_resources or default_resources)) or [None]
    batches: list[dict[str, list[str]]] = []
    for a in action_chunks:
        for r in resource_chunks:
            entry: dict[str, list[str]] = {}
            if a is not None:
                entry["actions"] = a
            if r is not None:
                entry["resources"] = r
            batches.append(entry)
    return batches


def combine_outcomes(
    check: Check, outcomes: Sequence[CheckOutcome | None], errors: Sequence[str], total: int
) -> CheckOutcome:
    """Combine per-batch answers. ``outcomes[i]`` is ``None`` for a batch that failed (its reason is
    in ``errors``). FAIL if any batch failed the check (all reasons kept, even when other batches
    errored); PASS only if every batch passed; otherwise ERROR."""
    done = [o for o in outcomes if o is not None]
    failed = [i for i, o in enumerate(outcomes) if o is not None and o.result is CheckStatus.FAIL]
    reasons: list[Reason] = []
    for o in done:
        for r in o.reasons:
            if r not in reasons:
                reasons.append(r)
    details: dict[str, Any] = {"batches": total, "batchesCompleted": len(done)}
    if failed:
        details["failedBatches"] = failed
        first = outcomes[failed[0]]
        message = first.message if first is not None else ""
        return CheckOutcome(check, CheckStatus.FAIL, message, tuple(reasons), tuple(errors), details)
    if errors or len(done) < total:
        return CheckOutcome(check, CheckStatus.ERROR, "", tuple(reasons), tuple(errors), details)
    message = done[0].message if done else ""
    return CheckOutcome(check, CheckStatus.PASS, message, (), (), details)
