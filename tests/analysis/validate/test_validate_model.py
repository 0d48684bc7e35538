"""The policy model with JSON paths (analysis/model) and the agreement counter (validate/agreement.py)."""

from __future__ import annotations

import pytest

from least_privilege_constructs.analysis.findings import Finding, FindingType
from least_privilege_constructs.analysis.iam.wildcards import glob_match, pattern_covers
from least_privilege_constructs.analysis.model import PolicyParseError, PolicyValueError, parse_policy
from least_privilege_constructs.analysis.validate.agreement import compare
from least_privilege_constructs.analysis.validate.keys import parse_operator


def test_statement_views_carry_paths():
    doc = parse_policy(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:Put*"], '
        '"Resource": "*", "Principal": {"AWS": ["1", "2"]}, '
        '"Condition": {"StringEquals": {"aws:username": ["a", "b"]}}}]}'
    )
    st = doc.statements[0]
    assert [a.path for a in st.values("Action")] == [
        ["Statement", 0, "Action", 0],
        ["Statement", 0, "Action", 1],
    ]
    assert [r.path for r in st.values("Resource")] == [["Statement", 0, "Resource"]]
    assert [(t, loc.path) for t, loc in st.principals()] == [
        ("AWS", ["Statement", 0, "Principal", "AWS", 0]),
        ("AWS", ["Statement", 0, "Principal", "AWS", 1]),
    ]
    [entry] = st.conditions()
    assert entry.key_path == ["Statement", 0, "Condition", "StringEquals", None]
    assert [v.path for v in entry.values][1] == [
        "Statement",
        0,
        "Condition",
        "StringEquals",
        "aws:username",
        1,
    ]


def test_parse_errors():
    with pytest.raises(PolicyParseError) as err:
        parse_policy('{\n  "a": }')
    assert (err.value.line, err.value.column) == (2, 8)
    with pytest.raises(PolicyValueError):
        parse_policy({"a": {1, 2}})


@pytest.mark.parametrize(
    ("text", "base", "qualifier", "if_exists"),
    [
        ("StringLike", "StringLike", None, False),
        ("ForAnyValue:StringEqualsIfExists", "StringEquals", "ForAnyValue", True),
        ("forallvalues:arnlike", "ArnLike", "ForAllValues", False),
        ("NullIfExists", "Null", None, True),
        ("Foo:StringLike", None, None, False),
        ("StringLikely", None, None, False),
    ],
    ids=["plain", "qualified-ifexists", "case-insensitive", "null-ifexists", "bad-qualifier", "bad-name"],
)
def test_parse_operator(text, base, qualifier, if_exists):
    op = parse_operator(text)
    assert (op.base, op.qualifier, op.if_exists) == (base, qualifier, if_exists)


@pytest.mark.parametrize(
    ("general", "specific", "expected"),
    [
        ("iam:get*", "iam:getcredentialreport", True),
        ("iam:get*", "iam:*credentialreport", False),
        ("arn:aws:s3:::logs-*", "arn:aws:s3:::logs-*/*", True),
        ("a?c", "a?c", True),
        ("a?c", "a*c", False),
        ("*", "anything*", True),
        ("x*y*z", "x1y2z", True),
        ("x*y*z", "x*z", False),
    ],
    ids=[
        "prefix",
        "partial",
        "star-spans-slash",
        "qmark-qmark",
        "qmark-star",
        "star",
        "two-stars",
        "missing-middle",
    ],
)
def test_pattern_covers(general, specific, expected):
    assert pattern_covers(general, specific) is expected


def test_glob_match():
    assert glob_match("iam:pass*", "iam:passrole")
    assert glob_match("IAM:PASS*", "iam:passrole", ignore_case=True)
    assert not glob_match("iam:pass?", "iam:passrole")


def test_compare_counts_pairs_and_locations():
    expected = {
        "p1": [{"issueCode": "A", "paths": [["Statement", 0]]}, {"issueCode": "B", "paths": [[]]}],
        "p2": [],
    }
    actual = {
        "p1": [Finding(FindingType.ERROR, "A", "m", locations=[["Statement", 1]])],
        "p2": [Finding(FindingType.WARNING, "C", "m", locations=[[]])],
    }
    rep = compare(expected, actual)
    assert (rep.overall.tp, rep.overall.fp, rep.overall.fn) == (1, 1, 1)
    assert rep.location_mismatches == [("p1", "A")]
    assert rep.false_positives == [("p2", "C")] and rep.false_negatives == [("p1", "B")]


def test_span_index_values_keys_and_depth():
    from least_privilege_constructs.analysis.model.spans import index_spans

    text = '{"Statement": [{"Action": ["a", "b"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}'
    idx = index_spans(text)
    b = idx.value(["Statement", 0, "Action", 1])
    assert text[b.start.offset : b.end.offset] == '"b"'
    key = idx.locate(["Statement", 0, "Condition", "Bool", None], "aws:SecureTransport")
    assert text[key.start.offset : key.end.offset] == '"aws:SecureTransport"'
    assert idx.value(["Nope"]) is None
    deep = "[" * 5000 + "]" * 5000
    assert index_spans(deep).value([0] * 4999).start.offset == 4999
    with pytest.raises(ValueError):
        index_spans('{"a": }')


@pytest.mark.parametrize(
    ("path", "key"),
    [
        (["Statement", 0, "Action", 1], None),
        (["Statement", 0, "Condition", "Bool", None], "aws:SecureTransport"),
        (["Statement", 0, "Condition", "Bool", "aws:SecureTransport"], None),
        (["Statement", 1], None),
        ([], None),
        (["Missing"], None),
        (["Statement", 7], None),
    ],
    ids=[
        "array-item",
        "condition-key",
        "condition-value",
        "second-statement",
        "root",
        "missing-key",
        "missing-index",
    ],
)
def test_find_span_agrees_with_the_full_index(path, key):
    from least_privilege_constructs.analysis.model.spans import find_span, index_spans

    text = (
        '{ "Statement" : [ {"Action": [ "a" , "b"],\n "Condition": {"Bool": {"aws:SecureTransport": "false"}}},'
        '\n {"Effect": "Deny"} ] }'
    )
    assert find_span(text, path, key) == index_spans(text).locate(path, key)


def test_find_span_memo_gives_the_same_answers_in_any_order():
    from least_privilege_constructs.analysis.model.spans import find_span, index_spans

    text = '{"Statement": [{"Action": ["a", {"x": 1}, "c", "d", "e"]}, {"Action": ["f", "g"]}]}'
    idx = index_spans(text)
    memo: dict = {}
    for path in (
        ["Statement", 0, "Action", 4],
        ["Statement", 0, "Action", 1],
        ["Statement", 1, "Action", 1],
        ["Statement", 0, "Action", 2],
        ["Statement", 0, "Action", 9],
    ):
        assert find_span(text, path, None, memo) == idx.value(path)
