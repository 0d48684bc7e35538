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

import os
from collections.abc import Sequence
from dataclasses import replace

from least_privilege_constructs.analysis.findings import Finding
from least_privilege_constructs.analysis.iam.wildcards import action_matches, has_wildcards

NAMESPACES = ("LeastPrivilege-PolicyValidation", "LeastPrivilegeChecks", "LeastPrivilege-BoundaryEnforcement")
"""The plugins of this library: an id qualified with any of them acknowledges the finding."""
ALSO_REPORTED_AS = "alsoReportedAs"
FOLDED_CONSEQUENCES = "foldedConsequences"
"""The ids of the consequences folded into a merged finding: each needs its own acknowledgment."""
COVERED_CONSEQUENCES = "coveredConsequences"
"""The ids of consequences about the mistake's own statement: acknowledged with the mistake, never acknowledging it."""
STATEMENTS = "statementPaths"
"""``details`` key: the JSON paths of the statements an ``LP-*`` finding is about (``Resources.P.Properties.
PolicyDocument.Statement[0]``)."""
UNDECIDED = "undecided"
"""``details`` key: an ``LP-*`` finding of a rule that could not decide (an unresolved import or parameter, a
malformed document): it reports no mistake, so nothing is merged into it and it is merged into nothing (an
acknowledgment of it accepts not knowing, never a mistake another check found)."""
NOT_ACTIONS = "notActions"
"""``details`` key: the ``NotAction`` list of an ``Allow`` with ``NotAction`` (``LP-IAM5``), whose ``actions`` are ``*``."""
ACTIONS = "actions"
"""``details`` key: the action patterns of those statements an ``LP-*`` finding reports."""
ESCALATION_PATH = "<escalation path>"
"""Stands for any finding of the escalation analysis in :data:`SUBSUMED`."""
FOLDED = "folded"
"""What each folded finding said (``[{"id", "type", "message"}]``): nothing of theirs is lost in the merge."""

MERGE_CLASSES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("boundary", ("LP-IAM1", "LPC-BOUNDARY-MISSING")),
    ("admin", ("LP-IAM2",)),
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
    # a trust policy open too wide (LP-IAM6: a web identity without a pinned subject, an account root without a
    # condition): what Access Analyzer's checks say of the same statement of the same trust policy
    ("trust", ("LP-IAM6", "MISSING_GITHUB_REPO_CONDITION_KEY", "MISSING_CONDITION_KEY_FOR_OIDC_PRINCIPAL",
               "PUBLIC_ACCESS", "EXTERNAL_PRINCIPAL")),
    ("escalation-action", ("LP-IAM3",)),
)
"""Mistake class -> its codes, owner first. ``EXTERNAL_PRINCIPAL`` joins only for the principal ``*``."""

CONSEQUENCES = frozenset({"BEYOND_BOUNDARY", "DEAD_GRANT", "ACCESS_GRANTED"})
"""Codes that report a consequence of another mistake on the same policy (PassRole on ``*`` or an Allow with
``NotAction`` is also beyond the boundary and grants sensitive actions): folded into that mistake's finding
when there is one on the same construct, else reported on their own."""

_CLASS_OF: dict[str, tuple[str, int]] = {}
for _name, _codes in MERGE_CLASSES:
    for _rank, _code in enumerate(_codes):
        _CLASS_OF.setdefault(_code, (_name, _rank))  # a code's first class; "trust" is chosen by the policy
_TRUST_CODES = dict(MERGE_CLASSES)["trust"]
_TRUST_POLICY = ".AssumeRolePolicyDocument"


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


def stored_ids(ids: Sequence[str]) -> list[str]:
    """The acknowledgment ids, as CDK stores them, that name any of ``ids`` (each plugin's namespace; an ``LP-*``
    id also as ``Annotation::``)."""
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
    covered = {str(c) for c in details.get(COVERED_CONSEQUENCES, ())} | set(coarse_ids(finding))
    mistake = [i for i in finding_ids(finding) if i not in consequences and i not in covered]
    first = stored_ids(mistake)
    legacy = details.get("acknowledgmentId")
    if legacy:
        first.insert(0, str(legacy))
    return [list(dict.fromkeys(first)), *(stored_ids([c]) for c in dict.fromkeys(consequences))]


