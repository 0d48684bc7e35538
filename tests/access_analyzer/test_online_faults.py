"""Injected faults under botocore's real retry logic: a fake HTTP layer answers at ``before-send``
(below the retry handler), so botocore's ``standard``/``adaptive`` modes retry exactly as they would
against the service. Back-off sleeps are recorded, not slept."""

from __future__ import annotations

import time
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError, ReadTimeoutError

from least_privilege_constructs.access_analyzer.online import AccessAnalyzerBackend
from least_privilege_constructs.analysis.outcome import ANALYSIS_FAILED, CheckStatus
from least_privilege_constructs.analysis.request import AnalysisRequest
from tests.access_analyzer.aa_fakes import (
    ALLOW_S3_ALL,
    ALLOW_S3_READ,
    PUBLIC_BUCKET,
    FakeHttp,
    Sleeps,
    error_body,
    make_client,
    origin,
)

PASS = (200, {"result": "PASS", "message": "ok", "reasons": []})
THROTTLE = (429, error_body("ThrottlingException", "Rate exceeded"))
ISE = (500, error_body("InternalServerException", "internal"))
UNAVAILABLE = (503, b"<html>Service Unavailable</html>")
TIMEOUT = ReadTimeoutError(endpoint_url="https://access-analyzer.eu-west-1.amazonaws.com/policy/check-no-new-access")


def online(script: list[Any], *, retry_mode: str = "standard", max_attempts: int = 3, **kw: Any
           ) -> tuple[AccessAnalyzerBackend, FakeHttp, list[float]]:
    client = make_client(retry_mode, max_attempts)
    fake = FakeHttp(script=list(script)).attach(client)
    ours: list[float] = []
    backend = AccessAnalyzerBackend(client, sleep=ours.append, jitter=lambda: 1.0, **kw)
    return backend, fake, ours


def no_new_access(name: str = "Role") -> AnalysisRequest:
    return AnalysisRequest.no_new_access(ALLOW_S3_READ, ALLOW_S3_ALL, origin=origin(name))


@pytest.mark.parametrize(
    ("script", "http_attempts"),
    [
        pytest.param([THROTTLE, THROTTLE, PASS], 3, id="throttled-twice"),
        pytest.param([ISE, PASS], 2, id="500-once"),
        pytest.param([UNAVAILABLE, ISE, PASS], 3, id="503-then-500"),
        pytest.param([TIMEOUT, PASS], 2, id="read-timeout-once"),
        pytest.param([EndpointConnectionError(endpoint_url="https://x"), PASS], 2, id="connection-error"),
    ],
)
def test_botocore_retries_transient_faults(botocore_sleeps: Sleeps, script: list[Any], http_attempts: int) -> None:
    backend, fake, ours = online(script)
    res = backend.answer(no_new_access())
    assert res.complete and res.outcome is not None and res.outcome.passed
    assert backend.stats.http_attempts == http_attempts == len(fake.attempts)
    assert backend.stats.api_calls == 1 and res.api_calls == 1  # one logical call, retried by botocore
    assert len(botocore_sleeps.delays) == http_attempts - 1  # botocore backed off between attempts
    assert ours == []


@pytest.mark.parametrize(
    ("fault", "text"),
    [
        pytest.param(ISE, "InternalServerException", id="500"),
        pytest.param(TIMEOUT, "ReadTimeoutError", id="read-timeout"),
        pytest.param(UNAVAILABLE, "503", id="503"),
    ],
)
def test_faults_that_outlast_retries_fail_closed(botocore_sleeps: Sleeps, fault: Any, text: str) -> None:
    backend, fake, _ = online([fault] * 3, max_attempts=3)
    res = backend.answer(no_new_access("Flaky"))
    assert len(fake.attempts) == 3
    [f] = res.findings
    assert f.issue_code == ANALYSIS_FAILED and f.is_blocking()
    assert text in f.message and "AppStack/Flaky/DefaultPolicy/Resource" in f.message
    assert res.outcome is not None and res.outcome.result is CheckStatus.ERROR


def test_throttling_beyond_botocore_is_backed_off_by_us(botocore_sleeps: Sleeps) -> None:
    # botocore gives up after 2 attempts; our back-off retries the call, which then succeeds
    backend, fake, ours = online([THROTTLE, THROTTLE, THROTTLE, PASS], max_attempts=2,
                                 backoff_base=0.25, throttle_retries=2)
    out = backend.check_no_new_access(ALLOW_S3_READ, ALLOW_S3_ALL, "IDENTITY_POLICY")
    assert out.passed
    assert len(fake.attempts) == 4 and backend.stats.api_calls == 2
    assert ours == [0.25] and backend.stats.throttle_backoffs == 1
    assert len(botocore_sleeps.delays) == 2


