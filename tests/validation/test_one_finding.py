"""With the gate, the nag pack and BoundaryEnforcement attached, one mistake is one finding, acknowledged once
(docs/nag.md, "One finding per mistake"), including by acknowledgments above the stacks and exemptions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.synth


def _app(outdir: Path, reports: Path) -> tuple[Any, Any]:
    from aws_cdk import Acknowledgment, App, Stack, Stage, Validations
    from aws_cdk import aws_iam as iam

    from least_privilege_constructs import (
        BoundaryEnforcement,
        LeastPrivilegeChecks,
        LeastPrivilegeValidation,
        PermissionsBoundaryPolicy,
    )

    app = App(outdir=str(outdir), context={"least-privilege": {"mode": "offline", "cache": False,
                                                               "reportPath": str(reports / "r.json")}})
    prod = Stage(app, "Prod")
    platform = Stack(prod, "Platform")
    boundary = PermissionsBoundaryPolicy(platform, "Boundary", allowed_services=["s3", "lambda"])
    stack = Stack(prod, "Svc")
    lam = iam.ServicePrincipal("lambda.amazonaws.com")
    deployer = iam.Role(stack, "Deployer", assumed_by=lam, path="/app/")
    deployer.add_to_policy(iam.PolicyStatement(actions=["iam:PassRole"], resources=["*"]))
    # accepted on the stage (above the stacks) with the pack's whole-rule id
    Validations.of(prod).acknowledge(Acknowledgment(id="LP-IAM4", reason="stage-wide: the deployer, SEC-9"))
    break_glass = iam.Role(stack, "BreakGlass", assumed_by=lam, path="/app/")
    enforcement = BoundaryEnforcement.of(prod)  # CDK's aspects do not cross into a stage from the app
    enforcement.apply(boundary)
    # exempted with BoundaryEnforcement's own id: it must cover LP-IAM1 too (the same mistake)
    enforcement.exempt(break_glass, reason="break-glass role, reviewed by SecOps", remove_boundary=True)
    gate = LeastPrivilegeValidation(app, quiet=True)
    Validations.of(app).add_plugins(LeastPrivilegeChecks(app), gate)
    return app, gate


def test_acknowledged_once_by_any_id_and_synth_passes(tmp_path: Path) -> None:
    # given PassRole on * acknowledged on the stage as LP-IAM4, and an exempted unbounded role
    app, gate = _app(tmp_path / "cdk.out", tmp_path)
    # when the app synthesizes
    app.synth()
    report = gate.last_report
    # then nothing is open or blocking, and each mistake is acknowledged once, its merged ids listed
    assert report.findings == [] and report.blocking == []
    accepted = {(a.finding.details.get("findingId") or a.finding.issue_code, a.construct_path,
                 tuple(a.finding.details.get("alsoReportedAs", []))) for a in report.acknowledged}
    assert accepted == {
        ("LP-IAM4[Resource::*]", "/Prod", ("PASS_ROLE_WITH_STAR_IN_RESOURCE", "BEYOND_BOUNDARY")),
        ("LP-IAM1[Boundary::missing]", "/Prod/Svc/BreakGlass", ("LPC-BOUNDARY-MISSING",)),
    }
    assert all(" 0 blocking" in line for line in report.summary_lines()[1:])


def test_a_gate_constructed_but_not_attached_fails_closed(tmp_path: Path) -> None:
    from aws_cdk import App, Stack, Validations
    from aws_cdk import aws_iam as iam

    from least_privilege_constructs import LeastPrivilegeChecks, LeastPrivilegeValidation
    from least_privilege_constructs.validation.synth import synth

    # given the pack attached, and a gate constructed on the app but never attached (so the pack defers to it)
    app = App(outdir=str(tmp_path / "cdk.out"), context={"least-privilege": {
        "mode": "offline", "cache": False, "reportPath": str(tmp_path / "r.json")}})
    role = iam.Role(Stack(app, "S"), "Deployer", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    role.add_to_policy(iam.PolicyStatement(actions=["iam:PassRole"], resources=["*"]))
    LeastPrivilegeValidation(app, quiet=True)
    Validations.of(app).add_plugins(LeastPrivilegeChecks(app))
    # when synth(app) runs
    lines: list[str] = []
    synth(app, exit_on_failure=False, printer=lines.append)
    # then the synthesis is blocked with the reason, not passed silently
    assert lines and "LeastPrivilegeChecks left their findings to LeastPrivilegeValidation" in lines[-1]
