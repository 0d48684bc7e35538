"""Regression tests of issue 12: classes of inputs where the offline checks answered PASS while IAM allows.

Each class is a family of cases in the shapes of the IAM User Guide, checked through the public checks
(and the evaluator where a concrete request shows the rule); each cites the page it follows. A check may
answer FAIL or (when it cannot decide) UNKNOWN, never PASS, for an input that IAM allows.
"""

from __future__ import annotations

from typing import Any

import pytest

from least_privilege_constructs.analysis.reasoning import (
    Request,
    Verdict,
    check_access_not_granted,
    check_no_new_access,
    check_no_public_access,
    evaluate,
)

VARIABLES_PAGE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html"
GLOBAL_KEYS_PAGE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html"
OPERATORS_PAGE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html"
RESOURCE_PAGE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html"
VERSION_PAGE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html"
OIDC_KEYS_PAGE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html"

BUCKET = "arn:aws:s3:::amzn-s3-demo-bucket"
ROLE = "arn:aws:iam::111122223333:role/app"


def doc(*stmts: dict[str, Any], version: str | None = "2012-10-17") -> dict[str, Any]:
    out: dict[str, Any] = {"Statement": list(stmts)}
    if version is not None:
        out["Version"] = version
    return out


def public_read(condition: dict[str, Any], principal: Any = "*") -> dict[str, Any]:
    return doc({"Effect": "Allow", "Principal": principal, "Action": "s3:GetObject", "Resource": f"{BUCKET}/*",
                "Condition": condition})


def assert_public(policy: dict[str, Any], resource_type: str = "AWS::S3::Bucket") -> None:
    """FAIL, and the example request of the reason is one the evaluator allows (the encoding did not
    invent access)."""
    r = check_no_public_access(policy, resource_type)
    assert r.verdict is Verdict.FAIL, r
    ex = r.reasons[0].example
    assert ex is not None
    d = evaluate(Request(ex["principal"], ex["action"], ex["resource"], ex["context"]), policy, "RESOURCE_POLICY")
    assert d.allowed, (ex, d.explain())


# -- anonymous callers carry keys ------------------------------------------------------------------
# VARIABLES_PAGE, "Principal key values": Anonymous caller — aws:username (not present),
# aws:userid "anonymous", aws:PrincipalType "Anonymous".
ANONYMOUS = [
    ("userid-anonymous", {"StringEquals": {"aws:userid": "anonymous"}}),
    ("principal-type-anonymous", {"StringEquals": {"aws:PrincipalType": "Anonymous"}}),
    ("principal-type-like", {"StringLike": {"aws:PrincipalType": "Anon*"}}),
    ("userid-not-a-role", {"StringNotLike": {"aws:userid": "AROA*"}}),
]


@pytest.mark.parametrize("condition", [c[1] for c in ANONYMOUS], ids=[c[0] for c in ANONYMOUS])
def test_anonymous_caller_carries_userid_and_principal_type(condition: dict[str, Any]) -> None:
    assert_public(public_read(condition))


def test_evaluator_gives_anonymous_requests_their_keys() -> None:
    policy = public_read({"StringEquals": {"aws:userid": "anonymous", "aws:PrincipalType": "Anonymous"}})
    d = evaluate(Request("*", "s3:GetObject", f"{BUCKET}/k"), policy, "RESOURCE_POLICY")
    assert d.allowed, d.explain()
    # no other principal key is invented: aws:username is not present for an anonymous caller
    policy = public_read({"Null": {"aws:username": "false"}})
    assert not evaluate(Request("*", "s3:GetObject", f"{BUCKET}/k"), policy, "RESOURCE_POLICY").allowed


