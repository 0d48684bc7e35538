"""``collect.deployed``: GetTemplate through botocore's Stubber (the request validated against the API
model), then the semantic diff against the assembly's template."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import Stubber

from least_privilege_constructs.analysis.diff import diff_extractions
from least_privilege_constructs.analysis.diff.deployed import DeployedStack, extract_deployed
from least_privilege_constructs.analysis.extract import extract_policies
from least_privilege_constructs.collect.calls import Caller, CollectError
from least_privilege_constructs.collect.deployed import deployed_templates
from tests.collect.conftest import make_client

TRUST = {"Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole"}]}


def role_template(actions: list[str]) -> dict[str, Any]:
    return {"Resources": {"Fn": {"Type": "AWS::IAM::Role", "Properties": {
        "AssumeRolePolicyDocument": TRUST,
        "Policies": [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": actions, "Resource": "*"}]}}]}}}}


def assembly(tmp_path: Path, template: dict[str, Any]) -> Path:
    out = tmp_path / "cdk.out"
    out.mkdir()
    (out / "App.template.json").write_text(json.dumps(template))
    (out / "manifest.json").write_text(json.dumps({"version": "36.0.0", "artifacts": {"App": {
        "type": "aws:cloudformation:stack", "environment": "aws://111122223333/eu-west-1",
        "properties": {"templateFile": "App.template.json", "stackName": "App"}}}}))
    return out


@pytest.fixture
def cfn() -> Any:
    client = make_client("cloudformation", "eu-west-1")
    with Stubber(client) as stub:
        yield Caller(client, sleep=lambda _: None), stub
        stub.assert_no_pending_responses()


STACK = DeployedStack("App", "App", "111122223333", "eu-west-1")


def test_given_a_deployed_stack_when_the_assembly_adds_an_action_then_the_diff_reports_it(
        tmp_path: Path, cfn: Any) -> None:
    caller, stub = cfn
    stub.add_response("get_template", {"TemplateBody": json.dumps(role_template(["s3:GetObject"]))},
                      {"StackName": "App", "TemplateStage": "Original"})
    old = extract_deployed(deployed_templates([STACK], lambda stack: caller))
    new = extract_policies([str(assembly(tmp_path, role_template(["s3:GetObject", "s3:PutObject"])))])
    result = diff_extractions(old, new)
    assert [f.issue_code for f in result.broadening] == ["NEW_ACCESS"]
    assert result.compared == {"principals": 1}


def test_given_a_yaml_body_and_the_same_policy_when_diffed_then_nothing(tmp_path: Path, cfn: Any) -> None:
    caller, stub = cfn
    yaml_body = ("Resources:\n  Fn:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n"
                 "        Statement:\n          - Effect: Allow\n            Principal: {Service: lambda.amazonaws.com}\n"
                 "            Action: sts:AssumeRole\n      Policies:\n        - PolicyName: p\n"
                 "          PolicyDocument:\n            Version: '2012-10-17'\n            Statement:\n"
                 "              - {Effect: Allow, Action: [s3:GetObject], Resource: !Sub '*'}\n")
    stub.add_response("get_template", {"TemplateBody": yaml_body}, {"StackName": "App", "TemplateStage": "Original"})
    old = extract_deployed(deployed_templates([STACK], lambda stack: caller))
    new = extract_policies([str(assembly(tmp_path, role_template(["s3:GetObject"])))])
    assert diff_extractions(old, new).findings == []


def test_given_a_stack_not_yet_deployed_when_diffed_then_its_roles_are_new(tmp_path: Path, cfn: Any) -> None:
    caller, stub = cfn
    stub.add_client_error("get_template", "ValidationError", "Stack with id App does not exist",
                          expected_params={"StackName": "App", "TemplateStage": "Original"})
    pairs = deployed_templates([STACK], lambda stack: caller)
    assert pairs == [(STACK, None)]
    new = extract_policies([str(assembly(tmp_path, role_template(["s3:GetObject"])))])
    assert [f.issue_code for f in diff_extractions(extract_deployed(pairs), new).broadening] == ["NEW_PRINCIPAL"]


def test_given_access_denied_when_fetching_then_a_collect_error(cfn: Any) -> None:
    caller, stub = cfn
    stub.add_client_error("get_template", "AccessDenied", "not authorized to perform cloudformation:GetTemplate")
    with pytest.raises(CollectError, match="AccessDenied"):
        deployed_templates([STACK], lambda stack: caller)