def coarse_ids(finding: Finding) -> list[str]:
    """The ids merged into a finding about one statement (``LP-RES1[Statement::Write]``, with its statements in
    ``details["statementPaths"]``) that name no statement: an issue code (``PUBLIC_ACCESS``,
    ``EXTERNAL_PRINCIPAL``, ``PASS_ROLE_WITH_STAR_IN_RESOURCE``) is the same on every statement of the construct,
    so its acknowledgment, written for one statement, cannot accept another's: not even while one finding alone
    has the code, for the finding it was written for may be gone (fixed, or allowed by a setting) and a new
    statement take its place. They do not acknowledge the finding; its own id does (or the rule's id,
    ``LP-RES1``, which accepts every statement on purpose).

    >>> from least_privilege_constructs.analysis.findings import Finding, FindingType
    >>> f = Finding(FindingType.ERROR, "LP-RES1", "m", details={"findingId": "LP-RES1[Statement::Write]",
    ...     "statementPaths": ["Resources.P.Properties.PolicyDocument.Statement[1]"], "alsoReportedAs": ["PUBLIC_ACCESS"]})
    >>> coarse_ids(f)
    ['PUBLIC_ACCESS']
    """
    details = finding.details or {}
    if "[" not in finding_id(finding) or not details.get(STATEMENTS):
        return []
    # duplicates only: what is folded in as a consequence or covered never acknowledges the mistake
    folded = {str(i) for key in (COVERED_CONSEQUENCES, FOLDED_CONSEQUENCES) for i in details.get(key, ())}
    return [i for i in (str(a) for a in details.get(ALSO_REPORTED_AS, ()))
            if "[" not in i and not i.startswith("LP-") and i not in folded]


def acknowledgment_keys(finding: Finding) -> list[str]:
    """Every stored acknowledgment id that takes part in acknowledging ``finding`` (all of
    :func:`acknowledgment_groups`, flattened)."""
    return list(dict.fromkeys(k for group in acknowledgment_groups(finding) for k in group))


def _merge_key(finding: Finding, trusted: frozenset[str] = frozenset()) -> tuple[str, str] | None:
    """(mistake class, construct path) of a finding, or None; ``trusted``: the constructs with an ``LP-IAM6``
    finding, whose trust policy's Access Analyzer findings join it (only then: an issue code never owns them)."""
    hit = _CLASS_OF.get(finding.issue_code)
    origin = finding.origin
    if (finding.details or {}).get(UNDECIDED):
        return None
    if (origin is not None and origin.construct_path and finding.issue_code in _TRUST_CODES
            and (origin.json_path or "").endswith(_TRUST_POLICY) and origin.construct_path.strip("/") in trusted):
        return "trust", origin.construct_path.strip("/")  # about a role's trust policy
    if hit is None or finding.origin is None or not finding.origin.construct_path:
        return None
    if finding.issue_code == "EXTERNAL_PRINCIPAL" and not _anyone(finding):
        return None
    return hit[0], finding.origin.construct_path.strip("/")


def statement_keys(finding: Finding) -> frozenset[tuple[str, str]]:
    """The policy statements ``finding`` is about, as (template, JSON path of the statement): from its
    locations (``["Statement", 1, ...]`` below its policy), from ``details["statements"]`` (the ``LP-*`` rules)
    and from ``details["statementOrigins"]`` (an escalation path's granting statements).

    >>> from least_privilege_constructs.analysis.findings import Finding, FindingType, PolicyOrigin
    >>> o = PolicyOrigin(source="t.json", json_path="Resources.P.Properties.PolicyDocument")
    >>> f = Finding(FindingType.ERROR, "X", "m", locations=[["Statement", 1, "Action"]], origin=o)
    >>> [path for _, path in statement_keys(f)]
    ['Resources.P.Properties.PolicyDocument.Statement[1]']
    """
    origin = finding.origin
    details = finding.details or {}
    keys: set[tuple[str, str]] = set()
    if origin is not None and origin.json_path:
        for loc in finding.locations:
            if len(loc) >= 2 and loc[0] == "Statement" and isinstance(loc[1], int):
                keys.add((_source(origin.source), f"{origin.json_path}.Statement[{loc[1]}]"))
        for path in details.get(STATEMENTS, ()) or ():
            keys.add((_source(origin.source), str(path)))
    for granted in details.get("statementOrigins", ()) or ():
        if not isinstance(granted, dict) or granted.get("kind") == "boundary":  # a boundary permits, grants nothing
            continue
        if granted.get("json_path") and isinstance(granted.get("statement"), int):
            keys.add((_source(str(granted.get("source") or "")), f"{granted['json_path']}.Statement[{granted['statement']}]"))
    return frozenset(keys)


