"""Grammar and structure checks (checks/syntax.py) and JSON parsing."""

from __future__ import annotations

import json

import pytest

from .conftest import allow, codes_of, paths_of, policy

CASES = [
    # id, document, expected code, expected path (None: any)
    ("not-an-object", ["Statement"], "DATA_TYPE_MISMATCH", []),
    ("statement-not-object", policy("oops"), "DATA_TYPE_MISMATCH", ["Statement", 0]),
    (
        "effect-number",
        policy({"Effect": 1, "Action": "s3:GetObject", "Resource": "*"}),
        "DATA_TYPE_MISMATCH",
        ["Statement", 0, "Effect"],
    ),
    ("action-object", policy(allow(action={"a": 1})), "DATA_TYPE_MISMATCH", ["Statement", 0, "Action"]),
    (
        "action-item-number",
        policy(allow(action=["s3:GetObject", 3])),
        "DATA_TYPE_MISMATCH",
        ["Statement", 0, "Action", 1],
    ),
    (
        "condition-not-object",
        policy(allow(Condition=["x"])),
        "DATA_TYPE_MISMATCH",
        ["Statement", 0, "Condition"],
    ),
    (
        "condition-value-object",
        policy(allow(Condition={"StringEquals": {"aws:username": {"a": 1}}})),
        "DATA_TYPE_MISMATCH",
        ["Statement", 0, "Condition", "StringEquals", "aws:username"],
    ),
    (
        "mixed-condition-types",
        policy(allow(Condition={"StringEquals": {"aws:username": ["a", 1]}})),
        "INVALID_CONDITION_DATA_TYPE",
        ["Statement", 0, "Condition", "StringEquals", "aws:username"],
    ),
    ("unknown-top-level", {**policy(allow()), "Foo": 1}, "INVALID_POLICY_ELEMENT", ["Foo"]),
    (
        "unknown-statement-element",
        policy(allow(Actions="x")),
        "INVALID_POLICY_ELEMENT",
        ["Statement", 0, "Actions"],
    ),
    (
        "lower-case-element",
        policy({"effect": "Allow", "Action": "s3:*", "Resource": "*"}),
        "INVALID_POLICY_ELEMENT",
        ["Statement", 0, "effect"],
    ),
    ("missing-version", policy(allow(), version=None), "MISSING_VERSION", []),
    ("invalid-version", policy(allow(), version="2012-10-18"), "INVALID_VERSION", ["Version"]),
    ("missing-statement", {"Version": "2012-10-17"}, "MISSING_STATEMENT", []),
    ("empty-statement-array", policy(), "MISSING_STATEMENT", ["Statement"]),
    ("missing-effect", policy({"Action": "s3:*", "Resource": "*"}), "MISSING_EFFECT", ["Statement", 0]),
    ("invalid-effect", policy(allow(Effect="allow")), "INVALID_EFFECT", ["Statement", 0, "Effect"]),
    ("missing-action", policy({"Effect": "Allow", "Resource": "*"}), "MISSING_ACTION", ["Statement", 0]),
    ("missing-resource", policy({"Effect": "Allow", "Action": "s3:*"}), "MISSING_RESOURCE", ["Statement", 0]),
    (
        "action-and-notaction",
        policy(allow(NotAction="s3:*")),
        "UNSUPPORTED_ELEMENT_COMBINATION",
        ["Statement", 0, "Action"],
    ),
    ("sid-with-dash", policy(allow(Sid="my-sid")), "UNSUPPORTED_SID", ["Statement", 0, "Sid"]),
    ("empty-sid", policy(allow(Sid="")), "EMPTY_SID_VALUE", ["Statement", 0, "Sid"]),
    (
        "duplicate-sids",
        policy(allow(Sid="A"), allow(Sid="A")),
        "UNIQUE_SIDS_REQUIRED",
        ["Statement", 1, "Sid"],
    ),
    ("empty-action", policy(allow(action=[])), "EMPTY_ARRAY_ACTION", ["Statement", 0, "Action"]),
    ("empty-resource", policy(allow(resource=[])), "EMPTY_ARRAY_RESOURCE", ["Statement", 0, "Resource"]),
    ("empty-condition", policy(allow(Condition={})), "EMPTY_OBJECT_CONDITION", ["Statement", 0, "Condition"]),
    (
        "empty-operator-block",
        policy(allow(Condition={"Bool": {}})),
        "EMPTY_OBJECT_CONDITION",
        ["Statement", 0, "Condition", "Bool"],
    ),
]


