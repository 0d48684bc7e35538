"""Regression tests of the last false PASSes of the custom checks (issue 12), one class per test.

Each class follows the documentation it cites: where a page states that a condition makes a policy
non-public, PASS is allowed; where the documentation is silent the check answers FAIL or UNKNOWN, never
PASS.
"""

from __future__ import annotations

from typing import Any

import pytest

from least_privilege_constructs.analysis.reasoning import (
    PolicySet,
    Verdict,
    check_access_not_granted,
    check_no_new_access,
    check_no_public_access,
)
from least_privilege_constructs.analysis.reasoning.resource_types import SUPPORTED_RESOURCE_TYPES
from tests.analysis.reasoning.test_soundness_classes import BUCKET, assert_public, doc, public_read

S3_PUBLIC = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html"
STS_WEBID = "https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html"
OIDC_ROLE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html"
CONFUSED_DEPUTY = "https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html"
SCP_PAGE = "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html"
TRUST = "AWS::IAM::AssumeRolePolicyDocument"


def verdict(policy: dict[str, Any], resource_type: str = "AWS::S3::Bucket") -> Verdict:
    return check_no_public_access(policy, resource_type).verdict


def trust(provider: str, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    stmt: dict[str, Any] = {"Effect": "Allow", "Principal": {"Federated": provider},
                            "Action": "sts:AssumeRoleWithWebIdentity"}
    if condition:
        stmt["Condition"] = condition
    return doc(stmt)


# -- web identity: only a fixed audience / app id ties the trust to your application -------------------
# STS_WEBID: the trust policy "must contain the cognito-identity.amazonaws.com:aud condition key to
# restrict role assumption to users from your intended identity pools"; OIDC_ROLE: "use a StringEquals
# condition ... Test the identity pool ID (for Amazon Cognito) or the app ID (for other providers)".
COGNITO = "cognito-identity.amazonaws.com"
WEBID_PATTERNS = [
    ("cognito-aud-region", COGNITO, {"StringLike": {f"{COGNITO}:aud": "us-east-1:*"}}),
    ("cognito-aud-guid-prefix", COGNITO, {"StringLike": {f"{COGNITO}:aud": "us-east-1:1234*"}}),
    ("cognito-aud-question-marks", COGNITO, {"StringLike": {f"{COGNITO}:aud": "us-east-1:????????-*"}}),
    ("cognito-sub-region", COGNITO, {"StringLike": {f"{COGNITO}:sub": "us-east-1:*"}}),
    ("google-aud-prefix", "accounts.google.com", {"StringLike": {"accounts.google.com:aud": "1234*"}}),
    ("amazon-app-id-prefix", "www.amazon.com", {"StringLike": {"www.amazon.com:app_id": "amzn1.application*"}}),
    ("facebook-app-id-prefix", "graph.facebook.com", {"StringLike": {"graph.facebook.com:app_id": "1*"}}),
    ("oidc-aud-prefix", "arn:aws:iam::111122223333:oidc-provider/server.example.com",
     {"StringLike": {"server.example.com:aud": "app-*"}}),
]


@pytest.mark.parametrize("provider,condition", [c[1:] for c in WEBID_PATTERNS], ids=[c[0] for c in WEBID_PATTERNS])
def test_web_identity_pattern_audience_is_public(provider: str, condition: dict[str, Any]) -> None:
    assert verdict(trust(provider, condition), TRUST) is Verdict.FAIL


WEBID_FIXED = [
    ("cognito-aud", COGNITO, {"StringEquals": {f"{COGNITO}:aud": "us-east-2:12345678-abcd-abcd-abcd-123456"}}),
    ("cognito-aud-like-no-wildcard", COGNITO,
     {"StringLike": {f"{COGNITO}:aud": "us-east-2:12345678-abcd-abcd-abcd-123456"}}),
    ("google-aud", "accounts.google.com", {"StringEquals": {"accounts.google.com:aud": "666777888999000"}}),
    ("amazon-app-id", "www.amazon.com", {"StringEquals": {"www.amazon.com:app_id": "amzn1.application-oa2-1"}}),
]


@pytest.mark.parametrize("provider,condition", [c[1:] for c in WEBID_FIXED], ids=[c[0] for c in WEBID_FIXED])
def test_web_identity_fixed_audience_is_not_public(provider: str, condition: dict[str, Any]) -> None:
    assert verdict(trust(provider, condition), TRUST) is Verdict.PASS


def test_web_identity_audience_fixed_in_one_statement_only() -> None:
    fixed = {"StringEquals": {f"{COGNITO}:aud": "us-east-2:12345678-abcd-abcd-abcd-123456"}}
    policy = trust(COGNITO, fixed)
    policy["Statement"].append(trust(COGNITO, {"StringLike": {f"{COGNITO}:aud": "us-*"}})["Statement"][0])
    r = check_no_public_access(policy, TRUST)
    assert r.verdict is Verdict.FAIL and [x.statement_index for x in r.reasons] == [1]


# -- S3 access points: s3:DataAccessPointArn restricts nothing in an access point policy ---------------
# S3_PUBLIC: "An access point policy that grants access to a set of access points using
# s3:DataAccessPointArn is considered public. Note that this behavior is different than for bucket
# policies."
AP_TYPES = ["AWS::S3::AccessPoint", "AWS::S3Express::AccessPoint", "AWS::S3Outposts::AccessPoint"]
AP_VALUES = [
    ("like-account", {"StringLike": {"s3:DataAccessPointArn": "arn:aws:s3:us-west-2:123456789012:accesspoint/*"}}),
    ("arnlike-account", {"ArnLike": {"s3:DataAccessPointArn": "arn:aws:s3:us-west-2:123456789012:accesspoint/*"}}),
    ("equals-one", {"StringEquals": {"s3:DataAccessPointArn": "arn:aws:s3:us-west-2:123456789012:accesspoint/ap"}}),
]


@pytest.mark.parametrize("resource_type", AP_TYPES)
@pytest.mark.parametrize("condition", [c[1] for c in AP_VALUES], ids=[c[0] for c in AP_VALUES])
def test_access_point_policy_granting_by_data_access_point_arn_is_public(
    resource_type: str, condition: dict[str, Any]
) -> None:
    assert verdict(public_read(condition), resource_type) is Verdict.FAIL


def test_bucket_policy_granting_by_data_access_point_arn_of_one_account_is_not_public() -> None:
    # S3_PUBLIC: "a bucket policy that grants access to values of s3:DataAccessPointArn that match
    # arn:aws:s3:us-west-2:123456789012:accesspoint/* is not considered public"
    assert verdict(public_read(AP_VALUES[0][1])) is Verdict.PASS


# -- services acting for any customer ------------------------------------------------------------------
# CONFUSED_DEPUTY: a service "can be manipulated to use its permissions to act on another customer's
# resources"; no page says Access Analyzer treats "any AWS service" as a bounded set, so never PASS.
@pytest.mark.parametrize("resource_type", ["AWS::S3::Bucket", "AWS::SQS::Queue", "AWS::SNS::Topic"])
def test_any_aws_service_for_any_customer_is_not_pass(resource_type: str) -> None:
    for cond in ({"Bool": {"aws:PrincipalIsAWSService": "true"}},
                 {"StringEquals": {"aws:PrincipalIsAWSService": "true"}},
                 {"StringLike": {"aws:SourceArn": "*"}, "Bool": {"aws:PrincipalIsAWSService": "true"}}):
        assert verdict(public_read(cond), resource_type) is not Verdict.PASS, cond


def test_service_restricted_to_one_customer_or_named_is_not_public() -> None:
    both = {"Bool": {"aws:PrincipalIsAWSService": "true"}, "StringEquals": {"aws:SourceAccount": "111122223333"}}
    assert verdict(public_read(both)) is Verdict.PASS
    named = doc({"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject",
                 "Resource": f"{BUCKET}/*"})
    assert verdict(named) is Verdict.PASS
    # a caller that is not a service is still checked: aws:PrincipalIsAWSService false admits AWS principals
    assert_public(public_read({"Bool": {"aws:PrincipalIsAWSService": "false"}}))


# -- aws:SourceIp: S3's rule, with S3's thresholds, for S3's policies only ----------------------------
# S3_PUBLIC: "Bucket policies that grant access conditioned on the aws:SourceIp condition key with very
# broad IP ranges (for example, 0.0.0.0/1) are evaluated as "public." This includes values broader than /8
# for IPv4 and /32 for IPv6".
SOURCE_IP = [
    ("v4-/7", "10.0.0.0/7", Verdict.FAIL),
    ("v4-/8", "10.0.0.0/8", Verdict.PASS),
    ("v4-/24", "203.0.113.0/24", Verdict.PASS),
    ("v6-/16", "2001::/16", Verdict.FAIL),
    ("v6-/20", "2001:db8::/20", Verdict.FAIL),
    ("v6-/31", "2001:db8::/31", Verdict.FAIL),
    ("v6-/32", "2001:db8::/32", Verdict.PASS),
    ("v6-/64", "2001:db8::/64", Verdict.PASS),
]


@pytest.mark.parametrize("cidr,expected", [c[1:] for c in SOURCE_IP], ids=[c[0] for c in SOURCE_IP])
@pytest.mark.parametrize("resource_type", ["AWS::S3::Bucket", "AWS::S3::AccessPoint"])
def test_s3_source_ip_thresholds(resource_type: str, cidr: str, expected: Verdict) -> None:
    assert verdict(public_read({"IpAddress": {"aws:SourceIp": cidr}}), resource_type) is expected


NON_S3 = [t for t in SUPPORTED_RESOURCE_TYPES if t not in ("AWS::S3::Bucket", "AWS::S3::AccessPoint")]


@pytest.mark.parametrize("resource_type", NON_S3)
def test_source_ip_rule_is_s3_only(resource_type: str) -> None:
    # the documentation states the fixed-CIDR rule for S3 only: elsewhere anyone at those addresses
    policy = public_read({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}})
    assert verdict(policy, resource_type) is not Verdict.PASS


