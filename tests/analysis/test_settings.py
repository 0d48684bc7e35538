"""The one settings table: every row read from each of its sources, the precedence, every error code, and
the README table generated from it."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from least_privilege_constructs.analysis.findings import FindingType
from least_privilege_constructs.analysis.settings import (
    BY_KEY,
    ERROR_CODES,
    SETTINGS,
    SettingsError,
    error_codes_markdown,
    read_cdk_json,
    resolve,
    settings_table_markdown,
)

ROOT = Path(__file__).resolve().parents[2]

# key -> (value in cdk.json, value as an environment variable, parsed value); one per row of the table
SAMPLES: dict[str, tuple[Any, str, Any]] = {
    "mode": ("offline", "OFFLINE", "offline"),
    "region": ("eu-west-1", "eu-west-1", "eu-west-1"),
    "profile": ("audit", "audit", "audit"),
    "cache": (False, "no", False),
    "cacheOffline": (True, "yes", True),
    "cacheDir": (".lpc-cache", ".lpc-cache", ".lpc-cache"),
    "cacheMaxAgeHours": (1.5, "1.5", 1.5),
    "maxConcurrency": (3, "3", 3),
    "retryMode": ("standard", "standard", "standard"),
    "maxAttempts": (2, "2", 2),
    "throttleRetries": (0, "0", 0),
    "connectTimeout": (2, "2", 2.0),
    "readTimeout": (9.5, "9.5", 9.5),
    "credentialTimeout": (0.5, "0.5", 0.5),
    "maxPolicyChars": (1000, "1000", 1000),
    "checks.validatePolicy": (False, "false", False),
    "checks.noNewAccess": (False, "0", False),
    "checks.accessNotGranted": (False, "off", False),
    "checks.noPublicAccess": (False, "no", False),
    "checks.escalation": (False, "false", False),
    "treatAsBlocking": (["ERROR"], "ERROR", frozenset({FindingType.ERROR})),
    "ignoreFindings": (["A", "B.C"], "A,B.C", ("A", "B.C")),
    "allowExternalPrincipals": (["222222222222"], "222222222222", ("222222222222",)),
    "exports": ({"SharedVpcId": "vpc-0abc"}, "SharedVpcId=vpc-0abc", (("SharedVpcId", "vpc-0abc"),)),
    "sensitiveActions": (["iam:PassRole"], "iam:PassRole", ("iam:PassRole",)),
    "developerRolePaths": (["/dev/"], "/dev/", ("/dev/",)),
    "references": ([{"scope": "App", "policy": "ref.json"}], "", ({"scope": "App", "policy": "ref.json"},)),
    "escalationContext": ({"unboundedRoleArns": []}, "", {"unboundedRoleArns": []}),
    "reportPath": ("out/report.json", "out/report.json", "out/report.json"),
    "htmlReport": (False, "no", False),
    "managedPolicies.documents": ("policies.jsonl", "policies.jsonl", "policies.jsonl"),
    "boundaryName": ("b", "b", "b"),
    "boundaryArn": ("arn:aws:iam::111122223333:policy/b", "arn:aws:iam::111122223333:policy/b",
                    "arn:aws:iam::111122223333:policy/b"),
    "applicationPath": ("/svc/", "/svc/", "/svc/"),
    "kmsAdministrators": (["arn:aws:iam::*:role/kms"], "arn:aws:iam::*:role/kms", ("arn:aws:iam::*:role/kms",)),
    "quotas.managedPolicySize": (100, "", 100),
    "quotas.roleInlineSize": (100, "", 100),
    "quotas.userInlineSize": (100, "", 100),
    "quotas.groupInlineSize": (100, "", 100),
    "quotas.trustPolicySize": (100, "", 100),
    "quotas.managedPoliciesPerPrincipal": (20, "", 20),
    "templateRepositories": (["../a", "../b#v1"], os.pathsep.join(["../a", "../b#v1"]), ("../a", "../b#v1")),
    # the pipeline's own rows (environment or flag only; cdk.json naming them is LPC-SETTINGS-007)
    "ci": (True, "true", True),
    "platformSettings": ("/etc/lpc/platform.json", "/etc/lpc/platform.json", "/etc/lpc/platform.json"),
    "cacheHmacKey": ("k3y", "k3y", "k3y"),
}


def nested(key: str, value: Any) -> dict[str, Any]:
    """``checks.escalation`` -> ``{"checks": {"escalation": value}}``."""
    head, _, tail = key.partition(".")
    return {head: {tail: value}} if tail else {head: value}


def test_every_row_has_a_sample_and_the_table_is_consistent() -> None:
    assert set(SAMPLES) == set(BY_KEY)
    envs = [s.env for s in SETTINGS if s.env]
    assert len(envs) == len(set(envs)) and all(e.startswith("LEAST_PRIVILEGE_") for e in envs)
    assert all(s.description.endswith((".", ")")) for s in SETTINGS)


@pytest.mark.parametrize("key", [s.key for s in SETTINGS if s.in_cdk_json])
def test_each_row_from_cdk_json(key: str) -> None:
    # given the value in the least-privilege context, when resolved, then it is parsed and its source named
    raw, _env, expected = SAMPLES[key]
    resolved = resolve(nested(key, raw), env={})
    assert resolved[key] == expected
    assert resolved.source_of(key) == f"cdk.json context least-privilege.{key}"


@pytest.mark.parametrize("key", [s.key for s in SETTINGS if not s.in_cdk_json])
def test_a_pipeline_row_in_cdk_json_is_007(key: str) -> None:
    # given the commit's cdk.json naming a setting only the pipeline may set, then it is refused, naming where
    raw, _env, _expected = SAMPLES[key]
    with pytest.raises(SettingsError) as err:
        resolve(nested(key, raw), env={})
    assert err.value.code == "LPC-SETTINGS-007"
    assert err.value.source == f"cdk.json context least-privilege.{key}"


@pytest.mark.parametrize("key", [s.key for s in SETTINGS if s.env])
def test_each_row_from_its_environment_variable(key: str) -> None:
    _raw, text, expected = SAMPLES[key]
    setting = BY_KEY[key]
    resolved = resolve({}, env={str(setting.env): text})
    assert resolved[key] == expected
    assert resolved.source_of(key) == f"environment variable {setting.env}"


@pytest.mark.parametrize("key", [s.key for s in SETTINGS if s.flag])
def test_each_row_from_its_flag(key: str) -> None:
    raw, _env, expected = SAMPLES[key]
    setting = BY_KEY[key]
    resolved = resolve({}, env={}, flags={key: raw})
    assert resolved[key] == expected
    assert resolved.source_of(key) == (setting.flag.replace(" ", "") if " / " in str(setting.flag)
                                       else setting.flag_names[0])


def test_defaults_when_nothing_is_set() -> None:
    resolved = resolve({}, env={})
    assert resolved.sources == {}
    assert resolved["mode"] == "auto" and resolved["checks.escalation"] is True
    assert resolved["treatAsBlocking"] == frozenset({FindingType.ERROR, FindingType.SECURITY_WARNING})
    assert resolved["reportPath"] == ".lpc-reports/validation-report.json"
    assert "iam:CreateAccessKey" in resolved["sensitiveActions"]


@pytest.mark.parametrize(
    ("context", "env", "flags", "expected", "source"),
    [
        pytest.param({"mode": "offline"}, {}, {}, "offline", "cdk.json context least-privilege.mode",
                     id="cdk-json-over-default"),
        pytest.param({"mode": "offline"}, {"LEAST_PRIVILEGE_MODE": "online"}, {}, "online",
                     "environment variable LEAST_PRIVILEGE_MODE", id="environment-over-cdk-json"),
        pytest.param({"mode": "offline"}, {"LEAST_PRIVILEGE_MODE": "online"}, {"mode": "auto"}, "auto", "--mode",
                     id="flag-over-environment"),
        pytest.param({"mode": "offline"}, {"LEAST_PRIVILEGE_MODE": " "}, {"mode": None}, "offline",
                     "cdk.json context least-privilege.mode", id="blank-variable-and-none-flag-are-unset"),
    ],
)
def test_precedence_flags_environment_cdk_json_defaults(context: dict[str, Any], env: dict[str, str],
                                                         flags: dict[str, Any], expected: str, source: str) -> None:
    resolved = resolve(context, env=env, flags=flags)
    assert (resolved["mode"], resolved.source_of("mode")) == (expected, source)


def test_an_accumulating_flag_adds_to_the_list() -> None:
    resolved = resolve({"ignoreFindings": ["A"]}, env={"LEAST_PRIVILEGE_IGNORE_FINDINGS": "B"},
                       flags={"ignoreFindings": ["C"]})
    assert resolved["ignoreFindings"] == ("B", "C")


def test_sources_name_the_cdk_json_file(tmp_path: Path) -> None:
    path = tmp_path / "cdk.json"
    path.write_text(json.dumps({"context": {"least-privilege": {"checks": {"escalation": False}}}}))
    resolved = resolve(cdk_json=path, env={})
    assert resolved.source_of("checks.escalation") == f"{path} context least-privilege.checks.escalation"
    assert resolved.base_dir == tmp_path


# -- errors: one type, stable codes, the source named --------------------------------------------------------
@pytest.mark.parametrize(
    ("content", "code", "message"),
    [
        pytest.param(None, "LPC-SETTINGS-001", "LPC-SETTINGS-001 {p}: cannot read {p}: No such file or directory",
                     id="001-cannot-read"),
        pytest.param("{not json", "LPC-SETTINGS-002",
                     "LPC-SETTINGS-002 {p}: {p} is not valid JSON: Expecting property name enclosed in double quotes: "
                     "line 1 column 2 (char 1)", id="002-invalid-json"),
        pytest.param(json.dumps({"context": {"least-privilege": ["x"]}}), "LPC-SETTINGS-003",
                     "LPC-SETTINGS-003 {p} context least-privilege: context 'least-privilege' must be an object, got "
                     "list", id="003-context-not-an-object"),
    ],
)
def test_cdk_json_errors(tmp_path: Path, content: str | None, code: str, message: str) -> None:
    path = tmp_path / "cdk.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(SettingsError) as err:
        read_cdk_json(path)
    assert err.value.code == code
    assert str(err.value) == message.format(p=path)


@pytest.mark.parametrize(
    ("context", "env", "flags", "code", "message"),
    [
        pytest.param({"checks": ["escalation"]}, {}, {}, "LPC-SETTINGS-003",
                     "LPC-SETTINGS-003 cdk.json context least-privilege.checks: must be an object of settings, got list",
                     id="003-group-not-an-object"),
        pytest.param({"maxConcurrency": 0}, {}, {}, "LPC-SETTINGS-004",
                     "LPC-SETTINGS-004 cdk.json context least-privilege.maxConcurrency: invalid value 0 (expected an "
                     "integer >= 1)", id="004-from-cdk-json"),
        pytest.param({}, {"LEAST_PRIVILEGE_CHECK_ESCALATION": "maybe"}, {}, "LPC-SETTINGS-004",
                     "LPC-SETTINGS-004 environment variable LEAST_PRIVILEGE_CHECK_ESCALATION: invalid value 'maybe' "
                     "(expected true or false)", id="004-from-environment"),
        pytest.param({}, {}, {"treatAsBlocking": "ERRORS"}, "LPC-SETTINGS-004",
                     "LPC-SETTINGS-004 --treat-as-blocking: invalid value 'ERRORS' (unknown finding type 'ERRORS' in "
                     "--treat-as-blocking; expected ERROR, SECURITY_WARNING, WARNING, SUGGESTION or NONE)",
                     id="004-from-flag"),
        pytest.param({"references": [{"scope": "X"}]}, {}, {}, "LPC-SETTINGS-004",
                     'LPC-SETTINGS-004 cdk.json context least-privilege.references[0]: expected {"scope": '
                     '"Stack/Path", "policy": "file.json"}', id="004-list-element"),
        pytest.param({"applicationPath": "app"}, {}, {}, "LPC-SETTINGS-004",
                     "LPC-SETTINGS-004 cdk.json context least-privilege.applicationPath: invalid value 'app' (expected "
                     "an IAM path such as '/app/' (starting and ending with '/', no wildcard))", id="004-iam-path"),
        pytest.param({"treatAsBlockin": ["ERROR"]}, {}, {}, "LPC-SETTINGS-005",
                     "LPC-SETTINGS-005 cdk.json context least-privilege.treatAsBlockin: unknown setting (did you mean "
                     "'treatAsBlocking'?); the settings are listed in the README's Configuration section",
                     id="005-unknown-key"),
        pytest.param({"checks": {"escalations": True}}, {}, {}, "LPC-SETTINGS-005",
                     "LPC-SETTINGS-005 cdk.json context least-privilege.checks.escalations: unknown setting (did you "
                     "mean 'checks.escalation'?); the settings are listed in the README's Configuration section",
                     id="005-unknown-nested-key"),
        pytest.param({}, {}, {"colour": "blue"}, "LPC-SETTINGS-005",
                     "LPC-SETTINGS-005 flags: unknown setting(s): colour", id="005-unknown-flag"),
    ],
)
def test_value_errors(context: dict[str, Any], env: dict[str, str], flags: dict[str, Any], code: str,
                      message: str) -> None:
    with pytest.raises(SettingsError) as err:
        resolve(context, env=env, flags=flags)
    assert err.value.code == code
    assert str(err.value) == message


def test_a_reference_policy_that_cannot_be_read_is_006(tmp_path: Path) -> None:
    from least_privilege_constructs.analysis.gate import GateOptions

    with pytest.raises(SettingsError) as err:
        GateOptions.resolve({"references": [{"scope": "App", "policy": "missing.json"}]}, env={},
                            base_dir=str(tmp_path))
    assert err.value.code == "LPC-SETTINGS-006"
    assert str(err.value).startswith("LPC-SETTINGS-006 cdk.json context least-privilege.references[0]: cannot read "
                                     f"reference policy {tmp_path / 'missing.json'}")
    (tmp_path / "list.json").write_text("[]")
    with pytest.raises(SettingsError, match=r"LPC-SETTINGS-006 .* must be a JSON object"):
        GateOptions.resolve({"references": [{"policy": "list.json"}]}, env={}, base_dir=str(tmp_path))


def test_every_error_code_is_documented_and_tested() -> None:
    tested = set(re.findall(r"LPC-SETTINGS-\d{3}", Path(__file__).read_text(encoding="utf-8")))
    assert set(ERROR_CODES) == tested - {"LPC-SETTINGS-00x"}


# -- the readers of the library read through the table ---------------------------------------------------------
def test_gate_backend_and_nag_pack_read_the_same_resolution() -> None:
    from least_privilege_constructs.access_analyzer.settings import from_resolved
    from least_privilege_constructs.analysis.gate import GateOptions
    from least_privilege_constructs.analysis.rules.config import NagConfig

    resolved = resolve({"mode": "offline", "checks": {"escalation": False}, "boundaryArn":
                        "arn:aws:iam::111122223333:policy/boundaries/b", "quotas": {"trustPolicySize": 4096}},
                       env={"LEAST_PRIVILEGE_REPORT_PATH": "r.json"}, flags={"maxConcurrency": 2})
    options = GateOptions.from_settings(resolved)
    backend = from_resolved(resolved)
    nag = NagConfig.from_settings(resolved)
    assert (options.escalation, options.report_path) == (False, "r.json")
    assert (backend.mode, backend.max_concurrency, backend.source_of("max_concurrency")) == ("offline", 2,
                                                                                             "--max-concurrency")
    assert (nag.boundary_name, nag.boundary_path, nag.quotas.trust_policy_size) == ("b", "/boundaries/", 4096)


def test_the_project_cdk_json_is_valid() -> None:
    resolved = resolve(cdk_json=ROOT / "cdk.json", env={})
    assert resolved["mode"] == "offline" and resolved["developerRolePaths"] == ("/developers/", "/app/deployers/")


# -- documentation ---------------------------------------------------------------------------------------------
def _section(name: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"<!-- BEGIN GENERATED: {name} -->\n(.*?)<!-- END GENERATED: {name} -->", text, re.DOTALL)
    assert match, f"README.md: the generated section {name!r} is missing"
    return match.group(1)


def test_the_readme_settings_table_is_generated_from_the_table() -> None:
    body = _section("settings")
    assert body == settings_table_markdown(), "stale: run .venv/bin/python scripts/update_readme.py"
    assert all(f"| `{s.key}` |" in body for s in SETTINGS)


def test_the_readme_lists_the_error_codes() -> None:
    assert _section("settings-errors") == error_codes_markdown()
