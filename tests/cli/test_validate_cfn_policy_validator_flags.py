"""``lpc validate`` takes cfn-policy-validator's flags and reads cdk.json's settings like ``lpc gate``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

TEMPLATE = {
    "Parameters": {"Bucket": {"Type": "String"}},
    "Resources": {
        "Role": {"Type": "AWS::IAM::Role", "Properties": {
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
            "Policies": [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"},
                {"Effect": "Allow", "Action": "s3:GetObject",
                 "Resource": {"Fn::Sub": "arn:aws:s3:::${Bucket}/*"}}]}}]}}},
}


def _lpc(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "least_privilege_constructs.cli.main", "validate", *args],
                          cwd=tmp_path, capture_output=True, text=True)


def test_cfn_policy_validator_flags_are_accepted(tmp_path: Path) -> None:
    (tmp_path / "t.json").write_text(json.dumps(TEMPLATE))
    (tmp_path / "config.json").write_text(json.dumps({"Parameters": {"Bucket": "data"}}))
    common = ["--template-path", "t.json", "--template-configuration-file", "config.json", "--format", "json"]
    proc = _lpc(tmp_path, *common, "--profile", "dev", "--enable-logging")
    assert proc.returncode == 2, proc.stderr
    codes = [f["issueCode"] for f in json.loads(proc.stdout)["BlockingFindings"]]
    assert codes == ["PASS_ROLE_WITH_STAR_IN_RESOURCE"], proc.stdout  # the parameter resolved: nothing else
    assert "--profile dev not used" in proc.stderr and "Traceback" not in proc.stderr
    proc = _lpc(tmp_path, *common, "--treat-finding-type-as-blocking", "NONE")
    assert proc.returncode == 0, proc.stderr
    proc = _lpc(tmp_path, "--template-path", "t.json", "--template-configuration-file", "missing.json")
    assert proc.returncode == 1 and "missing.json: no such file" in proc.stderr


def test_settings_come_from_cdk_json(tmp_path: Path) -> None:
    (tmp_path / "t.json").write_text(json.dumps(TEMPLATE))
    (tmp_path / "cdk.json").write_text(json.dumps({"app": "true", "context": {"least-privilege": {
        "ignoreFindings": ["PASS_ROLE_WITH_STAR_IN_RESOURCE"]}}}))
    proc = _lpc(tmp_path, "t.json", "--parameters", "Bucket=data")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (tmp_path / "cdk.json").write_text(json.dumps({"app": "true", "context": {"least-privilege": {
        "treatAsBlockin": ["ERROR"]}}}))
    proc = _lpc(tmp_path, "t.json")
    assert proc.returncode == 1 and "LPC-SETTINGS-005" in proc.stderr and "Traceback" not in proc.stderr


IMPORTING = {"Resources": {"Reader": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": {
    "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                            "Resource": {"Fn::ImportValue": "SharedBucketObjects"}}]}}}}}


def test_export_values_resolve_fn_import_value(tmp_path: Path) -> None:
    (tmp_path / "t.json").write_text(json.dumps(IMPORTING))
    # without a value the import fails closed
    proc = _lpc(tmp_path, "t.json", "--format", "json")
    assert proc.returncode == 2 and "SharedBucketObjects" in proc.stdout, proc.stdout
    # with it (flag, or cdk.json's exports) the policy is analysed with the value
    proc = _lpc(tmp_path, "t.json", "--export", "SharedBucketObjects=arn:aws:s3:::shared/*")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (tmp_path / "cdk.json").write_text(json.dumps({"app": "true", "context": {"least-privilege": {
        "exports": {"SharedBucketObjects": "arn:aws:s3:::shared/*"}}}}))
    proc = _lpc(tmp_path, "t.json")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_exports_setting_is_checked() -> None:
    import pytest

    from least_privilege_constructs.analysis.settings import SettingsError, resolve

    assert resolve({"exports": {"A": "1"}}, env={})["exports"] == (("A", "1"),)
    assert resolve({}, env={"LEAST_PRIVILEGE_EXPORTS": "A=1,B=2"})["exports"] == (("A", "1"), ("B", "2"))
    with pytest.raises(SettingsError, match="LPC-SETTINGS-004"):
        resolve({"exports": {"A": 1}}, env={})
