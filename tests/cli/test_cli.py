"""``lpc``: subcommands, exit codes (0 clean, 2 blocking, 1 usage/internal), formats, start-up without jsii."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from least_privilege_constructs.cli.commands import COMMANDS
from least_privilege_constructs.cli.main import main
from least_privilege_constructs.cli.progress import ProgressLine

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "extract" / "all_resources.yaml"
CLEAN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                                 "Resource": "arn:aws:s3:::bucket/*"}]}
BAD = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObjekt",
                                               "Resource": "arn:aws:s3:::bucket/*"}]}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def clean_template(tmp_path: Path) -> Path:
    path = tmp_path / "clean.json"
    path.write_text(json.dumps({"Resources": {"P": {"Type": "AWS::IAM::ManagedPolicy",
                                                    "Properties": {"PolicyDocument": CLEAN}}}}))
    return path


@pytest.fixture
def bad_template(tmp_path: Path) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "Resources:\n  Bad:\n    Type: AWS::IAM::ManagedPolicy\n    Metadata: {aws:cdk:path: App/Bad/Resource}\n"
        "    Properties:\n      PolicyDocument: " + json.dumps(BAD) + "\n")
    return path


def test_commands_are_registered_from_one_list() -> None:
    assert COMMANDS[:3] == ["extract", "validate_policy", "validate"]


def test_validate_clean_exits_0(capsys: pytest.CaptureFixture[str], clean_template: Path) -> None:
    code, out, _ = run(capsys, "validate", str(clean_template))
    assert code == 0
    assert out.strip() == "No findings in 1 policies checked."


def test_validate_blocking_exits_2_grouped_by_construct_path(capsys: pytest.CaptureFixture[str],
                                                              bad_template: Path) -> None:
    code, out, _ = run(capsys, "validate", str(bad_template))
    assert code == 2
    assert out.startswith("App/Bad/Resource")
    assert "INVALID_ACTION" in out and "Statement[0].Action" in out


def test_treat_as_blocking_and_ignore(capsys: pytest.CaptureFixture[str], bad_template: Path) -> None:
    assert run(capsys, "validate", str(bad_template), "--treat-as-blocking", "NONE")[0] == 0
    assert run(capsys, "validate", str(bad_template), "--treat-as-blocking", "SECURITY_WARNING")[0] == 0
    code, _, err = run(capsys, "validate", str(bad_template), "--ignore-finding", "Bad.INVALID_ACTION")
    assert code == 0 and "1 findings ignored" in err
    assert run(capsys, "validate", str(bad_template), "--ignore-finding", "Other,App/Bad/Resource")[0] == 0
    assert run(capsys, "validate", str(bad_template), "--exclude-resource-types", "AWS::IAM::ManagedPolicy")[0] == 0


def test_allow_external_principals(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "bucket.json"
    path.write_text(json.dumps({"Resources": {"BP": {"Type": "AWS::S3::BucketPolicy", "Properties": {
        "Bucket": "b", "PolicyDocument": {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"}, "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b/*"}]}}}}}))
    code, out, _ = run(capsys, "validate", str(path), "--format", "json")
    assert code == 2
    assert [f["code"] for f in json.loads(out)["BlockingFindings"]] == ["EXTERNAL_PRINCIPAL"]
    assert run(capsys, "validate", str(path), "--allow-external-principals", "111111111111")[0] == 0


@pytest.mark.parametrize("fmt", ["json", "sarif", "junit", "text"])
def test_formats_and_output_file(capsys: pytest.CaptureFixture[str], bad_template: Path, tmp_path: Path,
                                 fmt: str) -> None:
    out_file = tmp_path / "reports" / f"report.{fmt}"
    code, out, err = run(capsys, "validate", str(bad_template), "--format", fmt, "--output", str(out_file))
    assert code == 2 and out == ""
    assert f"report written to {out_file}" in err
    text = out_file.read_text()
    if fmt == "json":
        assert json.loads(text)["BlockingFindings"][0]["code"] == "INVALID_ACTION"
    elif fmt == "sarif":
        assert json.loads(text)["runs"][0]["results"][0]["ruleId"] == "INVALID_ACTION"
    elif fmt == "junit":
        assert ET.fromstring(text).find(".//failure").get("type") == "INVALID_ACTION"  # type: ignore[union-attr]
    else:
        assert "INVALID_ACTION" in text


USAGE_ERRORS = [
    ("no-command", []),
    ("unknown-command", ["frobnicate"]),
    ("unknown-flag", ["validate", "x", "--bogus"]),
    ("bad-format", ["validate", "x", "--format", "html"]),
    ("missing-paths", ["validate"]),
    ("bad-blocking", ["validate", str(FIXTURE), "--treat-as-blocking", "FATAL"]),
    ("missing-file", ["validate", "/nonexistent/cdk.out"]),
    ("bad-account", ["extract", str(FIXTURE), "--account", "abc"]),
    ("bad-parameter", ["extract", str(FIXTURE), "--parameters", "novalue"]),
    ("validate-policy-missing-type", ["validate-policy", "--policy-document", "{}"]),
    ("validate-policy-bad-resource-type", ["validate-policy", "--policy-document", "{}", "--policy-type",
                                           "RESOURCE_POLICY", "--validate-policy-resource-type", "AWS::SQS::Queue"]),
    ("validate-policy-missing-file", ["validate-policy", "--policy-document", "file:///nonexistent.json",
                                      "--policy-type", "IDENTITY_POLICY"]),
]


@pytest.mark.parametrize("argv", [c[1] for c in USAGE_ERRORS], ids=[c[0] for c in USAGE_ERRORS])
def test_usage_errors_exit_1_with_one_clear_line(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 1
    assert out == ""
    assert err.startswith("lpc")
    assert "Traceback" not in err


def test_help_and_version_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "--help")[0] == 0
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.startswith("lpc ")


def test_internal_error_is_one_line(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                    clean_template: Path) -> None:
    import least_privilege_constructs.analysis.extract as extract

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(extract, "extract_policies", boom)
    code, _, err = run(capsys, "validate", str(clean_template))
    assert code == 1
    assert err.strip().splitlines() == ["lpc: internal error: RuntimeError: disk on fire (set LPC_DEBUG=1 for a traceback)"]


def test_validate_policy_mirrors_the_aws_cli(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(BAD))
    code, out, _ = run(capsys, "validate-policy", "--policy-document", f"file://{path}", "--policy-type",
                       "IDENTITY_POLICY")
    assert code == 2
    data = json.loads(out)
    assert list(data) == ["findings"]
    finding = data["findings"][0]
    assert set(finding) == {"findingDetails", "findingType", "issueCode", "learnMoreLink", "locations"}
    assert finding["issueCode"] == "INVALID_ACTION"
    assert finding["locations"][0]["path"][:2] == [{"value": "Statement"}, {"index": 0}]
    assert run(capsys, "validate-policy", "--policy-document", json.dumps(CLEAN), "--policy-type",
               "identity_policy") == (0, json.dumps({"findings": []}, indent=4) + "\n", "")
    assert run(capsys, "validate-policy", "--policy-document", str(path), "--policy-type", "IDENTITY_POLICY",
               "--treat-as-blocking", "NONE")[0] == 0


def test_validate_policy_invalid_json_is_a_finding(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "validate-policy", "--policy-document", '{"Version": ', "--policy-type",
                       "IDENTITY_POLICY")
    assert code == 2
    assert json.loads(out)["findings"][0]["issueCode"] == "JSON_SYNTAX_ERROR"


def test_validate_policy_trust_policy_resource_type(capsys: pytest.CaptureFixture[str]) -> None:
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                                                     "Action": "sts:AssumeRole"}]}
    code, out, _ = run(capsys, "validate-policy", "--policy-document", json.dumps(trust), "--policy-type",
                       "RESOURCE_POLICY", "--validate-policy-resource-type", "AWS::IAM::AssumeRolePolicyDocument")
    assert code == 0, out


def test_extract_text_lists_boundaries(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "extract", str(FIXTURE))
    assert code == 0
    assert "boundary: arn:aws:iam::123456789012:policy/prod-boundary -> all_resources/Boundary" in out
    assert "Policies (29):" in out and "Skipped (2):" in out


def test_extract_json_with_options(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "extract", str(FIXTURE), "--format", "json", "--account", "999999999999",
                       "--region", "eu-west-1", "--parameters", "Env=dev")
    assert code == 0
    data = json.loads(out)
    role = next(p for p in data["principals"] if p.get("logicalId") == "AppRole")
    assert role["arn"] == "arn:aws:iam::999999999999:role/app/dev-app-role"


def test_extraction_problems_block_even_when_nothing_else_does(capsys: pytest.CaptureFixture[str],
                                                                tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"Resources": {"P": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
        "PolicyDocument": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": {"Fn::ImportValue": "elsewhere"}}]}}}}}))
    code, out, _ = run(capsys, "validate", str(path), "--treat-as-blocking", "NONE", "--format", "json")
    assert code == 2  # fail closed: a policy that could not be resolved is never a pass
    assert [f["code"] for f in json.loads(out)["BlockingFindings"]] == ["UNRESOLVABLE_INTRINSIC"]
    assert run(capsys, "validate", str(path), "--ignore-finding", "P.UNRESOLVABLE_INTRINSIC")[0] == 0


def test_extract_problems_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text("[]")
    code, out, _ = run(capsys, "extract", str(path))
    assert code == 2 and "INVALID_TEMPLATE" in out


@pytest.mark.synth
def test_validate_cdk_out(capsys: pytest.CaptureFixture[str], cdk_app_out: Path) -> None:
    code, out, _ = run(capsys, "validate", str(cdk_app_out), "--format", "json",
                       "--allow-external-principals", "222222222222,123456789012")
    data = json.loads(out)
    assert data["summary"]["policiesChecked"] == 12
    assert code == (2 if data["BlockingFindings"] else 0)
    assert all(f["origin"]["source"].startswith(str(cdk_app_out)) for f in data["BlockingFindings"])


def test_progress_line_only_on_terminals() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    class Policy:
        class origin:
            @staticmethod
            def label() -> str:
                return "App/Role"

    stream = Tty()
    progress = ProgressLine(stream=stream, delay=0)
    progress(1, 2, Policy())
    progress.done()
    assert "[1/2] App/Role" in stream.getvalue()
    quiet = io.StringIO()
    ProgressLine(stream=quiet, delay=0)(1, 2, Policy())
    assert quiet.getvalue() == ""


def test_console_script_starts_fast_without_jsii(clean_template: Path) -> None:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "least_privilege_constructs.cli",
                           "validate", str(clean_template)], capture_output=True, text=True, env=env, cwd=ROOT)
    elapsed = time.monotonic() - start
    assert proc.returncode == 0, proc.stderr[-2000:]
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    assert not {m for m in imported if m.split(".")[0] in {"aws_cdk", "jsii", "constructs", "cdk_nag"}}
    assert elapsed < 5.0  # well under 1 s on an idle machine; generous for shared CI runners


def test_lpc_console_script_is_installed() -> None:
    script = Path(sys.executable).with_name("lpc")
    if not script.exists():
        pytest.skip("package not installed with its console script")
    proc = subprocess.run([str(script), "--version"], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.startswith("lpc ")


@pytest.mark.synth
def test_sample_app_assembly(capsys: pytest.CaptureFixture[str], sample_cdk_out: Path) -> None:
    """The sample organization's cdk.out: everything resolves, every role is listed with its boundary."""
    from least_privilege_constructs.analysis.extract import extract_policies

    extraction = extract_policies(sample_cdk_out)
    assert extraction.findings == [], [f.message for f in extraction.findings]
    assert extraction.policies and extraction.roles
    assert "{{unresolved" not in json.dumps([p.document for p in extraction.policies])
    code, out, _ = run(capsys, "validate", str(sample_cdk_out), "--format", "sarif")
    assert code in (0, 2)
    assert json.loads(out)["version"] == "2.1.0"


