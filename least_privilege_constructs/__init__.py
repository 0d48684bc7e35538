"""least-privilege-constructs: least privilege at organization scale for AWS CDK apps.

The public constructs are importable from the package root::

    from least_privilege_constructs import (
        PermissionsBoundaryPolicy, DeveloperRole, BoundaryEnforcement,
    )

Imports are lazy: ``import least_privilege_constructs`` does not load ``aws_cdk`` (the jsii runtime
takes seconds to start), so the analysis core and the ``lpc`` CLI stay fast. A CDK construct is only
imported when it is first accessed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from least_privilege_constructs._lazy import lazy_exports

__version__ = "0.1.0"

# public name -> module that defines it (one concept per file; see DESIGN.md)
_EXPORTS: dict[str, str] = {
    # boundary/
    "PermissionsBoundaryPolicy": "least_privilege_constructs.boundary.permissions_boundary_policy",
    "DeveloperRole": "least_privilege_constructs.boundary.developer_role",
    "DeveloperTrust": "least_privilege_constructs.boundary.developer_role",
    "BoundaryReference": "least_privilege_constructs.boundary.permissions_boundary_policy",
    "BoundaryEnforcement": "least_privilege_constructs.boundary.boundary_enforcement",
    # identity_center/
    "DeveloperPermissionSet": "least_privilege_constructs.identity_center.developer_permission_set",
    "CustomerManagedPolicyName": "least_privilege_constructs.identity_center.developer_permission_set",
    # templates/
    "PolicyTemplate": "least_privilege_constructs.templates.template",
    "TemplateCatalog": "least_privilege_constructs.templates.catalog",
    # rollout/
    "DefaultPolicies": "least_privilege_constructs.rollout.default_policies",
    "OrganizationRollout": "least_privilege_constructs.rollout.organization_rollout",
    "PermissionSetRollout": "least_privilege_constructs.rollout.permission_set_rollout",
    "AccountAssignment": "least_privilege_constructs.rollout.permission_set_rollout",
    "FederationProvider": "least_privilege_constructs.rollout.federation",
    "OperationPreferences": "least_privilege_constructs.rollout.operation_preferences",
    "StackSetTemplateSynthesizer": "least_privilege_constructs.rollout.synthesizer",
    "ServiceControlPolicy": "least_privilege_constructs.rollout.service_control_policy",
    "UnusedAccessAnalyzer": "least_privilege_constructs.rollout.unused_access_analyzer",
    # nag/
    "LeastPrivilegeChecks": "least_privilege_constructs.nag.pack",
    # validation/
    "LeastPrivilegeValidation": "least_privilege_constructs.validation.plugin",
    "synth": "least_privilege_constructs.validation.synth",
}

__all__ = [*sorted(_EXPORTS), "__version__"]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from least_privilege_constructs.boundary.boundary_enforcement import BoundaryEnforcement  # noqa: F401
    from least_privilege_constructs.boundary.developer_role import DeveloperRole, DeveloperTrust  # noqa: F401
    from least_privilege_constructs.boundary.permissions_boundary_policy import (  # noqa: F401
        PermissionsBoundaryPolicy,
    )


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
