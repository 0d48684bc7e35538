"""CDK integration: one module-scoped synthesized app covers grant, managed and inline policies,
documents, statements, tokens and provenance metadata."""

from __future__ import annotations

import os
from typing import Any

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

pytestmark = pytest.mark.synth


@pytest.fixture(scope="module")
def synthesized() -> dict[str, Any]:
    from aws_cdk import App, Stack
    from aws_cdk import aws_dynamodb as dynamodb
    from aws_cdk import aws_iam as iam
    from aws_cdk import aws_s3 as s3

    from least_privilege_constructs import TemplateCatalog
    from least_privilege_constructs.templates.cdk import statements_to_cdk
    from least_privilege_constructs.templates.errors import TemplateError

    catalog = TemplateCatalog.builtin()
    app = App(context={"@aws-cdk/core:validationReportJson": False})
    stack = Stack(app, "Templates")
    bucket = s3.Bucket(stack, "Data")
    table = dynamodb.Table(stack, "Table", partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING))
    role = iam.Role(stack, "Worker", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))

    catalog.get("app.s3-read").grant(role, bucket_name=bucket.bucket_name)
    catalog.get("app.s3-read").grant(role, {"bucket_name": "second-bucket"})
    catalog.get("app.dynamodb-crud").grant(role, table_arn=table.table_arn)
    catalog.get("app.xray-write").to_managed_policy(stack, "XRay", managed_policy_name="xray-write")
    inline = catalog.get("app.cloudwatch-logs-write").to_inline_policy(stack, "Logs", log_group_name="/app/worker")
    role.attach_inline_policy(inline)
    catalog.get("res.s3-bucket-org-tls").add_to_resource_policy(bucket, bucket_name=bucket.bucket_name,
                                                                 org_id="o-a1b2c3d4e5")
    from aws_cdk import aws_sqs as sqs

    queue = sqs.Queue(stack, "Queue")
    catalog.get("res.sqs-queue-named-principals").add_to_resource_policy(
        queue, queue_arn=queue.queue_arn, sender_arns=["arn:aws:iam::444455556666:role/app/producer"])
    from aws_cdk import aws_kms as kms

    key = kms.Key(stack, "Key")
    catalog.get("res.kms-key-admins-users").add_to_resource_policy(
        key, admin_arns=["arn:aws:iam::123456789012:role/admin/key-admin"], user_arns=[role.role_arn])
    doc = catalog.get("res.sns-topic-named-principals").to_policy_document(
        stack, topic_arn="arn:aws:sns:us-east-1:123456789012:t", publisher_arns=["arn:aws:iam::444455556666:root"])
    boundary_statements = catalog.get("boundary.protect-boundary").to_policy_statements(
        stack, boundary_policy_arn="arn:aws:iam::123456789012:policy/developer-boundary")
    from_raw = statements_to_cdk(catalog.get("app.sqs-send").render_statements(
        queue_arn="arn:aws:sqs:eu-west-1:111122223333:orders"))
    sub_role = iam.Role(stack, "Sub", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    for st in statements_to_cdk(catalog.get("app.cloudwatch-logs-write").render_statements(log_group_name="/sub")):
        sub_role.add_to_policy(st)
    errors = []
    try:
        catalog.get("res.s3-bucket-org-tls").add_to_resource_policy(queue, bucket_name="abc", org_id="o-a1b2c3d4e5")
    except TemplateError as exc:
        errors.append(str(exc))
    try:
        catalog.get("res.s3-bucket-org-tls").grant(role, bucket_name="abc", org_id="o-a1b2c3d4e5")
    except TemplateError as exc:
        errors.append(str(exc))
    try:
        catalog.get("app.s3-read").grant(role, bucket_name="Bad_Name")
    except TemplateError as exc:
        errors.append(str(exc))
    template = app.synth().get_stack_by_name("Templates").template
    return {
        "template": template,
        "boundary": [s.to_json() for s in boundary_statements],
        "raw": [s.to_json() for s in from_raw],
        "errors": errors,
        "document": doc.to_json(),
    }


def _resources(template: dict[str, Any], cfn_type: str) -> dict[str, Any]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == cfn_type}


