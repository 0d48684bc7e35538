"""Resource ARNs from events: resources[], ARN parameters, catalog ARN formats; unresolved parts."""

from __future__ import annotations

from typing import Any

import pytest

from least_privilege_constructs.analysis.catalog import get_catalog
from least_privilege_constructs.analysis.generate import OperationMapper, Unmapped, needs_of, resources_for

ACCOUNT = "111122223333"
ENV = {"awsRegion": "eu-west-1", "recipientAccountId": ACCOUNT}


def arns(action: str, request: Any, **extra: Any) -> list[str]:
    event = {**ENV, "requestParameters": request, **extra}
    return [r.arn for r in resources_for(get_catalog().action(action), event)]  # type: ignore[arg-type]


@pytest.mark.parametrize("action, request_parameters, expected", [
    ("s3:GetObject", {"bucketName": "b", "key": "a/b.txt"}, ["arn:aws:s3:::b/a/b.txt"]),
    ("s3:ListBucket", {"bucketName": "b", "list-type": "2"}, ["arn:aws:s3:::b"]),
    ("dynamodb:GetItem", {"tableName": "Orders"}, [f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/Orders"]),
    ("lambda:InvokeFunction", {"functionName": "fn"}, [f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:fn"]),
    ("sqs:SendMessage", {"queueUrl": f"https://sqs.eu-west-1.amazonaws.com/{ACCOUNT}/q1"},
     [f"arn:aws:sqs:eu-west-1:{ACCOUNT}:q1"]),
    ("sns:Publish", {"topicArn": f"arn:aws:sns:eu-west-1:{ACCOUNT}:t"}, [f"arn:aws:sns:eu-west-1:{ACCOUNT}:t"]),
    ("logs:PutLogEvents", {"logGroupName": "/g", "logStreamName": "s"},
     [f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:/g:log-stream:s"]),
    ("secretsmanager:GetSecretValue", {"secretId": "db"}, [f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:db-??????"]),
    ("secretsmanager:GetSecretValue", {"secretId": f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:db-AbCdEf"},
     [f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:db-AbCdEf"]),
    ("ssm:GetParameter", {"name": "/app/flag"}, [f"arn:aws:ssm:eu-west-1:{ACCOUNT}:parameter/app/flag"]),
    ("iam:GetRole", {"roleName": "r"}, [f"arn:aws:iam::{ACCOUNT}:role/r", f"arn:aws:iam::{ACCOUNT}:role/*/r"]),
    ("sts:AssumeRole", {"roleArn": "arn:aws:iam::444455556666:role/x"}, ["arn:aws:iam::444455556666:role/x"]),
    ("ec2:DescribeInstances", {}, ["*"]),
    ("ec2:StopInstances", {"instancesSet": {"items": [{"instanceId": "i-1"}, {"instanceId": "i-2"}]}},
     [f"arn:aws:ec2:eu-west-1:{ACCOUNT}:instance/i-1", f"arn:aws:ec2:eu-west-1:{ACCOUNT}:instance/i-2"]),
])
def test_golden_arns(action: str, request_parameters: dict[str, Any], expected: list[str]) -> None:
    assert arns(action, request_parameters) == expected


def test_resources_list_wins_and_is_matched_to_the_resource_type() -> None:
    key = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/k-1"
    got = arns("kms:Decrypt", {"encryptionContext": {}}, resources=[{"ARN": key, "type": "AWS::KMS::Key"}])
    assert got == [key]
    s3 = [{"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::b/k"}, {"type": "AWS::S3::Bucket", "ARN": "arn:aws:s3:::b"}]
    assert arns("s3:GetObject", {}, resources=s3) == ["arn:aws:s3:::b/k"]
    assert arns("s3:ListBucket", {}, resources=s3) == ["arn:aws:s3:::b"]
    qualified = f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:fn:prod"
    assert arns("lambda:InvokeFunction", {"functionName": qualified}) == [qualified]


def test_unresolved_part_is_a_star_in_that_segment_only() -> None:
    r = resources_for(get_catalog().action("s3:GetObject"), {**ENV, "requestParameters": {"bucketName": "b"}})  # type: ignore[arg-type]
    assert [(x.arn, x.unresolved, x.concrete) for x in r] == [("arn:aws:s3:::b/*", ("ObjectName",), False)]
    t = resources_for(get_catalog().action("dynamodb:GetItem"), {"awsRegion": "us-east-1", "requestParameters": {}})  # type: ignore[arg-type]
    assert [x.arn for x in t] == ["arn:aws:dynamodb:us-east-1:*:table/*"]


def test_policy_variables_in_values_never_reach_the_output() -> None:
    assert arns("s3:GetObject", {"bucketName": "b", "key": "${aws:username}/x"}) == ["arn:aws:s3:::b/*"]
    assert all("${" not in a for a in arns("ec2:CreateTags", {"resourcesSet": {"items": [{"resourceId": "i-1"}]}}))


def test_copy_object_reads_the_source_and_writes_the_destination() -> None:
    m = OperationMapper().map("s3.amazonaws.com", "CopyObject")
    assert not isinstance(m, Unmapped)
    event = {**ENV, "eventSource": "s3.amazonaws.com",
             "requestParameters": {"bucketName": "dst", "key": "out/a", "x-amz-copy-source": "/src/in/a%20b?versionId=1"}}
    got = sorted((n.action, n.resource.arn) for n in needs_of(event, m))
    assert got == [("s3:GetObject", "arn:aws:s3:::src/in/a b"), ("s3:PutObject", "arn:aws:s3:::dst/out/a")]


def test_pass_role_from_role_parameters_with_the_calling_service() -> None:
    mapper = OperationMapper()
    role = f"arn:aws:iam::{ACCOUNT}:role/service/exec"
    event = {**ENV, "eventSource": "lambda.amazonaws.com", "eventName": "CreateFunction20150331",
             "requestParameters": {"functionName": "f", "role": role}}
    m = mapper.map("lambda.amazonaws.com", "CreateFunction20150331")
    assert not isinstance(m, Unmapped)
    passes = [n for n in needs_of(event, m) if n.action == "iam:PassRole"]
    assert [(n.resource.arn, n.passed_to_service) for n in passes] == [(role, "lambda.amazonaws.com")]
    ecs = {**ENV, "eventSource": "ecs.amazonaws.com", "requestParameters": {"family": "f", "taskRoleArn": role,
                                                                            "executionRoleArn": role}}
    m2 = mapper.map("ecs.amazonaws.com", "RegisterTaskDefinition")
    assert not isinstance(m2, Unmapped)
    assert [(n.resource.arn, n.passed_to_service) for n in needs_of(ecs, m2) if n.action == "iam:PassRole"] == [
        (role, "ecs-tasks.amazonaws.com")]
    # the role an AssumeRole call names is assumed, not passed
    sts = {**ENV, "eventSource": "sts.amazonaws.com", "requestParameters": {"roleArn": role}}
    m3 = mapper.map("sts.amazonaws.com", "AssumeRole")
    assert not isinstance(m3, Unmapped)
    assert [n.action for n in needs_of(sts, m3)] == ["sts:AssumeRole"]
