"""The recommended wiring through the real, pinned CDK CLI (``npx --no-install cdk synth``).

aws-cdk #26844 (https://github.com/aws/aws-cdk/issues/26844): an old CLI let a Python app exit 0 when a
validation plugin failed. The pinned CLI (package.json, aws-cdk 2.1148) sets the context key
``@aws-cdk/core:failSynthOnValidationErrors`` to ``false``, reads ``cdk.out/validation-report.json`` itself,
prints every violation with its construct path and acknowledgment id, and exits 1. ``synth(app)`` must let
it: exiting first would hide every violation behind ``Subprocess exited with error 1``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

APP = """
from aws_cdk import App, Stack, Validations
from aws_cdk import aws_iam as iam
from least_privilege_constructs import (
    BoundaryEnforcement, LeastPrivilegeChecks, LeastPrivilegeValidation, PermissionsBoundaryPolicy,
)
from least_privilege_constructs.validation.synth import synth

app = App()
stack = Stack(app, "Planted")
boundary = PermissionsBoundaryPolicy(stack, "Boundary", allowed_services=["s3"])
role = iam.Role(stack, "Worker", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"), path="/app/")
role.add_to_policy(iam.PolicyStatement(actions=["iam:PassRole"], resources=["*"]))
BoundaryEnforcement.of(app).apply(boundary)
Validations.of(app).add_plugins(LeastPrivilegeChecks(app), LeastPrivilegeValidation(app, quiet=True))
synth(app)
"""


def run_cdk_synth(app_dir: Path, app_source: str, *, context: dict[str, object] | None = None
                  ) -> subprocess.CompletedProcess[str]:
    """``npx --no-install cdk synth`` of ``app_source`` in ``app_dir`` with this checkout first on the path."""
    import json

    if shutil.which("npx") is None or not (ROOT / "node_modules" / ".bin" / "cdk").exists():
        pytest.skip("needs the pinned CDK CLI: npx and node_modules (bash scripts/test.sh installs them)")
    app_dir.mkdir(parents=True, exist_ok=True)
    (app_dir / "app.py").write_text(app_source, encoding="utf-8")
    config: dict[str, object] = {"app": f"{sys.executable} app.py"}
    if context is not None:
        config["context"] = {"least-privilege": context}
    (app_dir / "cdk.json").write_text(json.dumps(config), encoding="utf-8")
    link = app_dir / "node_modules"
    if not link.exists():
        link.symlink_to(ROOT / "node_modules")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
           "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20", "AWS_EC2_METADATA_DISABLED": "true",
           "CDK_DISABLE_VERSION_CHECK": "1", "LEAST_PRIVILEGE_MODE": "offline",
           "LEAST_PRIVILEGE_CACHE_DIR": str(app_dir / ".lpc-cache")}
    for name in ("PYTEST_CURRENT_TEST", "PYTEST_VERSION", "CDK_APP_MODE", "CDK_OUTDIR", "CDK_CONTEXT_JSON"):
        env.pop(name, None)
    return subprocess.run(["npx", "--no-install", "cdk", "synth", "-q", "--no-notices"], cwd=app_dir, env=env,
                          capture_output=True, text=True, timeout=600)


def readme_quick_start() -> str:
    """The README's quick-start block, verbatim."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start\n", 1)[1]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


def test_readme_quick_start_synthesizes_clean_through_cdk_synth(tmp_path: Path) -> None:
    # given the README's quick start, verbatim, as app.py next to a cdk.json naming it
    source = readme_quick_start()
    assert "LeastPrivilegeValidation(app)" in source and "synth(app)" in source
    # when the pinned CDK CLI synthesizes it
    proc = run_cdk_synth(tmp_path / "quick-start", source)
    out = proc.stdout + proc.stderr
    # then every guardrail passes: no violation, no finding, exit 0
    assert proc.returncode == 0, out[-3000:]
    assert "Acknowledge with" not in out and "Synthesis finished with errors" not in out, out[-3000:]
    for line in (ln for ln in out.splitlines() if ln.startswith("least-privilege: ") and " checked, " in ln):
        assert " 0 finding(s), 0 blocking" in line, line


def test_cdk_synth_prints_every_violation_and_exits_non_zero(tmp_path: Path) -> None:
    proc = run_cdk_synth(tmp_path / "app", APP)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out[-3000:]
    # the CLI read the report: the violations are printed, not hidden behind the subprocess's exit code
    assert "Subprocess exited with error" not in out, out[-3000:]
    assert "Traceback" not in out
    assert "Planted/Worker/DefaultPolicy/Resource" in out, out[-3000:]
    # one finding for the one mistake: the gate runs the attached pack's LP-* rules and merges Access
    # Analyzer's PASS_ROLE_WITH_STAR_IN_RESOURCE into LP-IAM4 (analysis/finding_ids.py)
    assert out.count("Acknowledge with") == 1, out[-3000:]
    assert "Acknowledge with 'LeastPrivilege-PolicyValidation::LP-IAM4[Resource::*]'" in out, out[-3000:]
    assert "also reported as PASS_ROLE_WITH_STAR_IN_RESOURCE" in out, out[-3000:]


STAGE_APP = """
from aws_cdk import App, Stack, Stage, Validations
from aws_cdk import aws_iam as iam
from least_privilege_constructs import (
    BoundaryEnforcement, LeastPrivilegeChecks, LeastPrivilegeValidation, PermissionsBoundaryPolicy,
)
from least_privilege_constructs.validation.synth import synth

app = App()
platform = Stack(app, "Platform")
boundary = PermissionsBoundaryPolicy(platform, "Boundary", allowed_services=["s3"])
prod = Stage(app, "Prod")
workload = Stack(prod, "Workload")
iam.Role(workload, "Worker", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"), path="/app/")
BoundaryEnforcement.of(app).apply(boundary)
Validations.of(app).add_plugins(LeastPrivilegeChecks(app), LeastPrivilegeValidation(app, quiet=True))
synth(app)
"""


def test_a_violation_inside_a_stage_fails_cdk_synth(tmp_path: Path) -> None:
    """The pinned CLI keeps only the violations of the stacks it selects (the top-level ones); a role inside a
    ``Stage`` (every CDK Pipelines app) without the boundary must still fail ``cdk synth``, naming the role."""
    # given an app whose only unbounded role is in a stack of a Stage
    # when the pinned CDK CLI synthesizes it
    proc = run_cdk_synth(tmp_path / "stage", STAGE_APP)
    out = proc.stdout + proc.stderr
    # then the run fails, and the violation is printed with its construct path
    assert proc.returncode != 0, out
    assert "Prod/Workload/Worker" in out and "LP-IAM1" in out, out
    assert "inside stages" in out, out
