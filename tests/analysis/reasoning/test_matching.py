"""Globs, ARNs, case rules, principals and policy variables."""

from __future__ import annotations

import pytest

from least_privilege_constructs.analysis.iam.variables import Lit, Var, Wild, resolve, tokenize
from least_privilege_constructs.analysis.iam.wildcards import action_matches
from least_privilege_constructs.analysis.iam.wildcards import arn_matches as resource_matches
from least_privilege_constructs.analysis.reasoning.matching import principal_match_level, resources_apply
from least_privilege_constructs.analysis.reasoning.policy import PrincipalEntry
from least_privilege_constructs.analysis.reasoning.strings import Glob, find_witness, minimal_conflict


@pytest.mark.parametrize(
    "pattern,action,expected",
    [("s3:GetObject", "s3:getobject", True), ("S3:Get*", "s3:GetObject", True), ("s3:?etObject", "s3:GetObject", True),
     ("*", "iam:PassRole", True), ("s3:*", "s3express:CreateSession", False), ("iam:*User", "iam:CreateUser", True),
     ("iam:*User", "iam:CreateUserPolicy", False)],
    ids=["case-insensitive", "prefix-wildcard", "question-mark", "star", "service-boundary", "suffix", "suffix-miss"],
)
def test_action_matching(pattern: str, action: str, expected: bool) -> None:
    assert action_matches(pattern, action) is expected


@pytest.mark.parametrize(
    "pattern,resource,context,expected",
    [("*", "anything", {}, True), ("arn:aws:s3:::b/*", "arn:aws:s3:::b/x/y", {}, True),
     ("arn:aws:s3:::B/*", "arn:aws:s3:::b/x", {}, False), ("arn:aws:s3:::b?", "arn:aws:s3:::b1", {}, True),
     ("arn:aws:s3:::home/${aws:username}/*", "arn:aws:s3:::home/alice/x", {"aws:username": "alice"}, True),
     ("arn:aws:s3:::home/${aws:username}/*", "arn:aws:s3:::home/alice/x", {}, None),
     ("arn:aws:s3:::home/${aws:username}", "arn:aws:s3:::home/*", {"aws:username": "*"}, True),
     ("arn:aws:s3:::home/${aws:username}", "arn:aws:s3:::home/bob", {"aws:username": "*"}, False)],
    ids=["star", "glob-crosses-slash", "arn-case-sensitive", "question", "variable", "variable-unresolved",
         "variable-value-is-literal", "variable-star-value-not-wildcard"],
)
def test_resource_matching(pattern: str, resource: str, context: dict, expected: bool | None) -> None:
    assert resource_matches(pattern, resource, context) is expected


def test_not_resource_with_unresolved_variable_excludes_nothing() -> None:
    """IAM User Guide, Variables and tags, "Policy variables with no value": a Resource or NotResource
    pattern holding a variable with no value "will not match any resource" — so NotResource excludes
    nothing and the statement applies (the previous reading excluded what the pattern could denote)."""
    pattern = ("arn:aws:s3:::home/${aws:username}/*",)
    assert resources_apply(None, pattern, "arn:aws:s3:::home/alice/x", {}) is True
    assert resources_apply(None, pattern, "arn:aws:s3:::other/x", {}) is True
    assert resources_apply(None, pattern, "arn:aws:s3:::home/alice/x", {"aws:username": "alice"}) is False
    assert resources_apply(pattern, None, "arn:aws:s3:::home/alice/x", {}) is False


