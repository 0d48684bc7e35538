"""Per-action decisions from IAM last-accessed data: *unused-confirmed*, *used* or *undetermined*.

The rules (IAM User Guide, "Refine permissions in AWS using last accessed information",
https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_last-accessed.html, and "Viewing last
accessed information for IAM", action-level tracking:
https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_last-accessed-view-data.html):

* ``GetServiceLastAccessedDetails`` lists each service the role's policies allow. A service whose
  ``LastAuthenticated`` is absent (not accessed in the 400-day tracking period) or before the window
  was never authenticated in the window: every action of it is **unused-confirmed**.
* With ``ACTION_LEVEL`` details a used service lists its *tracked* actions
  (``TrackedActionsLastAccessed``: "actions that report activity to IAM"). A tracked action with a
  ``LastAccessedTime`` in the window is **used**; a tracked action without one (or before the window) is
  **unused-confirmed**.
* Everything else is **undetermined** and kept: a used service's action that IAM does not track, a
  service missing from the details (a source missing), ``SERVICE_LEVEL`` details of a used service, an
  action the catalog does not know.
* ``iam:PassRole`` is no API call of its own (IAM checks it when a role is passed to a service), so a
  service-level "never authenticated" says nothing about it: it is unused-confirmed only when the evidence
  names it as a tracked action with no access
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html).

Example::

    >>> from datetime import datetime, UTC
    >>> evidence = LastAccessed.from_api({"JobStatus": "COMPLETED", "JobType": "ACTION_LEVEL",
    ...     "ServicesLastAccessed": [
    ...         {"ServiceNamespace": "s3", "LastAuthenticated": "2026-11-30T10:00:00Z",
    ...          "TrackedActionsLastAccessed": [
    ...              {"ActionName": "GetObject", "LastAccessedTime": "2026-11-30T10:00:00Z"},
    ...              {"ActionName": "DeleteBucket"}]},
    ...         {"ServiceNamespace": "sqs"}]})
    >>> window_start = datetime(2026, 9, 1, tzinfo=UTC)
    >>> [str(evidence.decide(a, window_start).decision) for a in
    ...  ("s3:GetObject", "s3:DeleteBucket", "s3:PutObject", "sqs:SendMessage", "sns:Publish")]
    ['used', 'unused-confirmed', 'undetermined', 'unused-confirmed', 'undetermined']
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from least_privilege_constructs.analysis.refine.bundle import parse_time


class Decision(StrEnum):
    UNUSED_CONFIRMED = "unused-confirmed"
    USED = "used"
    UNDETERMINED = "undetermined"

    def __str__(self) -> str:
        return self.value


# reason codes (stable; in the JSON report)
USED = "USED_IN_WINDOW"
TRACKED_NOT_USED = "TRACKED_ACTION_NOT_USED"
SERVICE_NOT_AUTHENTICATED = "SERVICE_NOT_AUTHENTICATED"
NOT_TRACKED = "ACTION_NOT_TRACKED"
SERVICE_LEVEL_ONLY = "SERVICE_LEVEL_DETAILS_ONLY"
SERVICE_NOT_REPORTED = "SERVICE_NOT_IN_EVIDENCE"
NO_EVIDENCE = "NO_LAST_ACCESSED_EVIDENCE"
PASSROLE = "PASSROLE_NOT_NAMED_IN_EVIDENCE"
UNKNOWN_ACTION = "ACTION_NOT_IN_CATALOG"
ROLE_TOO_YOUNG = "ROLE_YOUNGER_THAN_MINIMUM_AGE"
GRACE_PERIOD = "POLICY_CHANGED_IN_GRACE_PERIOD"
CHANGE_DATE_UNKNOWN = "POLICY_CHANGE_DATE_UNKNOWN"
OPT_OUT = "STATEMENT_OPTED_OUT"
NOT_ACTION = "NOT_ACTION_STATEMENT"
NO_DOCUMENT = "POLICY_DOCUMENT_UNAVAILABLE"
SIZE_LIMIT = "REFINED_POLICY_OVER_SIZE_LIMIT"
VERIFY_FAILED = "REFINED_POLICY_NOT_PROVEN_SUBSET"


@dataclass(frozen=True)
class ActionDecision:
    action: str
    decision: Decision
    reason: str
    last_accessed: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"action": self.action, "decision": str(self.decision), "reason": self.reason}
        if self.last_accessed is not None:
            out["lastAccessed"] = self.last_accessed.isoformat()
        return out


@dataclass(frozen=True)
class _Service:
    last_authenticated: datetime | None
    tracked: dict[str, datetime | None]  # lower-case action name -> last access


@dataclass(frozen=True)
class LastAccessed:
    """One role's ``GetServiceLastAccessedDetails``, indexed by service namespace."""

    job_type: str
    services: dict[str, _Service]
    completed_at: datetime | None = None

    @classmethod
    def from_api(cls, details: dict[str, Any]) -> LastAccessed:
        services: dict[str, _Service] = {}
        for entry in details.get("ServicesLastAccessed", []):
            tracked: dict[str, datetime | None] = {}
            for action in entry.get("TrackedActionsLastAccessed") or ():
                when = action.get("LastAccessedTime")
                tracked[action["ActionName"].lower()] = parse_time(when) if when else None
            when = entry.get("LastAuthenticated")
            services[entry["ServiceNamespace"].lower()] = _Service(parse_time(when) if when else None, tracked)
        done = details.get("JobCompletionDate")
        return cls(details.get("JobType", "SERVICE_LEVEL"), services, parse_time(done) if done else None)

    def decide(self, action: str, window_start: datetime) -> ActionDecision:
        """The decision for one catalog action (``service:Name``)."""
        service, _, name = action.partition(":")
        entry = self.services.get(service.lower())
        if entry is None:
            return ActionDecision(action, Decision.UNDETERMINED, SERVICE_NOT_REPORTED)
        lower = name.lower()
        if lower in entry.tracked:
            when = entry.tracked[lower]
            if when is not None and when >= window_start:
                return ActionDecision(action, Decision.USED, USED, when)
            return ActionDecision(action, Decision.UNUSED_CONFIRMED, TRACKED_NOT_USED, when)
        if action.lower() == "iam:passrole":
            return ActionDecision(action, Decision.UNDETERMINED, PASSROLE)
        if entry.last_authenticated is None or entry.last_authenticated < window_start:
            return ActionDecision(action, Decision.UNUSED_CONFIRMED, SERVICE_NOT_AUTHENTICATED,
                                  entry.last_authenticated)
        if self.job_type != "ACTION_LEVEL":
            return ActionDecision(action, Decision.UNDETERMINED, SERVICE_LEVEL_ONLY, entry.last_authenticated)
        return ActionDecision(action, Decision.UNDETERMINED, NOT_TRACKED, entry.last_authenticated)

    def used_actions(self, window_start: datetime) -> list[str]:
        """The tracked actions used in the window, as ``service:ActionName`` (lower-case names)."""
        return sorted(f"{svc}:{name}" for svc, entry in self.services.items()
                      for name, when in entry.tracked.items() if when is not None and when >= window_start)
