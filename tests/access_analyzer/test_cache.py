"""The content-hash cache: an unchanged app makes zero calls; failures are not cached; corrupt entries
are re-fetched; writes are atomic; the cache never lives in cdk.out."""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import Stubber

from least_privilege_constructs.access_analyzer.backend import Backend
from least_privilege_constructs.access_analyzer.cache import (
    CacheLocationError,
    CachingBackend,
    ResultCache,
    check_cache_location,
    request_key,
)
from least_privilege_constructs.access_analyzer.online import AccessAnalyzerBackend
from least_privilege_constructs.analysis.findings import Finding, FindingType, PolicyOrigin, PolicyType
from least_privilege_constructs.analysis.outcome import (
    ANALYSIS_FAILED,
    Check,
    CheckOutcome,
    CheckStatus,
    Reason,
)
from least_privilege_constructs.analysis.request import AnalysisRequest
from tests.access_analyzer.aa_fakes import ALLOW_S3_ALL, ALLOW_S3_READ, PUBLIC_BUCKET, make_client, origin


class Counting(Backend):
    """Deterministic answers; counts the questions; fails for policies whose first Sid is 'Broken'."""

    name = "counting"

    def __init__(self, version: str = "1") -> None:
        self._version = version
        self.calls = 0
        self.lock = threading.Lock()

    @property
    def version(self) -> str:
        return self._version

    def _count(self) -> None:
        with self.lock:
            self.calls += 1

    def _api_calls_of_request(self) -> int:
        return 1

    @staticmethod
    def _broken(doc: Any) -> bool:
        return isinstance(doc, dict) and doc["Statement"][0].get("Sid") == "Broken"

    def validate_policy(self, document: Any, policy_type: Any, resource_type: Any = None,
                        origin: PolicyOrigin | None = None) -> list[Finding]:
        self._count()
        if self._broken(document):
            from least_privilege_constructs.analysis.outcome import analysis_failed

            return [analysis_failed(Check.VALIDATE_POLICY, origin, "boom")]
        return [Finding(FindingType.WARNING, "MISSING_VERSION", "add a version", [["Statement", 0]], origin=origin)]

    def check_no_new_access(self, new: Any, existing: Any, policy_type: Any,
                            origin: PolicyOrigin | None = None) -> CheckOutcome:
        self._count()
        return CheckOutcome(Check.NO_NEW_ACCESS, CheckStatus.FAIL, "new access", (Reason("x", 0, "All"),))

    def check_access_not_granted(self, document: Any, actions: Sequence[str], resources: Sequence[str],
                                 policy_type: Any, origin: PolicyOrigin | None = None) -> CheckOutcome:
        self._count()
        return CheckOutcome(Check.ACCESS_NOT_GRANTED, CheckStatus.PASS, "ok")

    def check_no_public_access(self, document: Any, resource_type: str,
                               origin: PolicyOrigin | None = None) -> CheckOutcome:
        self._count()
        if self._broken(document):
            return CheckOutcome(Check.NO_PUBLIC_ACCESS, CheckStatus.ERROR, errors=("throttled for good",))
        return CheckOutcome(Check.NO_PUBLIC_ACCESS, CheckStatus.UNKNOWN, "solver timeout") if resource_type == (
            "AWS::SQS::Queue") else CheckOutcome(Check.NO_PUBLIC_ACCESS, CheckStatus.PASS, "ok")


BROKEN = {"Version": "2012-10-17", "Statement": [{"Sid": "Broken", "Effect": "Allow", "Action": "*", "Resource": "*"}]}


def app_requests() -> list[AnalysisRequest]:
    return [
        AnalysisRequest.validate_policy(ALLOW_S3_ALL, origin=origin("A")),
        AnalysisRequest.no_new_access(ALLOW_S3_ALL, ALLOW_S3_READ, origin=origin("A")),
        AnalysisRequest.access_not_granted(ALLOW_S3_ALL, ["s3:DeleteBucket", "iam:PassRole"], origin=origin("A")),
        AnalysisRequest.no_public_access(PUBLIC_BUCKET, "AWS::S3::Bucket", origin("Bucket")),
    ]


def report(results: list) -> list[dict]:
    return [r.to_dict() | {"cached": None, "apiCalls": None} for r in results]


def test_second_run_makes_zero_calls(tmp_path: Path) -> None:
    first = CachingBackend(Counting(), ResultCache(tmp_path))
    out1 = first.run(app_requests())
    assert first.inner.calls == 4 and first.stats.misses == 4 and first.stats.stored == 4
    second = CachingBackend(Counting(), ResultCache(tmp_path))  # a new process: a fresh backend
    out2 = second.run(app_requests())
    assert second.inner.calls == 0 and second.stats.hits == 4 and second.stats.api_calls == 0
    assert all(r.cached for r in out2)
    assert report(out1) == report(out2)  # same findings, same origins, same outcomes