# -- s3:x-amz-server-side-encryption-aws-kms-key-id: a fixed value, for S3's policies ------------------
KMS_KEY = "s3:x-amz-server-side-encryption-aws-kms-key-id"
KEY_ARN = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def test_s3_kms_key_id_fixed_value_is_not_public() -> None:
    # S3_PUBLIC lists s3:x-amz-server-side-encryption-aws-kms-key-id among the keys whose fixed value
    # makes a bucket policy non-public
    for op in ("StringEquals", "StringLike", "StringEqualsIgnoreCase"):
        assert verdict(public_read({op: {KMS_KEY: KEY_ARN}})) is Verdict.PASS, op
        assert verdict(public_read({op: {KMS_KEY: KEY_ARN}}), "AWS::S3::AccessPoint") is Verdict.PASS, op


@pytest.mark.parametrize("value", ["arn:aws:kms:us-east-1:111122223333:key/*", "*", KEY_ARN[:-1] + "?"])
def test_s3_kms_key_id_pattern_is_public(value: str) -> None:
    # "fixed values (values that don't contain a wildcard or an AWS Identity and Access Management Policy
    # Variable)": a pattern restricts nothing
    assert_public(public_read({"StringLike": {KMS_KEY: value}}))


def test_s3_kms_key_id_rule_is_s3_only() -> None:
    policy = public_read({"StringEquals": {KMS_KEY: KEY_ARN}})
    assert verdict(policy, "AWS::S3Outposts::Bucket") is Verdict.FAIL


