"""Acknowledgments: a reasoned one accepts a finding once (no "1 blocking" on a successful synth, the same in
``lpc gate``); a blank one is rejected by every plugin (CDK alone would suppress the violation silently)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import Acknowledgment, App, Stack, Validations
from aws_cdk import aws_iam as iam

from least_privilege_constructs import (
    BoundaryEnforcement,
    LeastPrivilegeValidation,
    PermissionsBoundaryPolicy,
)
from least_privilege_constructs.analysis.gate import GATE_PLUGIN_NAME
from least_privilege_constructs.boundary.boundary_enforcement import ACKNOWLEDGMENT_ID
from least_privilege_constructs.validation.plugin import PLUGIN_NAME

CODE = "PASS_ROLE_WITH_STAR_IN_RESOURCE"


def _app(tmp_path: Path, reason: str | None) -> tuple[App, LeastPrivilegeValidation]:
    app = App(outdir=str(tmp_path / "cdk.out"), context={"least-privilege": {
        "mode": "offline", "reportPath": str(tmp_path / "report.json"), "cacheDir": str(tmp_path / "cache"),
        "checks": {"escalation": False}}})
    stack = Stack(app, "App")
    boundary = PermissionsBoundaryPolicy(stack, "Boundary", allowed_services=["lambda"])
    role = iam.Role(stack, "Worker", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"), path="/app/")
    role.add_to_policy(iam.PolicyStatement(actions=["iam:PassRole"], resources=["*"]))
    if reason is not None:
        Validations.of(role).acknowledge(Acknowledgment(id=f"{PLUGIN_NAME}::{CODE}", reason=reason))
    BoundaryEnforcement.of(app).apply(boundary)
    plugin = LeastPrivilegeValidation(app, quiet=True)
    Validations.of(app).add_plugins(plugin)
    return app, plugin


def _violations(outdir: Path) -> list[tuple[str, str, str]]:
    report = json.load(open(outdir / "validation-report.json"))
    return [(r["pluginName"], v["ruleName"], c["constructPath"]) for r in report["pluginReports"]
            for v in r["violations"] for c in v["violatingConstructs"]]


def test_plugin_name_is_the_gates() -> None:
    assert PLUGIN_NAME == GATE_PLUGIN_NAME


def test_reasoned_acknowledgment_accepts_the_finding_once(tmp_path: Path) -> None:
    app, plugin = _app(tmp_path, "the deployer passes any app role; reviewed in SEC-123")
    app.synth()  # no ValidationFailed
    report = plugin.last_report
    assert report.blocking == []
    line = next(ln for ln in report.summary_lines() if ": validate-policy:" in ln)
    assert " 0 blocking" in line and "1 acknowledged" in line, line
    written = json.load(open(tmp_path / "report.json"))
    assert [(a["issueCode"], a["acknowledgedAt"]) for a in written["acknowledged"]] == [(CODE, "/App/Worker")]
    assert written["checks"]["validate-policy"]["blocking"] == 0


@pytest.mark.parametrize("reason", ["", "   "])
def test_blank_acknowledgment_is_rejected_by_the_validation_plugin(tmp_path: Path, reason: str) -> None:
    app, _ = _app(tmp_path, reason)
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    violations = _violations(tmp_path / "cdk.out")
    assert (PLUGIN_NAME, f"LP-ACK[{CODE}]", "App/Worker/DefaultPolicy/Resource") in violations


def _unbounded(tmp_path: Path, reason: str) -> App:
    app = App(outdir=str(tmp_path / "cdk.out"))
    stack = Stack(app, "S")
    boundary = PermissionsBoundaryPolicy(stack, "B", allowed_services=["s3"])
    role = iam.Role(stack, "Escapee", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    BoundaryEnforcement.of(app).apply(boundary)
    iam.PermissionsBoundary.of(role).clear()
    Validations.of(role).acknowledge(Acknowledgment(id=ACKNOWLEDGMENT_ID, reason=reason))
    return app


def test_blank_acknowledgment_is_rejected_by_boundary_enforcement(tmp_path: Path) -> None:
    app = _unbounded(tmp_path, "")
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    rules: list[Any] = [v[1] for v in _violations(tmp_path / "cdk.out")]
    assert rules == ["LP-ACK[LPC-BOUNDARY-MISSING]"]


def test_reasoned_boundary_exemption_still_passes(tmp_path: Path) -> None:
    app = _unbounded(tmp_path, "break-glass role, reviewed by SecOps")
    assembly = app.synth()
    assert os.path.isdir(assembly.directory)
