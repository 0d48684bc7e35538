"""Each intrinsic function, resolved offline (cfn-lint-style parametrized cases with readable ids)."""

from __future__ import annotations

from typing import Any

import pytest

from least_privilege_constructs.analysis.extract import StackContext
from least_privilege_constructs.analysis.extract.intrinsics import AssemblyContext, ExportEntry

TEMPLATE: dict[str, Any] = {
    "Parameters": {
        "Env": {"Type": "String", "Default": "prod"},
        "Accounts": {"Type": "CommaDelimitedList", "Default": "111111111111, 222222222222"},
        "Count": {"Type": "Number", "Default": 3},
        "NoDefault": {"Type": "String"},
        "Ami": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/aws/service/ami"},
    },
    "Mappings": {"Envs": {"prod": {"Bucket": "prod-bucket", "Accounts": ["333333333333"]}}},
    "Conditions": {
        "IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
        "IsDev": {"Fn::Not": [{"Condition": "IsProd"}]},
        "Both": {"Fn::And": [{"Condition": "IsProd"}, {"Fn::Equals": ["a", "a"]}]},
        "Either": {"Fn::Or": [{"Condition": "IsDev"}, {"Fn::Equals": [{"Ref": "AWS::Region"}, "eu-west-1"]}]},
        "Loop": {"Fn::Not": [{"Condition": "Loop"}]},
    },
    "Resources": {
        "Role": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "app", "Path": "/svc/"}},
        "GenRole": {"Type": "AWS::IAM::Role", "Properties": {}},
        "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": {"Fn::Sub": "${Env}-data"}}},
        "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "jobs"}},
        "Fifo": {"Type": "AWS::SQS::Queue", "Properties": {"FifoQueue": True}},
        "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "events"}},
        "Key": {"Type": "AWS::KMS::Key", "Properties": {}},
        "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"FunctionName": "handler"}},
        "Table": {"Type": "AWS::DynamoDB::Table", "Properties": {"TableName": "items"}},
        "Secret": {"Type": "AWS::SecretsManager::Secret", "Properties": {"Name": "db"}},
        "Managed": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"ManagedPolicyName": "mp", "Path": "/p/"}},
        "Custom": {"Type": "Custom::Thing", "Properties": {}},
        "SelfRef": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": {"Fn::GetAtt": ["SelfRef", "Arn"]}}},
        "A": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": {"Ref": "B"}}},
        "B": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": {"Ref": "A"}}},
    },
}

