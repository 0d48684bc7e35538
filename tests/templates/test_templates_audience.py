"""Audience rules: each rule fires on a policy that breaks it and stays quiet on one that does not."""

from __future__ import annotations

from typing import Any

import pytest

from least_privilege_constructs.analysis.catalog import get_catalog
from least_privilege_constructs.templates.audience import _is_lifecycle, check_audience


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: Any, resource: Any = "arn:aws:s3:::b/*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


PASSROLE_OK = allow(
    "iam:PassRole", "arn:aws:iam::123456789012:role/app/*",
    Condition={"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}},
)

VIOLATIONS: list[tuple[str, str, dict[str, Any], str]] = [
    ("app-star-action", "application", doc(allow("*", "*")), "TEMPLATE_SERVICE_WILDCARD"),
    ("app-service-wildcard", "application", doc(allow("s3:*")), "TEMPLATE_SERVICE_WILDCARD"),
    ("app-action-wildcard", "application", doc(allow("s3:Get*")), "TEMPLATE_ACTION_WILDCARD"),
    ("app-permissions-management", "application", doc(allow("s3:PutBucketPolicy", "arn:aws:s3:::b")),
     "TEMPLATE_PERMISSIONS_MANAGEMENT"),
    ("app-create-bucket", "application", doc(allow("s3:CreateBucket", "arn:aws:s3:::b")),
     "TEMPLATE_INFRASTRUCTURE_LIFECYCLE"),
    ("app-delete-table", "application",
     doc(allow("dynamodb:DeleteTable", "arn:aws:dynamodb:us-east-1:123456789012:table/t")),
     "TEMPLATE_INFRASTRUCTURE_LIFECYCLE"),
    ("app-create-log-group", "application",
     doc(allow("logs:CreateLogGroup", "arn:aws:logs:us-east-1:123456789012:log-group:g")),
     "TEMPLATE_INFRASTRUCTURE_LIFECYCLE"),
    ("app-passrole", "application", doc(PASSROLE_OK), "TEMPLATE_PASSROLE"),
    ("app-star-resource", "application", doc(allow("s3:GetObject", "*")), "TEMPLATE_UNSCOPED_RESOURCE"),
    ("app-not-action", "application", doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}),
     "TEMPLATE_ALLOW_NOT_ACTION"),
    ("app-not-resource", "application",
     doc({"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::secret/*"}),
     "TEMPLATE_ALLOW_NOT_RESOURCE"),
    ("app-unknown-action", "application", doc(allow("s3:GetObjekt")), "TEMPLATE_UNKNOWN_ACTION"),
    ("dev-passrole-any-role", "developer",
     doc(allow("iam:PassRole", "*", Condition={"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}})),
     "TEMPLATE_UNBOUNDED_PASSROLE"),
    ("dev-passrole-role-star", "developer",
     doc(allow("iam:PassRole", "arn:aws:iam::123456789012:role/*",
               Condition={"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}})),
     "TEMPLATE_UNBOUNDED_PASSROLE"),
    ("dev-passrole-no-service", "developer",
     doc(allow("iam:PassRole", "arn:aws:iam::123456789012:role/app/*")),
     "TEMPLATE_PASSROLE_WITHOUT_SERVICE"),
    ("dev-create-role-without-boundary", "developer",
     doc(allow("iam:CreateRole", "arn:aws:iam::123456789012:role/app/*")),
     "TEMPLATE_MISSING_BOUNDARY_CONDITION"),
    ("dev-delete-boundary", "developer",
     doc(allow("iam:DeleteRolePermissionsBoundary", "arn:aws:iam::123456789012:role/app/*")),
     "TEMPLATE_PERMISSIONS_MANAGEMENT"),
    ("dev-bucket-policy", "developer", doc(allow("s3:PutBucketPolicy", "arn:aws:s3:::team-*")),
     "TEMPLATE_PERMISSIONS_MANAGEMENT"),
    ("dev-access-keys", "developer", doc(allow("iam:CreateAccessKey", "arn:aws:iam::123456789012:user/*")),
     "TEMPLATE_CREDENTIAL_CREATION"),
    ("dev-star", "developer", doc(allow("*", "*")), "TEMPLATE_SERVICE_WILDCARD"),
    ("dev-iam-star", "developer", doc(allow("iam:*", "*")), "TEMPLATE_SERVICE_WILDCARD"),
    ("dev-star-resource", "developer", doc(allow("lambda:CreateFunction", "*")), "TEMPLATE_UNSCOPED_RESOURCE"),
    ("default-write", "default", doc(allow("ec2:*Instances", "*")), "TEMPLATE_NOT_READ_ONLY"),
    ("default-data-read", "default", doc(allow("s3:Get*", "*")), "TEMPLATE_DATA_READ"),
    ("default-secret-read", "default", doc(allow("secretsmanager:GetSecretValue", "*")), "TEMPLATE_DATA_READ"),
    ("boundary-allow-passrole", "boundary", doc(allow("iam:PassRole", "*")), "TEMPLATE_UNBOUNDED_PASSROLE"),
    ("resource-public", "resource-policy",
     doc({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}),
     "TEMPLATE_PUBLIC_ALLOW"),
    ("resource-public-aws-star", "resource-policy",
     doc({"Effect": "Allow", "Principal": {"AWS": ["*"]}, "Action": "sqs:SendMessage", "Resource": "*"}),
     "TEMPLATE_PUBLIC_ALLOW"),
    # a condition that names no organization or account is no restriction: the same test as LP-RES1
    ("resource-public-any-org", "resource-policy",
     doc({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*",
          "Condition": {"StringLike": {"aws:PrincipalOrgID": "o-*"}}}), "TEMPLATE_PUBLIC_ALLOW"),
    ("resource-public-negated-account", "resource-policy",
     doc({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*",
          "Condition": {"StringNotEquals": {"aws:PrincipalAccount": "111122223333"}}}), "TEMPLATE_PUBLIC_ALLOW"),
    ("resource-not-principal", "resource-policy",
     doc({"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sqs:SendMessage",
          "Resource": "*"}),
     "TEMPLATE_ALLOW_NOT_PRINCIPAL"),
    ("resource-service-wildcard", "resource-policy",
     doc({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sqs:*",
          "Resource": "*"}),
     "TEMPLATE_SERVICE_WILDCARD"),
]


@pytest.mark.parametrize(("case", "audience", "document", "code"), VIOLATIONS, ids=[v[0] for v in VIOLATIONS])
def test_rule_fires(case: str, audience: str, document: dict[str, Any], code: str) -> None:
    findings = check_audience(audience, document)
    assert code in {f.issue_code for f in findings}, [f.message for f in findings]
    f = next(f for f in findings if f.issue_code == code)
    assert f.finding_type.value == "ERROR"
    assert f.check == "template-audience"
    assert f.location_strings()[0].startswith("Statement[0]")


ALLOWED: list[tuple[str, str, dict[str, Any]]] = [
    ("app-data-plane", "application",
     doc(allow(["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]),
         allow(["sqs:DeleteMessage", "sqs:ReceiveMessage"], "arn:aws:sqs:us-east-1:123456789012:q"),
         allow(["logs:CreateLogStream", "logs:PutLogEvents"],
               "arn:aws:logs:us-east-1:123456789012:log-group:g:log-stream:*"),
         allow("dynamodb:DeleteItem", "arn:aws:dynamodb:us-east-1:123456789012:table/t"))),
    ("app-no-resource-level-actions-on-star", "application", doc(allow("xray:PutTraceSegments", "*"))),
    ("app-deny-is-free", "application", doc({"Effect": "Deny", "Action": "*", "Resource": "*"})),
    ("dev-bounded-passrole", "developer", doc(PASSROLE_OK)),
    ("dev-exact-role-passrole", "developer",
     doc(allow("iam:PassRole", "arn:aws:iam::123456789012:role/cfn-exec",
               Condition={"StringEquals": {"iam:PassedToService": "cloudformation.amazonaws.com"}}))),
    ("dev-create-role-with-boundary", "developer",
     doc(allow(["iam:CreateRole", "iam:PutRolePolicy"], "arn:aws:iam::123456789012:role/app/*",
               Condition={"StringEquals": {"iam:PermissionsBoundary": "arn:aws:iam::123456789012:policy/b"}}))),
    ("default-describe-wildcard", "default", doc(allow(["ec2:Describe*", "iam:ListRoles"], "*"))),
    ("resource-org-condition", "resource-policy",
     doc({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*",
          "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}})),
    ("resource-deny-star", "resource-policy",
     doc({"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"})),
    ("boundary-denies", "boundary", doc({"Effect": "Deny", "Action": "iam:*", "Resource": "*"})),
]


@pytest.mark.parametrize(("case", "audience", "document"), ALLOWED, ids=[a[0] for a in ALLOWED])
def test_rule_allows(case: str, audience: str, document: dict[str, Any]) -> None:
    assert check_audience(audience, document) == []


@pytest.mark.parametrize(
    ("action", "lifecycle"),
    [("s3:CreateBucket", True), ("s3:DeleteBucket", True), ("sqs:CreateQueue", True), ("sqs:DeleteMessage", False),
     ("dynamodb:DeleteItem", False), ("logs:CreateLogStream", False), ("logs:DeleteLogGroup", True),
     ("secretsmanager:CreateSecret", True), ("kms:CreateKey", True), ("lambda:CreateFunction", True),
     ("s3:DeleteObject", False)],
)
def test_lifecycle_detection_from_the_service_reference(action: str, lifecycle: bool) -> None:
    assert _is_lifecycle(get_catalog(), action) is lifecycle
