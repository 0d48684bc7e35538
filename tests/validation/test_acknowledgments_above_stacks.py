"""Acknowledgments on the app and on stages (above the stacks) are honoured identically by ``cdk synth`` (the gate
plugin) and by ``lpc gate cdk.out``: the plugins record them in the cloud assembly, on each stack below them
(validation/acknowledgments_above.py), and both read them back from there (analysis/acknowledgments.py).

Issue #14: "one gate: the CLI and the synth plugin run the same checks from the same settings and write the same
report". CDK records ``Validations.of(x).acknowledge(...)`` as ``aws:cdk:acknowledged-rules`` metadata of the
constructs inside a stack only
(https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.Validations.html#acknowledgewbrrules)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.synth

PLUGIN = "LeastPrivilege-PolicyValidation"
PASS_ROLE = "LP-IAM4"  # iam:PassRole on "*", acknowledged by the rule's id (an issue code such as
# PASS_ROLE_WITH_STAR_IN_RESOURCE names no statement, so it does not accept the merged LP-IAM4 finding) ...
PASS_ROLE_AA = "PASS_ROLE_WITH_STAR_IN_RESOURCE"  # the same, reported by Access Analyzer's check alone
PASS_ROLE_ID = "LP-IAM4[Resource::*]"  # ... of the one finding the gate reports for it (merged with LP-IAM4)
TYPO = "INVALID_ACTION"  # s3:GetObjekt
CONTEXT = {"mode": "offline", "cache": False, "checks": {"escalation": False}}


def _build(outdir: Path, report: Path) -> Any:
    from aws_cdk import Acknowledgment, App, Stack, Stage, Validations
    from aws_cdk import aws_iam as iam

    from least_privilege_constructs import (
        BoundaryEnforcement,
        LeastPrivilegeChecks,
        LeastPrivilegeValidation,
        PermissionsBoundaryPolicy,
    )

    app = App(outdir=str(outdir), context={"least-privilege": {**CONTEXT, "reportPath": str(report)}},
              builtin_cloud_formation_validation=False)
    lam = iam.ServicePrincipal("lambda.amazonaws.com")
    boundary = PermissionsBoundaryPolicy(Stack(app, "Platform"), "Boundary", allowed_services=["s3", "lambda"])

    def service(scope: Any, *, typo: bool = False) -> None:
        BoundaryEnforcement.of(scope).apply(boundary)  # CDK's aspects do not cross into a stage from the app
        stack = Stack(scope, "Svc")
        deployer = iam.Role(stack, "Deployer", assumed_by=lam, path="/app/")
        deployer.add_to_policy(iam.PolicyStatement(actions=["iam:PassRole"], resources=["*"]))
        if typo:
            worker = iam.Role(stack, "Worker", assumed_by=lam, path="/app/")
            iam.Policy(stack, "Typo", statements=[iam.PolicyStatement(actions=["s3:GetObjekt"], resources=["*"])],
                       roles=[worker])

    # the plugin is attached first: the acknowledgments below are made after it, as in an app that wires
    # its guardrails at the top
    BoundaryEnforcement.of(app).apply(boundary)
    Validations.of(app).add_plugins(LeastPrivilegeChecks(app), LeastPrivilegeValidation(app, quiet=True))
    top = Stack(app, "Top")
    iam.Policy(top, "Typo", statements=[iam.PolicyStatement(actions=["s3:GetObjekt"], resources=["*"])],
               roles=[iam.Role(top, "Worker", assumed_by=lam, path="/app/")])
    a = Stage(app, "A")
    service(a)
    service(Stage(a, "Inner"))  # a nested stage: its own assembly-A-Inner/ directory
    b = Stage(app, "B")
    service(b, typo=True)
    c = Stage(app, "C")
    service(c)
    Validations.of(app).acknowledge(Acknowledgment(id=f"{PLUGIN}::{TYPO}", reason="test fixtures, SEC-1"))
    Validations.of(a).acknowledge(Acknowledgment(id=f"{PLUGIN}::{PASS_ROLE}", reason="stage A deployers, SEC-2"))
    Validations.of(c).acknowledge(Acknowledgment(id=f"{PLUGIN}::{PASS_ROLE}", reason="  "))
    return app


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any], dict[str, Any]]:
    """The app synthesized once (its plugin report), then ``lpc gate`` over its cdk.out (the CLI's report)."""
    from least_privilege_constructs.validation.synth import synth

    base = tmp_path_factory.mktemp("above-stacks")
    outdir, synth_report, cli_report = base / "cdk.out", base / "synth.json", base / "cli.json"
    with pytest.raises(RuntimeError, match="ValidationFailed"):  # two findings stay open
        synth(_build(outdir, synth_report), exit_on_failure=False, printer=lambda _line: None)
    (base / "cdk.json").write_text(json.dumps({"app": "true", "context": {"least-privilege": CONTEXT}}))
    proc = subprocess.run(
        [sys.executable, "-m", "least_privilege_constructs.cli.main", "gate", str(outdir),
         "--cdk-json", str(base / "cdk.json"), "--format", "json"],
        cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True,
        env={**os.environ, "LEAST_PRIVILEGE_REPORT_PATH": str(cli_report)})
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    return outdir, json.loads(synth_report.read_text()), json.loads(cli_report.read_text())


def _id(finding: dict[str, Any]) -> str:
    return str((finding.get("details") or {}).get("findingId") or finding["issueCode"])


def _open(report: dict[str, Any]) -> set[tuple[str, str, str | None]]:
    return {(_id(f), f["origin"]["construct_path"], (f.get("details") or {}).get("blankAcknowledgment"))
            for f in report["findings"]}


def _acknowledged(report: dict[str, Any]) -> set[tuple[str, str, str, str]]:
    return {(_id(a), a["origin"]["construct_path"], a["acknowledgedAt"], a["reason"]) for a in report["acknowledged"]}


def test_synth_and_lpc_gate_report_the_same(synthesized: tuple[Path, dict[str, Any], dict[str, Any]]) -> None:
    # given the app's report from cdk synth and lpc gate's report over the same cdk.out
    _, by_synth, by_cli = synthesized
    # then the open findings and the acknowledged ones are the same
    assert by_cli["findings"] == by_synth["findings"]
    assert by_cli["acknowledged"] == by_synth["acknowledged"]


@pytest.mark.parametrize("source", ["synth", "cli"])
@pytest.mark.parametrize(
    "expected",
    [
        (TYPO, "Top/Typo/Resource", "/", "test fixtures, SEC-1"),
        (TYPO, "B/Svc/Typo/Resource", "/", "test fixtures, SEC-1"),
        (PASS_ROLE_ID, "A/Svc/Deployer/DefaultPolicy/Resource", "/A", "stage A deployers, SEC-2"),
        (PASS_ROLE_ID, "A/Inner/Svc/Deployer/DefaultPolicy/Resource", "/A", "stage A deployers, SEC-2"),
    ],
    ids=["app-ack-top-level-stack", "app-ack-inside-a-stage", "stage-ack", "stage-ack-nested-stage"],
)
def test_acknowledged_above_the_stacks(synthesized: tuple[Path, dict[str, Any], dict[str, Any]], source: str,
                                       expected: tuple[str, str, str, str]) -> None:
    # given the reports; when a finding is under a construct acknowledged with a reason above its stack
    report = synthesized[1] if source == "synth" else synthesized[2]
    # then it is acknowledged there, with that reason
    assert expected in _acknowledged(report), sorted(_acknowledged(report))


@pytest.mark.parametrize("source", ["synth", "cli"])
@pytest.mark.parametrize(
    "expected",
    [
        (PASS_ROLE_ID, "B/Svc/Deployer/DefaultPolicy/Resource", None),  # stage A's acknowledgment stays in A
        (PASS_ROLE_ID, "C/Svc/Deployer/DefaultPolicy/Resource", "/C"),  # a blank reason acknowledges nothing
    ],
    ids=["other-stage-not-acknowledged", "blank-reason-not-honoured"],
)
def test_still_open(synthesized: tuple[Path, dict[str, Any], dict[str, Any]], source: str,
                    expected: tuple[str, str, str | None]) -> None:
    report = synthesized[1] if source == "synth" else synthesized[2]
    assert expected in _open(report), sorted(_open(report))


def test_nothing_else_is_open(synthesized: tuple[Path, dict[str, Any], dict[str, Any]]) -> None:
    assert {(code, path) for code, path, _ in _open(synthesized[1])} == {
        (PASS_ROLE_ID, "B/Svc/Deployer/DefaultPolicy/Resource"), (PASS_ROLE_ID, "C/Svc/Deployer/DefaultPolicy/Resource")}


def test_the_assembly_records_them_on_each_stack_below(
        synthesized: tuple[Path, dict[str, Any], dict[str, Any]]) -> None:
    from least_privilege_constructs.analysis.acknowledgments import Acknowledgments

    # given the cloud assembly; when its acknowledgments are read without CDK
    acks = Acknowledgments.read(synthesized[0])
    # then each stack records its ancestors' acknowledgments, by their own construct paths, reasons as given
    app_ack = {f"{PLUGIN}::{TYPO}": "test fixtures, SEC-1"}
    stage_a = {f"{PLUGIN}::{PASS_ROLE}": "stage A deployers, SEC-2"}
    assert acks.above == {
        "/Platform": {"/": app_ack},
        "/Top": {"/": app_ack},
        "/A/Svc": {"/": app_ack, "/A": stage_a},
        "/A/Inner/Svc": {"/": app_ack, "/A": stage_a},
        "/B/Svc": {"/": app_ack},
        "/C/Svc": {"/": app_ack, "/C": {f"{PLUGIN}::{PASS_ROLE}": "  "}},
    }


def _late_stage_app(outdir: Path) -> Any:
    """The plugins attached first, then a stage (so the plugins could not install the recording on it) with an
    acknowledgment of its deployer's PassRole on *."""
    from aws_cdk import Acknowledgment, App, Stack, Stage, Validations
    from aws_cdk import aws_iam as iam

    from least_privilege_constructs import LeastPrivilegeValidation

    app = App(outdir=str(outdir), context={"least-privilege": {**CONTEXT, "reportPath": str(outdir) + ".json"}},
              builtin_cloud_formation_validation=False)
    Validations.of(app).add_plugins(LeastPrivilegeValidation(app, quiet=True))
    prod = Stage(app, "Prod")
    role = iam.Role(Stack(prod, "Api"), "Deployer", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    role.add_to_policy(iam.PolicyStatement(actions=["iam:PassRole"], resources=["*"]))
    # no LP-* rules here: the finding is Access Analyzer's, acknowledged by its code
    Validations.of(prod).acknowledge(Acknowledgment(id=f"{PLUGIN}::{PASS_ROLE_AA}", reason="stage-wide, SEC-4"))
    return app


def test_an_unrecorded_stage_acknowledgment_fails_closed_with_the_fix(tmp_path: Path) -> None:
    from least_privilege_constructs.validation.acknowledgments_above import NOT_RECORDED

    # given a stage created after the plugins, synthesized with app.synth() (nothing installs the recording)
    app = _late_stage_app(tmp_path / "cdk.out")
    # when it synthesizes
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    # then the plugin does not honour what lpc gate cannot see (CDK alone would), and says why and what to do
    report = json.loads((tmp_path / "cdk.out" / "validation-report.json").read_text())
    violations = {(v["ruleName"], c["constructPath"]) for r in report["pluginReports"] for v in r["violations"]
                  for c in v["violatingConstructs"]}
    assert (NOT_RECORDED, "Prod/Api") in violations
    assert json.loads((tmp_path / "cdk.out.json").read_text())["acknowledged"] == []
    fix = next(v["suggestedFix"] for r in report["pluginReports"] for v in r["violations"] if v["ruleName"] == NOT_RECORDED)
    assert "synth(app)" in fix


def test_synth_app_records_a_stage_created_after_the_plugins(tmp_path: Path) -> None:
    from least_privilege_constructs.analysis.acknowledgments import Acknowledgments
    from least_privilege_constructs.validation.synth import synth

    # given the same app; when it synthesizes with synth(app), the README's wiring
    synth(_late_stage_app(tmp_path / "cdk.out"))
    # then the stage's acknowledgment is in cdk.out and honoured
    assert Acknowledgments.read(tmp_path / "cdk.out").lookup("Prod/Api/Deployer/DefaultPolicy/Resource",
                                                           f"{PLUGIN}::{PASS_ROLE_AA}") == ("/Prod", "stage-wide, SEC-4")
    assert [a["acknowledgedAt"] for a in json.loads((tmp_path / "cdk.out.json").read_text())["acknowledged"]] == \
        ["/Prod"]
