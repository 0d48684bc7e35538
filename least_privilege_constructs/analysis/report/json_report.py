"""JSON report in cfn-policy-validator's shape (``BlockingFindings`` / ``NonBlockingFindings``) plus
this project's fields (issue code, check, locations, origin) and a summary.

Each finding::

    {"findingType": "ERROR", "code": "INVALID_ACTION", "issueCode": "INVALID_ACTION",
     "message": "...", "resourceName": "AppRole", "policyName": "inline-logs", "check": "validate-policy",
     "locations": ["Statement[0].Action[0]"], "origin": {...}, "details": {...}}

``details`` of a validate-policy finding is the raw Access Analyzer finding, as cfn-policy-validator
prints it: ``{"findingDetails", "findingType", "issueCode", "learnMoreLink", "locations": [{"path",
"span"}]}``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from least_privilege_constructs.analysis.findings import (
    DEFAULT_BLOCKING,
    Finding,
    FindingType,
    blocks,
    sort_findings,
)
from least_privilege_constructs.analysis.report.grouping import summary

if TYPE_CHECKING:
    from least_privilege_constructs.analysis.extract.model import ExtractedPolicy


def finding_to_report_dict(finding: Finding) -> dict[str, Any]:
    origin = finding.origin
    out: dict[str, Any] = {
        "findingType": finding.finding_type.value,
        "code": finding.issue_code,
        "issueCode": finding.issue_code,
        "message": finding.message,
        "resourceName": origin.logical_id if origin else None,
        "policyName": origin.policy_name if origin else None,
        "check": finding.check,
        "locations": finding.location_strings(),
    }
    if origin is not None:
        out["origin"] = origin.to_dict()
    if finding.check == "validate-policy":
        # cfn-policy-validator's details: the raw ValidatePolicy finding (findingDetails, findingType,
        # issueCode, learnMoreLink, locations with path and span)
        out["details"] = finding.to_access_analyzer()
    elif finding.details:
        out["details"] = finding.details
    return out


def report_dict(findings: Sequence[Finding], *, policies: Sequence[ExtractedPolicy] | None = None,
                blocking: Iterable[FindingType | str] = DEFAULT_BLOCKING) -> dict[str, Any]:
    blocking_set = frozenset(FindingType(str(b)) for b in blocking)
    ordered = sort_findings(findings)
    return {
        "BlockingFindings": [finding_to_report_dict(f) for f in ordered if blocks(f, blocking_set)],
        "NonBlockingFindings": [finding_to_report_dict(f) for f in ordered if not blocks(f, blocking_set)],
        "summary": summary(ordered, blocking_set, len(policies) if policies is not None else None),
    }


def render_json(findings: Sequence[Finding], *, policies: Sequence[ExtractedPolicy] | None = None,
                blocking: Iterable[FindingType | str] = DEFAULT_BLOCKING) -> str:
    return json.dumps(report_dict(findings, policies=policies, blocking=blocking), indent=2, default=str) + "\n"
