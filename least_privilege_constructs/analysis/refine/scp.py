"""SCPs of unused services: deny, per OU or account, the services nobody there used in the window.

Evidence: the Organizations access report of the entity (``GetOrganizationsAccessReport``: one entry per
service the SCPs allow, ``LastAuthenticatedTime`` absent when no principal of the entity used it in the
tracking period; https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_last-accessed-view-data-orgs.html).
A service is denied only when the report lists it and it was not authenticated in the window; a service
the report does not list is left alone (no evidence), as are the allow-list and :data:`AWS_NEEDED_SERVICES`.

Packing: the ``Deny`` statement lists ``service:*`` actions; the documents are packed (minified) under
the SCP size limit of 5,120 characters and split across SCPs, at most ``max_policies`` per target (a
target may have 5 SCPs attached, one of which is usually ``FullAWSAccess``): more is ``LPC-REFINE-004``
(AWS Organizations quotas:
https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html). Each document is
checked with the offline validator as ``SERVICE_CONTROL_POLICY`` (``LPC-REFINE-005`` if it has a blocking
finding).

Example::

    >>> report = {"entityPath": "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111", "JobStatus": "COMPLETED",
    ...           "AccessDetails": [{"ServiceNamespace": "s3", "LastAuthenticatedTime": "2026-11-20T00:00:00Z"},
    ...                             {"ServiceNamespace": "gamelift"}, {"ServiceNamespace": "sts"}]}
    >>> [scp] = unused_service_scps([report], ScpOptions(now="2026-12-01T00:00:00Z"))
    >>> scp.target_id, scp.denied, scp.kept["sts"]
    ('ou-ab12-11111111', ['gamelift'], 'needed by AWS: role assumption and federation (every session)')
    >>> scp.policies[0]["Statement"][0]["Action"]
    'gamelift:*'
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from least_privilege_constructs.analysis.catalog import get_catalog
from least_privilege_constructs.analysis.refine.bundle import parse_time
from least_privilege_constructs.analysis.refine.errors import RefineError

SCP_MAX_CHARS = 5_120
"""AWS Organizations: the largest SCP document, in characters."""
SCPS_PER_TARGET = 5
"""AWS Organizations: SCPs attached to a root, OU or account (including ``FullAWSAccess``)."""

AWS_NEEDED_SERVICES: dict[str, str] = {
    "sts": "role assumption and federation (every session)",
    "iam": "identity management and service-linked roles",
    "signin": "console sign-in",
    "organizations": "organization management and the access reports themselves",
    "account": "account settings and contacts",
    "sso": "IAM Identity Center sign-in",
    "identitystore": "IAM Identity Center users and groups",
    "support": "AWS Support cases",
    "health": "AWS Health events",
    "trustedadvisor": "Trusted Advisor checks",
    "cloudtrail": "the organization trail",
    "config": "AWS Config recorders and rules",
    "access-analyzer": "IAM Access Analyzer (unused-access findings)",
    "guardduty": "GuardDuty, often delegated and organization-wide",
    "securityhub": "Security Hub, often delegated and organization-wide",
    "kms": "used by other services on the caller's behalf (forward access sessions, "
           "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_forward_access_sessions.html)",
    "aws-portal": "billing console", "billing": "billing console", "ce": "Cost Explorer",
    "budgets": "AWS Budgets", "tag": "Tag Editor and tag policies",
}
"""Services never denied: AWS needs them whether or not the access report shows use (reason per service)."""


@dataclass(frozen=True)
class ScpOptions:
    window_days: int = 90
    max_evidence_age_days: int = 7
    allow_services: Sequence[str] = ()
    """Services never to deny, besides :data:`AWS_NEEDED_SERVICES`."""
    exempt_principal_arns: Sequence[str] = ()
    """Principals the Deny does not apply to (``ArnNotLike aws:PrincipalARN``), e.g. a break-glass role."""
    max_policies: int = SCPS_PER_TARGET - 1
    name_prefix: str = "lpc-deny-unused-services"
    now: datetime | str | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.max_policies <= SCPS_PER_TARGET:
            raise RefineError("LPC-REFINE-006", "max_policies", f"{self.max_policies} is not 1-{SCPS_PER_TARGET}")
        for service in self.allow_services:
            if not get_catalog().service_exists(service):
                raise RefineError("LPC-REFINE-006", "allow_services", f"{service!r} is no IAM service prefix")


@dataclass
class ScpResult:
    entity_path: str
    denied: list[str]
    kept: dict[str, str]
    """Services not denied, and why (used, allow-listed, needed by AWS, unknown to the catalog)."""
    policies: list[dict[str, Any]] = field(default_factory=list)

    @property
    def target_id(self) -> str:
        return self.entity_path.rsplit("/", 1)[-1]

    def names(self, prefix: str) -> list[str]:
        n = len(self.policies)
        return [f"{prefix}-{self.target_id}" + (f"-{i + 1}" if n > 1 else "") for i in range(n)]

    def to_dict(self, prefix: str = ScpOptions.name_prefix) -> dict[str, Any]:
        return {"entityPath": self.entity_path, "targetId": self.target_id, "denied": self.denied,
                "kept": self.kept,
                "policies": [{"name": n, "characters": minified_length(p), "content": p}
                             for n, p in zip(self.names(prefix), self.policies)]}


def minified_length(document: Any) -> int:
    return len(json.dumps(document, separators=(",", ":")))


def _document(actions: list[str], sid: str, exempt: Sequence[str]) -> dict[str, Any]:
    stmt: dict[str, Any] = {"Sid": sid, "Effect": "Deny", "Action": actions[0] if len(actions) == 1 else actions,
                            "Resource": "*"}
    if exempt:
        stmt["Condition"] = {"ArnNotLike": {"aws:PrincipalARN": list(exempt)}}
    return {"Version": "2012-10-17", "Statement": [stmt]}


def pack(services: Iterable[str], where: str, *, exempt: Sequence[str] = (), max_policies: int = 4,
         limit: int = SCP_MAX_CHARS) -> list[dict[str, Any]]:
    """Deny documents for ``services`` (``service:*`` each), each at most ``limit`` characters minified."""
    docs: list[list[str]] = []
    current: list[str] = []
    for service in sorted(set(services)):
        action = f"{service}:*"
        sid = f"DenyUnusedServices{len(docs) + 1}"
        if current and minified_length(_document([*current, action], sid, exempt)) > limit:
            docs.append(current)
            current = []
        if minified_length(_document([action], sid, exempt)) > limit:
            raise RefineError("LPC-REFINE-004", where, "one service does not fit an SCP (too many exempt principals)")
        current.append(action)
    if current:
        docs.append(current)
    if len(docs) > max_policies:
        raise RefineError("LPC-REFINE-004", where,
                          f"denying {sum(map(len, docs))} services takes {len(docs)} SCPs, more than the "
                          f"{max_policies} this target may have; allow-list services or split the target")
    return [_document(actions, f"DenyUnusedServices{i + 1}", exempt) for i, actions in enumerate(docs)]


def validate_scp(document: dict[str, Any], where: str) -> None:
    """Raise ``LPC-REFINE-005`` when the offline validator has a blocking finding on the SCP."""
    from least_privilege_constructs.analysis.validate import validate_policy

    blocking = [f for f in validate_policy(document, "SERVICE_CONTROL_POLICY") if f.is_blocking()]
    if blocking:
        detail = "; ".join(f"{f.issue_code} at {', '.join(f.location_strings())}" for f in blocking)
        raise RefineError("LPC-REFINE-005", where, detail)
    if minified_length(document) > SCP_MAX_CHARS:
        raise RefineError("LPC-REFINE-005", where, f"{minified_length(document)} characters > {SCP_MAX_CHARS}")


def unused_service_scps(reports: Iterable[dict[str, Any]], options: ScpOptions | None = None) -> list[ScpResult]:
    """One :class:`ScpResult` per Organizations access report (bundle ``organizationsAccessReports``)."""
    options = options or ScpOptions()
    now = parse_time(options.now) if options.now is not None else datetime.now(UTC)
    window_start = now - timedelta(days=options.window_days)
    catalog = get_catalog()
    allowed = {s.lower() for s in options.allow_services}
    results: list[ScpResult] = []
    for report in reports:
        where = report["entityPath"]
        done = report.get("JobCompletionDate")
        if done and parse_time(done) < now - timedelta(days=options.max_evidence_age_days):
            raise RefineError("LPC-REFINE-002", where, f"the access report completed {done}, more than "
                              f"{options.max_evidence_age_days} days ago; collect again")
        last: dict[str, datetime | None] = {}
        for entry in report["AccessDetails"]:
            service = entry["ServiceNamespace"].lower()
            when = entry.get("LastAuthenticatedTime")
            seen = parse_time(when) if when else None
            if service not in last or (seen is not None and (last[service] is None or seen > last[service])):  # type: ignore[operator]
                last[service] = seen
        denied: list[str] = []
        kept: dict[str, str] = {}
        for service, seen in sorted(last.items()):
            if seen is not None and seen >= window_start:
                kept[service] = f"used {seen.date().isoformat()}"
            elif service in AWS_NEEDED_SERVICES:
                kept[service] = f"needed by AWS: {AWS_NEEDED_SERVICES[service]}"
            elif service in allowed:
                kept[service] = "allow-listed"
            elif not catalog.service_exists(service):
                kept[service] = "not in the IAM catalog (cannot be named in an SCP safely)"
            else:
                denied.append(service)
        result = ScpResult(where, denied, kept)
        if denied:
            result.policies = pack(denied, where, exempt=options.exempt_principal_arns,
                                   max_policies=options.max_policies)
            for i, doc in enumerate(result.policies):
                validate_scp(doc, f"{where} SCP {i + 1}")
        results.append(result)
    return results
