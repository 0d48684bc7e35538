"""Blocking findings make a Python app exit non-zero even when run by the CDK CLI (aws-cdk #26844): the CLI's
"process" app mode only sets the exit code of the jsii Node process, so ``synth(app)`` reads the report."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys
from pathlib import Path
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
