"""The planted app through the Access Analyzer backend (botocore Stubber, the real API model) gives the
same report as the offline analyzer: same findings, same origins, same shape."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from least_privilege_constructs.access_analyzer import AnalysisRequest
from least_privilege_constructs.access_analyzer.offline import OfflineBackend
from least_privilege_constructs.access_analyzer.online import AccessAnalyzerBackend
from least_privilege_constructs.analysis.findings import Finding
from least_privilege_constructs.analysis.gate import GateOptions, run_gate
from least_privilege_constructs.analysis.outcome import Check
from tests.validation.planted_app import build_planted_app


class Recording(OfflineBackend):  # type: ignore[misc]
    """The offline backend, remembering every answer in order."""

    def __init__(self) -> None:
        super().__init__()
        self.answers: list[Any] = []

    def run(self, requests: Any) -> list[Any]:
        results = super().run(requests)
        self.answers.extend(results)
        return results


def _aa_location(path: list[Any]) -> dict[str, Any]:
    steps = []
    for step in path:
        if isinstance(step, int):
            steps.append({"index": step})
        elif step is None:
            steps.append({"key": "key"})
        else:
            steps.append({"value": str(step)})
    zero = {"line": 1, "column": 0, "offset": 0}
    return {"path": steps, "span": {"start": zero, "end": zero}}


def _aa_finding(f: Finding) -> dict[str, Any]:
    return {
        "findingDetails": f.message,
        "findingType": f.finding_type.value,
        "issueCode": f.issue_code,
        "learnMoreLink": "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html",
        "locations": [_aa_location(list(p)) for p in f.locations],
    }


OPERATION = {
    Check.VALIDATE_POLICY: "validate_policy",
    Check.NO_NEW_ACCESS: "check_no_new_access",
    Check.ACCESS_NOT_GRANTED: "check_access_not_granted",
    Check.NO_PUBLIC_ACCESS: "check_no_public_access",
}


def _summary(findings: list[Finding]) -> list[tuple[Any, ...]]:
    return sorted(
        (f.issue_code, f.finding_type.value, f.check, f.origin.construct_path if f.origin else None)
        for f in findings
    )


@pytest.fixture(scope="module")
def assembly(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GateOptions]:
    base = tmp_path_factory.mktemp("planted-online")
    app, plugin = build_planted_app(str(base / "cdk.out"), base)
    with pytest.raises(RuntimeError):
        app.synth()
    return base / "cdk.out", plugin.options


def test_stubbed_access_analyzer_gives_the_offline_report(assembly: tuple[Path, GateOptions]) -> None:
    cdk_out, options = assembly
    options = GateOptions(**{**options.__dict__, "escalation": False})
    # given the offline answers to every question of the gate
    recording = Recording()
    offline = run_gate(str(cdk_out), options, backend=recording, backend_reason="test")
    # and a real boto3 client whose responses are those answers, checked against the API model
    client = boto3.client("accessanalyzer", region_name="us-east-1", aws_access_key_id="AKIDEXAMPLE",
                          aws_secret_access_key="secret")
    stubber = Stubber(client)
    for result in recording.answers:
        request: AnalysisRequest = result.request
        if request.check is Check.VALIDATE_POLICY:
            stubber.add_response("validate_policy", {"findings": [_aa_finding(f) for f in result.findings]},
                                 {"policyDocument": ANY, "policyType": request.policy_type.value,
                                  **({"validatePolicyResourceType": request.resource_type} if request.resource_type else {})})
        else:
            body = result.outcome.to_dict()
            body.pop("errors", None)
            stubber.add_response(OPERATION[request.check], body)
    online = AccessAnalyzerBackend(client, max_concurrency=1, sleep=lambda _s: None)
    # when the gate runs through Access Analyzer
    with stubber:
        report = run_gate(str(cdk_out), options, backend=online, backend_reason="test")
        stubber.assert_no_pending_responses()
    # then the report is the same, finding for finding, and every call was made
    assert report.backend != offline.backend
    assert _summary(report.findings) == _summary(offline.findings)
    assert report.api_calls == len(recording.answers)
    assert set(report.to_dict()) == set(offline.to_dict())
    assert {f["issueCode"] for f in report.to_dict()["findings"]} >= {"INVALID_ACTION", "NEW_ACCESS", "PUBLIC_ACCESS"}
