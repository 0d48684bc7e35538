"""The platform team's stack in a workload account: the boundary and the developer roles."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from least_privilege_constructs import (
    DeveloperRole,
    DeveloperTrust,
    PermissionsBoundaryPolicy,
    TemplateCatalog,
)
from least_privilege_constructs.templates.cdk import statements_to_cdk
from sample_app import config

PAYMENTS_EXECUTION_ROLE = "cfn-exec-payments"
DEPLOYER_PATH = "/app/deployers/"
"""Execution roles live under the application path (developers may pass only such roles) in their own
sub-path, which ``cdk.json`` lists in ``developerRolePaths``: they create bounded roles by design."""
"""The bounded CloudFormation execution role the payments stacks deploy with (not CDK's admin cfn-exec role)."""


class PlatformStack(Stack):
    """The permissions boundary and two teams' developer roles."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        # the boundary arrives with the organization's StackSet (sample_app/rollout.py); this stack refers to it
        # with the same inputs, so developer roles pin its exact ARN and the analyses know what it allows
        self.boundary = PermissionsBoundaryPolicy.reference(
            self, "DeveloperBoundary", allowed_regions=config.REGIONS, **config.BOUNDARY_OPTIONS  # type: ignore[arg-type]
        )
        # the payments team signs in through the identity account, with MFA and a team tag
        self.payments_developers = DeveloperRole(
            self,
            "PaymentsDevelopers",
            boundary=self.boundary,
            trust=DeveloperTrust.account(
                config.IDENTITY_ACCOUNT, require_mfa=True, principal_tags={"team": "payments"}
            ),
            # developer work from the template catalog: every resource scoped to the team's name prefix
            templates=[
                ("dev.lambda-deploy", {"function_prefix": "app-payments-"}),
                ("dev.dynamodb-table-admin", {"table_prefix": "app-payments-"}),
                ("dev.s3-bucket-admin", {"bucket_prefix": "app-payments-"}),
                ("dev.logs-log-group-admin", {"log_group_prefix": "/aws/lambda/app-payments-"}),
                (
                    "dev.cloudformation-deploy",
                    {
                        "stack_prefix": "app-payments",
                        "execution_role_arn": (
                            f"arn:aws:iam::{config.WORKLOAD_ACCOUNT}:role{DEPLOYER_PATH}{PAYMENTS_EXECUTION_ROLE}"
                        ),
                    },
                ),
            ],
            developer_actions=["sqs:CreateQueue", "sqs:DeleteQueue", "sqs:GetQueueAttributes", "sqs:ListQueues",
                               "sqs:TagQueue", "sqs:ListQueueTags"],
            role_name="payments-developers",
        )
        # the payments stacks deploy through a bounded execution role under the application path: a developer
        # who may update those stacks gains nothing beyond the boundary (B9 closed for CloudFormation)
        self.payments_execution_role = iam.Role(
            self,
            "PaymentsExecutionRole",
            role_name=PAYMENTS_EXECUTION_ROLE,
            path=DEPLOYER_PATH,
            assumed_by=iam.ServicePrincipal("cloudformation.amazonaws.com"),
            description="CloudFormation execution role of the payments stacks (bounded)",
        )
        catalog = TemplateCatalog.from_context(self)
        deploy: list[dict[str, object]] = []
        for template_id, params in [
            ("dev.lambda-deploy", {"function_prefix": "app-payments-"}),
            ("dev.dynamodb-table-admin", {"table_prefix": "app-payments-"}),
            ("dev.logs-log-group-admin", {"log_group_prefix": "app-payments-"}),
        ]:
            deploy.extend(catalog.get(template_id).render_statements(params))
        deploy.append({
            "Sid": "ManageQueues",
            "Effect": "Allow",
            "Action": ["sqs:CreateQueue", "sqs:DeleteQueue", "sqs:GetQueueAttributes", "sqs:TagQueue"],
            "Resource": "arn:${AWS::Partition}:sqs:*:${AWS::AccountId}:app-payments-*",
        })
        deploy.append({
            "Sid": "ManageTaskDefinitions",  # task-definition registration has no resource-level permissions
            "Effect": "Allow",
            "Action": ["ecs:RegisterTaskDefinition", "ecs:DeregisterTaskDefinition", "ecs:DescribeTaskDefinition"],
            "Resource": "*",
        })
        deploy.append({
            "Sid": "CreateBoundedApplicationRoles",
            "Effect": "Allow",
            "Action": ["iam:CreateRole", "iam:DeleteRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy",
                       "iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:GetRole", "iam:GetRolePolicy",
                       "iam:TagRole", "iam:PutRolePermissionsBoundary"],
            "Resource": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/app/app-payments-*",
            "Condition": {"StringEquals": {"iam:PermissionsBoundary": self.boundary.boundary_arn_template}},
        })
        iam.Policy(self, "PaymentsExecutionPolicy", statements=statements_to_cdk(deploy),
                   roles=[self.payments_execution_role])
        # the data team deploys from CI through OIDC, pinned to one repository's main branch
        self.data_ci = DeveloperRole(
            self,
            "DataPipelineCi",
            boundary=self.boundary,
            trust=DeveloperTrust.oidc(
                f"arn:aws:iam::{config.WORKLOAD_ACCOUNT}:oidc-provider/token.actions.githubusercontent.com",
                issuer=config.CI_OIDC_ISSUER,
                audience="sts.amazonaws.com",
                subjects=[f"repo:{config.CI_REPOSITORY}:ref:refs/heads/main"],
            ),
            templates=[
                ("dev.ecr-push", {"repository_name": "app-data-pipeline"}),
                ("dev.logs-log-group-admin", {"log_group_prefix": "/ecs/app-data-"}),
                (
                    "dev.cloudformation-deploy",
                    {
                        "stack_prefix": "app-data",
                        "execution_role_arn": f"arn:aws:iam::{config.WORKLOAD_ACCOUNT}:role{DEPLOYER_PATH}cfn-exec-data",
                    },
                ),
            ],
            developer_actions=["ecs:RegisterTaskDefinition", "ecs:DeregisterTaskDefinition",
                               "ecs:DescribeTaskDefinition", "ecs:ListTaskDefinitions"],
            role_name="data-pipeline-ci",
        )
