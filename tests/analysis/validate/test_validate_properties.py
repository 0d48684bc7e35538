"""Property tests: no input crashes validate_policy, and no check fails on it (VALIDATION_CHECK_FAILED)."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from least_privilege_constructs.analysis.findings import Finding
from least_privilege_constructs.analysis.validate import CHECK_FAILED, RESOURCE_TYPES, validate_policy

POLICY_TYPES = st.sampled_from(
    ["IDENTITY_POLICY", "RESOURCE_POLICY", "SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"]
)
RESOURCE_TYPE = st.one_of(st.none(), st.sampled_from(RESOURCE_TYPES))

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5), st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=30,
)

# plausible fragments, so that generated statements reach deep into the checks
fragments = st.one_of(
    json_values,
    st.sampled_from(
        [
            "*",
            "s3:GetObject",
            "iam:PassRole",
            "iam:*",
            "ec2:Describe*",
            "arn:aws:s3:::b/*",
            "arn:aws:iam::*:role/*",
            "arn:aws",
            "${aws:username}",
            "${",
            "${}",
            "10.0.0.0/8",
            "203.0.113.7/24",
            "true",
            "2026-01-01",
            "arn:aws:iam::123456789012:root",
            "sts:AssumeRole",
            "token.actions.githubusercontent.com",
        ]
    ),
)
operators = st.sampled_from(
    [
        "StringEquals",
        "StringLike",
        "ForAllValues:StringEquals",
        "ForAnyValue:StringLike",
        "Bool",
        "NullIfExists",
        "NumericLessThan",
        "DateGreaterThan",
        "IpAddress",
        "NotIpAddress",
        "ArnLike",
        "BinaryEquals",
        "Bogus",
        "StringEqualsIfExists",
        "ForAllValues:Null",
    ]
)
keys = st.sampled_from(
    [
        "aws:SourceIp",
        "aws:username",
        "aws:TagKeys",
        "aws:ResourceTag/t",
        "aws:ResourceTag",
        "aws:PrincipalArn",
        "aws:SecureTransport",
        "s3:prefix",
        "iam:PassedToService",
        "kms:ViaService",
        "aws:CalledVia",
        "x",
        "token.actions.githubusercontent.com:sub",
        "aws:VpcSourceIp",
        "aws:CurrentTime",
    ]
)
conditions = st.dictionaries(
    operators,
    st.dictionaries(keys, st.one_of(fragments, st.lists(fragments, max_size=4)), max_size=3),
    max_size=3,
)
principals = st.one_of(
    fragments,
    st.dictionaries(
        st.sampled_from(["AWS", "Service", "Federated", "CanonicalUser", "Bad"]),
        st.one_of(fragments, st.lists(fragments, max_size=3)),
        max_size=3,
    ),
)
statements = st.fixed_dictionaries(
    {},
    optional={
        "Sid": fragments,
        "Effect": st.one_of(st.sampled_from(["Allow", "Deny"]), fragments),
        "Action": st.one_of(fragments, st.lists(fragments, max_size=6)),
        "NotAction": st.one_of(fragments, st.lists(fragments, max_size=3)),
        "Resource": st.one_of(fragments, st.lists(fragments, max_size=6)),
        "NotResource": st.one_of(fragments, st.lists(fragments, max_size=3)),
        "Principal": principals,
        "NotPrincipal": principals,
        "Condition": st.one_of(conditions, fragments),
    },
)
policies = st.fixed_dictionaries(
    {"Statement": st.one_of(st.lists(st.one_of(statements, fragments), max_size=5), statements, fragments)},
    optional={
        "Version": st.one_of(st.sampled_from(["2012-10-17", "2008-10-17"]), fragments),
        "Id": fragments,
    },
)


def _check(findings: object) -> None:
    assert isinstance(findings, list)
    assert all(isinstance(f, Finding) for f in findings)
    failed = [f.message for f in findings if f.issue_code == CHECK_FAILED]
    assert not failed, failed


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=policies, ptype=POLICY_TYPES, rtype=RESOURCE_TYPE)
def test_structured_policies_never_crash(doc, ptype, rtype):
    _check(validate_policy(doc, ptype, rtype))


@settings(max_examples=150, deadline=None)
@given(doc=json_values, ptype=POLICY_TYPES)
def test_any_json_value(doc, ptype):
    _check(validate_policy(doc, ptype))
    _check(validate_policy(json.dumps(doc), ptype))


@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=200))
def test_arbitrary_bytes(data):
    _check(validate_policy(data))


@settings(max_examples=150, deadline=None)
@given(text=st.text(max_size=200))
def test_arbitrary_text(text):
    _check(validate_policy(text))


def test_deep_nesting_is_a_finding_not_a_recursion_error():
    deep: object = "x"
    for _ in range(5000):
        deep = [deep]
    [finding] = validate_policy({"Version": "2012-10-17", "Statement": deep})
    assert finding.issue_code == "JSON_SYNTAX_ERROR"
    text = "[" * 100_000 + "]" * 100_000
    [finding] = validate_policy(text)
    assert finding.issue_code == "JSON_SYNTAX_ERROR"


def test_huge_policy_is_validated():
    statements = [
        {
            "Sid": f"S{i}",
            "Effect": "Allow",
            "Action": [f"s3:Get{'Object' if i % 2 else 'Bucket*'}", "ec2:Describe*"],
            "Resource": [f"arn:aws:s3:::bucket-{i}/*", f"arn:aws:s3:::bucket-{i}"],
        }
        for i in range(5000)
    ]
    findings = validate_policy({"Version": "2012-10-17", "Statement": statements})
    _check(findings)
    assert "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA" in {f.issue_code for f in findings}


def test_non_json_python_values_are_reported():
    [finding] = validate_policy({"Version": "2012-10-17", "Statement": [{"Effect": {1, 2}}]})
    assert finding.issue_code == "DATA_TYPE_MISMATCH"


def test_python_values_are_normalized_through_json():
    doc = {
        "Version": "2012-10-17",
        "Statement": (
            {
                "Effect": "Allow",
                "Action": ("iam:PassRole",),
                "Resource": "*",
                "Condition": {"NumericEquals": {1: 2}},
            },
        ),
    }
    _check(validate_policy(doc))
    [finding] = validate_policy({"Version": "2012-10-17", "Statement": [{"Effect": float("nan")}]})
    assert finding.issue_code == "DATA_TYPE_MISMATCH"
