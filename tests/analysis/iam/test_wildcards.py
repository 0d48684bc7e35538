"""The one IAM wildcard matcher: tables from the IAM User Guide, and properties checked against independent
constructions.

Pages followed (cited per table):
- Action: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
- Resource: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
- ARN condition operators:
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN
- Policy variables: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from least_privilege_constructs.analysis.iam import wildcards as w
from least_privilege_constructs.analysis.iam.wildcards import (
    action_matches,
    arn_could_match,
    arn_matches,
    arn_segments,
    could_match,
    cover_counterexample,
    glob_match,
    glob_match_resolved,
    literal_prefix,
    pattern_covers,
    service_of,
    split_action,
)

# -- actions (Action page: "action names are case-insensitive"; wildcards * and ?) ---------------------


@pytest.mark.parametrize(
    ("pattern", "action", "expected"),
    [
        ("s3:GetObject", "s3:getobject", True),
        ("S3:Get*", "s3:GetObject", True),
        ("s3:?etObject", "s3:GetObject", True),
        ("*", "iam:PassRole", True),
        ("s3:*", "s3express:CreateSession", False),
        ("s3*:*", "s3express:CreateSession", True),
        ("*:Get*", "ec2:GetConsoleOutput", True),
        ("iam:*User", "iam:CreateUser", True),
        ("iam:*User", "iam:CreateUserPolicy", False),
        # "[" is a literal in IAM, not an fnmatch character class (the bug this module fixes)
        ("iam:[!x]*", "iam:PassRole", False),
        ("iam:[P]assRole", "iam:PassRole", False),
        ("iam:[P]assRole", "iam:[P]assRole", True),
        ("iam:Pass.ole", "iam:PassRole", False),
        ("iam:PassRole?", "iam:PassRole", False),
    ],
    ids=[
        "case-insensitive",
        "prefix",
        "qmark",
        "star",
        "service-boundary",
        "service-prefix-wildcard",
        "any-service",
        "suffix",
        "suffix-miss",
        "bracket-literal",
        "bracket-class-not-special",
        "bracket-itself",
        "dot-literal",
        "qmark-needs-one-char",
    ],
)
def test_action_matches(pattern: str, action: str, expected: bool) -> None:
    assert action_matches(pattern, action) is expected


def test_split_action_and_service() -> None:
    assert split_action("s3:GetObject") == ("s3", "GetObject")
    assert split_action("kms:*") == ("kms", "*")
    assert split_action("*") == ("", "*")
    assert service_of("IAM:PassRole") == "iam"
    assert service_of("*") == "*"


# -- generic strings (StringLike; Policy variables page) -----------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "value", "context", "expected"),
    [
        ("a*", "a:b/c", {}, True),
        ("a?c", "abc", {}, True),
        ("a?c", "ac", {}, False),
        ("A*", "abc", {}, False),
        ("home/${aws:username}/*", "home/bob/x", {"aws:username": "bob"}, True),
        ("home/${aws:username}/*", "home/bob/x", {}, None),
        ("home/${aws:username, 'guest'}", "home/guest", {}, True),
        # a resolved value is literal text: "*" from the context is not a wildcard
        ("home/${aws:username}", "home/bob", {"aws:username": "*"}, False),
        ("a${*}b", "a*b", {}, True),
        ("a${*}b", "axb", {}, False),
        ("a${?}", "a?", {}, True),
        ("price${$}", "price$", {}, True),
        ("x[ab]", "xa", {}, False),
        ("x[ab]", "x[ab]", {}, True),
    ],
    ids=[
        "star-crosses-everything",
        "qmark",
        "qmark-not-empty",
        "case-sensitive",
        "variable",
        "variable-unresolved",
        "variable-default",
        "variable-value-literal",
        "escape-star",
        "escape-star-not-wild",
        "escape-qmark",
        "escape-dollar",
        "bracket-literal",
        "bracket-itself",
    ],
)
def test_glob_match_resolved(pattern: str, value: str, context: dict, expected: bool | None) -> None:
    assert glob_match_resolved(pattern, value, context) is expected
    assert glob_match(pattern, value, context) is (expected is True)


def test_glob_match_flags() -> None:
    assert glob_match("A*", "abc", ignore_case=True)
    assert glob_match("a*", "a*", wildcards=False)
    assert not glob_match("a*", "ab", wildcards=False)
    assert glob_match("${x}", "${x}", variables=False)


def test_could_match_and_literal_prefix() -> None:
    assert could_match("home/${aws:username}/x", "home/anyone/x")
    assert not could_match("home/${aws:username}/x", "other/anyone/x")
    assert literal_prefix("s3:Get*Object") == "s3:Get"
    assert literal_prefix("s3:Get?") == "s3:Get"
    assert literal_prefix("plain") == "plain"


# -- ARNs (Resource page, "Using wildcards in resource ARNs"; ArnLike: "Each of the six colon-delimited
#    components of the ARN is checked separately") ---------------------------------------------------------

ROLE = "arn:aws:iam::123456789012:role/app/deploy"


@pytest.mark.parametrize(
    ("pattern", "arn", "expected"),
    [
        ("*", "anything:at:all", True),
        ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b", True),  # "*" spans "/" in the resource part
        ("arn:aws:s3:::Bucket/*", "arn:aws:s3:::bucket/a", False),  # case-sensitive
        ("arn:aws:s3:::b?", "arn:aws:s3:::b1", True),
        ("arn:aws:iam::*:role/app/*", ROLE, True),
        ("arn:aws:iam::1*:role/*", ROLE, True),
        ("arn:aws:iam::*2:role/*", ROLE, True),
        # a wildcard in the first five segments never crosses a ":"
        ("arn:aws:iam::*:deploy", ROLE, False),
        ("arn:aws:*:role/app/deploy", ROLE, False),
        ("arn:*:iam::123456789012:role/app/deploy", ROLE, True),
        ("arn:*:123456789012:role/app/deploy", ROLE, False),
        ("arn:aws:iam:?123456789012:role/app/deploy", ROLE, False),  # "?" never matches ":"
        ("arn:aws:iam::1?3456789012:role/app/deploy", "arn:aws:iam::1x3456789012:role/app/deploy", True),
        # the resource part keeps its ":" and "*" crosses them there
        ("arn:aws:lambda:*:*:function:f*", "arn:aws:lambda:us-east-1:1:function:f:2", True),
        ("arn:aws:lambda:*:*:function:f", "arn:aws:lambda:us-east-1:1:function:f:2", False),
        ("arn:aws:lambda:*:*:function:*:2", "arn:aws:lambda:us-east-1:1:function:f:2", True),
        # fewer than six segments: a trailing "*" expands over the missing segments
        ("arn:aws:s3:*", "arn:aws:s3:::bucket/key", True),
        ("arn:aws:*", "arn:aws:s3:::bucket/key", True),
        ("arn:aws:*", "arn:aws-cn:s3:::bucket/key", False),
        ("arn:aws:s3", "arn:aws:s3:::bucket/key", False),
        ("arn:aws:s3:*x", "arn:aws:s3:::bucket/key", False),
        ("arn:aws:s3:?", "arn:aws:s3:::bucket/key", False),
        ("arn*", "arn:aws:s3:::bucket/key", True),
        # more segments in the pattern than in the value
        ("arn:aws:s3:::b", "arn:aws:s3", False),
        # non-ARN values: the same rule, by segments
        ("my*", "mybucket", True),
        ("bucket", "bucket", True),
        ("a*", "a:b", True),
        ("*:b", "x:y:b", False),
        # "[" literal, as everywhere
        ("arn:aws:s3:::[ab]", "arn:aws:s3:::a", False),
        ("arn:aws:s3:::[ab]", "arn:aws:s3:::[ab]", True),
    ],
    ids=[
        "star",
        "resource-star-spans-slash",
        "case-sensitive",
        "qmark",
        "account-star",
        "account-prefix",
        "account-suffix",
        "account-star-no-cross",
        "service-star-no-cross",
        "partition-star",
        "partition-star-no-cross",
        "qmark-one-char",
        "qmark-in-account",
        "resource-star-spans-colon",
        "resource-literal",
        "resource-star-middle",
        "short-padded",
        "short-padded-partition",
        "short-padded-literal-partition",
        "short-no-star",
        "short-star-not-last",
        "short-qmark-not-padded",
        "single-segment-star",
        "pattern-longer",
        "non-arn-glob",
        "non-arn-literal",
        "non-arn-padded",
        "non-arn-no-cross",
        "bracket-literal",
        "bracket-itself",
    ],
)
def test_arn_matches(pattern: str, arn: str, expected: bool) -> None:
    assert arn_matches(pattern, arn) is expected


@pytest.mark.parametrize(
    ("pattern", "arn", "context", "expected"),
    [
        ("arn:aws:s3:::home/${aws:username}/*", "arn:aws:s3:::home/alice/x", {"aws:username": "alice"}, True),
        ("arn:aws:s3:::home/${aws:username}/*", "arn:aws:s3:::home/alice/x", {}, None),
        ("arn:aws:s3:::home/${aws:username}", "arn:aws:s3:::home/*", {"aws:username": "*"}, True),
        ("arn:aws:s3:::home/${aws:username}", "arn:aws:s3:::home/bob", {"aws:username": "*"}, False),
        # a ":" inside ${...} does not cut the pattern into segments
        ("arn:aws:iam::${aws:PrincipalAccount}:role/x", "arn:aws:iam::111:role/x", {"aws:PrincipalAccount": "111"},
         True),
        # a resolved value is literal: a ":" in it cannot match across segments
        ("arn:aws:iam::${k}:role/x", "arn:aws:iam::1:2:role/x", {"k": "1:2"}, False),
        ("arn:aws:iam::${k, '111'}:role/x", "arn:aws:iam::111:role/x", {}, True),
    ],
    ids=["variable", "unresolved", "value-literal-star", "value-star-not-wild", "colon-inside-variable",
         "colon-in-value", "default"],
)
def test_arn_matches_variables(pattern: str, arn: str, context: dict, expected: bool | None) -> None:
    assert arn_matches(pattern, arn, context) is expected


def test_arn_could_match() -> None:
    assert arn_could_match("arn:aws:s3:::home/${aws:username}/*", "arn:aws:s3:::home/alice/x")
    assert not arn_could_match("arn:aws:s3:::home/${aws:username}/*", "arn:aws:s3:::other/alice/x")
    assert not arn_could_match("arn:aws:iam::${aws:PrincipalAccount}:role/x", "arn:aws:iam::1:2:role/x")
    assert arn_could_match("*", "x")


def test_arn_segments() -> None:
    segs = arn_segments("arn:aws:iam::${aws:PrincipalAccount}:role/a:b")
    assert len(segs) == 6
    assert segs[3] == ()
    assert segs[5] == (w.Lit("role/a:b"),)


# -- subsumption -----------------------------------------------------------------------------------------


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
        # the reorderings the old heuristic answered False for: exact now
        ("?*", "*?", True),
        ("*?", "?*", True),
        ("*?*", "??", True),
        ("??*", "?*", False),
        ("a*", "*", False),
        ("*a*", "*a", True),
        ("[a]*", "[a]b", True),
        ("[a]*", "ab", False),
    ],
)
def test_pattern_covers(general: str, specific: str, expected: bool) -> None:
    assert pattern_covers(general, specific) is expected
    witness = cover_counterexample(general, specific)
    assert (witness is None) is expected
    if witness is not None:
        assert _oracle(specific, witness) and not _oracle(general, witness)


def test_pattern_covers_ignore_case() -> None:
    assert pattern_covers("IAM:Pass*", "iam:passrole", ignore_case=True)
    assert not pattern_covers("IAM:Pass*", "iam:passrole")


# -- properties ----------------------------------------------------------------------------------------------


def _oracle(pattern: str, value: str) -> bool:
    """An independent glob matcher: dynamic programming over (pattern position, value position)."""
    n, m = len(pattern), len(value)
    table = [[False] * (m + 1) for _ in range(n + 1)]
    table[n][m] = True
    for i in range(n - 1, -1, -1):
        for j in range(m, -1, -1):
            p = pattern[i]
            if p == "*":
                table[i][j] = table[i + 1][j] or (j < m and table[i][j + 1])
            else:
                table[i][j] = j < m and (p == "?" or p == value[j]) and table[i + 1][j + 1]
    return table[0][0]


_ALPHA = "ab:/[]!*?"
_pattern = st.text(alphabet=_ALPHA, max_size=8)
_value = st.text(alphabet="ab:/[]!", max_size=8)


@settings(max_examples=400, deadline=None)
@given(_pattern, _value)
def test_glob_agrees_with_independent_matcher(pattern: str, value: str) -> None:
    assert glob_match(pattern, value, variables=False) is _oracle(pattern, value)


@settings(max_examples=300, deadline=None)
@given(_pattern, _value)
def test_arn_match_is_segment_wise(pattern: str, value: str) -> None:
    """Independent construction of the segment rule: split both, pad, compare segment by segment."""
    if pattern == "*":
        assert arn_matches(pattern, value) is True
        return
    psegs = pattern.split(":", 5)
    vsegs = value.split(":", 5)
    if len(psegs) < len(vsegs) and psegs[-1].endswith("*"):
        psegs += ["*"] * (len(vsegs) - len(psegs))
    expected = len(psegs) == len(vsegs) and all(_oracle(p, v) for p, v in zip(psegs, vsegs, strict=True))
    assert arn_matches(pattern, value) is expected


def _instances(pattern: str, fill: str) -> list[str]:
    return [
        re.sub(r"[*?]", lambda m: fill if m.group(0) == "*" else (fill[:1] or "a"), pattern),
        re.sub(r"[*?]", lambda m: "" if m.group(0) == "*" else "b", pattern),
    ]


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="ab*?", max_size=6), st.text(alphabet="ab*?", max_size=6), st.text(alphabet="ab", max_size=3))
def test_pattern_covers_is_exact(general: str, specific: str, fill: str) -> None:
    covers = pattern_covers(general, specific)
    if covers:  # every sampled string the specific pattern matches, the general one matches
        for s in _instances(specific, fill):
            assert _oracle(specific, s)
            assert _oracle(general, s)
    else:  # the witness is a real counterexample
        witness = cover_counterexample(general, specific)
        assert witness is not None
        assert _oracle(specific, witness) and not _oracle(general, witness)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab*?", max_size=5), st.text(alphabet="ab*?", max_size=5))
def test_pattern_covers_brute_force(general: str, specific: str) -> None:
    """Against enumeration of every string up to length 6 over {a, b, c}."""
    import itertools

    strings = ("".join(t) for n in range(7) for t in itertools.product("abc", repeat=n))
    brute = all(_oracle(general, s) for s in strings if _oracle(specific, s))
    if pattern_covers(general, specific):
        assert brute
    elif brute:
        witness = cover_counterexample(general, specific)
        assert witness is not None and len(witness) > 6
