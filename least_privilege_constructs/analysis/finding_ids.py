"""One id scheme for every finding of the gate, the ``LP-*`` rules and boundary enforcement; one finding per
mistake.

**Ids.** A finding's id is what the report prints and what acknowledges it: the granular rule id of an
``LP-*`` rule (``LP-IAM4[Resource::*]``), else its issue code (``PASS_ROLE_WITH_STAR_IN_RESOURCE``,
``BEYOND_BOUNDARY``, ``B6``, ``LPC-BOUNDARY-MISSING``).

**One finding per mistake.** Some mistakes are seen by two checks: an unbounded role (``LP-IAM1`` and
``LPC-BOUNDARY-MISSING``), ``iam:PassRole`` on ``*`` (``LP-IAM4`` and Access Analyzer's
``PASS_ROLE_WITH_STAR_IN_RESOURCE``), a public resource policy (``LP-RES1`` and ``PUBLIC_ACCESS``), an
``Allow`` with ``NotAction`` (``LP-IAM5`` and Access Analyzer's ``ALLOW_WITH_NOT_ACTION``-style findings).
Each such class has one **owner** (the first code of its row in :data:`MERGE_CLASSES`); findings of one
class on the same construct are merged into the owner's finding, the others listed in
``details["alsoReportedAs"]`` and in the message ("also reported as ...").

**Acknowledged once, per mistake.** The duplicates of one mistake (the codes of one row of
:data:`MERGE_CLASSES`) are acknowledged by an acknowledgment of **any** of their ids, so the acknowledgments
written for either check keep working. A consequence folded in (:data:`CONSEQUENCES`: ``ACCESS_GRANTED``,
``BEYOND_BOUNDARY``, ``DEAD_GRANT``) names no action, so it is no acknowledgment of the mistake, nor the
mistake's of it: the merged finding is acknowledged only when the mistake and each folded consequence are
(:func:`acknowledgment_groups`). Acknowledging a warning never hides an error folded beside it. Each id is accepted in every namespace of this
library's plugins (``LeastPrivilege-PolicyValidation::``, ``LeastPrivilegeChecks::``,
``LeastPrivilege-BoundaryEnforcement::``); ``LP-*`` ids also unqualified (``Annotation::LP-IAM4``), and the
rule id alone (``LP-IAM4``) acknowledges every finding of that rule, as the nag pack always allowed.

    >>> from least_privilege_constructs.analysis.findings import Finding, FindingType, PolicyOrigin
    >>> o = PolicyOrigin(construct_path="App/Deployer/Resource")
    >>> a = Finding(FindingType.ERROR, "LP-IAM4", "PassRole on *.", origin=o, check="lp-rules",
    ...             details={"findingId": "LP-IAM4[Resource::*]"})
    >>> b = Finding(FindingType.SECURITY_WARNING, "PASS_ROLE_WITH_STAR_IN_RESOURCE", "...", origin=o)
    >>> [finding_id(f) for f in merge_duplicates([a, b])]
    ['LP-IAM4[Resource::*]']
    >>> merge_duplicates([a, b])[0].details["alsoReportedAs"]
    ['PASS_ROLE_WITH_STAR_IN_RESOURCE']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from least_privilege_constructs.analysis.findings import Finding

NAMESPACES = ("LeastPrivilege-PolicyValidation", "LeastPrivilegeChecks", "LeastPrivilege-BoundaryEnforcement")
"""The plugins of this library: an id qualified with any of them acknowledges the finding."""
ALSO_REPORTED_AS = "alsoReportedAs"
FOLDED_CONSEQUENCES = "foldedConsequences"
"""The ids of the consequences folded into a merged finding: each needs its own acknowledgment."""
COVERED_CONSEQUENCES = "coveredConsequences"
"""The ids of consequences about the mistake's own statement: acknowledged with the mistake, never acknowledging it."""
FOLDED = "folded"
"""What each folded finding said (``[{"id", "type", "message"}]``): nothing of theirs is lost in the merge."""

