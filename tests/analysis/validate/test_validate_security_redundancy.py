"""Pass-role / service-linked-role warnings (checks/passrole.py), redundancy (checks/redundancy.py) and size
quotas (checks/size.py)."""

from __future__ import annotations

import pytest

from .conftest import TRUST, allow, codes_of, paths_of, policy

S = ["Statement", 0]

PASS_ROLE = [
    (
        "explicit-star",
        allow(action="iam:PassRole"),
        "PASS_ROLE_WITH_STAR_IN_RESOURCE",
        [[*S, "Action"], [*S, "Resource"]],
    ),
    (
        "any-role-arn",
        allow(action=["iam:PassRole"], resource=["arn:aws:iam::*:role/*"]),
        "PASS_ROLE_WITH_STAR_IN_RESOURCE",
        [[*S, "Action", 0], [*S, "Resource", 0]],
    ),
    (
        "star-action",
        allow(action="iam:*"),
        "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE",
        [[*S, "Action"], [*S, "Resource"]],
    ),
    (
        "not-action",
        {"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"},
        "PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION",
        [[*S, "NotAction"], [*S, "Resource"]],
    ),
    (
        "not-resource",
        {"Effect": "Allow", "Action": "iam:PassRole", "NotResource": "arn:aws:iam::*:role/admin"},
        "PASS_ROLE_WITH_NOT_RESOURCE",
        [[*S, "Action"], [*S, "NotResource"]],
    ),
    (
        "star-action-not-resource",
        {"Effect": "Allow", "Action": "iam:Pass*", "NotResource": "arn:aws:iam::*:role/a"},
        "PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE",
        [[*S, "Action"], [*S, "NotResource"]],
    ),
    (
        "not-action-not-resource",
        {"Effect": "Allow", "NotAction": "s3:*", "NotResource": "arn:aws:s3:::b"},
        "PASS_ROLE_WITH_NOT_ACTION_AND_NOT_RESOURCE",
        [[*S, "NotAction"], [*S, "NotResource"]],
    ),
    (
        "if-exists-guard",
        allow(
            action="iam:PassRole",
            Condition={"StringEqualsIfExists": {"iam:PassedToService": "ec2.amazonaws.com"}},
        ),
        "PASS_ROLE_WITH_STAR_IN_RESOURCE",
        [[*S, "Action"], [*S, "Resource"]],
    ),
    (
        "negated-guard",
        allow(
            action="iam:PassRole",
            Condition={"StringNotEquals": {"iam:PassedToService": "lambda.amazonaws.com"}},
        ),
        "PASS_ROLE_WITH_STAR_IN_RESOURCE",
        [[*S, "Action"], [*S, "Resource"]],
    ),
    (
        "slr-star",
        allow(action="iam:CreateServiceLinkedRole"),
        "CREATE_SLR_WITH_STAR_IN_RESOURCE",
        [[*S, "Action"], [*S, "Resource"]],
    ),
    (
        "slr-leading-wildcard-guard",
        allow(
            action="iam:CreateServiceLinkedRole",
            Condition={"StringLike": {"iam:AWSServiceName": "*.amazonaws.com"}},
        ),
        "CREATE_SLR_WITH_STAR_IN_RESOURCE",
        [[*S, "Action"], [*S, "Resource"]],
    ),
    (
        "slr-star-action",
        allow(action="*"),
        "CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE",
        [[*S, "Action"], [*S, "Resource"]],
    ),
]


@pytest.mark.parametrize(("st", "code", "paths"), [c[1:] for c in PASS_ROLE], ids=[c[0] for c in PASS_ROLE])
def test_pass_role_and_slr(validate, st, code, paths):
    assert paths_of(validate(policy(st)), code) == paths