CASES: list[tuple[str, Any, Any]] = [
    ("ref-parameter-default", {"Ref": "Env"}, "prod"),
    ("ref-comma-list", {"Ref": "Accounts"}, ["111111111111", "222222222222"]),
    ("ref-number-as-string", {"Ref": "Count"}, "3"),
    ("ref-account", {"Ref": "AWS::AccountId"}, "123456789012"),
    ("ref-region", {"Ref": "AWS::Region"}, "us-east-1"),
    ("ref-partition", {"Ref": "AWS::Partition"}, "aws"),
    ("ref-url-suffix", {"Ref": "AWS::URLSuffix"}, "amazonaws.com"),
    ("ref-stack-name", {"Ref": "AWS::StackName"}, "App"),
    ("ref-stack-id", {"Ref": "AWS::StackId"},
     "arn:aws:cloudformation:us-east-1:123456789012:stack/App/00000000-0000-4000-8000-000000000000"),
    ("ref-notification-arns", {"Ref": "AWS::NotificationARNs"}, []),
    ("ref-novalue-in-list", ["a", {"Ref": "AWS::NoValue"}, "b"], ["a", "b"]),
    ("ref-novalue-in-object", {"A": 1, "B": {"Ref": "AWS::NoValue"}}, {"A": 1}),
    ("ref-role-name", {"Ref": "Role"}, "app"),
    ("ref-bucket-name", {"Ref": "Bucket"}, "prod-data"),
    ("ref-queue-url", {"Ref": "Queue"}, "https://sqs.us-east-1.amazonaws.com/123456789012/jobs"),
    ("ref-topic-arn", {"Ref": "Topic"}, "arn:aws:sns:us-east-1:123456789012:events"),
    ("ref-managed-policy-arn", {"Ref": "Managed"}, "arn:aws:iam::123456789012:policy/p/mp"),
    ("ref-function-name", {"Ref": "Fn"}, "handler"),
    ("getatt-role-arn-with-path", {"Fn::GetAtt": ["Role", "Arn"]}, "arn:aws:iam::123456789012:role/svc/app"),
    ("getatt-dotted-string", {"Fn::GetAtt": "Role.Arn"}, "arn:aws:iam::123456789012:role/svc/app"),
    ("getatt-bucket-arn", {"Fn::GetAtt": ["Bucket", "Arn"]}, "arn:aws:s3:::prod-data"),
    ("getatt-queue-arn", {"Fn::GetAtt": ["Queue", "Arn"]}, "arn:aws:sqs:us-east-1:123456789012:jobs"),
    ("getatt-function-arn", {"Fn::GetAtt": ["Fn", "Arn"]}, "arn:aws:lambda:us-east-1:123456789012:function:handler"),
    ("getatt-table-arn", {"Fn::GetAtt": ["Table", "Arn"]}, "arn:aws:dynamodb:us-east-1:123456789012:table/items"),
    ("getatt-topic-name", {"Fn::GetAtt": ["Topic", "TopicName"]}, "events"),
    ("getatt-attribute-via-ref", {"Fn::GetAtt": ["Role", {"Fn::Join": ["", ["A", "rn"]]}]},
     "arn:aws:iam::123456789012:role/svc/app"),
    ("sub-pseudo-and-param", {"Fn::Sub": "arn:${AWS::Partition}:s3:::${Env}-logs/*"}, "arn:aws:s3:::prod-logs/*"),
    ("sub-getatt", {"Fn::Sub": "${Bucket.Arn}/*"}, "arn:aws:s3:::prod-data/*"),
    ("sub-escaped-literal", {"Fn::Sub": "${!aws:username} ${Env}"}, "${aws:username} prod"),
    ("sub-variable-map", {"Fn::Sub": ["arn:aws:s3:::${B}/${Env}", {"B": {"Ref": "Bucket"}}]},
     "arn:aws:s3:::prod-data/prod"),
    ("join", {"Fn::Join": [":", ["a", {"Ref": "Env"}, "c"]]}, "a:prod:c"),
    ("join-over-list-param", {"Fn::Join": [",", {"Ref": "Accounts"}]}, "111111111111,222222222222"),
    ("select", {"Fn::Select": ["1", {"Ref": "Accounts"}]}, "222222222222"),
    ("split", {"Fn::Split": ["/", "a/b/c"]}, ["a", "b", "c"]),
    ("select-split", {"Fn::Select": [2, {"Fn::Split": [":", {"Fn::GetAtt": ["Queue", "Arn"]}]}]}, "sqs"),
    ("if-true", {"Fn::If": ["IsProd", "yes", "no"]}, "yes"),
    ("if-false", {"Fn::If": ["IsDev", "yes", "no"]}, "no"),
    ("if-and", {"Fn::If": ["Both", "yes", "no"]}, "yes"),
    ("if-or", {"Fn::If": ["Either", "yes", "no"]}, "no"),
    ("if-novalue", {"K": {"Fn::If": ["IsDev", "x", {"Ref": "AWS::NoValue"}]}}, {}),
    ("find-in-map", {"Fn::FindInMap": ["Envs", {"Ref": "Env"}, "Bucket"]}, "prod-bucket"),
    ("find-in-map-list", {"Fn::FindInMap": ["Envs", "prod", "Accounts"]}, ["333333333333"]),
    ("find-in-map-default", {"Fn::FindInMap": ["Envs", "dev", "Bucket", {"DefaultValue": "fallback"}]}, "fallback"),
    ("getazs", {"Fn::GetAZs": ""}, ["us-east-1a", "us-east-1b", "us-east-1c"]),
    ("getazs-region-ref", {"Fn::Select": [0, {"Fn::GetAZs": {"Ref": "AWS::Region"}}]}, "us-east-1a"),
    ("base64", {"Fn::Base64": "hello"}, "aGVsbG8="),
    ("cidr", {"Fn::Cidr": ["10.0.0.0/16", 2, 8]}, ["10.0.0.0/24", "10.0.1.0/24"]),
    ("to-json-string", {"Fn::ToJsonString": {"a": {"Ref": "Env"}}}, '{"a":"prod"}'),
    ("length", {"Fn::Length": {"Ref": "Accounts"}}, 2),
    ("import-value", {"Fn::ImportValue": "shared-bucket"}, "arn:aws:s3:::shared"),
    ("import-value-sub-name", {"Fn::ImportValue": {"Fn::Sub": "shared-${AWS::Region}"}}, "us-east-1-value"),
]


