"""Regression: a policy variable that spans ARN segment boundaries never yields a PASS.

``ArnLike aws:PrincipalArn "${aws:PrincipalArn}"``: the IAM User Guide replaces the variable by the
request's value (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html) and never
says whether the pattern is cut into segments first, so the condition may hold for every caller. The checks
answered PASS (the cut-first reading: the one-segment pattern matches no ARN); they must answer FAIL or
UNKNOWN. The core's rule 6 (``analysis.iam.wildcards``) and the evaluator keep the cut-first reading.
"""

from __future__ import annotations

from typing import Any

import pytest

from least_privilege_constructs.analysis.iam.wildcards import arn_matches
from least_privilege_constructs.analysis.reasoning import (
    PolicySet,
    Request,
    check_access_not_granted,
    check_no_new_access,
    check_no_public_access,
    evaluate,
)
from least_privilege_constructs.analysis.reasoning.request import Outcome

BUCKET_OBJECTS = "arn:aws:s3:::amzn-s3-demo-bucket/*"


def public(operator: str, key: str, value: str, effect: str = "Allow") -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": effect, "Principal": "*", "Action": "s3:GetObject", "Resource": BUCKET_OBJECTS,
             "Condition": {operator: {key: value}}}
        ],
    }


@pytest.mark.parametrize(
    ("operator", "key", "value"),
    [
        ("ArnLike", "aws:PrincipalArn", "${aws:PrincipalArn}"),
        ("ArnEquals", "aws:PrincipalArn", "${aws:PrincipalArn}"),
        ("ArnLike", "aws:SourceArn", "${aws:SourceArn}"),
        ("ArnLike", "aws:PrincipalArn", "${aws:PrincipalTag/arn}"),  # a tag value may hold ":" too
        ("ArnLike", "aws:PrincipalArn", "arn:aws:iam::${aws:PrincipalTag/acct}:role/x"),
    ],
)
def test_no_public_access_is_not_pass(operator: str, key: str, value: str) -> None:
    result = check_no_public_access(public(operator, key, value), "AWS::S3::Bucket")
    assert result.verdict.value in ("FAIL", "UNKNOWN"), result


def test_access_not_granted_is_not_pass() -> None:
    policy = public("ArnLike", "aws:PrincipalArn", "${aws:PrincipalArn}")
    result = check_access_not_granted(policy, ["s3:GetObject"], [], "RESOURCE_POLICY")
    assert result.verdict.value in ("FAIL", "UNKNOWN")


def test_no_new_access_is_not_pass() -> None:
    new = PolicySet.build(resource=public("ArnLike", "aws:PrincipalArn", "${aws:PrincipalArn}"))
    old = PolicySet.build(resource={"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"}]})
    assert check_no_new_access(new, old).verdict.value in ("FAIL", "UNKNOWN")


def test_a_deny_with_a_whole_arn_variable_does_not_make_a_pass() -> None:
    # the public Allow is lifted only by a Deny whose ArnNotLike holds by the cut-first reading (the pattern
    # matches nothing, so "not like" is true for everyone); by the other reading it is false and the
    # bucket stays public: the check must not PASS on the undocumented reading
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": BUCKET_OBJECTS},
        {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": BUCKET_OBJECTS,
         "Condition": {"ArnNotLike": {"aws:PrincipalArn": "${aws:PrincipalArn}"}}},
    ]}
    assert check_no_public_access(policy, "AWS::S3::Bucket").verdict.value == "UNKNOWN"


def test_segment_variables_without_a_colon_still_pass_and_fail_as_before() -> None:
    # an account variable never holds ":": the documented FAIL stays a FAIL ...
    own = public("ArnLike", "aws:PrincipalArn", "arn:aws:iam::${aws:PrincipalAccount}:*")
    # (a generous time budget: on a loaded machine the default 10 s ran out, and the answer was UNKNOWN, fail closed)
    assert check_no_public_access(own, "AWS::S3::Bucket", timeout_ms=120_000).verdict.value == "FAIL"
    # ... and a plain, variable-free ARN condition that pins one account still passes
    pinned = public("ArnLike", "aws:PrincipalArn", "arn:aws:iam::111122223333:role/app")
    assert check_no_public_access(pinned, "AWS::S3::Bucket", timeout_ms=120_000).verdict.value == "PASS"


def test_the_core_and_the_evaluator_keep_the_cut_first_reading() -> None:
    arn = "arn:aws:iam::444455556666:role/outsider"
    assert arn_matches("${aws:PrincipalArn}", arn, {"aws:PrincipalArn": arn}) is False
    request = Request(arn, "s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/k",
                      {"aws:PrincipalArn": arn, "aws:PrincipalAccount": "444455556666"}, "111122223333")
    decision = evaluate(request, PolicySet.build(resource=public("ArnLike", "aws:PrincipalArn", "${aws:PrincipalArn}")))
    assert decision.outcome is Outcome.IMPLICITLY_DENIED