@pytest.mark.parametrize(
    "st",
    [
        allow(
            action="iam:PassRole", Condition={"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}
        ),
        allow(
            action="iam:PassRole", Condition={"ArnLike": {"iam:AssociatedResourceArn": "arn:aws:ec2:*:*:*"}}
        ),
        allow(
            action="iam:PassRole",
            Condition={"ForAnyValue:StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}},
        ),
        allow(
            action="iam:PassRole", Condition={"stringlike": {"IAM:PassedToService": "ec2.amazonaws.com"}}
        ),
        allow(action="iam:PassRole", resource="arn:aws:iam::123456789012:role/app-*"),
        allow(
            action="iam:CreateServiceLinkedRole",
            Condition={"StringEquals": {"iam:AWSServiceName": "x.amazonaws.com"}},
        ),
        {"Effect": "Deny", "Action": "iam:PassRole", "Resource": "*"},
        {"Effect": "Allow", "NotAction": ["iam:*"], "Resource": "*"},
    ],
    ids=[
        "passed-to-service",
        "associated-resource",
        "qualified-guard",
        "case-variant-guard",
        "named-roles",
        "slr-service-name",
        "deny",
        "notaction-excludes",
    ],
)
def test_guarded_pass_role_is_fine(validate, st):
    findings = validate(policy(st))
    assert not {c for c in codes_of(findings) if c.startswith(("PASS_ROLE", "CREATE_SLR"))}


REDUNDANT = [
    (
        "action-covered",
        allow(action=["sns:ListTopics", "sns:List*"]),
        "REDUNDANT_ACTION",
        [[*S, "Action", 0], [*S, "Action", 1]],
    ),
    (
        "action-duplicate",
        allow(action=["ec2:Describe*", "s3:GetObject", "EC2:describe*"]),
        "REDUNDANT_ACTION",
        [[*S, "Action", 0], [*S, "Action", 2]],
    ),
    (
        "resource-covered",
        allow(resource=["arn:aws:s3:::logs-*/*", "arn:aws:s3:::logs-*"]),
        "REDUNDANT_RESOURCE",
        [[*S, "Resource", 0], [*S, "Resource", 1]],
    ),
    ("duplicate-statement", None, "REDUNDANT_STATEMENT", [["Statement", 1], ["Statement", 0]]),
]


@pytest.mark.parametrize(("st", "code", "paths"), [c[1:] for c in REDUNDANT], ids=[c[0] for c in REDUNDANT])
def test_redundancy(validate, st, code, paths):
    doc = policy(st) if st is not None else policy(allow(Sid="A"), allow(Sid="B"))
    assert paths_of(validate(doc), code) == paths


@pytest.mark.parametrize(
    "st",
    [
        allow(action=["iam:Get*", "iam:*CredentialReport"]),
        allow(resource=["arn:aws:s3:::Logs-*", "arn:aws:s3:::logs-*/*"]),
        allow(action=["s3:GetObject", "s3:GetObjectAcl"]),
    ],
    ids=["partial-overlap", "resources-case-sensitive", "distinct"],
)
def test_not_redundant(validate, st):
    assert validate(policy(st)) == []


def test_identity_policy_size_quota(validate):
    actions = [f"s3:GetObject{'x' * 40}{i}" for i in range(250)]
    findings = validate(policy(allow(action=actions)))
    assert paths_of(findings, "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA") == [[]]
    [size] = [f for f in findings if f.issue_code == "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA"]
    assert size.details["size"] > 10_240


@pytest.mark.parametrize(
    ("ptype", "rtype", "n", "code"),
    [
        ("RESOURCE_POLICY", TRUST, 60, "POLICY_SIZE_EXCEEDS_ROLE_TRUST_POLICY_QUOTA"),
        ("SERVICE_CONTROL_POLICY", None, 150, "POLICY_SIZE_EXCEEDS_SCP_QUOTA"),
        ("RESOURCE_POLICY", "AWS::S3::Bucket", 520, "POLICY_SIZE_EXCEEDS_RESOURCE_POLICY_QUOTA"),
    ],
    ids=["trust", "scp", "bucket"],
)
def test_other_size_quotas(validate, ptype, rtype, n, code):
    principal = {"Principal": {"AWS": "123456789012"}} if ptype == "RESOURCE_POLICY" else {}
    statements = [
        {
            "Sid": f"S{i}",
            "Effect": "Deny",
            "Action": "sts:AssumeRole" if rtype == TRUST else "s3:GetObject",
            **({"Resource": f"arn:aws:s3:::bucket-{i}/*"} if rtype != TRUST else {}),
            **principal,
        }
        for i in range(n)
    ]
    assert code in codes_of(validate(policy(*statements), ptype, rtype))