def _ctx() -> StackContext:
    assembly = AssemblyContext()
    other = StackContext({"Outputs": {"B": {"Value": "arn:aws:s3:::shared"},
                                      "R": {"Value": {"Fn::Sub": "${AWS::Region}-value"}}}},
                         stack_name="Other", assembly=assembly)
    assembly.exports["shared-bucket"] = ExportEntry(other, "B")
    assembly.exports["shared-us-east-1"] = ExportEntry(other, "R")
    return StackContext(TEMPLATE, stack_name="App", assembly=assembly)


@pytest.mark.parametrize(("value", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_resolves(value: Any, expected: Any) -> None:
    resolution = _ctx().resolve(value)
    assert resolution.problems == []
    assert resolution.value == expected


UNRESOLVABLE: list[tuple[str, Any, str]] = [
    ("parameter-without-default", {"Ref": "NoDefault"}, "no Default"),
    ("ssm-parameter", {"Ref": "Ami"}, "SSM parameter"),
    ("unknown-ref", {"Ref": "Nope"}, "no parameter or resource"),
    ("getatt-custom-resource", {"Fn::GetAtt": ["Custom", "Arn"]}, "not known offline"),
    ("getatt-unknown-attribute", {"Fn::GetAtt": ["Role", "Nope"]}, "unknown attribute"),
    ("getatt-missing-resource", {"Fn::GetAtt": ["Nope", "Arn"]}, "no resource"),
    ("self-cycle", {"Fn::GetAtt": ["SelfRef", "Arn"]}, "cycle"),
    ("mutual-cycle", {"Ref": "A"}, "cycle"),
    ("condition-cycle", {"Fn::If": ["Loop", "a", "b"]}, "cycle"),
    ("undefined-condition", {"Fn::If": ["Nope", "a", "b"]}, "not defined"),
    ("missing-import", {"Fn::ImportValue": "nope"}, "no stack of the input exports it"),
    ("select-out-of-range", {"Fn::Select": [5, ["a"]]}, "out of range"),
    ("join-bad-args", {"Fn::Join": "x"}, "Fn::Join takes"),
    ("find-in-map-missing", {"Fn::FindInMap": ["Envs", "dev", "Bucket"]}, "no value"),
    ("unsupported-function", {"Fn::Transform": {"Name": "x"}}, "not supported"),
    ("sub-list-value", {"Fn::Sub": "${Accounts}"}, "not a string"),
]


@pytest.mark.parametrize(("value", "needle"), [c[1:] for c in UNRESOLVABLE], ids=[c[0] for c in UNRESOLVABLE])
def test_unresolvable_is_reported_with_its_path(value: Any, needle: str) -> None:
    resolution = _ctx().resolve({"Statement": [{"Resource": value}]})
    assert len(resolution.problems) == 1
    path, message = resolution.problems[0]
    assert path == ["Statement", 0, "Resource"]
    assert needle in message
    assert resolution.value["Statement"][0]["Resource"].startswith("{{unresolved")


def test_generated_names_are_deterministic_and_cloudformation_shaped() -> None:
    a = _ctx().resolve({"Fn::GetAtt": ["GenRole", "Arn"]}).value
    b = _ctx().resolve({"Fn::GetAtt": ["GenRole", "Arn"]}).value
    assert a == b
    assert a.startswith("arn:aws:iam::123456789012:role/App-GenRole-")
    fifo = _ctx().resolve({"Fn::GetAtt": ["Fifo", "QueueName"]}).value
    assert fifo.endswith(".fifo")


@pytest.mark.parametrize(("region", "partition", "suffix"), [
    ("us-east-1", "aws", "amazonaws.com"),
    ("cn-north-1", "aws-cn", "amazonaws.com.cn"),
    ("us-gov-west-1", "aws-us-gov", "amazonaws.com"),
], ids=["commercial", "china", "govcloud"])
def test_partition_follows_region(region: str, partition: str, suffix: str) -> None:
    ctx = StackContext(TEMPLATE, stack_name="App", region=region, account="999999999999")
    assert ctx.resolve({"Ref": "AWS::Partition"}).value == partition
    assert ctx.resolve({"Ref": "AWS::URLSuffix"}).value == suffix
    assert ctx.resolve({"Fn::GetAtt": ["Key", "Arn"]}).value.startswith(f"arn:{partition}:kms:{region}:999999999999:key/")


def test_given_parameter_values_override_defaults() -> None:
    ctx = StackContext(TEMPLATE, stack_name="App", parameters={"Env": "dev", "NoDefault": "x"})
    assert ctx.resolve({"Fn::If": ["IsDev", {"Ref": "NoDefault"}, "no"]}).value == "x"


def test_lazy_parameter_values_from_a_parent_and_their_cycles() -> None:
    ctx = StackContext({"Parameters": {"P": {"Type": "String"}}}, parameters={"P": lambda: "from-parent"})
    assert ctx.resolve({"Ref": "P"}).value == "from-parent"
    looping: StackContext = StackContext({"Parameters": {"P": {"Type": "String"}}})
    looping.parameter_values["P"] = lambda: looping.eval_strict({"Ref": "P"})
    problems = looping.resolve({"Ref": "P"}).problems
    assert problems and "cycle" in problems[0][1]


def test_deep_nesting_is_a_problem_not_a_crash() -> None:
    value: Any = "x"
    for _ in range(3000):
        value = {"Fn::Join": ["", [value]]}
    resolution = _ctx().resolve({"Resource": value})
    assert resolution.problems and "deep" in resolution.problems[0][1]


def test_exports_importing_each_other_are_a_cycle() -> None:
    assembly = AssemblyContext()
    x = StackContext({"Outputs": {"A": {"Value": {"Fn::ImportValue": "b"}}}}, stack_name="X", assembly=assembly)
    y = StackContext({"Outputs": {"B": {"Value": {"Fn::ImportValue": "a"}}}}, stack_name="Y", assembly=assembly)
    assembly.exports["a"] = ExportEntry(x, "A")
    assembly.exports["b"] = ExportEntry(y, "B")
    problems = StackContext({}, assembly=assembly).resolve({"Fn::ImportValue": "a"}).problems
    assert problems and "cycle" in problems[0][1]


def test_nested_output_feeding_its_own_parameter_is_a_cycle() -> None:
    parent = StackContext({"Resources": {"Child": {"Type": "AWS::CloudFormation::Stack"}}}, stack_name="P")
    child = StackContext({"Parameters": {"In": {"Type": "String"}}, "Outputs": {"Out": {"Value": {"Ref": "In"}}}},
                         parameters={"In": lambda: parent.eval_strict({"Fn::GetAtt": ["Child", "Outputs.Out"]})})
    parent.nested_stacks["Child"] = child
    problems = parent.resolve({"Fn::GetAtt": ["Child", "Outputs.Out"]}).problems
    assert problems and "cycle" in problems[0][1]