# -- wildcards in identifier keys ------------------------------------------------------------------
# Every real identifier has these prefixes (GLOBAL_KEYS_PAGE; identifier formats in
# analysis/iam/condition_keys.py), so the conditions restrict nothing: the policy is public.
WILDCARD_IDS = [
    ("org-id", {"StringLike": {"aws:PrincipalOrgID": "o-*"}}),
    ("org-paths", {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "o-*/*"}}),
    ("source-vpce", {"StringLike": {"aws:SourceVpce": "vpce-*"}}),
    ("source-vpc", {"StringLike": {"aws:SourceVpc": "vpc-*"}}),
    ("userid-roles", {"StringLike": {"aws:userid": "AROA*"}}),
    ("source-org-id", {"StringLike": {"aws:SourceOrgID": "o-*"}}),
    ("principal-arn-account-prefix", {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::1*:role/*"}}),
    ("principal-arn-any-account", {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}}),
    ("source-arn-account-prefix", {"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:1*:*"}}),
    ("source-vpc-arn-any-account", {"ArnLike": {"aws:SourceVpcArn": "arn:aws:ec2:*:*:vpc/*"}}),
    ("source-account-prefix", {"StringLike": {"aws:SourceAccount": "1*"}}),
    ("principal-type-role", {"StringEquals": {"aws:PrincipalType": "AssumedRole"}}),
    ("source-arn-any-bucket", {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::*"}}),
]


@pytest.mark.parametrize("condition", [c[1] for c in WILDCARD_IDS], ids=[c[0] for c in WILDCARD_IDS])
def test_wildcard_identifiers_restrict_nothing(condition: dict[str, Any]) -> None:
    assert_public(public_read(condition))


SPECIFIC_IDS = [
    ("org-id", {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}),
    ("org-id-prefix", {"StringLike": {"aws:PrincipalOrgID": "o-a1b2*"}}),
    ("org-paths", {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "o-a1b2c3d4e5/*"}}),
    ("source-vpce", {"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}),
    ("source-vpc", {"StringEquals": {"aws:SourceVpc": "vpc-1a2b3c4d"}}),
    ("userid-one-role", {"StringLike": {"aws:userid": "AROAEXAMPLEID:*"}}),
    ("principal-arn-account", {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/*"}}),
    ("source-arn-one-bucket", {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::amzn-s3-demo-source-bucket"}}),
    ("source-account", {"StringEquals": {"aws:SourceAccount": "111122223333"}}),
]


@pytest.mark.parametrize("condition", [c[1] for c in SPECIFIC_IDS], ids=[c[0] for c in SPECIFIC_IDS])
def test_specific_identifiers_still_restrict(condition: dict[str, Any]) -> None:
    assert check_no_public_access(public_read(condition), "AWS::S3::Bucket").verdict is Verdict.PASS


# -- keys absent for some callers ------------------------------------------------------------------
# GLOBAL_KEYS_PAGE, aws:PrincipalOrgID: "This key is included in the request context only if the
# principal is a member of an organization"; OPERATORS_PAGE, "...IfExists": true when the key is absent.
ABSENT = [
    ("org-id-if-exists", {"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}),
    ("org-paths-if-exists", {"ForAllValues:StringLikeIfExists": {"aws:PrincipalOrgPaths": "o-a1b2c3d4e5/*"}}),
    ("org-id-null", {"Null": {"aws:PrincipalOrgID": "true"}}),
    ("principal-tag-if-exists", {"StringEqualsIfExists": {"aws:PrincipalTag/team": "admins"}}),
]


@pytest.mark.parametrize("condition", [c[1] for c in ABSENT], ids=[c[0] for c in ABSENT])
def test_keys_absent_for_standalone_accounts_admit_them(condition: dict[str, Any]) -> None:
    assert_public(public_read(condition, {"AWS": "*"}))


def test_principal_arn_is_present_for_every_signed_request() -> None:
    # the counterpart: aws:PrincipalArn is in every signed request, so IfExists does not open it up (the
    # anonymous caller, which {"AWS": "*"} also covers, is excluded by its aws:userid)
    cond = {"ArnEqualsIfExists": {"aws:PrincipalArn": ROLE}, "StringNotEquals": {"aws:userid": "anonymous"}}
    assert check_no_public_access(public_read(cond, {"AWS": "*"}), "AWS::S3::Bucket").verdict is Verdict.PASS


# -- negated operators and missing values ----------------------------------------------------------
# VARIABLES_PAGE, "Policy variables with no value": "Inverted condition operators like StringNotEquals or
# StringNotLike do match against a null value"; "If a variable that has no value ... is used as part of
# the Resource or NotResource element of a policy, the resource that includes a policy variable with no
# value will not match any resource". OPERATORS_PAGE: a negated operator is true when the key is absent.
DENY_WHEN_USERNAME = {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"Null": {"aws:username": "false"}}}


def test_negated_operator_with_unresolved_variable_grants() -> None:
    policy = doc(
        {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": BUCKET,
         "Condition": {"StringNotEquals": {"s3:prefix": "home/${aws:username}"}}},
        DENY_WHEN_USERNAME,
    )
    r = check_access_not_granted(policy, ["s3:ListBucket"], [BUCKET])
    assert r.verdict is Verdict.FAIL, r
    d = evaluate(Request(ROLE, "s3:ListBucket", BUCKET, {"s3:prefix": "x"}), policy)
    assert d.allowed, d.explain()


@pytest.mark.parametrize("operator,value,key", [
    ("StringNotLike", "home/${aws:username}/*", "s3:prefix"),
    ("StringNotEqualsIgnoreCase", "${aws:username}", "s3:prefix"),
    ("ArnNotLike", "arn:aws:iam::111122223333:user/${aws:username}", "aws:SourceArn"),
    ("ArnNotEquals", "arn:aws:iam::111122223333:user/${aws:username}", "aws:SourceArn"),
], ids=["StringNotLike", "StringNotEqualsIgnoreCase", "ArnNotLike", "ArnNotEquals"])
def test_every_negated_operator_matches_a_null_variable(operator: str, value: str, key: str) -> None:
    policy = doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {operator: {key: value}}},
                 DENY_WHEN_USERNAME)
    verdict = check_access_not_granted(policy, ["s3:GetObject"]).verdict
    # a variable in a case-insensitive comparison is outside the encoding: UNKNOWN (fails closed)
    assert verdict is (Verdict.UNKNOWN if operator.endswith("IgnoreCase") else Verdict.FAIL)
    ctx = {key: "x" if key == "s3:prefix" else "arn:aws:iam::111122223333:user/x"}
    assert evaluate(Request(ROLE, "s3:GetObject", f"{BUCKET}/k", ctx), policy).allowed


def test_not_resource_with_unresolved_variable_excludes_nothing() -> None:
    policy = doc(
        {"Effect": "Allow", "Action": "s3:GetObject", "NotResource": f"{BUCKET}/private/${{aws:username}}/*"},
        DENY_WHEN_USERNAME,
    )
    target = f"{BUCKET}/private/alice/report.csv"
    r = check_access_not_granted(policy, ["s3:GetObject"], [target])
    assert r.verdict is Verdict.FAIL, r
    assert evaluate(Request(ROLE, "s3:GetObject", target), policy).allowed


def test_deny_not_resource_with_unresolved_variable_denies_everything() -> None:
    # the same rule, read for a Deny: "not match any resource" in NotResource = the Deny covers all
    policy = doc({"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                 {"Effect": "Deny", "Action": "s3:*", "NotResource": f"{BUCKET}/home/${{aws:username}}/*"})
    assert not evaluate(Request(ROLE, "s3:GetObject", f"{BUCKET}/home/alice/x"), policy).allowed
    assert evaluate(Request(ROLE, "s3:GetObject", f"{BUCKET}/home/alice/x", {"aws:username": "alice"}), policy).allowed


# -- Version ---------------------------------------------------------------------------------------
# VERSION_PAGE: without a Version element the policy is 2008-10-17, where policy variables do not work;
# VARIABLES_PAGE: variables need "Version": "2012-10-17". ${aws:username} is then literal text.
@pytest.mark.parametrize("version", [None, "2008-10-17"], ids=["absent", "2008-10-17"])
def test_variables_are_literal_without_version_2012(version: str | None) -> None:
    stmt = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"{BUCKET}/home/${{aws:username}}/*"}
    old = doc(stmt, version=version)
    # the literal resource is granted even though no aws:username can resolve (the Deny removes them all)
    policy = doc(stmt, DENY_WHEN_USERNAME, version=version)
    r = check_access_not_granted(policy, ["s3:GetObject"], [f"{BUCKET}/home/${{aws:username}}/x"])
    assert r.verdict is Verdict.FAIL, r
    assert evaluate(Request(ROLE, "s3:GetObject", f"{BUCKET}/home/${{aws:username}}/x"), old).allowed
    assert not evaluate(Request(ROLE, "s3:GetObject", f"{BUCKET}/home/bob/x", {"aws:username": "bob"}), old).allowed
    # the same statements under 2012-10-17 grant every user's home: new access, not the same policy
    r = check_no_new_access(doc(stmt), old, "IDENTITY_POLICY")
    assert r.verdict is Verdict.FAIL and [x.statement_index for x in r.reasons] == [0]


# -- ARN matching ----------------------------------------------------------------------------------
# RESOURCE_PAGE and OPERATORS_PAGE ("ARN condition operators"): each colon-delimited segment is matched
# separately; a * in the partition, service, region or account never spans a ':'.
ALLOW_ALL = {"Effect": "Allow", "Action": "*", "Resource": "*"}
QUEUE = "arn:aws:sqs:us-east-1:111122223333:queue1"
ARN_DENIES = [
    ("resource-short", {"Effect": "Deny", "Action": "sqs:*", "Resource": "arn:aws:sqs:*:queue1"}),
    ("resource-region-spans", {"Effect": "Deny", "Action": "sqs:*", "Resource": "arn:aws:sqs:*:*:*:queue1"}),
    ("arn-like-condition", {"Effect": "Deny", "Action": "sqs:*", "Resource": "*",
                            "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:topic"}}}),
]


@pytest.mark.parametrize("deny", [c[1] for c in ARN_DENIES], ids=[c[0] for c in ARN_DENIES])
def test_arn_wildcards_do_not_cross_segments(deny: dict[str, Any]) -> None:
    policy = doc(ALLOW_ALL, deny)
    r = check_access_not_granted(policy, ["sqs:SendMessage"], [QUEUE])
    assert r.verdict is Verdict.FAIL, r
    ctx = {"aws:SourceArn": "arn:aws:sns:us-east-1:111122223333:topic"}
    assert evaluate(Request(ROLE, "sqs:SendMessage", QUEUE, ctx), policy).allowed


def test_arn_patterns_that_do_match_still_deny() -> None:
    policy = doc(ALLOW_ALL, {"Effect": "Deny", "Action": "sqs:*", "Resource": "arn:aws:sqs:*:*:queue1"})
    assert check_access_not_granted(policy, ["sqs:SendMessage"], [QUEUE]).verdict is Verdict.PASS
    policy = doc(ALLOW_ALL, {"Effect": "Deny", "Action": "sqs:*", "Resource": "arn:aws:sqs:*"})  # padded
    assert check_access_not_granted(policy, ["sqs:SendMessage"], [QUEUE]).verdict is Verdict.PASS


# -- web-identity trust ----------------------------------------------------------------------------
# OIDC_KEYS_PAGE ("Available keys for AWS OIDC federation"): without an audience/subject condition any
# holder of a token from the provider can assume the role.
def trust(federated: str, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    stmt: dict[str, Any] = {"Effect": "Allow", "Principal": {"Federated": federated},
                            "Action": "sts:AssumeRoleWithWebIdentity"}
    if condition:
        stmt["Condition"] = condition
    return doc(stmt)


GITHUB = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"
WEB_IDENTITY = [
    ("cognito", trust("cognito-identity.amazonaws.com"), "FAIL"),
    ("cognito-amr-only", trust("cognito-identity.amazonaws.com",
                               {"ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "unauthenticated"}}), "FAIL"),
    ("google", trust("accounts.google.com"), "FAIL"),
    ("github-any-repo", trust(GITHUB), "FAIL"),
    ("github-sub-wildcard", trust(GITHUB, {"StringLike": {"token.actions.githubusercontent.com:sub": "*"}}), "FAIL"),
    ("cognito-audience", trust("cognito-identity.amazonaws.com",
                               {"StringEquals": {"cognito-identity.amazonaws.com:aud": "us-east-1:12345678-abcd-abcd-abcd-123456789012"}}), "PASS"),
    ("github-one-repo", trust(GITHUB, {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:octo-org/octo-repo:*"}}), "PASS"),
    ("saml", trust("arn:aws:iam::111122223333:saml-provider/corp"), "PASS"),
]


@pytest.mark.parametrize("policy,verdict", [c[1:] for c in WEB_IDENTITY], ids=[c[0] for c in WEB_IDENTITY])
def test_web_identity_trust_without_audience_is_public(policy: dict[str, Any], verdict: str) -> None:
    if verdict == "FAIL":
        assert_public(policy, "AWS::IAM::AssumeRolePolicyDocument")
    else:
        r = check_no_public_access(policy, "AWS::IAM::AssumeRolePolicyDocument")
        assert r.verdict is Verdict.PASS, r


# -- soundness rule: undecidable is UNKNOWN, never PASS --------------------------------------------
def test_public_access_timeout_is_unknown() -> None:
    r = check_no_public_access(public_read({"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}),
                               "AWS::S3::Bucket", timeout_ms=0)
    assert r.verdict is Verdict.UNKNOWN and r.to_aws()["result"] == "FAIL"


def test_public_access_unsupported_construct_is_unknown() -> None:
    cond = {"NumericLessThan": {"aws:MultiFactorAuthAge": "5"}, "StringEquals": {"aws:MultiFactorAuthAge": "x"}}
    assert check_no_public_access(public_read(cond), "AWS::S3::Bucket").verdict is Verdict.UNKNOWN


def test_access_not_granted_timeout_is_unknown() -> None:
    r = check_access_not_granted(doc(ALLOW_ALL), ["s3:GetObject"], timeout_ms=0)
    assert r.verdict is Verdict.UNKNOWN


def test_undocumented_key_may_be_multivalued() -> None:
    # a key the catalog does not know may carry a list; an operator without a set operator does not match
    # a list value (Single-valued vs. multivalued context keys), so neither Deny applies to a list: for a
    # single value one of them always does
    key = "custom:undocumented"
    policy = doc(ALLOW_ALL,
                 {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringNotEquals": {key: "ok"}}},
                 {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEquals": {key: "ok"}}})
    r = check_access_not_granted(policy, ["s3:GetObject"])
    assert r.verdict is Verdict.FAIL, r
    assert evaluate(Request(ROLE, "s3:GetObject", f"{BUCKET}/k", {key: ["ok", "x"]}), policy).allowed


@pytest.mark.parametrize("pattern", ["newservice:*", "s3:NotYetReleased*", "s3:Get*"])
def test_wildcards_cover_actions_the_catalog_does_not_know(pattern: str) -> None:
    # IAM JSON policy elements: Action — a wildcard matches every action of the service, including
    # actions added after the catalog snapshot; a service the catalog lacks must not grant nothing
    new = doc({"Effect": "Allow", "Action": pattern, "Resource": "*"})
    old = doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"})
    assert check_no_new_access(new, old, "IDENTITY_POLICY").verdict is Verdict.FAIL
    assert check_access_not_granted(new, [pattern]).verdict is Verdict.FAIL
    # and a wildcard Deny removes them again
    denied = doc({"Effect": "Allow", "Action": "*", "Resource": "*"}, {"Effect": "Deny", "Action": pattern, "Resource": "*"})
    assert check_access_not_granted(denied, [pattern]).verdict is Verdict.PASS