@pytest.mark.parametrize(
    "pattern,resource,expected",
    [("arn:aws:iam::*:role/x", "arn:aws:iam::111122223333:role/x", True),
     ("arn:aws:iam::1*:role/*", "arn:aws:iam::111122223333:role/a:b", True),
     ("arn:aws:s3:::*", "arn:aws:s3:::b/k:x", True),
     # a * in the region segment does not span the ':' into the account
     ("arn:aws:sqs:us-*:queue", "arn:aws:sqs:us-east-1:111122223333:queue", False),
     ("arn:aws:sqs:*", "arn:aws:sqs:us-east-1:111122223333:queue", True),  # short, padded with *
     ("arn:aws:s3", "arn:aws:s3:::b", False),  # short without a trailing * matches nothing
     ("arn:aws:iam::?:role/x", "arn:aws:iam:::role/x", False),
     ("arn:aws:ec2:*:*:instance/*", "arn:aws:ec2:us-east-1:111122223333:instance/i-1", True)],
    ids=["wild-account", "partial-account", "resource-part-crosses-colon", "no-cross-segment", "short-padded",
         "short-not-padded", "question-needs-a-char", "all-wild"],
)
def test_arn_segments(pattern: str, resource: str, expected: bool) -> None:
    """IAM User Guide, IAM JSON policy elements: Resource — wildcards within one ARN segment."""
    assert resource_matches(pattern, resource, {}) is expected


ACCOUNT = "111122223333"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/app"
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/app/s1"


@pytest.mark.parametrize(
    "entry,principal,level",
    [(PrincipalEntry("*", "*"), "*", "wildcard"), (PrincipalEntry("AWS", "*"), ROLE, "wildcard"),
     (PrincipalEntry("AWS", "*"), "lambda.amazonaws.com", None), (PrincipalEntry("AWS", ACCOUNT), ROLE, "account"),
     (PrincipalEntry("AWS", f"arn:aws:iam::{ACCOUNT}:root"), SESSION, "account"),
     (PrincipalEntry("AWS", ROLE), ROLE, "exact"), (PrincipalEntry("AWS", ROLE), SESSION, "session"),
     (PrincipalEntry("AWS", "444455556666"), ROLE, None),
     (PrincipalEntry("Service", "lambda.amazonaws.com"), "lambda.amazonaws.com", "exact")],
    ids=["star", "aws-star", "aws-star-not-service", "account-id", "account-root-covers-session", "exact-role",
         "role-covers-session", "other-account", "service"],
)
def test_principal_levels(entry: PrincipalEntry, principal: str, level: str | None) -> None:
    assert principal_match_level(entry, principal) == level


def test_tokenize_and_resolve() -> None:
    tokens = tokenize("a/${aws:PrincipalTag/team, 'none'}/${*}?")
    assert tokens == (Lit("a/"), Var("aws:PrincipalTag/team", "none"), Lit("/*"), Wild("?"))
    assert resolve(tokens, {}) == (Lit("a/"), Lit("none"), Lit("/*"), Wild("?"))


@pytest.mark.parametrize(
    "pos,neg,expected",
    [(["a*"], [], ""), (["a*", "*b"], [], "ab"), (["a*"], ["a*"], None), (["arn:*"], ["arn:aws:*", "arn:x*"], "arn:"),
     (["x?y"], ["x*"], None)],
    ids=["prefix", "prefix-and-suffix", "contradiction", "shortest", "covered-by-negative"],
)
def test_find_witness(pos: list[str], neg: list[str], expected: str | None) -> None:
    witness = find_witness([Glob.parse(p) for p in pos], [Glob.parse(n) for n in neg])
    if expected is None:
        assert witness is None
        return
    assert witness is not None
    assert all(Glob.parse(p).matches(witness) for p in pos)
    assert not any(Glob.parse(n).matches(witness) for n in neg)
    if expected:
        assert witness.startswith(expected[0])


def test_segment_glob_does_not_cross_colons() -> None:
    g = Glob.from_tokens([Lit("a:"), ("s", ""), Lit(":b")])
    assert g.matches("a:xyz:b") and not g.matches("a:x:y:b")


def test_minimal_conflict() -> None:
    pos = [Glob.parse("a*"), Glob.parse("*z"), Glob.parse("b*")]
    keep_p, keep_n = minimal_conflict(pos, [])
    assert sorted(keep_p) == [0, 2] and keep_n == []
