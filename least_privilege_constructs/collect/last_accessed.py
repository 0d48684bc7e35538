"""Roles, their policies and their IAM last-accessed details.

* ``GenerateServiceLastAccessedDetails`` (``Granularity`` ``ACTION_LEVEL`` or ``SERVICE_LEVEL``) starts a
  job; ``GetServiceLastAccessedDetails`` is polled while ``JobStatus`` is ``IN_PROGRESS``, then read page by
  page (``Marker``/``IsTruncated``); ``FAILED`` is an error naming the job's ``Error``
  (https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetServiceLastAccessedDetails.html).
* ``ListRoles``, ``GetRole`` (``RoleLastUsed``, the trust policy), ``ListRolePolicies`` +
  ``GetRolePolicy`` (inline), ``ListAttachedRolePolicies`` + ``GetPolicy`` + ``GetPolicyVersion``
  (managed: customer managed documents go with the role, AWS managed ones to the bundle's
  ``managedPolicies``).

A role deleted between ``ListRoles`` and the reads of it (``NoSuchEntity``) is reported, not a crash.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from urllib.parse import unquote

from least_privilege_constructs.analysis.iam.arn import Arn, account_of
from least_privilege_constructs.analysis.refine.bundle import iso
from least_privilege_constructs.collect.calls import Caller, CollectError
from least_privilege_constructs.collect.policy_changes import PolicyChanges


def jsonable(value: Any) -> Any:
    """An API response as bundle JSON (datetimes as ISO 8601 text, ``ResponseMetadata`` dropped)."""
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    return value


def policy_document(value: Any) -> dict[str, Any]:
    """A policy document as IAM returns it: boto3 decodes it to a dict; the raw API gives URL-encoded JSON."""
    if isinstance(value, dict):
        return value
    text = unquote(str(value))
    return dict(json.loads(text))


def list_roles(iam: Caller, path_prefix: str = "/") -> list[dict[str, Any]]:
    return [role for page in iam.pages("list_roles", "Marker", "Marker", truncated="IsTruncated",
                                       PathPrefix=path_prefix) for role in page.get("Roles", [])]


def _trusts_other_accounts(trust: dict[str, Any], account: str | None) -> bool:
    for stmt in trust.get("Statement", []) if isinstance(trust.get("Statement"), list) else [trust.get("Statement")]:
        if not isinstance(stmt, dict) or stmt.get("Effect") != "Allow":
            continue
        principal = stmt.get("Principal")
        values: list[Any] = []
        if principal == "*":
            return True
        if isinstance(principal, dict):
            aws = principal.get("AWS", [])
            values = aws if isinstance(aws, list) else [aws]
        for value in values:
            text = str(value)
            other = account_of(text) if text.startswith("arn:") else (text if text.isdigit() else None)
            if text == "*" or (other is not None and other != account):
                return True
    return False


def role_policies(iam: Caller, role_name: str, managed: dict[str, Any],
                  changes: PolicyChanges | None = None) -> list[dict[str, Any]]:
    """The role's inline and attached policies (bundle ``policies``); AWS managed documents go to ``managed``.

    ``modifiedAt`` (for the grace period) comes from ``changes`` (CloudTrail): for an inline policy its last
    ``PutRolePolicy``, for a managed one the later of its last attachment and its ``UpdateDate``. Without
    ``changes`` it is left out and refine keeps the policy whole."""
    policies: list[dict[str, Any]] = []
    for page in iam.pages("list_role_policies", "Marker", "Marker", truncated="IsTruncated", RoleName=role_name):
        for name in page.get("PolicyNames", []):
            doc = iam("get_role_policy", RoleName=role_name, PolicyName=name)["PolicyDocument"]
            entry: dict[str, Any] = {"kind": "inline", "name": name, "document": policy_document(doc)}
            if changes is not None:  # IAM itself gives no modification date for inline policies
                entry["modifiedAt"] = iso(changes.changed_at(role_name, name))
            policies.append(entry)
    for page in iam.pages("list_attached_role_policies", "Marker", "Marker", truncated="IsTruncated",
                          RoleName=role_name):
        for attached in page.get("AttachedPolicies", []):
            arn = attached["PolicyArn"]
            parsed = Arn.parse(arn)
            aws_managed = parsed is not None and parsed.account == "aws"  # arn:aws:iam::aws:policy/...
            meta = iam("get_policy", PolicyArn=arn)["Policy"]
            entry = {"kind": "aws-managed" if aws_managed else "customer-managed",
                     "name": attached["PolicyName"], "arn": arn}
            if changes is not None:  # attached when, and the default version changed when
                dates = [changes.changed_at(role_name, arn)]
                if isinstance(meta.get("UpdateDate"), datetime):
                    dates.append(meta["UpdateDate"])
                entry["modifiedAt"] = iso(max(dates))
            if not aws_managed or arn not in managed:
                version = iam("get_policy_version", PolicyArn=arn, VersionId=meta["DefaultVersionId"])["PolicyVersion"]
                document = policy_document(version["Document"])
                if aws_managed:
                    managed[arn] = {"versionId": meta["DefaultVersionId"], "document": document}
                else:
                    entry["document"] = document
            policies.append(entry)
    return policies


def last_accessed_details(iam: Caller, arn: str, granularity: str = "ACTION_LEVEL") -> dict[str, Any]:
    """The entity's complete ``GetServiceLastAccessedDetails`` (every page), as bundle JSON."""
    job = iam("generate_service_last_accessed_details", Arn=arn, Granularity=granularity)["JobId"]
    first = iam.poll("get_service_last_accessed_details", "JobStatus", lambda s: s != "IN_PROGRESS", JobId=job)
    if first.get("JobStatus") != "COMPLETED":
        error = first.get("Error") or {}
        raise CollectError("GetServiceLastAccessedDetails", "JOB_FAILED",
                           f"job {job} for {arn}: {first.get('JobStatus')}: "
                           f"{error.get('Code', '')} {error.get('Message', '')}".strip())
    services = list(first.get("ServicesLastAccessed", []))
    marker = first.get("Marker") if first.get("IsTruncated") else None
    if marker:
        for page in iam.pages("get_service_last_accessed_details", "Marker", "Marker", truncated="IsTruncated",
                              JobId=job, Marker=marker):
            services.extend(page.get("ServicesLastAccessed", []))
    out = {"JobStatus": "COMPLETED", "JobType": first.get("JobType", granularity),
           "ServicesLastAccessed": services}
    if first.get("JobCompletionDate"):
        out["JobCompletionDate"] = first["JobCompletionDate"]
    return dict(jsonable(out))


def collect_role(iam: Caller, role: dict[str, Any], account: str, managed: dict[str, Any],
                 granularity: str = "ACTION_LEVEL", changes: PolicyChanges | None = None) -> dict[str, Any]:
    """One bundle role. Raises :class:`CollectError` (``not_found`` when the role was deleted meanwhile)."""
    name = role["RoleName"]
    full = iam("get_role", RoleName=name)["Role"]
    trust = full.get("AssumeRolePolicyDocument")
    out: dict[str, Any] = {"arn": full["Arn"], "createDate": iso(full["CreateDate"]),
                           "trustsOtherAccounts": _trusts_other_accounts(policy_document(trust), account)
                           if trust else False,
                           "policies": role_policies(iam, name, managed, changes)}
    last_used = (full.get("RoleLastUsed") or {}).get("LastUsedDate")
    if last_used:
        out["roleLastUsed"] = iso(last_used)
    out["lastAccessed"] = last_accessed_details(iam, full["Arn"], granularity)
    return out