def test_adaptive_mode_retries_throttling(botocore_sleeps: Sleeps) -> None:
    backend, fake, _ = online([THROTTLE, PASS], retry_mode="adaptive", max_attempts=3)
    started = time.monotonic()
    assert backend.check_no_public_access(PUBLIC_BUCKET, "AWS::S3::Bucket").passed
    assert len(fake.attempts) == 2
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    ("body", "text"),
    [
        pytest.param(b"<html>not json</html>", "no 'findings' list", id="not-json"),
        pytest.param(b'{"findings": [', "no 'findings' list", id="truncated-json"),
        pytest.param({"findings": [{"findingType": "FATAL", "issueCode": "X", "findingDetails": "d",
                                    "learnMoreLink": "l", "locations": []}]}, "invalid findingType", id="bad-type"),
        pytest.param({"findings": [{"findingType": "ERROR", "findingDetails": "d", "learnMoreLink": "l",
                                    "locations": []}]}, "no issueCode", id="missing-issue-code"),
        pytest.param({"findings": [{"findingType": "ERROR", "issueCode": "X", "findingDetails": "d",
                                    "learnMoreLink": "l", "locations": [{"path": [{"weird": 1}]}]}]},
                     "unknown path element", id="bad-path"),
        pytest.param({"findings": [], "nextToken": "same"}, "does not terminate", id="looping-pagination"),
    ],
)
def test_malformed_validate_policy_response_fails_closed(botocore_sleeps: Sleeps, body: Any, text: str) -> None:
    script = [(200, body)] * (2 if text == "does not terminate" else 1)
    backend, _, _ = online(script)
    findings = backend.validate_policy(ALLOW_S3_ALL, "IDENTITY_POLICY", origin=origin("Garbled"))
    assert [f.issue_code for f in findings] == [ANALYSIS_FAILED]
    assert text in findings[0].message and "AppStack/Garbled/DefaultPolicy/Resource" in findings[0].message


def test_malformed_check_body_fails_closed(botocore_sleeps: Sleeps) -> None:
    backend, _, _ = online([(200, {"message": "no result"})])
    out = backend.check_no_new_access(ALLOW_S3_READ, ALLOW_S3_ALL, "IDENTITY_POLICY")
    assert out.result is CheckStatus.ERROR and "no valid 'result'" in out.errors[0]


def _reply_by_policy(operation: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """PASS for policies whose Sid ends in an even number, FAIL for odd ones; 500 for Sid 'Broken'."""
    import json

    sid = json.loads(body["policyDocument"])["Statement"][0]["Sid"]
    if sid == "Broken":
        return ISE
    n = int(sid.removeprefix("S"))
    return (200, {"result": "FAIL" if n % 2 else "PASS", "message": sid,
                  "reasons": [{"statementIndex": 0, "statementId": sid}] if n % 2 else []})


def _policy(sid: str) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": sid, "Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": "*"}]}


@pytest.mark.parametrize("bound", [1, 3], ids=["sequential", "three-in-flight"])
def test_run_respects_the_concurrency_bound_and_keeps_order(botocore_sleeps: Sleeps, bound: int) -> None:
    client = make_client("standard", 2)
    fake = FakeHttp(reply=_reply_by_policy, delay=0.02).attach(client)
    backend = AccessAnalyzerBackend(client, max_concurrency=bound)
    sids = [f"S{i}" for i in range(12)]
    sids[5] = "Broken"
    requests = [AnalysisRequest.no_public_access(_policy(s), "AWS::SQS::Queue", origin(s)) for s in sids]
    results = backend.run(requests)
    assert fake.peak <= bound and backend.stats.peak_in_flight <= bound
    if bound > 1:
        assert fake.peak >= 2  # it did run concurrently
    assert [r.request.origin for r in results] == [origin(s) for s in sids]
    for sid, r in zip(sids, results):
        codes = [f.issue_code for f in r.findings]
        if sid == "Broken":
            assert codes == [ANALYSIS_FAILED] and "InternalServerException" in r.findings[0].message
        else:
            assert codes == (["PUBLIC_ACCESS"] if int(sid[1:]) % 2 else [])
            assert r.outcome is not None and r.outcome.message == sid


def test_concurrency_bound_also_holds_for_callers_threads(botocore_sleeps: Sleeps) -> None:
    from concurrent.futures import ThreadPoolExecutor

    client = make_client("standard", 2)
    fake = FakeHttp(reply=_reply_by_policy, delay=0.02).attach(client)
    backend = AccessAnalyzerBackend(client, max_concurrency=2)
    with ThreadPoolExecutor(8) as pool:
        outs = list(pool.map(lambda i: backend.check_no_public_access(_policy(f"S{i}"), "AWS::SQS::Queue"),
                             range(16)))
    assert fake.peak <= 2 and len(outs) == 16


def test_batches_of_one_check_run_concurrently_and_cover_the_cross_product(botocore_sleeps: Sleeps) -> None:
    actions = [f"s3:Action{i:03d}" for i in range(250)]
    resources = [f"arn:aws:s3:::bucket-{i:03d}/*" for i in range(150)]
    needle = ("s3:Action222", "arn:aws:s3:::bucket-123/*")

    def reply(operation: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        [access] = body["access"]
        hit = needle[0] in access["actions"] and needle[1] in access["resources"]
        return (200, {"result": "FAIL" if hit else "PASS", "message": "m",
                      "reasons": [{"description": "granted", "statementIndex": 0}] if hit else []})

    client = make_client("standard", 2)
    fake = FakeHttp(reply=reply, delay=0.02).attach(client)
    backend = AccessAnalyzerBackend(client, max_concurrency=4)
    res = backend.answer(AnalysisRequest.access_not_granted(ALLOW_S3_ALL, actions, resources, origin=origin()))
    assert len(fake.attempts) == 6 and res.api_calls == 6
    assert 2 <= fake.peak <= 4
    pairs = [(a, r) for _, body in fake.attempts for a in body["access"][0]["actions"]
             for r in body["access"][0]["resources"]]
    assert len(pairs) == len(set(pairs)) == 250 * 150
    assert [f.issue_code for f in res.findings] == ["ACCESS_GRANTED"]
    assert res.outcome is not None and res.outcome.details["failedBatches"] == [5]
