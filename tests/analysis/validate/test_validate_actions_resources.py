"""Actions (checks/actions.py) and resource ARNs (checks/resources.py)."""

from __future__ import annotations

import pytest

from .conftest import allow, codes_of, paths_of, policy

POSITIVE = [
    ("typo-action", allow(action=["s3:GetObjekt"]), "INVALID_ACTION", ["Statement", 0, "Action", 0]),
    ("no-colon", allow(action="s3GetObject"), "INVALID_ACTION", ["Statement", 0, "Action"]),
    ("pattern-matches-nothing", allow(action="s3:Fly*"), "INVALID_ACTION", ["Statement", 0, "Action"]),
    (
        "unknown-service",
        allow(action="s4:GetObject"),
        "INVALID_SERVICE_IN_ACTION",
        ["Statement", 0, "Action"],
    ),
    (
        "arn-of-unknown-service",
        allow(resource="arn:aws:s4:us-east-1:123456789012:bucket/b"),
        "INVALID_SERVICE",
        ["Statement", 0, "Resource"],
    ),
    (
        "arn-of-discontinued-service",
        allow(resource="arn:aws:codestar:us-east-1:123456789012:project/p"),
        "INVALID_SERVICE",
        ["Statement", 0, "Resource"],
    ),
    ("wildcard-service", allow(action="s3*:Get*"), "WILDCARD_IN_SERVICE_NAME", ["Statement", 0, "Action"]),
    ("arn-prefix", allow(resource="aws:s3:::bucket"), "INVALID_ARN_PREFIX", ["Statement", 0, "Resource"]),
    ("arn-fields", allow(resource="arn:aws:s3"), "MISSING_ARN_FIELD", ["Statement", 0, "Resource"]),
    ("partition", allow(resource="arn:aws-mars:s3:::b"), "INVALID_PARTITION", ["Statement", 0, "Resource"]),
    (
        "service-case",
        allow(resource="arn:aws:S3:::b"),
        "INVALID_ARN_SERVICE_CASE",
        ["Statement", 0, "Resource"],
    ),
    (
        "account",
        allow(resource="arn:aws:sqs:us-east-1:1234:q"),
        "INVALID_ARN_ACCOUNT",
        ["Statement", 0, "Resource"],
    ),
    (
        "region",
        allow(resource="arn:aws:sqs:mars-1:123456789012:q"),
        "INVALID_ARN_REGION",
        ["Statement", 0, "Resource"],
    ),
    (
        "iam-with-region",
        allow(action="iam:GetRole", resource="arn:aws:iam:us-east-1:123456789012:role/r"),
        "ARN_REGION_NOT_ALLOWED",
        ["Statement", 0, "Resource"],
    ),
    (
        "sqs-without-region",
        allow(action="sqs:SendMessage", resource="arn:aws:sqs::123456789012:q"),
        "MISSING_ARN_REGION",
        ["Statement", 0, "Resource"],
    ),
    (
        "health-with-account",
        allow(
            action="health:DescribeEventDetails",
            resource="arn:aws:health:us-east-1:123456789012:event/EC2/x/y",
        ),
        "ARN_ACCOUNT_NOT_ALLOWED",
        ["Statement", 0, "Resource"],
    ),
    (
        "empty-resource-part",
        allow(resource="arn:aws:sqs:us-east-1:123456789012:"),
        "INVALID_ARN_RESOURCE",
        ["Statement", 0, "Resource"],
    ),
]

NEGATIVE = [
    ("deny-star", {"Effect": "Deny", "Action": "*", "Resource": "*"}),
    ("service-star", allow(action="ec2:*")),
    ("mixed-case-action", allow(action="S3:getobject")),
    ("s3-object", allow(resource="arn:aws:s3:::bucket/key*")),
    ("arn-with-variable", allow(resource="arn:aws:s3:::b/${aws:username}/*")),
    ("managed-policy-arn", allow(action="iam:GetPolicy", resource="arn:aws:iam::aws:policy/ReadOnlyAccess")),
    ("wildcard-partition", allow(resource="arn:*:s3:::b")),
    (
        "gov-region",
        allow(action="sqs:SendMessage", resource="arn:aws-us-gov:sqs:us-gov-west-1:123456789012:q"),
    ),
    ("not-resource", {"Effect": "Deny", "Action": "s3:*", "NotResource": "arn:aws:s3:::b/*"}),
    # Access Analyzer accepts actions of discontinued services and of actions the service reference dropped
    # recently (data/retired_services.json, data/removed_actions.json): they grant nothing
    ("discontinued-service-action", allow(action="codestar:List*")),
    ("discontinued-service-action-exact", allow(action="deeplens:ListDevices")),
    ("recently-removed-action", allow(action="route53-recovery-control-config:DescribeRoutingControlByName")),
    # an ARN service namespace that is not an action prefix but is one of the catalog's ARN formats
    ("arn-namespace-not-a-prefix", allow(action="execute-api:Invoke", resource="arn:aws:execute-api:*:*:*")),
    # an empty resource part after a wildcard field: the wildcard may stand for the rest of the ARN
    ("empty-resource-after-wildcard", allow(action="organizations:Describe*", resource="arn:aws:organizations::*:")),
]


@pytest.mark.parametrize(("st", "code", "path"), [c[1:] for c in POSITIVE], ids=[c[0] for c in POSITIVE])
def test_reports(validate, st, code, path):
    findings = validate(policy(st))
    assert code in codes_of(findings), findings
    assert path in paths_of(findings, code)


@pytest.mark.parametrize("st", [c[1] for c in NEGATIVE], ids=[c[0] for c in NEGATIVE])
def test_valid_actions_and_arns_pass(validate, st):
    assert validate(policy(st)) == []


def test_suggestion_in_message(validate):
    [finding] = validate(policy(allow(action="s3:GetObjekt")))
    assert "s3:GetObject" in finding.message


def test_discontinued_service_arn_message_names_the_retirement(validate):
    [finding] = validate(policy(allow(resource="arn:aws:codestar:us-east-1:123456789012:project/p")))
    assert finding.issue_code == "INVALID_SERVICE"
    assert "CodeStar" in finding.message and "discontinued" in finding.message


def test_removed_action_pattern_is_accepted_but_a_typo_is_not(validate):
    assert validate(policy(allow(action="securityagent:BatchGet*"))) == []
    assert codes_of(validate(policy(allow(action="securityagent:Fly*")))) == {"INVALID_ACTION"}