MERGE_CLASSES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("boundary", ("LP-IAM1", "LPC-BOUNDARY-MISSING")),
    ("pass-role", ("LP-IAM4", "PASS_ROLE_WITH_STAR_IN_RESOURCE", "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE")),
    ("public", ("LP-RES1", "PUBLIC_ACCESS", "EXTERNAL_PRINCIPAL")),
    # Access Analyzer's PassRole / service-linked-role warnings that exist only because of a NotAction or
    # NotResource in an Allow (access-analyzer-reference-policy-checks.html): the same statement LP-IAM5 reports
    ("not-action", ("LP-IAM5", "ALLOW_WITH_NOT_ACTION", "ALLOW_WITH_NOT_RESOURCE", "ALLOW_WITH_NOT_PRINCIPAL",
                    "PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION", "PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE",
                    "PASS_ROLE_WITH_NOT_ACTION_AND_NOT_RESOURCE", "PASS_ROLE_WITH_NOT_RESOURCE",
                    "CREATE_SLR_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION", "CREATE_SLR_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE",
                    "CREATE_SLR_WITH_NOT_ACTION_AND_NOT_RESOURCE", "CREATE_SLR_WITH_NOT_RESOURCE")),
    ("beyond-boundary", ("BEYOND_BOUNDARY", "DEAD_GRANT")),
    ("escalation-action", ("LP-IAM3",)),
)
"""Mistake class -> its codes, owner first. ``EXTERNAL_PRINCIPAL`` joins only for the principal ``*``."""

CONSEQUENCES = frozenset({"BEYOND_BOUNDARY", "DEAD_GRANT", "ACCESS_GRANTED"})
"""Codes that report a consequence of another mistake on the same policy (PassRole on ``*`` or an Allow with
``NotAction`` is also beyond the boundary and grants sensitive actions): folded into that mistake's finding
when there is one on the same construct, else reported on their own."""

_CLASS_OF = {code: (name, rank) for name, codes in MERGE_CLASSES for rank, code in enumerate(codes)}


def finding_id(finding: Finding) -> str:
    """The id the report prints and an acknowledgment names."""
    value = (finding.details or {}).get("findingId")
    return str(value) if value else finding.issue_code


def finding_ids(finding: Finding) -> list[str]:
    """Every id of ``finding``: its own, its rule's (``LP-*``), those merged into it (consequences included)."""
    ids = [finding_id(finding)]
    if finding.issue_code.startswith("LP-"):
        ids.append(finding.issue_code)
    ids.extend(str(i) for i in (finding.details or {}).get(ALSO_REPORTED_AS, ()))
    return list(dict.fromkeys(ids))


def _keys(ids: Sequence[str]) -> list[str]:
    keys: list[str] = []
    for fid in ids:
        keys.extend(f"{ns}::{fid}" for ns in NAMESPACES)
        if fid.startswith("LP-"):
            keys.append(f"Annotation::{fid}")
    return keys


def acknowledgment_groups(finding: Finding) -> list[list[str]]:
    """The stored acknowledgment ids (``<namespace>::<id>``, as CDK records them) that acknowledge ``finding``,
    in groups that must **each** be matched: the mistake (its own ids and the same mistake's duplicates: any
    one of them), then one group per folded consequence (its own id only).

    >>> from least_privilege_constructs.analysis.findings import Finding, FindingType, PolicyOrigin
    >>> f = Finding(FindingType.ERROR, "LP-IAM4", "PassRole on *.", origin=PolicyOrigin(construct_path="A/R"),
    ...             details={"alsoReportedAs": ["PASS_ROLE_WITH_STAR_IN_RESOURCE", "BEYOND_BOUNDARY"],
    ...                      "foldedConsequences": ["BEYOND_BOUNDARY"]})
    >>> [len(group) for group in acknowledgment_groups(f)], acknowledgment_groups(f)[1][0]
    ([7, 3], 'LeastPrivilege-PolicyValidation::BEYOND_BOUNDARY')
    """
    details = finding.details or {}
    consequences = [str(c) for c in details.get(FOLDED_CONSEQUENCES, ())]
    covered = {str(c) for c in details.get(COVERED_CONSEQUENCES, ())}
    mistake = [i for i in finding_ids(finding) if i not in consequences and i not in covered]
    first = _keys(mistake)
    legacy = details.get("acknowledgmentId")
    if legacy:
        first.insert(0, str(legacy))
    return [list(dict.fromkeys(first)), *(_keys([c]) for c in dict.fromkeys(consequences))]


