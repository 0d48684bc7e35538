"""A small app with exactly four planted problems, one per kind of check of the synth-time gate."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aws_cdk import App, Stack, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3

from least_privilege_constructs import LeastPrivilegeValidation

REFERENCE = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": "*"}],
}

EXPECTED = {
    # issue code -> construct path of the policy that carries it
    "INVALID_ACTION": "Planted/Typo/Resource",
    "PASS_ROLE_WITH_STAR_IN_RESOURCE": "Planted/Deployer/Resource",
    "NEW_ACCESS": "Planted/Sender/DefaultPolicy/Resource",
    "PUBLIC_ACCESS": "Planted/Website/Policy/Resource",
}


def build_planted_app(outdir: str, reference_dir: Path, **plugin_kwargs: Any) -> tuple[App, LeastPrivilegeValidation]:
    reference = reference_dir / "sender-reference.json"
    reference.write_text(json.dumps(REFERENCE))
    context = {
        "mode": "offline",
        "cache": False,
        "reportPath": str(reference_dir / "report.json"),
        "references": [{"scope": "Planted/Sender", "policy": str(reference)}],
    }
    app = App(outdir=outdir, context={"least-privilege": context}, builtin_cloud_formation_validation=False)
    stack = Stack(app, "Planted")
    lambda_principal = iam.ServicePrincipal("lambda.amazonaws.com")

    # clean: a role reading one parameter
    clean = iam.Role(stack, "Clean", assumed_by=lambda_principal)
    clean.add_to_policy(iam.PolicyStatement(actions=["ssm:GetParameter"], resources=[
        stack.format_arn(service="ssm", resource="parameter", resource_name="app/config")]))

    # 1. an ERROR: a misspelt action
    typo = iam.Role(stack, "TypoRole", assumed_by=lambda_principal)
    iam.Policy(stack, "Typo", statements=[iam.PolicyStatement(actions=["s3:GetObjekt"], resources=["*"])],
               roles=[typo])

    # 2. a SECURITY_WARNING: PassRole on every role
    deployer = iam.Role(stack, "DeployerRole", assumed_by=lambda_principal)
    iam.Policy(stack, "Deployer", statements=[iam.PolicyStatement(actions=["iam:PassRole"], resources=["*"])],
               roles=[deployer])

    # 3. new access compared with the reference policy configured for Planted/Sender
    sender = iam.Role(stack, "Sender", assumed_by=lambda_principal)
    sender.add_to_policy(iam.PolicyStatement(actions=["sqs:SendMessage", "sqs:DeleteQueue"], resources=["*"]))

    # 4. a public bucket policy
    bucket = s3.Bucket(stack, "Website", enforce_ssl=True)
    bucket.add_to_resource_policy(
        iam.PolicyStatement(principals=[iam.AnyPrincipal()], actions=["s3:GetObject"],
                            resources=[bucket.arn_for_objects("*")])
    )
    plugin = LeastPrivilegeValidation(app, quiet=True, **plugin_kwargs)
    Validations.of(app).add_plugins(plugin)
    return app, plugin