def _source(source: str) -> str:
    return os.path.normcase(os.path.abspath(source)) if source else ""


def _anyone(finding: Finding) -> bool:
    """An EXTERNAL_PRINCIPAL finding about the principal ``*`` (beside it, at most principals with a wildcard,
    which IAM rejects): the public-access mistake."""
    principals = [str(p) for p in (finding.details or {}).get("principals", ())]
    return "*" in principals and all(p == "*" or has_wildcards(p) for p in principals)


def merge_duplicates(findings: Sequence[Finding]) -> list[Finding]:
    """One finding per mistake, in two steps.

    1. Findings of one class (:data:`MERGE_CLASSES`) on the same construct are merged into the owner's (the most
       severe type of them kept; the others' ids in ``alsoReportedAs``); a consequence (:data:`CONSEQUENCES`) on
       that construct joins it too.
    2. A finding about a statement that another finding reports as a bigger mistake is folded into that one
       (:data:`SUBSUMED`): an administrator statement (``LP-IAM2``) takes the ``iam:PassRole``, escalation-action
       and service-linked-role findings on the same statement; ``LP-IAM2``/``LP-IAM3``/``LP-IAM4`` take an
       escalation path of a principal without a boundary that their statements and actions alone grant (for a
       bounded principal the path shows the boundary letting it through: a mistake of its own); a wildcard principal IAM rejects
       (``UNSUPPORTED_WILDCARD_IN_PRINCIPAL``) takes the external-access and undetermined findings about it.
       The folded finding is acknowledged with the one it is folded into, and never acknowledges it.
    """
    merged = _merge_classes(findings)
    return [_with_suffix(f) for f in _fold_subsumed(merged)]


def _merge_classes(findings: Sequence[Finding]) -> list[Finding]:
    groups: dict[tuple[str, str], list[Finding]] = {}
    order: list[Finding | tuple[str, str]] = []
    trusted = frozenset(f.origin.construct_path.strip("/") for f in findings
                        if f.issue_code == "LP-IAM6" and f.origin is not None and f.origin.construct_path)
    for f in findings:
        key = _merge_key(f, trusted)
        if key is None:
            order.append(f)
            continue
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append(f)
    class_rank = {name: i for i, (name, _) in enumerate(MERGE_CLASSES)}
    owned = {path for (name, path) in groups if name != "beyond-boundary"}
    for f in findings:  # consequences of a mistake another class owns on the same construct go there
        path = f.origin.construct_path.strip("/") if f.origin and f.origin.construct_path else None
        if f.issue_code in CONSEQUENCES and path in owned:
            hit = _merge_key(f, trusted)
            if hit is not None and f in groups.get(hit, []):
                groups[hit].remove(f)
            elif f in order:
                order.remove(f)
            candidates = [k for k in groups if k[1] == path and k[0] != "beyond-boundary"]
            # the class whose own findings cover it (its statement and actions) first, then the first class
            target = min(candidates, key=lambda k: (not _covers(groups[k], dict(MERGE_CLASSES)[k[0]], f),
                                                    class_rank[k[0]]))
            groups[target].append(f)
    out: list[Finding] = []
    for item in order:
        if isinstance(item, Finding):
            out.append(item)
            continue
        group = groups[item]
        names = dict(MERGE_CLASSES)[item[0]]
        while group:  # what is left after the owners took theirs is merged again: another statement's mistake
            if item[0] == "trust" and not any(f.issue_code == "LP-IAM6" for f in group):
                out.extend(group)  # an issue code never owns another's finding about a trust policy
                break
            merged, group = _merge_group(group, names)
            out.extend(merged)
    return out


