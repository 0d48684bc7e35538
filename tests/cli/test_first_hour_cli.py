"""Issue 14, "a new user's first hour", the CLI items: each as a table of exact expected output.

- item 4: ``lpc gate`` never leaves a stale report; ``lpc validate cdk.out`` reads cdk.json and the
  assembly's acknowledgments like ``lpc gate`` and does not block where the gate passes;
- item 9: cfn-policy-validator's and the AWS CLI's arguments are accepted with their meaning
  (https://github.com/awslabs/aws-cloudformation-iam-policy-validator#validate; the AWS CLI's shorthand
  syntax https://docs.aws.amazon.com/cli/latest/userguide/cli-usage-shorthand.html), ``details`` is the
  raw ValidatePolicy finding
  (https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_ValidatePolicyFinding.html), a
  policy path that does not exist is a usage error naming it;
- item 7: ``ACCESS_GRANTED`` names what is granted;
- item 11: ``lpc ... | head`` ends quietly; ``ESCALATION_UNDETERMINED`` is the same run to run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from least_privilege_constructs.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
PASS_ROLE = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]}
TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
ACK_ID = "LeastPrivilege-PolicyValidation::PASS_ROLE_WITH_STAR_IN_RESOURCE"
RULE_ACK_ID = "LeastPrivilegeChecks::LP-IAM4"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def assembly(directory: Path, *, acknowledged: bool) -> Path:
    """A one-stack cloud assembly: a role granting iam:PassRole on * (a SECURITY_WARNING), acknowledged
    on its construct with a reason or not."""
    role = {"Type": "AWS::IAM::Role", "Properties": {
        "AssumeRolePolicyDocument": TRUST, "Policies": [{"PolicyName": "p", "PolicyDocument": PASS_ROLE}]}}
    write(directory / "App.template.json", {"Resources": {"RoleA": role}})
    metadata: dict[str, Any] = {"/App/Role/Resource": [{"type": "aws:cdk:logicalId", "data": "RoleA"}]}
    if acknowledged:
        # lpc validate reports Access Analyzer's finding (its code); lpc gate merges it into LP-IAM4[Resource::*],
        # which an issue code does not acknowledge (it names no statement): the rule's id does
        metadata["/App/Role"] = [{"type": "aws:cdk:acknowledged-rules",
                                  "data": {ACK_ID: "reviewed in SEC-1", RULE_ACK_ID: "reviewed in SEC-1"}}]
    write(directory / "manifest.json", {"version": "48.0.0", "artifacts": {"App": {
        "type": "aws:cloudformation:stack", "environment": "aws://111122223333/eu-west-1",
        "properties": {"templateFile": "App.template.json"}, "metadata": metadata}}})
    return directory


# -- item 4: the gate's report, and lpc validate beside lpc gate -------------------------------------------------
@pytest.mark.parametrize(
    ("cdk_out", "report_path", "code", "stderr_line", "report_left"),
    [
        pytest.param("cdk.out", "reports/lp.json", 0, "least-privilege: full report: {tmp}/reports/lp.json", "new",
                     id="replaced"),
        pytest.param("missing", "reports/lp.json", 1, "lpc: missing: not a cloud assembly (missing/manifest.json: "
                     "not found: the directory is not a cloud assembly)", "none", id="bad-assembly-removes-it"),
        pytest.param("cdk.out", "cdk.out/lp.json", 1, "lpc: reportPath: the report path {tmp}/cdk.out/lp.json is "
                     "inside the cloud assembly {tmp}/cdk.out; the gate never writes into cdk.out (set "
                     "least-privilege.reportPath elsewhere)", "none", id="inside-the-assembly"),
    ],
)
def test_gate_never_leaves_a_stale_report(capsys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cdk_out: str,
                                          report_path: str, code: int, stderr_line: str, report_left: str) -> None:
    # given a previous run's report where this run writes its own
    monkeypatch.chdir(tmp_path)
    assembly(tmp_path / "cdk.out", acknowledged=True)
    write(tmp_path / "cdk.json", {"app": "true", "context": {"least-privilege": {"reportPath": report_path}}})
    stale = write(tmp_path / report_path, "stale")
    # when the gate runs
    rc, _, err = run(capsys, "gate", cdk_out, "--no-boundary-enforcement", "--mode", "offline")
    # then the report is this run's, or there is none
    assert rc == code, err
    assert stderr_line.format(tmp=tmp_path) in err.splitlines(), err
    if report_left == "new":
        assert json.loads(stale.read_text())["cdkOut"] == "cdk.out"
    else:
        assert not stale.exists()


@pytest.mark.parametrize(
    ("acknowledged", "code"),
    [pytest.param(True, 0, id="acknowledged-passes-both"), pytest.param(False, 2, id="open-blocks-both")],
)
def test_validate_agrees_with_gate_on_an_assembly(capsys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  acknowledged: bool, code: int) -> None:
    monkeypatch.chdir(tmp_path)
    assembly(tmp_path / "cdk.out", acknowledged=acknowledged)
    write(tmp_path / "cdk.json", {"app": "true", "context": {"least-privilege": {"reportPath": "lp.json"}}})
    gate = run(capsys, "gate", "cdk.out", "--no-boundary-enforcement", "--mode", "offline")
    validate = run(capsys, "validate", "cdk.out")
    assert (gate[0], validate[0]) == (code, code), (gate[2], validate[1], validate[2])
    if acknowledged:
        assert validate[2] == ("lpc validate: 1 findings acknowledged in the cloud assembly (Validations.of(...)"
                               ".acknowledge with a reason), as lpc gate and cdk synth accept them\n")


def test_validate_reads_cdk_json_like_gate(capsys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # given cdk.json's treatAsBlocking without SECURITY_WARNING
    monkeypatch.chdir(tmp_path)
    assembly(tmp_path / "cdk.out", acknowledged=False)
    write(tmp_path / "cdk.json", {"app": "true", "context": {"least-privilege": {
        "treatAsBlocking": ["ERROR"], "reportPath": "lp.json"}}})
    # then neither blocks on the SECURITY_WARNING (lpc validate is validate-policy alone: no LP-* rules)
    assert run(capsys, "gate", "cdk.out", "--no-boundary-enforcement", "--no-lp-rules", "--mode", "offline")[0] == 0
    assert run(capsys, "validate", "cdk.out")[0] == 0


# -- item 9: cfn-policy-validator's flags and output ----------------------------------------------------------
TEMPLATE = {"Parameters": {"Bucket": {"Type": "String"}, "Role": {"Type": "String"}}, "Resources": {
    "Reader": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": {
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": {"Fn::Sub": "arn:aws:s3:::${Bucket}/*"}},
            {"Effect": "Allow", "Action": "iam:PassRole", "Resource": {"Ref": "Role"}}]}}}}}


PASS_ROLE_STAR = ["PASS_ROLE_WITH_STAR_IN_RESOURCE"]


@pytest.mark.parametrize(
    ("flags", "code", "codes"),
    [
        pytest.param(["--template-configuration-file", "config.json"], 2, PASS_ROLE_STAR, id="config-file"),
        pytest.param(["--template-configuration-file", "config.json", "--parameters",
                      "Role=arn:aws:iam::111122223333:role/app"], 0, [],
                     id="parameters-override-config"),
        pytest.param(["--template-configuration-file", "config.json", "--treat-finding-type-as-blocking",
                      "error"], 0, PASS_ROLE_STAR, id="blocking-types-case-insensitive"),
        pytest.param(["--template-configuration-file", "config.json", "--treat-finding-type-as-blocking",
                      "NONE"], 0, PASS_ROLE_STAR, id="none-never-blocks"),
        pytest.param(["--template-configuration-file", "config.json", "--ignore-finding",
                      "Reader.PASS_ROLE_WITH_STAR_IN_RESOURCE"], 0, [], id="ignore-resource.code"),
        pytest.param(["--parameters", "Bucket=b", "Role=*", "--exclude-resource-types",
                      "AWS::SQS::QueuePolicy,AWS::IAM::ManagedPolicy"], 0, [], id="exclude-resource-types"),
        pytest.param(["--template-configuration-file", "config.json", "--profile", "dev", "--enable-logging",
                      "--region", "eu-west-1"], 2, PASS_ROLE_STAR, id="profile-logging-region"),
    ],
)
def test_cfn_policy_validator_flags(capsys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, flags: list[str],
                                    code: int, codes: list[str]) -> None:
    # given a template whose parameters come from a template configuration file (--parameters win)
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "t.json", TEMPLATE)
    write(tmp_path / "config.json", {"Parameters": {"Bucket": "data", "Role": "*"}, "Tags": {"team": "x"}})
    # when cfn-policy-validator's flags are given
    rc, out, err = run(capsys, "validate", "--template-path", "t.json", "--format", "json", *flags)
    # then they mean what they mean there
    assert rc == code, out + err
    report = json.loads(out)
    assert [f["code"] for f in report["BlockingFindings"] + report["NonBlockingFindings"]] == codes


def test_details_is_the_raw_validate_policy_finding(capsys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # given a template whose policy cfn-policy-validator would send as json.dumps(document)
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "t.json", {"Resources": {"P": {"Type": "AWS::IAM::ManagedPolicy",
                                                    "Properties": {"PolicyDocument": PASS_ROLE}}}})
    rc, out, _ = run(capsys, "validate", "t.json", "--format", "json")
    (finding,) = json.loads(out)["BlockingFindings"]
    text = json.dumps(PASS_ROLE)
    # then details is Access Analyzer's finding, its spans in that text
    assert rc == 2 and finding["details"] == {
        "findingDetails": finding["message"],
        "findingType": "SECURITY_WARNING",
        "issueCode": "PASS_ROLE_WITH_STAR_IN_RESOURCE",
        "learnMoreLink": "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks"
                         ".html#access-analyzer-reference-policy-checks-security-warning-pass-role-with-star-in-"
                         "resource",
        "locations": [
            {"path": [{"value": "Statement"}, {"index": 0}, {"value": "Action"}],
             "span": {"start": {"line": 1, "column": 71, "offset": 70}, "end": {"line": 1, "column": 85, "offset": 84}}},
            {"path": [{"value": "Statement"}, {"index": 0}, {"value": "Resource"}],
             "span": {"start": {"line": 1, "column": 99, "offset": 98}, "end": {"line": 1, "column": 102, "offset": 101}}},
        ],
    }
    assert [text[70:84], text[98:101]] == ['"iam:PassRole"', '"*"']


# -- item 9: policy arguments as the AWS CLI takes them -------------------------------------------------------
NO_FILE = "no such file (give the JSON inline, as file://PATH, as an existing PATH, or - for stdin)"


@pytest.mark.parametrize(
    ("argv", "stderr"),
    [
        pytest.param(["validate-policy", "--policy-type", "IDENTITY_POLICY", "--policy-document", "policy.json"],
                     f"lpc: --policy-document: policy.json: {NO_FILE}\n", id="validate-policy-missing-path"),
        pytest.param(["validate-policy", "--policy-type", "IDENTITY_POLICY", "--policy-document", "file://policy.json"],
                     "lpc: --policy-document: policy.json: no such file\n", id="validate-policy-missing-file-url"),
        pytest.param(["validate-policy", "--policy-type", "IDENTITY_POLICY", "--policy-document", "sub"],
                     "lpc: --policy-document: sub: is a directory, not a policy file\n", id="directory"),
        pytest.param(["check-no-public-access", "--resource-type", "AWS::S3::Bucket", "--policy-document",
                      "bucket policy.json"], f"lpc: --policy-document: bucket policy.json: {NO_FILE}\n",
                     id="check-missing-path"),
        pytest.param(["check-access-not-granted", "--policy-document", "{\"Statement\": []}", "--access",
                      "access.json"], f"lpc: --access: access.json: {NO_FILE}\n", id="access-missing-path"),
        pytest.param(["check-access-not-granted", "--policy-document", "{\"Statement\": []}", "--access",
                      "actions=a,,b"], "lpc: --access: shorthand syntax: expected a value at column 11 of "
                     "'actions=a,,b', found ','\n", id="shorthand-empty-value"),
        pytest.param(["check-access-not-granted", "--policy-document", "{\"Statement\": []}", "--access",
                      "actions=[a"], "lpc: --access: shorthand syntax: expected ']' at column 11 of 'actions=[a', "
                     "found the end\n", id="shorthand-unclosed-list"),
        pytest.param(["check-access-not-granted", "--policy-document", "{\"Statement\": []}", "--access",
                      "actions=a,actions=b"], "lpc: --access: 'actions' is given twice in 'actions=a,actions=b' "
                     "(give a second structure as a separate argument: --access actions=... actions=...)\n",
                     id="shorthand-key-twice"),
        pytest.param(["check-access-not-granted", "--policy-document", "{\"Statement\": []}", "--access",
                      "verbs=x"], "lpc: --access: unknown key(s) verbs\n", id="shorthand-unknown-key"),
    ],
)
def test_policy_argument_errors(capsys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, argv: list[str],
                                stderr: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    rc, out, err = run(capsys, *argv)
    assert (rc, out, err) == (1, "", stderr)


def test_invalid_inline_json_is_still_a_finding(capsys) -> None:
    # the API's behaviour for text that is JSON gone wrong (not a path): a JSON_SYNTAX_ERROR finding
    rc, out, _ = run(capsys, "validate-policy", "--policy-type", "IDENTITY_POLICY", "--policy-document",
                     '{"Version": ')
    assert rc == 2 and [f["issueCode"] for f in json.loads(out)["findings"]] == ["JSON_SYNTAX_ERROR"]


@pytest.mark.parametrize(
    ("access", "entries"),
    [
        pytest.param(["actions=s3:GetObject,s3:PutObject"], [(["s3:GetObject", "s3:PutObject"], [])], id="actions"),
        pytest.param(["actions=s3:GetObject,resources=arn:aws:s3:::b/*,arn:aws:s3:::c/*"],
                     [(["s3:GetObject"], ["arn:aws:s3:::b/*", "arn:aws:s3:::c/*"])], id="actions-and-resources"),
        pytest.param(["resources=arn:aws:iam::111122223333:role/admin"],
                     [([], ["arn:aws:iam::111122223333:role/admin"])], id="resources"),
        pytest.param(["actions=[iam:PassRole,iam:CreateRole]", "actions=s3:GetObject"],
                     [(["iam:PassRole", "iam:CreateRole"], []), (["s3:GetObject"], [])], id="list-of-structures"),
        pytest.param(["resources='arn:aws:s3:::a,b'"], [([], ["arn:aws:s3:::a,b"])], id="quoted-comma"),
        pytest.param([r"resources=arn:aws:s3:::a\,b"], [([], ["arn:aws:s3:::a,b"])], id="escaped-comma"),
        pytest.param(['{"actions": ["s3:GetObject"]}'], [(["s3:GetObject"], [])], id="json-object"),
        pytest.param(['[{"actions": ["a:B"]}, {"resources": ["r"]}]'], [(["a:B"], []), ([], ["r"])], id="json-list"),
    ],
)
def test_access_takes_the_aws_cli_shorthand(access: list[str], entries: list[tuple[list[str], list[str]]]) -> None:
    from least_privilege_constructs.cli.commands.check_access_not_granted import parse_access, read_access

    assert parse_access(read_access(access)) == entries


ADMIN = {"Version": "2012-10-17", "Statement": [
    {"Sid": "Roles", "Effect": "Allow", "Action": ["iam:CreateRole", "iam:Get*", "s3:GetObject"], "Resource": "*"},
    {"Effect": "Allow", "Action": "iam:*", "Resource": "arn:aws:iam::*:role/app-*"},
    {"Effect": "Deny", "Action": "iam:GetRole", "Resource": "*"}]}
BASE = "The policy document grants access to perform one or more of the listed actions or resources. "


# -- item 7: ACCESS_GRANTED names what is granted ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("actions", "resources", "messages"),
    [
        pytest.param(["iam:CreateRole", "iam:PassRole", "iam:GetRole", "iam:GetUser"], [], [
            "The statement with index 0 (Sid Roles) grants iam:CreateRole, iam:GetUser on *.",
            "The statement with index 1 grants iam:CreateRole, iam:PassRole, iam:GetUser on arn:aws:iam::*:role/app-*.",
        ], id="listed-actions-denied-one-left-out"),
        pytest.param(["iam:PassRole"], ["arn:aws:iam::1:role/app-x", "arn:aws:iam::1:role/other"], [
            "The statement with index 1 grants iam:PassRole on arn:aws:iam::1:role/app-x.",
        ], id="listed-resources"),
        pytest.param(["iam:Create*"], [], [
            "The statement with index 0 (Sid Roles) grants iam:Create* on *.",
            "The statement with index 1 grants iam:Create* on arn:aws:iam::*:role/app-*.",
        ], id="wildcard-listed"),
        pytest.param([], ["arn:aws:iam::1:role/other"], [
            "The statement with index 0 (Sid Roles) grants some of iam:CreateRole, iam:Get*, s3:GetObject on "
            "arn:aws:iam::1:role/other.",
        ], id="resources-only"),
    ],
)
def test_access_granted_names_actions_and_resources(actions: list[str], resources: list[str],
                                                    messages: list[str]) -> None:
    from least_privilege_constructs.access_analyzer.offline import outcome_from_offline
    from least_privilege_constructs.analysis.outcome import Check, CheckOutcome
    from least_privilege_constructs.analysis.reasoning.access_not_granted import check_access_not_granted

    result = check_access_not_granted(ADMIN, actions, resources)
    outcome = outcome_from_offline(Check.ACCESS_NOT_GRANTED, result)
    cached = CheckOutcome.from_dict(Check.ACCESS_NOT_GRANTED, outcome.to_dict())
    expected = [BASE + m for m in messages]
    assert [f.message for f in result.to_findings()] == expected  # the reasoning's own findings
    assert [f.message for f in outcome.to_findings()] == expected  # what the gate reports
    assert [f.message for f in cached.to_findings()] == expected  # and from its cache
    assert {f.issue_code for f in outcome.to_findings()} == {"ACCESS_GRANTED"}


def test_check_access_not_granted_output_keeps_the_aws_shape(capsys) -> None:
    argv = ["check-access-not-granted", "--policy-document", json.dumps(ADMIN), "--access", "actions=iam:PassRole"]
    rc, out, _ = run(capsys, *argv)
    assert rc == 2 and json.loads(out)["reasons"] == [{
        "description": "One or more of the listed actions or resources in the statement with index: 1.",
        "statementIndex": 1}]
    rc, out, _ = run(capsys, *argv, "--explain")
    assert json.loads(out)["reasons"][0]["grants"] == "iam:PassRole on arn:aws:iam::*:role/app-*"


# -- item 11: pipes and determinism ----------------------------------------------------------------------------
def test_validate_into_head_ends_quietly(tmp_path: Path) -> None:
    template = {"Resources": {f"P{i}": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": PASS_ROLE}}
                              for i in range(200)}}
    write(tmp_path / "t.json", template)
    proc = subprocess.run(
        f"set -o pipefail; {sys.executable} -m least_privilege_constructs.cli.main validate t.json --format json "
        "| head -1", shell=True, cwd=tmp_path, capture_output=True, text=True, executable="/bin/bash",
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    # exit code 2 (blocking findings) survives the closed pipe; nothing on stderr
    assert (proc.returncode, proc.stdout, proc.stderr) == (2, "{\n", "")


def test_escalation_undetermined_is_the_same_run_to_run(tmp_path: Path) -> None:
    # given a role whose managed policy is not in the template (its paths are undetermined)
    role = {"Type": "AWS::IAM::Role", "Properties": {
        "AssumeRolePolicyDocument": TRUST,
        "ManagedPolicyArns": ["arn:aws:iam::aws:policy/service-role/SomeServicePolicy",
                              "arn:aws:iam::aws:policy/AnotherPolicy"],
        "Policies": [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}}]}}
    write(tmp_path / "t.json", {"Resources": {"Other": role}})
    messages = set()
    for seed in ("1", "2", "3"):
        proc = subprocess.run([sys.executable, "-m", "least_privilege_constructs.cli.main", "escalation", "t.json",
                               "--format", "json"], cwd=tmp_path, capture_output=True, text=True,
                              env={**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)})
        found = [f["message"] for f in _findings(json.loads(proc.stdout)) if f.get("issueCode") ==
                 "ESCALATION_UNDETERMINED"]
        assert found, proc.stdout + proc.stderr
        messages.add(tuple(found))
    assert len(messages) == 1


def _findings(report: Any) -> list[dict[str, Any]]:
    if isinstance(report, dict) and "BlockingFindings" in report:
        return [*report["BlockingFindings"], *report["NonBlockingFindings"]]
    if isinstance(report, dict):
        return list(report.get("findings", []))
    return list(report)
