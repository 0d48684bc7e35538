"""When a role's permissions last changed, from CloudTrail event history, for the refine grace period.

IAM gives no modification date for inline policies, and a managed policy's ``UpdateDate`` says nothing
about when it was *attached* to a role. CloudTrail's event history keeps 90 days of management events
(``LookupEvents``; https://docs.aws.amazon.com/awscloudtrail/latest/userguide/view-cloudtrail-events.html);
IAM is a global service whose events are recorded in ``us-east-1`` (``aws`` partition). So, for each
``PutRolePolicy`` and ``AttachRolePolicy`` event in the lookback, the role's policy changed then; a policy
with no event changed before the lookback started, and that start is a safe (later-than-real) change date.
When the lookup fails, no date is given and refine keeps the policies whole (fail closed).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from least_privilege_constructs.collect.calls import Caller

LOOKBACK_DAYS = 90
EVENTS = ("PutRolePolicy", "AttachRolePolicy")


class PolicyChanges:
    """Latest change per ``(role name, inline policy name or managed policy ARN)`` since ``since``."""

    def __init__(self, since: datetime, changes: dict[tuple[str, str], datetime]) -> None:
        self.since = since
        self.changes = changes

    def changed_at(self, role_name: str, policy: str) -> datetime:
        """The latest change in the lookback, else the lookback's start (the change was before it)."""
        return self.changes.get((role_name, policy), self.since)


def policy_changes(cloudtrail: Caller, now: datetime | None = None, days: int = LOOKBACK_DAYS) -> PolicyChanges:
    """Read ``PutRolePolicy`` and ``AttachRolePolicy`` events of the last ``days`` (every ``NextToken`` page)."""
    end = now or datetime.now(UTC)
    start = end - timedelta(days=days)
    changes: dict[tuple[str, str], datetime] = {}
    for name in EVENTS:
        for page in cloudtrail.pages("lookup_events", "NextToken", "NextToken", StartTime=start, EndTime=end,
                                     LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": name}]):
            for event in page.get("Events", []):
                try:
                    record: dict[str, Any] = json.loads(event.get("CloudTrailEvent") or "{}")
                except ValueError:
                    continue
                if record.get("errorCode"):
                    continue  # a failed call changed nothing
                params = record.get("requestParameters") or {}
                role = params.get("roleName")
                policy = params.get("policyName") if name == "PutRolePolicy" else params.get("policyArn")
                when = event.get("EventTime")
                if not role or not policy or not isinstance(when, datetime):
                    continue
                when = when if when.tzinfo else when.replace(tzinfo=UTC)
                key = (str(role), str(policy))
                if key not in changes or when > changes[key]:
                    changes[key] = when
    return PolicyChanges(start, changes)
