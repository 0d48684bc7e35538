"""A key given twice in one JSON object of a policy is refused (independent review of issue 12).

Given a policy text with two ``Statement`` members, when the one policy model parses it (the path of
``check_no_public_access`` / ``check_access_not_granted`` / ``check_no_new_access`` and ``validate``
through the Python API), then it is a :class:`PolicyParseError` at the second occurrence's line and
column. Before, Python's ``json`` kept the last member silently: an ``Allow Principal *`` statement
followed by ``"Statement": []`` was reported "not public" (PASS) — fail open. The IAM documentation
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html, the JSON policy
grammar: a policy is a JSON object of name/value pairs) does not say which duplicate IAM keeps, so the
sound answer is to refuse the document, as the template loader already does.
"""

from __future__ import annotations

from typing import Any

import pytest

from least_privilege_constructs.analysis.model.policy import PolicyParseError, load_json, parse_policy

DUPLICATE_STATEMENT = (
    '{"Version": "2012-10-17",\n'
    ' "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",'
    ' "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*"}],\n'
    ' "Statement": []}'
)


def test_duplicate_statement_is_a_parse_error_with_its_location() -> None:
    with pytest.raises(PolicyParseError) as info:
        load_json(DUPLICATE_STATEMENT)
    assert "duplicate key 'Statement'" in info.value.message
    assert (info.value.line, info.value.column) == (3, 2)
    assert "first at line 2" in info.value.message


def test_duplicate_key_inside_a_condition_block_is_refused() -> None:
    text = (
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",'
        ' "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalAccount": "111122223333",'
        ' "aws:PrincipalAccount": "444455556666"}}}]}'
    )
    with pytest.raises(PolicyParseError, match="duplicate key 'aws:PrincipalAccount'"):
        parse_policy(text)


def test_public_access_check_does_not_pass_a_hidden_statement() -> None:
    from least_privilege_constructs.analysis.reasoning import PolicyError, check_no_public_access

    with pytest.raises(PolicyError, match="duplicate key 'Statement'"):
        check_no_public_access(DUPLICATE_STATEMENT, "AWS::S3::Bucket")


def test_distinct_keys_still_parse() -> None:
    assert load_json('{"a": {"b": 1}, "b": {"a": 2}}') == {"a": {"b": 1}, "b": {"a": 2}}


@pytest.mark.parametrize(
    ("text", "where"),
    [
        # a second "least-privilege" object replaced the first: its settings vanished without a word
        ('{"app": "x", "context": {"least-privilege": {"mode": "offline"}, "least-privilege": {}}}',
         "context least-privilege"),
        # a second value of one setting replaced the first
        ('{"context": {"least-privilege": {"mode": "offline", "mode": "online"}}}', "least-privilege.mode"),
    ],
)
def test_cdk_json_duplicate_settings_are_an_error(text: str, where: str, tmp_path: Any) -> None:
    from least_privilege_constructs.analysis.settings import SettingsError, read_cdk_json

    path = tmp_path / "cdk.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SettingsError) as info:
        read_cdk_json(path)
    assert info.value.code == "LPC-SETTINGS-002"
    assert where in str(info.value)
    assert "duplicate key" in str(info.value)


def test_cdk_json_duplicates_outside_the_settings_are_left_to_the_cdk(tmp_path: Any) -> None:
    from least_privilege_constructs.analysis.settings import read_cdk_json

    path = tmp_path / "cdk.json"
    path.write_text('{"app": "a", "app": "b", "context": {"other": 1, "other": 2, "least-privilege": {"mode": "offline"}}}')
    assert read_cdk_json(path) == {"mode": "offline"}
