"""A deterministic fixture organization: evidence bundles for 3 accounts x 40 roles, written from the API
shapes (GetServiceLastAccessedDetails ACTION_LEVEL, GetOrganizationsAccessReport, the credential report,
GetFindingV2), with a seeded RNG so every run builds the same bundle."""

from __future__ import annotations

import random
from typing import Any

from least_privilege_constructs.analysis.catalog import get_catalog

NOW = "2026-12-01T12:00:00Z"
RECENT = "2026-11-28T09:30:00Z"  # inside any window
OLD = "2026-01-15T08:00:00Z"  # outside a 90-day window
CREATED = "2025-03-01T00:00:00Z"
ORG = "o-a1b2c3d4e5"
ROOT = "r-ab12"
ACCOUNTS = [("111111111111", "ou-ab12-prod0001", True), ("222222222222", "ou-ab12-work0001", False),
            ("333333333333", "ou-ab12-sand0001", False)]
SERVICES = ["s3", "dynamodb", "sqs", "sns", "lambda", "logs", "kms", "ec2", "ssm", "secretsmanager"]


def _actions(service: str) -> list[str]:
    return sorted(get_catalog().expand_action(f"{service}:*"))


def _role(rng: random.Random, account: str, index: int) -> dict[str, Any]:
    arn = f"arn:aws:iam::{account}:role/app-{index:02d}"
    services = rng.sample(SERVICES, 4)
    statements: list[dict[str, Any]] = []
    lastaccessed: list[dict[str, Any]] = []
    for j, service in enumerate(services):
        actions = _actions(service)
        picked = rng.sample(actions, min(len(actions), 6))
        used_service = j < 3  # the fourth service is never authenticated
        resource: Any = "*" if j % 2 == 0 else f"arn:aws:{service}:eu-west-1:{account}:thing/app-{index}"
        if index % 10 == 0 and j == 0:
            statements.append({"Sid": f"Wide{j}", "Effect": "Allow", "Action": f"{service}:*", "Resource": "*"})
        else:
            statements.append({"Sid": f"S{j}", "Effect": "Allow", "Action": picked, "Resource": resource})
        tracked = []
        if used_service:
            # the first two picked actions are tracked and used; the next two tracked and unused; the rest untracked
            for k, action in enumerate(picked[:4]):
                item: dict[str, Any] = {"ActionName": action.split(":", 1)[1]}
                if k < 2:
                    item.update(LastAccessedTime=RECENT, LastAccessedEntity=arn, LastAccessedRegion="eu-west-1")
                elif k == 3:
                    item["LastAccessedTime"] = OLD
                tracked.append(item)
        entry: dict[str, Any] = {"ServiceName": service, "ServiceNamespace": service,
                                 "TotalAuthenticatedEntities": 1 if used_service else 0,
                                 "TrackedActionsLastAccessed": tracked}
        if used_service:
            entry.update(LastAuthenticated=RECENT, LastAuthenticatedEntity=arn, LastAuthenticatedRegion="eu-west-1")
        lastaccessed.append(entry)
    if index % 7 == 0:  # PassRole and a service missing from the evidence
        statements.append({"Sid": "Pass", "Effect": "Allow", "Action": ["iam:PassRole", "glue:GetTable"],
                           "Resource": f"arn:aws:iam::{account}:role/worker"})
    if index % 5 == 0:  # an opted-out statement and a NotAction one
        statements.append({"Sid": "LpcKeepBreakGlass", "Effect": "Allow", "Action": "sqs:DeleteQueue", "Resource": "*"})
    statements.append({"Sid": "NoDeletes", "Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"})
    policies = [{"kind": "inline", "name": "app", "modifiedAt": CREATED,
                 "document": {"Version": "2012-10-17", "Statement": statements}}]
    if index % 8 == 0:
        policies.append({"kind": "aws-managed", "name": "AmazonSQSReadOnlyAccess",
                         "arn": "arn:aws:iam::aws:policy/AmazonSQSReadOnlyAccess"})
    if index % 9 == 0:  # changed in the grace period
        policies.append({"kind": "customer-managed", "name": "new-grant", "modifiedAt": RECENT,
                         "arn": f"arn:aws:iam::{account}:policy/new-grant",
                         "document": {"Version": "2012-10-17", "Statement": [
                             {"Effect": "Allow", "Action": "sns:Publish", "Resource": "*"}]}})
    role: dict[str, Any] = {"arn": arn, "createDate": CREATED if index != 39 else RECENT, "policies": policies,
                            "trustsOtherAccounts": index % 11 == 0,
                            "lastAccessed": {"JobStatus": "COMPLETED", "JobType": "ACTION_LEVEL",
                                             "JobCompletionDate": NOW, "ServicesLastAccessed": lastaccessed}}
    if index != 38:
        role["roleLastUsed"] = RECENT
    return role


def fixture_bundle(roles_per_account: int = 40) -> dict[str, Any]:
    """The bundle of the fixture organization (deterministic)."""
    rng = random.Random(15)
    accounts = []
    reports = []
    for account, ou, production in ACCOUNTS:
        accounts.append({
            "accountId": account, "name": f"acct-{account[:3]}", "ou": f"{ORG}/{ROOT}/{ou}",
            "production": production,
            "roles": [_role(rng, account, i) for i in range(roles_per_account)],
            "credentialReport": {"generatedAt": NOW, "rows": [
                {"user": "ci", "arn": f"arn:aws:iam::{account}:user/ci", "user_creation_time": "2024-01-01T00:00:00+00:00",
                 "password_enabled": "false", "password_last_used": "N/A", "access_key_1_active": "true",
                 "access_key_1_last_rotated": "2024-01-01T00:00:00+00:00", "access_key_1_last_used_date": OLD,
                 "access_key_2_active": "false"},
                {"user": "alice", "arn": f"arn:aws:iam::{account}:user/alice",
                 "user_creation_time": "2024-01-01T00:00:00+00:00", "password_enabled": "true",
                 "password_last_used": RECENT, "access_key_1_active": "false", "access_key_2_active": "false"}]},
            "unusedAccessFindings": [
                {"id": f"f-{account}-1", "resource": f"arn:aws:iam::{account}:role/app-38",
                 "resourceType": "AWS::IAM::Role", "resourceOwnerAccount": account, "status": "ACTIVE",
                 "findingType": "UnusedIAMRole", "findingDetails": [{"unusedIamRoleDetails": {}}]}],
        })
        used = set(SERVICES)
        details = [{"ServiceName": s, "ServiceNamespace": s, "LastAuthenticatedTime": RECENT,
                    "TotalAuthenticatedEntities": 3} for s in sorted(used | {"sts", "iam"})]
        details += [{"ServiceName": s, "ServiceNamespace": s, "TotalAuthenticatedEntities": 0}
                    for s in sorted(get_catalog().services)[:150] if s not in used | {"sts", "iam"}]
        reports.append({"entityPath": f"{ORG}/{ROOT}/{ou}", "JobStatus": "COMPLETED", "JobCompletionDate": NOW,
                        "AccessDetails": details})
    return {"format": "lpc-evidence-bundle", "version": 1, "generatedAt": NOW, "organizationId": ORG,
            "accounts": accounts, "organizationsAccessReports": reports}
