"""One evidence bundle for an account or an organization.

Example (in the delegated administrator account, reading three member accounts through a read-only role
named ``lpc-evidence-reader`` in each)::

    import boto3
    from least_privilege_constructs.collect.collector import CollectOptions, collect

    bundle = collect(boto3.Session(), CollectOptions(
        accounts=["111111111111", "222222222222", "333333333333"], role_name="lpc-evidence-reader",
        analyzer_arn="arn:aws:access-analyzer:eu-west-1:999999999999:analyzer/org-unused",
        organizations_reports=True))

Failures that concern one entity (a role deleted meanwhile, a failed job, an account whose role cannot be
assumed) are written to the bundle's ``errors`` with their code, and the collection goes on; ``lpc refine``
then treats what is missing as undetermined.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from least_privilege_constructs.analysis.iam.arn import Arn
from least_privilege_constructs.analysis.refine.bundle import merge_bundles, new_bundle
from least_privilege_constructs.collect.calls import Caller, CollectError, assume_role_session, client_config
from least_privilege_constructs.collect.credential_report import credential_report
from least_privilege_constructs.collect.last_accessed import collect_role, list_roles
from least_privilege_constructs.collect.organizations import (
    organization_entity_paths,
    organizations_access_report,
)
from least_privilege_constructs.collect.policy_changes import PolicyChanges, policy_changes
from least_privilege_constructs.collect.unused_access import unused_access_findings

Progress = Callable[[int, int, str], None]


@dataclass
class CollectOptions:
    accounts: Sequence[str] = ()
    """Accounts to read through ``role_name``; empty: the session's own account only."""
    role_name: str | None = None
    external_id: str | None = None
    path_prefix: str = "/"
    granularity: str = "ACTION_LEVEL"
    credential_report: bool = True
    analyzer_arn: str | None = None
    recommendations: bool = True
    organizations_reports: bool = False
    """Read an access report for the root and every OU (from the management or delegated admin account)."""
    account_reports: bool = False
    """With ``organizations_reports``: also one report per account (SCPs per account, not only per OU)."""
    entity_paths: Sequence[str] = ()
    production_accounts: Sequence[str] = field(default_factory=tuple)
    policy_changes: bool = True
    """Date each role policy's last change from CloudTrail event history (for the grace period)."""
    cloudtrail_region: str = "us-east-1"
    """Where IAM's (global) events are recorded: us-east-1 in the aws partition."""
    max_attempts: int = 5


def _error(target: list[dict[str, Any]], exc: CollectError, account: str | None = None,
           entity: str | None = None) -> None:
    item = {"code": exc.code, "message": str(exc)}
    if account:
        item["account"] = account
    if entity:
        item["entity"] = entity
    target.append(item)


def _analyzer_region(analyzer_arn: str) -> str:
    """The region of an unused-access analyzer ARN (``arn:aws:access-analyzer:REGION:ACCOUNT:analyzer/NAME``)."""
    parsed = Arn.parse(analyzer_arn)
    if parsed is None or parsed.service != "access-analyzer" or not parsed.region:
        raise ValueError(f"{analyzer_arn!r} is not an access-analyzer ARN with a region")
    return parsed.region


def collect_account(session: Any, account_id: str, options: CollectOptions, progress: Progress | None = None,
                    caller_factory: Callable[[Any], Caller] = Caller, analyzer_session: Any = None
                    ) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(bundle account, AWS managed documents)`` of one account read through ``session`` (the unused-access
    analyzer through ``analyzer_session``, default ``session``)."""
    iam = caller_factory(session.client("iam", config=client_config(options.max_attempts)))
    account: dict[str, Any] = {"accountId": account_id, "roles": [], "errors": [],
                               "production": account_id in options.production_accounts}
    managed: dict[str, Any] = {}
    changes: PolicyChanges | None = None
    if options.policy_changes:
        trail = caller_factory(session.client("cloudtrail", region_name=options.cloudtrail_region,
                                              config=client_config(options.max_attempts)))
        try:
            changes = policy_changes(trail)
        except CollectError as exc:  # no dates: refine keeps the policies whole
            _error(account["errors"], exc, account_id, "cloudtrail-event-history")
    roles = list_roles(iam, options.path_prefix)
    for i, role in enumerate(roles):
        try:
            account["roles"].append(collect_role(iam, role, account_id, managed, options.granularity, changes))
        except CollectError as exc:
            code = "ROLE_DELETED" if exc.not_found else exc.code
            _error(account["errors"], CollectError(exc.operation, code, exc.message), account_id, role.get("Arn"))
        if progress:
            progress(i + 1, len(roles), f"{account_id} {role['RoleName']}")
    if options.credential_report:
        try:
            account["credentialReport"] = credential_report(iam)
        except CollectError as exc:
            _error(account["errors"], exc, account_id, "credential-report")
    if options.analyzer_arn:
        # the analyzer lives in the delegated administrator account: read it with that account's session
        aa = caller_factory((analyzer_session or session).client(
            "accessanalyzer", region_name=_analyzer_region(options.analyzer_arn), config=client_config(options.max_attempts)))
        account["unusedAccessFindings"] = unused_access_findings(
            aa, options.analyzer_arn, account_id, recommendations=options.recommendations,
            on_error=lambda exc, fid: _error(account["errors"], exc, account_id, fid))
    if not account["errors"]:
        del account["errors"]
    return account, managed


def collect(session: Any, options: CollectOptions, progress: Progress | None = None) -> dict[str, Any]:
    """The bundle of every account of ``options`` (or the session's own) and the organization reports."""
    bundles: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    sts = Caller(session.client("sts", config=client_config(options.max_attempts)))
    own = sts("get_caller_identity")["Account"]
    for account_id in options.accounts or [own]:
        bundle = new_bundle()
        try:
            target = session if account_id == own or not options.role_name else assume_role_session(
                session, account_id, options.role_name, external_id=options.external_id)
            account, managed = collect_account(target, account_id, options, progress, analyzer_session=session)
        except CollectError as exc:
            _error(errors, exc, account_id)
            continue
        bundle["accounts"].append(account)
        if managed:
            bundle["managedPolicies"] = managed
        bundles.append(bundle)
    out = merge_bundles(bundles) if bundles else new_bundle()
    if options.organizations_reports or options.entity_paths:
        iam = Caller(session.client("iam", config=client_config(options.max_attempts)))
        paths = list(options.entity_paths)
        if options.organizations_reports:
            orgs = Caller(session.client("organizations", config=client_config(options.max_attempts)))
            paths += organization_entity_paths(orgs, include_accounts=options.account_reports)
            out["organizationId"] = paths[0].split("/")[0] if paths else out.get("organizationId")
        reports = []
        for path in dict.fromkeys(paths):
            try:
                reports.append(organizations_access_report(iam, path))
            except CollectError as exc:
                _error(errors, exc, entity=path)
        out["organizationsAccessReports"] = reports
    if errors:
        out.setdefault("errors", []).extend(errors)
    return out
