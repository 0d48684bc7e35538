"""The platform team's stack in a workload account: the boundary and the developer roles."""

from __future__ import annotations

from aws_cdk import Stack
from constructs import Construct

from least_privilege_constructs import DeveloperRole, DeveloperTrust, PermissionsBoundaryPolicy
from sample_app import config


class PlatformStack(Stack):
    """The permissions boundary and two teams' developer roles."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        self.boundary = PermissionsBoundaryPolicy(
            self,
            "DeveloperBoundary",
            allowed_services=config.ALLOWED_SERVICES,
            allowed_actions=["iam:Get*", "iam:List*", "iam:PassRole", "iam:CreateRole", "iam:DeleteRole",
                             "iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:PutRolePolicy",
                             "iam:DeleteRolePolicy", "iam:PutRolePermissionsBoundary", "iam:UpdateRole",
                             "iam:UpdateAssumeRolePolicy", "iam:UpdateRoleDescription", "iam:TagRole",
                             "iam:UntagRole", "iam:CreatePolicy", "iam:CreatePolicyVersion",
                             "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion",
                             "iam:TagPolicy", "iam:UntagPolicy", "sts:AssumeRole"],
            allowed_regions=config.REGIONS,
        )
        # the payments team signs in through the identity account, with MFA and a team tag
        self.payments_developers = DeveloperRole(
            self,
            "PaymentsDevelopers",
            boundary=self.boundary,
            trust=DeveloperTrust.account(
                config.IDENTITY_ACCOUNT, require_mfa=True, principal_tags={"team": "payments"}
            ),
            developer_services=["lambda", "sqs", "dynamodb", "logs", "cloudformation", "s3"],
            role_name="payments-developers",
        )
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
            developer_services=["ecs", "ecr", "states", "events", "logs", "cloudformation"],
            role_name="data-pipeline-ci",
        )
