"""Settings the platform team owns: in pipeline mode the repository's cdk.json may only tighten them
(issue 20). Given / when / then, one table of weakenings and one of tightenings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from least_privilege_constructs.analysis.findings import FindingType
from least_privilege_constructs.analysis.settings import (
    SETTINGS,
    SettingsError,
    read_platform_settings,
    resolve,
)
from least_privilege_constructs.analysis.settings_policy import (
    DIRECTIONS,
    PLATFORM_HOLDS,
    WEAKENED,
    Direction,
    compare,
    resolve_gate_settings,
)


def test_every_settings_row_declares_which_way_the_repository_may_move_it() -> None:
    # a new row without a direction would be compared as "weakened" (fail closed); declare it instead
    assert {s.key for s in SETTINGS} == set(DIRECTIONS)
    assert all(isinstance(d, Direction) for d in DIRECTIONS.values())
    # the pipeline's own rows are exactly those cdk.json may not name
    assert {k for k, d in DIRECTIONS.items() if d is Direction.PIPELINE} == {s.key for s in SETTINGS if not s.in_cdk_json}


@pytest.mark.parametrize("repo_context, key, change", [
    ({"treatAsBlocking": ["ERROR"]}, "treatAsBlocking", "removed SECURITY_WARNING"),
    ({"treatAsBlocking": "NONE"}, "treatAsBlocking", "removed ERROR, SECURITY_WARNING"),
    ({"checks": {"escalation": False}}, "checks.escalation", "turned off"),
    ({"checks": {"noPublicAccess": False}}, "checks.noPublicAccess", "turned off"),
    ({"allowExternalPrincipals": ["999999999999"]}, "allowExternalPrincipals", "added 999999999999"),
    ({"developerRolePaths": ["/developers/", "/"]}, "developerRolePaths", "added /"),
    ({"ignoreFindings": ["PUBLIC_ACCESS"]}, "ignoreFindings", "added PUBLIC_ACCESS"),
    ({"sensitiveActions": ["iam:CreateUser"]}, "sensitiveActions", "removed iam:CreateAccessKey"),
    ({"exports": {"SharedRoleArn": "arn:aws:iam::111122223333:role/x"}}, "exports", "added"),
    ({"boundaryName": "anything-goes"}, "boundaryName", "changed"),
    ({"escalationContext": {"unboundedRoles": []}}, "escalationContext", "changed"),
    ({"quotas": {"trustPolicySize": 4096}}, "quotas.trustPolicySize", "raised to 4096"),
])
def test_given_a_weakening_cdk_json_when_compared_then_one_weakening_names_the_key_and_the_platform_value_stays(
        repo_context: dict[str, Any], key: str, change: str) -> None:
    # given the platform's settings (the library's defaults) and a repository cdk.json weakening one key
    platform = resolve({}, env={})
    repository = resolve(repo_context, env={})
    # when compared
    result = compare(platform, repository)
    # then exactly one weakening, naming that key, and the gate runs with the platform's value
    assert [w.key for w in result.weakenings] == [key]
    assert result.weakenings[0].detail.startswith(change)
    assert result.settings[key] == platform[key]


@pytest.mark.parametrize("repo_context, key, effective", [
    ({"treatAsBlocking": ["ERROR", "SECURITY_WARNING", "WARNING"]}, "treatAsBlocking",
     {FindingType.ERROR, FindingType.SECURITY_WARNING, FindingType.WARNING}),
    ({"allowExternalPrincipals": ["222222222222"]}, "allowExternalPrincipals", ("222222222222",)),
    ({"developerRolePaths": []}, "developerRolePaths", ()),
    ({"checks": {"escalation": True}}, "checks.escalation", True),
    ({"quotas": {"trustPolicySize": 1024}}, "quotas.trustPolicySize", 1024),
    ({"maxConcurrency": 2}, "maxConcurrency", 2),
])
def test_given_a_tightening_cdk_json_when_compared_then_no_weakening_and_the_stricter_value_is_used(
        repo_context: dict[str, Any], key: str, effective: Any) -> None:
    # given platform settings that allow two accounts and a repository that tightens (or only tunes) one key
    platform = resolve({"allowExternalPrincipals": ["222222222222", "333333333333"]}, env={})
    repository = resolve(repo_context, env={})
    # when compared
    result = compare(platform, repository)
    # then nothing is weakened and the repository's stricter value is the effective one
    assert result.weakenings == ()
    assert result.settings[key] == effective


@pytest.mark.parametrize("repo_context, key", [
    ({"cacheDir": "../.lpc-cache"}, "cacheDir"),
    ({"cacheOffline": True}, "cacheOffline"),
    ({"cache": False}, "cache"),
    ({"mode": "offline"}, "mode"),
    ({"region": "us-east-1"}, "region"),
    ({"profile": "developer"}, "profile"),
])
def test_given_ci_mode_when_cdk_json_sets_a_platform_owned_setting_then_the_platform_value_holds_with_a_note(
        tmp_path: Path, repo_context: dict[str, Any], key: str) -> None:
    # given platform settings that choose the cache and the backend, and a cdk.json choosing otherwise
    platform = {"mode": "online", "region": "eu-west-1", "profile": "pipeline", "cache": True, "cacheOffline": False,
                "cacheDir": "/var/cache/lpc"}
    cdk_json = tmp_path / "infra" / "cdk.json"
    cdk_json.parent.mkdir()
    cdk_json.write_text(json.dumps({"context": {"least-privilege": repo_context}}, indent=2))
    env = {"LEAST_PRIVILEGE_CI": "true", "LEAST_PRIVILEGE_PLATFORM_SETTINGS": json.dumps(platform)}
    # when the gate's settings are resolved in pipeline mode
    gate = resolve_gate_settings(cdk_json, env=env, base_dir=cdk_json.parent)
    # then the platform's value is the one used, and one non-blocking note names the key (not a weakening)
    assert gate.settings[key] == platform[key]
    [note] = gate.findings()
    assert (note.issue_code, note.finding_type, note.details["setting"]) == (PLATFORM_HOLDS, FindingType.SUGGESTION, key)
    assert note.origin is not None and note.origin.source == str(cdk_json)
    # and outside pipeline mode the repository's value is used, as before
    assert resolve_gate_settings(cdk_json, env={}, base_dir=cdk_json.parent).settings[key] != platform[key]


def test_given_ci_mode_when_cdk_json_repeats_the_platform_value_then_no_note() -> None:
    platform = resolve({"mode": "offline", "cacheDir": "/var/cache/lpc"}, env={})
    repository = resolve({"mode": "offline", "cacheDir": "/var/cache/lpc"}, env={})
    result = compare(platform, repository)
    assert (result.weakenings, result.notes) == ((), ())


def test_given_cdk_json_naming_a_pipeline_only_setting_then_it_is_refused_with_its_code() -> None:
    # the commit must not switch pipeline mode off, nor pick the platform's settings or the cache key
    for context in ({"ci": False}, {"platformSettings": "{}"}, {"cacheHmacKey": "k"}):
        with pytest.raises(SettingsError, match="LPC-SETTINGS-007"):
            resolve(context, env={})


def test_given_a_weakened_cdk_json_file_when_resolved_in_ci_mode_then_the_finding_points_at_its_line(
        tmp_path: Path) -> None:
    # given a repository cdk.json that drops SECURITY_WARNING, and the platform's settings inline (pipeline env)
    cdk_json = tmp_path / "cdk.json"
    cdk_json.write_text(json.dumps({"app": "x", "context": {"least-privilege": {
        "mode": "offline", "treatAsBlocking": ["ERROR"]}}}, indent=2))
    env = {"LEAST_PRIVILEGE_CI": "true", "LEAST_PRIVILEGE_PLATFORM_SETTINGS": '{"treatAsBlocking": "ERROR,SECURITY_WARNING"}'}
    # when the gate's settings are resolved
    gate = resolve_gate_settings(cdk_json, env=env, base_dir=tmp_path)
    # then one blocking finding names the setting, both values and the line of cdk.json
    [finding] = [f for f in gate.findings() if f.is_blocking(gate.settings["treatAsBlocking"])]
    assert (finding.issue_code, finding.finding_type, finding.details["setting"]) == (
        WEAKENED, FindingType.ERROR, "treatAsBlocking")
    assert finding.details["platformValue"] == ["ERROR", "SECURITY_WARNING"]
    assert finding.details["repositoryValue"] == ["ERROR"]
    position = finding.origin.position() if finding.origin else None
    assert position is not None and position.line == 6
    assert gate.settings["treatAsBlocking"] == {FindingType.ERROR, FindingType.SECURITY_WARNING}
    # and the repository's mode (a platform-owned setting) is not applied: a non-blocking note says so
    [note] = [f for f in gate.findings() if f.issue_code == PLATFORM_HOLDS]
    assert (note.finding_type, note.details["setting"], gate.settings["mode"]) == (FindingType.SUGGESTION, "mode", "auto")
    # and outside ci mode nothing changes: the repository's value, no finding
    plain = resolve_gate_settings(cdk_json, env={}, base_dir=tmp_path)
    assert plain.findings() == [] and plain.settings["treatAsBlocking"] == {FindingType.ERROR}


@pytest.mark.parametrize("shape", ["inline", "bare file", "cdk.json file"])
def test_given_platform_settings_in_each_shape_then_they_are_read(tmp_path: Path, shape: str) -> None:
    body = {"allowExternalPrincipals": ["222222222222"]}
    if shape == "inline":
        value = json.dumps(body)
    else:
        file = tmp_path / "platform.json"
        file.write_text(json.dumps(body if shape == "bare file" else {"context": {"least-privilege": body}}))
        value = str(file)
    context, _base, origin = read_platform_settings(value, "--platform-settings")
    assert context == body and origin.startswith("platform settings")


@pytest.mark.parametrize("value, code", [
    ("{not json", "LPC-SETTINGS-002"),
    ("/nonexistent/platform.json", "LPC-SETTINGS-001"),
])
def test_given_unreadable_platform_settings_then_a_settings_error_names_the_source(value: str, code: str) -> None:
    with pytest.raises(SettingsError, match=code) as info:
        read_platform_settings(value, "environment variable LEAST_PRIVILEGE_PLATFORM_SETTINGS")
    assert info.value.source == "environment variable LEAST_PRIVILEGE_PLATFORM_SETTINGS"
