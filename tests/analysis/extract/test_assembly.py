"""Extraction from a synthesized CDK app: nested stack, StackSet with an inline template, a stage with an
environment importing an export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from least_privilege_constructs.analysis.extract import Extraction, PolicyKind, extract_policies

pytestmark = pytest.mark.synth  # the tiny CDK app is synthesized once per session


@pytest.fixture(scope="module")
def app(cdk_app_out: Path) -> Extraction:
    return extract_policies([cdk_app_out])


def test_every_template_of_the_assembly_is_read(app: Extraction) -> None:
    kinds = sorted((t.kind, t.stack) for t in app.templates)
    assert ("stack", "Core") in kinds and ("stack", "Prod/Consumer") in kinds
    assert ("stack-set", "Core/AuditStackSet") in kinds
    assert [k for k, _ in kinds].count("nested-stack") == 1
    assert app.findings == []


def test_construct_paths_from_cdk_metadata(app: Extraction) -> None:
    paths = {p.origin.construct_path for p in app.policies}
    assert {"Core/AppRole/Resource", "Core/AppRole/DefaultPolicy/Resource", "Core/Data/Policy/Resource",
            "Core/Inner/InnerRole/DefaultPolicy/Resource", "Prod/Consumer/Reader/DefaultPolicy/Resource"} <= paths


def test_boundary_is_linked_and_aws_managed_policy_kept_by_arn(app: Extraction) -> None:
    role = next(r for r in app.roles if r.construct_path == "Core/AppRole/Resource")
    assert role.boundary is not None and role.boundary.kind is PolicyKind.BOUNDARY
    assert role.boundary_arn == "arn:aws:iam::123456789012:policy/app-boundary"
    assert role.managed_policy_arns == ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
    assert [p.origin.construct_path for p in role.inline_policies] == ["Core/AppRole/DefaultPolicy/Resource"]


def test_nested_stack_parameters_resolve_in_the_parent(app: Extraction) -> None:
    policy = next(p for p in app.policies if p.origin.construct_path == "Core/Inner/InnerRole/DefaultPolicy/Resource")
    text = json.dumps(policy.document)
    assert "arn:aws:s3:::core-data" in text  # the parent's bucket, passed as a nested stack parameter
    assert "{{unresolved" not in text
    inner_role = next(r for r in app.roles if r.construct_path == "Core/Inner/InnerRole/Resource")
    assert policy.attached_to == [inner_role.key]


def test_stack_set_inline_template_body(app: Extraction) -> None:
    trust = next(p for p in app.policies if p.origin.stack == "Core/AuditStackSet" and p.kind is PolicyKind.TRUST)
    assert trust.document["Statement"][0]["Principal"] == {"AWS": "arn:aws:iam::222222222222:root"}
    assert trust.origin.json_path == ("Resources.AuditStackSet.Properties.TemplateBody > "
                                      "Resources.AuditRole.Properties.AssumeRolePolicyDocument")
    assert trust.origin.source.endswith("Core.template.json")


def test_stage_environment_and_import_value(app: Extraction) -> None:
    assert app.exports["core-app-role-arn"].startswith("arn:aws:iam::123456789012:role/Core-AppRole")
    reader = next(p for p in app.policies if p.origin.construct_path == "Prod/Consumer/Reader/Resource")
    assert reader.document["Statement"][0]["Principal"] == {"AWS": app.exports["core-app-role-arn"]}
    identity = next(p for p in app.policies if p.origin.construct_path == "Prod/Consumer/Reader/DefaultPolicy/Resource")
    assert identity.document["Statement"][0]["Resource"] == "arn:aws:sqs:eu-west-1:111111111111:jobs"
    assert identity.account == "111111111111"


def test_lambda_permission_from_cdk(app: Extraction) -> None:
    permission = next(p for p in app.policies if p.cfn_type == "AWS::Lambda::Permission")
    statement = permission.document["Statement"][0]
    assert statement["Principal"] == {"Service": "s3.amazonaws.com"}
    assert statement["Resource"].startswith("arn:aws:lambda:us-east-1:123456789012:function:Core-Handler")


def test_manifest_file_path_is_accepted(cdk_app_out: Path, app: Extraction) -> None:
    assert len(extract_policies(cdk_app_out / "manifest.json").policies) == len(app.policies)


def test_template_files_of_an_assembly_given_one_by_one(cdk_app_out: Path, app: Extraction) -> None:
    """What the synth-time plugin receives: template paths, nested ones included, in any order."""
    files = sorted(cdk_app_out.glob("*.template.json"), key=lambda p: not p.name.endswith(".nested.template.json"))
    assert files[0].name.endswith(".nested.template.json")
    ex = extract_policies(files)
    assert ex.findings == []
    assert sorted(t.kind for t in ex.templates) == ["nested-stack", "stack-set", "template"]
    core = [p for p in app.policies if p.origin.stack and p.origin.stack.startswith("Core")]
    assert len(ex.policies) == len(core)
    assert {t.stack for t in ex.templates if t.kind == "template"} == {"Core"}
