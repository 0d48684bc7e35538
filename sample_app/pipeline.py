"""The sample organization's delivery pipeline (CDK Pipelines): commit -> synth -> validation -> deploy.

The workload stage (the platform guardrails and the payments application, as in :mod:`sample_app.app`)
deploys to the workload account only after :class:`PolicyValidationStage` passes: ``lpc gate`` on the
synthesized stage, ``lpc diff --deployed`` against what the account runs, broadening to a manual approval.

    python -c "from sample_app.pipeline import build_pipeline_app; build_pipeline_app('cdk.pipeline.out').synth()"
"""

from __future__ import annotations

from aws_cdk import App, DefaultStackSynthesizer, Environment, Stack, Stage, pipelines
from constructs import Construct

from least_privilege_constructs import BoundaryEnforcement
from least_privilege_constructs.pipeline import PolicyValidationStage
from sample_app import config
from sample_app.payments_stack import PaymentsStack
from sample_app.platform_stack import DEPLOYER_PATH, PAYMENTS_EXECUTION_ROLE, PlatformStack

PIPELINE_NAME = "least-privilege-sample"
TOOL_REPOSITORY = "example-org/least-privilege-constructs"
"""The platform team's copy of this library: the pipeline's gate is installed from it, not from the application."""
TOOL_BRANCH = "release"
PLATFORM_SETTINGS = {
    "applicationPath": "/app/",
    "boundaryName": "lpc-developer-boundary",
    "treatAsBlocking": ["ERROR", "SECURITY_WARNING"],
    # the security and identity accounts, the corporate IdP and GitHub's OIDC issuer may be trusted
    "allowExternalPrincipals": [config.SECURITY_ACCOUNT, config.IDENTITY_ACCOUNT, "corp-idp",
                                "token.actions.githubusercontent.com"],
    "developerRolePaths": ["/developers/", DEPLOYER_PATH],
}
"""The organization's gate settings, owned by the platform team (in the pipeline's definition, not in cdk.json)."""
CONNECTION_ARN = (f"arn:aws:codeconnections:{config.REGIONS[0]}:{config.MANAGEMENT_ACCOUNT}:connection/"
                  "0a1b2c3d-4e5f-6789-abcd-ef0123456789")


class WorkloadStage(Stage):
    """The workload account's stacks, deployed together."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        platform = PlatformStack(self, "Platform", stack_name="platform-guardrails")
        payments = PaymentsStack(self, "PaymentsApp", stack_name="app-payments", synthesizer=DefaultStackSynthesizer(
            cloud_formation_execution_role=(
                f"arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role{DEPLOYER_PATH}{PAYMENTS_EXECUTION_ROLE}")))
        for stack in (platform, payments):
            BoundaryEnforcement.of(stack).apply(platform.boundary)


class PipelineStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        source = pipelines.CodePipelineSource.connection("example-org/least-privilege-sample", "main",
                                                         connection_arn=CONNECTION_ARN)
        synth = pipelines.ShellStep("Synth", input=source, install_commands=["pip install -r requirements.txt"],
                                    commands=["npx cdk synth"])
        pipeline = pipelines.CodePipeline(self, "Pipeline", pipeline_name=PIPELINE_NAME, synth=synth,
                                          cross_account_keys=True)
        workload = WorkloadStage(self, "Workload",
                                 env=Environment(account=config.WORKLOAD_ACCOUNT, region=config.REGIONS[0]))
        # the gate's own code comes from the platform team's repository at its release branch, never from the
        # commit under review (which could otherwise edit the gate it is judged by)
        tool = pipelines.CodePipelineSource.connection(TOOL_REPOSITORY, TOOL_BRANCH, connection_arn=CONNECTION_ARN)
        validation = PolicyValidationStage("PolicyValidation", input=synth, stage=workload,
                                           pipeline_name=PIPELINE_NAME, cross_account=True,
                                           tool_source=tool,
                                           # the platform team's settings: the commit's cdk.json may only tighten
                                           platform_settings=PLATFORM_SETTINGS, repository=source)
        pipeline.add_stage(workload, pre=validation.steps)


def build_pipeline_app(outdir: str | None = None) -> App:
    app = App(outdir=outdir)
    PipelineStack(app, "DeliveryPipeline", env=Environment(account=config.MANAGEMENT_ACCOUNT,
                                                          region=config.REGIONS[0]))
    return app
