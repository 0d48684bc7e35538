"""Each rule of the least-privilege pack on small synthesized-template fragments: compliant, non-compliant and
not-applicable cases (pure Python; the pack's jsii glue is tested in test_pack_synth.py)."""

from __future__ import annotations

from typing import Any

import pytest

from least_privilege_constructs.analysis.rules.base import NOT_APPLICABLE, RuleFunction
from least_privilege_constructs.analysis.rules.config import NagConfig, PolicyQuotas
from least_privilege_constructs.analysis.rules.rule_set import RULES
from least_privilege_constructs.analysis.rules.stack_view import StackView

RULE = {b.id: b.rule for b in RULES}
ACCOUNT_ROOT = {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::", {"Ref": "AWS::AccountId"}, ":root"]]}
BOUNDARY_SUB = {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/boundaries/lpc-developer-boundary"}
LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def role(**props: Any) -> dict[str, Any]:
    return {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": LAMBDA_TRUST, **props}}


def policy(document: dict[str, Any], roles: tuple[str, ...] = ("R",)) -> dict[str, Any]:
    return {"Type": "AWS::IAM::Policy", "Properties": {
        "PolicyName": "P", "PolicyDocument": document, "Roles": [{"Ref": r} for r in roles]}}


def run(rule: RuleFunction, resources: dict[str, Any], logical_id: str, config: NagConfig | None = None) -> Any:
    view = StackView({"Resources": resources}, config=config or NagConfig())
    inp = view.rule_input(logical_id)
    assert inp is not None
    result = rule(inp)
    return "n/a" if result is NOT_APPLICABLE else {f.key for f in result}


def _big_document(n: int) -> dict[str, Any]:
    return doc(*(allow("s3:GetObject", f"arn:aws:s3:::bucket-number-{i:05d}/*") for i in range(n)))


BOUNDED = {"PermissionsBoundary": BOUNDARY_SUB, "Path": "/app/"}
S3_BUCKET = {"B": {"Type": "AWS::S3::Bucket", "Properties": {}}}

CASES: list[tuple[str, str, dict[str, Any], str, Any]] = [
    # LP-IAM1 boundary
    ("IAM1-compliant-sub", "LP-IAM1", {"R": role(**BOUNDED)}, "R", set()),
    ("IAM1-compliant-ref-to-boundary-policy", "LP-IAM1", {
        "B": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
            "ManagedPolicyName": "lpc-developer-boundary", "Path": "/boundaries/", "PolicyDocument": doc()}},
        "R": role(PermissionsBoundary={"Ref": "B"})}, "R", set()),
    ("IAM1-compliant-user", "LP-IAM1", {"U": {"Type": "AWS::IAM::User", "Properties": {
        "PermissionsBoundary": BOUNDARY_SUB}}}, "U", set()),
    ("IAM1-missing", "LP-IAM1", {"R": role()}, "R", {"Boundary::missing"}),
    ("IAM1-other-boundary", "LP-IAM1", {"R": role(PermissionsBoundary={
        "Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/my-own-boundary"})}, "R",
     {"Boundary::my-own-boundary"}),
    ("IAM1-generated-name-policy", "LP-IAM1", {
        "B": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": doc()}},
        "R": role(PermissionsBoundary={"Ref": "B"})}, "R", {"Boundary::Stack-B-DFZENMVRUWFE"}),
    ("IAM1-not-applicable", "LP-IAM1", S3_BUCKET, "B", "n/a"),
    # LP-IAM2 admin
    ("IAM2-compliant", "LP-IAM2", {"R": role(), "P": policy(doc(allow("s3:GetObject")))}, "P", set()),
    ("IAM2-star", "LP-IAM2", {"R": role(), "P": policy(doc(allow("*", Sid="Everything")))}, "P",
     {"Admin::Everything"}),
    ("IAM2-star-star-inline", "LP-IAM2", {"R": role(Policies=[{"PolicyName": "inline", "PolicyDocument": doc(
        allow(["*:*"]))}])}, "R", {"Admin::inline/0"}),
    ("IAM2-admin-managed-policy", "LP-IAM2", {"R": role(ManagedPolicyArns=[
        {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::aws:policy/AdministratorAccess"]]}])}, "R",
     {"ManagedPolicy::AdministratorAccess"}),
    ("IAM2-star-on-one-bucket-is-not-admin", "LP-IAM2", {"R": role(), "P": policy(doc(
        allow("*", "arn:aws:s3:::b")))}, "P", set()),
    ("IAM2-not-applicable", "LP-IAM2", S3_BUCKET, "B", "n/a"),
    # LP-IAM3 permissions management / escalation
    ("IAM3-compliant", "LP-IAM3", {"R": role(), "P": policy(doc(allow(["s3:GetObject", "sqs:SendMessage"])))}, "P",
     set()),
    ("IAM3-permissions-management", "LP-IAM3", {"R": role(), "P": policy(doc(allow(["kms:CreateGrant", "s3:Get*"])))},
     "P", {"Action::kms:CreateGrant"}),
    ("IAM3-wildcard-service", "LP-IAM3", {"R": role(), "P": policy(doc(allow("iam:*")))}, "P", {"Action::iam:*"}),
    ("IAM3-single-step-escalation-anywhere", "LP-IAM3", {"R": role(), "P": policy(doc(
        allow("iam:CreateAccessKey", "arn:aws:iam::123456789012:user/app/x")))}, "P",
     {"Action::iam:CreateAccessKey"}),
    ("IAM3-update-code-on-star", "LP-IAM3", {"R": role(), "P": policy(doc(allow("lambda:UpdateFunctionCode")))}, "P",
     {"Action::lambda:UpdateFunctionCode"}),
    ("IAM3-update-code-on-own-function", "LP-IAM3", {"R": role(), "P": policy(doc(allow(
        "lambda:UpdateFunctionCode", "arn:aws:lambda:us-east-1:123456789012:function:mine")))}, "P", set()),
    ("IAM3-create-role-pinned-to-boundary", "LP-IAM3", {"R": role(), "P": policy(doc(allow(
        ["iam:CreateRole", "iam:AttachRolePolicy"], "arn:aws:iam::123456789012:role/app/*",
        Condition={"StringEquals": {"iam:PermissionsBoundary": BOUNDARY_SUB}})))}, "P", set()),
    ("IAM3-create-role-other-boundary", "LP-IAM3", {"R": role(), "P": policy(doc(allow(
        "iam:CreateRole", "*", Condition={"StringEquals": {"iam:PermissionsBoundary": "arn:aws:iam::1:policy/x"}})))},
     "P", {"Action::iam:CreateRole"}),
    ("IAM3-boundary-condition-does-not-cover-policy-versions", "LP-IAM3", {"R": role(), "P": policy(doc(allow(
        "iam:CreatePolicyVersion", "*", Condition={"StringEquals": {"iam:PermissionsBoundary": BOUNDARY_SUB}})))},
     "P", {"Action::iam:CreatePolicyVersion"}),
    ("IAM3-passrole-is-left-to-IAM4", "LP-IAM3", {"R": role(), "P": policy(doc(allow("iam:PassRole")))}, "P", set()),
    ("IAM3-deny-ignored", "LP-IAM3", {"R": role(), "P": policy(doc({"Effect": "Deny", "Action": "iam:*",
                                                                     "Resource": "*"}))}, "P", set()),
    ("IAM3-boundary-policy-itself-ignored", "LP-IAM3", {"B": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
        "ManagedPolicyName": "lpc-developer-boundary", "PolicyDocument": doc(allow("iam:*"))}}}, "B", set()),
    ("IAM3-not-applicable", "LP-IAM3", S3_BUCKET, "B", "n/a"),
    # LP-IAM4 PassRole
    ("IAM4-compliant-app-path", "LP-IAM4", {"R": role(), "P": policy(doc(allow(
        "iam:PassRole", {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/app/*"})))}, "P", set()),
    ("IAM4-compliant-getatt-role-under-path", "LP-IAM4", {"R": role(), "T": role(Path="/app/"), "P": policy(doc(
        allow("iam:PassRole", {"Fn::GetAtt": ["T", "Arn"]})))}, "P", set()),
    ("IAM4-star", "LP-IAM4", {"R": role(), "P": policy(doc(allow("iam:PassRole")))}, "P", {"Resource::*"}),
    ("IAM4-via-iam-wildcard", "LP-IAM4", {"R": role(), "P": policy(doc(allow("iam:Pass*")))}, "P", {"Resource::*"}),
    ("IAM4-role-outside-path", "LP-IAM4", {"R": role(), "P": policy(doc(allow(
        "iam:PassRole", "arn:aws:iam::123456789012:role/admin")))}, "P",
     {"Resource::arn:aws:iam::123456789012:role/admin"}),
    ("IAM4-path-prefix-wildcard", "LP-IAM4", {"R": role(), "P": policy(doc(allow(
        "iam:PassRole", "arn:aws:iam::123456789012:role/app*")))}, "P",
     {"Resource::arn:aws:iam::123456789012:role/app*"}),
    ("IAM4-not-resource", "LP-IAM4", {"R": role(), "P": policy(doc({"Effect": "Allow", "Action": "iam:PassRole",
                                                                    "NotResource": "arn:aws:iam::1:role/x"}))}, "P",
     {"NotResource::0"}),
    ("IAM4-not-applicable", "LP-IAM4", S3_BUCKET, "B", "n/a"),
    # LP-IAM5 NotAction / NotResource
    ("IAM5-compliant", "LP-IAM5", {"R": role(), "P": policy(doc(allow("s3:GetObject")))}, "P", set()),
    ("IAM5-not-action", "LP-IAM5", {"R": role(), "P": policy(doc({"Sid": "AllButIam", "Effect": "Allow",
                                                                  "NotAction": "iam:*", "Resource": "*"}))}, "P",
     {"NotAction::AllButIam"}),
    ("IAM5-not-resource-in-bucket-policy", "LP-IAM5", {"BP": {"Type": "AWS::S3::BucketPolicy", "Properties": {
        "Bucket": "b", "PolicyDocument": doc({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::1:root"},
                                              "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::b/secret/*"})}}},
     "BP", {"NotResource::0"}),
    ("IAM5-deny-not-action-is-fine", "LP-IAM5", {"R": role(), "P": policy(doc({"Effect": "Deny", "NotAction": "s3:*",
                                                                               "Resource": "*"}))}, "P", set()),
    ("IAM5-not-applicable", "LP-IAM5", S3_BUCKET, "B", "n/a"),
    # LP-IAM6 trust
    ("IAM6-compliant-service", "LP-IAM6", {"R": role()}, "R", set()),
    ("IAM6-star", "LP-IAM6", {"R": role(AssumeRolePolicyDocument=doc({"Effect": "Allow", "Principal": {"AWS": "*"},
                                                                      "Action": "sts:AssumeRole"}))}, "R",
     {"Principal::*"}),
    ("IAM6-root-without-condition", "LP-IAM6", {"R": role(AssumeRolePolicyDocument=doc({
        "Effect": "Allow", "Principal": {"AWS": ACCOUNT_ROOT}, "Action": "sts:AssumeRole"}))}, "R",
     {"Root::own-account"}),
    ("IAM6-external-root-without-condition", "LP-IAM6", {"R": role(AssumeRolePolicyDocument=doc({
        "Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "sts:AssumeRole"}))}, "R",
     {"Root::111122223333"}),
    ("IAM6-root-with-condition", "LP-IAM6", {"R": role(AssumeRolePolicyDocument=doc({
        "Effect": "Allow", "Principal": {"AWS": ACCOUNT_ROOT}, "Action": "sts:AssumeRole",
        "Condition": {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/ci-*"}}}))}, "R", set()),
    ("IAM6-github-oidc-pinned", "LP-IAM6", {"R": role(AssumeRolePolicyDocument=doc({
        "Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
        "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
        "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                      "StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/payments:ref:refs/heads/main"}}}))},
     "R", set()),
    ("IAM6-github-oidc-any-repo", "LP-IAM6", {"R": role(AssumeRolePolicyDocument=doc({
        "Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
        "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
        "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                      "StringLike": {"token.actions.githubusercontent.com:sub": "repo:*"}}}))},
     "R", {"OIDC::token.actions.githubusercontent.com::sub"}),
    ("IAM6-oidc-no-conditions", "LP-IAM6", {"R": role(AssumeRolePolicyDocument=doc({
        "Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
        "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/AB"}}))},
     "R", {"OIDC::oidc.eks.eu-west-1.amazonaws.com/id/AB::aud", "OIDC::oidc.eks.eu-west-1.amazonaws.com/id/AB::sub"}),
    ("IAM6-saml-without-aud", "LP-IAM6", {"R": role(AssumeRolePolicyDocument=doc({
        "Effect": "Allow", "Action": "sts:AssumeRoleWithSAML",
        "Principal": {"Federated": "arn:aws:iam::123456789012:saml-provider/okta"}}))}, "R", {"SAML::okta::aud"}),
    ("IAM6-not-applicable", "LP-IAM6", S3_BUCKET, "B", "n/a"),
    # LP-IAM7 user credentials
    ("IAM7-compliant-user", "LP-IAM7", {"U": {"Type": "AWS::IAM::User", "Properties": {}}}, "U", set()),
    ("IAM7-login-profile", "LP-IAM7", {"U": {"Type": "AWS::IAM::User", "Properties": {
        "LoginProfile": {"Password": "x", "PasswordResetRequired": True}}}}, "U", {"LoginProfile"}),
    ("IAM7-access-key", "LP-IAM7", {"U": {"Type": "AWS::IAM::User", "Properties": {}},
                                    "K": {"Type": "AWS::IAM::AccessKey", "Properties": {"UserName": {"Ref": "U"}}}},
     "K", {"AccessKey"}),
    ("IAM7-not-applicable", "LP-IAM7", {"R": role()}, "R", "n/a"),
    # LP-IAM8 sizes (more in test_size_quotas)
    ("IAM8-compliant", "LP-IAM8", {"R": role(), "P": policy(doc(allow("s3:GetObject")))}, "R", set()),
    ("IAM8-managed-policy-too-big", "LP-IAM8", {"M": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
        "PolicyDocument": _big_document(100)}}}, "M", {"Size::ManagedPolicy"}),
    ("IAM8-not-applicable", "LP-IAM8", S3_BUCKET, "B", "n/a"),
    # LP-RES1 resource policies
    ("RES1-compliant-org-condition", "LP-RES1", {"BP": {"Type": "AWS::S3::BucketPolicy", "Properties": {
        "Bucket": "b", "PolicyDocument": doc({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:GetObject",
                                              "Resource": "arn:aws:s3:::b/*",
                                              "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}})}}},
     "BP", set()),
    ("RES1-public-bucket", "LP-RES1", {"BP": {"Type": "AWS::S3::BucketPolicy", "Properties": {
        "Bucket": "b", "PolicyDocument": doc({"Sid": "Public", "Effect": "Allow", "Principal": "*",
                                              "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"})}}},
     "BP", {"Statement::Public"}),
    ("RES1-deny-star-is-fine", "LP-RES1", {"QP": {"Type": "AWS::SQS::QueuePolicy", "Properties": {
        "Queues": ["q"], "PolicyDocument": doc({"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sqs:*",
                                               "Resource": "*",
                                               "Condition": {"Bool": {"aws:SecureTransport": "false"}}})}}},
     "QP", set()),
    ("RES1-negated-condition-does-not-scope", "LP-RES1", {"TP": {"Type": "AWS::SNS::TopicPolicy", "Properties": {
        "Topics": ["t"], "PolicyDocument": doc({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sns:Publish",
                                               "Resource": "*", "Condition": {
                                                   "StringNotEquals": {"aws:PrincipalAccount": "123456789012"}}})}}},
     "TP", {"Statement::0"}),
    # the caller's own organization or account as the value ties the caller to nothing; the resource's does
    # (aws:ResourceOrgID, https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html)
    ("RES1-callers-own-org-variable", "LP-RES1", {"BP": {"Type": "AWS::S3::BucketPolicy", "Properties": {
        "Bucket": "b", "PolicyDocument": doc({"Effect": "Allow", "Principal": "*", "Action": "s3:PutObject",
                                              "Resource": "arn:aws:s3:::b/*", "Condition": {
                                                  "StringEquals": {"aws:PrincipalOrgID": "${aws:PrincipalOrgID}"}}})}}},
     "BP", {"Statement::0"}),
    ("RES1-callers-own-account-variable", "LP-RES1", {"BP": {"Type": "AWS::S3::BucketPolicy", "Properties": {
        "Bucket": "b", "PolicyDocument": doc({"Effect": "Allow", "Principal": "*", "Action": "s3:PutObject",
                                              "Resource": "arn:aws:s3:::b/*", "Condition": {
                                                  "StringEquals": {"aws:PrincipalAccount": "${aws:PrincipalAccount}"}}})}}},
     "BP", {"Statement::0"}),
    ("RES1-resource-org-variable-scopes", "LP-RES1", {"BP": {"Type": "AWS::S3::BucketPolicy", "Properties": {
        "Bucket": "b", "PolicyDocument": doc({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                                              "Resource": "arn:aws:s3:::b/*", "Condition": {
                                                  "StringEquals": {"aws:PrincipalOrgID": "${aws:ResourceOrgID}"}}})}}},
     "BP", set()),
    ("RES1-lambda-permission-public", "LP-RES1", {"LP": {"Type": "AWS::Lambda::Permission", "Properties": {
        "Action": "lambda:InvokeFunctionUrl", "FunctionName": "f", "Principal": "*", "FunctionUrlAuthType": "NONE"}}},
     "LP", {"Principal::*"}),
    ("RES1-lambda-permission-source-account", "LP-RES1", {"LP": {"Type": "AWS::Lambda::Permission", "Properties": {
        "Action": "lambda:InvokeFunction", "FunctionName": "f", "Principal": "*", "SourceAccount": "123456789012"}}},
     "LP", set()),
    ("RES1-not-applicable", "LP-RES1", {"R": role()}, "R", "n/a"),
    # LP-KMS1 key policies
    ("KMS1-compliant-default-cdk-policy", "LP-KMS1", {"K": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": doc(
        {"Effect": "Allow", "Principal": {"AWS": ACCOUNT_ROOT}, "Action": "kms:*", "Resource": "*"},
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:role/app/x"},
         "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*"})}}}, "K", set()),
    ("KMS1-kms-star-to-app-role", "LP-KMS1", {"K": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": doc(
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:role/app/x"}, "Action": "kms:*",
         "Resource": "*"})}}}, "K", {"Principal::arn:aws:iam::123456789012:role/app/x"}),
    ("KMS1-star-action-to-service", "LP-KMS1", {"K": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": doc(
        {"Effect": "Allow", "Principal": {"Service": "logs.amazonaws.com"}, "Action": "*", "Resource": "*"})}}}, "K",
     {"Principal::logs.amazonaws.com"}),
    ("KMS1-not-applicable", "LP-KMS1", S3_BUCKET, "B", "n/a"),
]


@pytest.mark.parametrize(("rule_id", "resources", "logical_id", "expected"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_rule(rule_id: str, resources: dict[str, Any], logical_id: str, expected: Any) -> None:
    assert run(RULE[rule_id], resources, logical_id) == expected


def test_every_rule_has_compliant_noncompliant_and_not_applicable_cases() -> None:
    for rule_id in RULE:
        outcomes = [c[4] for c in CASES if c[1] == rule_id]
        assert "n/a" in outcomes, rule_id
        assert set() in outcomes, rule_id
        assert any(isinstance(o, set) and o for o in outcomes), rule_id


def test_kms_administrators_are_configurable() -> None:
    resources = {"K": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": doc(
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:role/platform/key-admin"},
         "Action": "kms:*", "Resource": "*"})}}}
    cfg = NagConfig(kms_administrators=("arn:aws:iam::*:role/platform/*",))
    assert run(RULE["LP-KMS1"], resources, "K", cfg) == set()


def test_application_path_is_configurable() -> None:
    resources = {"R": role(), "P": policy(doc(allow("iam:PassRole", "arn:aws:iam::1:role/svc/worker")))}
    assert run(RULE["LP-IAM4"], resources, "P", NagConfig(application_path="/svc/")) == set()
    assert run(RULE["LP-IAM4"], resources, "P") == {"Resource::arn:aws:iam::1:role/svc/worker"}


def test_boundary_given_as_arn_checks_the_path() -> None:
    resources = {"R": role(PermissionsBoundary="arn:aws:iam::123456789012:policy/lpc-developer-boundary")}
    cfg = NagConfig(boundary="arn:aws:iam::123456789012:policy/boundaries/lpc-developer-boundary")
    assert run(RULE["LP-IAM1"], resources, "R", cfg) == {"Boundary::lpc-developer-boundary"}
    ok = {"R": role(PermissionsBoundary=BOUNDARY_SUB)}
    assert run(RULE["LP-IAM1"], ok, "R", cfg) == set()


def test_size_quotas() -> None:
    rule = RULE["LP-IAM8"]
    small = {"R": role(), "P": policy(doc(allow("s3:GetObject")))}
    assert run(rule, small, "R") == set()
    # inline aggregate: the role's own Policies plus the AWS::IAM::Policy attached to it
    big = {"R": role(Policies=[{"PolicyName": "a", "PolicyDocument": _big_document(80)}]),
           "P": policy(_big_document(80))}
    assert run(rule, big, "R") == {"Size::InlinePolicies"}
    assert run(rule, {"M": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
        "PolicyDocument": _big_document(100)}}}, "M") == {"Size::ManagedPolicy"}
    many = {"R": role(ManagedPolicyArns=[f"arn:aws:iam::aws:policy/P{i}" for i in range(11)])}
    assert run(rule, many, "R") == {"Count::ManagedPolicies"}
    quotas = NagConfig(quotas=PolicyQuotas(managed_policies_per_principal=20))
    assert run(rule, many, "R", quotas) == set()
    assert run(rule, S3_BUCKET, "B") == "n/a"


def test_unresolvable_property_fails_closed() -> None:
    from least_privilege_constructs.analysis.rules.base import Unanalyzable

    view = StackView({"Resources": {"R": role(PermissionsBoundary={"Fn::ImportValue": "nowhere"})}})
    inp = view.rule_input("R")
    assert inp is not None
    with pytest.raises(Unanalyzable) as info:
        RULE["LP-IAM1"](inp)
    assert info.value.key == "Unresolved::PermissionsBoundary"
    assert "nowhere" in info.value.message


def test_malformed_document_fails_closed() -> None:
    from least_privilege_constructs.analysis.rules.base import Unanalyzable

    view = StackView({"Resources": {"R": role(), "P": policy("not json")}})  # type: ignore[arg-type]
    inp = view.rule_input("P")
    assert inp is not None
    with pytest.raises(Unanalyzable, match="not valid JSON"):
        RULE["LP-IAM2"](inp)


def test_import_value_follows_assembly_exports() -> None:
    from least_privilege_constructs.analysis.extract.intrinsics import (
        AssemblyContext,
        ExportEntry,
        StackContext,
    )

    platform = {"Resources": {"B": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
        "ManagedPolicyName": "lpc-developer-boundary", "Path": "/boundaries/", "PolicyDocument": doc()}}},
        "Outputs": {"Out": {"Value": {"Ref": "B"}, "Export": {"Name": "Platform:Boundary"}}}}
    assembly = AssemblyContext()
    exporter = StackContext(platform, account="${AWS::AccountId}", assembly=assembly)
    assembly.exports["Platform:Boundary"] = ExportEntry(exporter, "Out")
    view = StackView({"Resources": {"R": role(PermissionsBoundary={"Fn::ImportValue": "Platform:Boundary"})}},
                     assembly=assembly)
    inp = view.rule_input("R")
    assert inp is not None
    assert RULE["LP-IAM1"](inp) == []


def test_iam3_does_not_apply_to_bounded_developer_roles_only() -> None:
    """A developer role (under developerRolePaths, with the approved boundary) manages its services'
    resources: LP-IAM3 leaves it to the boundary and the escalation analysis; any other recipient keeps it."""
    rule = RULE["LP-IAM3"]
    bounded = "arn:aws:iam::123456789012:policy/boundaries/lpc-developer-boundary"
    work = doc(allow(["lambda:*", "sqs:*"]))
    developer = role(Path="/developers/", PermissionsBoundary=bounded)
    assert run(rule, {"R": developer, "P": policy(work)}, "P") == "n/a"
    assert run(rule, {"R": role(Path="/developers/", PermissionsBoundary=bounded, Policies=[
        {"PolicyName": "w", "PolicyDocument": work}])}, "R") == "n/a"
    expected = {"Action::lambda:*", "Action::sqs:*"}
    # an application role, a developer-path role without the boundary, or a second recipient: still flagged
    assert run(rule, {"R": role(Path="/app/", PermissionsBoundary=bounded), "P": policy(work)}, "P") == expected
    assert run(rule, {"R": role(Path="/developers/"), "P": policy(work)}, "P") == expected
    assert run(rule, {"R": developer, "A": role(Path="/app/", PermissionsBoundary=bounded),
                      "P": policy(work, roles=("R", "A"))}, "P") == expected
    # the path is the configured one
    other_paths = NagConfig(developer_role_paths=("/engineers/",))
    assert run(rule, {"R": developer, "P": policy(work)}, "P", other_paths) == expected


def test_iam3_message_names_the_resources_when_the_action_is_the_finding() -> None:
    view = StackView({"Resources": {"R": role(), "P": policy(doc(allow("iam:CreateUser", "arn:aws:iam::1:user/x")))}})
    inp = view.rule_input("P")
    assert inp is not None
    (finding,) = RULE["LP-IAM3"](inp)
    assert finding.detail == "iam:CreateUser on arn:aws:iam::1:user/x"


# -- what the gate needs to tell one mistake's findings apart: each finding names its statements and actions ----

@pytest.mark.parametrize(("rule_id", "document", "expected"), [
    ("LP-IAM2", doc(allow("s3:GetObject"), allow("*")),
     {("Admin::1", ("PolicyDocument.Statement[1]",), ("*",))}),
    # the same action in two statements: one finding, both statements
    ("LP-IAM3", doc(allow("iam:CreateAccessKey"), allow(["s3:GetObject", "iam:CreateAccessKey"])),
     {("Action::iam:CreateAccessKey", ("PolicyDocument.Statement[0]", "PolicyDocument.Statement[1]"),
       ("iam:CreateAccessKey",))}),
    ("LP-IAM4", doc(allow("iam:PassRole")),
     {("Resource::*", ("PolicyDocument.Statement[0]",), ("iam:PassRole",))}),
    ("LP-IAM5", doc({"Effect": "Allow", "NotAction": "s3:DeleteBucket", "Resource": "*"}),
     {("NotAction::0", ("PolicyDocument.Statement[0]",), ("*",))}),  # every action but the listed ones
    ("LP-IAM5", doc({"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::b/*"}),
     {("NotResource::0", ("PolicyDocument.Statement[0]",), ("s3:GetObject",))}),
])
def test_a_rule_names_the_statements_and_actions_of_its_finding(rule_id: str, document: dict[str, Any],
                                                                 expected: set[tuple[str, tuple[str, ...], tuple[str, ...]]]) -> None:
    view = StackView({"Resources": {"R": role(), "P": policy(document)}}, config=NagConfig())
    inp = view.rule_input("P")
    assert inp is not None
    result = RULE[rule_id](inp)
    assert result is not NOT_APPLICABLE
    assert {(f.key, f.statements, f.actions) for f in result} == expected  # type: ignore[union-attr]


def test_a_policy_s_recipients_are_its_roles_and_the_principals_that_attach_it() -> None:
    # given an inline policy on two roles and a managed policy one user attaches by Ref
    view = StackView({"Resources": {
        "A": role(), "B": role(), "C": role(), "P": policy(doc(allow("s3:GetObject")), roles=("B", "A")),
        "M": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": doc(allow("s3:GetObject"))}},
        "U": {"Type": "AWS::IAM::User", "Properties": {"ManagedPolicyArns": [{"Ref": "M"}]}},
    }})
    # then each policy's recipients are listed in template order
    assert view.recipients("P") == ["A", "B"]
    assert view.recipients("M") == ["U"]
    assert view.recipients("A") == []


def test_two_statements_never_share_a_finding_id() -> None:
    # given a repeated Sid, and a numeric Sid beside an unnamed statement at that index (S3 accepts both)
    public = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}
    document = doc({**public, "Sid": "PublicRead"}, {**public, "Sid": "PublicRead", "Action": "s3:PutObject"},
                   {**public, "Sid": "3"}, public)
    found = run(RULE["LP-RES1"], {"BP": {"Type": "AWS::S3::BucketPolicy", "Properties": {
        "Bucket": "b", "PolicyDocument": document}}}, "BP")
    # then each statement has its own id: an acknowledgment of one never names another
    assert found == {"Statement::0", "Statement::1", "Statement::2", "Statement::3"}
