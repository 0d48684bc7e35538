"""The synthesized ``AWS::CloudFormation::StackSet`` resources and their templates (read from ``cdk.out``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.rollout.rollout_apps import (
    ALLOWED_REGIONS,
    ALLOWED_SERVICES,
    BREAK_GLASS,
    EXTRA_ACCOUNT,
    HOME_REGION,
    ORG_ID,
    SAML_PROVIDER,
    SANDBOX_OU,
    SECURITY,
    SELF_MANAGED_TARGETS,
    WORKLOAD_OU,
)
from tests.rollout.rollout_deploy import stack_sets, stack_template

pytestmark = pytest.mark.synth

METADATA_KEY = "least-privilege:stackset-template"


def _by_name(cdk_out: Path, artifact: str) -> dict[str, dict[str, Any]]:
    return {
        r["Properties"]["StackSetName"]: r for r in stack_sets(stack_template(cdk_out, artifact)).values()
    }


def _inline_template(resource: dict[str, Any]) -> dict[str, Any]:
    return json.loads(resource["Properties"]["TemplateBody"])


def _resources(template: dict[str, Any], rtype: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == rtype}


def test_service_managed_stackset_properties(rollout_cdk_out: Path) -> None:
    resource = _by_name(rollout_cdk_out, "OrgManagement")["lpc-default-policies"]
    props = dict(resource["Properties"])
    body = props.pop("TemplateBody")
    assert isinstance(body, str) and "TemplateURL" not in props
    assert props == {
        "StackSetName": "lpc-default-policies",
        "PermissionModel": "SERVICE_MANAGED",
        "AutoDeployment": {"Enabled": True, "RetainStacksOnAccountRemoval": True},
        "CallAs": "DELEGATED_ADMIN",
        "Capabilities": ["CAPABILITY_NAMED_IAM"],
        "ManagedExecution": {"Active": True},
        "Description": props["Description"],
        "OperationPreferences": {
            "MaxConcurrentPercentage": 25,
            "FailureTolerancePercentage": 10,
            "RegionConcurrencyType": "SEQUENTIAL",
            "RegionOrder": [HOME_REGION],
            "ConcurrencyMode": "SOFT_FAILURE_TOLERANCE",
        },
        "StackInstancesGroup": [
            {
                "DeploymentTargets": {
                    "OrganizationalUnitIds": [WORKLOAD_OU, SANDBOX_OU],
                    "Accounts": [BREAK_GLASS],
                    "AccountFilterType": "DIFFERENCE",
                },
                "Regions": [HOME_REGION],
            }
        ],
        "Tags": [{"Key": "owner", "Value": "platform"}],
    }
    assert "default policies" in props["Description"].lower()


def test_union_rollout_of_the_same_template(rollout_cdk_out: Path) -> None:
    stack_sets_ = _by_name(rollout_cdk_out, "OrgManagement")
    extra = stack_sets_["lpc-default-policies-extra"]["Properties"]
    assert extra["StackInstancesGroup"][0]["DeploymentTargets"] == {
        "OrganizationalUnitIds": [SANDBOX_OU],
        "Accounts": [EXTRA_ACCOUNT],
        "AccountFilterType": "UNION",
    }
    assert extra["AutoDeployment"] == {"Enabled": False}
    assert extra["ManagedExecution"] == {"Active": False}
    assert extra["CallAs"] == "SELF"
    assert extra["OperationPreferences"] == {"MaxConcurrentCount": 3, "FailureToleranceCount": 2}
    # one template, two StackSets: the same body
    assert extra["TemplateBody"] == stack_sets_["lpc-default-policies"]["Properties"]["TemplateBody"]


def test_template_is_in_the_assembly_but_no_stack_artifact(rollout_cdk_out: Path) -> None:
    manifest = json.loads((rollout_cdk_out / "manifest.json").read_text())
    stacks = {k for k, v in manifest["artifacts"].items() if v["type"] == "aws:cloudformation:stack"}
    # the StackSet templates cannot be deployed into the management account by `cdk deploy --all`
    assert stacks == {"OrgManagement", "StandaloneManagement", "BigManagement", "SingleAccountDefaults"}
    resource = _by_name(rollout_cdk_out, "OrgManagement")["lpc-default-policies"]
    template_file = rollout_cdk_out / resource["Metadata"][METADATA_KEY]
    assert template_file.is_file()
    assert json.loads(template_file.read_text()) == _inline_template(resource)


def test_default_policies_template_content(rollout_cdk_out: Path) -> None:
    template = _inline_template(_by_name(rollout_cdk_out, "OrgManagement")["lpc-default-policies"])
    assert "Rules" not in template and "Parameters" not in template  # no bootstrap-version check
    assert "Conditions" not in template  # no CDK metadata resource and its region conditions
    assert not _resources(template, "AWS::CDK::Metadata")
    text = json.dumps(template)
    assert "123456789012" not in text and "${Token[" not in text
    assert "workload-boundary" not in text  # the outer PermissionsBoundary aspect did not leak in

    policies = {
        v["Properties"]["ManagedPolicyName"]: (k, v)
        for k, v in _resources(template, "AWS::IAM::ManagedPolicy").items()
    }
    assert set(policies) == {"lpc-developer-boundary", "lpc-deny-leaving-organization"}
    boundary_id, boundary = policies["lpc-developer-boundary"]
    assert boundary["Properties"]["Path"] == "/boundaries/"
    statements = boundary["Properties"]["PolicyDocument"]["Statement"]
    allowed = next(s for s in statements if s.get("Sid") == "AllowedMaximum")
    assert sorted(allowed["Action"]) == sorted(f"{s}:*" for s in ALLOWED_SERVICES)
    (regions,) = [
        values
        for s in statements
        for block in s.get("Condition", {}).values()
        for key, values in block.items()
        if key == "aws:RequestedRegion"
    ]
    assert sorted(regions) == sorted(ALLOWED_REGIONS)
    assert policies["lpc-deny-leaving-organization"][1]["Properties"]["Path"] == "/lpc/"

    roles = {
        v["Properties"]["RoleName"]: v["Properties"] for v in _resources(template, "AWS::IAM::Role").values()
    }
    assert set(roles) == {"lpc-federated-read-only", "lpc-security-audit"}
    read_only = roles["lpc-federated-read-only"]
    assert read_only["Path"] == "/lpc/"
    assert read_only["PermissionsBoundary"] == {"Ref": boundary_id}
    assert read_only["ManagedPolicyArns"] == [
        {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/ReadOnlyAccess"}
    ]
    assert read_only["MaxSessionDuration"] == 3600
    (trust,) = read_only["AssumeRolePolicyDocument"]["Statement"]
    assert trust == {
        "Effect": "Allow",
        "Principal": {
            "Federated": {
                "Fn::Sub": f"arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:saml-provider/{SAML_PROVIDER}"
            }
        },
        "Action": "sts:AssumeRoleWithSAML",
        "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}},
    }

    audit = roles["lpc-security-audit"]
    assert "PermissionsBoundary" not in audit  # by default: the auditor must see every region and service
    assert audit["ManagedPolicyArns"] == [{"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/SecurityAudit"}]
    (trust,) = audit["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"AWS": {"Fn::Sub": f"arn:${{AWS::Partition}}:iam::{SECURITY}:root"}}
    assert trust["Condition"] == {
        "StringEquals": {"sts:ExternalId": "lpc-audit-7f3a", "aws:PrincipalOrgID": ORG_ID},
        "ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{SECURITY}:role/security-scanner"},
    }


def test_self_managed_stackset_by_template_url(rollout_cdk_out: Path) -> None:
    template = stack_template(rollout_cdk_out, "StandaloneManagement")
    (resource,) = stack_sets(template).values()
    props = resource["Properties"]
    assert props["PermissionModel"] == "SELF_MANAGED"
    assert "AutoDeployment" not in props and "CallAs" not in props
    assert props["ExecutionRoleName"] == "AWSCloudFormationStackSetExecutionRole"
    admin_id = props["AdministrationRoleARN"]["Fn::GetAtt"][0]
    admin = template["Resources"][admin_id]["Properties"]
    assert admin["RoleName"] == "AWSCloudFormationStackSetAdministrationRole"
    (admin_trust,) = admin["AssumeRolePolicyDocument"]["Statement"]
    assert admin_trust["Principal"] == {"Service": "cloudformation.amazonaws.com"}
    assert admin_trust["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    assert "stackset/lpc-default-policies-self-managed:*" in json.dumps(admin_trust["Condition"]["ArnLike"])
    (inline,) = admin["Policies"]
    assume = inline["PolicyDocument"]["Statement"][0]
    assert assume["Action"] == "sts:AssumeRole"
    assert len(assume["Resource"]) == len(SELF_MANAGED_TARGETS)
    for account, arn in zip(SELF_MANAGED_TARGETS, assume["Resource"]):
        assert arn == {
            "Fn::Join": [
                "",
                [
                    "arn:",
                    {"Ref": "AWS::Partition"},
                    f":iam::{account}:role/AWSCloudFormationStackSetExecutionRole",
                ],
            ]
        }
    assert props["StackInstancesGroup"] == [
        {"DeploymentTargets": {"Accounts": list(SELF_MANAGED_TARGETS)}, "Regions": [HOME_REGION]}
    ]
    assert "DependsOn" not in resource  # the GetAtt of AdministrationRoleARN orders them already
    _assert_template_url_points_at_asset(rollout_cdk_out, "StandaloneManagement", resource)

    stackset_template = json.loads((rollout_cdk_out / resource["Metadata"][METADATA_KEY]).read_text())
    roles = {
        v["Properties"]["RoleName"]: v["Properties"]
        for v in _resources(stackset_template, "AWS::IAM::Role").values()
    }
    assert "PermissionsBoundary" in roles["lpc-security-audit"]  # audit_role_boundary=True
    (trust,) = roles["lpc-federated-read-only"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert trust["Condition"] == {
        "StringEquals": {"idp.example.com/oauth2:aud": "aws-federation"},
        "StringLike": {"idp.example.com/oauth2:sub": ["group:cloud-readers"]},
    }
    (audit_trust,) = roles["lpc-security-audit"]["AssumeRolePolicyDocument"]["Statement"]
    assert audit_trust["Condition"] == {"Bool": {"aws:MultiFactorAuthPresent": "true"}}


def _assert_template_url_points_at_asset(cdk_out: Path, artifact: str, resource: dict[str, Any]) -> None:
    props = resource["Properties"]
    assert "TemplateBody" not in props
    url = props["TemplateURL"]["Fn::Sub"]
    object_key = url.rsplit("/", 1)[1]
    assets = json.loads((cdk_out / f"{artifact}.assets.json").read_text())["files"]
    (asset,) = [
        a for a in assets.values() if any(d["objectKey"] == object_key for d in a["destinations"].values())
    ]
    assert resource["Metadata"]["aws:asset:path"] == asset["source"]["path"]
    assert resource["Metadata"]["aws:asset:property"] == "TemplateURL"
    published = json.loads((cdk_out / asset["source"]["path"]).read_text())
    assert published == json.loads((cdk_out / resource["Metadata"][METADATA_KEY]).read_text())


def test_large_template_switches_to_template_url(rollout_cdk_out: Path) -> None:
    (resource,) = stack_sets(stack_template(rollout_cdk_out, "BigManagement")).values()
    template_file = rollout_cdk_out / resource["Metadata"][METADATA_KEY]
    minified = json.dumps(json.loads(template_file.read_text()), separators=(",", ":"), ensure_ascii=False)
    assert len(minified.encode()) > 51_200
    _assert_template_url_points_at_asset(rollout_cdk_out, "BigManagement", resource)
    assert resource["Properties"]["StackInstancesGroup"][0]["DeploymentTargets"] == {
        "OrganizationalUnitIds": ["r-ab12"]
    }
    template = json.loads(template_file.read_text())
    trusts = template["Resources"]["FederatedReadOnlyRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    # one statement per permission set: its roles, and not those of a set whose name extends it
    roles = "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_"
    assert [t["Condition"] for t in trusts] == [
        {"ArnLike": {"aws:PrincipalArn": {"Fn::Sub": f"{roles}{ps}_*"}},
         "ArnNotLike": {"aws:PrincipalArn": {"Fn::Sub": f"{roles}{ps}_*_*"}}}
        for ps in ("ReadOnly", "Auditor")
    ]


def test_default_policies_alone_is_a_bootstrapless_stack(rollout_cdk_out: Path) -> None:
    manifest = json.loads((rollout_cdk_out / "manifest.json").read_text())
    artifact = manifest["artifacts"]["SingleAccountDefaults"]
    assert artifact["environment"] == "aws://unknown-account/unknown-region"
    assert "assumeRoleArn" not in artifact["properties"]  # no bootstrap roles
    template = stack_template(rollout_cdk_out, "SingleAccountDefaults")
    assert "Rules" not in template and "Parameters" not in template
    assert "FederatedReadOnlyRole" not in template["Resources"]  # no federation given
    assert template["Resources"]["SecurityAuditRole"]["Properties"]["RoleName"] == "lpc-security-audit"
