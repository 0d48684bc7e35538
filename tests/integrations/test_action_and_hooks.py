"""The GitHub Action (action.yml) and the pre-commit hook: their commands, run locally against fixtures
(network off): a fixture with a blocking finding fails, a clean one passes, broadening reaches the summary."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

BOUNDARY_ARN = "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/boundaries/lpc-developer-boundary"
ROOT = Path(__file__).resolve().parents[2]
CLEAN = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket/*"}
BAD = {"Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "arn:aws:s3:::bucket/*"}
WIDER = {"Effect": "Allow", "Action": ["s3:GetObject", "s3:DeleteObject"], "Resource": "arn:aws:s3:::bucket/*"}


def assembly(path: Path, statement: dict[str, Any], acknowledged: bool = False) -> Path:
    path.mkdir(parents=True)
    role = {"AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
        # the organization's boundary (lpc gate runs boundary enforcement too)
        "PermissionsBoundary": {"Fn::Sub": BOUNDARY_ARN},
        "Policies": [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17", "Statement": [statement]}}]}
    (path / "App.template.json").write_text(json.dumps({"Resources": {"Role": {"Type": "AWS::IAM::Role",
                                                                               "Properties": role}}}))
    (path / "manifest.json").write_text(json.dumps({"version": "36.0.0", "artifacts": {"App": {
        "type": "aws:cloudformation:stack", "environment": "aws://111122223333/eu-west-1",
        "properties": {"templateFile": "App.template.json", "stackName": "App"},
        "metadata": {"/App/Role": [{"type": "aws:cdk:acknowledged-rules", "data": {
            "LeastPrivilege-PolicyValidation::ACCESS_GRANTED": "SEC-12: reviewed"}}]} if acknowledged else {}}}}))
    return path


def lpc_on_path(tmp_path: Path) -> dict[str, str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "lpc").write_text(f"#!/bin/bash\nexec {sys.executable} -m least_privilege_constructs.cli.main \"$@\"\n")
    (bin_dir / "lpc").chmod(0o755)
    return {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "PYTHONPATH": str(ROOT),
            "AWS_EC2_METADATA_DISABLED": "true", "HTTPS_PROXY": "http://127.0.0.1:9"}


def action() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "action.yml").read_text())


def run_steps(tmp_path: Path, env: dict[str, str], inputs: dict[str, str],
              log: list[str] | None = None) -> tuple[int, dict[str, str], str]:
    """Run the action's own `run` steps after the install (with `${{ inputs.x }}` and the steps' outputs
    substituted as GitHub does), stopping at the first failing step."""
    inputs = {**{name: str(spec.get("default", "")) for name, spec in action()["inputs"].items()}, **inputs}
    outputs: dict[str, dict[str, str]] = {}
    summary = tmp_path / "summary.md"
    summary.touch()
    code = 0
    for step in action()["runs"]["steps"]:
        if "run" not in step or "pip install" in step["run"]:
            continue
        condition = step.get("if", "")
        if "inputs.base-cdk-out != ''" in condition and not inputs.get("base-cdk-out"):
            continue

        def expand(value: str) -> str:
            value = re.sub(r"\$\{\{ inputs\.([\w-]+) \}\}", lambda m: inputs.get(m.group(1), ""), value)
            return re.sub(r"\$\{\{ steps\.(\w+)\.outputs\.([\w-]+) \}\}",
                          lambda m: outputs.get(m.group(1), {}).get(m.group(2), ""), value)

        out_file = tmp_path / f"out-{step.get('id', 'x')}"
        out_file.write_text("")
        step_env = {**env, **{k: expand(str(v)) for k, v in step.get("env", {}).items()},
                    "GITHUB_OUTPUT": str(out_file), "GITHUB_STEP_SUMMARY": str(summary)}
        proc = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=tmp_path, env=step_env, capture_output=True,
                              text=True, timeout=300)
        if log is not None:
            log.append(proc.stdout)
        if "id" in step:
            outputs[step["id"]] = dict(line.split("=", 1) for line in out_file.read_text().splitlines() if "=" in line)
        if proc.returncode != 0:
            code = proc.returncode
            break
    return code, {k: v.get("exit-code", "") for k, v in outputs.items()}, summary.read_text()


def test_the_action_is_composite_and_uploads_sarif() -> None:
    spec = action()
    assert spec["runs"]["using"] == "composite"
    uses = [s["uses"] for s in spec["runs"]["steps"] if "uses" in s]
    assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses)
    assert all("@" in u for u in uses)


@pytest.mark.parametrize("new, base, fail_on_broadening, code, gate, diff, summary", [
    (CLEAN, None, "false", 0, "0", None, ""),
    (BAD, None, "false", 2, "2", None, ""),
    (WIDER, CLEAN, "false", 0, "0", "2", "`NEW_ACCESS`"),
    (WIDER, CLEAN, "true", 2, "0", "2", "`NEW_ACCESS`"),
    (CLEAN, CLEAN, "true", 0, "0", "0", "no broadening"),
])
def test_given_fixtures_when_the_action_steps_run_then_exit_and_summary(
        tmp_path: Path, new: Any, base: Any, fail_on_broadening: str, code: int, gate: str, diff: str | None,
        summary: str) -> None:
    inputs = {"cdk-out": str(assembly(tmp_path / "new", new)), "mode": "offline",
              "fail-on-broadening": fail_on_broadening, "base-cdk-out": ""}
    if base is not None:
        inputs["base-cdk-out"] = str(assembly(tmp_path / "base", base))
    returncode, outputs, text = run_steps(tmp_path, lpc_on_path(tmp_path), inputs)
    assert returncode == code
    assert outputs["gate"] == gate
    assert outputs.get("diff") == diff
    assert summary in text
    assert json.loads((tmp_path / "lpc-reports" / "gate.sarif").read_text())["version"] == "2.1.0"


def hook() -> dict[str, Any]:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert [h["id"] for h in hooks] == ["lpc-validate"]
    return dict(hooks[0])


@pytest.mark.parametrize("path, matched", [
    ("infra/App.template.json", True), ("policies/s3-read.json", True), ("iam/app-policy.json", True),
    ("templates/role.yaml", True), ("package.json", False), ("tsconfig.json", False), ("src/app.py", False),
])
def test_the_hook_selects_policy_and_template_files(path: str, matched: bool) -> None:
    assert bool(re.search(hook()["files"], path)) is matched


@pytest.mark.parametrize("statement, code", [(CLEAN, 0), (BAD, 2)])
def test_given_a_policy_file_when_the_hook_entry_runs_then_blocking_findings_fail(
        tmp_path: Path, statement: Any, code: int) -> None:
    policy = tmp_path / "policies" / "app.json"
    policy.parent.mkdir()
    policy.write_text(json.dumps({"Version": "2012-10-17", "Statement": [statement]}))
    proc = subprocess.run([*shlex.split(hook()["entry"]), str(policy)], cwd=tmp_path, env=lpc_on_path(tmp_path),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == code, proc.stdout + proc.stderr


def test_given_a_cdk_json_weakening_the_platform_settings_when_the_action_gates_then_it_fails(tmp_path: Path) -> None:
    # given a clean assembly and, in the checkout, a cdk.json that drops SECURITY_WARNING from the blocking types
    (tmp_path / "cdk.json").write_text(json.dumps({"context": {"least-privilege": {"treatAsBlocking": ["ERROR"]}}}))
    inputs = {"cdk-out": str(assembly(tmp_path / "new", CLEAN)), "mode": "offline",
              "platform-settings": '{"treatAsBlocking": ["ERROR", "SECURITY_WARNING"]}'}
    # when the action runs (pipeline mode is its default)
    returncode, outputs, _ = run_steps(tmp_path, lpc_on_path(tmp_path), inputs)
    # then the gate fails on the one weakening, named in the SARIF
    assert returncode == 2 and outputs["gate"] == "2"
    results = json.loads((tmp_path / "lpc-reports" / "gate.sarif").read_text())["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["LPC-SETTINGS-WEAKENED"]
    assert "treatAsBlocking" in results[0]["message"]["text"]


@pytest.mark.parametrize("fail_on_broadening, code, annotation", [
    ("false", 0, "::warning::the change brings acknowledgments"),
    ("true", 2, "::error::the change brings acknowledgments"),
])
def test_given_a_change_that_only_adds_an_acknowledgment_when_the_action_diffs_then_it_is_flagged_like_broadening(
        tmp_path: Path, fail_on_broadening: str, code: int, annotation: str) -> None:
    # given the same clean role before and after, the change acknowledging a finding (nothing broadens)
    inputs = {"cdk-out": str(assembly(tmp_path / "new", CLEAN, acknowledged=True)), "mode": "offline",
              "base-cdk-out": str(assembly(tmp_path / "base", CLEAN)), "fail-on-broadening": fail_on_broadening,
              "platform-settings": "{}"}
    log: list[str] = []
    # when the action runs
    returncode, outputs, summary = run_steps(tmp_path, lpc_on_path(tmp_path), inputs, log)
    # then the diff exits 0, the acknowledgment is in the summary and flagged as broadening is
    assert outputs["diff"] == "0" and "`ACKNOWLEDGMENT_ADDED`" in summary
    assert returncode == code and annotation in "".join(log)


@pytest.mark.parametrize("platform, warned", [("", True), ('{"treatAsBlocking": ["ERROR"]}', False)])
def test_given_no_platform_settings_when_the_action_gates_then_it_warns_that_the_defaults_are_used(
        tmp_path: Path, platform: str, warned: bool) -> None:
    # given an unset organization variable (GitHub substitutes an empty string) or a set one
    inputs = {"cdk-out": str(assembly(tmp_path / "new", CLEAN)), "mode": "offline", "platform-settings": platform}
    log: list[str] = []
    # when the action runs in pipeline mode
    returncode, _outputs, _ = run_steps(tmp_path, lpc_on_path(tmp_path), inputs, log)
    # then only the empty value is warned about, naming the defaults
    assert returncode == 0
    assert ("::warning::platform-settings is empty" in "".join(log)) is warned