# -- SCPs, RCPs and boundaries never grant -------------------------------------------------------------
# SCP_PAGE: "SCPs do not grant permissions to the IAM users and IAM roles in your organization. No
# permissions are granted by an SCP."
FULL = doc({"Effect": "Allow", "Action": "*", "Resource": "*"})


@pytest.mark.parametrize(
    "policies",
    [{"scps": [FULL]}, {"rcps": [FULL]}, {"boundary": FULL}, {"scps": [FULL], "boundary": FULL}, {}],
    ids=["scp", "rcp", "boundary", "scp-and-boundary", "nothing"],
)
def test_guardrails_alone_grant_nothing(policies: dict[str, Any]) -> None:
    ps = PolicySet.build(**policies)
    assert check_access_not_granted(ps, ["s3:GetObject", "iam:PassRole"]).verdict is Verdict.PASS
    # and adding only guardrails to nothing grants no new access
    assert check_no_new_access(ps, PolicySet.build()).verdict is Verdict.PASS


def test_identity_policy_beside_an_scp_still_grants() -> None:
    ps = PolicySet.build(identity=[FULL], scps=[FULL])
    assert check_access_not_granted(ps, ["s3:GetObject"]).verdict is Verdict.FAIL
    # a lone document is the policy the check asks about, whatever its type
    assert check_access_not_granted(FULL, ["s3:GetObject"]).verdict is Verdict.FAIL


