"""The sample organization's management stack (``sample_app/rollout.py``) synthesizes a valid StackSet."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.rollout.rollout_deploy import stack_sets, stack_template

pytestmark = pytest.mark.synth


@pytest.fixture(scope="module")
def sample_rollout_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from aws_cdk import App

    from sample_app.rollout import add_organization_rollout

    outdir = tmp_path_factory.mktemp("sample-rollout") / "cdk.out"
    app = App(outdir=str(outdir))
    add_organization_rollout(app)
    app.synth()
    return outdir


def test_sample_management_stack(sample_rollout_out: Path) -> None:
    from sample_app import config

    manifest = json.loads((sample_rollout_out / "manifest.json").read_text())
    assert manifest["artifacts"]["OrgManagement"]["environment"] == (
        f"aws://{config.MANAGEMENT_ACCOUNT}/{config.REGIONS[0]}"
    )
    (resource,) = stack_sets(stack_template(sample_rollout_out, "OrgManagement")).values()
    props = resource["Properties"]
    assert props["PermissionModel"] == "SERVICE_MANAGED"
    assert props["StackInstancesGroup"] == [
        {
            "DeploymentTargets": {"OrganizationalUnitIds": [config.WORKLOADS_OU, config.SANDBOX_OU]},
            "Regions": [config.REGIONS[0]],
        }
    ]
    body = json.loads(props["TemplateBody"])
    # environment-agnostic although the management stack has an environment
    assert config.MANAGEMENT_ACCOUNT not in props["TemplateBody"]
    roles = {r["Properties"]["RoleName"] for r in body["Resources"].values() if r["Type"] == "AWS::IAM::Role"}
    assert roles == {"lpc-federated-read-only", "lpc-security-audit"}


def test_sample_management_stack_passes_validation(sample_rollout_out: Path) -> None:
    from least_privilege_constructs.analysis.extract import extract_policies
    from least_privilege_constructs.analysis.pipeline import ValidationOptions, validate_extraction
    from sample_app import config
    from sample_app.rollout import SAML_PROVIDER

    run = validate_extraction(
        extract_policies([sample_rollout_out]),
        ValidationOptions(allow_external_principals=(config.SECURITY_ACCOUNT, SAML_PROVIDER)),
    )
    assert [f"{f.issue_code}: {f.message}" for f in run.blocking] == []


def test_sample_developer_access_is_assigned_after_the_stackset(sample_rollout_out: Path) -> None:
    """Identity Center needs the boundary (by name and path) in the account before it provisions the
    permission set there (https://docs.aws.amazon.com/singlesignon/latest/userguide/permissionsboundary.html)."""
    from sample_app import config

    template = stack_template(sample_rollout_out, "OrgManagement")
    (stack_set_id,) = stack_sets(template)
    [permission_set] = [r for r in template["Resources"].values() if r["Type"] == "AWS::SSO::PermissionSet"]
    [assignment] = [r for r in template["Resources"].values() if r["Type"] == "AWS::SSO::Assignment"]
    assert permission_set["Properties"]["PermissionsBoundary"] == {
        "CustomerManagedPolicyReference": {"Name": "lpc-developer-boundary", "Path": "/boundaries/"}}
    assert stack_set_id in assignment["DependsOn"]
    assert (assignment["Properties"]["TargetId"], assignment["Properties"]["PrincipalId"]) == (
        config.WORKLOAD_ACCOUNT, config.DEVELOPERS_GROUP_ID)
