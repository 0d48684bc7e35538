"""AssemblyIndex: construct paths -> templates and logical ids from a cloud assembly (pure, no jsii)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from least_privilege_constructs.analysis.rules.assembly_index import AssemblyIndex

HASH = "ab" * 32


def write(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data), encoding="utf-8")


def assembly(tmp_path: Path, *, nested_template_file_metadata: bool) -> Path:
    role = {"Type": "AWS::IAM::Role", "Properties": {}}
    write(tmp_path / "App.template.json", {"Resources": {
        "RoleA": role,
        "NestedRes": {"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": {
            "Fn::Join": ["", ["https://s3.", {"Ref": "AWS::Region"}, f"/bucket/{HASH}.json"]]}}},
    }})
    write(tmp_path / "AppNested.nested.template.json", {"Resources": {"RoleB": role}})
    write(tmp_path / "App.assets.json", {"files": {HASH: {"source": {"path": "AppNested.nested.template.json"}}}})
    metadata: dict[str, Any] = {
        "/App": [{"type": "aws:cdk:acknowledged-rules", "data": {"Annotation::LP-IAM1": "stack-wide"}}],
        "/App/Role/Resource": [{"type": "aws:cdk:logicalId", "data": "RoleA"}],
        "/App/Nested.NestedStack/Nested.NestedStackResource": [{"type": "aws:cdk:logicalId", "data": "NestedRes"}],
        "/App/Nested/Role/Resource": [{"type": "aws:cdk:logicalId", "data": "RoleB"}],
    }
    if nested_template_file_metadata:
        metadata["/App/Nested"] = [{"type": "aws:cdk:templateFile", "data": "AppNested.nested.template.json"}]
    write(tmp_path / "App.metadata.json", metadata)
    write(tmp_path / "manifest.json", {"artifacts": {"App": {
        "type": "aws:cloudformation:stack", "environment": "aws://444455556666/eu-west-1",
        "properties": {"templateFile": "App.template.json", "stackName": "app-stack"},
        "additionalMetadataFile": "App.metadata.json"}}})
    return tmp_path / "App.template.json"


def test_paths_nested_stacks_environment_and_acknowledgments(tmp_path: Path) -> None:
    index = AssemblyIndex("${AWS::AccountId}", "us-east-1")
    index.add_stack_template(str(assembly(tmp_path, nested_template_file_metadata=True)), "App")
    assert index.problems == []
    top = index.by_path["/App/Role/Resource"]
    nested = index.by_path["/App/Nested/Role/Resource"]
    assert (top.stack.template_file, top.logical_id) == ("App.template.json", "RoleA")
    assert (nested.stack.template_file, nested.logical_id) == ("AppNested.nested.template.json", "RoleB")
    assert (top.stack.account, top.stack.region, top.stack.stack_name) == ("444455556666", "eu-west-1", "app-stack")
    assert index.by_path["/App/Nested.NestedStack/Nested.NestedStackResource"].stack.template_file == \
        "App.template.json"
    assert index.acknowledgments["/App"] == [{"Annotation::LP-IAM1": "stack-wide"}]
    assert {t.entry.template_file: t.construct_path for t in index.templates} == {
        "App.template.json": "/App", "AppNested.nested.template.json": "/App/Nested"}


def test_nested_template_found_through_the_asset_hash(tmp_path: Path) -> None:
    index = AssemblyIndex("${AWS::AccountId}", "us-east-1")
    index.add_stack_template(str(assembly(tmp_path, nested_template_file_metadata=False)), "App")
    assert index.problems == []
    assert index.by_path["/App/Nested/Role/Resource"].stack.template_file == "AppNested.nested.template.json"


def test_problems_are_reported_not_raised(tmp_path: Path) -> None:
    index = AssemblyIndex("${AWS::AccountId}", "us-east-1")
    index.add_stack_template(str(tmp_path / "Missing.template.json"), "Missing")
    assert len(index.problems) == 1 and "manifest.json" in index.problems[0]
    write(tmp_path / "manifest.json", {"artifacts": {}})
    index.add_stack_template(str(tmp_path / "Missing.template.json"), "Missing")
    assert "no stack artifact" in index.problems[-1]