def acknowledgment_keys(finding: Finding) -> list[str]:
    """Every stored acknowledgment id that takes part in acknowledging ``finding`` (all of
    :func:`acknowledgment_groups`, flattened)."""
    return list(dict.fromkeys(k for group in acknowledgment_groups(finding) for k in group))


def _merge_key(finding: Finding) -> tuple[str, str] | None:
    hit = _CLASS_OF.get(finding.issue_code)
    if hit is None or finding.origin is None or not finding.origin.construct_path:
        return None
    if finding.issue_code == "EXTERNAL_PRINCIPAL" and (finding.details or {}).get("principals") != ["*"]:
        return None
    return hit[0], finding.origin.construct_path.strip("/")


def _statement_key(finding: Finding) -> tuple[str, str, str, int] | None:
    """(template, stack, policy's JSON path, statement index) of the statement a finding points at, if any."""
    origin = finding.origin
    for loc in finding.locations:
        if len(loc) >= 2 and loc[0] == "Statement" and isinstance(loc[1], int) and origin is not None:
            return (origin.source, origin.stack or "", origin.json_path or origin.logical_id or "", loc[1])
    return None


def merge_duplicates(findings: Sequence[Finding]) -> list[Finding]:
    """One finding per mistake: findings of one class (:data:`MERGE_CLASSES`) on the same construct merged
    into the owner's (the most severe type of them kept; the others' ids in ``alsoReportedAs``)."""
    groups: dict[tuple[str, str], list[Finding]] = {}
    order: list[Finding | tuple[str, str]] = []
    for f in findings:
        key = _merge_key(f)
        if key is None:
            order.append(f)
            continue
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append(f)
    owned = {path for (name, path) in groups if name != "beyond-boundary"}
    for f in findings:  # consequences of a mistake another class owns on the same construct go there
        path = f.origin.construct_path.strip("/") if f.origin and f.origin.construct_path else None
        if f.issue_code in CONSEQUENCES and path in owned:
            hit = _merge_key(f)
            if hit is not None and f in groups.get(hit, []):
                groups[hit].remove(f)
            elif f in order:
                order.remove(f)
            target = next(k for k in groups if k[1] == path and k[0] != "beyond-boundary")
            groups[target].append(f)
    out: list[Finding] = []
    for item in order:
        if isinstance(item, Finding):
            out.append(item)
            continue
        group = groups[item]
        if not group:
            continue
        names = dict(MERGE_CLASSES)[item[0]]
        rank = {code: i for i, code in enumerate(names)}
        owner_rank = min(rank.get(f.issue_code, len(names)) for f in group)
        owners = [f for f in group if rank.get(f.issue_code, len(names)) == owner_rank]
        others = [f for f in group if rank.get(f.issue_code, len(names)) != owner_rank]
        if not others:
            out.extend(owners)
            continue
        also = list(dict.fromkeys(finding_id(f) for f in others))
        # a consequence folded into another class's finding keeps its own acknowledgment, unless it is about a
        # statement the mistake's own findings point at (PassRole on * in Statement[0], beyond the boundary there)
        statements = {k for f in group if f.issue_code in names and (k := _statement_key(f)) is not None}
        folded_in = [f for f in others if f.issue_code in CONSEQUENCES and f.issue_code not in names]
        consequences = list(dict.fromkeys(finding_id(f) for f in folded_in if _statement_key(f) not in statements))
        covered = list(dict.fromkeys(finding_id(f) for f in folded_in if _statement_key(f) in statements))
        folded = [{"id": finding_id(f), "type": f.finding_type.value, "message": f.message} for f in others]
        worst = min((f.finding_type for f in group), key=lambda t: t.rank)
        for owner in owners:
            details = {**(owner.details or {}), ALSO_REPORTED_AS: also, FOLDED: folded}
            if consequences:
                details[FOLDED_CONSEQUENCES] = consequences
            if covered:
                details[COVERED_CONSEQUENCES] = covered
            out.append(replace(
                owner, finding_type=worst if worst.rank < owner.finding_type.rank else owner.finding_type,
                message=f"{owner.message} (also reported as {', '.join(also)})", details=details))
    return out
