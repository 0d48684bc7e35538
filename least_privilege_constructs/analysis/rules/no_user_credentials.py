"""LP-IAM7: templates create no IAM users with console passwords or access keys."""

from __future__ import annotations

from least_privilege_constructs.analysis.rules.base import (
    NOT_APPLICABLE,
    NagFinding,
    RuleInput,
    RuleResult,
    rule,
)


@rule(
    title="No long-term user credentials",
    checks="No `AWS::IAM::User` has a `LoginProfile` (console password) and no `AWS::IAM::AccessKey` is created.",
    why="Long-term credentials leak, never expire on their own, and IAM users sit outside role-based guardrails "
    "(groups carry no boundary; escalation path B10). Humans use IAM Identity Center, workloads use roles.",
    fix="Use roles (and IAM Identity Center for people); for a third party that needs keys, issue them outside "
    "the template with rotation, and acknowledge with the reason.",
    resource_types=("AWS::IAM::User", "AWS::IAM::AccessKey"),
)
def no_user_credentials(resource: RuleInput) -> RuleResult:
    if resource.resource_type == "AWS::IAM::AccessKey":
        return [NagFinding("AccessKey", "the template creates a long-term access key")]
    if resource.resource_type != "AWS::IAM::User":
        return NOT_APPLICABLE
    resource.require("LoginProfile")
    if resource.properties.get("LoginProfile"):
        return [NagFinding("LoginProfile", "the user has a console password (LoginProfile)")]
    return []
