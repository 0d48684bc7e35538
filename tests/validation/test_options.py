"""The gate's settings: cdk.json context < environment < arguments; bad values name their key."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from least_privilege_constructs.analysis.findings import FindingType
from least_privilege_constructs.analysis.gate import (
    DEFAULT_SENSITIVE_ACTIONS,
    GateOptions,
    GateOptionsError,
)


def test_defaults_turn_every_check_on() -> None:
    options = GateOptions.resolve({}, env={})
    assert (options.validate_policy, options.no_new_access, options.access_not_granted,
            options.no_public_access, options.escalation) == (True, True, True, True, True)
    assert options.treat_as_blocking == frozenset({FindingType.ERROR, FindingType.SECURITY_WARNING})
    assert options.sensitive_actions == DEFAULT_SENSITIVE_ACTIONS
    assert options.developer_role_paths == ("/developers/",)


def test_environment_overrides_the_context_and_arguments_override_both() -> None:
    context = {"checks": {"escalation": True}, "treatAsBlocking": ["ERROR"], "reportPath": "ctx.json"}
    env = {"LEAST_PRIVILEGE_CHECK_ESCALATION": "false", "LEAST_PRIVILEGE_REPORT_PATH": "env.json"}
    options = GateOptions.resolve(context, env=env, report_path="arg.json")
    assert options.escalation is False
    assert options.treat_as_blocking == frozenset({FindingType.ERROR})
    assert options.report_path == "arg.json"


def test_references_are_read_relative_to_cdk_json(tmp_path: Path) -> None:
    (tmp_path / "ref.json").write_text(json.dumps({"Version": "2012-10-17", "Statement": []}))
    options = GateOptions.resolve({"references": [{"scope": "App/Role", "policy": "ref.json"}]}, env={},
                                  base_dir=str(tmp_path))
    (ref,) = options.references
    assert ref.scope == "App/Role" and ref.document["Version"] == "2012-10-17"


@pytest.mark.parametrize(
    ("context", "message"),
    [
        pytest.param({"checks": {"escalation": "maybe"}}, "least-privilege.checks.escalation", id="bad-boolean"),
        pytest.param({"checks": ["escalation"]}, "least-privilege.checks", id="checks-not-an-object"),
        pytest.param({"treatAsBlocking": "ERRORS"}, "least-privilege.treatAsBlocking", id="unknown-finding-type"),
        pytest.param({"sensitiveActions": [1, 2]}, "least-privilege.sensitiveActions", id="non-string-actions"),
        pytest.param({"references": [{"scope": "X"}]}, "least-privilege.references[0]", id="reference-without-policy"),
        pytest.param({"references": [{"policy": "missing.json"}]}, "missing.json", id="reference-file-missing"),
        pytest.param({"reportPath": ""}, "least-privilege.reportPath", id="empty-report-path"),
        pytest.param({"escalationContext": ["x"]}, "least-privilege.escalationContext", id="escalation-context-not-object"),
    ],
)
def test_bad_settings_name_their_key(context: dict[str, Any], message: str, tmp_path: Path) -> None:
    with pytest.raises(GateOptionsError) as err:
        GateOptions.resolve(context, env={}, base_dir=str(tmp_path))
    assert message in str(err.value)


def test_report_is_never_written_inside_the_assembly(tmp_path: Path) -> None:
    from least_privilege_constructs.analysis.gate import GateReport

    report = GateReport(cdk_out=str(tmp_path / "cdk.out"), backend="offline", backend_reason="test")
    with pytest.raises(ValueError, match="inside the cloud assembly"):
        report.write(tmp_path / "cdk.out" / "report.json")
    written = report.write(tmp_path / "reports" / "report.json")
    assert json.loads(written.read_text())["backend"] == "offline"
