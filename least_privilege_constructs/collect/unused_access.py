"""IAM Access Analyzer unused-access findings and their recommendations.

``ListFindingsV2`` (filter ``findingType`` in the four unused types and ``status`` ACTIVE, every
``nextToken`` page), ``GetFindingV2`` for each (its ``findingDetails`` pages), and for ``UnusedPermission``
``GenerateFindingRecommendation`` then ``GetFindingRecommendation`` polled while ``IN_PROGRESS``
(``recommendedSteps[].unusedPermissionsRecommendedStep.recommendedPolicy``;
https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_GetFindingRecommendation.html).
A finding that disappears between the list and the get (``ResourceNotFoundException``) is reported, not a
crash.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from least_privilege_constructs.collect.calls import Caller, CollectError
from least_privilege_constructs.collect.last_accessed import jsonable

UNUSED_FINDING_TYPES = ("UnusedIAMRole", "UnusedIAMUserAccessKey", "UnusedIAMUserPassword", "UnusedPermission")


def list_unused_findings(aa: Caller, analyzer_arn: str, account: str | None = None) -> list[dict[str, Any]]:
    """Summaries of the active unused-access findings (of ``account`` when given)."""
    criteria: dict[str, Any] = {"findingType": {"eq": list(UNUSED_FINDING_TYPES)}, "status": {"eq": ["ACTIVE"]}}
    if account:
        criteria["resourceOwnerAccount"] = {"eq": [account]}
    return [f for page in aa.pages("list_findings_v2", "nextToken", "nextToken", analyzerArn=analyzer_arn,
                                   filter=criteria) for f in page.get("findings", [])]


def get_finding(aa: Caller, analyzer_arn: str, finding_id: str) -> dict[str, Any]:
    """``GetFindingV2`` with every page of ``findingDetails``."""
    details: list[Any] = []
    first: dict[str, Any] | None = None
    for page in aa.pages("get_finding_v2", "nextToken", "nextToken", analyzerArn=analyzer_arn, id=finding_id):
        first = first or page
        details.extend(page.get("findingDetails", []))
    assert first is not None
    out = {k: v for k, v in first.items() if k not in ("nextToken", "findingDetails")}
    out["findingDetails"] = details
    return dict(jsonable(out))


def recommendation(aa: Caller, analyzer_arn: str, finding_id: str) -> dict[str, Any]:
    """Generate and read the finding's recommendation (every page of ``recommendedSteps``)."""
    aa("generate_finding_recommendation", analyzerArn=analyzer_arn, id=finding_id)
    first = aa.poll("get_finding_recommendation", "status", lambda s: s != "IN_PROGRESS",
                    analyzerArn=analyzer_arn, id=finding_id)
    if first.get("status") != "SUCCEEDED":
        error = first.get("error") or {}
        raise CollectError("GetFindingRecommendation", "JOB_FAILED",
                           f"{finding_id}: {first.get('status')}: {error.get('code', '')} {error.get('message', '')}"
                           .strip())
    steps = list(first.get("recommendedSteps", []))
    token = first.get("nextToken")
    if token:
        for page in aa.pages("get_finding_recommendation", "nextToken", "nextToken", analyzerArn=analyzer_arn,
                             id=finding_id, nextToken=token):
            steps.extend(page.get("recommendedSteps", []))
    out = {k: v for k, v in first.items() if k != "nextToken"}
    out["recommendedSteps"] = steps
    return dict(jsonable(out))


def unused_access_findings(aa: Caller, analyzer_arn: str, account: str | None = None, *,
                           recommendations: bool = True,
                           on_error: Callable[[CollectError, str], None] | None = None) -> list[dict[str, Any]]:
    """Bundle ``unusedAccessFindings``: every active unused finding, with recommendations for
    ``UnusedPermission``. A finding gone between list and get, or a failed recommendation, is passed to
    ``on_error`` (and skipped, or kept without a recommendation) instead of raising."""
    out: list[dict[str, Any]] = []
    for summary in list_unused_findings(aa, analyzer_arn, account):
        try:
            finding = get_finding(aa, analyzer_arn, summary["id"])
        except CollectError as exc:
            if not exc.not_found or on_error is None:
                raise
            on_error(exc, summary["id"])
            continue
        if recommendations and finding.get("findingType") == "UnusedPermission":
            try:
                finding["recommendation"] = recommendation(aa, analyzer_arn, summary["id"])
            except CollectError as exc:
                if on_error is None:
                    raise
                on_error(exc, summary["id"])
        out.append(finding)
    return out
