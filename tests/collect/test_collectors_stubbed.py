"""The collectors against botocore's Stubber: job polling (IN_PROGRESS, COMPLETED, FAILED), paging,
throttling, the four unused finding types, recommendation polling, and a role or finding deleted between
list and get."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.stub import Stubber

from least_privilege_constructs.analysis.refine import load_bundle, merge_bundles, new_bundle
from least_privilege_constructs.collect.calls import Caller, CollectError
from least_privilege_constructs.collect.collector import CollectOptions, collect_account
from least_privilege_constructs.collect.last_accessed import last_accessed_details
from least_privilege_constructs.collect.organizations import organizations_access_report
from least_privilege_constructs.collect.unused_access import unused_access_findings
from tests.collect.conftest import StubSession, make_client

T0 = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
ROLE = "arn:aws:iam::111122223333:role/app"
ANALYZER = "arn:aws:access-analyzer:eu-west-1:999999999999:analyzer/org-unused"
JOB = "a8b6c9f1-0a1e-4c3c-8f0a-0123456789ab"


def _job_page(status: str, services: list[dict[str, Any]] | None = None, marker: str | None = None) -> dict[str, Any]:
    # the API model requires JobCompletionDate in every response, IN_PROGRESS included
    page: dict[str, Any] = {"JobStatus": status, "JobType": "ACTION_LEVEL", "JobCreationDate": T0,
                            "JobCompletionDate": T0, "ServicesLastAccessed": services or []}
    if marker:
        page.update(IsTruncated=True, Marker=marker)
    return page


S3 = {"ServiceName": "Amazon S3", "ServiceNamespace": "s3", "LastAuthenticated": T0, "TotalAuthenticatedEntities": 1,
      "LastAuthenticatedEntity": ROLE, "LastAuthenticatedRegion": "eu-west-1",
      "TrackedActionsLastAccessed": [{"ActionName": "GetObject", "LastAccessedTime": T0,
                                      "LastAccessedEntity": ROLE, "LastAccessedRegion": "eu-west-1"},
                                     {"ActionName": "PutObject"}]}
SQS = {"ServiceName": "Amazon SQS", "ServiceNamespace": "sqs", "TotalAuthenticatedEntities": 0}


def test_last_accessed_polls_then_pages(iam: tuple[Caller, Stubber], sleeps: list[float]) -> None:
    caller, stub = iam
    stub.add_response("generate_service_last_accessed_details", {"JobId": JOB},
                      {"Arn": ROLE, "Granularity": "ACTION_LEVEL"})
    stub.add_response("get_service_last_accessed_details", _job_page("IN_PROGRESS"), {"JobId": JOB})
    stub.add_response("get_service_last_accessed_details", _job_page("IN_PROGRESS"), {"JobId": JOB})
    stub.add_response("get_service_last_accessed_details", _job_page("COMPLETED", [S3], "page-2"), {"JobId": JOB})
    stub.add_response("get_service_last_accessed_details", _job_page("COMPLETED", [SQS]),
                      {"JobId": JOB, "Marker": "page-2"})
    details = last_accessed_details(caller, ROLE)
    assert sleeps == [2.0, 2.0]
    assert [s["ServiceNamespace"] for s in details["ServicesLastAccessed"]] == ["s3", "sqs"]
    assert details["ServicesLastAccessed"][0]["TrackedActionsLastAccessed"][0]["LastAccessedTime"] == \
        "2026-11-30T10:00:00Z"
    json.dumps(details)  # bundle JSON: no datetimes left


def test_last_accessed_job_failed(iam: tuple[Caller, Stubber]) -> None:
    caller, stub = iam
    stub.add_response("generate_service_last_accessed_details", {"JobId": JOB})
    failed = _job_page("FAILED")
    failed["Error"] = {"Code": "InternalFailure", "Message": "the job could not finish"}
    stub.add_response("get_service_last_accessed_details", failed)
    with pytest.raises(CollectError) as info:
        last_accessed_details(caller, ROLE)
    assert info.value.code == "JOB_FAILED" and "InternalFailure the job could not finish" in info.value.message


def test_job_timeout(iam: tuple[Caller, Stubber]) -> None:
    caller, stub = iam
    caller.poll_timeout = 4.0
    stub.add_response("generate_service_last_accessed_details", {"JobId": JOB})
    for _ in range(3):
        stub.add_response("get_service_last_accessed_details", _job_page("IN_PROGRESS"))
    with pytest.raises(CollectError, match="JOB_TIMEOUT"):
        last_accessed_details(caller, ROLE)


def test_throttling_backs_off_then_gives_up(iam: tuple[Caller, Stubber], sleeps: list[float]) -> None:
    caller, stub = iam
    stub.add_client_error("generate_service_last_accessed_details", "Throttling", "Rate exceeded", 400)
    stub.add_client_error("generate_service_last_accessed_details", "Throttling", "Rate exceeded", 400)
    stub.add_response("generate_service_last_accessed_details", {"JobId": JOB})
    assert caller("generate_service_last_accessed_details", Arn=ROLE)["JobId"] == JOB
    assert sleeps == [0.5, 1.0] and caller.throttle_backoffs == 2
    caller.throttle_retries = 1
    for _ in range(2):
        stub.add_client_error("list_roles", "Throttling", "Rate exceeded", 400)
    with pytest.raises(CollectError, match="ListRoles: Throttling: Rate exceeded"):
        caller("list_roles")


def test_organizations_access_report_polls_pages_and_fails(iam: tuple[Caller, Stubber]) -> None:
    caller, stub = iam
    path = "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111"
    stub.add_response("generate_organizations_access_report", {"JobId": JOB}, {"EntityPath": path})
    stub.add_response("get_organizations_access_report", {"JobStatus": "IN_PROGRESS", "JobCreationDate": T0},
                      {"JobId": JOB})
    stub.add_response("get_organizations_access_report", {
        "JobStatus": "COMPLETED", "JobCreationDate": T0, "JobCompletionDate": T0, "IsTruncated": True,
        "Marker": "m2", "AccessDetails": [{"ServiceName": "Amazon S3", "ServiceNamespace": "s3",
                                           "LastAuthenticatedTime": T0, "TotalAuthenticatedEntities": 4}]},
        {"JobId": JOB})
    stub.add_response("get_organizations_access_report", {
        "JobStatus": "COMPLETED", "JobCreationDate": T0, "IsTruncated": False,
        "AccessDetails": [{"ServiceName": "Amazon GameLift", "ServiceNamespace": "gamelift",
                           "TotalAuthenticatedEntities": 0}]}, {"JobId": JOB, "Marker": "m2"})
    report = organizations_access_report(caller, path)
    assert [d["ServiceNamespace"] for d in report["AccessDetails"]] == ["s3", "gamelift"]
    load_bundle({**new_bundle(T0), "organizationsAccessReports": [report]})  # valid bundle JSON
    stub.add_response("generate_organizations_access_report", {"JobId": JOB})
    stub.add_response("get_organizations_access_report", {
        "JobStatus": "FAILED", "JobCreationDate": T0,
        "ErrorDetails": {"Code": "AccessDenied", "Message": "not the management account"}})
    with pytest.raises(CollectError, match=r"JOB_FAILED.*AccessDenied not the management account"):
        organizations_access_report(caller, path)


def _summary(fid: str, ftype: str) -> dict[str, Any]:
    return {"id": fid, "resource": f"arn:aws:iam::111122223333:role/{fid}", "resourceType": "AWS::IAM::Role",
            "resourceOwnerAccount": "111122223333", "status": "ACTIVE", "findingType": ftype,
            "createdAt": T0, "updatedAt": T0, "analyzedAt": T0}


DETAILS = {
    "UnusedIAMRole": {"unusedIamRoleDetails": {"lastAccessed": T0}},
    "UnusedIAMUserAccessKey": {"unusedIamUserAccessKeyDetails": {"accessKeyId": "AKIAEXAMPLE", "lastAccessed": T0}},
    "UnusedIAMUserPassword": {"unusedIamUserPasswordDetails": {"lastAccessed": T0}},
    "UnusedPermission": {"unusedPermissionDetails": {"serviceNamespace": "s3", "lastAccessed": T0,
                                                     "actions": [{"action": "s3:PutObject"}]}},
}


def test_unused_findings_all_four_types_paging_recommendation_and_deleted(aa: tuple[Caller, Stubber],
                                                                           sleeps: list[float]) -> None:
    caller, stub = aa
    criteria = {"findingType": {"eq": ["UnusedIAMRole", "UnusedIAMUserAccessKey", "UnusedIAMUserPassword",
                                       "UnusedPermission"]}, "status": {"eq": ["ACTIVE"]},
                "resourceOwnerAccount": {"eq": ["111122223333"]}}
    types = list(DETAILS)
    stub.add_response("list_findings_v2", {"findings": [_summary("f1", types[0]), _summary("f2", types[1])],
                                           "nextToken": "t2"}, {"analyzerArn": ANALYZER, "filter": criteria})
    stub.add_response("list_findings_v2", {"findings": [_summary("f3", types[2]), _summary("f4", types[3]),
                                                        _summary("gone", types[0])]},
                      {"analyzerArn": ANALYZER, "filter": criteria, "nextToken": "t2"})
    for fid, ftype in zip(("f1", "f2", "f3"), types[:3]):
        body = {k: v for k, v in _summary(fid, ftype).items()}
        stub.add_response("get_finding_v2", {**body, "findingDetails": [DETAILS[ftype]]},
                          {"analyzerArn": ANALYZER, "id": fid})
    body = _summary("f4", types[3])
    stub.add_response("get_finding_v2", {**body, "findingDetails": [DETAILS[types[3]]], "nextToken": "d2"},
                      {"analyzerArn": ANALYZER, "id": "f4"})
    stub.add_response("get_finding_v2", {**body, "findingDetails": [
        {"unusedPermissionDetails": {"serviceNamespace": "sqs"}}]}, {"analyzerArn": ANALYZER, "id": "f4",
                                                                    "nextToken": "d2"})
    stub.add_response("generate_finding_recommendation", {}, {"analyzerArn": ANALYZER, "id": "f4"})
    stub.add_response("get_finding_recommendation", {"startedAt": T0, "resourceArn": body["resource"],
                                                     "recommendationType": "UnusedPermissionRecommendation",
                                                     "status": "IN_PROGRESS"}, {"analyzerArn": ANALYZER, "id": "f4"})
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                                                  "Resource": "*"}]})
    stub.add_response("get_finding_recommendation", {
        "startedAt": T0, "completedAt": T0, "resourceArn": body["resource"],
        "recommendationType": "UnusedPermissionRecommendation", "status": "SUCCEEDED",
        "recommendedSteps": [{"unusedPermissionsRecommendedStep": {
            "recommendedAction": "CREATE_POLICY", "recommendedPolicy": policy,
            "existingPolicyId": "arn:aws:iam::111122223333:policy/app"}}]}, {"analyzerArn": ANALYZER, "id": "f4"})
    stub.add_client_error("get_finding_v2", "ResourceNotFoundException", "Finding not found", 404,
                          expected_params={"analyzerArn": ANALYZER, "id": "gone"})
    errors: list[tuple[str, str]] = []
    findings = unused_access_findings(caller, ANALYZER, "111122223333",
                                      on_error=lambda exc, fid: errors.append((exc.code, fid)))
    assert [f["findingType"] for f in findings] == types
    assert errors == [("ResourceNotFoundException", "gone")]
    assert len(findings[3]["findingDetails"]) == 2
    step = findings[3]["recommendation"]["recommendedSteps"][0]["unusedPermissionsRecommendedStep"]
    assert json.loads(step["recommendedPolicy"])["Statement"][0]["Action"] == "s3:GetObject"
    assert sleeps == [2.0]
    account = {"accountId": "111122223333", "roles": [], "unusedAccessFindings": findings}
    load_bundle({**new_bundle(T0), "accounts": [account]})


def test_recommendation_failed_is_reported(aa: tuple[Caller, Stubber]) -> None:
    caller, stub = aa
    stub.add_response("list_findings_v2", {"findings": [_summary("f4", "UnusedPermission")]})
    stub.add_response("get_finding_v2", {**_summary("f4", "UnusedPermission"),
                                         "findingDetails": [DETAILS["UnusedPermission"]]})
    stub.add_response("generate_finding_recommendation", {})
    stub.add_response("get_finding_recommendation", {
        "startedAt": T0, "resourceArn": "arn:aws:iam::111122223333:role/f4",
        "recommendationType": "UnusedPermissionRecommendation", "status": "FAILED",
        "error": {"code": "ServiceError", "message": "try later"}})
    errors: list[str] = []
    findings = unused_access_findings(caller, ANALYZER, on_error=lambda exc, fid: errors.append(exc.message))
    assert len(findings) == 1 and "recommendation" not in findings[0]
    assert errors == ["f4: FAILED: ServiceError try later"]


def _role(name: str) -> dict[str, Any]:
    return {"Path": "/", "RoleName": name, "RoleId": "AROAEXAMPLEID000" + name[-4:].upper().rjust(4, "X"),
            "Arn": f"arn:aws:iam::111122223333:role/{name}", "CreateDate": datetime(2025, 1, 1, tzinfo=UTC)}


def _event(name: str, when: datetime, **params: str) -> dict[str, Any]:
    return {"EventId": f"e-{name}-{when:%d}", "EventName": name, "EventTime": when, "EventSource": "iam.amazonaws.com",
            "CloudTrailEvent": json.dumps({"eventName": name, "requestParameters": params})}


def test_collect_account_reads_roles_policies_and_reports_a_deleted_role(sleeps: list[float]) -> None:
    client = make_client("iam")
    trail = make_client("cloudtrail")
    trail_stub = Stubber(trail)
    recent = datetime(2026, 11, 20, tzinfo=UTC)
    trail_stub.add_response("lookup_events", {"Events": [_event("PutRolePolicy", datetime(2026, 10, 1, tzinfo=UTC),
                                                                roleName="app", policyName="app")],
                                              "NextToken": "p2"})
    trail_stub.add_response("lookup_events", {"Events": [_event("PutRolePolicy", recent, roleName="app",
                                                                policyName="app"),
                                                         _event("PutRolePolicy", recent, roleName="other",
                                                                policyName="x")]})
    trail_stub.add_response("lookup_events", {"Events": []})
    trail_stub.activate()
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                                 "Principal": {"AWS": "arn:aws:iam::444455556666:root"}}]})
    inline = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                                                  "Resource": "*"}]})
    managed_arn = "arn:aws:iam::aws:policy/AmazonSQSReadOnlyAccess"
    with Stubber(client) as stub:
        stub.add_response("list_roles", {"Roles": [_role("app"), _role("gone")], "IsTruncated": False},
                          {"PathPrefix": "/"})
        stub.add_response("get_role", {"Role": {**_role("app"), "AssumeRolePolicyDocument": trust,
                                                "RoleLastUsed": {"LastUsedDate": T0, "Region": "eu-west-1"}}},
                          {"RoleName": "app"})
        stub.add_response("list_role_policies", {"PolicyNames": ["app"], "IsTruncated": False}, {"RoleName": "app"})
        stub.add_response("get_role_policy", {"RoleName": "app", "PolicyName": "app", "PolicyDocument": inline},
                          {"RoleName": "app", "PolicyName": "app"})
        stub.add_response("list_attached_role_policies", {
            "AttachedPolicies": [{"PolicyName": "AmazonSQSReadOnlyAccess", "PolicyArn": managed_arn}],
            "IsTruncated": False}, {"RoleName": "app"})
        stub.add_response("get_policy", {"Policy": {"PolicyName": "AmazonSQSReadOnlyAccess", "Arn": managed_arn,
                                                    "DefaultVersionId": "v3", "UpdateDate": T0}},
                          {"PolicyArn": managed_arn})
        stub.add_response("get_policy_version", {"PolicyVersion": {"Document": inline, "VersionId": "v3",
                                                                   "IsDefaultVersion": True}},
                          {"PolicyArn": managed_arn, "VersionId": "v3"})
        stub.add_response("generate_service_last_accessed_details", {"JobId": JOB})
        stub.add_response("get_service_last_accessed_details", _job_page("COMPLETED", [S3, SQS]))
        stub.add_client_error("get_role", "NoSuchEntity", "The role with name gone cannot be found.", 404,
                              expected_params={"RoleName": "gone"})
        stub.add_response("generate_credential_report", {"State": "COMPLETE"})
        stub.add_response("get_credential_report", {
            "Content": b"user,arn,user_creation_time,password_enabled\n<root_account>,arn:aws:iam::111122223333:root,"
                       b"2020-01-01T00:00:00+00:00,not_supported\n", "ReportFormat": "text/csv", "GeneratedTime": T0})
        progress: list[tuple[int, int, str]] = []
        account, managed = collect_account(
            StubSession({"iam": client, "cloudtrail": trail}), "111122223333",
            CollectOptions(production_accounts=["111122223333"]),
            progress=lambda *a: progress.append(a),
            caller_factory=lambda c: Caller(c, sleep=sleeps.append))
        stub.assert_no_pending_responses()
        trail_stub.assert_no_pending_responses()
    trail_stub.deactivate()
    assert [r["arn"] for r in account["roles"]] == ["arn:aws:iam::111122223333:role/app"]
    role = account["roles"][0]
    assert role["trustsOtherAccounts"] is True and role["roleLastUsed"] == "2026-11-30T10:00:00Z"
    assert role["policies"][0]["document"]["Statement"][0]["Action"] == "s3:GetObject"
    assert role["policies"][0]["modifiedAt"] == "2026-11-20T00:00:00Z"  # the latest PutRolePolicy of app/app
    # no AttachRolePolicy in the lookback: the later of the lookback start and the policy's UpdateDate
    assert role["policies"][1] == {"kind": "aws-managed", "name": "AmazonSQSReadOnlyAccess", "arn": managed_arn,
                                   "modifiedAt": "2026-11-30T10:00:00Z"}
    assert managed[managed_arn]["versionId"] == "v3"
    assert account["errors"] == [{"code": "ROLE_DELETED", "account": "111122223333",
                                  "entity": "arn:aws:iam::111122223333:role/gone",
                                  "message": "GetRole: ROLE_DELETED: The role with name gone cannot be found."}]
    assert account["credentialReport"]["rows"][0]["user"] == "<root_account>"
    assert progress[-1] == (2, 2, "111122223333 gone")
    bundle = merge_bundles([{**new_bundle(T0), "accounts": [account], "managedPolicies": managed}])
    assert load_bundle(bundle)["accounts"][0]["production"] is True
