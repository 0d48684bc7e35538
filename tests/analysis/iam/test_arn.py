"""``Arn`` over botocore's ArnParser, accounts, sessions, service principals and partitions.

Pages followed:
- ARN format: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
- IAM identifiers (role and assumed-role session ARNs):
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns
- Principal element (service principals):
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
Partitions and DNS suffixes are botocore's ``endpoints`` data (``regionRegex`` and explicit regions).
"""

from __future__ import annotations

import doctest

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from least_privilege_constructs.analysis import iam
from least_privilege_constructs.analysis.iam import arn as arn_module
from least_privilege_constructs.analysis.iam import variables as variables_module
from least_privilege_constructs.analysis.iam import wildcards as wildcards_module
from least_privilege_constructs.analysis.iam.arn import (
    Arn,
    ArnError,
    account_of,
    dns_suffix,
    is_account_id,
    is_arn,
    is_service_principal,
    partition_of,
    partitions,
    role_arn_of_session,
)


@pytest.mark.parametrize(
    ("text", "fields", "rtype", "rid"),
    [
        ("arn:aws:iam::123456789012:role/app/deploy", ("aws", "iam", "", "123456789012", "role/app/deploy"), "role",
         "app/deploy"),
        ("arn:aws:lambda:us-east-1:123456789012:function:f:1",
         ("aws", "lambda", "us-east-1", "123456789012", "function:f:1"), "function", "f:1"),
        ("arn:aws:sns:us-east-1:123456789012:topic", ("aws", "sns", "us-east-1", "123456789012", "topic"), "",
         "topic"),
        ("arn:aws:s3:::bucket/key/x", ("aws", "s3", "", "", "bucket/key/x"), "", "bucket/key/x"),
        ("arn:aws-cn:ec2:cn-north-1:123456789012:instance/i-1",
         ("aws-cn", "ec2", "cn-north-1", "123456789012", "instance/i-1"), "instance", "i-1"),
        # CloudFormation pseudo parameters and CDK tokens: their "::" does not cut segments
        ("arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${Token[TOKEN.12]}",
         ("${AWS::Partition}", "iam", "", "${AWS::AccountId}", "role/${Token[TOKEN.12]}"), "role",
         "${Token[TOKEN.12]}"),
        # the extractor's unresolved placeholder
        ("arn:aws:iam::{{unresolved: Fn::GetAtt}}:role/x",
         ("aws", "iam", "", "{{unresolved: Fn::GetAtt}}", "role/x"), "role", "x"),
        # policy variables (their ":" does not cut) and wildcards
        ("arn:aws:s3:::home/${aws:username}/*", ("aws", "s3", "", "", "home/${aws:username}/*"), "",
         "home/${aws:username}/*"),
        ("arn:aws:iam::*:role/${aws:PrincipalTag/team:x}*",
         ("aws", "iam", "", "*", "role/${aws:PrincipalTag/team:x}*"), "role", "${aws:PrincipalTag/team:x}*"),
    ],
    ids=["iam-role", "colon-resource", "no-type", "s3-object", "china", "cfn-tokens", "unresolved", "variable",
         "variable-with-colon"],
)
def test_parse(text: str, fields: tuple[str, ...], rtype: str, rid: str) -> None:
    arn = Arn.parse(text)
    assert arn is not None
    assert (arn.partition, arn.service, arn.region, arn.account, arn.resource) == fields
    assert (arn.resource_type, arn.resource_id) == (rtype, rid)
    assert str(arn) == text


@pytest.mark.parametrize("text", ["bucket/key", "arn:aws:s3", "arn:aws:iam::1", "", "ARN:aws:s3:::b", None, 12])
def test_not_an_arn(text: object) -> None:
    assert Arn.parse(text) is None
    assert not is_arn(text)


def test_from_string_error_has_stable_code() -> None:
    with pytest.raises(ArnError) as err:
        Arn.from_string("role/x")
    assert err.value.code == "LPC-ARN-001"
    assert "role/x" in str(err.value) and "LPC-ARN-001" in str(err.value)


def test_properties() -> None:
    arn = Arn.from_string("arn:aws:iam::123456789012:policy/team/a/Boundary")
    assert arn.path == "/team/a/"
    assert arn.name == "Boundary"
    assert Arn.from_string("arn:aws:iam::1:role/r").path == "/"
    assert str(arn.with_partition("aws-cn")) == "arn:aws-cn:iam::123456789012:policy/team/a/Boundary"
    assert str(arn.with_account("*")).startswith("arn:aws:iam::*:")
    assert Arn.from_string("arn:aws:iam::*:role/x").has_wildcards
    assert not Arn.from_string("arn:aws:iam::1:role/${aws:username}").has_wildcards
    assert Arn.from_string("arn:aws:iam::1:role/${aws:username}").has_placeholders
    assert not Arn.from_string("arn:aws:iam::1:role/x").has_placeholders


