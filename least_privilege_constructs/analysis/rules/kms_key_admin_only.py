"""LP-KMS1: key policies give ``kms:*`` only to administrators."""

from __future__ import annotations

from least_privilege_constructs.analysis.iam.wildcards import arn_matches, pattern_covers
from least_privilege_constructs.analysis.rules._policy import (
    is_allow,
    principals,
    root_account,
    statements,
    strings,
)
from least_privilege_constructs.analysis.rules._resource_policies import resource_policy
from least_privilege_constructs.analysis.rules.base import (
    NOT_APPLICABLE,
    NagFinding,
    RuleInput,
    RuleResult,
    rule,
)

KEY_TYPES = ("AWS::KMS::Key", "AWS::KMS::ReplicaKey")


def _grants_all_kms(pattern: str) -> bool:
    """Whether an action pattern grants every KMS action (``kms:*``, ``*``, ``k*:*``, ``kms*``...)."""
    return pattern_covers(pattern, "kms:*", ignore_case=True)


@rule(
    title="kms:* only for key administrators",
    checks="No Allow statement of a KMS key policy grants `kms:*` (or `*`) to a principal other than the "
    "key's own account root (which delegates to IAM) or a configured key administrator (`kmsAdministrators`).",
    why="`kms:*` includes `kms:PutKeyPolicy`, `kms:CreateGrant` and `kms:ScheduleKeyDeletion`: whoever holds it "
    "can hand the key to anyone or destroy the data it protects. Application roles need `kms:Decrypt`/"
    "`kms:GenerateDataKey*` only.",
    fix="Grant applications the usage actions (`key.grant_encrypt_decrypt(role)`); keep `kms:*` for the account "
    "root and named administrator roles.",
    resource_types=KEY_TYPES,
)
def kms_key_admin_only(resource: RuleInput) -> RuleResult:
    if resource.resource_type not in KEY_TYPES:
        return NOT_APPLICABLE
    doc = resource_policy(resource)
    if doc is None:
        return []  # no key policy: KMS applies the default (account root), which is compliant
    admins = resource.config.kms_administrators
    findings: dict[str, NagFinding] = {}
    for _i, stmt in statements(doc):
        if not is_allow(stmt):
            continue
        if not any(_grants_all_kms(a) for a in strings(stmt.get("Action"))):
            continue
        for kind, value in principals(stmt):
            if kind == "AWS" and root_account(value, resource.account) in (resource.account, "${AWS::AccountId}"):
                continue
            if kind == "AWS" and any(arn_matches(pattern, value) is True for pattern in admins):
                continue
            key = f"Principal::{value}"
            findings.setdefault(key, NagFinding(key, f"kms:* granted to {kind} principal {value}"))
    return list(findings.values())
