"""Build the sample organization's CDK app (every guardrail on)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from aws_cdk import App, DefaultStackSynthesizer, Environment, Validations

from least_privilege_constructs import BoundaryEnforcement, LeastPrivilegeChecks, LeastPrivilegeValidation
from sample_app import config
from sample_app.payments_stack import PaymentsStack
from sample_app.platform_stack import DEPLOYER_PATH, PAYMENTS_EXECUTION_ROLE, PlatformStack
from sample_app.rollout import add_organization_rollout


def build_app(outdir: str | None = None) -> App:
    """The sample organization. ``CDK_OUTDIR`` (set by the CDK CLI and the tests) picks the output."""
    app = App(outdir=outdir or os.environ.get("CDK_OUTDIR") or "cdk.out", context=_cdk_json_context())
    workload = Environment(account=config.WORKLOAD_ACCOUNT, region=config.REGIONS[0])
    # the management account rolls the default policies (boundary included) out to every account
    add_organization_rollout(app)
    platform = PlatformStack(app, "Platform", env=workload, stack_name="platform-guardrails")
    payments = PaymentsStack(
        app,
        "PaymentsApp",
        env=workload,
        stack_name="app-payments",
        # deployed through the bounded execution role, not CDK's AdministratorAccess cfn-exec role
        synthesizer=DefaultStackSynthesizer(
            cloud_formation_execution_role=(
                f"arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role{DEPLOYER_PATH}{PAYMENTS_EXECUTION_ROLE}"
            )
        ),
    )
    # every role and user in the workload account's stacks carries the boundary, verified at synth
    for stack in (platform, payments):
        BoundaryEnforcement.of(stack).apply(platform.boundary)
    # the guardrails: the least-privilege cdk-nag pack and the policy validation gate (offline by default)
    Validations.of(app).add_plugins(LeastPrivilegeChecks(app), LeastPrivilegeValidation(app))
    return app


def _cdk_json_context() -> dict[str, object] | None:
    """``cdk.json``'s context when the app runs without the CDK CLI (``python -m sample_app``, tests)."""
    if "CDK_CONTEXT_JSON" in os.environ:  # the CLI passes cdk.json's context itself
        return None
    cdk_json = Path(__file__).resolve().parents[1] / "cdk.json"
    context = json.loads(cdk_json.read_text(encoding="utf-8")).get("context", {})
    if not isinstance(context, dict):
        return None
    # what the CDK CLI sets by default: construct paths in the templates' metadata
    return {"aws:cdk:enable-path-metadata": True, **context}
