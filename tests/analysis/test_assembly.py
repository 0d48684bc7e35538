"""The one cloud assembly reader: environments, stacks, metadata, nested and StackSet templates, stages and
bad manifests (with the exact, located error text)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from least_privilege_constructs.analysis.assembly import (
    AssemblyError,
    Environment,
    assembly_root,
    child_template_file,
    is_cloud_assembly,
    read_assembly,
    stack_set_template,
    walk_assemblies,
)

HASH = "cd" * 32
ROLE = {"Type": "AWS::IAM::Role", "Properties": {}}


def write(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def stack(template: str = "App.template.json", environment: Any = "aws://111122223333/eu-west-1",
          **extra: Any) -> dict[str, Any]:
    artifact: dict[str, Any] = {"type": "aws:cloudformation:stack", "properties": {"templateFile": template}}
    if environment is not None:
        artifact["environment"] = environment
    artifact.update(extra)
    return artifact


def manifest(directory: Path, artifacts: dict[str, Any]) -> Path:
    write(directory / "manifest.json", {"version": "48.0.0", "artifacts": artifacts})
    return directory


# -- environments ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("aws://111122223333/eu-west-1", Environment("111122223333", "eu-west-1"), id="concrete"),
        pytest.param("aws://unknown-account/unknown-region", Environment(None, None), id="agnostic"),
        pytest.param("aws://111122223333/unknown-region", Environment("111122223333", None), id="account-only"),
        pytest.param("aws://unknown-account/us-gov-west-1", Environment(None, "us-gov-west-1"), id="region-only"),
    ],
)
def test_environment_strings_are_parsed_once_with_the_cdk_grammar(text: str, expected: Environment) -> None:
    # given a stack artifact's environment string, when it is parsed, then unknown parts are None
    assert Environment.parse(text) == expected


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        pytest.param("eu-west-1", "'eu-west-1'", id="no-scheme"),
        pytest.param("aws://111122223333", "'aws://111122223333'", id="no-region"),
        pytest.param("aws://111122223333/eu-west-1/extra", "'aws://111122223333/eu-west-1/extra'", id="extra-part"),
        pytest.param(None, "None", id="missing"),
        pytest.param(12, "12", id="not-a-string"),
    ],
)
def test_a_malformed_environment_is_a_located_problem(tmp_path: Path, value: Any, shown: str) -> None:
    # given a stack whose environment is not aws://ACCOUNT/REGION, next to a good stack
    artifact = stack(environment=value)
    if value is None:
        artifact.pop("environment", None)
    manifest(tmp_path, {"Bad": artifact, "Good": stack("Good.template.json")})
    # when the assembly is read
    assembly = read_assembly(tmp_path)
    # then the good stack is read and the bad one is a problem naming file and JSON path
    assert [s.artifact_id for s in assembly.stacks] == ["Good"]
    (problem,) = assembly.problems
    assert str(problem) == (f"{tmp_path / 'manifest.json'}: artifacts.Bad.environment: {shown} is not an "
                            "environment of the form aws://ACCOUNT/REGION")


def test_environment_defaults_fill_only_the_unknown_parts() -> None:
    assert Environment(None, "eu-west-1").or_default("123456789012", "us-east-1") == ("123456789012", "eu-west-1")


# -- stacks and metadata ---------------------------------------------------------------------------------------
def test_stack_artifacts_roles_and_metadata_from_the_additional_file(tmp_path: Path) -> None:
    # given a stack with its metadata in an additional file and deployment roles
    write(tmp_path / "App.metadata.json", {
        "/App/Role/Resource": [{"type": "aws:cdk:logicalId", "data": "RoleA"}],
        "/App": [{"type": "aws:cdk:acknowledged-rules", "data": {"X::Y": "reason"}}],
    })
    manifest(tmp_path, {"App": stack(
        displayName="App", additionalMetadataFile="App.metadata.json",
        properties={"templateFile": "App.template.json", "stackName": "app-stack",
                    "cloudFormationExecutionRoleArn": "arn:${AWS::Partition}:iam::111122223333:role/exec",
                    "assumeRoleArn": "arn:${AWS::Partition}:iam::111122223333:role/deploy"})})
    # when it is read
    (app,) = read_assembly(tmp_path).stacks
    # then every field comes from the manifest
    assert (app.stack_name, app.display_name, app.account, app.region) == \
        ("app-stack", "App", "111122223333", "eu-west-1")
    assert app.execution_role_arn == "arn:${AWS::Partition}:iam::111122223333:role/exec"
    assert app.deploy_role_arn == "arn:${AWS::Partition}:iam::111122223333:role/deploy"
    assert app.construct_paths == {"RoleA": "App/Role/Resource"}
    assert list(app.entries("aws:cdk:acknowledged-rules")) == [("/App", {"X::Y": "reason"})]


def test_logical_ids_come_from_the_tree_when_there_is_no_path_metadata(tmp_path: Path) -> None:
    # given an assembly synthesized without path metadata: only tree.json knows the construct paths
    write(tmp_path / "tree.json", {"tree": {"id": "App", "path": "", "children": {"Stack": {
        "id": "Stack", "path": "Stack", "children": {"Role": {"id": "Role", "path": "Stack/Role", "children": {
            "Resource": {"id": "Resource", "path": "Stack/Role/Resource",
                         "attributes": {"aws:cdk:cloudformation:logicalId": "Role1"}}}}}}}}})
    manifest(tmp_path, {"Stack": stack("Stack.template.json", displayName="Stack"),
                        "Tree": {"type": "cdk:tree", "properties": {"file": "tree.json"}}})
    (only,) = read_assembly(tmp_path).stacks
    assert only.construct_paths == {"Role1": "Stack/Role/Resource"}


# -- nested stacks ---------------------------------------------------------------------------------------------
def nested_assembly(tmp_path: Path, *, asset_path_metadata: bool) -> Path:
    resource: dict[str, Any] = {"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": {
        "Fn::Join": ["", ["https://s3.", {"Ref": "AWS::Region"}, f".amazonaws.com/bucket/{HASH}.json"]]}}}
    if asset_path_metadata:
        resource["Metadata"] = {"aws:asset:path": "AppNested.nested.template.json"}
    write(tmp_path / "App.template.json", {"Resources": {"RoleA": ROLE, "NestedRes": resource}})
    write(tmp_path / "AppNested.nested.template.json", {"Resources": {"RoleA": ROLE}})
    write(tmp_path / "App.assets.json",
          {"files": {HASH: {"source": {"path": "AppNested.nested.template.json", "packaging": "file"},
                            "destinations": {"d": {"objectKey": f"{HASH}.json"}}}}})
    manifest(tmp_path, {"App": stack(displayName="App", metadata={
        "/App/Role/Resource": [{"type": "aws:cdk:logicalId", "data": "RoleA"}],
        "/App/Nested.NestedStack/Nested.NestedStackResource": [{"type": "aws:cdk:logicalId", "data": "NestedRes"}],
        "/App/Nested/Role/Resource": [{"type": "aws:cdk:logicalId", "data": "RoleA"}],
    })})
    return tmp_path


@pytest.mark.parametrize("asset_path_metadata", [True, False], ids=["aws-asset-path", "template-url-asset"])
def test_nested_stack_templates_and_their_construct_paths(tmp_path: Path, asset_path_metadata: bool) -> None:
    # given a stack with a nested stack whose resource has the same logical id as one of the parent
    assembly = read_assembly(nested_assembly(tmp_path, asset_path_metadata=asset_path_metadata))
    (app,) = assembly.stacks
    # when its templates are listed
    templates, problems = assembly.templates(app)
    # then the nested template is found (asset metadata, else the TemplateURL's asset) and each template
    # keeps its own logical ids
    assert problems == ()
    assert [(t.file.name, t.construct_path, t.logical_id) for t in templates] == [
        ("App.template.json", "App", None), ("AppNested.nested.template.json", "App/Nested", "NestedRes")]
    assert templates[0].construct_paths == {"RoleA": "App/Role/Resource",
                                            "NestedRes": "App/Nested.NestedStack/Nested.NestedStackResource"}
    assert templates[1].construct_paths == {"RoleA": "App/Nested/Role/Resource"}
    assert app.construct_paths == templates[0].construct_paths


def test_a_nested_stack_whose_template_is_missing_is_a_located_problem(tmp_path: Path) -> None:
    nested_assembly(tmp_path, asset_path_metadata=False)
    os.remove(tmp_path / "AppNested.nested.template.json")
    assembly = read_assembly(tmp_path)
    templates, (problem,) = assembly.templates(assembly.stacks[0])
    assert [t.file.name for t in templates] == ["App.template.json"]
    assert (problem.code, problem.json_path) == ("NESTED_TEMPLATE_NOT_FOUND", "Resources.NestedRes.Properties.TemplateURL")
    assert str(problem) == (f"{tmp_path / 'App.template.json'}: Resources.NestedRes.Properties.TemplateURL: the "
                            "template of nested stack App/Nested is not in the assembly")


def test_child_template_file_prefers_the_asset_path_metadata(tmp_path: Path) -> None:
    write(tmp_path / "a.json", {})
    write(tmp_path / "b.json", {})
    resource = {"Metadata": {"aws:asset:path": "a.json"}, "Properties": {"TemplateURL": "b.json"}}
    assert child_template_file(resource, tmp_path, None) == tmp_path / "a.json"
    assert child_template_file({"Properties": {"TemplateURL": "b.json"}}, tmp_path, None) == tmp_path / "b.json"
    assert child_template_file({"Properties": {"TemplateURL": "https://x/b.json"}}, tmp_path, None) is None


# -- StackSets -------------------------------------------------------------------------------------------------
def test_stack_set_templates_inline_by_asset_or_missing(tmp_path: Path) -> None:
    assembly = read_assembly(nested_assembly(tmp_path, asset_path_metadata=False))
    body = {"Resources": {"R": ROLE}}
    inline = stack_set_template("Set", {"Properties": {"TemplateBody": body}}, tmp_path, assembly.assets)
    assert (inline.body, inline.file, inline.json_path) == (body, None, ("Resources", "Set", "Properties",
                                                                          "TemplateBody"))
    by_url = stack_set_template("Set", {"Properties": {"TemplateURL": f"https://bucket.s3.amazonaws.com/{HASH}.json"}},
                                tmp_path, assembly.assets)
    assert by_url.file == tmp_path / "AppNested.nested.template.json" and by_url.found
    neither = stack_set_template("Set", {"Properties": {}}, tmp_path, assembly.assets)
    assert not neither.found and neither.json_path == ("Resources", "Set", "Properties")


# -- stages ----------------------------------------------------------------------------------------------------
def test_stages_are_nested_assemblies_and_the_root_is_found_from_inside(tmp_path: Path) -> None:
    manifest(tmp_path / "assembly-Prod", {"Prod-App": stack(displayName="Prod/App")})
    manifest(tmp_path, {"Prod": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "assembly-Prod"}}})
    assert [[s.display_name for s in a.stacks] for a in walk_assemblies(tmp_path)] == [[], ["Prod/App"]]
    assert assembly_root(tmp_path / "assembly-Prod") == tmp_path
    assert is_cloud_assembly(tmp_path) and not is_cloud_assembly(tmp_path / "nothing")


# -- bad manifests ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("content", "code", "message"),
    [
        pytest.param(None, "FILE_NOT_FOUND", "{m}: not found: the directory is not a cloud assembly", id="missing"),
        pytest.param('{"artifacts": ', "INVALID_MANIFEST", "{m}: invalid JSON at line 1 column 15: Expecting value",
                     id="invalid-json"),
        pytest.param("[]", "INVALID_MANIFEST", "{m}: a cloud assembly manifest is an object, not a list",
                     id="not-an-object"),
        pytest.param('{"artifacts": []}', "INVALID_MANIFEST",
                     "{m}: artifacts: expected an object of artifacts, got a list", id="artifacts-not-an-object"),
    ],
)
def test_a_missing_or_malformed_manifest_is_an_error_never_an_empty_assembly(
        tmp_path: Path, content: str | None, code: str, message: str) -> None:
    if content is not None:
        write(tmp_path / "manifest.json", content)
    with pytest.raises(AssemblyError) as err:
        read_assembly(tmp_path)
    assert err.value.code == code
    assert err.value.message == message.format(m=tmp_path / "manifest.json")


@pytest.mark.parametrize(
    ("artifact", "json_path", "problem"),
    [
        pytest.param("x", "artifacts.A", "is not an object", id="artifact-not-an-object"),
        pytest.param({"type": "aws:cloudformation:stack", "environment": "aws://1/r"},
                     "artifacts.A.properties.templateFile", "is missing", id="no-template-file"),
        pytest.param({"type": "cdk:cloud-assembly", "properties": {}}, "artifacts.A.properties.directoryName",
                     "is missing", id="stage-without-directory"),
        pytest.param({"type": "aws:cloudformation:stack", "properties": []}, "artifacts.A.properties",
                     "is not an object", id="properties-not-an-object"),
    ],
)
def test_a_bad_artifact_is_a_located_problem_and_the_rest_is_read(
        tmp_path: Path, artifact: Any, json_path: str, problem: str) -> None:
    manifest(tmp_path, {"A": artifact, "B": stack("B.template.json")})
    assembly = read_assembly(tmp_path)
    assert [s.artifact_id for s in assembly.stacks] == ["B"]
    assert [(p.json_path, p.message, p.code) for p in assembly.problems] == [(json_path, problem, "INVALID_MANIFEST")]


def test_read_once_per_directory_until_the_manifest_changes(tmp_path: Path) -> None:
    manifest(tmp_path, {"A": stack()})
    first = read_assembly(tmp_path)
    assert read_assembly(tmp_path) is first
    manifest(tmp_path, {"A": stack(), "B": stack("B.template.json", "aws://unknown-account/unknown-region")})
    os.utime(tmp_path / "manifest.json", ns=(1, 1))
    again = read_assembly(tmp_path)
    assert again is not first and [s.account for s in again.stacks] == ["111122223333", None]


def test_the_sample_assembly(sample_cdk_out: Path) -> None:
    assembly = read_assembly(sample_cdk_out)
    assert assembly.problems == ()
    assert {s.display_name: (s.account, s.region) for s in assembly.stacks} == {
        "OrgManagement": ("111111111111", "eu-west-1"), "Platform": ("444444444444", "eu-west-1"),
        "PaymentsApp": ("444444444444", "eu-west-1")}
    for stack_ in assembly.stacks:
        templates, problems = assembly.templates(stack_)
        assert problems == () and templates[0].file == stack_.template_file
        assert templates[0].construct_paths, stack_.display_name


# -- boundary verification reads nested templates through the reader ------------------------------------------
def test_boundary_verification_follows_nested_stacks_and_fails_closed_on_a_missing_one(tmp_path: Path) -> None:
    from least_privilege_constructs.analysis.boundary_verification import (
        ConstructIndex,
        with_nested_templates,
    )

    # given an assembly whose nested stack holds a role (same logical id as the parent's role)
    nested_assembly(tmp_path, asset_path_metadata=False)
    # when the templates and the construct index are read
    templates = dict(with_nested_templates([str(tmp_path / "App.template.json")]))
    index = ConstructIndex.load(str(tmp_path))
    # then the nested template is verified too, each role under its own construct path
    assert sorted(Path(p).name for p in templates) == ["App.template.json", "AppNested.nested.template.json"]
    assert index.construct_path(str(tmp_path / "App.template.json"), "RoleA") == "App/Role/Resource"
    assert index.construct_path(str(tmp_path / "AppNested.nested.template.json"), "RoleA") == \
        "App/Nested/Role/Resource"
    # and a nested stack whose template is not in the assembly stops the verification (never a silent pass)
    os.remove(tmp_path / "AppNested.nested.template.json")
    with pytest.raises(ValueError, match=r"Resources\.NestedRes: the nested stack's template is not in the cloud"):
        dict(with_nested_templates([str(tmp_path / "App.template.json")]))


def test_escalation_reads_the_deployments_of_every_stage_through_the_reader(tmp_path: Path) -> None:
    from least_privilege_constructs.analysis.escalation.world import read_deployments

    props = {"templateFile": "App.template.json", "stackName": "prod-app",
             "cloudFormationExecutionRoleArn": "arn:${AWS::Partition}:iam::111122223333:role/exec",
             "assumeRoleArn": "arn:${AWS::Partition}:iam::111122223333:role/deploy"}
    manifest(tmp_path / "assembly-Prod", {"Prod-App": stack(properties=props)})
    manifest(tmp_path, {"Prod": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "assembly-Prod"}},
                        "Tools": stack("Tools.template.json", "aws://unknown-account/unknown-region",
                                       properties={"templateFile": "Tools.template.json", "stackName": "tools"})})
    assert read_deployments(tmp_path) == [
        ("tools", None, None, None, None),
        ("prod-app", "111122223333", "eu-west-1", "arn:aws:iam::111122223333:role/exec",
         "arn:aws:iam::111122223333:role/deploy"),
    ]
