"""The acknowledgments a change adds: every suppression it brings, listed in ``lpc diff`` for reviewers.

An acknowledgment (``Validations.of(construct).acknowledge(...)``, an ``aws:cdk:acknowledged-rules`` metadata
entry of the cloud assembly) turns a blocking finding of the gate, the boundary enforcement or the nag pack
into a reported, non-blocking one. The gate honours it; the reviewer must see it. Each acknowledgment of NEW
that OLD does not have (same construct path and id), or whose reason changed, is one non-blocking
``ACKNOWLEDGMENT_ADDED`` finding naming the id, the construct path and the reason. Without OLD's assembly
(``lpc diff --deployed``: deployed templates carry no acknowledgments) every acknowledgment of NEW is listed.

    >>> from least_privilege_constructs.analysis.acknowledgments import Acknowledgments
    >>> old = Acknowledgments({"/App/Role": {"P::B6": "SEC-1"}})
    >>> new = Acknowledgments({"/App/Role": {"P::B6": "SEC-1", "P::B7": "SEC-2"}})
    >>> [f.details["acknowledgmentId"] for f in added_acknowledgments(old, new)]
    ['P::B7']
"""

from __future__ import annotations

import os
from pathlib import Path

from least_privilege_constructs.analysis.acknowledgments import Acknowledgments
from least_privilege_constructs.analysis.findings import Finding, FindingType, PolicyOrigin

ACKNOWLEDGMENT_ADDED = "ACKNOWLEDGMENT_ADDED"
CHECK = "diff"


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
    for path in sorted(new.by_path):
        for ack_id, reason in sorted(new.by_path[path].items()):
            before = old.by_path.get(path, {}).get(ack_id) if old is not None else None
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


__all__ = ["ACKNOWLEDGMENT_ADDED", "added_acknowledgments", "read_acknowledgments"]
