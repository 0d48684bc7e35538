"""``lpc gate --ci``: the pipeline's gate trusts nothing the commit controls (issue 20).

A planted cache entry saying PASS for a role granted a sensitive action (``s3:PutBucketPolicy``: check-access-
not-granted, answered through the cache), and a cdk.json weakening the gate, in the same
repository: outside pipeline mode both are trusted (unchanged behaviour, and the threat); in pipeline mode the
verdict stays FAIL, the planted entries are reported, and each weakening is one blocking finding naming the
setting."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from least_privilege_constructs.cli.main import main

BOUNDARY_ARN = "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/boundaries/lpc-developer-boundary"
SENSITIVE = {"Effect": "Allow", "Action": "s3:PutBucketPolicy", "Resource": "arn:aws:s3:::b"}


def repository(root: Path, settings: dict[str, Any], broadening: bool = False) -> Path:
    """A repository checkout: cdk.json and a synthesized assembly (one bounded role, granted a sensitive action
    when ``broadening``)."""
    out = root / "cdk.out"
    out.mkdir(parents=True)
    role = {"AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
        "PermissionsBoundary": {"Fn::Sub": BOUNDARY_ARN},
        "Policies": [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"},
            *([SENSITIVE] if broadening else [])]}}]}
    resources: dict[str, Any] = {"Role": {"Type": "AWS::IAM::Role", "Properties": role}}
    (out / "App.template.json").write_text(json.dumps({"Resources": resources}))
    (out / "manifest.json").write_text(json.dumps({"version": "36.0.0", "artifacts": {"App": {
        "type": "aws:cloudformation:stack", "environment": "aws://111122223333/eu-west-1",
        "properties": {"templateFile": "App.template.json", "stackName": "App"}}}}))
    (root / "cdk.json").write_text(json.dumps({"app": "python app.py", "context": {"least-privilege": {
        "mode": "offline", **settings}}}, indent=2))
    return out


def plant_pass(cache_dir: Path) -> list[Path]:
    """Rewrite every cache entry to say "nothing found, PASS" (what a developer would commit with git add -f)."""
    planted = sorted(cache_dir.rglob("*.json"))
    for path in planted:
        entry = json.loads(path.read_text())
        entry["findings"] = []
        if entry.get("outcome") is not None:
            entry["outcome"] = {"result": "PASS", "message": "planted", "reasons": []}
        path.write_text(json.dumps(entry))
    return planted


def gate(cdk_out: Path, *extra: str) -> int:
    return main(["gate", str(cdk_out), "--cdk-json", str(cdk_out.parent / "cdk.json"), "--format", "json", *extra])


CACHED_CHECKS_ONLY = ("--no-lp-rules",)
"""The LP-* rules are not cached (they always run): without them the verdict is the cached checks' alone, which is
what a planted cache entry attacks."""


@pytest.fixture
def pipeline_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("LEAST_PRIVILEGE_CI", "LEAST_PRIVILEGE_PLATFORM_SETTINGS", "LEAST_PRIVILEGE_CACHE_HMAC_KEY",
                 "LEAST_PRIVILEGE_CACHE_DIR", "CODEBUILD_SRC_DIR", "GITHUB_WORKSPACE"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def findings_of(report: dict[str, Any], code: str) -> list[dict[str, Any]]:
    return [f for f in [*report.get("BlockingFindings", []), *report.get("NonBlockingFindings", [])]
            if f["issueCode"] == code]


def test_given_a_planted_pass_in_the_repository_cache_when_the_pipeline_gates_then_the_verdict_stays_fail(
        pipeline_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    # given a repository whose role is granted a sensitive action, with the offline answers cached in the repository
    cdk_out = repository(pipeline_env, {"cacheOffline": True, "cacheDir": ".lpc-cache"}, broadening=True)
    assert gate(cdk_out, *CACHED_CHECKS_ONLY) == 2
    # and every cached answer rewritten to PASS, as a developer could commit it
    planted = plant_pass(pipeline_env / ".lpc-cache")
    assert planted
    # (outside pipeline mode the cache is trusted as before: the planted PASS wins; this is the threat)
    capsys.readouterr()
    assert gate(cdk_out, *CACHED_CHECKS_ONLY) == 0
    capsys.readouterr()
    # when the pipeline gates with its own settings: cdk.json's cache settings are not applied (the platform owns
    # them), so the planted answers are not read; each ignored key is a note
    assert gate(cdk_out, "--ci", "--mode", "offline", *CACHED_CHECKS_ONLY) == 2
    report = json.loads(capsys.readouterr().out)
    assert "ACCESS_GRANTED" in {f["issueCode"] for f in report["BlockingFindings"]}
    assert {f["details"]["setting"] for f in findings_of(report, "LPC-SETTINGS-PLATFORM")} == {"cacheOffline", "cacheDir"}
    # when the platform itself puts the cache in the source tree, without an HMAC key it is refused
    platform = ["--platform-settings", json.dumps({"cacheOffline": True, "cacheDir": str(pipeline_env / ".lpc-cache")})]
    assert gate(cdk_out, "--ci", "--mode", "offline", *CACHED_CHECKS_ONLY, *platform) == 1
    assert "LPC-CACHE-001" in capsys.readouterr().err
    # when the pipeline gates with its key
    monkeypatch.setenv("LEAST_PRIVILEGE_CACHE_HMAC_KEY", "pipeline-secret")
    code = gate(cdk_out, "--ci", "--mode", "offline", *CACHED_CHECKS_ONLY, *platform)
    report = json.loads(capsys.readouterr().out)
    # then the verdict is FAIL: the grant of the sensitive action is found again
    assert code == 2
    assert "ACCESS_GRANTED" in {f["issueCode"] for f in report["BlockingFindings"]}
    # and every planted entry is reported, naming its file
    reported = {f["origin"]["source"] for f in findings_of(report, "LPC-CACHE-UNAUTHENTICATED")}
    assert reported == {str(p) for p in planted}
    # and the entries are now authenticated: the next run reads them and reports nothing planted
    assert gate(cdk_out, "--ci", "--mode", "offline", *CACHED_CHECKS_ONLY, *platform) == 2
    again = json.loads(capsys.readouterr().out)
    assert not findings_of(again, "LPC-CACHE-UNAUTHENTICATED")


def monorepo(root: Path) -> tuple[Path, Path]:
    """CDK Pipelines' layout: the synth output is the primary input, the repository (cdk.json in infra/, the cache
    it names at the repository's top, ../.lpc-cache) a further input. Returns (cdk.out, cdk.json)."""
    infra = root / "repo" / "infra"
    cdk_out = repository(infra, {"cacheOffline": True, "cacheDir": "../.lpc-cache"}, broadening=True)
    (root / "primary").mkdir()
    cdk_out = cdk_out.rename(root / "primary" / "cdk.out")
    return cdk_out, infra / "cdk.json"


