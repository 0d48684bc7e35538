"""Federated and Identity Center developer trusts pass the gate's EXTERNAL_PRINCIPAL by default (accepted
with a reason by construction, still listed in the report), and Identity Center trust names one permission set."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from aws_cdk import App, Environment, Stack, Validations

from least_privilege_constructs import (
    BoundaryEnforcement,
    DeveloperRole,
    DeveloperTrust,
    LeastPrivilegeChecks,
    LeastPrivilegeValidation,
    PermissionsBoundaryPolicy,
)
from least_privilege_constructs.errors import LeastPrivilegeError

ACCOUNT = "111122223333"


def test_federated_and_identity_center_trusts_synthesize_clean(tmp_path: Path) -> None:
    # given developer roles trusted through OIDC, SAML and Identity Center, every guardrail on
    app = App(outdir=str(tmp_path / "cdk.out"), context={"least-privilege": {
        "mode": "offline", "reportPath": str(tmp_path / "report.json"), "cacheDir": str(tmp_path / "cache")}})
    stack = Stack(app, "Platform", env=Environment(account=ACCOUNT, region="eu-west-1"))
    boundary = PermissionsBoundaryPolicy(stack, "Boundary", allowed_services=["lambda", "logs"])
    provider = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
    trusts = {
        "Ci": DeveloperTrust.oidc(provider, issuer="https://token.actions.githubusercontent.com",
                                  audience="sts.amazonaws.com", subjects=["repo:corp/payments:ref:refs/heads/main"]),
        "Saml": DeveloperTrust.saml(f"arn:aws:iam::{ACCOUNT}:saml-provider/corp-idp"),
        "Sso": DeveloperTrust.identity_center("444455556666", "PaymentsDevelopers"),
    }
    for name, trust in trusts.items():
        DeveloperRole(stack, name, boundary=boundary, trust=trust, developer_services=["lambda"])
    BoundaryEnforcement.of(app).apply(boundary)
    Validations.of(app).add_plugins(LeastPrivilegeChecks(app), LeastPrivilegeValidation(app, quiet=True))
    # when synthesized, then nothing blocks ...
    assembly = app.synth()
    report = json.load(open(os.path.join(assembly.directory, "validation-report.json")))
    failed = [r["pluginName"] for r in report["pluginReports"] if r["conclusion"] == "failure"]
    assert failed == []
    # ... and the gate still found the external access: accepted with the trust's reason, not hidden
    gate = json.load(open(tmp_path / "report.json"))
    assert [f for f in gate["findings"] if f["issueCode"] == "EXTERNAL_PRINCIPAL"] == []
    external = [f for f in gate["acknowledged"] if f["issueCode"] == "EXTERNAL_PRINCIPAL"]
    assert sorted(f["acknowledgedAt"] for f in external) == ["/Platform/Ci", "/Platform/Saml", "/Platform/Sso"]
    assert all(f["reason"].startswith("DeveloperTrust.") for f in external)
    template = json.load(open(os.path.join(assembly.directory, "Platform.template.json")))
    sso = next(r for k, r in template["Resources"].items() if k.startswith("Sso") and r["Type"] == "AWS::IAM::Role")
    condition = json.dumps(sso["Properties"]["AssumeRolePolicyDocument"])
    assert "AWSReservedSSO_PaymentsDevelopers_*" in condition


@pytest.mark.parametrize("name", [None, "", "*", "Dev*", "x" * 33])
def test_identity_center_trust_names_one_permission_set(name: object) -> None:
    with pytest.raises(LeastPrivilegeError, match="LPC-DEVROLE-013"):
        DeveloperTrust.identity_center(ACCOUNT, name)  # type: ignore[arg-type]


def test_identity_center_trust_from_a_permission_set_object() -> None:
    """The role Identity Center provisions for a permission set is AWSReservedSSO_<name>_<suffix> under
    /aws-reserved/sso.amazonaws.com/ (https://docs.aws.amazon.com/singlesignon/latest/userguide/
    referencingpermissionsets.html): the trust derives the pattern from the construct's name."""
    from least_privilege_constructs import DeveloperPermissionSet

    # given a permission set construct
    stack = Stack(App(), "Mgmt")
    boundary = PermissionsBoundaryPolicy.reference(stack, "Boundary", allowed_services=["lambda"])
    ps = DeveloperPermissionSet(stack, "Devs", instance_arn="arn:aws:sso:::instance/ssoins-1234567890abcdef",
                                name="PaymentsDevelopers", boundary=boundary)
    # when the trust names it by object or by name, then the same one-permission-set pattern
    by_object = DeveloperTrust.identity_center(ACCOUNT, permission_set=ps)
    by_name = DeveloperTrust.identity_center(ACCOUNT, "PaymentsDevelopers")
    roles = f"arn:aws:iam::{ACCOUNT}:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_PaymentsDevelopers_"
    assert by_object.conditions == by_name.conditions == {"ArnLike": {"aws:PrincipalArn": f"{roles}*"},
                                                         "ArnNotLike": {"aws:PrincipalArn": f"{roles}*_*"}}
    assert "'PaymentsDevelopers'" in (by_object.external_reason or "")


