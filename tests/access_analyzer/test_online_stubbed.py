"""AccessAnalyzerBackend against botocore's Stubber: every request is checked against the real API
model (parameter names, types, enums, list lengths), every response against the output shape."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.stub import ANY, Stubber

from least_privilege_constructs.access_analyzer.online import AccessAnalyzerBackend
from least_privilege_constructs.analysis.findings import FindingType
from least_privilege_constructs.analysis.outcome import ANALYSIS_FAILED, Check, CheckStatus
from least_privilege_constructs.analysis.request import AnalysisRequest, policy_text
from tests.access_analyzer.aa_fakes import ALLOW_S3_ALL, ALLOW_S3_READ, PUBLIC_BUCKET, origin

SPAN = {"start": {"line": 1, "column": 1, "offset": 1}, "end": {"line": 1, "column": 5, "offset": 5}}


def aa_finding(code: str, ftype: str, path: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "findingDetails": f"{code} details",
        "findingType": ftype,
        "issueCode": code,
        "learnMoreLink": f"https://docs.aws.amazon.com/IAM/latest/UserGuide/{code}",
        "locations": [{"path": path, "span": SPAN}],
    }


def backend(client: Any, **kw: Any) -> tuple[AccessAnalyzerBackend, list[float]]:
    """One call at a time: the Stubber answers in the order responses were queued."""
    sleeps: list[float] = []
    kw.setdefault("max_concurrency", 1)
    b = AccessAnalyzerBackend(client, sleep=sleeps.append, jitter=lambda: 1.0, **kw)
    return b, sleeps


# -- ValidatePolicy --------------------------------------------------------------------------------------
def test_validate_policy_paginates_and_maps_findings(stubbed: tuple[Any, Stubber]) -> None:
    client, stub = stubbed
    text = policy_text(ALLOW_S3_ALL)
    stub.add_response(
        "validate_policy",
        {"findings": [aa_finding("PASS_ROLE_WITH_STAR_IN_RESOURCE", "SECURITY_WARNING",
                                 [{"value": "Statement"}, {"index": 0}, {"value": "Resource"}])],
         "nextToken": "page-2"},
        {"policyDocument": text, "policyType": "IDENTITY_POLICY"},
    )
    stub.add_response(
        "validate_policy",
        {"findings": [aa_finding("MISSING_VERSION", "ERROR",
                                 [{"value": "Statement"}, {"index": 0}, {"value": "Condition"},
                                  {"value": "StringEquals"}, {"key": "aws:SourceIp"}])]},
        {"policyDocument": text, "policyType": "IDENTITY_POLICY", "nextToken": "page-2"},
    )
    b, _ = backend(client)
    findings = b.validate_policy(ALLOW_S3_ALL, "IDENTITY_POLICY", origin=origin())
    assert [(f.finding_type, f.issue_code) for f in findings] == [
        (FindingType.SECURITY_WARNING, "PASS_ROLE_WITH_STAR_IN_RESOURCE"),
        (FindingType.ERROR, "MISSING_VERSION"),
    ]
    assert findings[0].location_strings() == ["Statement[0].Resource"]
    assert findings[1].locations == [["Statement", 0, "Condition", "StringEquals", None]]
    assert all(f.origin == origin() and f.check == "validate-policy" for f in findings)
    assert findings[0].learn_more_link.endswith("PASS_ROLE_WITH_STAR_IN_RESOURCE")
    assert b.stats.api_calls == 2


@pytest.mark.parametrize(
    ("policy_type", "resource_type", "sent"),
    [
        pytest.param("RESOURCE_POLICY", "AWS::S3::Bucket", "AWS::S3::Bucket", id="supported-type-sent"),
        pytest.param("RESOURCE_POLICY", "AWS::SQS::Queue", None, id="other-resource-type-omitted"),
        pytest.param("IDENTITY_POLICY", "AWS::S3::Bucket", None, id="identity-policy-never-sends-it"),
        pytest.param("SERVICE_CONTROL_POLICY", None, None, id="scp"),
    ],
)
def test_validate_policy_resource_type(stubbed: tuple[Any, Stubber], policy_type: str,
                                       resource_type: str | None, sent: str | None) -> None:
    client, stub = stubbed
    expected = {"policyDocument": ANY, "policyType": policy_type}
    if sent:
        expected["validatePolicyResourceType"] = sent
    stub.add_response("validate_policy", {"findings": []}, expected)
    b, _ = backend(client)
    assert b.validate_policy(PUBLIC_BUCKET, policy_type, resource_type) == []


def test_validate_policy_sends_text_verbatim(stubbed: tuple[Any, Stubber]) -> None:
    client, stub = stubbed
    text = json.dumps(ALLOW_S3_READ, indent=2)
    stub.add_response("validate_policy", {"findings": []}, {"policyDocument": text, "policyType": "IDENTITY_POLICY"})
    b, _ = backend(client)
    assert b.validate_policy(text, "IDENTITY_POLICY") == []


def test_validate_policy_page_failure_keeps_first_page(stubbed: tuple[Any, Stubber]) -> None:
    client, stub = stubbed
    stub.add_response("validate_policy", {"findings": [aa_finding("MISSING_VERSION", "ERROR", [])],
                                          "nextToken": "t"})
    stub.add_client_error("validate_policy", "InternalServerException", "internal", http_status_code=500)
    b, _ = backend(client)
    findings = b.validate_policy(ALLOW_S3_READ, "IDENTITY_POLICY", origin=origin("Kept"))
    assert [f.issue_code for f in findings] == ["MISSING_VERSION", ANALYSIS_FAILED]
    failed = findings[1]
    assert failed.finding_type is FindingType.ERROR and failed.is_blocking()
    assert "AppStack/Kept/DefaultPolicy/Resource" in failed.message
    assert "InternalServerException" in failed.message and "after 1 page(s)" in failed.message


# -- CheckNoNewAccess -----------------------------------------------------------------------------------
def test_check_no_new_access_pass(stubbed: tuple[Any, Stubber]) -> None:
    client, stub = stubbed
    stub.add_response(
        "check_no_new_access",
        {"result": "PASS", "message": "The modified permissions grant no new access.", "reasons": []},
        {"newPolicyDocument": policy_text(ALLOW_S3_READ), "existingPolicyDocument": policy_text(ALLOW_S3_ALL),
         "policyType": "IDENTITY_POLICY"},
    )
    b, _ = backend(client)
    out = b.check_no_new_access(ALLOW_S3_READ, ALLOW_S3_ALL, "IDENTITY_POLICY")
    assert out.passed and out.to_findings(origin()) == []
    assert out.to_dict() == {"result": "PASS", "message": "The modified permissions grant no new access.",
                             "reasons": []}


def test_check_no_new_access_fail(stubbed: tuple[Any, Stubber]) -> None:
    client, stub = stubbed
    stub.add_response(
        "check_no_new_access",
        {"result": "FAIL", "message": "The modified permissions grant new access compared to your existing policy.",
         "reasons": [{"description": "New access in the statement with index: 0.", "statementIndex": 0,
                      "statementId": "All"}]},
    )
    b, _ = backend(client)
    out = b.check_no_new_access(ALLOW_S3_ALL, ALLOW_S3_READ, "IDENTITY_POLICY")
    assert out.result is CheckStatus.FAIL
    [f] = out.to_findings(origin())
    assert (f.finding_type, f.issue_code, f.check) == (FindingType.ERROR, "NEW_ACCESS", "check-no-new-access")
    assert f.locations == [["Statement", 0]] and f.details == {"statementId": "All"}
    assert f.message == ("The modified permissions grant new access compared to your existing policy. "
                         "New access in the statement with index: 0.")
    assert f.is_blocking() and f.origin == origin()
    assert out.to_dict()["reasons"] == [{"description": "New access in the statement with index: 0.",
                                         "statementIndex": 0, "statementId": "All"}]


def test_check_no_new_access_rejects_scp_without_a_call(stubbed: tuple[Any, Stubber]) -> None:
    client, _ = stubbed
    b, _ = backend(client)
    [f] = b.answer(AnalysisRequest.no_new_access(ALLOW_S3_READ, ALLOW_S3_ALL, "SERVICE_CONTROL_POLICY",
                                                 origin())).findings
    assert f.issue_code == ANALYSIS_FAILED and "SERVICE_CONTROL_POLICY" in f.message
    assert b.stats.api_calls == 0


# -- CheckAccessNotGranted -------------------------------------------------------------------------------
ACTIONS = [f"s3:Action{i:03d}" for i in range(250)]
RESOURCES = [f"arn:aws:s3:::bucket-{i:03d}/*" for i in range(150)]


def test_check_access_not_granted_batches_250_by_150(stubbed: tuple[Any, Stubber]) -> None:
    client, stub = stubbed
    text = policy_text(ALLOW_S3_ALL)
    for a in range(0, 250, 100):
        for r in range(0, 150, 100):
            stub.add_response(
                "check_access_not_granted",
                {"result": "PASS", "message": "The policy document does not grant access.", "reasons": []},
                {"policyDocument": text, "policyType": "IDENTITY_POLICY",
                 "access": [{"actions": ACTIONS[a:a + 100], "resources": RESOURCES[r:r + 100]}]},
            )
    b, _ = backend(client)
    result = b.answer(AnalysisRequest.access_not_granted(ALLOW_S3_ALL, ACTIONS, RESOURCES, origin=origin()))
    assert result.outcome is not None and result.outcome.passed
    assert result.api_calls == 6 and b.stats.api_calls == 6
    assert result.outcome.details == {"batches": 6, "batchesCompleted": 6}


def test_check_access_not_granted_any_fail_fails_with_all_reasons(stubbed: tuple[Any, Stubber]) -> None:
    client, stub = stubbed
    actions = ACTIONS[:150]
    stub.add_response("check_access_not_granted", {
        "result": "FAIL", "message": "The policy document grants access to perform one or more of the listed actions.",
        "reasons": [{"description": "One or more of the listed actions in the statement with index: 0.",
                     "statementIndex": 0}]}, {"policyDocument": ANY, "policyType": "IDENTITY_POLICY",
                                              "access": [{"actions": actions[:100]}]})
    stub.add_response("check_access_not_granted", {
        "result": "FAIL", "message": "The policy document grants access to perform one or more of the listed actions.",
        "reasons": [{"description": "One or more of the listed actions in the statement with index: 2.",
                     "statementIndex": 2}]}, {"policyDocument": ANY, "policyType": "IDENTITY_POLICY",
                                              "access": [{"actions": actions[100:]}]})
    b, _ = backend(client)
    out = b.check_access_not_granted(ALLOW_S3_ALL, actions, [], "IDENTITY_POLICY")
    assert out.result is CheckStatus.FAIL
    assert [r.statement_index for r in out.reasons] == [0, 2]
    findings = out.to_findings(origin())
    assert [(f.issue_code, f.locations) for f in findings] == [
        ("ACCESS_GRANTED", [["Statement", 0]]), ("ACCESS_GRANTED", [["Statement", 2]])
    ]
    assert out.details["failedBatches"] == [0, 1]


def test_check_access_not_granted_batch_error_keeps_the_fail(stubbed: tuple[Any, Stubber]) -> None:
    client, stub = stubbed
    stub.add_response("check_access_not_granted", {"result": "FAIL", "message": "granted",
                                                   "reasons": [{"statementIndex": 0}]})
    stub.add_client_error("check_access_not_granted", "InternalServerException", "internal error",
                          http_status_code=500)
    stub.add_response("check_access_not_granted", {"result": "PASS", "message": "ok"})
    b, _ = backend(client)
    res = b.answer(AnalysisRequest.access_not_granted(ALLOW_S3_ALL, ACTIONS[:300], [], origin=origin("Mixed")))
    assert not res.complete
    codes = [f.issue_code for f in res.findings]
    assert codes == ["ACCESS_GRANTED", ANALYSIS_FAILED]
    assert "batch 2/3 (100 actions)" in res.findings[1].message
    assert res.outcome is not None and res.outcome.details["batchesCompleted"] == 2


# -- CheckNoPublicAccess ---------------------------------------------------------------------------------
def test_check_no_public_access_fail(stubbed: tuple[Any, Stubber]) -> None:
    client, stub = stubbed
    stub.add_response(
        "check_no_public_access",
        {"result": "FAIL", "message": "The resource policy grants public access for the given resource type.",
         "reasons": [{"description": "Public access granted in the following statement with sid: Public.",
                      "statementIndex": 0, "statementId": "Public"}]},
        {"policyDocument": policy_text(PUBLIC_BUCKET), "resourceType": "AWS::S3::Bucket"},
    )
    b, _ = backend(client)
    [f] = b.answer(AnalysisRequest.no_public_access(PUBLIC_BUCKET, "AWS::S3::Bucket", origin())).findings
    assert (f.issue_code, f.check, f.locations) == ("PUBLIC_ACCESS", "check-no-public-access", [["Statement", 0]])
    assert "sid: Public" in f.message


def test_check_no_public_access_unsupported_type_fails_closed(stubbed: tuple[Any, Stubber]) -> None:
    client, _ = stubbed
    b, _ = backend(client)
    req = AnalysisRequest.no_public_access(PUBLIC_BUCKET, "AWS::ECR::Repository", origin())
    assert b.unsupported(req) is not None
    [f] = b.answer(req).findings
    assert f.issue_code == ANALYSIS_FAILED and "AWS::ECR::Repository" in f.message and f.is_blocking()


# -- size limit ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("check", list(Check), ids=str)
def test_oversized_policy_is_a_finding_not_a_call(stubbed: tuple[Any, Stubber], check: Check) -> None:
    client, _ = stubbed
    big = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": [f"s3:Get{i}" for i in range(400)], "Resource": "*"}]}
    b, _ = backend(client, max_policy_chars=1000)
    req = {
        Check.VALIDATE_POLICY: AnalysisRequest.validate_policy(big, origin=origin("Big")),
        Check.NO_NEW_ACCESS: AnalysisRequest.no_new_access(big, ALLOW_S3_ALL, origin=origin("Big")),
        Check.ACCESS_NOT_GRANTED: AnalysisRequest.access_not_granted(big, ["s3:DeleteBucket"], origin=origin("Big")),
        Check.NO_PUBLIC_ACCESS: AnalysisRequest.no_public_access(big, "AWS::S3::Bucket", origin("Big")),
    }[check]
    res = b.answer(req)
    [f] = res.findings
    assert f.issue_code == ANALYSIS_FAILED and "over the limit of 1000" in f.message
    assert "AppStack/Big/DefaultPolicy/Resource" in f.message
    assert res.api_calls == 0 and not res.complete


# -- throttling beyond botocore's retries (our back-off) -------------------------------------------------
def test_throttling_is_backed_off_then_succeeds(stubbed: tuple[Any, Stubber]) -> None:
    client, stub = stubbed
    stub.add_client_error("check_no_public_access", "ThrottlingException", "Rate exceeded", 429)
    stub.add_client_error("check_no_public_access", "ThrottlingException", "Rate exceeded", 429,
                          modeled_fields={"message": "Rate exceeded", "retryAfterSeconds": 7})
    stub.add_response("check_no_public_access", {"result": "PASS", "message": "no public access"})
    b, sleeps = backend(client, backoff_base=0.5, throttle_retries=3)
    out = b.check_no_public_access(PUBLIC_BUCKET, "AWS::S3::Bucket")
    assert out.passed
    assert b.stats.api_calls == 3 and b.stats.throttle_backoffs == 2
    assert sleeps == [0.5, 7.0]  # exponential (0.5 * 2**0) then the service's retryAfterSeconds


def test_throttling_that_never_stops_fails_closed(stubbed: tuple[Any, Stubber]) -> None:
    client, stub = stubbed
    for _ in range(3):
        stub.add_client_error("check_no_new_access", "ThrottlingException", "Rate exceeded", 429)
    b, sleeps = backend(client, backoff_base=1.0, backoff_cap=1.5, throttle_retries=2)
    res = b.answer(AnalysisRequest.no_new_access(ALLOW_S3_ALL, ALLOW_S3_READ, origin=origin("Throttled")))
    [f] = res.findings
    assert f.issue_code == ANALYSIS_FAILED and "ThrottlingException" in f.message and "2 back-offs" in f.message
    assert "AppStack/Throttled/DefaultPolicy/Resource" in f.message
    assert sleeps == [1.0, 1.5]  # capped
    assert res.api_calls == 3


@pytest.mark.parametrize(
    ("code", "status"),
    [
        pytest.param("AccessDeniedException", 403, id="access-denied"),
        pytest.param("ValidationException", 400, id="validation"),
        pytest.param("UnprocessableEntityException", 422, id="unprocessable"),
    ],
)
def test_non_retryable_errors_fail_closed_at_once(stubbed: tuple[Any, Stubber], code: str, status: int) -> None:
    client, stub = stubbed
    stub.add_client_error("check_no_public_access", code, f"{code} message", status)
    b, sleeps = backend(client)
    out = b.check_no_public_access(PUBLIC_BUCKET, "AWS::S3::Bucket")
    assert out.result is CheckStatus.ERROR and code in out.errors[0]
    assert sleeps == [] and b.stats.api_calls == 1


# -- malformed responses --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "response",
    [
        pytest.param({}, id="missing-result"),
        pytest.param({"result": "MAYBE"}, id="unknown-result"),
        pytest.param({"result": "FAIL", "reasons": [{"statementIndex": -1}]}, id="negative-statement-index"),
    ],
)
def test_malformed_check_response_fails_closed(stubbed: tuple[Any, Stubber], response: dict) -> None:
    client, stub = stubbed
    stub.add_response("check_no_new_access", response)
    b, _ = backend(client)
    res = b.answer(AnalysisRequest.no_new_access(ALLOW_S3_ALL, ALLOW_S3_READ, origin=origin("Odd")))
    [f] = res.findings
    assert f.issue_code == ANALYSIS_FAILED and f.finding_type is FindingType.ERROR
    assert "CheckNoNewAccess" in f.message and "AppStack/Odd/DefaultPolicy/Resource" in f.message
    assert not res.complete


def test_run_keeps_results_obtained_around_a_failure(stubbed: tuple[Any, Stubber]) -> None:
    client, stub = stubbed
    stub.add_response("check_no_public_access", {"result": "FAIL", "message": "public",
                                                 "reasons": [{"statementIndex": 0}]})
    stub.add_response("check_no_public_access", {"message": "no result here"})
    stub.add_response("validate_policy", {"findings": [aa_finding("MISSING_VERSION", "ERROR", [])]})
    b, _ = backend(client)
    results = b.run([
        AnalysisRequest.no_public_access(PUBLIC_BUCKET, "AWS::S3::Bucket", origin("First")),
        AnalysisRequest.no_public_access(PUBLIC_BUCKET, "AWS::SQS::Queue", origin("Second")),
        AnalysisRequest.validate_policy(ALLOW_S3_READ, origin=origin("Third")),
    ])
    assert [[f.issue_code for f in r.findings] for r in results] == [
        ["PUBLIC_ACCESS"], [ANALYSIS_FAILED], ["MISSING_VERSION"]
    ]
    assert [r.complete for r in results] == [True, False, True]
    assert [r.request.origin for r in results] == [origin("First"), origin("Second"), origin("Third")]
    assert [r.api_calls for r in results] == [1, 1, 1]


def test_version_names_api_and_partition(stubbed: tuple[Any, Stubber]) -> None:
    client, _ = stubbed
    b, _ = backend(client)
    assert b.version == "access-analyzer/2019-11-01/adapter-1/aws"
    assert b.region == "eu-west-1"
