"""Build the sample organization's CDK app (every guardrail on)."""

from __future__ import annotations

import os

from aws_cdk import App, Environment

from least_privilege_constructs import BoundaryEnforcement
from sample_app import config
from sample_app.payments_stack import PaymentsStack
from sample_app.platform_stack import PlatformStack


def build_app(outdir: str | None = None) -> App:
    """The sample organization. ``CDK_OUTDIR`` (set by the CDK CLI and the tests) picks the output."""
    app = App(outdir=outdir or os.environ.get("CDK_OUTDIR") or "cdk.out")
    workload = Environment(account=config.WORKLOAD_ACCOUNT, region=config.REGIONS[0])
    platform = PlatformStack(app, "Platform", env=workload, stack_name="platform-guardrails")
    PaymentsStack(app, "PaymentsApp", env=workload, stack_name="app-payments")
    # every role and user in the workload account's stacks carries the boundary, verified at synth
    BoundaryEnforcement.of(app).apply(platform.boundary)
    return app
