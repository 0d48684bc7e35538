"""ARN patterns, matched segment by segment as IAM does.

IAM User Guide, *IAM JSON policy elements: Resource*
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html#reference_policies_elements_resource_wildcards)
and *Amazon Resource Names* (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html): an ARN
is ``arn:partition:service:region:account-id:resource``; a wildcard in a segment matches within that
segment ("you can't use a wildcard to match part of a segment and the colon that follows it"), while the
resource part (everything after the fifth colon, which may itself contain colons) is one glob. So:

* the first five colon-separated segments are matched one by one; ``*`` and ``?`` in them never cross a
  ``:``;
* the resource part is a glob in which ``*`` matches anything (``:`` included);
* a pattern with fewer than six segments whose last segment ends with ``*`` is padded with ``*`` segments
  (``arn:aws:s3:*`` = ``arn:aws:s3:*:*:*``); any other short pattern matches no ARN.

The same rule is implemented by ``@cloud-copilot/iam-simulate`` (``resource/resource.js``) and, for the
semantics core, by ``analysis/iam/wildcards.py::arn_matches``. It applies to ``Resource``/``NotResource``
and to the ``Arn*`` condition operators (*Condition operators*, "Amazon Resource Name (ARN) condition
operators": "Each of the six colon-delimited components of the ARN is checked separately").

:func:`arn_tokens` rewrites a tokenized pattern (literals, wildcards, variables) into glob steps where
the first five segments use segment-bounded wildcards; the evaluator and the SMT encoding both build on it.

Example::

    >>> from least_privilege_constructs.analysis.iam.variables import tokenize
    >>> [t if isinstance(t, tuple) else str(t) for t in arn_tokens(tokenize("arn:aws:iam::1*:role/*"))]
    ["Lit('arn:aws:iam::1')", ('s', ''), "Lit(':role/')", "Wild('*')"]
    >>> arn_tokens(tokenize("arn:aws:s3")) is None
    True
"""

from __future__ import annotations

from functools import lru_cache

from least_privilege_constructs.analysis.iam.variables import Lit, Token, Var, Wild

SEG_STAR: tuple[str, str] = ("s", "")
"""Any string without ``:`` (a ``*`` inside one of the first five ARN segments)."""
SEG_ONE: tuple[str, str] = ("n", "")
"""One character other than ``:`` (a ``?`` inside one of the first five ARN segments)."""

ArnStep = Token | tuple[str, str]


def split_segments(tokens: tuple[Token, ...]) -> list[list[Token]]:
    """Split tokens at the first five literal colons (colons inside ``${...}`` are not separators)."""
    segments: list[list[Token]] = [[]]
    for t in tokens:
        if isinstance(t, Lit) and len(segments) < 6 and ":" in t.text:
            text = t.text
            while text and len(segments) < 6 and ":" in text:
                head, _, text = text.partition(":")
                if head:
                    segments[-1].append(Lit(head))
                segments.append([])
            if text:
                segments[-1].append(Lit(text))
        else:
            segments[-1].append(t)
    return segments


@lru_cache(maxsize=65536)
def arn_tokens(tokens: tuple[Token, ...]) -> tuple[ArnStep, ...] | None:
    """The glob steps of an ARN pattern: wildcards of the first five segments become segment-bounded
    steps (:data:`SEG_STAR`, :data:`SEG_ONE`); the resource part keeps its tokens. None: a short pattern
    that matches no ARN. The bare pattern ``*`` stays ``*`` (every resource)."""
    if tokens == (Wild("*"),):
        return tokens
    segments = split_segments(tokens)
    if len(segments) < 6:
        last = segments[-1]
        if not last or last[-1] != Wild("*"):
            return None
        segments += [[Wild("*")] for _ in range(6 - len(segments))]
    out: list[ArnStep] = []
    for i, seg in enumerate(segments):
        if i:
            out.append(Lit(":"))
        for t in seg:
            if i < 5 and isinstance(t, Wild):
                out.append(SEG_STAR if t.char == "*" else SEG_ONE)
            else:
                out.append(t)
    merged: list[ArnStep] = []
    for step in out:
        if merged and isinstance(step, Lit) and isinstance(merged[-1], Lit):
            merged[-1] = Lit(merged[-1].text + step.text)
        else:
            merged.append(step)
    return tuple(merged)


def has_variable(steps: tuple[ArnStep, ...]) -> bool:
    return any(isinstance(s, Var) for s in steps)
