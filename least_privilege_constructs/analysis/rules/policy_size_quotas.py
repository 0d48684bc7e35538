"""LP-IAM8: policy sizes and attachments stay within IAM quotas."""

from __future__ import annotations

import json
from typing import Any

from least_privilege_constructs.analysis.rules._policy import (
    PRINCIPAL_TYPES,
    identity_documents,
    load_document,
)
from least_privilege_constructs.analysis.rules.base import (
    NOT_APPLICABLE,
    NagFinding,
    RuleInput,
    RuleResult,
    as_list,
    rule,
)

_INLINE_TYPES = frozenset({"AWS::IAM::Policy", "AWS::IAM::RolePolicy", "AWS::IAM::UserPolicy",
                           "AWS::IAM::GroupPolicy"})


def policy_size(document: Any) -> int:
    """Characters of a policy as IAM counts them (JSON, whitespace not counted)."""
    text = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
    return len("".join(text.split()))


def _inline_quota(resource_type: str, resource: RuleInput) -> int:
    q = resource.config.quotas
    return {"AWS::IAM::Role": q.role_inline_size, "AWS::IAM::User": q.user_inline_size,
            "AWS::IAM::Group": q.group_inline_size}[resource_type]


@rule(
    title="Policy sizes within IAM quotas",
    checks="Managed policies ≤ 6,144 characters; a role's inline policies (its `Policies` plus every "
    "`AWS::IAM::Policy` attached to it in the template) ≤ 10,240, a user's ≤ 2,048, a group's ≤ 5,120; a trust "
    "policy ≤ 2,048; ≤ 10 managed policies per principal (IAM defaults, configurable through `quotas`). Sizes are "
    "counted as IAM does (whitespace ignored) on the resolved template.",
    why="An oversized policy fails the deployment half-way (and rollbacks of IAM changes are slow); a policy near "
    "the limit is usually a sign of a role doing too much.",
    fix="Split the workload into roles with one purpose each, use wildcards on resource ARNs with a common "
    "prefix, or move statements to managed policies; request a quota increase only for trust policies.",
    resource_types=PRINCIPAL_TYPES | _INLINE_TYPES | {"AWS::IAM::ManagedPolicy"},
)
def policy_size_quotas(resource: RuleInput) -> RuleResult:
    rtype = resource.resource_type
    q = resource.config.quotas
    findings: list[NagFinding] = []
    if rtype == "AWS::IAM::ManagedPolicy":
        size = policy_size(identity_documents(resource)[0].document)
        if size > q.managed_policy_size:
            findings.append(NagFinding("Size::ManagedPolicy",
                                       f"managed policy is {size} characters (quota {q.managed_policy_size})"))
        return findings
    if rtype in _INLINE_TYPES:
        size = policy_size(identity_documents(resource)[0].document)
        targets = [t for t, prop in (("AWS::IAM::Role", "Roles"), ("AWS::IAM::User", "Users"),
                                     ("AWS::IAM::Group", "Groups"), ("AWS::IAM::Role", "RoleName"),
                                     ("AWS::IAM::User", "UserName"), ("AWS::IAM::Group", "GroupName"))
                   if resource.properties.get(prop)]
        quota = min((_inline_quota(t, resource) for t in targets), default=q.role_inline_size)
        if size > quota:
            findings.append(NagFinding("Size::InlinePolicy", f"inline policy is {size} characters (quota {quota})"))
        return findings
    if rtype not in PRINCIPAL_TYPES:
        return NOT_APPLICABLE
    total = sum(policy_size(d.document) for d in identity_documents(resource))
    managed = len(as_list(resource.properties.get("ManagedPolicyArns")))
    if resource.stack is not None:
        for attached in resource.stack.attached(resource.logical_id, "inline"):
            total += sum(policy_size(d.document) for d in identity_documents(attached))
        managed += len(resource.stack.attached(resource.logical_id, "managed"))
    quota = _inline_quota(rtype, resource)
    if total > quota:
        findings.append(NagFinding("Size::InlinePolicies",
                                   f"inline policies total {total} characters (quota {quota})"))
    if managed > q.managed_policies_per_principal:
        findings.append(NagFinding("Count::ManagedPolicies",
                                   f"{managed} managed policies attached (quota {q.managed_policies_per_principal})"))
    if rtype == "AWS::IAM::Role":
        resource.require("AssumeRolePolicyDocument")
        trust = resource.properties.get("AssumeRolePolicyDocument")
        if trust is not None:
            size = policy_size(load_document(trust, f"{resource.logical_id}.AssumeRolePolicyDocument"))
            if size > q.trust_policy_size:
                findings.append(NagFinding("Size::TrustPolicy",
                                           f"trust policy is {size} characters (quota {q.trust_policy_size})"))
    return findings