def _merge_group(group: Sequence[Finding], names: Sequence[str]) -> tuple[list[Finding], list[Finding]]:
    """One class's findings on one construct: each owner (the class's first code present) with the duplicates
    and consequences that are about its statements (by construct when there are no statements to compare).
    Returns the merged owners and the findings about other statements, left for another round."""
    rank = {code: i for i, code in enumerate(names)}
    owner_rank = min(rank.get(f.issue_code, len(names)) for f in group)
    owners = [f for f in group if rank.get(f.issue_code, len(names)) == owner_rank]
    others = [f for f in group if rank.get(f.issue_code, len(names)) != owner_rank]
    located = any(statement_keys(o) for o in owners)
    parts: dict[int, dict[str, list[Finding]]] = {
        id(o): {"duplicates": [], "covered": [], "consequences": []} for o in owners}
    left: list[Finding] = []
    consequences = [f for f in others if f.issue_code in CONSEQUENCES and f.issue_code not in names]
    for f in (f for f in others if f not in consequences):
        keys = statement_keys(f)
        home = next((o for o in owners if keys <= statement_keys(o)), None) if keys and located else owners[0]
        if home is None:  # the same kind of mistake in another statement: its own finding
            left.append(f)
        else:
            parts[id(home)]["duplicates"].append(f)
    # a consequence folded into another class's finding keeps its own acknowledgment, unless it is about a
    # statement and actions the mistake's own findings report (PassRole on * in Statement[0], beyond the boundary there)
    for f in consequences:
        home = next((o for o in owners if _covers([o, *parts[id(o)]["duplicates"]], names, f)), None)
        if home is not None:
            parts[id(home)]["covered"].append(f)
        else:
            parts[id(owners[0])]["consequences"].append(f)
    merged = [_fold(o, duplicates=parts[id(o)]["duplicates"], covered=parts[id(o)]["covered"],
                    consequences=parts[id(o)]["consequences"]) if any(parts[id(o)].values()) else o for o in owners]
    return merged, left


def _covers(group: Sequence[Finding], names: Sequence[str], consequence: Finding) -> bool:
    """Whether the mistake's own findings in ``group`` (codes ``names``) point at every statement the
    consequence is about, report every action it names (``details["actions"]``; a consequence that names
    none is covered only by a mistake about every action, ``*``) and are granted to its principal alone: only
    then is it the same mistake's."""
    own = [f for f in group if f.issue_code in names]
    statements: frozenset[tuple[str, str]] = frozenset().union(*(statement_keys(f) for f in own))
    if not _within(consequence, statements) or not all(_sole_principal(f, consequence) for f in own):
        return False
    patterns = [a for f in own for a in _reported_actions(f)]
    excluded = [a for f in own for a in _excluded_actions(f)]
    return _granted_by(patterns, [str(a) for a in (consequence.details or {}).get(ACTIONS, ())], excluded)


def _excluded_actions(finding: Finding) -> list[str]:
    """The actions a finding's statement does not grant although its patterns say ``*``: the ``NotAction`` list
    of an ``Allow`` with ``NotAction`` (``details["notActions"]``)."""
    return [str(a) for a in (finding.details or {}).get(NOT_ACTIONS, ())]


def _sole_principal(owner: Finding, other: Finding) -> bool:
    """Whether ``other`` (a consequence, an escalation path) is about the one principal ``owner``'s policy is
    granted to: the principal itself (an inline policy on it) or the only one in ``details["grantedTo"]``. An
    acknowledgment of a policy shared by several principals (or by one more, later) does not speak for each."""
    details = owner.details or {}
    granted = [str(p) for p in details.get("grantedTo", ())]
    if not granted and owner.origin is not None and owner.origin.construct_path:
        granted = [owner.origin.construct_path.strip("/")]
    if len(granted) != 1:
        return False
    other_details = other.details or {}
    who = other_details.get("principal")
    if who is None and other.check == "escalation" and other.origin is not None:
        who = other.origin.construct_path
    return who is None or str(who).strip("/") == granted[0]


def _reported_actions(finding: Finding) -> list[str]:
    """The action patterns a finding reports: its ``details["actions"]`` (the ``LP-*`` rules), else the one
    action its code is about (:data:`KEY_ACTION`: ``PASS_ROLE_WITH_STAR_IN_RESOURCE`` is about ``iam:PassRole``)."""
    actions = [str(a) for a in (finding.details or {}).get(ACTIONS, ())]
    if not actions and finding.issue_code in KEY_ACTION:
        actions = [KEY_ACTION[finding.issue_code]]
    return actions


def _granted_by(patterns: Sequence[str], actions: Sequence[str], excluded: Sequence[str] = ()) -> bool:
    """Every action (or action pattern) of ``actions`` is matched by one of ``patterns`` and overlaps none of
    ``excluded`` (a ``NotAction`` list); no actions (a consequence about a statement's whole grant): only a
    finding about the whole statement, ``*``, stands for them."""
    if not actions:
        return "*" in patterns
    return bool(patterns) and all(
        any(action_matches(p, a) for p in patterns) and not any(_overlap(x, a) for x in excluded) for a in actions)


