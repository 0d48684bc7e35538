"""The analysis core: pure Python, never imports ``aws_cdk`` (the CLI runs on a ``cdk.out`` without jsii).

Public names are loaded lazily from the module that defines them::

    from least_privilege_constructs.analysis import validate_policy
    findings = validate_policy({"Version": "2012-10-17", "Statement": []}, "IDENTITY_POLICY")
"""

from __future__ import annotations

from least_privilege_constructs._lazy import lazy_exports

_EXPORTS: dict[str, str] = {
    # findings and catalog
    "Finding": "least_privilege_constructs.analysis.findings",
    "FindingType": "least_privilege_constructs.analysis.findings",
    "PolicyType": "least_privilege_constructs.analysis.findings",
    "PolicyOrigin": "least_privilege_constructs.analysis.findings",
    "get_catalog": "least_privilege_constructs.analysis.catalog",
    # validate-policy (offline ValidatePolicy)
    "validate_policy": "least_privilege_constructs.analysis.validate",
    # extraction from cloud assemblies and templates
    "extract_policies": "least_privilege_constructs.analysis.extract",
    "ExtractedPolicy": "least_privilege_constructs.analysis.extract",
    "Principal": "least_privilege_constructs.analysis.extract",
    "Extraction": "least_privilege_constructs.analysis.extract",
    # reasoning: evaluator and custom checks
    "evaluate": "least_privilege_constructs.analysis.reasoning",
    "Request": "least_privilege_constructs.analysis.reasoning",
    "Decision": "least_privilege_constructs.analysis.reasoning",
    "check_no_new_access": "least_privilege_constructs.analysis.reasoning",
    "check_access_not_granted": "least_privilege_constructs.analysis.reasoning",
    "check_no_public_access": "least_privilege_constructs.analysis.reasoning",
    "effective_permissions": "least_privilege_constructs.analysis.reasoning",
    "CheckResult": "least_privilege_constructs.analysis.reasoning",
    # escalation
    "find_escalations": "least_privilege_constructs.analysis.escalation",
    "EscalationPath": "least_privilege_constructs.analysis.escalation",
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