def test_grant_creates_one_inline_policy_per_grant_with_provenance(synthesized: dict[str, Any]) -> None:
    policies = _resources(synthesized["template"], "AWS::IAM::Policy")
    metas = [m for p in policies.values() for m in p.get("Metadata", {}).get("LeastPrivilegeTemplates", [])]
    assert sorted(m["template"] for m in metas) == [
        "app.cloudwatch-logs-write", "app.dynamodb-crud", "app.s3-read", "app.s3-read"
    ]
    for m in metas:
        assert m["version"] == "1.0.0" and m["repository"] == "builtin" and m["path"].endswith(".yaml")
    s3_read = [p for p in policies.values()
               if p.get("Metadata", {}).get("LeastPrivilegeTemplates", [{}])[0].get("template") == "app.s3-read"]
    assert len(s3_read) == 2
    assert all(p["Properties"]["Roles"] == [{"Ref": _ref(synthesized, "AWS::IAM::Role")}] for p in s3_read)
    # the token parameter is resolved in the document and in the metadata
    first = next(p for p in s3_read if "Ref" in str(p["Properties"]["PolicyDocument"]))
    resource = first["Properties"]["PolicyDocument"]["Statement"][0]["Resource"]
    assert resource == {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::", {"Ref": _ref(synthesized, "AWS::S3::Bucket")}]]}
    assert first["Metadata"]["LeastPrivilegeTemplates"][0]["parameters"]["bucket_name"] == {
        "Ref": _ref(synthesized, "AWS::S3::Bucket")}


def _ref(synthesized: dict[str, Any], cfn_type: str) -> str:
    return next(iter(_resources(synthesized["template"], cfn_type)))


def test_pseudo_parameters_become_stack_tokens(synthesized: dict[str, Any]) -> None:
    policies = _resources(synthesized["template"], "AWS::IAM::Policy")
    logs = next(p for p in policies.values()
                if p.get("Metadata", {}).get("LeastPrivilegeTemplates", [{}])[0].get("template") == "app.cloudwatch-logs-write")
    resource = logs["Properties"]["PolicyDocument"]["Statement"][0]["Resource"]
    assert {"Ref": "AWS::AccountId"} in resource["Fn::Join"][1]
    assert {"Ref": "AWS::Region"} in resource["Fn::Join"][1]
    assert resource["Fn::Join"][1][-1].endswith(":log-group:/app/worker:log-stream:*")


def test_managed_policy_and_resource_policy(synthesized: dict[str, Any]) -> None:
    managed = _resources(synthesized["template"], "AWS::IAM::ManagedPolicy")
    (mp,) = managed.values()
    assert mp["Properties"]["ManagedPolicyName"] == "xray-write"
    assert mp["Properties"]["Description"].startswith("app.xray-write@1.0.0")
    assert mp["Metadata"]["LeastPrivilegeTemplates"][0]["template"] == "app.xray-write"
    (bp,) = _resources(synthesized["template"], "AWS::S3::BucketPolicy").values()
    sids = [s.get("Sid") for s in bp["Properties"]["PolicyDocument"]["Statement"]]
    assert "DenyInsecureTransport" in sids and "DenyOutsideOrganization" in sids
    assert bp["Metadata"]["LeastPrivilegeTemplates"][0]["template"] == "res.s3-bucket-org-tls"
    (qp,) = _resources(synthesized["template"], "AWS::SQS::QueuePolicy").values()
    statement = qp["Properties"]["PolicyDocument"]["Statement"][0]
    assert statement["Principal"] == {"AWS": "arn:aws:iam::444455556666:role/app/producer"}
    assert qp["Metadata"]["LeastPrivilegeTemplates"][0]["parameters"]["sender_arns"] == [
        "arn:aws:iam::444455556666:role/app/producer"]
    (key,) = _resources(synthesized["template"], "AWS::KMS::Key").values()
    sids = [st.get("Sid") for st in key["Properties"]["KeyPolicy"]["Statement"]]
    assert {"KeyAdministration", "KeyUse", "GrantsForAwsServices"} <= set(sids)
    assert key["Metadata"]["LeastPrivilegeTemplates"][0]["template"] == "res.kms-key-admins-users"
    assert synthesized["document"]["Statement"][0]["Principal"] == {"AWS": "arn:aws:iam::444455556666:root"}


def test_statements_for_boundaries_and_raw_conversion(synthesized: dict[str, Any]) -> None:
    assert [s["Sid"] for s in synthesized["boundary"]] == [
        "DenyPrincipalsWithoutBoundary", "DenyBoundaryRemoval", "DenyBoundaryPolicyChanges"]
    assert synthesized["raw"] == [{"Action": "sqs:SendMessage", "Effect": "Allow",
                                   "Resource": "arn:aws:sqs:eu-west-1:111122223333:orders", "Sid": "SendMessages"}]


def test_render_statements_become_fn_sub(synthesized: dict[str, Any]) -> None:
    policies = _resources(synthesized["template"], "AWS::IAM::Policy")
    default = next(p for k, p in policies.items() if k.startswith("SubDefaultPolicy"))
    assert default["Properties"]["PolicyDocument"]["Statement"][0]["Resource"] == {
        "Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/sub:log-stream:*"
    }


def test_cdk_errors_are_clear(synthesized: dict[str, Any]) -> None:
    wrong_resource, resource_policy_error, parameter_error = synthesized["errors"]
    assert "the template is for AWS::S3::Bucket, not AWS::SQS::Queue" in wrong_resource
    assert "res.s3-bucket-org-tls@1.0.0" in resource_policy_error
    assert "grant needs an identity-policy template" in resource_policy_error
    assert "parameter 'bucket_name'" in parameter_error and "app.s3-read@1.0.0" in parameter_error