def test_given_a_monorepo_with_a_planted_cache_above_cdk_json_when_the_pipeline_gates_then_it_is_not_read(
        pipeline_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    # given the repository's own cache, above its cdk.json, filled by a developer run then planted with PASS
    cdk_out, cdk_json = monorepo(pipeline_env)
    monkeypatch.chdir(cdk_out.parent)
    args = ["gate", str(cdk_out), "--cdk-json", str(cdk_json), "--format", "json", "--mode", "offline",
            *CACHED_CHECKS_ONLY]
    assert main(args) == 2
    assert plant_pass(pipeline_env / "repo" / ".lpc-cache")
    capsys.readouterr()
    # when the pipeline gates (primary input = the synth output, as CodeBuild sets it)
    monkeypatch.setenv("CODEBUILD_SRC_DIR", str(cdk_out.parent))
    code = main([*args, "--ci", "--platform-settings", '{"treatAsBlocking":["ERROR","SECURITY_WARNING"]}'])
    report = json.loads(capsys.readouterr().out)
    # then the planted answers are not read: the verdict is FAIL, and cdk.json's cache settings are notes
    assert code == 2
    assert "ACCESS_GRANTED" in {f["issueCode"] for f in report["BlockingFindings"]}
    assert {f["details"]["setting"] for f in findings_of(report, "LPC-SETTINGS-PLATFORM")} == {"cacheOffline", "cacheDir"}


def test_given_a_monorepo_input_when_the_platform_puts_the_cache_in_it_without_a_key_then_it_is_refused(
        pipeline_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    # given the repository as a further CodeBuild input (CODEBUILD_SRC_DIR_<artifact>), the cache at its top level
    cdk_out, cdk_json = monorepo(pipeline_env)
    monkeypatch.chdir(cdk_out.parent)
    monkeypatch.setenv("CODEBUILD_SRC_DIR", str(cdk_out.parent))
    monkeypatch.setenv("CODEBUILD_SRC_DIR_repo", str(pipeline_env / "repo"))
    platform = json.dumps({"cacheOffline": True, "cacheDir": str(pipeline_env / "repo" / ".lpc-cache")})
    # when the pipeline gates without an HMAC key
    code = main(["gate", str(cdk_out), "--cdk-json", str(cdk_json), "--mode", "offline", "--ci", *CACHED_CHECKS_ONLY,
                 "--platform-settings", platform])
    # then the cache is refused: it is inside a checkout of the commit under review
    assert code == 1
    assert "LPC-CACHE-001" in capsys.readouterr().err


@pytest.mark.parametrize("weakening, setting", [
    ({"treatAsBlocking": ["ERROR"]}, "treatAsBlocking"),
    ({"checks": {"escalation": False}}, "checks.escalation"),
    ({"allowExternalPrincipals": ["999999999999"]}, "allowExternalPrincipals"),
])
def test_given_a_cdk_json_weakening_the_gate_when_the_pipeline_gates_then_one_finding_names_the_setting(
        pipeline_env: Path, capsys: pytest.CaptureFixture[str], weakening: dict[str, Any], setting: str) -> None:
    # given a clean assembly and a cdk.json that weakens one of the platform's settings
    cdk_out = repository(pipeline_env, weakening)
    assert gate(cdk_out) == 0  # outside pipeline mode: the repository's settings, as before
    capsys.readouterr()
    # when the pipeline gates with the platform's settings (here passed by environment, as the stage does)
    code = gate(cdk_out, "--ci", "--platform-settings", '{"treatAsBlocking": ["ERROR", "SECURITY_WARNING"]}')
    report = json.loads(capsys.readouterr().out)
    # then the gate fails with exactly one finding, naming the setting
    assert code == 2
    [finding] = report["BlockingFindings"]
    assert finding["issueCode"] == "LPC-SETTINGS-WEAKENED"
    assert f"weakens the platform's setting {setting} " in finding["message"]
    assert finding["origin"]["source"] == str(pipeline_env / "cdk.json") and finding["origin"]["line"] > 1


def test_given_a_cdk_json_setting_pipeline_mode_itself_then_lpc_gate_refuses_it(
        pipeline_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cdk_out = repository(pipeline_env, {"cacheHmacKey": "mine"})
    assert gate(cdk_out, "--ci") == 1
    err = capsys.readouterr().err
    assert "LPC-SETTINGS-007" in err and "cacheHmacKey" in err and "Traceback" not in err