# -- an audience every customer shares restricts nothing ------------------------------------------------
# GitHub Docs, "Configuring OpenID Connect in Amazon Web Services": the audience is sts.amazonaws.com for
# everyone using the official action, and "you must define at least one condition, so that untrusted
# repositories can't request access tokens for your cloud resources".
GITHUB = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"
GH = "token.actions.githubusercontent.com"


def test_github_trust_with_only_the_shared_audience_is_public() -> None:
    assert verdict(trust(GITHUB, {"StringEquals": {f"{GH}:aud": "sts.amazonaws.com"}}), TRUST) is Verdict.FAIL


@pytest.mark.parametrize("sub", ["repo:octo-org/octo-repo:*", "repo:octo-org/octo-repo:ref:refs/heads/main"])
def test_github_trust_with_a_repository_subject_is_not_public(sub: str) -> None:
    cond = {"StringEquals": {f"{GH}:aud": "sts.amazonaws.com"}, "StringLike": {f"{GH}:sub": sub}}
    assert verdict(trust(GITHUB, cond), TRUST) is Verdict.PASS


@pytest.mark.parametrize("sub", ["*", "repo:*", "rep*"])
def test_github_trust_with_any_repository_subject_is_public(sub: str) -> None:
    # every subject of the default template starts with "repo:" (GitHub Docs, "Example subject claims")
    cond = {"StringEquals": {f"{GH}:aud": "sts.amazonaws.com"}, "StringLike": {f"{GH}:sub": sub}}
    assert verdict(trust(GITHUB, cond), TRUST) is Verdict.FAIL


# -- aws:SourceArn of a resource without an account (the prefix glob built from the core's ARN steps) ----
# S3_PUBLIC: a fixed aws:SourceArn makes a bucket policy non-public; a pattern naming no resource does not.
@pytest.mark.parametrize(
    "value,expected",
    [
        ("arn:aws:s3:::amzn-s3-demo-logs", Verdict.PASS),
        ("arn:aws:s3:::amzn-s3-demo-logs/*", Verdict.PASS),
        ("arn:*:s3:::amzn-s3-demo-logs", Verdict.PASS),
        ("arn:aws:s3:::*", Verdict.FAIL),
        ("arn:aws:s3:*", Verdict.FAIL),
        ("*", Verdict.FAIL),
    ],
)
def test_source_arn_without_account(value: str, expected: Verdict) -> None:
    assert verdict(public_read({"ArnLike": {"aws:SourceArn": value}})) is expected
