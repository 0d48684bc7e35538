"""The StackSet templates pass cfn-lint and the project's validation, found from ``cdk.out`` alone.

The templates are located the way any tool without CDK finds them: the ``AWS::CloudFormation::StackSet``
resources of the assembly's stacks, their inline ``TemplateBody`` or the file asset their ``TemplateURL``
names (``aws:asset:path``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.rollout.rollout_apps import HOME_REGION, SAML_PROVIDER, SECURITY
from tests.rollout.rollout_deploy import stack_sets, stack_template

pytestmark = pytest.mark.synth

MANAGEMENT_STACKS = ("OrgManagement", "StandaloneManagement", "BigManagement")
STACK_SETS = (
    ("OrgManagement", "lpc-default-policies", "TemplateBody"),
    ("OrgManagement", "lpc-default-policies-extra", "TemplateBody"),
    ("StandaloneManagement", "lpc-default-policies-self-managed", "TemplateURL"),
    ("BigManagement", "lpc-default-policies", "TemplateURL"),
)


def _stackset_template(cdk_out: Path, artifact: str, name: str) -> tuple[str, dict[str, Any]]:
    for resource in stack_sets(stack_template(cdk_out, artifact)).values():
        props = resource["Properties"]
        if props["StackSetName"] != name:
            continue
        if "TemplateBody" in props:
            return "TemplateBody", json.loads(props["TemplateBody"])
        return "TemplateURL", json.loads((cdk_out / resource["Metadata"]["aws:asset:path"]).read_text())
    raise AssertionError(f"no StackSet {name} in {artifact}")


def _lint(template: dict[str, Any]) -> list[str]:
    from cfnlint.api import lint

    return [
        f"{m.rule.id} {m.message} ({'/'.join(map(str, m.path))})"
        for m in lint(json.dumps(template), regions=[HOME_REGION])
    ]


@pytest.mark.parametrize(
    ("artifact", "name", "delivery"), STACK_SETS, ids=[f"{a}/{n}" for a, n, _ in STACK_SETS]
)
def test_stackset_template_passes_cfn_lint(
    rollout_cdk_out: Path, artifact: str, name: str, delivery: str
) -> None:
    found, template = _stackset_template(rollout_cdk_out, artifact, name)
    assert found == delivery
    assert template["Resources"], "the StackSet template is empty"
    assert _lint(template) == []


@pytest.mark.parametrize("artifact", MANAGEMENT_STACKS)
def test_management_template_passes_cfn_lint(rollout_cdk_out: Path, artifact: str) -> None:
    assert _lint(stack_template(rollout_cdk_out, artifact)) == []


def test_project_validation_reads_and_passes_every_stackset_template(rollout_cdk_out: Path) -> None:
    from least_privilege_constructs.analysis.extract import extract_policies
    from least_privilege_constructs.analysis.pipeline import ValidationOptions, validate_extraction

    extraction = extract_policies([rollout_cdk_out])
    assert extraction.findings == []
    # every StackSet's template was found (inline body or asset) and its policies extracted
    origins = {(p.origin.stack, p.origin.logical_id, p.kind.value) for p in extraction.policies}
    for artifact, name, _ in STACK_SETS:
        (logical_id,) = [
            k
            for k, r in stack_sets(stack_template(rollout_cdk_out, artifact)).items()
            if r["Properties"]["StackSetName"] == name
        ]
        inside = {(lid, kind) for stack, lid, kind in origins if stack == f"{artifact}/{logical_id}"}
        assert ("PermissionsBoundary2D0B48CC", "boundary") in inside or (
            "PermissionsBoundary2D0B48CC",
            "managed",
        ) in inside
        assert ("SecurityAuditRole", "trust") in inside
        assert ("FederatedReadOnlyRole", "trust") in inside

    run = validate_extraction(
        extraction,
        # the trusts of the security account and of the identity providers are the point of these roles
        ValidationOptions(allow_external_principals=(SECURITY, SAML_PROVIDER, "idp.example.com/oauth2")),
    )
    blocking = [
        f"{f.issue_code}: {f.message} @ {f.origin.label() if f.origin else '?'}" for f in run.blocking
    ]
    assert blocking == []
    assert run.exit_code == 0


def test_project_validation_flags_the_external_trusts_unless_allowed(rollout_cdk_out: Path) -> None:
    """Fail-closed check of the check: without the allow-list the cross-account trust is reported."""
    from least_privilege_constructs.analysis.extract import extract_policies
    from least_privilege_constructs.analysis.pipeline import ValidationOptions, validate_extraction

    run = validate_extraction(extract_policies([rollout_cdk_out]), ValidationOptions())
    external = {
        f.origin.logical_id for f in run.blocking if f.issue_code == "EXTERNAL_PRINCIPAL" and f.origin
    }
    assert "FederatedReadOnlyRole" in external
    assert run.exit_code == 2


def test_lpc_validate_cli_checks_the_stackset_templates(rollout_cdk_out: Path) -> None:
    """``lpc validate cdk.out`` (no CDK in that process) reads the StackSet templates and passes them."""
    import subprocess
    import sys

    base = [
        sys.executable,
        "-m",
        "least_privilege_constructs.cli",
        "validate",
        str(rollout_cdk_out),
        "--format",
        "json",
    ]
    allowed = ["--allow-external-principals", f"{SECURITY},{SAML_PROVIDER},idp.example.com/oauth2"]
    clean = subprocess.run([*base, *allowed], capture_output=True, text=True, timeout=120)
    assert clean.returncode == 0, clean.stdout[-2000:] + clean.stderr[-2000:]
    # without the allow-list the federated trust inside the StackSet template blocks: it was read
    flagged = subprocess.run(base, capture_output=True, text=True, timeout=120)
    assert flagged.returncode == 2
    assert "FederatedReadOnlyRole" in flagged.stdout and "EXTERNAL_PRINCIPAL" in flagged.stdout
