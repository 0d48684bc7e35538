"""One ARN rule, two encodings, proven equal on generated inputs.

The semantics core's ``arn_matches`` (a regex per value segment count, IAM User Guide, *IAM JSON policy
elements: Resource*, https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html)
and the SMT side's glob automaton (``strings.Glob`` over ``arns.arn_steps``, which the encoding gives its
lazy string theory) must accept exactly the same values: wildcards in every segment, short patterns (padded
or not), colons in the resource part, values of every segment count, and policy variables (resolved
through the real z3 encoding).
"""

from __future__ import annotations

import z3
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from least_privilege_constructs.analysis.iam.wildcards import arn_matches
from least_privilege_constructs.analysis.reasoning.arns import arn_steps
from least_privilege_constructs.analysis.reasoning.policy import parse_policy
from least_privilege_constructs.analysis.reasoning.smt import Encoding
from least_privilege_constructs.analysis.reasoning.strings import Glob

# a small alphabet so that patterns and values collide often; ":" and "/" are the structural characters
_PIECES = st.sampled_from(["a", "b", "ab", ":", "/", "*", "?", "arn", "aws", "s3", "1", "::"])
_VALUE_PIECES = st.sampled_from(["a", "b", "ab", ":", "/", "arn", "aws", "s3", "1", "::", "*", "?"])


@st.composite
def arn_like(draw: st.DrawFn, pieces: st.SearchStrategy[str], max_size: int = 12) -> str:
    return "".join(draw(st.lists(pieces, max_size=max_size)))


@st.composite
def pattern_and_value(draw: st.DrawFn) -> tuple[str, str]:
    pattern = draw(arn_like(_PIECES))
    if draw(st.booleans()):
        # a value built from the pattern: each wildcard replaced by a short string (possibly with ":")
        out = []
        for ch in pattern:
            if ch == "*":
                out.append(draw(st.sampled_from(["", "a", ":", "a:b", "/x", "::"])))
            elif ch == "?":
                out.append(draw(st.sampled_from(["a", ":", "/"])))
            else:
                out.append(ch)
        return pattern, "".join(out)
    return pattern, draw(arn_like(_VALUE_PIECES))


def _glob_accepts(pattern: str, value: str) -> bool:
    return Glob.from_tokens(arn_steps(pattern, variables=False)).matches(value)


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pattern_and_value())
def test_glob_automaton_accepts_exactly_what_arn_matches_accepts(pv: tuple[str, str]) -> None:
    pattern, value = pv
    assert _glob_accepts(pattern, value) == bool(arn_matches(pattern, value, variables=False)), (pattern, value)


FIXED = [
    # short patterns: padded when the last segment ends with "*", else only values of their own count
    ("arn:aws:s3:*", "arn:aws:s3:::bucket/key", True),
    ("arn:aws:s3:*", "arn:aws:s3:x", True),
    ("arn:aws:s3:*", "arn:aws:s3", False),
    ("arn:aws:s3", "arn:aws:s3", True),
    ("arn:aws:s3", "arn:aws:s3:::b", False),
    ("a*", "a:b:c", True),
    ("a*b", "a:b", False),
    ("arn:aws:s3:*a", "arn:aws:s3:x:a", False),
    # wildcards of the first five segments never cross ":"; the resource part's do
    ("arn:aws:iam::*3:role/x", "arn:aws:iam::1:2:3:role/x", False),
    ("arn:aws:lambda:*:*:function:f*", "arn:aws:lambda:us-east-1:1:function:f:2", True),
    ("arn:aws:*", "arn:aws-cn:s3:::b", False),
    ("arn:*:s3:::b", "arn:aws:s3:::b", True),
    ("*", "anything:at:all", True),
    ("", "", True),
]


def test_fixed_examples_of_both_encodings() -> None:
    for pattern, value, expected in FIXED:
        assert arn_matches(pattern, value) is expected, (pattern, value)
        assert _glob_accepts(pattern, value) is expected, (pattern, value)


# -- policy variables: through the real encoding (z3's string theory), against the core's resolution ------
_VAR_PATTERNS = st.sampled_from(
    [
        "arn:aws:iam::${aws:PrincipalAccount}:role/*",
        "arn:${aws:PrincipalTag/p}:s3:::b/*",
        "arn:aws:s3:::home/${aws:PrincipalTag/p}/*",
        "arn:aws:s3:::home/${aws:PrincipalTag/p}",
        "arn:aws:iam::${aws:PrincipalAccount}*",
        "arn:aws:s3:${aws:PrincipalTag/p}",
        "arn:aws:s3:::${aws:PrincipalTag/p, 'dflt'}/*",
    ]
)
_VAR_VALUES = st.sampled_from(["1", "aws", "a:b", "x/y", "", "dflt", "*"])
_ARNS = st.sampled_from(
    [
        "arn:aws:iam::1:role/r",
        "arn:aws:iam::a:b:role/r",
        "arn:aws:s3:::b/k",
        "arn:a:b:s3:::b/k",
        "arn:aws:s3:::home/x/y/z",
        "arn:aws:s3:::home/a:b/k",
        "arn:aws:s3:::home/1",
        "arn:aws:s3:a:b",
        "arn:aws:s3:1",
        "arn:aws:iam::1",
        "arn:aws:s3:::dflt/k",
    ]
)


def _smt_matches(pattern: str, value: str, context: dict[str, str], *, core_reading: bool = True) -> bool:
    """Whether the encoding matches; ``core_reading``: with its undetermined matches (a variable value
    holding ":" inside an ARN segment) decided as the core does (false), as ``smt.solve`` decides first."""
    policy = parse_policy({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                                                    "Resource": pattern}]})
    enc = Encoding.for_statements(list(policy.statements), None)
    match = enc.string_match(pattern, enc.res, arn=True)
    solver = z3.Solver()
    enc.theory.use_z3(enc.res)
    solver.add(*enc.theory.static_constraints(), enc.theory.zstr(enc.res) == z3.StringVal(value))
    for key, kv in enc.keys.items():
        name = next((k for k in context if k.lower() == key), None)
        if name is None:
            solver.add(z3.Not(kv.present))
        else:
            solver.add(kv.present, enc.theory.zstr(str(kv.values[0])) == z3.StringVal(context[name]))
    solver.add(match)
    if core_reading:
        solver.add(*[z3.Not(u) for u in enc.theory.undetermined])
    result = solver.check()
    assert result != z3.unknown
    return bool(result == z3.sat)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_VAR_PATTERNS, _ARNS, _VAR_VALUES, _VAR_VALUES, st.booleans())
def test_encoding_with_variables_agrees_with_arn_matches(
    pattern: str, value: str, account: str, tag: str, tag_present: bool
) -> None:
    context = {"aws:PrincipalAccount": account}
    if tag_present:
        context["aws:PrincipalTag/p"] = tag
    expected = arn_matches(pattern, value, context)
    assert _smt_matches(pattern, value, context) is bool(expected), (pattern, value, context, expected)
    if expected:  # the undetermined reading only widens what the encoding may match
        assert _smt_matches(pattern, value, context, core_reading=False)
