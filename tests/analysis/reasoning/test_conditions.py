"""One row per operator behaviour (cfn-lint style readable ids): the evaluator's condition semantics."""

from __future__ import annotations

from typing import Any

import pytest

from least_privilege_constructs.analysis.reasoning.conditions import OPERATORS, condition_matches, parse_date
from least_privilege_constructs.analysis.reasoning.policy import PolicyError, parse_policy


def cond(block: dict[str, Any]):
    doc = {"Version": "2012-10-17",
           "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": block}}
    (c,) = parse_policy(doc).statements[0].conditions
    return c


K = "aws:PrincipalTag/team"
CASES = [
    # operator block, context, expected
    ("StringEquals-match", {"StringEquals": {K: "dev"}}, {K: "dev"}, True),
    ("StringEquals-case-sensitive", {"StringEquals": {K: "dev"}}, {K: "Dev"}, False),
    ("StringEquals-star-is-literal", {"StringEquals": {K: "d*"}}, {K: "dev"}, False),
    ("StringEquals-any-of-values", {"StringEquals": {K: ["ops", "dev"]}}, {K: "dev"}, True),
    ("StringEquals-missing-key", {"StringEquals": {K: "dev"}}, {}, False),
    ("StringNotEquals-other", {"StringNotEquals": {K: "dev"}}, {K: "ops"}, True),
    ("StringNotEquals-same", {"StringNotEquals": {K: "dev"}}, {K: "dev"}, False),
    ("StringNotEquals-missing-key-is-true", {"StringNotEquals": {K: "dev"}}, {}, True),
    ("StringEqualsIgnoreCase", {"StringEqualsIgnoreCase": {K: "DEV"}}, {K: "dev"}, True),
    ("StringNotEqualsIgnoreCase", {"StringNotEqualsIgnoreCase": {K: "DEV"}}, {K: "dev"}, False),
    ("StringLike-star", {"StringLike": {K: "d*"}}, {K: "dev"}, True),
    ("StringLike-question", {"StringLike": {K: "?ev"}}, {K: "dev"}, True),
    ("StringLike-no-match", {"StringLike": {K: "o*"}}, {K: "dev"}, False),
    ("StringNotLike", {"StringNotLike": {K: "o*"}}, {K: "dev"}, True),
    ("StringNotLike-missing-key-is-true", {"StringNotLike": {K: "o*"}}, {}, True),
    ("StringEqualsIfExists-missing", {"StringEqualsIfExists": {K: "dev"}}, {}, True),
    ("StringEqualsIfExists-present-other", {"StringEqualsIfExists": {K: "dev"}}, {K: "ops"}, False),
    ("key-name-case-insensitive", {"StringEquals": {"AWS:PrincipalTag/TEAM": "dev"}}, {K: "dev"}, True),
    ("variable-resolved", {"StringLike": {"s3:prefix": "home/${aws:username}/*"}},
     {"s3:prefix": "home/alice/x", "aws:username": "alice"}, True),
    ("variable-other-user", {"StringLike": {"s3:prefix": "home/${aws:username}/*"}},
     {"s3:prefix": "home/bob/x", "aws:username": "alice"}, False),
    ("variable-unresolved-positive", {"StringLike": {"s3:prefix": "home/${aws:username}/*"}},
     {"s3:prefix": "home/x/y"}, False),
    # IAM User Guide, Variables and tags, "Policy variables with no value": "Inverted condition operators
    # like StringNotEquals or StringNotLike do match against a null value"
    ("variable-unresolved-negated-is-true", {"StringNotEquals": {"s3:prefix": "${aws:username}"}},
     {"s3:prefix": "x"}, True),
    ("variable-unresolved-negated-like-is-true", {"StringNotLike": {"s3:prefix": "home/${aws:username}/*"}},
     {"s3:prefix": "home/x/y"}, True),
    ("variable-unresolved-arn-not-like-is-true", {"ArnNotLike": {"aws:SourceArn": "arn:aws:s3:::${aws:username}"}},
     {"aws:SourceArn": "arn:aws:s3:::x"}, True),
    ("variable-default", {"StringEquals": {"s3:prefix": "${aws:username, 'nobody'}"}}, {"s3:prefix": "nobody"}, True),
    ("variable-escape-star", {"StringEquals": {"s3:prefix": "a${*}"}}, {"s3:prefix": "a*"}, True),
    ("NumericEquals", {"NumericEquals": {"aws:MultiFactorAuthAge": "300"}}, {"aws:MultiFactorAuthAge": "300.0"}, True),
    ("NumericNotEquals", {"NumericNotEquals": {"aws:MultiFactorAuthAge": "300"}}, {"aws:MultiFactorAuthAge": "3"}, True),
    ("NumericLessThan", {"NumericLessThan": {"aws:MultiFactorAuthAge": "300"}}, {"aws:MultiFactorAuthAge": "299"}, True),
    ("NumericLessThan-equal", {"NumericLessThan": {"aws:MultiFactorAuthAge": "300"}}, {"aws:MultiFactorAuthAge": "300"}, False),
    ("NumericLessThanEquals", {"NumericLessThanEquals": {"aws:MultiFactorAuthAge": "300"}}, {"aws:MultiFactorAuthAge": "300"}, True),
    ("NumericGreaterThan", {"NumericGreaterThan": {"aws:MultiFactorAuthAge": "300"}}, {"aws:MultiFactorAuthAge": "301"}, True),
    ("NumericGreaterThanEquals", {"NumericGreaterThanEquals": {"aws:MultiFactorAuthAge": "300"}}, {"aws:MultiFactorAuthAge": "299"}, False),
    ("Numeric-unparseable-request", {"NumericLessThan": {"aws:MultiFactorAuthAge": "300"}}, {"aws:MultiFactorAuthAge": "abc"}, False),
    ("DateEquals", {"DateEquals": {"aws:CurrentTime": "2024-01-01T00:00:00Z"}}, {"aws:CurrentTime": "2024-01-01T00:00:00Z"}, True),
    ("DateNotEquals", {"DateNotEquals": {"aws:CurrentTime": "2024-01-01"}}, {"aws:CurrentTime": "2024-01-02"}, True),
    ("DateLessThan", {"DateLessThan": {"aws:CurrentTime": "2024-01-01T00:00:00Z"}}, {"aws:CurrentTime": "2023-12-31T23:59:59Z"}, True),
    ("DateLessThanEquals-epoch", {"DateLessThanEquals": {"aws:EpochTime": "1704067200"}}, {"aws:EpochTime": "2024-01-01T00:00:00Z"}, True),
    ("DateGreaterThan", {"DateGreaterThan": {"aws:CurrentTime": "2024-01-01"}}, {"aws:CurrentTime": "2023-06-01"}, False),
    ("DateGreaterThanEquals-offset", {"DateGreaterThanEquals": {"aws:CurrentTime": "2024-01-01T00:00:00Z"}},
     {"aws:CurrentTime": "2024-01-01T01:00:00+01:00"}, True),
    ("Bool-true", {"Bool": {"aws:SecureTransport": "true"}}, {"aws:SecureTransport": "TRUE"}, True),
    ("Bool-false", {"Bool": {"aws:SecureTransport": "false"}}, {"aws:SecureTransport": "true"}, False),
    ("Bool-json-boolean", {"Bool": {"aws:SecureTransport": True}}, {"aws:SecureTransport": "true"}, True),
    ("BoolIfExists-missing", {"BoolIfExists": {"aws:SecureTransport": "false"}}, {}, True),
    ("BinaryEquals", {"BinaryEquals": {"aws:BinaryCustom": "QmluYXJ5"}}, {"aws:BinaryCustom": "QmluYXJ5"}, True),
    ("BinaryEquals-other", {"BinaryEquals": {"aws:BinaryCustom": "QmluYXJ5"}}, {"aws:BinaryCustom": "dGVzdA=="}, False),
    ("IpAddress-in-cidr", {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {"aws:SourceIp": "10.1.2.3"}, True),
    ("IpAddress-outside", {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {"aws:SourceIp": "11.0.0.1"}, False),
    ("IpAddress-single-host", {"IpAddress": {"aws:SourceIp": "203.0.113.5"}}, {"aws:SourceIp": "203.0.113.5"}, True),
    ("IpAddress-ipv6", {"IpAddress": {"aws:SourceIp": "2001:db8::/32"}}, {"aws:SourceIp": "2001:db8::1"}, True),
    ("NotIpAddress", {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {"aws:SourceIp": "11.0.0.1"}, True),
    ("NotIpAddress-missing-is-true", {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {}, True),
    ("ArnEquals-wildcards", {"ArnEquals": {"aws:SourceArn": "arn:aws:iam::*:role/app"}},
     {"aws:SourceArn": "arn:aws:iam::111122223333:role/app"}, True),
    ("ArnLike", {"ArnLike": {"aws:SourceArn": "arn:aws:sqs:*:111122223333:q?"}},
     {"aws:SourceArn": "arn:aws:sqs:us-east-1:111122223333:q1"}, True),
    ("ArnLike-case-sensitive", {"ArnLike": {"aws:SourceArn": "arn:aws:iam::*:role/App"}},
     {"aws:SourceArn": "arn:aws:iam::1:role/app"}, False),
    ("ArnNotEquals", {"ArnNotEquals": {"aws:SourceArn": "arn:aws:iam::*:role/app"}},
     {"aws:SourceArn": "arn:aws:iam::1:role/other"}, True),
    ("ArnNotLike-missing-is-true", {"ArnNotLike": {"aws:SourceArn": "arn:aws:iam::*:role/app"}}, {}, True),
    ("Null-true-absent", {"Null": {K: "true"}}, {}, True),
    ("Null-true-present", {"Null": {K: "true"}}, {K: "dev"}, False),
    ("Null-false-present", {"Null": {K: "false"}}, {K: "dev"}, True),
    ("ForAllValues-subset", {"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]}}, {"aws:TagKeys": ["team"]}, True),
    ("ForAllValues-extra-value", {"ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}},
     {"aws:TagKeys": ["team", "owner"]}, False),
    ("ForAllValues-missing-is-true", {"ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}}, {}, True),
    ("ForAllValues-empty-set-is-true", {"ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}}, {"aws:TagKeys": []}, True),
    ("ForAnyValue-one-matches", {"ForAnyValue:StringEquals": {"aws:TagKeys": ["team"]}}, {"aws:TagKeys": ["x", "team"]}, True),
    ("ForAnyValue-none", {"ForAnyValue:StringEquals": {"aws:TagKeys": ["team"]}}, {"aws:TagKeys": ["x"]}, False),
    ("ForAnyValue-missing-is-false", {"ForAnyValue:StringEquals": {"aws:TagKeys": ["team"]}}, {}, False),
    ("ForAnyValue-IfExists-missing-is-false", {"ForAnyValue:StringEqualsIfExists": {"aws:TagKeys": ["team"]}}, {}, False),
    ("ForAnyValue-negated", {"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["team"]}}, {"aws:TagKeys": ["team", "x"]}, True),
    ("ForAllValues-negated", {"ForAllValues:StringNotLike": {"aws:TagKeys": ["t*"]}}, {"aws:TagKeys": ["team", "x"]}, False),
    ("single-value-operator-on-list-is-false", {"StringEquals": {"aws:TagKeys": "team"}}, {"aws:TagKeys": ["team"]}, False),
    ("negated-operator-on-list-is-false", {"StringNotEquals": {"aws:TagKeys": "team"}}, {"aws:TagKeys": ["x"]}, False),
]


@pytest.mark.parametrize("block,context,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_operator(block: dict[str, Any], context: dict[str, Any], expected: bool) -> None:
    assert condition_matches(cond(block), context) is expected


def test_variables_are_literal_text_without_version_2012_10_17() -> None:
    """IAM User Guide, IAM JSON policy elements: Version — without "2012-10-17" (absent: 2008-10-17)
    policy variables do not work: ``${aws:username}`` is compared as literal text."""
    block = {"StringEquals": {"s3:prefix": "${aws:username}"}}
    for version in (None, "2008-10-17"):
        doc: dict[str, Any] = {"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": block}}
        if version:
            doc["Version"] = version
        (c,) = parse_policy(doc).statements[0].conditions
        assert condition_matches(c, {"s3:prefix": "${aws:username}", "aws:username": "alice"}) is True
        assert condition_matches(c, {"s3:prefix": "alice", "aws:username": "alice"}) is False


def test_every_operator_has_a_case() -> None:
    covered = set()
    for _, block, _, _ in CASES:
        op = next(iter(block)).rpartition(":")[2]
        covered.add(op[: -len("IfExists")] if op.endswith("IfExists") else op)
    assert set(OPERATORS) <= covered


@pytest.mark.parametrize(
    "bad,message",
    [
        ({"StringEqualz": {K: "x"}}, "unknown condition operator"),
        ({"ForSomeValues:StringEquals": {K: "x"}}, "unknown set operator"),
        ({"NullIfExists": {K: "true"}}, "Null cannot be combined"),
        ({"StringEquals": "x"}, "expected an object of condition keys"),
    ],
    ids=["unknown-operator", "unknown-set-operator", "null-if-exists", "block-not-object"],
)
def test_bad_operator_names_the_path(bad: dict[str, Any], message: str) -> None:
    with pytest.raises(PolicyError, match=message) as err:
        cond(bad)
    assert "Statement[0].Condition" in str(err.value)


@pytest.mark.parametrize(
    "text,epoch",
    [("2024-01-01", 1704067200.0), ("2024-01-01T00:00:00Z", 1704067200.0), ("1704067200", 1704067200.0),
     ("2024-01-01T02:00:00+02:00", 1704067200.0), ("nonsense", None)],
    ids=["date", "datetime-z", "epoch", "offset", "invalid"],
)
def test_parse_date(text: str, epoch: float | None) -> None:
    assert parse_date(text) == epoch
