"""Condition checks (checks/conditions.py, checks/ip.py, checks/tags.py, checks/variables.py)."""

from __future__ import annotations

import pytest

from .conftest import allow, codes_of, paths_of, policy

C = ["Statement", 0, "Condition"]

POSITIVE = [
    ("bad-operator", {"StringEqualz": {"aws:username": "a"}}, "INVALID_CONDITION_OPERATOR", [*C, None]),
    (
        "null-if-exists",
        {"NullIfExists": {"aws:username": "true"}},
        "NULL_WITH_IF_EXISTS",
        [*C, "NullIfExists"],
    ),
    (
        "null-qualifier",
        {"ForAnyValue:Null": {"aws:TagKeys": "true"}},
        "NULL_WITH_QUALIFIER",
        [*C, "ForAnyValue:Null"],
    ),
    (
        "key-format",
        {"StringEquals": {"username": "a"}},
        "INVALID_CONDITION_KEY_FORMAT",
        [*C, "StringEquals", None],
    ),
    (
        "unknown-global",
        {"StringEquals": {"aws:UserNameX": "a"}},
        "INVALID_GLOBAL_CONDITION_KEY",
        [*C, "StringEquals", None],
    ),
    (
        "aws-arn",
        {"ArnEquals": {"aws:ARN": "arn:aws:iam::123456789012:root"}},
        "UNSUPPORTED_GLOBAL_CONDITION_KEY",
        [*C, "ArnEquals", None],
    ),
    (
        "tag-without-key",
        {"StringEquals": {"aws:ResourceTag": "x"}},
        "MISSING_TAG_KEY_IN_CONDITION",
        [*C, "StringEquals", None],
    ),
    (
        "unknown-service-key-prefix",
        {"StringEquals": {"s4:prefix": "x"}},
        "INVALID_SERVICE",
        [*C, "StringEquals", None],
    ),
    (
        "unknown-service-key",
        {"StringEquals": {"s3:prefixx": "x"}},
        "INVALID_SERVICE_CONDITION_KEY",
        [*C, "StringEquals", None],
    ),
    (
        "duplicate-case",
        {"StringEquals": {"aws:username": "a", "aws:UserName": "b"}},
        "DUPLICATE_KEYS_WITH_DIFFERENT_CASE",
        [*C, "StringEquals", None],
    ),
    (
        "bool-key-string-op",
        {"StringEquals": {"aws:SecureTransport": "true"}},
        "TYPE_MISMATCH",
        [*C, "StringEquals", None],
    ),
    (
        "numeric-key-string-op",
        {"StringEquals": {"aws:MultiFactorAuthAge": "3600"}},
        "TYPE_MISMATCH",
        [*C, "StringEquals", None],
    ),
    (
        "string-like-on-arn",
        {"StringLike": {"aws:SourceArn": "arn:aws:sns:*:123456789012:t"}},
        "STRING_LIKE_OPERATOR_WITH_ARN_CONDITION_KEYS",
        [*C, "StringLike", None],
    ),
    (
        "bool-value",
        {"Bool": {"aws:SecureTransport": "yes"}},
        "TYPE_MISMATCH_BOOLEAN",
        [*C, "Bool", "aws:SecureTransport"],
    ),
    (
        "multiple-bool",
        {"Bool": {"aws:SecureTransport": ["true", "false"]}},
        "INVALID_CONDITION_MULTIPLE_BOOLEAN",
        [*C, "Bool", "aws:SecureTransport"],
    ),
    (
        "numeric-value",
        {"NumericLessThan": {"aws:MultiFactorAuthAge": "one hour"}},
        "TYPE_MISMATCH_NUMBER",
        [*C, "NumericLessThan", "aws:MultiFactorAuthAge"],
    ),
    (
        "date-value",
        {"DateGreaterThan": {"aws:CurrentTime": "yesterday"}},
        "TYPE_MISMATCH_DATE",
        [*C, "DateGreaterThan", "aws:CurrentTime"],
    ),
    (
        "epoch-date",
        {"DateGreaterThan": {"aws:CurrentTime": "1700000000"}},
        "INVALID_DATE_VALUE",
        [*C, "DateGreaterThan", "aws:CurrentTime"],
    ),
    (
        "binary-value",
        {"BinaryEquals": {"aws:username": "not base64!"}},
        "TYPE_MISMATCH_STRING",
        [*C, "BinaryEquals", "aws:username"],
    ),
    (
        "wildcard-equals",
        {"StringEquals": {"aws:PrincipalTag/team": "dev-*"}},
        "WILDCARD_WITHOUT_LIKE_OPERATOR",
        [*C, "StringEquals", "aws:PrincipalTag/team"],
    ),
    (
        "like-star",
        {"StringLike": {"aws:ResourceTag/team": "*"}},
        "EQUIVALENT_TO_NULL_FALSE",
        [*C, "StringLike", "aws:ResourceTag/team"],
    ),
    (
        "like-star-list",
        {"StringLike": {"aws:ResourceTag/team": ["*"]}},
        "EQUIVALENT_TO_NULL_FALSE",
        [*C, "StringLike", "aws:ResourceTag/team", 0],
    ),
    (
        "forall-single",
        {"ForAllValues:StringEquals": {"aws:PrincipalOrgID": "o-abc"}},
        "FORALLVALUES_WITH_SINGLE_VALUED_KEY",
        [*C, None],
    ),
    (
        "missing-qualifier",
        {"StringEquals": {"aws:TagKeys": "team"}},
        "MISSING_QUALIFIER",
        [*C, "StringEquals", None],
    ),
    (
        "empty-values",
        {"StringEquals": {"aws:username": []}},
        "EMPTY_ARRAY_CONDITION",
        [*C, "StringEquals", "aws:username"],
    ),
    (
        "empty-forall",
        {"ForAllValues:StringEquals": {"aws:TagKeys": []}},
        "EMPTY_ARRAY_CONDITION_FORALLVALUES",
        [*C, "ForAllValues:StringEquals", "aws:TagKeys"],
    ),
    (
        "empty-foranyvalue",
        {"ForAnyValue:StringEquals": {"aws:TagKeys": []}},
        "EMPTY_ARRAY_CONDITION_FORANYVALUE",
        [*C, "ForAnyValue:StringEquals", "aws:TagKeys"],
    ),
    (
        "empty-ifexists",
        {"StringEqualsIfExists": {"aws:username": []}},
        "EMPTY_ARRAY_CONDITION_IFEXISTS",
        [*C, "StringEqualsIfExists", "aws:username"],
    ),
    (
        "redundant-num",
        {"NumericLessThan": {"aws:MultiFactorAuthAge": ["2700", "3600"]}},
        "REDUNDANT_CONDITION_VALUE_NUM",
        [*C, "NumericLessThan", "aws:MultiFactorAuthAge"],
    ),
    (
        "called-via-format",
        {"ForAnyValue:StringEquals": {"aws:CalledVia": ["a.b.amazonaws.com"]}},
        "INVALID_SERVICE_PRINCIPAL_FORMAT",
        [*C, "ForAnyValue:StringEquals", "aws:CalledVia", 0],
    ),
    (
        "kms-via-service",
        {"StringEquals": {"kms:ViaService": "s3.amazonaws.com"}},
        "INVALID_SERVICE_PRINCIPAL_FORMAT",
        [*C, "StringEquals", "kms:ViaService"],
    ),
    (
        "vpc-format",
        {"StringEquals": {"aws:SourceVpc": "vpc1"}},
        "INVALID_VPC_FORMAT",
        [*C, "StringEquals", "aws:SourceVpc"],
    ),
    (
        "vpce-format",
        {"StringEquals": {"aws:SourceVpce": "vpc-1234abcd"}},
        "INVALID_VPCE_FORMAT",
        [*C, "StringEquals", "aws:SourceVpce"],
    ),
    (
        "region-value",
        {"StringEquals": {"aws:RequestedRegion": "us-east"}},
        "INVALID_REGION",
        [*C, "StringEquals", "aws:RequestedRegion"],
    ),
    (
        "vpc-source-ip-alone",
        {"IpAddress": {"aws:VpcSourceIp": "10.0.0.0/8"}},
        "MISSING_PAIRED_CONDITION_KEYS",
        [*C, "IpAddress", None],
    ),
    (
        "ip-garbage",
        {"IpAddress": {"aws:SourceIp": "300.1.1.1/8"}},
        "TYPE_MISMATCH_IP_RANGE",
        [*C, "IpAddress", "aws:SourceIp"],
    ),
    (
        "ip-host-bits",
        {"IpAddress": {"aws:SourceIp": "203.0.113.7/24"}},
        "IMPROVE_IP_RANGE",
        [*C, "IpAddress", "aws:SourceIp"],
    ),
    (
        "private-ip",
        {"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.168.0.0/16"]}},
        "PRIVATE_IP_ADDRESS",
        [*C, "IpAddress", "aws:SourceIp"],
    ),
    (
        "private-not-ip",
        {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
        "PRIVATE_NOT_IP_ADDRESS",
        [*C, "NotIpAddress", "aws:SourceIp"],
    ),
    (
        "private-subset",
        {"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "203.0.113.0/24"]}},
        "PRIVATE_IP_ADDRESS_SUBSET",
        [*C, "IpAddress", "aws:SourceIp"],
    ),
    (
        "private-not-subset",
        {"NotIpAddress": {"aws:SourceIp": ["10.0.0.0/8", "203.0.113.0/24"]}},
        "PRIVATE_NOT_IP_ADDRESS_SUBSET",
        [*C, "NotIpAddress", "aws:SourceIp"],
    ),
    (
        "variable-numeric",
        {"NumericEquals": {"aws:MultiFactorAuthAge": "${aws:username}"}},
        "INVALID_VARIABLE_FOR_OPERATOR",
        [*C, "NumericEquals", "aws:MultiFactorAuthAge"],
    ),
    (
        "missing-brace",
        {"StringEquals": {"aws:username": "${aws:userid"}},
        "MISSING_BRACE_IN_VARIABLE",
        [*C, "StringEquals", "aws:username"],
    ),
    (
        "empty-variable",
        {"StringEquals": {"aws:username": "${}"}},
        "EMPTY_VARIABLE",
        [*C, "StringEquals", "aws:username"],
    ),
    (
        "space-variable",
        {"StringEquals": {"aws:username": "${aws: userid}"}},
        "UNSUPPORTED_SPACE_IN_VARIABLE",
        [*C, "StringEquals", "aws:username"],
    ),
    (
        "unquoted-default",
        {"StringEquals": {"aws:username": "${aws:userid, anonymous}"}},
        "MISSING_QUOTE_IN_VARIABLE",
        [*C, "StringEquals", "aws:username"],
    ),
]

NEGATIVE = [
    ("arn-key-string-equals", {"StringEquals": {"aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:t"}}),
    ("arn-like-on-string-key", {"ArnLike": {"aws:RequestTag/x": "arn:aws:ecs:*:*:task/*"}}),
    ("arn-equals-wildcard", {"ArnEquals": {"aws:SourceArn": "arn:aws:sns:*:123456789012:*"}}),
    ("tag-template", {"StringEquals": {"aws:PrincipalTag/team": "${aws:username}"}}),
    ("epoch-time-numeric", {"NumericLessThan": {"aws:EpochTime": "1700000000"}}),
    ("iso-date", {"DateLessThan": {"aws:CurrentTime": "2026-12-31T23:59:59Z"}}),
    ("oidc-key", {"StringEquals": {"accounts.google.com:aud": "x"}}),
    ("public-ip", {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:db8::/32"]}}),
    (
        "paired",
        {"IpAddress": {"aws:VpcSourceIp": "10.0.0.0/8"}, "StringEquals": {"aws:SourceVpc": "vpc-1a2b3c4d"}},
    ),
    ("called-via", {"ForAnyValue:StringEquals": {"aws:CalledVia": "cloudformation.amazonaws.com"}}),
    ("default-variable", {"StringEquals": {"aws:username": "${aws:userid, 'anonymous'}"}}),
    ("service-key-case", {"StringEquals": {"S3:Prefix": "home/"}}),
    ("like-prefix", {"StringLike": {"aws:PrincipalTag/team": "dev-*"}}),
]


@pytest.mark.parametrize(("cond", "code", "path"), [c[1:] for c in POSITIVE], ids=[c[0] for c in POSITIVE])
def test_reports(validate, cond, code, path):
    findings = validate(policy(allow(Condition=cond)))
    assert code in codes_of(findings), findings
    assert path in paths_of(findings, code)


@pytest.mark.parametrize("cond", [c[1] for c in NEGATIVE], ids=[c[0] for c in NEGATIVE])
def test_valid_conditions_pass(validate, cond):
    assert validate(policy(allow(Condition=cond))) == []


def test_variable_outside_resource_and_condition(validate):
    findings = validate(policy(allow(action="s3:${aws:username}")))
    assert "VARIABLE_UNSUPPORTED_IN_ELEMENT" in codes_of(findings)


def test_variable_needs_version(validate):
    findings = validate(policy(allow(resource="arn:aws:s3:::b/${aws:username}/*"), version="2008-10-17"))
    assert paths_of(findings, "VARIABLE_UNSUPPORTED_IN_VERSION") == [["Version"]]


TAG_CASES = [
    (
        "allow",
        "Allow",
        "Action",
        ["ec2:StartInstances", "sts:GetCallerIdentity"],
        "ALLOW_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
        [["Statement", 0, "Action", 1]],
    ),
    (
        "deny",
        "Deny",
        "Action",
        ["ec2:StartInstances", "sts:GetCallerIdentity"],
        "DENY_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
        [["Statement", 0, "Action", 1]],
    ),
    (
        "allow-notaction",
        "Allow",
        "NotAction",
        ["iam:*"],
        "ALLOW_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
        [["Statement", 0, "NotAction"]],
    ),
    (
        "deny-notaction",
        "Deny",
        "NotAction",
        ["iam:*"],
        "DENY_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
        [["Statement", 0, "NotAction"]],
    ),
]


@pytest.mark.parametrize(
    ("effect", "element", "actions", "code", "paths"),
    [c[1:] for c in TAG_CASES],
    ids=[c[0] for c in TAG_CASES],
)
def test_tag_condition_keys(validate, effect, element, actions, code, paths):
    st = {
        "Effect": effect,
        element: actions,
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:ResourceTag/team": "a"}},
    }
    findings = validate(policy(st))
    assert paths_of(findings, code) == [*paths, ["Statement", 0, "Condition", "StringEquals", None]]


def test_tag_on_create_actions_count_as_tag_aware(validate):
    st = allow(action=["ec2:CreateVolume"], Condition={"StringEquals": {"aws:ResourceTag/team": "a"}})
    assert validate(policy(st)) == []


@pytest.mark.parametrize(
    ("actions", "flagged"),
    [(["ec2:*"], False), (["sts:GetCaller*"], True)],
    ids=["wildcard-partly-tag-aware", "wildcard-never-tag-aware"],
)
def test_tag_condition_with_wildcard_actions(validate, actions, flagged):
    st = allow(action=actions, Condition={"StringEquals": {"aws:ResourceTag/team": "a"}})
    codes = codes_of(validate(policy(st)))
    assert ("ALLOW_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE" in codes) is flagged


@pytest.mark.parametrize(
    ("operator", "instead"),
    [
        ("StringLike", "ArnLike"),
        ("StringNotLike", "ArnNotLike"),
        ("StringLikeIfExists", "ArnLike"),
        ("StringNotLikeIfExists", "ArnNotLike"),
        ("ForAnyValue:StringLike", "ArnLike"),
        ("stringlike", "ArnLike"),
        ("STRINGNOTLIKEIFEXISTS", "ArnNotLike"),
    ],
)
def test_every_string_like_form_on_an_arn_key_is_the_string_like_warning(validate, operator, instead):
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html
    # #access-analyzer-reference-policy-checks-security-warning-string-like-operator-with-arn-condition-keys
    st = allow(Condition={operator: {"aws:PrincipalArn": "arn:aws:iam::*:role/admin*"}})
    findings = [f for f in validate(policy(st)) if f.issue_code == "STRING_LIKE_OPERATOR_WITH_ARN_CONDITION_KEYS"]
    assert len(findings) == 1 and instead in findings[0].message
    assert findings[0].locations == [["Statement", 0, "Condition", operator, None]]  # the key itself


def test_string_equals_on_an_arn_key_is_not_the_string_like_warning(validate):
    st = allow(Condition={"StringEquals": {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/admin"}})
    assert validate(policy(st)) == []


def test_condition_keys_of_retired_services_are_not_invalid_services(validate):
    st = allow(action="deepracer:ListModels", Condition={"StringEquals": {"deepracer:UserToken": "x"}})
    assert validate(policy(st)) == []


@pytest.mark.parametrize("operator", ["StringEquals", "StringLikeIfExists", "ArnEquals", "StringNotEquals"])
def test_unqualified_operator_on_a_multivalued_service_key_is_missing_qualifier(validate, operator):
    # a service key the Service Authorization Reference types ArrayOf* needs a set qualifier, like a global one:
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
    from least_privilege_constructs.analysis.catalog import get_catalog

    cat = get_catalog()
    key = next(
        rec["key"]
        for svc in ("organizations", "ec2", "s3", "kms")
        for rec in cat.condition_keys_of(svc).values()
        if str(rec.get("type", "")).startswith("ArrayOf") and "${" not in rec["key"]
    )
    st = allow(Condition={operator: {key: "x"}})
    findings = validate(policy(st))
    assert ["Statement", 0, "Condition", operator, None] in paths_of(findings, "MISSING_QUALIFIER")
    qualified = allow(Condition={f"ForAnyValue:{operator}": {key: "x"}})
    assert "MISSING_QUALIFIER" not in codes_of(validate(policy(qualified)))


def test_documented_organization_key_is_a_valid_global_key(validate):
    st = allow(Condition={"StringEquals": {"aws:PrincipalOrgMasterAccountId": "${aws:PrincipalAccount}"}})
    assert "INVALID_GLOBAL_CONDITION_KEY" not in codes_of(validate(policy(st)))
    typo = allow(Condition={"StringEquals": {"aws:PrincipalOrgMasterAcountId": "1"}})
    assert "INVALID_GLOBAL_CONDITION_KEY" in codes_of(validate(policy(typo)))


def test_condition_keys_of_recently_removed_services_are_not_invalid_services(validate):
    # iotevents left the service reference after 2026-03-07 (data/removed_actions.json)
    st = allow(action="iotevents:ListInputs", Condition={"StringEquals": {"iotevents:keyValue": "x"}})
    assert validate(policy(st)) == []