@pytest.mark.parametrize(("kwargs", "text"), [
    ({"permission_set": 42}, "must be a DeveloperPermissionSet"),
    ({"permission_set_name": "A", "permission_set": "B"}, "not both"),
])
def test_identity_center_trust_rejects_a_bad_permission_set(kwargs: dict[str, object], text: str) -> None:
    with pytest.raises(LeastPrivilegeError, match="LPC-DEVROLE-013") as info:
        DeveloperTrust.identity_center(ACCOUNT, **kwargs)  # type: ignore[arg-type]
    assert text in str(info.value)


SSO_ROLES = f"arn:aws:iam::{ACCOUNT}:role/aws-reserved/sso.amazonaws.com"


@pytest.mark.parametrize(("role", "outcome"), [
    (f"{SSO_ROLES}/AWSReservedSSO_Payments_0123456789abcdef", "Allowed"),
    (f"{SSO_ROLES}/eu-west-1/AWSReservedSSO_Payments_0123456789abcdef", "Allowed"),
    # another permission set whose name extends this one ("Payments_Admin": names may contain "_")
    (f"{SSO_ROLES}/AWSReservedSSO_Payments_Admin_0123456789abcdef", "ImplicitlyDenied"),
    (f"{SSO_ROLES}/AWSReservedSSO_PaymentsAdmin_0123456789abcdef", "ImplicitlyDenied"),
    (f"{SSO_ROLES}/AWSReservedSSO_Other_0123456789abcdef", "ImplicitlyDenied"),
    (f"arn:aws:iam::{ACCOUNT}:role/AWSReservedSSO_Payments_0123456789abcdef", "ImplicitlyDenied"),
])
def test_identity_center_trust_admits_only_the_named_permission_sets_roles(role: str, outcome: str) -> None:
    """Identity Center's roles are ``AWSReservedSSO_<permission set name>_<unique suffix>`` under
    ``/aws-reserved/sso.amazonaws.com/`` (plus the region outside us-east-1):
    https://docs.aws.amazon.com/singlesignon/latest/userguide/referencingpermissionsets.html. Decided by our
    evaluator and by the independent one (@cloud-copilot/iam-simulate)."""
    from least_privilege_constructs.analysis.reasoning import PolicySet, Request, evaluate
    from tests.analysis.reasoning.test_differential import run_iam_simulate

    # given the condition of a developer role's trust in permission set "Payments" (evaluated here on an identity
    # policy: the condition, not the trust policy's principal rules, is what pins the permission set)
    trust = DeveloperTrust.identity_center(ACCOUNT, "Payments")
    target = f"arn:aws:iam::{ACCOUNT}:role/developers/payments-dev"
    identity = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                         "Resource": target, "Condition": trust.conditions}]}
    # when a role of the account asks to assume the developer role
    request = Request(role, "sts:AssumeRole", target, {"aws:PrincipalArn": role}, ACCOUNT)
    ours = evaluate(request, PolicySet.build(identity=[identity])).outcome.value
    [theirs] = run_iam_simulate([{"identity": [identity], "boundary": None, "scps": [], "rcps": [],
                                  "resourcePolicy": None, "principal": role, "action": "sts:AssumeRole",
                                  "resource": target, "context": {"aws:PrincipalArn": role}, "accountId": ACCOUNT}])
    # then only the roles of that permission set may, by both evaluators
    assert ours == outcome
    assert theirs.get("result") == outcome, theirs