def test_zero_access_analyzer_calls_on_resynth(tmp_path: Path) -> None:
    """With the real client under a Stubber: the second run has no stubbed responses at all, and an
    unexpected call would fail the request (the Stubber raises), so every answer is from the cache."""
    requests = [
        AnalysisRequest.validate_policy(ALLOW_S3_ALL, origin=origin("A")),
        AnalysisRequest.no_public_access(PUBLIC_BUCKET, "AWS::S3::Bucket", origin("Bucket")),
        AnalysisRequest.access_not_granted(ALLOW_S3_ALL, [f"s3:A{i}" for i in range(150)], origin=origin("A")),
    ]
    client = make_client()
    with Stubber(client) as stub:
        stub.add_response("validate_policy", {"findings": []})
        stub.add_response("check_no_public_access", {"result": "PASS", "message": "ok"})
        stub.add_response("check_access_not_granted", {"result": "PASS", "message": "ok"})
        stub.add_response("check_access_not_granted", {"result": "PASS", "message": "ok"})
        first = CachingBackend(AccessAnalyzerBackend(client, max_concurrency=1), ResultCache(tmp_path))
        assert all(r.complete for r in first.run(requests))
        stub.assert_no_pending_responses()
    assert first.stats.api_calls == 4
    client2 = make_client()
    with Stubber(client2):
        online = AccessAnalyzerBackend(client2, max_concurrency=1)
        second = CachingBackend(online, ResultCache(tmp_path))
        results = second.run(requests)
    assert all(r.complete and r.cached for r in results)
    assert online.stats.api_calls == 0 and second.stats.api_calls == 0 and second.stats.hits == 3


def test_failed_and_inconclusive_answers_are_not_cached(tmp_path: Path) -> None:
    requests = [
        AnalysisRequest.validate_policy(BROKEN, origin=origin("Broken")),
        AnalysisRequest.no_public_access(BROKEN, "AWS::S3::Bucket", origin("Broken")),
        AnalysisRequest.no_public_access(PUBLIC_BUCKET, "AWS::SQS::Queue", origin("Queue")),  # UNKNOWN
        AnalysisRequest.validate_policy(ALLOW_S3_READ, origin=origin("Fine")),
    ]
    backend = CachingBackend(Counting(), ResultCache(tmp_path))
    results = backend.run(requests)
    assert [r.complete for r in results] == [False, False, False, True]
    assert [[f.issue_code for f in r.findings] for r in results] == [
        [ANALYSIS_FAILED], [ANALYSIS_FAILED], ["CHECK_UNDETERMINED"], ["MISSING_VERSION"]
    ]
    assert backend.stats.stored == 1
    again = CachingBackend(Counting(), ResultCache(tmp_path))
    again.run(requests)
    assert again.inner.calls == 3 and again.stats.hits == 1  # the failures are asked again


def test_same_content_is_asked_once_per_run_with_each_origin(tmp_path: Path) -> None:
    reqs = [AnalysisRequest.validate_policy(ALLOW_S3_ALL, origin=origin(n)) for n in ("A", "B", "C")]
    reqs.append(AnalysisRequest.validate_policy(BROKEN, origin=origin("X")))
    reqs.append(AnalysisRequest.validate_policy(BROKEN, origin=origin("Y")))
    backend = CachingBackend(Counting(), None)  # no disk cache: de-duplication only
    results = backend.run(reqs)
    assert backend.inner.calls == 2 and backend.stats.deduplicated == 3
    assert [r.findings[0].origin for r in results] == [origin(n) for n in "ABCXY"]
    assert "AppStack/Y/DefaultPolicy/Resource" in results[4].findings[0].message  # failure names its own policy


def test_corrupt_entries_are_ignored_and_refetched(tmp_path: Path) -> None:
    req = [AnalysisRequest.validate_policy(ALLOW_S3_ALL, origin=origin())]
    CachingBackend(Counting(), ResultCache(tmp_path)).run(req)
    [entry] = list(tmp_path.rglob("*.json"))
    original = json.loads(entry.read_text())
    assert original["key"] == entry.stem and original["findings"][0]["issueCode"] == "MISSING_VERSION"
    for garbage in ("{not json", json.dumps({**original, "key": "other"}),
                    json.dumps({**original, "findings": [{"findingType": "NOPE"}]}), "\x00\x01"):
        entry.write_text(garbage)
        backend = CachingBackend(Counting(), ResultCache(tmp_path))
        [res] = backend.run(req)
        assert backend.inner.calls == 1 and res.complete and not res.cached
        assert backend.cache is not None and backend.cache.corrupt == 1
    assert CachingBackend(Counting(), ResultCache(tmp_path)).run(req)[0].cached  # repaired


def test_entries_expire(tmp_path: Path) -> None:
    now = [1000.0]
    req = [AnalysisRequest.validate_policy(ALLOW_S3_ALL)]
    CachingBackend(Counting(), ResultCache(tmp_path, max_age=60, clock=lambda: now[0])).run(req)
    now[0] += 30
    fresh = CachingBackend(Counting(), ResultCache(tmp_path, max_age=60, clock=lambda: now[0]))
    fresh.run(req)
    assert fresh.inner.calls == 0
    now[0] += 31
    stale = CachingBackend(Counting(), ResultCache(tmp_path, max_age=60, clock=lambda: now[0]))
    stale.run(req)
    assert stale.inner.calls == 1 and stale.cache is not None and stale.cache.expired == 1