def _overlap(x: str, a: str) -> bool:
    """Whether two action patterns may name one action (either matches the other: ``iam:*`` and ``iam:Pass*``)."""
    return action_matches(x, a) or action_matches(a, x)


def _within(finding: Finding, statements: frozenset[tuple[str, str]]) -> bool:
    keys = statement_keys(finding)
    return bool(keys) and keys <= statements


def _fold(owner: Finding, *, duplicates: Sequence[Finding] = (), covered: Sequence[Finding] = (),
          consequences: Sequence[Finding] = ()) -> Finding:
    """``owner`` with other findings folded in: ``duplicates`` (the same mistake: any of their ids acknowledges
    it), ``covered`` (acknowledged with it, never acknowledging it) and ``consequences`` (each needs its own
    acknowledgment). A folded finding brings the findings folded into it, in the same roles but never as
    duplicates of ``owner`` unless it is one itself."""
    details = dict(owner.details or {})
    also = [str(i) for i in details.get(ALSO_REPORTED_AS, ())]
    folded = list(details.get(FOLDED, ()))
    own_covered = [str(i) for i in details.get(COVERED_CONSEQUENCES, ())]
    own_consequences = [str(i) for i in details.get(FOLDED_CONSEQUENCES, ())]
    for role, items in (("duplicate", duplicates), ("covered", covered), ("consequence", consequences)):
        for f in items:
            fd = f.details or {}
            ids = finding_ids(f)
            also.extend(ids)
            folded.append({"id": finding_id(f), "type": f.finding_type.value, "message": f.message})
            folded.extend(fd.get(FOLDED, ()))
            inner_consequences = [str(i) for i in fd.get(FOLDED_CONSEQUENCES, ())]
            inner_covered = [str(i) for i in fd.get(COVERED_CONSEQUENCES, ())]
            own_consequences.extend(inner_consequences)
            if role == "duplicate":
                own_covered.extend(inner_covered)
            elif role == "covered":
                own_covered.extend(i for i in ids if i not in inner_consequences)
            else:
                # one acknowledgment of the consequence's own mistake (its first id) stands for it
                own_consequences.append(finding_id(f))
                own_covered.extend(i for i in ids if i not in inner_consequences and i != finding_id(f))
    own_ids = {finding_id(owner), owner.issue_code}
    details[ALSO_REPORTED_AS] = [i for i in dict.fromkeys(also) if i not in own_ids]
    details[FOLDED] = folded
    consequences_out = [i for i in dict.fromkeys(own_consequences) if i not in own_ids]
    covered_out = [i for i in dict.fromkeys(own_covered) if i not in own_ids and i not in consequences_out]
    for key, value in ((FOLDED_CONSEQUENCES, consequences_out), (COVERED_CONSEQUENCES, covered_out)):
        if value:
            details[key] = value
        else:
            details.pop(key, None)
    all_types = [owner.finding_type, *(f.finding_type for f in (*duplicates, *covered, *consequences))]
    return replace(owner, finding_type=min(all_types, key=lambda t: t.rank), details=details)


ADMIN = "LP-IAM2"
SUBSUMED: dict[str, frozenset[str]] = {
    ADMIN: frozenset({
        "LP-IAM3", "LP-IAM4", "PASS_ROLE_WITH_STAR_IN_RESOURCE", "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE",
        "CREATE_SLR_WITH_STAR_IN_RESOURCE", "CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE", *CONSEQUENCES,
        ESCALATION_PATH}),
    "LP-IAM3": frozenset({
        ESCALATION_PATH, "LP-IAM4", "PASS_ROLE_WITH_STAR_IN_RESOURCE", "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE",
        "CREATE_SLR_WITH_STAR_IN_RESOURCE", "CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE"}),
    "LP-IAM4": frozenset({ESCALATION_PATH}),
    "LP-IAM5": frozenset({ESCALATION_PATH}),
    "UNSUPPORTED_WILDCARD_IN_PRINCIPAL": frozenset({"EXTERNAL_PRINCIPAL", "CHECK_UNDETERMINED"}),
}
"""Owner code -> what it takes in when the finding is about its statements only (``ESCALATION_PATH``: a
finding of the escalation analysis, every permission of which the owner's actions grant)."""

