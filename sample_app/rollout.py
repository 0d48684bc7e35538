"""The organization's management account: the default policies, rolled out to every account by StackSets.

Wire it into ``sample_app/app.py``'s ``build_app``::

    from sample_app.rollout import add_organization_rollout

    management = add_organization_rollout(app)

``DefaultPolicies`` pins its own boundary choices against outer boundary aspects, so the app-wide
``BoundaryEnforcement.of(app)`` of the workload stacks does not leak the workload account's boundary ARN into
the StackSet template (``tests/rollout`` checks this). Scoping the enforcement to the workload stacks
(``BoundaryEnforcement.of(platform)``, ``BoundaryEnforcement.of(payments)``) still states the intent better:
the management account's roles are not developer roles.

The security-audit role trusts the security account and the read-only role trusts the organization's SAML
provider — cross-account and federated access by design — so validation must be told they are intended:
``allowExternalPrincipals: ["222222222222", "corp-idp"]`` (config.SECURITY_ACCOUNT and the provider name).
"""

from __future__ import annotations

from aws_cdk import App, Environment, Stack
from constructs import Construct

from least_privilege_constructs import (
    AccountAssignment,
    DefaultPolicies,
    DeveloperPermissionSet,
    FederationProvider,
    OperationPreferences,
    OrganizationRollout,
    PermissionSetRollout,
    UnusedAccessAnalyzer,
)
from sample_app import config

SAML_PROVIDER = "corp-idp"
"""The IAM SAML provider every account has (created by the identity team's own StackSet)."""


class OrganizationManagementStack(Stack):
    """The management (or delegated-administrator) account's stack: one StackSet of default policies."""

    def __init__(
        self, scope: Construct, construct_id: str, *, delegated_admin: bool = False, **kwargs: object
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        self.defaults = DefaultPolicies(
            self,
            "DefaultPolicies",
            security_account_id=config.SECURITY_ACCOUNT,
            federation=FederationProvider.saml(SAML_PROVIDER),
            allowed_regions=config.REGIONS,
            organization_id=config.ORGANIZATION_ID,
            # only the security account's scanner role, and only from inside the organization
            audit_principal_arns=[f"arn:aws:iam::{config.SECURITY_ACCOUNT}:role/security-scanner"],
            boundary_options=config.BOUNDARY_OPTIONS,
        )
        self.rollout = OrganizationRollout(
            self,
            "DefaultPoliciesRollout",
            template=self.defaults,
            organizational_unit_ids=[config.WORKLOADS_OU, config.SANDBOX_OU],
            # IAM is global: one region per account (the home region)
            regions=[config.REGIONS[0]],
            delegated_admin=delegated_admin,
            # an account that leaves the OUs loses the defaults with it
            retain_stacks_on_account_removal=False,
            operation_preferences=OperationPreferences(
                max_concurrent_percentage=25,
                failure_tolerance_percentage=10,
                concurrency_mode="SOFT_FAILURE_TOLERANCE",
            ),
            tags={"owner": "platform-team"},
        )
        # unused roles, keys, passwords and permissions across the organization: `lpc collect --analyzer-arn`
        self.unused_access = UnusedAccessAnalyzer(
            self, "UnusedAccess", unused_access_age=90, exclude_resource_tags=[{"lpc:unused-access": "exempt"}]
        )
        # developers sign in through IAM Identity Center: the permission set carries the boundary that the
        # StackSet above creates in every account (Identity Center finds it there by name and path)
        self.developer_access = DeveloperPermissionSet(
            self,
            "DeveloperAccess",
            instance_arn=config.IDENTITY_CENTER_INSTANCE_ARN,
            name="WorkloadDevelopers",
            boundary=self.defaults.boundary,
            aws_managed_policies=["ReadOnlyAccess"],
            session_duration="PT8H",
        )
        # the developers group gets it in the workload account, after the StackSet has created the boundary
        # there (DependsOn); synth fails if the boundary is not in the StackSet template or the account is not
        # one the StackSet deploys to
        self.developer_assignments = PermissionSetRollout(
            self,
            "DeveloperAccessRollout",
            rollout=self.rollout,
            permission_set=self.developer_access,
            assignments=[AccountAssignment(group_id=config.DEVELOPERS_GROUP_ID, accounts=[config.WORKLOAD_ACCOUNT])],
            ou_accounts={config.WORKLOADS_OU: config.WORKLOADS_OU_ACCOUNTS},
            # never a StackSet target; needed when this stack is a delegated administrator's
            management_account_id=config.MANAGEMENT_ACCOUNT,
        )


def add_organization_rollout(app: App) -> OrganizationManagementStack:
    """Add the management account's stack (``org-default-policies``) to the sample organization's app."""
    return OrganizationManagementStack(
        app,
        "OrgManagement",
        env=Environment(account=config.MANAGEMENT_ACCOUNT, region=config.REGIONS[0]),
        stack_name="org-default-policies",
        description="Organization-wide default policies, rolled out to every workload account by StackSets",
    )
