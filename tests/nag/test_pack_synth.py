"""LeastPrivilegeChecks as a CDK validation plugin: one small app with several stacks, synthesized once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.synth

PLUGIN = "LeastPrivilegeChecks"
CONTEXT = {"least-privilege": {"boundaryName": "lpc-developer-boundary", "applicationPath": "/app/"}}


def violations(outdir: Path, plugin: str = PLUGIN) -> set[tuple[str, str]]:
    """(rule id, construct path) of every unacknowledged violation of ``plugin`` in the validation report."""
    report = json.loads((outdir / "validation-report.json").read_text(encoding="utf-8"))
    return {
        (v["ruleName"], c["constructPath"])
        for r in report["pluginReports"] if r["pluginName"] == plugin
        for v in r["violations"]
        for c in v["violatingConstructs"]
    }


def synth(app: Any) -> str | None:
    """Synthesize; return the failure message (None when synthesis passed)."""
    try:
        app.synth()
    except Exception as exc:  # the validation failure is a jsii RuntimeError
        return str(exc)
    return None


def _build(outdir: Path) -> Any:
    from aws_cdk import Acknowledgment, App, CfnOutput, NestedStack, Stack, Stage, Validations
    from aws_cdk import aws_iam as iam
    from aws_cdk import aws_kms as kms
    from aws_cdk import aws_s3 as s3

    from least_privilege_constructs import LeastPrivilegeChecks

    app = App(outdir=str(outdir), context=CONTEXT)
    lam = iam.ServicePrincipal("lambda.amazonaws.com")

    platform = Stack(app, "Platform")
    boundary = iam.ManagedPolicy(platform, "Boundary", managed_policy_name="lpc-developer-boundary",
                                 path="/boundaries/",
                                 statements=[iam.PolicyStatement(actions=["s3:*", "sqs:*"], resources=["*"])])
    CfnOutput(platform, "BoundaryArn", value=boundary.managed_policy_arn)
    iam.PermissionsBoundary.of(platform).apply(boundary)

    # compliant: the boundary comes from another stack (Fn::ImportValue) through the late aspect
    good = Stack(app, "Good")
    worker = iam.Role(good, "Worker", assumed_by=lam, path="/app/")
    passed = iam.Role(good, "Passed", assumed_by=lam, path="/app/")
    passed.grant_pass_role(worker)
    key = kms.Key(good, "Key")
    key.grant_encrypt_decrypt(worker)
    s3.Bucket(good, "Data", enforce_ssl=True).grant_read(worker)
    iam.PermissionsBoundary.of(good).apply(boundary)

    bad = Stack(app, "Bad")
    iam.Role(bad, "NoBoundary", assumed_by=lam, path="/app/")
    iam.Role(bad, "RootTrust", assumed_by=iam.AccountRootPrincipal(), path="/app/")
    wide = iam.Role(bad, "Wide", assumed_by=lam, path="/app/")
    wide.add_to_policy(iam.PolicyStatement(actions=["iam:PassRole", "kms:CreateGrant"], resources=["*"]))
    hatch = iam.Role(bad, "Hatch", assumed_by=lam, path="/app/")
    hatch.node.default_child.add_property_override("Policies", [{  # type: ignore[union-attr]
        "PolicyName": "late", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
            {"Sid": "AllButIam", "Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}}])
    iam.CfnUser(bad, "Console", login_profile=iam.CfnUser.LoginProfileProperty(password="Chang3-me!"))
    bucket = s3.Bucket(bad, "Public", enforce_ssl=True)
    bucket.add_to_resource_policy(iam.PolicyStatement(sid="PublicRead", actions=["s3:GetObject"],
                                                      principals=[iam.AnyPrincipal()],
                                                      resources=[bucket.arn_for_objects("*")]))
    nested = NestedStack(bad, "Nested")
    iam.Role(nested, "NestedNoBoundary", assumed_by=lam, path="/app/")

    acks = Stack(app, "Acks")
    iam.PermissionsBoundary.of(acks).apply(boundary)
    whole = iam.Role(acks, "WholeRule", assumed_by=lam, path="/app/")
    whole.add_to_policy(iam.PolicyStatement(actions=["iam:PassRole"],
                                            resources=["*", "arn:aws:iam::123456789012:role/other"]))
    Validations.of(whole).acknowledge(Acknowledgment(id="LP-IAM4", reason="legacy role, PLAT-77"))
    one = iam.Role(acks, "OneFinding", assumed_by=lam, path="/app/")
    one.add_to_policy(iam.PolicyStatement(actions=["kms:CreateGrant", "iam:CreatePolicyVersion"], resources=["*"]))
    Validations.of(one).acknowledge(Acknowledgment(id="LP-IAM3[Action::kms:CreateGrant]", reason="EBS grants"))
    blank = iam.Role(acks, "Blank", assumed_by=lam, path="/app/")
    blank.add_to_policy(iam.PolicyStatement(actions=["iam:PassRole"], resources=["*"]))
    Validations.of(blank).acknowledge(Acknowledgment(id="LP-IAM4", reason=" "))
    namespaced = iam.Role(acks, "Namespaced", assumed_by=iam.AccountRootPrincipal(), path="/app/")
    Validations.of(namespaced).acknowledge(
        Acknowledgment(id="LeastPrivilegeChecks::LP-IAM6", reason="same-account admin tooling assumes it"))

    # a stage (nested cloud assembly); its acknowledgment sits above the stacks, on the stage itself
    prod = Stage(app, "Prod")
    inner = Stack(prod, "Inner")
    iam.Role(inner, "Unbounded", assumed_by=lam, path="/app/")
    iam.Role(inner, "Trusting", assumed_by=iam.AccountRootPrincipal(), path="/app/")
    Validations.of(prod).acknowledge(Acknowledgment(id="LP-IAM6", reason="stage-wide: break-glass tooling roles"))

    Validations.of(app).add_plugins(LeastPrivilegeChecks(app))
    return app


@pytest.fixture(scope="module")
def nag_assembly(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str | None]:
    outdir = tmp_path_factory.mktemp("nag-pack")
    app = _build(outdir)
    return outdir, synth(app)


@pytest.fixture(scope="module")
def synthesized(nag_assembly: tuple[Path, str | None]) -> tuple[set[tuple[str, str]], str | None]:
    return violations(nag_assembly[0]), nag_assembly[1]


def test_synthesis_fails_on_findings(synthesized: tuple[set[tuple[str, str]], str | None]) -> None:
    _, message = synthesized
    assert message is not None and "LeastPrivilegeChecks" in message


def test_compliant_stacks_have_no_findings(synthesized: tuple[set[tuple[str, str]], str | None]) -> None:
    found, _ = synthesized
    assert [v for v in found if v[1].startswith(("Good/", "Platform/"))] == []


@pytest.mark.parametrize(
    "expected",
    [
        ("LP-IAM1[Boundary::missing]", "Bad/NoBoundary/Resource"),
        ("LP-IAM4[Resource::*]", "Bad/Wide/DefaultPolicy/Resource"),
        ("LP-IAM3[Action::kms:CreateGrant]", "Bad/Wide/DefaultPolicy/Resource"),
        ("LP-IAM5[NotAction::late/AllButIam]", "Bad/Hatch/Resource"),
        ("LP-IAM7[LoginProfile]", "Bad/Console"),
        ("LP-RES1[Statement::PublicRead]", "Bad/Public/Policy/Resource"),
        ("LP-IAM1[Boundary::missing]", "Bad/Nested/NestedNoBoundary/Resource"),
        ("LP-IAM3[Action::iam:CreatePolicyVersion]", "Acks/OneFinding/DefaultPolicy/Resource"),
        ("LP-IAM4[Resource::*]", "Acks/Blank/DefaultPolicy/Resource"),
        ("LP-ACK[LP-IAM4]", "Acks/Blank/DefaultPolicy/Resource"),
        ("LP-IAM1[Boundary::missing]", "Prod/Inner/Unbounded/Resource"),
        ("LP-IAM6[Root::own-account]", "Bad/RootTrust/Resource"),
    ],
    ids=["missing-boundary", "passrole-star", "permissions-management", "escape-hatch-not-action",
         "console-password", "public-bucket", "nested-stack", "granular-ack-leaves-the-rest",
         "blank-reason-not-honoured", "blank-reason-reported", "stage-stack",
         "account-root-trust"],
)
def test_finding_reported(synthesized: tuple[set[tuple[str, str]], str | None], expected: tuple[str, str]) -> None:
    found, _ = synthesized
    assert expected in found, sorted(found)


@pytest.mark.parametrize(
    ("rule_prefix", "path_prefix"),
    [("LP-IAM4", "Acks/WholeRule/"), ("LP-IAM3[Action::kms:CreateGrant]", "Acks/OneFinding/"),
     ("LP-IAM6", "Acks/Namespaced/"), ("LP-IAM6", "Prod/")],
    ids=["whole-rule-ack", "granular-ack", "plugin-namespaced-ack", "stage-level-ack"],
)
def test_acknowledged(synthesized: tuple[set[tuple[str, str]], str | None], rule_prefix: str,
                      path_prefix: str) -> None:
    found, _ = synthesized
    assert [v for v in found if v[0].startswith(rule_prefix) and v[1].startswith(path_prefix)] == []


def test_every_finding_is_an_lp_rule(synthesized: tuple[set[tuple[str, str]], str | None]) -> None:
    found, _ = synthesized
    assert found and all(rule.startswith("LP-") for rule, _ in found)


def test_validate_scope_direct_call(tmp_path: Path) -> None:
    from aws_cdk import App, Stack
    from aws_cdk import aws_iam as iam

    from least_privilege_constructs import LeastPrivilegeChecks

    app = App(outdir=str(tmp_path), context=CONTEXT)
    iam.Role(Stack(app, "S"), "R", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    report = LeastPrivilegeChecks(app).validate_scope(app)
    assert not report.success
    assert {v.rule_name for v in report.violations} == {"LP-IAM1[Boundary::missing]"}


def test_bad_configuration_is_a_clear_error() -> None:
    from aws_cdk import App

    from least_privilege_constructs import LeastPrivilegeChecks

    with pytest.raises(ValueError, match="applicationPath"):
        LeastPrivilegeChecks(App(context={"least-privilege": {"applicationPath": "app"}}))
    with pytest.raises(ValueError, match="unknown rule ids"):
        LeastPrivilegeChecks(App(), levels={"LP-NOPE": "WARN"})


def test_synthesis_runs_without_per_resource_jsii_calls(tmp_path: Path) -> None:
    """Under CDK's validate the pack evaluates the assembly: cdk-nag's per-resource walk is not used."""
    from aws_cdk import App, Stack, Validations
    from aws_cdk import aws_iam as iam

    from least_privilege_constructs import LeastPrivilegeChecks

    walked: list[str] = []

    class Counting(LeastPrivilegeChecks):
        def _check_resource(self, node: Any) -> None:
            walked.append("x")
            super()._check_resource(node)

    app = App(outdir=str(tmp_path), context=CONTEXT)
    iam.Role(Stack(app, "S"), "R", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    Validations.of(app).add_plugins(Counting(app))
    assert synth(app) is not None
    assert violations(tmp_path) == {("LP-IAM1[Boundary::missing]", "S/R/Resource")}
    assert walked == []


def test_the_gate_runs_the_same_rules_with_the_same_ids(nag_assembly: tuple[Path, str | None],
                                                        synthesized: tuple[set[tuple[str, str]], str | None]) -> None:
    """lpc gate's run of the LP-* rules (analysis/rules/assembly_run.py) over the assembly the pack checked:
    the same findings under the same ids, the same acknowledgments (read from the assembly's metadata)."""
    from least_privilege_constructs.analysis.finding_ids import finding_id
    from least_privilege_constructs.analysis.gate import BLANK_ACKNOWLEDGMENT, apply_acknowledgments
    from least_privilege_constructs.analysis.rules.assembly_run import rule_findings
    from least_privilege_constructs.analysis.rules.config import NagConfig

    # given the assembly the pack reported on
    outdir, _ = nag_assembly
    pack, _ = synthesized
    # when the gate runs the rules over it and applies the acknowledgments of its metadata
    still, _accepted = apply_acknowledgments(rule_findings(outdir, NagConfig(boundary="lpc-developer-boundary")), outdir)
    gate = {(f"LP-ACK[{finding_id(f)}]" if (f.details or {}).get(BLANK_ACKNOWLEDGMENT) else finding_id(f),
             f.origin.construct_path if f.origin else "") for f in still}
    # then the findings are the pack's, except that a blank acknowledgment gives one finding (LP-ACK[<id>]) where
    # the pack reports the finding and LP-ACK; the acknowledgment on the Stage (above the stacks) is honoured by
    # both, read from the same record of the assembly
    pack_ids = {(rule.removeprefix("LeastPrivilegeChecks::"), path) for rule, path in pack}
    blank = ("LP-IAM4[Resource::*]", "Acks/Blank/DefaultPolicy/Resource")
    assert blank in pack_ids and ("LP-ACK[LP-IAM4[Resource::*]]", blank[1]) in gate
    assert not {(i, p) for i, p in gate if p.startswith("Prod/") and i.startswith("LP-IAM6")}
    assert gate - {("LP-ACK[LP-IAM4[Resource::*]]", blank[1])} == \
        {(i, p) for i, p in pack_ids if not i.startswith("LP-ACK")} - {blank}
