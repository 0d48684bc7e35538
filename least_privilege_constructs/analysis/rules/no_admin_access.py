"""LP-IAM2: no administrator access (``*:*`` on ``*``, or AdministratorAccess) in identity policies."""

from __future__ import annotations

from least_privilege_constructs.analysis.iam.arn import Arn
from least_privilege_constructs.analysis.managed_policies import aws_managed_document, is_admin_like
from least_privilege_constructs.analysis.rules._policy import (
    IDENTITY_POLICY_TYPES,
    PRINCIPAL_TYPES,
    PolicyDoc,
    grant_documents,
    is_allow,
    load_document,
    statements,
    strings,
)
from least_privilege_constructs.analysis.rules.base import (
    NOT_APPLICABLE,
    NagFinding,
    RuleInput,
    RuleResult,
    rule,
    statement_path,
    statement_ref,
)

ADMIN_MANAGED_POLICIES = frozenset({"AdministratorAccess"})
PERMISSION_SET = "AWS::SSO::PermissionSet"


@rule(
    title="No administrator access",
    checks="No Allow statement grants `*` (or `*:*`) on `*` in an identity policy (an Identity Center permission "
    "set's inline policy included), and no role, user, group or permission set "
    "attaches an AWS managed policy that grants `*` on `*` (`AdministratorAccess`, or any whose document in the "
    "packaged managed policy snapshot does), reported by name.",
    why="Full admin makes every other guardrail moot: it includes IAM, Organizations and the boundary itself.",
    fix="Grant the service actions the workload uses (`grant_*` methods, policy templates) on its own resources.",
    resource_types=(*sorted(IDENTITY_POLICY_TYPES), PERMISSION_SET),
)
def no_admin_access(resource: RuleInput) -> RuleResult:
    if resource.resource_type == PERMISSION_SET:
        return _permission_set(resource)
    if resource.resource_type not in IDENTITY_POLICY_TYPES:
        return NOT_APPLICABLE
    findings: list[NagFinding] = []
    for doc in grant_documents(resource):
        findings += _admin_statements(doc)
    if resource.resource_type in PRINCIPAL_TYPES:
        resource.require("ManagedPolicyArns")
        findings += _admin_managed_policies(resource.properties.get("ManagedPolicyArns"))
    return findings


def _admin_statements(doc: PolicyDoc) -> list[NagFinding]:
    """Each Allow statement of ``doc`` granting ``*`` (or ``*:*``) on ``*``."""
    findings: list[NagFinding] = []
    for i, stmt in statements(doc):
        actions = strings(stmt.get("Action"))
        if is_allow(stmt) and any(a in ("*", "*:*") for a in actions) and "*" in strings(stmt.get("Resource")):
            ref = statement_ref(doc.label, i, stmt, doc.document["Statement"])
            findings.append(NagFinding(f"Admin::{ref}", f"statement {ref} allows every action on every resource",
                                       (statement_path(doc.where, i),), ("*",)))
    return findings


def _admin_managed_policies(arns: object) -> list[NagFinding]:
    """Each AWS managed policy ARN among ``arns`` that is admin-like (by name, or by its packaged document)."""
    findings: list[NagFinding] = []
    for arn in strings(arns):
        parsed = Arn.parse(arn)
        name = parsed.name if parsed else ""
        if parsed and parsed.account == "aws" and (
                name in ADMIN_MANAGED_POLICIES or is_admin_like(aws_managed_document(arn))):
            findings.append(NagFinding(f"ManagedPolicy::{name}", f"attaches the AWS managed policy {name}"))
    return findings


def _permission_set(resource: RuleInput) -> list[NagFinding]:
    """An Identity Center permission set: its ``InlinePolicy`` and ``ManagedPolicies`` (AWS managed ARNs)
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-sso-permissionset.html)."""
    findings: list[NagFinding] = []
    resource.require("InlinePolicy")
    resource.require("ManagedPolicies")
    inline = resource.properties.get("InlinePolicy")
    if inline:
        findings += _admin_statements(PolicyDoc("InlinePolicy", load_document(inline, "InlinePolicy"), "InlinePolicy"))
    return findings + _admin_managed_policies(resource.properties.get("ManagedPolicies"))
