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


# -- acknowledgments that apply to what the change adds or changes (review2: an existing acknowledgment hid a new
#    role's blocking finding) -----------------------------------------------------------------------------------
BOUNDARY = "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/boundaries/lpc-developer-boundary"
LEGACY = [{"Effect": "Allow", "Action": "kms:ScheduleKeyDeletion", "Resource": "arn:aws:kms:eu-west-1:111122223333:key/legacy"}]
EVIL = [{"Effect": "Allow", "Action": ["s3:PutBucketPolicy", "cloudtrail:StopLogging"], "Resource": "*"}]


def role(statements: list[dict[str, Any]], path: str) -> dict[str, Any]:
    return {"Type": "AWS::IAM::Role", "Metadata": {"aws:cdk:path": path}, "Properties": {
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
        "PermissionsBoundary": {"Fn::Sub": BOUNDARY},
        "Policies": [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17", "Statement": statements}}]}}


def legacy_app(path: Path, resources: dict[str, Any], reason: str = "SEC-12: key rotation job deletes legacy keys") -> Path:
    """The reviewer's app: an acknowledgment of ACCESS_GRANTED on /App/Legacy, and the given roles."""
    path.mkdir(parents=True)
    (path / "App.template.json").write_text(json.dumps({"Resources": resources}))
    (path / "manifest.json").write_text(json.dumps({"version": "36.0.0", "artifacts": {"App": {
        "type": "aws:cloudformation:stack", "environment": "aws://111122223333/eu-west-1",
        "properties": {"templateFile": "App.template.json", "stackName": "App"},
        "metadata": {"/App/Legacy": [{"type": "aws:cdk:acknowledged-rules", "data": {ACK: reason}}]}}}}))
    return path


def diff_json(old: Path, new: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[dict[str, Any]]]:
    code = main(["diff", str(old), str(new), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    return code, [*report.get("BlockingFindings", []), *report.get("NonBlockingFindings", [])]


@pytest.mark.parametrize("head, changed", [
    # a new role whose metadata claims the acknowledged construct path (the commit controls the whole assembly)
    ({"Legacy": role(LEGACY, "App/Legacy/Resource"), "NewRole": role(EVIL, "App/Legacy/Resource")},
     "role App/Legacy/Resource (added)"),
    # a new role below the acknowledged construct
    ({"Legacy": role(LEGACY, "App/Legacy/Resource"), "Helper": role(EVIL, "App/Legacy/Helper/Resource")},
     "role App/Legacy/Helper/Resource (added)"),
    # the acknowledged role itself, granted more
    ({"Legacy": role(LEGACY + EVIL, "App/Legacy/Resource")}, "role App/Legacy/Resource (changed)"),
])
def test_given_an_existing_acknowledgment_when_the_change_adds_or_changes_a_principal_under_it_then_the_diff_lists_it(
        no_pipeline: Path, capsys: pytest.CaptureFixture[str], head: dict[str, Any], changed: str) -> None:
    # given the base with the acknowledged legacy role, and a head whose acknowledgments are unchanged
    old = legacy_app(no_pipeline / "base", {"Legacy": role(LEGACY, "App/Legacy/Resource")})
    new = legacy_app(no_pipeline / "head", head)
    # when diffed
    _code, findings = diff_json(old, new, capsys)
    # then the acknowledgment that now covers the new or changed principal is listed: id, path, reason, principal
    [note] = [f for f in findings if f["issueCode"] == "ACKNOWLEDGMENT_APPLIES"]
    assert note["details"]["acknowledgmentId"] == ACK and note["details"]["constructPath"] == "/App/Legacy"
    assert note["details"]["reason"].startswith("SEC-12") and changed in note["message"]
    assert note["findingType"] == "SUGGESTION"  # for review: the pipeline asks for approval, the diff does not block
    assert not [f for f in findings if f["issueCode"] == "ACKNOWLEDGMENT_ADDED"]


@pytest.mark.parametrize("head, reason", [
    ({"Legacy": role(LEGACY, "App/Legacy/Resource")}, "SEC-12: key rotation job deletes legacy keys"),  # unchanged
    ({"Legacy": role(LEGACY, "App/Legacy/Resource"), "Other": role(EVIL, "App/Other/Resource")},
     "SEC-12: key rotation job deletes legacy keys"),                                # a new role elsewhere
    ({"Legacy": role(LEGACY + EVIL, "App/Legacy/Resource")}, "  "),                   # a blank reason suppresses nothing
])
def test_given_no_principal_changed_under_a_reasoned_acknowledgment_then_none_is_listed_as_applying(
        no_pipeline: Path, capsys: pytest.CaptureFixture[str], head: dict[str, Any], reason: str) -> None:
    old = legacy_app(no_pipeline / "base", {"Legacy": role(LEGACY, "App/Legacy/Resource")}, reason)
    new = legacy_app(no_pipeline / "head", head, reason)
    _code, findings = diff_json(old, new, capsys)
    assert not [f for f in findings if f["issueCode"] == "ACKNOWLEDGMENT_APPLIES"]


def test_the_listed_acknowledgments_cover_what_the_gate_acknowledged_on_the_new_role(
        no_pipeline: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # given the reviewer's head: the gate passes it because the acknowledgment suppresses the new role's finding
    old = legacy_app(no_pipeline / "base", {"Legacy": role(LEGACY, "App/Legacy/Resource")})
    new = legacy_app(no_pipeline / "head", {"Legacy": role(LEGACY, "App/Legacy/Resource"),
                                            "NewRole": role(EVIL, "App/Legacy/Resource")})
    # (without the LP-* rules, whose LP-IAM3 the ACCESS_GRANTED acknowledgment does not cover and which would block)
    assert main(["gate", str(new), "--ci", "--mode", "offline", "--format", "json", "--no-lp-rules"]) == 0
    capsys.readouterr()
    gate_report = json.loads((no_pipeline / ".lpc-reports" / "validation-report.json").read_text())
    acknowledged = {(a["acknowledgedAt"], f"LeastPrivilege-PolicyValidation::{a['issueCode']}")
                    for a in gate_report["acknowledged"] if a["origin"]["logical_id"] == "NewRole"}
    assert acknowledged  # the suppression the reviewer found
    # when diffed, then every suppression the gate made on the new role is listed
    _code, findings = diff_json(old, new, capsys)
    listed = {(f["details"]["constructPath"], f["details"]["acknowledgmentId"])
              for f in findings if f["issueCode"] == "ACKNOWLEDGMENT_APPLIES"}
    assert acknowledged <= listed
