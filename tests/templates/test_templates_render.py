"""Rendering: placeholders, lists, maps, pseudo parameters, parameter errors, provenance."""

from __future__ import annotations

import pytest

from least_privilege_constructs.templates.errors import ParameterError
from least_privilege_constructs.templates.render import RenderContext
from least_privilege_constructs.templates.template import PolicyTemplate
from tests.templates.helpers import minimal_template


def test_render_fills_parameters_and_pseudo_parameters() -> None:
    t = PolicyTemplate.from_dict(minimal_template())
    doc = t.render(bucket_name="acme-reports", context=RenderContext(partition="aws-cn")).document
    assert doc == {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "Read", "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws-cn:s3:::acme-reports/*"}
        ],
    }
    # the template itself is not mutated
    assert t.statements[0]["Resource"] == "arn:{{AWS::Partition}}:s3:::{{bucket_name}}/*"


def test_mapping_and_kwargs_are_merged_and_context_may_be_a_mapping() -> None:
    t = PolicyTemplate.from_dict(minimal_template())
    doc = t.render({"bucket_name": "a-bucket"}, context={"AWS::Partition": "${Token[AWS.Partition.1]}"}).document
    assert doc["Statement"][0]["Resource"] == "arn:${Token[AWS.Partition.1]}:s3:::a-bucket/*"


def test_list_parameters_become_lists_and_are_flattened() -> None:
    t = PolicyTemplate.from_dict(
        minimal_template(
            parameters={"arns": {"type": "table_arn", "list": True}, "tags": {"type": "tags"}},
            services=["dynamodb"],
            statements=[
                {
                    "Effect": "Allow",
                    "Action": "dynamodb:GetItem",
                    "Resource": ["{{arns}}", "arn:aws:dynamodb:us-east-1:123456789012:table/fixed"],
                    "Condition": {"StringEquals": "{{tags}}"},
                }
            ],
        )
    )
    arns = ["arn:aws:dynamodb:us-east-1:123456789012:table/orders", "arn:aws:dynamodb:us-east-1:123456789012:table/users"]
    st = t.render(arns=arns, tags={"aws:ResourceTag/team": "pay"}).statements[0]
    assert st["Resource"] == [*arns, "arn:aws:dynamodb:us-east-1:123456789012:table/fixed"]
    assert st["Condition"] == {"StringEquals": {"aws:ResourceTag/team": "pay"}}


def test_placeholders_in_condition_keys() -> None:
    t = PolicyTemplate.from_dict(
        minimal_template(
            parameters={"bucket_name": {"type": "bucket_name"}, "tag_key": {"type": "tag_key"}},
            statements=[
                {
                    "Effect": "Allow",
                    "Action": "s3:GetObject",
                    "Resource": "arn:aws:s3:::{{bucket_name}}/*",
                    "Condition": {"StringEquals": {"s3:ExistingObjectTag/{{tag_key}}": "${aws:PrincipalTag/team}"}},
                }
            ],
        )
    )
    st = t.render(bucket_name="abc", tag_key="team").statements[0]
    assert st["Condition"] == {"StringEquals": {"s3:ExistingObjectTag/team": "${aws:PrincipalTag/team}"}}


def test_missing_parameter_names_template_and_parameter() -> None:
    t = PolicyTemplate.from_dict(minimal_template())
    with pytest.raises(ParameterError) as info:
        t.render()
    assert info.value.parameter == "bucket_name"
    assert str(info.value).startswith("template acme.reports-read@1.0.0: parameter 'bucket_name': missing required")


def test_ill_typed_parameter_names_template_and_parameter() -> None:
    t = PolicyTemplate.from_dict(minimal_template())
    with pytest.raises(ParameterError, match=r"acme.reports-read@1.0.0: parameter 'bucket_name': expected an S3"):
        t.render(bucket_name="Not A Bucket")
    with pytest.raises(ParameterError, match=r"parameter 'bucket_name': expected an S3 .* got \['a-b'\]"):
        t.render(bucket_name=["a-b"])


def test_unknown_parameter_is_rejected() -> None:
    t = PolicyTemplate.from_dict(minimal_template())
    with pytest.raises(ParameterError, match=r"parameter 'bucket': unknown parameter; .* takes: bucket_name"):
        t.render(bucket="abc")


def test_defaults_apply() -> None:
    t = PolicyTemplate.from_dict(
        minimal_template(parameters={"bucket_name": {"type": "bucket_name", "default": "default-bucket"}})
    )
    assert t.render().statements[0]["Resource"] == "arn:aws:s3:::default-bucket/*"
    assert t.render().parameters == {"bucket_name": "default-bucket"}


def test_metadata_records_provenance_and_parameters() -> None:
    t = PolicyTemplate.from_dict(minimal_template())
    meta = t.render(bucket_name="abc").metadata()
    assert meta == {
        "template": "acme.reports-read",
        "version": "1.0.0",
        "audience": "application",
        "repository": "inline",
        "path": "",
        "parameters": {"bucket_name": "abc"},
    }


def test_cloudformation_context_and_fn_sub() -> None:
    from least_privilege_constructs.templates.render import to_cloudformation

    t = PolicyTemplate.from_dict(
        minimal_template(statements=[{"Effect": "Allow", "Action": "s3:GetObject",
                                      "Resource": "arn:{{AWS::Partition}}:s3:::{{bucket_name}}/${aws:username}/*"}])
    )
    rendered = t.render(bucket_name="abc", context=RenderContext.cloudformation())
    assert rendered.statements[0]["Resource"] == "arn:${AWS::Partition}:s3:::abc/${aws:username}/*"
    assert to_cloudformation(rendered.document)["Statement"][0]["Resource"] == {
        "Fn::Sub": "arn:${AWS::Partition}:s3:::abc/${!aws:username}/*"
    }
    assert to_cloudformation({"a": ["x", 1, "${aws:username}"]}) == {"a": ["x", 1, "${aws:username}"]}


def test_render_statements_defaults_to_cloudformation_pseudo_parameters() -> None:
    t = PolicyTemplate.from_dict(minimal_template())
    assert t.render_statements(bucket_name="abc")[0]["Resource"] == "arn:${AWS::Partition}:s3:::abc/*"
    assert t.render_statements({"bucket_name": "abc"}, context=RenderContext())[0]["Resource"] == "arn:aws:s3:::abc/*"
