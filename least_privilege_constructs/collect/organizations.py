"""Organizations access reports: ``GenerateOrganizationsAccessReport`` / ``GetOrganizationsAccessReport``
(polled while ``JobStatus`` is ``IN_PROGRESS``, then every ``Marker`` page), run from the management account
or a delegated administrator (https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetOrganizationsAccessReport.html).
"""

from __future__ import annotations

from typing import Any

from least_privilege_constructs.collect.calls import Caller, CollectError
from least_privilege_constructs.collect.last_accessed import jsonable


def organizations_access_report(iam: Caller, entity_path: str) -> dict[str, Any]:
    """The complete report of one entity path (``o-.../r-...[/ou-...][/<account>]``) as bundle JSON."""
    job = iam("generate_organizations_access_report", EntityPath=entity_path)["JobId"]
    first = iam.poll("get_organizations_access_report", "JobStatus", lambda s: s != "IN_PROGRESS", JobId=job)
    if first.get("JobStatus") != "COMPLETED":
        error = first.get("ErrorDetails") or {}
        raise CollectError("GetOrganizationsAccessReport", "JOB_FAILED",
                           f"job {job} for {entity_path}: {first.get('JobStatus')}: "
                           f"{error.get('Code', '')} {error.get('Message', '')}".strip())
    details = list(first.get("AccessDetails", []))
    if first.get("IsTruncated") and first.get("Marker"):
        for page in iam.pages("get_organizations_access_report", "Marker", "Marker", truncated="IsTruncated",
                              JobId=job, Marker=first["Marker"]):
            details.extend(page.get("AccessDetails", []))
    out: dict[str, Any] = {"entityPath": entity_path, "JobStatus": "COMPLETED", "AccessDetails": details}
    if first.get("JobCompletionDate"):
        out["JobCompletionDate"] = first["JobCompletionDate"]
    return dict(jsonable(out))


def organization_entity_paths(orgs: Caller, include_accounts: bool = False) -> list[str]:
    """Entity paths of the root and every OU (and account, with ``include_accounts``), walking
    ``ListRoots`` / ``ListOrganizationalUnitsForParent`` / ``ListAccountsForParent``."""
    org_id = orgs("describe_organization")["Organization"]["Id"]
    out: list[str] = []

    def walk(parent: str, path: str) -> None:
        out.append(path)
        if include_accounts:
            for page in orgs.pages("list_accounts_for_parent", "NextToken", "NextToken", ParentId=parent):
                out.extend(f"{path}/{a['Id']}" for a in page.get("Accounts", []))
        children = [ou["Id"] for page in orgs.pages("list_organizational_units_for_parent", "NextToken", "NextToken",
                                                     ParentId=parent) for ou in page.get("OrganizationalUnits", [])]
        for child in children:  # every page of a parent first, then its children
            walk(child, f"{path}/{child}")

    for page in orgs.pages("list_roots", "NextToken", "NextToken"):
        for root in page.get("Roots", []):
            walk(root["Id"], f"{org_id}/{root['Id']}")
    return out
