"""ARN patterns as glob steps for the SMT encoding: the semantics core's one ARN rule, in automaton form.

The rule lives once, in :mod:`least_privilege_constructs.analysis.iam.wildcards` (``arn_matches``, the
segment split ``arn_segments`` and its whole-string form ``arn_pattern_tokens``; IAM User Guide, *IAM JSON
policy elements: Resource*,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html, and *Condition
operators*, "Amazon Resource Name (ARN) condition operators"). This module only maps its tokens onto the
steps of :class:`~least_privilege_constructs.analysis.reasoning.strings.Glob`: a wildcard inside one of the
first five segments becomes a segment-bounded step (:data:`SEG_STAR`, :data:`SEG_ONE`, never a ``:``), a
policy variable there a :class:`SegmentVar` (the encoding requires its value to hold no ``:``).
``tests/analysis/reasoning/test_arn_rule_equivalence.py`` checks that the automaton accepts exactly what
``arn_matches`` accepts.

Example::

    >>> [t if isinstance(t, tuple) else str(t) for t in arn_steps("arn:aws:iam::1*:role/*")]
    ["Lit('arn:aws:iam::1')", ('s', ''), "Lit(':role/')", "Wild('*')"]
    >>> from least_privilege_constructs.analysis.reasoning.strings import Glob
    >>> g = Glob.from_tokens(arn_steps("arn:aws:s3:*"))
    >>> g.matches("arn:aws:s3:::bucket/key"), g.matches("arn:aws:s3")
    (True, False)
"""

from __future__ import annotations

from functools import lru_cache

from least_privilege_constructs.analysis.iam.variables import Lit, Var, Wild
from least_privilege_constructs.analysis.iam.wildcards import SegmentVar, SegmentWild, arn_pattern_tokens

SEG_STAR: tuple[str, str] = ("s", "")
"""Any string without ``:`` (a ``*`` inside one of the first five ARN segments)."""
SEG_ONE: tuple[str, str] = ("n", "")
"""One character other than ``:`` (a ``?`` inside one of the first five ARN segments)."""

ArnStep = Lit | Wild | Var | SegmentVar | tuple[str, str]


@lru_cache(maxsize=65536)
def arn_steps(pattern: str, *, variables: bool = True) -> tuple[ArnStep, ...]:
    """The glob steps of an ARN pattern (``variables=False``: ``${...}`` is literal text)."""
    out: list[ArnStep] = []
    for t in arn_pattern_tokens(pattern, variables=variables):
        if isinstance(t, SegmentWild):
            out.append(SEG_STAR if t.char == "*" else SEG_ONE)
        else:
            out.append(t)
    return tuple(out)


def has_variable(steps: tuple[ArnStep, ...]) -> bool:
    return any(isinstance(s, (Var, SegmentVar)) for s in steps)
