"""Human-readable report: findings grouped by policy (construct path first), then a summary line.

Example output (``file:line:column`` where the policy is, and the line of each finding inside it)::

    App/AppRole/Resource  (App · AppRole · cdk.out/App.template.json:12:33: Resources.AppRole.Properties.Policies[0].PolicyDocument)
      ERROR             INVALID_ACTION  Statement[0].Action[0] (line 16)
          The action s3:GetObjekt does not exist.

    1 policy with findings, 12 policies checked: 1 ERROR, 0 SECURITY_WARNING, 0 WARNING, 0 SUGGESTION; 1 blocking
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from least_privilege_constructs.analysis.findings import DEFAULT_BLOCKING, Finding, FindingType, blocks
from least_privilege_constructs.analysis.report.grouping import group_findings, summary

if TYPE_CHECKING:
    from least_privilege_constructs.analysis.extract.model import ExtractedPolicy

_COLORS = {
    FindingType.ERROR: "\033[31m",
    FindingType.SECURITY_WARNING: "\033[35m",
    FindingType.WARNING: "\033[33m",
    FindingType.SUGGESTION: "\033[36m",
}
_RESET = "\033[0m"
_BOLD = "\033[1m"


def render_text(findings: Sequence[Finding], *, policies: Sequence[ExtractedPolicy] | None = None,
                blocking: Iterable[FindingType | str] = DEFAULT_BLOCKING, color: bool = False) -> str:
    """Render findings as text grouped by origin, with a summary line at the end."""
    blocking_set = frozenset(FindingType(str(b)) for b in blocking)
    lines: list[str] = []
    groups = group_findings(findings, policies)
    for group in groups:
        origin = group.origin
        position = None
        details: list[str] = []
        if origin is not None:
            position = origin.position()
            source = f"{origin.source}:{position.line}:{position.column}" if origin.source and position else origin.source
            where = ": ".join(d for d in (source, origin.json_path) if d)
            details = [d for d in (origin.stack, origin.logical_id, where) if d]
        header = group.label + (f"  ({' · '.join(details)})" if details and details != [group.label] else "")
        lines.append(f"{_BOLD}{header}{_RESET}" if color else header)
        for f in group.findings:
            ftype = f.finding_type.value
            marker = "" if blocks(f, blocking_set) else " (non-blocking)"
            label = f"{_COLORS[f.finding_type]}{ftype:<16}{_RESET}" if color else f"{ftype:<16}"
            where = ", ".join(f.location_strings())
            at = origin.position(f.locations[0]) if origin is not None and f.locations else None
            if at is not None and at != position:
                where += f" (line {at.line})"
            lines.append(f"  {label}  {f.issue_code}{marker}" + (f"  {where}" if where else ""))
            lines.append(f"      {f.message}")
        lines.append("")
    counts = summary(findings, blocking_set, len(policies) if policies is not None else None)
    by_type = ", ".join(f"{n} {t}" for t, n in counts["byType"].items())
    checked = f", {counts['policiesChecked']} policies checked" if "policiesChecked" in counts else ""
    if not findings:
        lines.append(f"No findings{checked.replace(', ', ' in ', 1) if checked else ''}.")
    else:
        lines.append(f"{len(groups)} {'policy' if len(groups) == 1 else 'policies'} with findings{checked}: "
                     f"{by_type}; {counts['blocking']} blocking")
    return "\n".join(lines) + "\n"
