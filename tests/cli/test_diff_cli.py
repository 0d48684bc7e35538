"""``lpc diff``: exit 0 no broadening, 2 broadening, 1 usage error; every format (given / when / then)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from least_privilege_constructs.cli.main import main

TRUST = {"Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole"}]}


def write(path: Path, actions: list[str], boundary: bool = True) -> str:
    role: dict[str, Any] = {"AssumeRolePolicyDocument": TRUST, "Policies": [{"PolicyName": "p", "PolicyDocument": {
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}}]}
    if boundary:
        role["PermissionsBoundary"] = "arn:aws:iam::111122223333:policy/boundary"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"Resources": {"Role": {"Type": "AWS::IAM::Role", "Properties": role}}}))
    return str(path)


def test_given_the_same_access_when_diffed_then_exit_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = write(tmp_path / "old" / "App.json", ["s3:GetObject", "s3:PutObject"])
    new = write(tmp_path / "new" / "App.json", ["s3:PutObject", "s3:GetObject"])
    assert main(["diff", old, new]) == 0
    assert "Policy diff: no broadening. Compared: 1 principals." in capsys.readouterr().out


def test_given_a_removed_boundary_when_diffed_then_exit_2_in_every_format(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = write(tmp_path / "old" / "App.json", ["s3:GetObject"])
    new = write(tmp_path / "new" / "App.json", ["s3:GetObject"], boundary=False)
    assert main(["diff", old, new, "--format", "json"]) == 2
    assert json.loads(capsys.readouterr().out)["BlockingFindings"][0]["issueCode"] == "BOUNDARY_REMOVED"
    out = tmp_path / "diff.sarif"
    assert main(["diff", old, new, "--format", "sarif", "-o", str(out)]) == 2
    assert json.loads(out.read_text())["runs"][0]["results"][0]["ruleId"] == "BOUNDARY_REMOVED"
    assert main(["diff", old, new, "--format", "markdown"]) == 2
    assert "`BOUNDARY_REMOVED`" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["diff", "only-one"], "expected two paths"),
    (["diff", "--deployed", "a", "b"], "--deployed takes one path"),
    (["diff", "missing-old", "missing-new"], "no such file or directory"),
])
def test_given_bad_arguments_when_run_then_exit_1_without_traceback(
        argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_given_two_policy_files_when_diffed_then_they_are_compared_whatever_their_names(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old, new = tmp_path / "before.json", tmp_path / "after.json"
    old.write_text(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}))
    new.write_text(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "*"}]}))
    assert main(["diff", str(old), str(new), "--format", "json"]) == 2
    report = json.loads(capsys.readouterr().out)
    assert [f["issueCode"] for f in report["BlockingFindings"]] == ["NEW_ACCESS"]
    assert report["diff"]["compared"] == {"policies": 1}
    assert main(["diff", str(old), str(old)]) == 0


def test_given_no_credentials_when_diffing_against_deployed_then_exit_1_without_traceback(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                 "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    out = tmp_path / "cdk.out"
    out.mkdir()
    write(out / "App.template.json", ["s3:GetObject"])
    (out / "manifest.json").write_text(json.dumps({"version": "36.0.0", "artifacts": {"App": {
        "type": "aws:cloudformation:stack", "environment": "aws://111122223333/eu-west-1",
        "properties": {"templateFile": "App.template.json", "stackName": "App"}}}}))
    assert main(["diff", "--deployed", str(out)]) == 1
    err = capsys.readouterr().err
    assert "cannot read the deployed templates" in err and "Traceback" not in err
