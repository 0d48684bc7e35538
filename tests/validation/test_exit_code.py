"""Blocking findings make a Python app exit non-zero even when run by the CDK CLI (aws-cdk #26844): the CLI's
"process" app mode only sets the exit code of the jsii Node process, so ``synth(app)`` reads the report."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys
from pathlib import Path
from typing import Any
sys.path.insert(0, {root!r})
from least_privilege_constructs.validation.synth import synth
from tests.validation.planted_app import build_planted_app
app, _ = build_planted_app({outdir!r}, Path({base!r}), escalation={escalation})
if {clean}:
    from aws_cdk import Acknowledgment, Validations
    from tests.validation.planted_app import EXPECTED
    for code in EXPECTED:
        Validations.of(app).acknowledge(Acknowledgment(id="LeastPrivilege-PolicyValidation::" + code,
                                                       reason="accepted in this test, on purpose"))
synth(app)
print("synthesized")
"""


@pytest.mark.parametrize(("clean", "code"), [(False, 1), (True, 0)], ids=["blocking-findings-exit-1", "clean-exit-0"])
def test_app_run_by_the_cdk_cli_exits_with_the_gate(tmp_path: Path, clean: bool, code: int) -> None:
    script = tmp_path / "app.py"
    script.write_text(SCRIPT.format(root=str(ROOT), outdir=str(tmp_path / "cdk.out"), base=str(tmp_path),
                                    escalation=False, clean=clean))
    env = {**os.environ, "CDK_APP_MODE": "process", "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    env.pop("PYTEST_CURRENT_TEST", None)
    env.pop("PYTEST_VERSION", None)
    proc = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert proc.returncode == code, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    if code:
        assert "least-privilege: synthesis blocked" in proc.stderr
    else:
        assert "synthesized" in proc.stdout


def test_acknowledging_the_lp_ack_rule_name_accepts_nothing(tmp_path: Path) -> None:
    # given iam:PassRole on *, acknowledged by an issue code (it names no statement, so the gate keeps the merged
    # LP-IAM4[Resource::*] open as LP-ACK[...]), and then by that LP-ACK rule name, as CDK's output suggests
    from aws_cdk import Acknowledgment, App, Stack, Validations
    from aws_cdk import aws_iam as iam

    from least_privilege_constructs import LeastPrivilegeChecks, LeastPrivilegeValidation
    from least_privilege_constructs.validation.synth import synth

    app = App(outdir=str(tmp_path / "cdk.out"), context={"least-privilege": {
        "mode": "offline", "reportPath": str(tmp_path / "report.json")}})
    role = iam.Role(Stack(app, "App"), "Deployer", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    role.add_to_policy(iam.PolicyStatement(actions=["iam:PassRole"], resources=["*"]))
    for ack_id in ("LeastPrivilege-PolicyValidation::PASS_ROLE_WITH_STAR_IN_RESOURCE",
                   "LeastPrivilege-PolicyValidation::LP-ACK[LP-IAM4[Resource::*]]",
                   "LeastPrivilegeChecks::LP-IAM1"):  # (no boundary in this small app: accepted on purpose)
        Validations.of(role).acknowledge(Acknowledgment(id=ack_id, reason="deploys any role (SEC-1)"))
    Validations.of(app).add_plugins(LeastPrivilegeChecks(app), LeastPrivilegeValidation(app, quiet=True))
    lines: list[str] = []
    # when synthesized: CDK drops the LP-ACK violation from its report (its rule name is acknowledged) ...
    with pytest.raises(SystemExit) as stopped:
        synth(app, printer=lines.append)
    # then synth(app) fails the run all the same, naming the finding, as lpc gate does
    assert stopped.value.code == 1
    assert any("LP-IAM4[Resource::*]" in line and "accepts nothing" in line for line in lines), lines


def _passrole_app(outdir: Path, report: str, acks: dict[str, str], *, gate: bool) -> Any:
    from aws_cdk import Acknowledgment, App, Stack, Validations
    from aws_cdk import aws_iam as iam

    from least_privilege_constructs import LeastPrivilegeChecks, LeastPrivilegeValidation

    app = App(outdir=str(outdir), context={"least-privilege": {"mode": "offline", "reportPath": report}})
    role = iam.Role(Stack(app, "App"), "Deployer", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    role.add_to_policy(iam.PolicyStatement(actions=["iam:PassRole"], resources=["*"]))
    for ack_id, reason in acks.items():
        Validations.of(app if "ANALYSIS_FAILED" in ack_id else role).acknowledge(
            Acknowledgment(id=ack_id, reason=reason))
    plugins = [LeastPrivilegeChecks(app), *([LeastPrivilegeValidation(app, quiet=True)] if gate else [])]
    Validations.of(app).add_plugins(*plugins)
    return app


def test_the_pack_s_lp_ack_acknowledged_accepts_nothing_either(tmp_path: Path) -> None:
    from least_privilege_constructs.validation.synth import read_plugin_reports, synth

    # given the pack alone, a blank acknowledgment of PassRole on * (the pack reports it as LP-ACK[...])
    acks = {"LeastPrivilegeChecks::LP-IAM4[Resource::*]": "", "LeastPrivilegeChecks::LP-IAM1": "no boundary here"}
    first = _passrole_app(tmp_path / "a", str(tmp_path / "a.json"), acks, gate=False)
    with pytest.raises(SystemExit):
        synth(first, printer=lambda _: None)
    names = [v["ruleName"] for r in read_plugin_reports(str(tmp_path / "a")) for v in r["violations"]]
    lp_ack = next(n for n in names if n.startswith("LP-ACK"))
    # when the LP-ACK rule name CDK suggests is acknowledged with a reason, CDK drops both violations ...
    second = _passrole_app(tmp_path / "b", str(tmp_path / "b.json"),
                           {**acks, f"LeastPrivilegeChecks::{lp_ack}": "told to by the output"}, gate=False)
    lines: list[str] = []
    with pytest.raises(SystemExit) as stopped:
        synth(second, printer=lines.append)
    # then synth(app) still fails the run
    assert stopped.value.code == 1 and any("accepts nothing" in line for line in lines), lines


def test_a_gate_that_could_not_run_fails_the_run_even_when_acknowledged(tmp_path: Path) -> None:
    from least_privilege_constructs.validation.synth import synth

    # given a gate whose run fails (its report cannot be written), and ANALYSIS_FAILED acknowledged on the app
    blocked_dir = tmp_path / "not-a-dir"
    blocked_dir.write_text("a file where the report's folder should be")
    app = _passrole_app(tmp_path / "cdk.out", str(blocked_dir / "report.json"),
                        {"LeastPrivilege-PolicyValidation::ANALYSIS_FAILED": ""}, gate=True)
    lines: list[str] = []
    # when synthesized, then the run fails: nothing was checked
    with pytest.raises(SystemExit) as stopped:
        synth(app, printer=lines.append)
    assert stopped.value.code == 1 and any("ANALYSIS_FAILED" in line for line in lines), lines
