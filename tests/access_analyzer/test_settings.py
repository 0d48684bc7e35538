"""Settings: cdk.json context < environment < CLI flags, every value checked, errors naming the source."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from least_privilege_constructs.access_analyzer.settings import (
    SETTINGS,
    Settings,
    SettingsError,
    add_arguments,
    load_context,
    overrides_from_args,
    resolve_settings,
    settings_fields,
)

ROOT = Path(__file__).resolve().parents[2]


def test_defaults() -> None:
    s = resolve_settings({}, env={})
    assert (s.mode, s.cache, s.max_concurrency, s.retry_mode, s.max_attempts) == ("auto", True, 8, "adaptive", 5)
    assert s.sources == {} and s.source_of("mode") == "default"
    assert s.cache_path().name == "least-privilege-constructs"


def test_table_matches_the_settings_dataclass() -> None:
    assert [s.field for s in SETTINGS] == settings_fields()
    assert len({s.env for s in SETTINGS}) == len({s.context_key for s in SETTINGS}) == len(SETTINGS)
    defaults = Settings()
    for spec in SETTINGS:
        shown = spec.default if spec.field != "cache_dir" else None
        assert getattr(defaults, spec.field) == shown, spec.field


@pytest.mark.parametrize(
    ("context", "env", "flags", "expected", "source"),
    [
        pytest.param({"mode": "offline"}, {}, {}, "offline", "cdk.json context least-privilege.mode", id="context"),
        pytest.param({"mode": "offline"}, {"LEAST_PRIVILEGE_MODE": "online"}, {}, "online",
                     "environment variable LEAST_PRIVILEGE_MODE", id="env-over-context"),
        pytest.param({"mode": "offline"}, {"LEAST_PRIVILEGE_MODE": "online"}, {"mode": "auto"}, "auto", "--mode",
                     id="flag-over-env"),
        pytest.param({}, {"LEAST_PRIVILEGE_MODE": "  "}, {}, "auto", "default", id="blank-env-ignored"),
        pytest.param({"mode": "OFFLINE"}, {}, {}, "offline", "cdk.json context least-privilege.mode",
                     id="case-insensitive"),
    ],
)
def test_precedence(context: dict, env: dict, flags: dict, expected: str, source: str) -> None:
    s = resolve_settings(context, env=env, overrides=flags)
    assert s.mode == expected and s.source_of("mode") == source


@pytest.mark.parametrize(
    ("context", "env", "message"),
    [
        pytest.param({"mode": "sometimes"}, {}, "least-privilege.mode: invalid value 'sometimes' (expected one of auto",
                     id="bad-mode"),
        pytest.param({"maxConcurrency": 0}, {}, "least-privilege.maxConcurrency: invalid value 0", id="zero-concurrency"),
        pytest.param({"maxConcurrency": True}, {}, "expected an integer", id="bool-is-not-int"),
        pytest.param({}, {"LEAST_PRIVILEGE_MAX_CONCURRENCY": "lots"},
                     "environment variable LEAST_PRIVILEGE_MAX_CONCURRENCY: invalid value 'lots'", id="env-not-int"),
        pytest.param({}, {"LEAST_PRIVILEGE_CACHE": "maybe"}, "LEAST_PRIVILEGE_CACHE: invalid value 'maybe'",
                     id="bad-bool"),
        pytest.param({"retryMode": "aggressive"}, {}, "least-privilege.retryMode", id="bad-retry-mode"),
        pytest.param({"readTimeout": "soon"}, {}, "expected a number", id="bad-float"),
        pytest.param({"cacheDir": 3}, {}, "least-privilege.cacheDir: invalid value 3 (expected a string)",
                     id="cache-dir-not-string"),
    ],
)
def test_bad_values_name_their_source(context: dict, env: dict, message: str) -> None:
    with pytest.raises(SettingsError, match=message.replace("(", r"\(").replace(")", r"\)")):
        resolve_settings(context, env=env)


def test_other_keys_of_the_context_are_left_alone() -> None:
    s = resolve_settings({"boundaryName": "b", "checks": {"escalation": True}, "treatAsBlocking": ["ERROR"]}, env={})
    assert s == Settings()


def test_reads_the_project_cdk_json() -> None:
    s = resolve_settings(cdk_json=ROOT / "cdk.json", env={})
    assert s.mode == "offline"
    assert s.source_of("mode") == f"{ROOT / 'cdk.json'} context least-privilege.mode"
    assert s.cache_path() == ROOT / ".lpc-cache"  # relative to the directory of cdk.json


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param("{not json", "is not valid JSON", id="invalid-json"),
        pytest.param(json.dumps({"context": {"least-privilege": "offline"}}), "must be an object", id="not-object"),
    ],
)
def test_bad_cdk_json(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "cdk.json"
    path.write_text(content)
    with pytest.raises(SettingsError, match=message):
        resolve_settings(cdk_json=path, env={})


def test_missing_cdk_json_and_missing_context(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="cannot read"):
        load_context(tmp_path / "absent.json")
    (tmp_path / "cdk.json").write_text(json.dumps({"app": "x"}))
    assert load_context(tmp_path / "cdk.json") == {}


def test_cli_flags() -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(["--mode", "online", "--max-concurrency", "3", "--no-cache", "--region", "eu-west-1"])
    overrides = overrides_from_args(args)
    assert overrides == {"mode": "online", "max_concurrency": "3", "cache": False, "region": "eu-west-1"}
    s = resolve_settings({"maxConcurrency": 10, "cache": True}, env={"LEAST_PRIVILEGE_MAX_CONCURRENCY": "5"},
                         overrides=overrides)
    assert (s.mode, s.max_concurrency, s.cache, s.region) == ("online", 3, False, "eu-west-1")
    assert s.source_of("cache") == "--cache/--no-cache"
    assert overrides_from_args(parser.parse_args([])) == {}


def test_unknown_override_is_an_error() -> None:
    with pytest.raises(SettingsError, match="unknown setting"):
        resolve_settings({}, env={}, overrides={"colour": "blue"})