_TOKENS = ["validate", "extract", "validate-policy", "--format", "json", "sarif", "junit", "text", "html",
           "--treat-as-blocking", "ERROR", "NONE", "BOGUS", "--ignore-finding", "X.Y", "--policy-type",
           "IDENTITY_POLICY", "--policy-document", "{", "{}", "--account", "12", "--parameters", "A=B", "=",
           "--region", "--progress", "--no-progress", str(FIXTURE), "/nonexistent", "-", "--help", ""]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(_TOKENS), max_size=7))
def test_arbitrary_command_lines_never_crash(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                             argv: list[str]) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("{}"))
    code = main(argv)
    _, err = capsys.readouterr()
    assert code in (0, 1, 2)
    assert "Traceback" not in err and "internal error" not in err


def test_plain_policy_files_with_a_policy_type(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    scp = tmp_path / "scp.json"
    scp.write_text(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"}]}))
    code, out, _ = run(capsys, "extract", str(scp), "--format", "json", "--document-policy-type",
                       "service_control_policy")
    assert code == 0
    assert json.loads(out)["policies"][0]["policyType"] == "SERVICE_CONTROL_POLICY"
    assert run(capsys, "validate", str(scp), "--document-policy-type", "SERVICE_CONTROL_POLICY")[0] == 0
