"""The acknowledgments a change brings: every suppression, listed in ``lpc diff`` for reviewers.

An acknowledgment (``Validations.of(construct).acknowledge(...)``, an ``aws:cdk:acknowledged-rules`` metadata
entry of the cloud assembly) turns a blocking finding of the gate, the boundary enforcement or the nag pack
into a reported, non-blocking one. The gate honours it; the reviewer must see it. Each acknowledgment of NEW
that OLD does not have (same construct path and id), or whose reason changed, is one non-blocking
``ACKNOWLEDGMENT_ADDED`` finding naming the id, the construct path and the reason. Without OLD's assembly
(``lpc diff --deployed``: deployed templates carry no acknowledgments) every acknowledgment of NEW is listed.

A change also brings a suppression without touching any acknowledgment: the commit controls the whole assembly
(templates, ``aws:cdk:path`` metadata, ``tree.json``), so it can add a role under an acknowledged construct path,
or change the policies of a role an acknowledgment already covers. :func:`applying_acknowledgments` lists, as one
non-blocking ``ACKNOWLEDGMENT_APPLIES`` finding per acknowledgment, each one whose scope covers the construct path
of a principal or policy the change adds or changes (:func:`changed_targets`), matched exactly as the gate
matches (:meth:`Acknowledgments.lookup`: the nearest acknowledgment of an id on the path or an ancestor, a
reasoned one winning over a blank one; a blank one suppresses nothing and is not listed). It is the set of
acknowledgments that *can* suppress a finding of the gate on what changed: a superset of what the gate's report
lists as acknowledged there, never less (sound for review).

    >>> from least_privilege_constructs.analysis.acknowledgments import Acknowledgments
    >>> old = Acknowledgments({"/App/Role": {"P::B6": "SEC-1"}})
    >>> new = Acknowledgments({"/App/Role": {"P::B6": "SEC-1", "P::B7": "SEC-2"}})
    >>> [f.details["acknowledgmentId"] for f in added_acknowledgments(old, new)]
    ['P::B7']
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from least_privilege_constructs.analysis.acknowledgments import Acknowledgments
from least_privilege_constructs.analysis.extract.model import ExtractedPolicy, Extraction, Principal
from least_privilege_constructs.analysis.findings import Finding, FindingType, PolicyOrigin

ACKNOWLEDGMENT_ADDED = "ACKNOWLEDGMENT_ADDED"
ACKNOWLEDGMENT_APPLIES = "ACKNOWLEDGMENT_APPLIES"
CHECK = "diff"
SHOWN = 5
"""How many changed principals or policies an ``ACKNOWLEDGMENT_APPLIES`` message names (all are in details)."""


@dataclass(frozen=True)
class Changed:
    """A principal or policy of NEW that OLD does not have, or has otherwise."""

    what: str
    """``role App/Api/Role``, ``AWS::S3::BucketPolicy App/Bucket/Policy``."""
    construct_path: str
    change: str
    """``added`` or ``changed``."""


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def _policy_state(policy: ExtractedPolicy | None) -> Any:
    if policy is None:
        return None
    return {"document": policy.document, "arn": policy.policy_arn, "type": str(policy.policy_type),
            "resource": policy.resource_type, "path": policy.origin.construct_path}


def _principal_state(extraction: Extraction, principal: Principal) -> str:
    """Everything of a principal a finding of the gate depends on: its construct path, identity policies (its
    groups' too), managed policy ARNs, trust policy and boundary."""
    return _canonical({
        "path": principal.construct_path,
        "identity": sorted(_canonical(_policy_state(p)) for p in extraction.all_identity_policies(principal)),
        "managed": sorted(principal.managed_policy_arns),
        "groups": sorted(principal.groups),
        "trust": _policy_state(principal.trust_policy),
        "boundary": [_policy_state(principal.boundary), principal.boundary_arn],
    })


def changed_targets(old: Extraction | None, new: Extraction) -> list[Changed]:
    """The principals and policies of ``new`` (with a construct path) that ``old`` lacks or holds otherwise,
    matched as the diff matches them (kind, stack, logical id); ``old`` None: all of them."""
    from least_privilege_constructs.analysis.diff.engine import policy_key, principal_key

    out: list[Changed] = []
    before = {principal_key(p): p for p in old.principals} if old is not None else {}
    for principal in new.principals:
        if not principal.construct_path or principal.external:
            continue
        previous = before.get(principal_key(principal))
        if previous is None:
            out.append(Changed(f"{principal.kind.value} {principal.label}", principal.construct_path, "added"))
        elif old is not None and _principal_state(old, previous) != _principal_state(new, principal):
            out.append(Changed(f"{principal.kind.value} {principal.label}", principal.construct_path, "changed"))
    policies = {policy_key(p): p for p in old.policies} if old is not None else {}
    for policy in new.policies:
        path = policy.origin.construct_path
        if not path:
            continue
        previous_policy = policies.get(policy_key(policy))
        change = "added" if previous_policy is None else (
            "changed" if _canonical(_policy_state(previous_policy)) != _canonical(_policy_state(policy)) else None)
        if change is not None:
            out.append(Changed(f"{policy.cfn_type or policy.kind.value} {path}", path, change))
    unique: dict[str, Changed] = {}  # a role's own policies share its path: the role is named once
    for item in out:
        unique.setdefault(item.construct_path.strip("/"), item)
    return list(unique.values())


def applying_acknowledgments(acknowledgments: Acknowledgments | None, changed: list[Changed]) -> list[Finding]:
    """One ``ACKNOWLEDGMENT_APPLIES`` note per acknowledgment (with a reason) that the gate would apply to a
    finding on one of ``changed``: :meth:`Acknowledgments.lookup` of each acknowledged id on each changed
    construct path, as the gate's ``apply_acknowledgments`` looks it up."""
    if acknowledgments is None or not changed:
        return []
    ids = sorted({ack_id for reasons in acknowledgments.all_by_path().values() for ack_id in reasons})
    covered: dict[tuple[str, str], tuple[str, list[Changed]]] = {}
    for item in changed:
        for ack_id in ids:
            hit = acknowledgments.lookup(item.construct_path, ack_id)
            if hit is None or not hit[1]:  # a blank reason suppresses nothing
                continue
            covered.setdefault((hit[0], ack_id), (hit[1], []))[1].append(item)
    out: list[Finding] = []
    for (path, ack_id), (reason, items) in sorted(covered.items()):
        named = ", ".join(f"{i.what} ({i.change})" for i in items[:SHOWN])
        more = f" and {len(items) - SHOWN} more" if len(items) > SHOWN else ""
        out.append(Finding(
            FindingType.SUGGESTION, ACKNOWLEDGMENT_APPLIES,
            f"acknowledgment {ack_id} on {path} ({reason.strip()}) covers what the change adds or changes: "
            f"{named}{more}; the gate does not block on a finding {ack_id.split('::')[-1]} there",
            origin=PolicyOrigin(construct_path=path), check=CHECK,
            details={"acknowledgmentId": ack_id, "constructPath": path, "reason": reason,
                     "changed": [{"what": i.what, "constructPath": i.construct_path, "change": i.change}
                                 for i in items]},
        ))
    return out


def read_acknowledgments(path: str | os.PathLike[str]) -> Acknowledgments | None:
    """The acknowledgments of the cloud assembly at ``path``; None when ``path`` is not an assembly (a template
    or a policy file: nothing is recorded there)."""
    from least_privilege_constructs.analysis.assembly import AssemblyError, is_cloud_assembly

    if not Path(path).is_dir() or not is_cloud_assembly(path):
        return None
    try:
        return Acknowledgments.read(path)
    except (AssemblyError, OSError, ValueError):
        return None


def added_acknowledgments(old: Acknowledgments | None, new: Acknowledgments | None) -> list[Finding]:
    """One ``ACKNOWLEDGMENT_ADDED`` note per acknowledgment of ``new`` absent from ``old`` (or with another
    reason); ``old`` None: every acknowledgment of ``new`` (nothing to compare with)."""
    if new is None:
        return []
    out: list[Finding] = []
    listed, earlier = new.all_by_path(), old.all_by_path() if old is not None else {}
    for path in sorted(listed):
        for ack_id, reason in sorted(listed[path].items()):
            before = earlier.get(path, {}).get(ack_id) if old is not None else None
            if before is not None and before.strip() == reason.strip():
                continue
            what = ("added" if before is None else "changed its reason") if old is not None else \
                "present (no earlier assembly to compare with)"
            shown = reason.strip() or "(no reason: the gate ignores it and the finding stays open)"
            out.append(Finding(
                FindingType.SUGGESTION, ACKNOWLEDGMENT_ADDED,
                f"acknowledgment {ack_id} on {path} {what}: {shown}",
                origin=PolicyOrigin(construct_path=path), check=CHECK,
                details={"acknowledgmentId": ack_id, "constructPath": path, "reason": reason,
                         **({"previousReason": before} if before is not None else {})},
            ))
    return out


__all__ = [
    "ACKNOWLEDGMENT_ADDED",
    "ACKNOWLEDGMENT_APPLIES",
    "Changed",
    "added_acknowledgments",
    "applying_acknowledgments",
    "changed_targets",
    "read_acknowledgments",
]