KEY_ACTION = {
    "LP-IAM4": "iam:PassRole", "PASS_ROLE_WITH_STAR_IN_RESOURCE": "iam:PassRole",
    "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE": "iam:PassRole",
    "CREATE_SLR_WITH_STAR_IN_RESOURCE": "iam:CreateServiceLinkedRole",
    "CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE": "iam:CreateServiceLinkedRole",
}
"""The action a finding is about: it folds into a bigger mistake only if that one reports the action too
(``LP-IAM3[Action::iam:*]`` takes the PassRole findings of its statement, ``LP-IAM3[Action::iam:CreateRole]``
does not)."""


def _kind(finding: Finding) -> str:
    return ESCALATION_PATH if finding.check == "escalation" else finding.issue_code


def _subsumes(owner: Finding, other: Finding, scope: frozenset[tuple[str, str]]) -> bool:
    """Whether ``other`` is about ``owner``'s statements only (``scope``: the owner's, and for an administrator
    statement every administrator statement's, each its own finding) and folds into it."""
    if other is owner or _kind(other) not in SUBSUMED.get(owner.issue_code, ()):
        return False
    if not _within(other, scope) or not statement_keys(other) & statement_keys(owner):
        return False
    details = other.details or {}
    patterns = _reported_actions(owner)
    if _kind(other) == ESCALATION_PATH:
        # only a principal without a boundary (for a bounded one the path says the boundary lets it through: a
        # mistake of its own), on a probe target (a particular role, user or resource it reaches is more than
        # what the permissions mean in general), in one step
        if any(isinstance(o, dict) and o.get("kind") == "boundary" for o in details.get("statementOrigins", ())):
            return False
        if details.get("specificTarget") or details.get("chain") or details.get("undetermined"):
            return False
        if any(isinstance(o, dict) and o.get("kind") != "boundary" and not o.get("json_path")
               for o in details.get("statementOrigins", ())):  # granted also by a policy outside the assembly
            return False
        if not _sole_principal(owner, other):
            return False
        permissions = [str(p) for p in details.get("permissions", ())]
        return bool(permissions) and _granted_by(patterns, permissions, _excluded_actions(owner))
    if other.issue_code == "EXTERNAL_PRINCIPAL":
        principals = [str(p) for p in details.get("principals", ())]
        return bool(principals) and all(has_wildcards(p) and p != "*" for p in principals)
    if other.issue_code in CONSEQUENCES:  # what it names must be what the owner reports, for its principal alone
        return _sole_principal(owner, other) and _granted_by(
            patterns, [str(a) for a in details.get(ACTIONS, ())], _excluded_actions(owner))
    if other.issue_code in KEY_ACTION:
        return _granted_by(patterns, [KEY_ACTION[other.issue_code]])
    return True


def _fold_subsumed(findings: list[Finding]) -> list[Finding]:
    owners = [f for f in findings if f.issue_code in SUBSUMED and not (f.details or {}).get(UNDECIDED)]
    if not owners:
        return findings
    # the biggest mistake first (an administrator statement takes what LP-IAM3 would otherwise take)
    order = {code: i for i, code in enumerate(SUBSUMED)}
    owners.sort(key=lambda f: order[f.issue_code])
    admin: frozenset[tuple[str, str]] = frozenset().union(
        *(statement_keys(f) for f in owners if f.issue_code == ADMIN))
    taken: dict[int, list[Finding]] = {}
    claimed: set[int] = set()
    for owner in owners:
        if id(owner) in claimed:
            continue
        scope = admin if owner.issue_code == ADMIN else statement_keys(owner)
        for other in findings:
            if id(other) not in claimed and id(other) != id(owner) and _subsumes(owner, other, scope):
                taken.setdefault(id(owner), []).append(other)
                claimed.add(id(other))
    out: list[Finding] = []
    for f in findings:
        if id(f) in claimed:
            continue
        inner = taken.get(id(f))
        out.append(_fold(f, covered=inner) if inner else f)
    return out


def _with_suffix(finding: Finding) -> Finding:
    also = (finding.details or {}).get(ALSO_REPORTED_AS)
    if not also:
        return finding
    return replace(finding, message=f"{finding.message} (also reported as {', '.join(str(a) for a in also)})")
