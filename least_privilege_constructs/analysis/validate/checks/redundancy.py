"""Redundancy suggestions: actions, resources and statements already covered by others."""

from __future__ import annotations

import bisect
import json

from least_privilege_constructs.analysis.findings import FindingType, JsonPath
from least_privilege_constructs.analysis.iam.wildcards import literal_prefix, pattern_covers
from least_privilege_constructs.analysis.model.policy import Located, Statement
from least_privilege_constructs.analysis.validate.registry import Context, check, code

FAMILY = "redundancy"


def redundant_groups(items: list[Located], fold_case: bool) -> list[list[Located]]:
    """Groups ``[coverer, covered...]`` (in policy order) where each covered item's matches are a subset
    of the coverer's (wildcard subsumption). Exact duplicates are covered by their first occurrence; an
    item covered by several coverers joins the first maximal one."""
    texts = [(i.value.lower() if fold_case else i.value) for i in items]
    n = len(items)
    if n < 2:
        return []
    # fast path: no wildcard and no duplicate -> nothing is redundant
    if not any("*" in t or "?" in t for t in texts) and len(set(texts)) == n:
        return []
    covered_by: dict[int, list[int]] = {}
    first_of: dict[str, int] = {}
    for j, text in enumerate(texts):
        first = first_of.setdefault(text, j)
        if first != j:
            covered_by[j] = [first]
    # a wildcard pattern can only cover items that start with its literal prefix: find them by bisection
    order = sorted(range(n), key=texts.__getitem__)
    ordered = [texts[i] for i in order]
    for a, pattern in enumerate(texts):
        if first_of[pattern] != a or ("*" not in pattern and "?" not in pattern):
            continue
        prefix = literal_prefix(pattern)
        lo = bisect.bisect_left(ordered, prefix)
        hi = bisect.bisect_left(ordered, prefix + "\U0010ffff", lo)
        trailing_star_only = len(prefix) == len(pattern) - 1 and pattern[-1] == "*"
        for k in range(lo, hi):
            j = order[k]
            if texts[j] != pattern and (trailing_star_only or pattern_covers(pattern, texts[j])):
                covered_by.setdefault(j, []).append(a)
    groups: dict[int, list[int]] = {}
    for j, cov in covered_by.items():
        maximal = [a for a in cov if a not in covered_by]
        owner = min(maximal) if maximal else min(cov)
        groups.setdefault(owner, []).append(j)
    return [[items[k] for k in sorted([owner, *members])] for owner, members in sorted(groups.items())]


@check(
    "REDUNDANT_ACTION",
    FindingType.SUGGESTION,
    family=FAMILY,
    title="Redundant action",
    short="An action of a statement is already covered by another action (or repeated).",
    long="iam:GetCredentialReport next to iam:Get* adds nothing. Actions compare case-insensitively with "
    "wildcard subsumption; an action is redundant only if everything it matches is matched by one other "
    "entry.",
    also=[
        code(
            "REDUNDANT_RESOURCE",
            FindingType.SUGGESTION,
            family=FAMILY,
            title="Redundant resource",
            short="A resource of a statement is already covered by another resource (or repeated).",
            long="arn:aws:s3:::logs-*/* next to arn:aws:s3:::logs-* adds nothing (* also matches /). "
            "Resources compare case-sensitively with wildcard subsumption.",
        ),
    ],
)
def redundant_items(ctx: Context) -> None:
    for st in ctx.object_statements:
        for element, issue, fold in (
            ("Action", "REDUNDANT_ACTION", True),
            ("NotAction", "REDUNDANT_ACTION", True),
            ("Resource", "REDUNDANT_RESOURCE", False),
            ("NotResource", "REDUNDANT_RESOURCE", False),
        ):
            if not isinstance(st.get(element), list):
                continue
            items = st.strings(element)
            for group in redundant_groups(items, fold):
                noun = "action" if issue == "REDUNDANT_ACTION" else "resource"
                head, rest = group[0], group[1:]
                owner = max(group, key=lambda loc: ("*" in loc.value or "?" in loc.value, len(loc.value)))
                others = [g.value for g in group if g is not owner] or [rest[0].value if rest else head.value]
                ctx.emit(
                    issue,
                    f"The {noun}(s) are redundant because they provide similar permissions. Update the policy "
                    f"to remove the redundant {noun} such as: {', '.join(others)}.",
                    [g.path for g in group],
                )


def _statement_key(st: Statement) -> str:
    raw = {k: v for k, v in st.raw.items() if k not in ("Sid", "Action", "NotAction")}
    return json.dumps(raw, sort_keys=True, default=str)


@check(
    "REDUNDANT_STATEMENT",
    FindingType.SUGGESTION,
    family=FAMILY,
    title="Redundant statement",
    short="A statement repeats another statement.",
    long="Two statements with the same effect, principals, actions, resources and conditions (the Sid "
    "aside): one can be removed. (Access Analyzer does not report statements whose actions are merely a "
    "subset of another's.)",
)
def redundant_statements(ctx: Context) -> None:
    sts = [s for s in ctx.object_statements if s.has("Action") and s.effect in ("Allow", "Deny")]
    if len(sts) < 2:
        return
    # cheap bucketing first (identical statements have identical actions), full comparison only within buckets
    buckets: dict[tuple[object, ...], list[Statement]] = {}
    for s in sts:
        sorted_actions = tuple(sorted(a.value.lower() for a in s.strings("Action")))
        buckets.setdefault((s.effect, sorted_actions, tuple(sorted(s.raw))), []).append(s)
    by_key: dict[str, list[Statement]] = {}
    for bucket in buckets.values():
        if len(bucket) > 1:
            for s in bucket:
                by_key.setdefault(_statement_key(s), []).append(s)
    for group in by_key.values():
        if len(group) < 2:
            continue
        actions = {id(s): [a.value.lower() for a in s.strings("Action")] for s in group}
        for i, s in enumerate(group):
            mine = actions[id(s)]
            if not mine:
                continue
            for j, other in enumerate(group):
                if i == j:
                    continue
                theirs = actions[id(other)]
                if j > i:
                    continue  # report the later of an identical pair only
                if sorted(mine) == sorted(theirs):
                    paths: list[JsonPath] = [s.path, other.path]
                    ctx.emit(
                        "REDUNDANT_STATEMENT",
                        "The statement is redundant because it provides identical permissions to another "
                        "statement in the policy. Remove the redundant statement.",
                        paths,
                    )
                    break
