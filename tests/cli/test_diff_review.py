"""``lpc diff`` shows reviewers what a change suppresses or weakens (issue 20): the acknowledgments it adds,
with their reasons, and, in pipeline mode, cdk.json's weakenings of the platform's settings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from least_privilege_constructs.cli.main import main

ACK = "LeastPrivilege-PolicyValidation::ACCESS_GRANTED"


def assembly(path: Path, acknowledgments: dict[str, str]) -> Path:
    """A cloud assembly with one role and the given acknowledgments on it (as CDK synthesizes them)."""
    path.mkdir(parents=True)
    role = {"AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
        "Policies": [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}}]}
    (path / "App.template.json").write_text(json.dumps({"Resources": {"Role": {"Type": "AWS::IAM::Role",
                                                                               "Properties": role}}}))
    metadata: dict[str, Any] = {"/App/Role/Resource": [{"type": "aws:cdk:logicalId", "data": "Role"}]}
    if acknowledgments:
        metadata["/App/Role"] = [{"type": "aws:cdk:acknowledged-rules", "data": acknowledgments}]
    (path / "manifest.json").write_text(json.dumps({"version": "36.0.0", "artifacts": {"App": {
        "type": "aws:cloudformation:stack", "environment": "aws://111122223333/eu-west-1",
        "properties": {"templateFile": "App.template.json", "stackName": "App"}, "metadata": metadata}}}))
    return path


@pytest.fixture
def no_pipeline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("LEAST_PRIVILEGE_CI", "LEAST_PRIVILEGE_PLATFORM_SETTINGS"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "sarif"])
def test_given_a_change_adding_an_acknowledgment_when_diffed_then_it_is_listed_with_its_reason(
        no_pipeline: Path, capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    # given the same role before and after, the change acknowledging one of its findings
    old = assembly(no_pipeline / "old", {})
    new = assembly(no_pipeline / "new", {ACK: "reviewed in SEC-42"})
    # when diffed
    code = main(["diff", str(old), str(new), "--format", fmt])
    out = capsys.readouterr().out
    # then nothing broadens (exit 0), and the acknowledgment is listed: id, construct path, reason
    assert code == 0
    assert "ACKNOWLEDGMENT_ADDED" in out
    for part in (ACK, "/App/Role", "reviewed in SEC-42"):
        assert part in out, (part, out)


def test_given_an_acknowledgment_already_there_when_diffed_then_only_changes_are_listed(
        no_pipeline: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = assembly(no_pipeline / "old", {ACK: "reviewed in SEC-42"})
    same = assembly(no_pipeline / "same", {ACK: "reviewed in SEC-42"})
    changed = assembly(no_pipeline / "changed", {ACK: "because"})
    assert main(["diff", str(old), str(same), "--format", "json"]) == 0
    assert "ACKNOWLEDGMENT_ADDED" not in capsys.readouterr().out
    assert main(["diff", str(old), str(changed), "--format", "json"]) == 0
    [note] = json.loads(capsys.readouterr().out)["NonBlockingFindings"]
    assert note["issueCode"] == "ACKNOWLEDGMENT_ADDED" and "changed its reason: because" in note["message"]


def test_given_platform_settings_when_cdk_json_weakens_them_then_the_diff_reports_it_blocking(
        no_pipeline: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # given an unchanged app whose cdk.json drops SECURITY_WARNING from the blocking types
    old = assembly(no_pipeline / "old", {})
    new = assembly(no_pipeline / "new", {})
    (no_pipeline / "cdk.json").write_text(json.dumps({"context": {"least-privilege": {"treatAsBlocking": "ERROR"}}}))
    # outside pipeline mode lpc diff does not read cdk.json: nothing to report
    assert main(["diff", str(old), str(new)]) == 0
    capsys.readouterr()
    # when diffed with the platform's settings
    code = main(["diff", str(old), str(new), "--format", "markdown", "--platform-settings", "{}"])
    out = capsys.readouterr().out
    # then the weakening is a blocking change of the review, naming the setting
    assert code == 2
    [row] = [line for line in out.splitlines() if line.startswith("| ") and "LPC-SETTINGS-WEAKENED" in line]
    assert row.startswith("| :warning: |") and "treatAsBlocking" in row and "SECURITY_WARNING" in row
