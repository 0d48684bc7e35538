"""The gate resolves AWS managed policies from the packaged snapshot, takes user documents
(``managedPolicies.documents``), and warns once when the snapshot is stale."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from least_privilege_constructs.access_analyzer.offline import OfflineBackend
from least_privilege_constructs.analysis import managed_policies
from least_privilege_constructs.analysis.gate import GateOptions, run_gate
from least_privilege_constructs.analysis.settings import SettingsError

LAMBDA_BASIC = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
UNKNOWN = "arn:aws:iam::aws:policy/service-role/NotInTheSnapshotRole"


def _assembly(tmp_path: Path, *managed: str) -> Path:
    out = tmp_path / "cdk.out"
    out.mkdir()
    template = {"Resources": {"Fn": {"Type": "AWS::IAM::Role", "Properties": {
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
        "ManagedPolicyArns": list(managed)}}}}
    (out / "S.template.json").write_text(json.dumps(template))
    (out / "manifest.json").write_text(json.dumps({"version": "36.0.0", "artifacts": {"S": {
        "type": "aws:cloudformation:stack", "environment": "aws://111122223333/us-east-1",
        "properties": {"templateFile": "S.template.json"}}}}))
    return out


def _codes(cdk_out: Path, options: GateOptions) -> list[str]:
    report = run_gate(str(cdk_out), options, backend=OfflineBackend())
    return [f.issue_code for f in report.findings]


def _options(tmp_path: Path, **context: Any) -> GateOptions:
    return GateOptions.resolve(context, env={}, base_dir=str(tmp_path))


def test_snapshot_resolves_and_user_documents_fill_the_rest(tmp_path: Path) -> None:
    assert "ESCALATION_UNDETERMINED" not in _codes(_assembly(tmp_path, LAMBDA_BASIC), _options(tmp_path))
    other = tmp_path / "other"
    other.mkdir()
    cdk_out = _assembly(other, LAMBDA_BASIC, UNKNOWN)
    assert "ESCALATION_UNDETERMINED" in _codes(cdk_out, _options(other))
    docs = other / "managed.json"
    docs.write_text(json.dumps({UNKNOWN: {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "logs:CreateLogGroup", "Resource": "*"}]}}))
    options = _options(other, managedPolicies={"documents": "managed.json"})
    assert UNKNOWN in options.managed_policy_documents
    assert "ESCALATION_UNDETERMINED" not in _codes(cdk_out, options)


def test_bad_documents_file_is_a_settings_error(tmp_path: Path) -> None:
    (tmp_path / "bad.jsonl").write_text("{not json\n")
    with pytest.raises(SettingsError) as err:
        _options(tmp_path, managedPolicies={"documents": "bad.jsonl"})
    assert err.value.code == "LPC-MANAGED-001" and "bad.jsonl:1" in err.value.problem


def test_stale_snapshot_warns_once_when_it_answered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(managed_policies, "STALE_AFTER_DAYS", -1)
    cdk_out = _assembly(tmp_path, LAMBDA_BASIC, "arn:aws:iam::aws:policy/ReadOnlyAccess")
    assert _codes(cdk_out, _options(tmp_path)).count("MANAGED_POLICY_SNAPSHOT_STALE") == 1
    no_aws = tmp_path / "none"
    no_aws.mkdir()
    assert "MANAGED_POLICY_SNAPSHOT_STALE" not in _codes(_assembly(no_aws), _options(no_aws))
