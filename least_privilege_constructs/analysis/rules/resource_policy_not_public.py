"""LP-RES1: resource policies grant nothing to ``*`` without an organization or account condition."""

from __future__ import annotations

from typing import Any

from least_privilege_constructs.analysis.iam.arn import Arn
from least_privilege_constructs.analysis.iam.condition_keys import value_restricts
from least_privilege_constructs.analysis.iam.wildcards import has_wildcards
from least_privilege_constructs.analysis.rules._policy import (
    condition_values,
    element_text,
    is_allow,
    principals,
    statements,
)
from least_privilege_constructs.analysis.rules._resource_policies import (
    RESOURCE_POLICY_PROPERTIES,
    resource_policy,
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

SCOPING_KEYS = (
    "aws:PrincipalOrgID", "aws:PrincipalOrgPaths", "aws:PrincipalAccount", "aws:SourceAccount",
    "aws:SourceOrgID", "aws:SourceOrgPaths", "aws:SourceOwner", "kms:CallerAccount",
    "aws:PrincipalArn", "aws:SourceArn",
)
"""Condition keys that tie a ``*`` principal to an organization or account (with a positive operator and a
value that is not a bare wildcard; for ARN keys the account field must be literal)."""

_SPECIAL = frozenset({"AWS::Lambda::Permission", "AWS::Lambda::LayerVersionPermission", "AWS::Events::EventBusPolicy"})


def _value_scopes(key: str, value: str) -> bool:
    if not value or value.strip("*?") == "":
        return False
    if key.lower() in ("aws:principalarn", "aws:sourcearn"):
        arn = Arn.parse(value)
        # a policy variable in the account (arn:aws:iam::${aws:PrincipalAccount}:*) is the caller's own
        # account: it ties the caller to nothing (the resource owner's ${aws:ResourceAccount} does)
        return (arn is not None and bool(arn.account) and not has_wildcards(arn.account)
                and ("${" not in arn.account or arn.account.lower() == "${aws:resourceaccount}"))
    # a wildcard after a prefix every identifier has (o-*, vpce-*, AROA*) or in an account id restricts nothing,
    # nor does a variable of the caller's own (${aws:PrincipalOrgID})
    return value_restricts(key, value)


def scoped_to_org_or_account(stmt: dict[str, Any]) -> bool:
    """Whether a statement's Condition ties the caller to an organization or account."""
    for key in SCOPING_KEYS:
        values = condition_values(stmt, key)
        if values and all(_value_scopes(key, v) for v in values):
            return True
    return False


def _is_public(stmt: dict[str, Any]) -> bool:
    return any(value == "*" and kind in ("*", "AWS", "CanonicalUser") for kind, value in principals(stmt))


@rule(
    title="Resource policies not open to everyone",
    checks="No Allow statement of a resource policy (S3, SQS, SNS, KMS, Secrets Manager, ECR, Logs, OpenSearch, "
    "EFS, API Gateway, Backup, CodeArtifact, DynamoDB, Kinesis, EventBridge, Lambda permissions) grants to `*` "
    "unless a condition ties the caller to an organization or account (`aws:PrincipalOrgID`, "
    "`aws:PrincipalAccount`, `aws:SourceAccount`, `aws:SourceArn` with a literal account, ...).",
    why="A `*` principal without such a condition is anonymous or cross-account access; IAM boundaries do not "
    "apply to principals of other accounts, and Access Analyzer reports the resource as public.",
    fix="Name the principals, or add `aws:PrincipalOrgID`/`aws:SourceAccount` conditions (CDK: "
    "`PrincipalWithConditions`, `OrganizationPrincipal`, `source_account=` on `add_permission`).",
    resource_types=frozenset(RESOURCE_POLICY_PROPERTIES) | _SPECIAL,
)
def resource_policy_not_public(resource: RuleInput) -> RuleResult:
    rtype = resource.resource_type
    props = resource.properties
    if rtype == "AWS::Lambda::Permission":
        resource.require("Principal", "SourceAccount", "SourceArn", "PrincipalOrgID")
        if props.get("Principal") == "*" and not (
            props.get("SourceAccount") or props.get("PrincipalOrgID")
            or (isinstance(props.get("SourceArn"), str) and _value_scopes("aws:SourceArn", props["SourceArn"]))
        ):
            return [NagFinding("Principal::*", "the function permission allows any principal "
                               f"(FunctionUrlAuthType {props.get('FunctionUrlAuthType', 'n/a')})")]
        return []
    if rtype == "AWS::Lambda::LayerVersionPermission":
        resource.require("Principal", "OrganizationId")
        if props.get("Principal") == "*" and not props.get("OrganizationId"):
            return [NagFinding("Principal::*", "the layer is shared with every account")]
        return []
    if rtype == "AWS::Events::EventBusPolicy":
        resource.require("Statement", "Principal", "Condition")
        stmt = props.get("Statement")
        if isinstance(stmt, dict):
            if is_allow(stmt) and _is_public(stmt) and not scoped_to_org_or_account(stmt):
                return [NagFinding("Principal::*", "the event bus policy allows any principal")]
            return []
        if props.get("Principal") == "*" and not props.get("Condition"):
            return [NagFinding("Principal::*", "the event bus policy allows any principal")]
        return []
    doc = resource_policy(resource)
    if doc is None:
        return NOT_APPLICABLE if rtype not in RESOURCE_POLICY_PROPERTIES else []
    findings = []
    for i, stmt in statements(doc):
        if is_allow(stmt) and _is_public(stmt) and not scoped_to_org_or_account(stmt):
            ref = statement_ref(None, i, stmt, doc.document["Statement"])
            findings.append(NagFinding(f"Statement::{ref}",
                                       f"statement {ref} allows any principal {element_text(stmt, 'Action')} on "
                                       f"{element_text(stmt, 'Resource')} without an org or account condition",
                                       (statement_path(doc.where, i),)))
    return findings