@pytest.mark.parametrize(("doc", "code", "path"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_structure_finding(validate, doc, code, path):
    findings = validate(doc)
    assert code in codes_of(findings), findings
    assert path in paths_of(findings, code)


def test_single_statement_object_paths_have_no_index(validate):
    findings = validate(
        {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}}
    )
    assert paths_of(findings, "PASS_ROLE_WITH_STAR_IN_RESOURCE") == [
        ["Statement", "Action"],
        ["Statement", "Resource"],
    ]


def test_duplicate_sids_in_resource_policy_are_only_recommended(validate):
    st = {**allow(), "Principal": {"AWS": "123456789012"}, "Sid": "A"}
    findings = validate(policy(st, dict(st)), "RESOURCE_POLICY", "AWS::S3::Bucket")
    assert "UNIQUE_SIDS_RECOMMENDED" in codes_of(findings)
    assert "UNIQUE_SIDS_REQUIRED" not in codes_of(findings)


def test_resource_policy_sid_may_have_spaces(validate):
    st = {**allow(resource="arn:aws:s3:::b/*"), "Principal": {"AWS": "123456789012"}, "Sid": "Allow reads"}
    assert "UNSUPPORTED_SID" not in codes_of(validate(policy(st), "RESOURCE_POLICY", "AWS::S3::Bucket"))


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ('{"Version": "2012-10-17",\n "Statement": [}', 2, 16),
        ("", 1, 1),
        ('{"a": NaN}', 1, 1),
    ],
    ids=["unbalanced-bracket", "empty-text", "nan-constant"],
)
def test_json_syntax_error_has_location(validate, text, line, column):
    findings = validate(text)
    assert [f.issue_code for f in findings] == ["JSON_SYNTAX_ERROR"]
    assert findings[0].details["line"] == line
    assert findings[0].details["column"] == column


def test_invalid_utf8_bytes(validate):
    findings = validate(b'{"Version": "\xff"}')
    assert [f.issue_code for f in findings] == ["JSON_SYNTAX_ERROR"]
    assert "UTF-8" in findings[0].message


def test_json_text_and_dict_agree(validate):
    import json

    def strip(findings):
        return [(f.issue_code, f.locations, f.message) for f in findings]

    doc = policy(allow(action=["s3:GetObject", "s3:GetObject"], Sid="x-y"))
    assert strip(validate(json.dumps(doc))) == strip(validate(doc))
    assert strip(validate(json.dumps(doc).encode())) == strip(validate(doc))


def test_text_input_gets_character_spans(validate):
    text = '{\n  "Version": "2012-10-17",\n  "Statement": [{"Effect": "Allow", "Action": "iam:PassRole",\n    "Resource": "*"}]\n}'
    [finding] = validate(text)
    spans = [loc["span"] for loc in finding.to_access_analyzer()["locations"]]
    assert spans[0]["start"]["line"] == 3
    assert text[spans[0]["start"]["offset"] : spans[0]["end"]["offset"]] == '"iam:PassRole"'
    assert text[spans[1]["start"]["offset"] : spans[1]["end"]["offset"]] == '"*"'
    assert validate(json.loads(text))[0].to_access_analyzer()["locations"][0]["span"] == {
        "start": {},
        "end": {},
    }


def test_clean_policy_has_no_findings(validate):
    doc = policy(
        allow(
            action=["s3:GetObject", "s3:ListBucket"],
            resource=["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
            Sid="Read",
        )
    )
    assert validate(doc) == []


def test_unknown_policy_type_is_a_usage_error(validate):
    with pytest.raises(ValueError, match="unknown policy type"):
        validate(policy(allow()), "GROUP_POLICY")
