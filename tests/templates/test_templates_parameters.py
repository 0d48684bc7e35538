"""Parameter types: every type accepts its example and rejects typical mistakes; lists; tokens; specs."""

from __future__ import annotations

import pytest

from least_privilege_constructs.templates.parameters import PARAMETER_TYPES, ParameterSpec, is_token


@pytest.mark.parametrize("type_name", sorted(PARAMETER_TYPES))
def test_every_type_accepts_its_example(type_name: str) -> None:
    ptype = PARAMETER_TYPES[type_name]
    assert ptype.accepts(ptype.example), f"{type_name} rejects its own example {ptype.example!r}"


BAD = [
    ("account_id", "12345678901"),
    ("account_id", 123456789012),
    ("bucket_name", "My_Bucket"),
    ("bucket_name", "ab"),
    ("bucket_name", "192.168.1.1"),
    ("bucket_name", "a..b"),
    ("s3_prefix", "reports/*"),
    ("s3_prefix", "/reports/"),
    ("table_arn", "arn:aws:dynamodb:us-east-1:123456789012:table/*"),
    ("table_arn", "arn:aws:s3:::bucket"),
    ("kms_key_arn", "arn:aws:kms:us-east-1:123456789012:alias/my-key"),
    ("queue_arn", "https://sqs.us-east-1.amazonaws.com/123456789012/q"),
    ("principal_arn", "*"),
    ("principal_arn", "arn:aws:iam::123456789012:role/*"),
    ("role_arn", "arn:aws:iam::123456789012:user/alice"),
    ("ou_id", "ou-1"),
    ("org_id", "o-short"),
    ("secret_arn", "arn:aws:secretsmanager:us-east-1:123456789012:secret:db"),
    ("iam_path", "application"),
    ("log_group_name", "/aws/lambda/*"),
    ("tags", {}),
    ("tags", {"team": 1}),
    ("boolean", "true"),
    ("integer", True),
    ("string", ""),
    ("name_prefix", "team*"),
]


@pytest.mark.parametrize(("type_name", "value"), BAD, ids=[f"{t}-{v!r}" for t, v in BAD])
def test_types_reject_bad_values(type_name: str, value: object) -> None:
    assert not PARAMETER_TYPES[type_name].accepts(value)


def test_cdk_tokens_are_accepted_for_string_types() -> None:
    token = "${Token[TOKEN.123]}"
    assert is_token(token)
    spec = ParameterSpec.from_dict("table_arn", {"type": "table_arn", "pattern": "nope"})
    assert spec.validate(token) == token
    assert spec.validate("arn:aws:dynamodb:eu-west-1:111122223333:table/t" + token) is not None


def test_list_parameter_validates_each_item_and_counts() -> None:
    spec = ParameterSpec.from_dict("arns", {"type": "principal_arn", "list": True, "max_items": 2})
    ok = ["arn:aws:iam::111122223333:root", "arn:aws:iam::111122223333:role/app/x"]
    assert spec.validate(ok) == ok
    with pytest.raises(ValueError, match="item 1"):
        spec.validate(["arn:aws:iam::111122223333:root", "nope"])
    with pytest.raises(ValueError, match="at least 1"):
        spec.validate([])
    with pytest.raises(ValueError, match="at most 2"):
        spec.validate([*ok, "arn:aws:iam::111122223333:role/y"])
    with pytest.raises(ValueError, match="duplicate"):
        spec.validate([ok[0], ok[0]])
    with pytest.raises(ValueError, match="expected a list"):
        spec.validate(ok[0])


def test_pattern_and_allowed() -> None:
    spec = ParameterSpec.from_dict("svc", {"type": "string", "allowed": ["s3", "sqs"]})
    assert spec.validate("s3") == "s3"
    with pytest.raises(ValueError, match="not one of"):
        spec.validate("ec2")
    spec = ParameterSpec.from_dict("p", {"type": "name_prefix", "pattern": "acme-.*"})
    with pytest.raises(ValueError, match="does not match the pattern"):
        spec.validate("other-")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"type": "bucket"}, "unknown type 'bucket'"),
        ({"type": "string", "colour": "red"}, "unknown field"),
        ({"type": "string", "list": "yes"}, "'list' must be true or false"),
        ({"type": "string", "pattern": "("}, "invalid pattern"),
        ({"type": "account_id", "default": "abc"}, "invalid default"),
        ({"type": "account_id", "example": "abc"}, "invalid example"),
        (["string"], "must be a mapping"),
    ],
    ids=["unknown-type", "unknown-field", "bad-list-flag", "bad-pattern", "bad-default", "bad-example", "not-mapping"],
)
def test_bad_parameter_declarations(data: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ParameterSpec.from_dict("p", data)


def test_default_makes_optional_and_example_value() -> None:
    spec = ParameterSpec.from_dict("path", {"type": "iam_path", "default": "/app/"})
    assert not spec.required
    assert spec.example_value() == "/app/"
    listed = ParameterSpec.from_dict("ids", {"type": "account_id", "list": True})
    assert listed.example_value() == ["123456789012"]
