"""Principals, role trust policies, OIDC (checks/principals.py, checks/trust.py) and SCP/RCP (checks/org.py)."""

from __future__ import annotations

import pytest

from .conftest import TRUST, allow, codes_of, paths_of, policy

BUCKET = "AWS::S3::Bucket"
P = ["Statement", 0, "Principal"]


def bucket_stmt(principal, **extra):
    return {
        "Effect": "Allow",
        "Principal": principal,
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::b/*",
        **extra,
    }


def trust_stmt(principal, action="sts:AssumeRole", **extra):
    return {"Effect": "Allow", "Principal": principal, "Action": action, **extra}


RESOURCE_CASES = [
    ("missing-principal", allow(resource="arn:aws:s3:::b/*"), "MISSING_PRINCIPAL", ["Statement", 0]),
    ("principal-string", bucket_stmt("123456789012"), "INVALID_PRINCIPAL_FORMAT", P),
    ("principal-key", bucket_stmt({"Aws": "123456789012"}), "INVALID_PRINCIPAL_KEY", [*P, "Aws"]),
    (
        "bad-aws-principal",
        bucket_stmt({"AWS": "arn:aws:iam::123456789012:group/admins"}),
        "INVALID_PRINCIPAL_FORMAT",
        [*P, "AWS"],
    ),
    (
        "wildcard-in-arn",
        bucket_stmt({"AWS": "arn:aws:iam::123456789012:role/*"}),
        "UNSUPPORTED_WILDCARD_IN_PRINCIPAL",
        [*P, "AWS"],
    ),
    ("user-id", bucket_stmt({"AWS": "AIDAJQABLZS4A3QDU576Q"}), "INVALID_USER_REFERENCE", [*P, "AWS"]),
    ("role-id", bucket_stmt({"AWS": "AROAJQABLZS4A3QDU576Q"}), "INVALID_ROLE_REFERENCE", [*P, "AWS"]),
    ("service-format", bucket_stmt({"Service": "cloudtrail"}), "INVALID_PRINCIPAL_FORMAT", [*P, "Service"]),
    (
        "canonical-user",
        bucket_stmt({"CanonicalUser": "abc"}),
        "INVALID_PRINCIPAL_FORMAT",
        [*P, "CanonicalUser"],
    ),
    (
        "federated-in-bucket",
        bucket_stmt({"Federated": "accounts.google.com"}),
        "FEDERATED_PRINCIPAL_NOT_SUPPORTED",
        [*P, "Federated"],
    ),
    (
        "allow-not-principal",
        {
            "Effect": "Allow",
            "NotPrincipal": {"AWS": "123456789012"},
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b/*",
        },
        "ALLOW_WITH_NOT_PRINCIPAL",
        ["Statement", 0, "NotPrincipal"],
    ),
    (
        "service-without-source",
        bucket_stmt({"Service": "cloudtrail.amazonaws.com"}),
        "RECOMMENDED_CONDITION_KEY_FOR_SERVICE_PRINCIPAL",
        [*P, "Service"],
    ),
    (
        "service-with-principal-key",
        bucket_stmt(
            {"Service": "cloudtrail.amazonaws.com"},
            Condition={
                "StringEquals": {"aws:PrincipalAccount": "123456789012", "aws:SourceAccount": "123456789012"}
            },
        ),
        "UNSUPPORTED_CONDITION_KEY_FOR_SERVICE_PRINCIPAL",
        ["Statement", 0, "Condition", "StringEquals", None],
    ),
    ("empty-principal-object", bucket_stmt({}), "EMPTY_OBJECT_PRINCIPAL", P),
    ("empty-principal-array", bucket_stmt({"AWS": []}), "EMPTY_ARRAY_PRINCIPAL", [*P, "AWS"]),
]


@pytest.mark.parametrize(
    ("st", "code", "path"), [c[1:] for c in RESOURCE_CASES], ids=[c[0] for c in RESOURCE_CASES]
)
def test_resource_policy(validate, st, code, path):
    findings = validate(policy(st), "RESOURCE_POLICY", BUCKET)
    assert code in codes_of(findings), findings
    assert path in paths_of(findings, code)


@pytest.mark.parametrize(
    "principal",
    [
        "*",
        {"AWS": "*"},
        {
            "AWS": [
                "123456789012",
                "arn:aws:iam::123456789012:role/r",
                "arn:aws:sts::123456789012:assumed-role/r/s",
            ]
        },
        {"CanonicalUser": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},
    ],
    ids=["star", "aws-star", "accounts-and-arns", "canonical-user"],
)
def test_valid_principals(validate, principal):
    assert validate(policy(bucket_stmt(principal)), "RESOURCE_POLICY", BUCKET) == []


def test_principal_in_identity_policy(validate):
    findings = validate(policy(allow(Principal={"AWS": "*"})))
    assert paths_of(findings, "UNSUPPORTED_PRINCIPAL") == [P]


GITHUB_ARN = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
TRUST_CASES = [
    (
        "resource",
        trust_stmt({"Service": "ec2.amazonaws.com"}, Resource="*"),
        "ROLE_TRUST_POLICY_SYNTAX_ERROR_RESOURCE",
        ["Statement", 0, "Resource"],
    ),
    (
        "not-principal",
        {"Effect": "Deny", "NotPrincipal": {"AWS": "123456789012"}, "Action": "sts:AssumeRole"},
        "ROLE_TRUST_POLICY_SYNTAX_ERROR_NOTPRINCIPAL",
        ["Statement", 0, "NotPrincipal"],
    ),
    (
        "wildcard",
        trust_stmt({"AWS": "arn:aws:iam::123456789012:role/*"}),
        "ROLE_TRUST_POLICY_UNSUPPORTED_WILDCARD_IN_PRINCIPAL",
        [*P, "AWS"],
    ),
    (
        "federated-syntax",
        trust_stmt({"Federated": "example.com"}, "sts:AssumeRoleWithWebIdentity"),
        "INVALID_FEDERATED_PRINCIPAL_SYNTAX_IN_ROLE_TRUST_POLICY",
        [*P, "Federated"],
    ),
    (
        "saml-with-web-identity",
        trust_stmt(
            {"Federated": "arn:aws:iam::123456789012:saml-provider/Okta"}, "sts:AssumeRoleWithWebIdentity"
        ),
        "MISMATCHED_ACTION_FOR_PRINCIPAL",
        ["Statement", 0, "Action"],
    ),
    (
        "roles-anywhere",
        trust_stmt({"Service": "rolesanywhere.amazonaws.com"}, ["sts:AssumeRole"]),
        "MISSING_ACTION_FOR_ROLES_ANYWHERE_TRUST_POLICY",
        ["Statement", 0, "Action"],
    ),
    (
        "redundant",
        trust_stmt({"AWS": ["123456789012", "arn:aws:iam::123456789012:root"]}),
        "REDUNDANT_PRINCIPAL_IN_ROLE_TRUST_POLICY",
        [*P, "AWS", 1],
    ),
    (
        "oidc-no-condition",
        trust_stmt(
            {"Federated": "arn:aws:iam::123456789012:oidc-provider/oidc.example.com"},
            "sts:AssumeRoleWithWebIdentity",
        ),
        "MISSING_CONDITION_KEY_FOR_OIDC_PRINCIPAL",
        [*P, "Federated"],
    ),
    (
        "github-no-sub",
        trust_stmt(
            {"Federated": GITHUB_ARN},
            "sts:AssumeRoleWithWebIdentity",
            Condition={"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}},
        ),
        "MISSING_GITHUB_REPO_CONDITION_KEY",
        [*P, "Federated"],
    ),
    (
        "github-wildcard-sub",
        trust_stmt(
            {"Federated": GITHUB_ARN},
            "sts:AssumeRoleWithWebIdentity",
            Condition={"StringLike": {"token.actions.githubusercontent.com:sub": "repo:org/*"}},
        ),
        "SPECIFIC_GITHUB_REPO_AND_BRANCH_RECOMMENDED",
        ["Statement", 0, "Condition", "StringLike", "token.actions.githubusercontent.com:sub"],
    ),
]


@pytest.mark.parametrize(
    ("st", "code", "path"), [c[1:] for c in TRUST_CASES], ids=[c[0] for c in TRUST_CASES]
)
def test_trust_policy(validate, st, code, path):
    findings = validate(policy(st), "RESOURCE_POLICY", TRUST)
    assert code in codes_of(findings), findings
    assert path in paths_of(findings, code)


@pytest.mark.parametrize(
    "st",
    [
        trust_stmt({"Service": "lambda.amazonaws.com"}),
        trust_stmt({"AWS": "arn:aws:iam::123456789012:root"}, ["sts:AssumeRole", "sts:TagSession"]),
        trust_stmt(
            {"Federated": GITHUB_ARN},
            "sts:AssumeRoleWithWebIdentity",
            Condition={
                "StringEquals": {
                    "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                    "token.actions.githubusercontent.com:sub": "repo:org/app:ref:refs/heads/main",
                }
            },
        ),
        trust_stmt(
            {"Service": "rolesanywhere.amazonaws.com"},
            ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"],
        ),
    ],
    ids=["service", "account-root", "github-pinned", "roles-anywhere-complete"],
)
def test_valid_trust_policies(validate, st):
    assert validate(policy(st), "RESOURCE_POLICY", TRUST) == []


ORG_CASES = [
    (
        "scp-principal",
        "SERVICE_CONTROL_POLICY",
        {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"},
        "SCP_SYNTAX_ERROR_PRINCIPAL",
        P,
    ),
    (
        "rcp-unsupported-service",
        "RESOURCE_CONTROL_POLICY",
        {"Effect": "Deny", "Principal": "*", "Action": "ec2:RunInstances", "Resource": "*"},
        "UNSUPPORTED_ACTION_IN_POLICY",
        ["Statement", 0, "Action"],
    ),
    (
        "rcp-unsupported-resource",
        "RESOURCE_CONTROL_POLICY",
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:ec2:us-east-1:123456789012:instance/i-1",
        },
        "UNSUPPORTED_RESOURCE_ARN_IN_POLICY",
        ["Statement", 0, "Resource"],
    ),
    (
        "rcp-missing-principal",
        "RESOURCE_CONTROL_POLICY",
        {"Effect": "Deny", "Action": "s3:*", "Resource": "*"},
        "MISSING_PRINCIPAL",
        ["Statement", 0],
    ),
]


@pytest.mark.parametrize(
    ("ptype", "st", "code", "path"), [c[1:] for c in ORG_CASES], ids=[c[0] for c in ORG_CASES]
)
def test_organization_policies(validate, ptype, st, code, path):
    findings = validate(policy(st), ptype)
    assert code in codes_of(findings), findings
    assert path in paths_of(findings, code)


def test_scp_full_language_is_accepted(validate):
    st = {
        "Effect": "Allow",
        "Action": "ec2:*",
        "NotResource": "arn:aws:ec2:*:*:vpc/*",
        "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}},
    }
    assert validate(policy(st), "SERVICE_CONTROL_POLICY") == []
