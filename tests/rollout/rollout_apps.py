"""The management apps the rollout tests synthesize (once per session): every delivery mode and
permission model, built only from the package root's public API."""

from __future__ import annotations

import os
from pathlib import Path

SECURITY = "999988887777"
ORG_ID = "o-a1b2c3d4e5"
WORKLOAD_OU = "ou-ab12-workload1"
SANDBOX_OU = "ou-ab12-sandbox01"
BREAK_GLASS = "444455556666"
EXTRA_ACCOUNT = "555566667777"
SELF_MANAGED_TARGETS = ("210987654321", "310987654321")
HOME_REGION = "eu-west-1"
ALLOWED_REGIONS = ("eu-west-1", "eu-central-1")
ALLOWED_SERVICES = ("s3", "dynamodb", "lambda", "logs", "sqs", "cloudwatch")
SAML_PROVIDER = "corp-idp"


def synth_rollout_apps(outdir: Path) -> Path:
    """Synthesize the test organization's management stacks into ``outdir``; returns it."""
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    from aws_cdk import App, Stack
    from aws_cdk import aws_iam as iam

    from least_privilege_constructs import (
        DefaultPolicies,
        FederationProvider,
        OperationPreferences,
        OrganizationRollout,
    )

    app = App(outdir=str(outdir))

    # 1. the organization: service-managed, delegated admin, exclusions, every operation preference
    management = Stack(app, "OrgManagement")
    # an outer boundary aspect (as BoundaryEnforcement applies app-wide) must not leak into the template
    iam.PermissionsBoundary.of(management).apply(
        iam.ManagedPolicy.from_managed_policy_arn(
            management, "WorkloadBoundary", "arn:aws:iam::444444444444:policy/workload-boundary"
        )
    )
    defaults = DefaultPolicies(
        management,
        "DefaultPolicies",
        security_account_id=SECURITY,
        federation=FederationProvider.saml(SAML_PROVIDER),
        allowed_regions=list(ALLOWED_REGIONS),
        organization_id=ORG_ID,
        audit_external_id="lpc-audit-7f3a",
        audit_principal_arns=[f"arn:aws:iam::{SECURITY}:role/security-scanner"],
        boundary_options={"allowed_services": list(ALLOWED_SERVICES)},
        additional_managed_policies={
            "lpc-deny-leaving-organization": [
                iam.PolicyStatement(
                    effect=iam.Effect.DENY, actions=["organizations:LeaveOrganization"], resources=["*"]
                )
            ]
        },
    )
    OrganizationRollout(
        management,
        "DefaultPoliciesRollout",
        template=defaults,
        organizational_unit_ids=[WORKLOAD_OU, SANDBOX_OU],
        exclude_accounts=[BREAK_GLASS],
        regions=[HOME_REGION],
        delegated_admin=True,
        retain_stacks_on_account_removal=True,
        operation_preferences=OperationPreferences(
            max_concurrent_percentage=25,
            failure_tolerance_percentage=10,
            region_concurrency="SEQUENTIAL",
            region_order=[HOME_REGION],
            concurrency_mode="SOFT_FAILURE_TOLERANCE",
        ),
        tags={"owner": "platform"},
    )
    # the same template once more, to an extra account on top of an OU (UNION), from the same stack
    OrganizationRollout(
        management,
        "ExtraAccountRollout",
        template=defaults,
        organizational_unit_ids=[SANDBOX_OU],
        accounts=[EXTRA_ACCOUNT],
        regions=[HOME_REGION],
        auto_deploy=False,
        managed_execution=False,
        stack_set_name="lpc-default-policies-extra",
        operation_preferences=OperationPreferences(max_concurrent_count=3, failure_tolerance_count=2),
    )

    # 2. without Organizations: self-managed, administration role, template by URL
    standalone = Stack(app, "StandaloneManagement")
    standalone_defaults = DefaultPolicies(
        standalone,
        "DefaultPolicies",
        security_account_id=SECURITY,
        federation=FederationProvider.oidc(
            "https://idp.example.com/oauth2", audience="aws-federation", subjects=["group:cloud-readers"]
        ),
        audit_require_mfa=True,
        audit_role_boundary=True,
        boundary_options={"allowed_services": ["s3"]},
    )
    OrganizationRollout(
        standalone,
        "DefaultPoliciesRollout",
        template=standalone_defaults,
        permission_model="SELF_MANAGED",
        accounts=list(SELF_MANAGED_TARGETS),
        regions=[HOME_REGION],
        create_administration_role=True,
        stack_set_name="lpc-default-policies-self-managed",
        template_delivery="url",
    )

    # 3. a template above CloudFormation's 51,200-byte inline limit: delivered by TemplateURL automatically
    big = Stack(app, "BigManagement")
    big_defaults = DefaultPolicies(
        big,
        "DefaultPolicies",
        security_account_id=SECURITY,
        federation=FederationProvider.identity_center(["ReadOnly", "Auditor"]),
        boundary_options={"allowed_services": list(ALLOWED_SERVICES)},
        additional_managed_policies={
            f"lpc-data-perimeter-{n}": [
                iam.PolicyStatement(
                    effect=iam.Effect.DENY,
                    actions=["s3:GetObject", "s3:PutObject"],
                    resources=[f"arn:aws:s3:::restricted-bucket-{n}-{i:03d}/*" for i in range(120)],
                    conditions={"StringNotEquals": {"aws:PrincipalOrgID": ORG_ID}},
                )
            ]
            for n in range(12)
        },
    )
    OrganizationRollout(
        big,
        "DefaultPoliciesRollout",
        template=big_defaults,
        organizational_unit_ids=["r-ab12"],
        regions=[HOME_REGION],
    )

    # 4. not rolled out: an ordinary stack artifact, deployable without bootstrap
    DefaultPolicies(
        app,
        "SingleAccountDefaults",
        security_account_id=SECURITY,
        boundary_options={"allowed_services": ["s3"]},
    )
    app.synth()
    return outdir
