"""``lpc gate`` and the synth plugin run the one core gate: same settings, same checks, same report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def test_lpc_gate_and_the_plugin_write_the_same_report(sample_cdk_out: Path, tmp_path: Path) -> None:
    # given the sample organization synthesized once with the plugin (its report next to the assembly,
    # see tests/conftest.py) and the same cdk.json and environment for the CLI
    plugin_report: dict[str, Any] = json.loads((sample_cdk_out.parent / "lpc-report.json").read_text())
    cli_report_path = tmp_path / "cli-report.json"
    env = {**os.environ, "LEAST_PRIVILEGE_MODE": "offline", "LEAST_PRIVILEGE_CACHE_DIR": str(tmp_path / "cache"),
           "LEAST_PRIVILEGE_REPORT_PATH": str(cli_report_path)}
    # when lpc gate runs over the same assembly from a pipeline (no CDK, no jsii)
    proc = subprocess.run(
        [sys.executable, "-m", "least_privilege_constructs.cli.main", "gate", str(sample_cdk_out),
         "--cdk-json", str(ROOT / "cdk.json"), "--format", "json"],
        cwd=tmp_path, env=env, capture_output=True, text=True)
    # then it writes the plugin's report: the same findings, checks, counts and blocking types
    cli_report: dict[str, Any] = json.loads(cli_report_path.read_text())
    assert proc.returncode == (2 if any(f["findingType"] in plugin_report["treatAsBlocking"]
                                        for f in plugin_report["findings"]) else 0), proc.stderr
    assert "Traceback" not in proc.stderr
    # the sample's one finding was ESCALATION_UNDETERMINED for its AWS managed policy, which the packaged
    # snapshot now resolves (issue 18: the sample synth ends with none); the reports must still be
    # non-trivial: every check ran over the sample's principals and policies
    assert plugin_report["principals"] > 0 and plugin_report["policies"] > 0
    assert all(c["enabled"] and c["checked"] > 0 for c in plugin_report["checks"].values()), plugin_report["checks"]
    assert cli_report["findings"] == plugin_report["findings"]
    assert cli_report["ignored"] == plugin_report["ignored"]
    # both check what BoundaryEnforcement verifies (inside synth the gate plugin takes it over) and run the
    # LP-* rules (LeastPrivilegeChecks is attached): nothing unbounded, no rule finding
    for name in ("boundary-enforcement", "lp-rules"):
        assert cli_report["checks"][name]["checked"] > 0 and cli_report["checks"][name]["findings"] == 0
    assert cli_report["checks"] == plugin_report["checks"]
    for key in ("cdkOut", "backend", "treatAsBlocking", "policies", "principals", "templates"):
        assert cli_report[key] == plugin_report[key], key
    # and its stdout renders those findings
    printed = json.loads(proc.stdout)
    shown = len(printed.get("BlockingFindings", [])) + len(printed.get("NonBlockingFindings", []))
    assert shown == len(plugin_report["findings"])


def test_the_plugin_reads_the_same_table_and_names_a_bad_key() -> None:
    import pytest

    from least_privilege_constructs.analysis.settings import SettingsError
    from least_privilege_constructs.validation.plugin import LeastPrivilegeValidation

    plugin = LeastPrivilegeValidation(context={"mode": "offline", "checks": {"escalation": False}},
                                      settings_overrides={"max_concurrency": 3}, quiet=True)
    assert (plugin.options.escalation, plugin.settings.mode, plugin.settings.max_concurrency) == (False, "offline", 3)
    assert plugin.settings.source_of("max_concurrency") == "LeastPrivilegeValidation(settings_overrides={'max_concurrency': ...})"
    with pytest.raises(SettingsError) as err:
        LeastPrivilegeValidation(context={"treatAsBlockin": ["ERROR"]}, quiet=True)
    assert err.value.code == "LPC-SETTINGS-005" and "least-privilege.treatAsBlockin" in str(err.value)
    with pytest.raises(SettingsError) as err:
        LeastPrivilegeValidation(context="offline", quiet=True)  # type: ignore[arg-type]
    assert err.value.code == "LPC-SETTINGS-003"
    with pytest.raises(SettingsError, match="unknown setting"):
        LeastPrivilegeValidation(context={}, settings_overrides={"colour": "blue"}, quiet=True)
