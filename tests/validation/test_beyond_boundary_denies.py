"""BEYOND_BOUNDARY honours the boundary's Deny statements: a developer statement the boundary denies
entirely (a name prefix outside the application resources) is reported once, naming the principal, the
action and the resource; an allowed one is not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_cdk import App, Environment, Stack, Validations
from aws_cdk import aws_iam as iam

from least_privilege_constructs import (
    BoundaryEnforcement,
    LeastPrivilegeValidation,
    PermissionsBoundaryPolicy,
)

FUNCTION = "arn:aws:lambda:eu-west-1:111122223333:function:{name}"


def _gate(tmp_path: Path, name: str) -> Any:
    app = App(outdir=str(tmp_path / "cdk.out"), context={"least-privilege": {
        "mode": "offline", "reportPath": str(tmp_path / "report.json"), "cacheDir": str(tmp_path / "cache"),
        "checks": {"escalation": False}}})
    stack = Stack(app, "App", env=Environment(account="111122223333", region="eu-west-1"))
    boundary = PermissionsBoundaryPolicy(stack, "Boundary", allowed_services=["lambda", "logs"])
    role = iam.Role(stack, "Deployer", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"), path="/app/")
    role.add_to_policy(iam.PolicyStatement(actions=["lambda:UpdateFunctionCode"],
                                           resources=[FUNCTION.format(name=name)]))
    BoundaryEnforcement.of(app).apply(boundary)
    plugin = LeastPrivilegeValidation(app, quiet=True)
    Validations.of(app).add_plugins(plugin)
    app.synth()  # warnings only: synth passes
    return plugin.last_report


def test_statement_denied_by_the_boundary_is_one_finding_naming_principal_action_resource(tmp_path: Path) -> None:
    # DenyTakeoverOutsideApplicationResources: only app-* functions. (A pattern such as payments-* is not
    # provably denied: by IAM's ARN matching its '*' may run into ':function:app-...', so no claim is made.)
    report = _gate(tmp_path, "payments-api")
    beyond = [f for f in report.findings if f.issue_code == "BEYOND_BOUNDARY"]
    assert len(beyond) == 1, [f.message for f in report.findings]
    (finding,) = beyond
    assert finding.origin.construct_path == "App/Deployer/DefaultPolicy/Resource"
    assert "App/Deployer" in finding.message and "lambda:UpdateFunctionCode" in finding.message
    assert FUNCTION.format(name="payments-api") in finding.message
    assert finding.details["deniedByBoundary"] is True


def test_statement_the_boundary_allows_is_no_finding(tmp_path: Path) -> None:
    report = _gate(tmp_path, "app-payments-api")
    assert [f.message for f in report.findings if f.issue_code == "BEYOND_BOUNDARY"] == []
