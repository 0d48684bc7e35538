"""Issue 14's acceptance app, written from the README alone: two accounts, federated (OIDC, SAML) and IAM
Identity Center trusts, a policy template, a StackSet of default policies, every guardrail attached.

The context key ``plant`` plants one mistake (``PLANTS``); without it the app is clean.
"""

from aws_cdk import Acknowledgment, App, Environment, Stack, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3

from least_privilege_constructs import (
    BoundaryEnforcement,
    DefaultPolicies,
    DeveloperRole,
    DeveloperTrust,
    FederationProvider,
    LeastPrivilegeChecks,
    LeastPrivilegeValidation,
    OrganizationRollout,
    PermissionsBoundaryPolicy,
    TemplateCatalog,
)
from least_privilege_constructs.validation.synth import synth

PLATFORM, WORKLOAD, SECURITY = "111122223333", "444455556666", "777788889999"
SAML = f"arn:aws:iam::{PLATFORM}:saml-provider/corp-idp"
OIDC = f"arn:aws:iam::{PLATFORM}:oidc-provider/token.actions.githubusercontent.com"


def main() -> None:  # cdk runs `python app.py`; importing this module (doctest collection) builds nothing
    app = App()
    plant = app.node.try_get_context("plant") or ""
    platform = Stack(app, "Platform", env=Environment(account=PLATFORM, region="eu-west-1"))
    boundary = PermissionsBoundaryPolicy(
        platform, "Boundary", allowed_services=["s3", "dynamodb", "lambda", "logs", "sqs"], allowed_regions=["eu-west-1"],
    )
    DeveloperRole(platform, "PaymentsDevelopers", boundary=boundary,
                  trust=DeveloperTrust.account(PLATFORM, require_mfa=True),
                  developer_services=["lambda", "sqs", "dynamodb", "logs"])
    DeveloperRole(platform, "CorpDevelopers", boundary=boundary, trust=DeveloperTrust.saml(SAML),
                  developer_services=["lambda", "logs"])
    DeveloperRole(platform, "Ci", boundary=boundary,
                  trust=DeveloperTrust.oidc(OIDC, issuer="token.actions.githubusercontent.com",
                                            audience="sts.amazonaws.com", subjects=["repo:acme/payments:ref:refs/heads/main"]),
                  developer_services=["lambda", "logs"])
    DeveloperRole(platform, "SsoDevelopers", boundary=boundary,
                  trust=DeveloperTrust.identity_center(PLATFORM, "PaymentsDeveloper"), developer_services=["sqs"])

    workload = Stack(app, "Workload", env=Environment(account=WORKLOAD, region="eu-west-1"))
    worker = iam.Role(workload, "Worker", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"), path="/app/")
    TemplateCatalog.builtin().get("app.dynamodb-crud").grant(
        worker, table_arn=f"arn:aws:dynamodb:eu-west-1:{WORKLOAD}:table/app-orders")

    org = Stack(app, "OrgManagement", env=Environment(account=PLATFORM, region="eu-west-1"))
    defaults = DefaultPolicies(org, "DefaultPolicies", security_account_id=SECURITY,
                               federation=FederationProvider.saml("corp-idp"), allowed_regions=["eu-west-1"],
                               boundary_options={"allowed_services": ["s3", "dynamodb", "lambda", "logs", "sqs"]})
    OrganizationRollout(org, "Rollout", template=defaults, organizational_unit_ids=["ou-abcd-11111111"],
                        regions=["eu-west-1"])

    # -- the planted mistakes (one at a time) -----------------------------------------------------------------
    if plant == "unbounded":
        iam.PermissionsBoundary.of(worker).clear()
    elif plant == "pass-role":
        worker.add_to_policy(iam.PolicyStatement(actions=["iam:PassRole"], resources=["*"]))
    elif plant == "public-bucket":
        bucket = s3.Bucket(workload, "Reports", enforce_ssl=True)
        bucket.add_to_resource_policy(iam.PolicyStatement(
            principals=[iam.AnyPrincipal()], actions=["s3:GetObject"], resources=[bucket.arn_for_objects("*")]))
    elif plant == "action-typo":
        worker.add_to_policy(iam.PolicyStatement(
            actions=["s3:GetObjekt"], resources=[f"arn:aws:s3:::app-reports-{WORKLOAD}/*"]))
    elif plant == "not-action":
        worker.add_to_policy(iam.PolicyStatement(not_actions=["s3:DeleteBucket"],
                                                 resources=[f"arn:aws:s3:::app-reports-{WORKLOAD}/*"]))
    elif plant == "denied-by-boundary":
        worker.add_to_policy(iam.PolicyStatement(
            actions=["lambda:UpdateFunctionCode"],
            resources=[f"arn:aws:lambda:eu-west-1:{WORKLOAD}:function:billing-core"]))
    elif plant == "blank-acknowledgment":
        worker.add_to_policy(iam.PolicyStatement(actions=["iam:PassRole"], resources=["*"]))
        Validations.of(worker).acknowledge(Acknowledgment(id="LP-IAM4", reason=" "))
    elif plant == "more-mistakes":  # one mistake on each construct, each seen by several checks
        def role(name: str, **kwargs: object) -> iam.Role:
            return iam.Role(workload, name, assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"), path="/app/",
                            **kwargs)  # type: ignore[arg-type]
        admin = iam.PolicyDocument(statements=[iam.PolicyStatement(actions=["*"], resources=["*"])])
        role("InlineAdmin", inline_policies={"admin": admin})
        shared = s3.Bucket(workload, "Shared", enforce_ssl=True)
        shared.add_to_resource_policy(iam.PolicyStatement(
            principals=[iam.ArnPrincipal("arn:aws:iam::*:role/reader")], actions=["s3:GetObject"],
            resources=[shared.arn_for_objects("*")]))
        # outside the application path: a bounded role may pass roles under /app/ (the boundary allows it), and
        # passing an unbounded one would be an escalation path of its own (B8)
        keys = iam.Role(workload, "KeyMaker", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"), path="/ops/")
        keys.add_to_policy(iam.PolicyStatement(actions=["iam:CreateAccessKey"], resources=["*"]))
        BoundaryEnforcement.of(app).exempt(keys, reason="rotates the CI user's keys (SEC-7)", remove_boundary=True)
        accepted = role("AcceptedAdmin", inline_policies={"admin": admin})
        Validations.of(accepted).acknowledge(Acknowledgment(id="LP-IAM2", reason="break-glass role (SEC-8)"))

    BoundaryEnforcement.of(app).apply(boundary)
    Validations.of(app).add_plugins(LeastPrivilegeChecks(app), LeastPrivilegeValidation(app))
    synth(app)


if __name__ == "__main__":
    main()