@pytest.mark.parametrize(
    ("text", "account"),
    [
        ("arn:aws:iam::123456789012:role/x", "123456789012"),
        ("arn:aws:s3:::bucket", None),  # empty account: None, never ""
        ("arn:aws:iam::aws:policy/ReadOnlyAccess", "aws"),
        ("123456789012", None),  # an account id is not an ARN
        ("lambda.amazonaws.com", None),
        ("*", None),
    ],
)
def test_account_of(text: str, account: str | None) -> None:
    assert account_of(text) == account


def test_is_account_id() -> None:
    assert is_account_id("123456789012")
    assert not is_account_id("12345678901")
    assert not is_account_id("12345678901a")


@pytest.mark.parametrize(
    ("session", "role"),
    [
        ("arn:aws:sts::111122223333:assumed-role/Admin/alice", "arn:aws:iam::111122223333:role/Admin"),
        ("arn:aws-us-gov:sts::111122223333:assumed-role/R/s", "arn:aws-us-gov:iam::111122223333:role/R"),
        ("arn:aws:sts::111122223333:assumed-role/R", None),
        ("arn:aws:sts::111122223333:federated-user/bob", None),
        ("arn:aws:iam::111122223333:role/R", None),
        ("not-an-arn", None),
    ],
)
def test_role_arn_of_session(session: str, role: str | None) -> None:
    assert role_arn_of_session(session) == role


@pytest.mark.parametrize(
    ("principal", "expected"),
    [
        ("lambda.amazonaws.com", True),
        ("ec2.amazonaws.com.cn", True),
        ("states.us-east-1.amazonaws.com", True),
        ("accounts.google.com", False),
        ("graph.facebook.com", False),
        ("arn:aws:iam::1:role/x.amazonaws.com", False),
        ("123456789012", False),
    ],
)
def test_is_service_principal(principal: str, expected: bool) -> None:
    assert is_service_principal(principal) is expected


@pytest.mark.parametrize(
    ("region", "partition", "suffix"),
    [
        ("us-east-1", "aws", "amazonaws.com"),
        ("eu-west-3", "aws", "amazonaws.com"),
        ("cn-north-1", "aws-cn", "amazonaws.com.cn"),
        ("cn-northwest-1", "aws-cn", "amazonaws.com.cn"),
        ("us-gov-west-1", "aws-us-gov", "amazonaws.com"),
        ("us-iso-east-1", "aws-iso", "c2s.ic.gov"),
        ("us-isob-east-1", "aws-iso-b", "sc2s.sgov.gov"),
        # the two regions the hand-written prefix table put in "aws"
        ("eu-isoe-west-1", "aws-iso-e", "cloud.adc-e.uk"),
        ("us-isof-south-1", "aws-iso-f", "csp.hci.ic.gov"),
        ("eusc-de-east-1", "aws-eusc", "amazonaws.eu"),
        # a region botocore does not list yet, matched by its partition's regionRegex
        ("ap-future-9", "aws", "amazonaws.com"),
        ("cn-future-9", "aws-cn", "amazonaws.com.cn"),
    ],
)
def test_partition_of(region: str, partition: str, suffix: str) -> None:
    assert partition_of(region) == partition
    assert dns_suffix(partition) == suffix


def test_unknown_region_and_partition() -> None:
    assert partition_of("mars-1") is None
    assert partition_of("${AWS::Region}") is None
    assert dns_suffix("aws-mars") is None
    assert {"aws", "aws-cn", "aws-us-gov", "aws-iso-e", "aws-iso-f"} <= set(partitions())


_segment = st.text(alphabet="abc-_/*?$", max_size=6).filter(lambda s: ":" not in s)


@settings(max_examples=200, deadline=None)
@given(_segment, _segment, _segment, _segment, st.text(alphabet="ab:/*", max_size=8))
def test_parse_round_trips(partition: str, service: str, region: str, account: str, resource: str) -> None:
    text = f"arn:{partition}:{service}:{region}:{account}:{resource}"
    arn = Arn.parse(text)
    assert arn is not None
    assert (arn.partition, arn.service, arn.region, arn.account, arn.resource) == (
        partition, service, region, account, resource
    )
    assert str(arn) == text


@pytest.mark.parametrize("module", [iam, arn_module, wildcards_module, variables_module], ids=lambda m: m.__name__)
def test_docstring_examples_run(module: object) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)  # type: ignore[arg-type]
    assert result.attempted > 0
    assert result.failed == 0
