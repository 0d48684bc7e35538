"""Unused identities: roles, access keys and console passwords not used in the window.

Sources, each named in the result: the credential report (IAM User Guide, "Getting credential reports":
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html; ``N/A`` means never
used, ``no_information`` that IAM has no data), each role's ``RoleLastUsed`` and IAM Access Analyzer's
unused-access findings (``UnusedIAMRole``, ``UnusedIAMUserAccessKey``, ``UnusedIAMUserPassword``;
https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-findings-view.html). An identity created
(or a key rotated) within the window is not reported: it has not been observable for a whole window.

Example::

    >>> account = {"accountId": "111122223333", "roles": [], "credentialReport": {
    ...     "generatedAt": "2026-12-01T00:00:00Z", "rows": [{
    ...         "user": "ci", "arn": "arn:aws:iam::111122223333:user/ci", "user_creation_time": "2024-01-01T00:00:00+00:00",
    ...         "password_enabled": "false", "password_last_used": "N/A",
    ...         "access_key_1_active": "true", "access_key_1_last_rotated": "2024-01-01T00:00:00+00:00",
    ...         "access_key_1_last_used_date": "N/A", "access_key_2_active": "false"}]}}
    >>> [(u["kind"], u["identity"], u["source"]) for u in unused_identities(
    ...     {"accounts": [account]}, window_days=90, now="2026-12-02T00:00:00Z")]
    [('access-key', 'arn:aws:iam::111122223333:user/ci#access_key_1', 'credential-report')]
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from least_privilege_constructs.analysis.refine.bundle import parse_time

_NEVER = {"N/A", "not_supported", ""}
_FINDING_KINDS = {"UnusedIAMRole": "role", "UnusedIAMUserAccessKey": "access-key",
                  "UnusedIAMUserPassword": "password"}


def _when(value: str | None) -> datetime | str | None:
    """A credential report date: a datetime, None for never, ``"unknown"`` for ``no_information``."""
    if value is None or value in _NEVER:
        return None
    if value == "no_information":
        return "unknown"
    return parse_time(value)


def _older(value: datetime | str | None, start: datetime) -> bool:
    return value is None or (isinstance(value, datetime) and value < start)


def unused_identities(bundle: dict[str, Any], *, window_days: int = 90,
                      now: datetime | str | None = None) -> list[dict[str, Any]]:
    """Every identity not used in the window, with its kind, source and last use."""
    current = parse_time(now) if now is not None else datetime.now(UTC)
    start = current - timedelta(days=window_days)
    out: list[dict[str, Any]] = []
    for account in bundle.get("accounts", []):
        acct = account["accountId"]
        for role in account.get("roles", []):
            last = role.get("roleLastUsed")
            if parse_time(role["createDate"]) < start and (last is None or parse_time(last) < start):
                out.append({"account": acct, "kind": "role", "identity": role["arn"], "source": "RoleLastUsed",
                            "lastUsed": last})
        for row in (account.get("credentialReport") or {}).get("rows", []):
            created = _when(row.get("user_creation_time"))
            if not isinstance(created, datetime) or created >= start or row.get("user") == "<root_account>":
                continue
            arn = row.get("arn", row.get("user", "?"))
            if row.get("password_enabled") == "true" and _older(_when(row.get("password_last_used")), start):
                out.append({"account": acct, "kind": "password", "identity": arn, "source": "credential-report",
                            "lastUsed": row.get("password_last_used")})
            for n in ("1", "2"):
                if row.get(f"access_key_{n}_active") != "true":
                    continue
                rotated = _when(row.get(f"access_key_{n}_last_rotated"))
                if isinstance(rotated, datetime) and rotated >= start:
                    continue
                used = _when(row.get(f"access_key_{n}_last_used_date"))
                if _older(used, start):
                    out.append({"account": acct, "kind": "access-key", "identity": f"{arn}#access_key_{n}",
                                "source": "credential-report", "lastUsed": row.get(f"access_key_{n}_last_used_date")})
        for finding in account.get("unusedAccessFindings", []):
            kind = _FINDING_KINDS.get(finding["findingType"])
            if kind is None or finding["status"] != "ACTIVE":
                continue
            out.append({"account": acct, "kind": kind, "identity": finding["resource"],
                        "source": f"access-analyzer:{finding['findingType']}", "findingId": finding["id"],
                        "details": finding.get("findingDetails", [])})
    return out


def unused_permission_findings(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    """Access Analyzer's active ``UnusedPermission`` findings, with the recommended policies when generated
    (reported beside the refined policies, for comparison)."""
    out = []
    for account in bundle.get("accounts", []):
        for finding in account.get("unusedAccessFindings", []):
            if finding["findingType"] == "UnusedPermission" and finding["status"] == "ACTIVE":
                out.append({"account": account["accountId"], "resource": finding["resource"],
                            "findingId": finding["id"], "details": finding.get("findingDetails", []),
                            "recommendation": finding.get("recommendation")})
    return out