def _key(req: AnalysisRequest, version: str = "1") -> str:
    return request_key(req, "counting", version)


def test_key_is_the_content() -> None:
    base = AnalysisRequest.access_not_granted(ALLOW_S3_ALL, ["s3:A", "s3:B"], ["arn:aws:s3:::b"], origin=origin("A"))
    same = [
        AnalysisRequest.access_not_granted(ALLOW_S3_ALL, ["s3:B", "s3:A", "s3:A"], ["arn:aws:s3:::b"],
                                           origin=origin("Other")),
        AnalysisRequest.access_not_granted(json.dumps(ALLOW_S3_ALL, indent=4), ["s3:A", "s3:B"], ["arn:aws:s3:::b"]),
    ]
    different = [
        AnalysisRequest.access_not_granted(ALLOW_S3_READ, ["s3:A", "s3:B"], ["arn:aws:s3:::b"]),
        AnalysisRequest.access_not_granted(ALLOW_S3_ALL, ["s3:A"], ["arn:aws:s3:::b"]),
        AnalysisRequest.access_not_granted(ALLOW_S3_ALL, ["s3:A", "s3:B"], ["arn:aws:s3:::c"]),
        AnalysisRequest.access_not_granted(ALLOW_S3_ALL, ["s3:A", "s3:B"], ["arn:aws:s3:::b"], "RESOURCE_POLICY"),
        AnalysisRequest.no_new_access(ALLOW_S3_ALL, ALLOW_S3_READ),
    ]
    assert all(_key(r) == _key(base) for r in same)
    keys = {_key(r) for r in different} | {_key(base, version="2")}
    assert len(keys) == len(different) + 1 and _key(base) not in keys
    nna = AnalysisRequest.no_new_access(ALLOW_S3_ALL, ALLOW_S3_READ, PolicyType.IDENTITY_POLICY)
    assert _key(nna) != _key(AnalysisRequest.no_new_access(ALLOW_S3_ALL, ALLOW_S3_ALL))  # the reference counts


def test_concurrent_writers_leave_one_readable_entry(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path)
    key = "ab" * 32
    payload = {"check": "validate-policy", "findings": [], "outcome": None, "blob": "x" * 100_000}

    def write() -> None:
        for _ in range(20):
            cache.put(key, payload)
            assert cache.get(key) is not None  # never a torn read

    threads = [threading.Thread(target=write) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [f"{key}.json"]  # no temp files left
    assert cache.corrupt == 0


@pytest.mark.parametrize(
    "relative",
    [pytest.param("cdk.out/.cache", id="named-cdk.out"), pytest.param("assembly/cache", id="CDK_OUTDIR")],
)
def test_cache_inside_cdk_out_is_rejected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, relative: str) -> None:
    monkeypatch.setenv("CDK_OUTDIR", str(tmp_path / "assembly"))
    with pytest.raises(CacheLocationError, match=r"outside cdk\.out"):
        ResultCache(tmp_path / relative)


def test_cache_inside_a_cloud_assembly_is_rejected(tmp_path: Path) -> None:
    asm = tmp_path / "out"
    asm.mkdir()
    (asm / "manifest.json").write_text("{}")
    (asm / "tree.json").write_text("{}")
    with pytest.raises(CacheLocationError, match="inside the cloud assembly"):
        check_cache_location(asm / "cache")
    assert check_cache_location(tmp_path / "elsewhere") == (tmp_path / "elsewhere").resolve()


def test_unwritable_cache_does_not_fail_the_analysis(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    backend = CachingBackend(Counting(), ResultCache(blocker))
    [res] = backend.run([AnalysisRequest.validate_policy(ALLOW_S3_ALL)])
    assert res.complete and [f.issue_code for f in res.findings] == ["MISSING_VERSION"]


def test_single_question_methods_go_through_the_cache(tmp_path: Path) -> None:
    backend = CachingBackend(Counting(), ResultCache(tmp_path))
    for _ in range(2):
        assert backend.check_no_new_access(ALLOW_S3_ALL, ALLOW_S3_READ, "IDENTITY_POLICY").result is CheckStatus.FAIL
        assert backend.check_access_not_granted(ALLOW_S3_ALL, ["s3:A"], [], "IDENTITY_POLICY").passed
        assert backend.check_no_public_access(PUBLIC_BUCKET, "AWS::S3::Bucket").passed
        assert backend.validate_policy(ALLOW_S3_ALL, "IDENTITY_POLICY")[0].issue_code == "MISSING_VERSION"
    assert backend.inner.calls == 4 and backend.stats.hits == 4
    broken = backend.check_no_public_access(BROKEN, "AWS::S3::Bucket")
    assert broken.result is CheckStatus.ERROR and "throttled for good" in broken.errors[0]
