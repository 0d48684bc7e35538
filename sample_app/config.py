"""The sample organization's settings (fake but well-formed identifiers)."""

from __future__ import annotations

ORGANIZATION_ID = "o-a1b2c3d4e5"
MANAGEMENT_ACCOUNT = "111111111111"
IDENTITY_CENTER_INSTANCE_ARN = "arn:aws:sso:::instance/ssoins-72231a1b2c3d4e5f"
"""The organization's IAM Identity Center instance (in the management account)."""
SECURITY_ACCOUNT = "222222222222"
IDENTITY_ACCOUNT = "333333333333"
WORKLOAD_ACCOUNT = "444444444444"
WORKLOADS_OU = "ou-a1b2-c3d4e5f6"
SANDBOX_OU = "ou-a1b2-f6e5d4c3"
WORKLOADS_OU_ACCOUNTS = [WORKLOAD_ACCOUNT, "555555555555"]
"""The accounts of the workloads OU (and its child OUs), as the identity team's account inventory lists them."""
DEVELOPERS_GROUP_ID = "9067a0d5c1-4f1e2d3c-5b6a-4798-8a9b-0c1d2e3f4a5b"
"""The Identity Center group of the workload developers (identity store group id)."""
REGIONS = ["eu-west-1", "eu-central-1"]

CI_OIDC_ISSUER = "https://token.actions.githubusercontent.com"
CI_REPOSITORY = "example-org/data-pipeline"

# services application developers work with (the boundary's maximum)
ALLOWED_SERVICES = [
    "s3",
    "dynamodb",
    "sqs",
    "sns",
    "lambda",
    "logs",
    "cloudwatch",
    "xray",
    "events",
    "states",
    "ecs",
    "ecr",
    "kms",
    "secretsmanager",
    "ssm",
    "cloudformation",
    "apigateway",
]

# the organization's permissions boundary: deployed to every account by the management account's StackSet
# (DefaultPolicies) and referenced, with the same inputs, by the workload accounts' platform stacks
BOUNDARY_OPTIONS: dict[str, object] = {
    "allowed_services": ALLOWED_SERVICES,
    # IAM on /app/ roles and policies and the IAM inventory reads come with allow_developer_iam (the default):
    # the developer roles' own IAM statements stay inside the boundary without being listed here
    "allowed_actions": ["sts:AssumeRole"],
    # the payments stacks deploy through the bounded execution role cfn-exec-payments (under /app/deployers/),
    # which the payments developers pass to CloudFormation: without it here the boundary's
    # DenyPassRoleToUnlistedServices denies that PassRole (a dead grant the escalation analysis reports)
    "passable_to_services": ["lambda.amazonaws.com", "ecs-tasks.amazonaws.com", "states.amazonaws.com",
                             "cloudformation.amazonaws.com"],
}
