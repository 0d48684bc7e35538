"""THE IAM wildcard matcher: actions, generic policy strings, ARNs, and subsumption between patterns.

Every module that asks "does this IAM pattern match that string?" calls this one; none re-implements it.

Wildcards
    Only ``*`` (any sequence of characters, including the empty one) and ``?`` (exactly one character) are
    wildcards; every other character is literal, ``[``, ``]``, ``!``, ``.`` and ``\\`` included (IAM is not
    ``fnmatch``: ``iam:[!x]*`` matches only actions that begin with the four characters ``[!x]``).
    IAM User Guide, "IAM JSON policy elements: Action" and "Resource"
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html,
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html).

Actions (:func:`action_matches`)
    Whole-string glob, case-insensitive ("action names are case-insensitive"); a wildcard may stand in the
    service prefix (``*``, ``s3*:Get*``, ``*:Get*``). ``*`` alone matches every action.

Generic strings (:func:`glob_match`, :func:`glob_match_resolved`)
    Whole-string glob (a ``*`` matches ``:`` and ``/`` too), case-sensitive unless ``ignore_case``; policy
    variables (``${aws:username}``, ``${key, 'default'}``, the escapes ``${*}``, ``${?}``, ``${$}``) are
    resolved from the request context by :mod:`~least_privilege_constructs.analysis.iam.variables`. The
    ``StringLike`` family of condition operators uses this.

ARNs (:func:`arn_matches`) — the rule the SMT encoding must agree with
    From the Resource element page ("Using wildcards in resource ARNs": *You can use wildcard characters
    (\\* and ?) within the individual segments of an ARN (the parts separated by colons)*; *If the \\*
    wildcard is the last character of a resource ARN segment, it can expand to match beyond the colon
    boundaries*) and the ARN condition operators
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN:
    *Each of the six colon-delimited components of the ARN is checked separately*):

    1. The pattern ``*`` matches every value.
    2. The pattern is cut at its first five ``:`` into at most six segments (a ``:`` inside a policy
       variable ``${...}`` does not cut); the value likewise (``value.split(":", 5)``). The sixth segment —
       the resource part — keeps every further ``:`` and ``/``.
    3. If the pattern has fewer segments than the value and its last segment ends with ``*``, it is padded
       with ``*`` segments up to the value's count (``arn:aws:s3:*`` is ``arn:aws:s3:*:*:*``).
    4. Pattern and value must then have the same number of segments, and each segment matches its
       counterpart as a glob: in the first five (``arn``, partition, service, region, account) a ``*`` or
       ``?`` never crosses a ``:`` (the value's segment holds none); in the resource part ``*`` matches any
       characters, ``:`` and ``/`` included.
    5. Case-sensitive everywhere ("ARNs are case-sensitive" — the Resource page: *the IAM user name is
       case sensitive*). Policy variables are resolved per segment; a resolved value is literal text (a
       ``*`` in it is not a wildcard, a ``:`` in it does not cut). A variable that cannot be resolved
       makes the answer None (the caller decides, failing closed).
    6. A variable whose value holds ``:`` inside one of the first five segments (a whole ARN, as in
       ``ArnLike aws:PrincipalArn "${aws:PrincipalArn}"``): the documentation says the variable is
       replaced by the request's value (IAM User Guide, *Policy variables*,
       https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html: "the policy
       variables are replaced with values that come from the context of the request itself") but not
       whether the pattern is cut into segments before or after. :func:`arn_matches` (and with it the
       evaluator) takes the cut-first reading of rules 2 and 5: such a pattern matches nothing. That
       reading is not documented, so no PASS may rest on it: the SMT encoding leaves such a match
       undetermined (``reasoning.smt``: a free boolean, decided first as here), and a check that would
       PASS only under this reading answers UNKNOWN.

    Cross-checked with the independent evaluator ``@cloud-copilot/iam-simulate``
    (``dist/cjs/resource/resource.js``: one regex per segment for partition, service, region and account,
    short ARNs padded with ``*``; ``tests/analysis/iam/test_arn_vs_iam_simulate.py`` runs both). Three
    differences, where this module keeps the plain reading of the Resource page because the User Guide
    says nothing else: iam-simulate compares the first five segments case-insensitively; it takes the
    resource type prefix (up to the first ``/`` or ``:``) literally, so ``arn:aws:iam::1:*/x`` matches
    ``role/x`` here but nothing there; and in identity policies it pads a short ARN even without a
    trailing ``*`` (``arn:aws:s3`` matches every S3 ARN there, nothing here).

Subsumption (:func:`pattern_covers`)
    Whether every string one pattern matches is matched by another: an exact language-inclusion test on the
    two glob automata (no heuristics), with :func:`cover_counterexample` giving the witness string when it
    does not hold.

Examples::

    >>> action_matches("S3:get*", "s3:GetObject")
    True
    >>> action_matches("iam:[!x]*", "iam:PassRole")
    False
    >>> glob_match("home/${aws:username}/*", "home/bob/notes", {"aws:username": "bob"})
    True
    >>> arn_matches("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b")
    True
    >>> arn_matches("arn:aws:iam::1*:role/x", "arn:aws:iam::123:role/x")
    True
    >>> arn_matches("arn:aws:iam::*3:role/x", "arn:aws:iam::1:2:3:role/x")
    False
    >>> arn_matches("arn:aws:s3:*", "arn:aws:s3:::bucket/key")
    True
    >>> arn_matches("arn:aws:s3:::home/${aws:username}", "arn:aws:s3:::home/bob") is None
    True
    >>> pattern_covers("s3:Get*", "s3:GetObject*")
    True
    >>> pattern_covers("a*b", "a?")
    False
    >>> cover_counterexample("a*b", "a?")
    'aa'
    >>> split_action("s3:GetObject")
    ('s3', 'GetObject')
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from least_privilege_constructs.analysis.iam.variables import Lit, Token, Var, Wild, resolve, tokenize

Context = Mapping[str, str | list[str]]
"""A request context: condition key -> value (a list for multivalued keys)."""

_NEVER = "(?!)"


@lru_cache(maxsize=65536)
def _compiled(regex: str, ignore_case: bool) -> re.Pattern[str]:
    """The one cache of compiled patterns of this package."""
    return re.compile(regex, re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def tokens_regex(tokens: tuple[Token, ...], *, star: str = ".*", qmark: str = ".", var: str | None = None) -> str:
    """The regular expression (source) of tokenized policy text: ``*`` -> ``star``, ``?`` -> ``qmark``,
    literals escaped, variables -> ``var`` (a ValueError when ``var`` is None: resolve them first)."""
    parts: list[str] = []
    for t in tokens:
        if isinstance(t, Wild):
            parts.append(star if t.char == "*" else qmark)
        elif isinstance(t, Lit):
            parts.append(re.escape(t.text))
        elif var is not None:
            parts.append(var)
        else:
            raise ValueError(f"unresolved policy variable ${{{t.key}}}")
    return "".join(parts)


# -- generic strings ---------------------------------------------------------------------------------


def compile_glob(pattern: str, *, ignore_case: bool = False) -> re.Pattern[str]:
    """The compiled whole-string regex of an IAM wildcard pattern (no policy variables), from the one cache;
    for callers that match one pattern against many strings (``.fullmatch`` it).

        >>> bool(compile_glob("get*").fullmatch("getobject")), bool(compile_glob("[a]").fullmatch("a"))
        (True, False)
    """
    return _compiled(tokens_regex(tokenize(pattern, variables=False)), ignore_case)


def glob_match(
    pattern: str,
    value: str,
    context: Context | None = None,
    *,
    ignore_case: bool = False,
    wildcards: bool = True,
    variables: bool = True,
) -> bool:
    """Whether ``value`` matches the policy string ``pattern`` as a whole-string glob.

    ``*``/``?`` are wildcards unless ``wildcards=False`` (``StringEquals``); policy variables are resolved
    from ``context`` unless ``variables=False``; an unresolvable variable matches nothing.

        >>> glob_match("a[b]*", "a[b]c"), glob_match("a[b]*", "abc")
        (True, False)
        >>> glob_match("A*", "abc", ignore_case=True), glob_match("a*", "a*", wildcards=False)
        (True, True)
    """
    return (
        glob_match_resolved(
            pattern, value, context, ignore_case=ignore_case, wildcards=wildcards, variables=variables
        )
        is True
    )


def glob_match_resolved(
    pattern: str,
    value: str,
    context: Context | None = None,
    *,
    ignore_case: bool = False,
    wildcards: bool = True,
    variables: bool = True,
) -> bool | None:
    """Like :func:`glob_match`, but None when a policy variable of ``pattern`` cannot be resolved.

        >>> glob_match_resolved("${aws:username}", "bob", {}) is None
        True
        >>> glob_match_resolved("${aws:username, 'x'}", "x", {})
        True
    """
    tokens = tokenize(pattern, wildcards=wildcards, variables=variables)
    if any(isinstance(t, Var) for t in tokens):
        resolved = resolve(tokens, context or {})
        if resolved is None:
            return None
        tokens = resolved
    return _compiled(tokens_regex(tokens), ignore_case).fullmatch(value) is not None


def could_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """Whether ``value`` matches ``pattern`` (whole-string glob) for *some* value of its policy variables.

        >>> could_match("home/${aws:username}/x", "home/anyone/x")
        True
    """
    regex = tokens_regex(tokenize(pattern), var=".*")
    return _compiled(regex, ignore_case).fullmatch(value) is not None


def literal_prefix(pattern: str) -> str:
    """The text of ``pattern`` before its first wildcard (``s3:Get*`` -> ``s3:Get``)."""
    for i, c in enumerate(pattern):
        if c in "*?":
            return pattern[:i]
    return pattern


def has_wildcards(text: str) -> bool:
    """Whether ``text`` holds an IAM wildcard (``*`` or ``?``)."""
    return "*" in text or "?" in text


# -- actions -------------------------------------------------------------------------------------------


def split_action(action: str) -> tuple[str, str]:
    """``service:name`` -> ``(service, name)``, text as given (``("", action)`` without a ``:``).

        >>> split_action("*"), split_action("iam:*")
        (('', '*'), ('iam', '*'))
    """
    service, sep, name = action.partition(":")
    return (service, name) if sep else ("", action)


def service_of(action: str) -> str:
    """The lower-case service prefix of an action or action pattern (``S3:Get*`` -> ``s3``; ``*`` -> ``*``).

        >>> service_of("S3:GetObject"), service_of("*")
        ('s3', '*')
    """
    service, name = split_action(action)
    return (service if service else name).lower()


@lru_cache(maxsize=262_144)
def action_matches(pattern: str, action: str) -> bool:
    """IAM action pattern match: case-insensitive whole-string glob; ``*`` alone matches everything.

    Cached (results): a pure function of two short strings from a small vocabulary (catalog actions and
    the patterns of the policies at hand), asked again and again by the evaluator and the escalation
    analysis.

        >>> action_matches("*", "iam:PassRole"), action_matches("s3:*", "s3express:CreateSession")
        (True, False)
        >>> action_matches("*:Get*", "ec2:GetConsole")
        True
    """
    if pattern == "*":
        return True
    return glob_match(pattern, action, ignore_case=True, variables=False)


# -- ARNs ------------------------------------------------------------------------------------------------


Segments = tuple[tuple[Token, ...], ...]


@lru_cache(maxsize=65536)
def arn_segments(pattern: str, *, variables: bool = True) -> Segments:
    """The tokens of an ARN pattern cut into at most six segments at ``:`` (not inside ``${...}``;
    ``variables=False``: ``${...}`` is literal text, as in a policy without ``"Version": "2012-10-17"``).

        >>> arn_segments("arn:aws:s3:::home/${aws:username}/*")[5]
        (Lit('home/'), Var('aws:username', None), Lit('/'), Wild('*'))
    """
    segments: list[list[Token]] = [[]]
    for t in tokenize(pattern, variables=variables):
        if not isinstance(t, Lit) or ":" not in t.text or len(segments) == 6:
            segments[-1].append(t)
            continue
        pieces = t.text.split(":", 6 - len(segments))
        for i, piece in enumerate(pieces):
            if i:
                segments.append([])
            if piece:
                segments[-1].append(Lit(piece))
    return tuple(tuple(s) for s in segments)


@dataclass(frozen=True)
class SegmentWild:
    """A ``*`` or ``?`` inside one of the first five ARN segments: it never matches a ``:``."""

    char: str

    def __repr__(self) -> str:
        return f"SegmentWild({self.char!r})"


@dataclass(frozen=True)
class SegmentVar:
    """A policy variable inside one of the first five ARN segments: a value holding ``:`` matches nothing."""

    var: Var

    def __repr__(self) -> str:
        return f"SegmentVar({self.var!r})"


ArnToken = Lit | Wild | Var | SegmentWild | SegmentVar


@lru_cache(maxsize=65536)
def arn_pattern_tokens(pattern: str, *, variables: bool = True) -> tuple[ArnToken, ...]:
    """The ARN rule of :func:`arn_matches` as ONE whole-string pattern, for encodings that cannot ask for
    the value's segment count first (the SMT side builds its glob automata from these tokens).

    The cut is :func:`arn_segments`; in the first five segments a wildcard becomes a :class:`SegmentWild`
    and a variable a :class:`SegmentVar`; the resource part (sixth segment) keeps its tokens. Padding (rule
    3: a short pattern whose last segment ends with ``*`` matches values of any larger segment count, its
    missing segments ``*``) is exactly the final ``*`` matching anything, ``:`` included: over all segment
    counts of the value, ``[^:]*``, ``[^:]*:[^:]*``, ... ``[^:]*:...:.*`` together are every string. Any
    other short pattern keeps segment-bounded wildcards only, so it matches values of its own segment
    count, as rule 4 says. ``tests/analysis/reasoning/test_arn_rule_equivalence.py`` proves the two
    agree on generated patterns and values.

        >>> arn_pattern_tokens("arn:aws:iam::1*:role/*")
        (Lit('arn:aws:iam::1'), SegmentWild('*'), Lit(':role/'), Wild('*'))
        >>> arn_pattern_tokens("arn:aws:s3:*")
        (Lit('arn:aws:s3:'), Wild('*'))
        >>> arn_pattern_tokens("arn:${aws:partition}:s3")
        (Lit('arn:'), SegmentVar(Var('aws:partition', None)), Lit(':s3'))
    """
    if pattern == "*":
        return (Wild("*"),)
    segments = arn_segments(pattern, variables=variables)
    count = len(segments)
    padded = count < 6 and bool(segments[-1]) and segments[-1][-1] == Wild("*")
    out: list[ArnToken] = []
    for i, seg in enumerate(segments):
        if i:
            out.append(Lit(":"))
        for j, t in enumerate(seg):
            if i == 5 or isinstance(t, Lit) or (padded and i == count - 1 and j == len(seg) - 1):
                out.append(t)
            elif isinstance(t, Wild):
                out.append(SegmentWild(t.char))
            else:
                out.append(SegmentVar(t))
    merged: list[ArnToken] = []
    for tok in out:
        if merged and isinstance(tok, Lit) and isinstance(merged[-1], Lit):
            merged[-1] = Lit(merged[-1].text + tok.text)
        else:
            merged.append(tok)
    return tuple(merged)


def _value_segment_count(value: str) -> int:
    return min(value.count(":"), 5) + 1


@lru_cache(maxsize=65536)
def _arn_regex(segments: Segments, count: int, var: str | None) -> str:
    """One regex over the whole value for ``segments`` against a value of ``count`` segments
    (``var``: what an unresolved variable stands for, per segment kind; None: variables are resolved)."""
    segs = list(segments)
    if len(segs) < count and segs[-1] and segs[-1][-1] == Wild("*"):
        segs.extend([(Wild("*"),)] * (count - len(segs)))
    if len(segs) != count:
        return _NEVER
    parts: list[str] = []
    for i, seg in enumerate(segs):
        last = i == count - 1
        if not last and any(isinstance(t, Lit) and ":" in t.text for t in seg):
            return _NEVER  # a resolved variable value holding ":" can never equal a colon-free segment
        if last:
            parts.append(tokens_regex(seg, var=".*" if var is not None else None))
        else:
            parts.append(tokens_regex(seg, star="[^:]*", qmark="[^:]", var="[^:]*" if var is not None else None))
    return ":".join(parts)


def arn_matches(
    pattern: str, arn: str, context: Context | None = None, *, variables: bool = True
) -> bool | None:
    """Whether the ARN (or other resource string) ``arn`` matches the Resource/``ArnLike`` pattern.

    The segment rule of the module docstring; None when a policy variable of ``pattern`` cannot be
    resolved from ``context``. ``variables=False``: ``${...}`` is literal text (IAM User Guide, policy
    variables: without ``"Version": "2012-10-17"`` "variables such as ${aws:username} aren't recognized as
    variables and are instead treated as literal strings in the policy").

        >>> arn_matches("arn:aws:s3:::b?", "arn:aws:s3:::b1"), arn_matches("arn:aws:s3:::B/*", "arn:aws:s3:::b/x")
        (True, False)
        >>> arn_matches("arn:aws:lambda:*:*:function:f*", "arn:aws:lambda:us-east-1:1:function:f:2")
        True
        >>> arn_matches("arn:aws:*", "arn:aws-cn:s3:::b"), arn_matches("arn:*:s3:::b", "arn:aws:s3:::b")
        (False, True)
    """
    if pattern == "*":
        return True
    segments = arn_segments(pattern, variables=variables)
    if any(isinstance(t, Var) for seg in segments for t in seg):
        resolved: list[tuple[Token, ...]] = []
        for seg in segments:
            r = resolve(seg, context or {})
            if r is None:
                return None
            resolved.append(r)
        segments = tuple(resolved)
    regex = _arn_regex(segments, _value_segment_count(arn), None)
    return _compiled(regex, False).fullmatch(arn) is not None


def arn_could_match(pattern: str, arn: str) -> bool:
    """Whether ``arn`` matches the ARN pattern for *some* value of its policy variables (a variable
    stands for any text of its segment).

        >>> arn_could_match("arn:aws:s3:::home/${aws:username}/*", "arn:aws:s3:::home/alice/x")
        True
        >>> arn_could_match("arn:aws:iam::${aws:PrincipalAccount}:role/x", "arn:aws:iam::1:2:role/x")
        False
    """
    if pattern == "*":
        return True
    regex = _arn_regex(arn_segments(pattern), _value_segment_count(arn), ".*")
    return _compiled(regex, False).fullmatch(arn) is not None


# -- subsumption -------------------------------------------------------------------------------------------


def _closure(tokens: str, states: frozenset[int]) -> frozenset[int]:
    out = set(states)
    stack = list(states)
    while stack:
        j = stack.pop()
        if j < len(tokens) and tokens[j] == "*" and j + 1 not in out:
            out.add(j + 1)
            stack.append(j + 1)
    return frozenset(out)


def _step(tokens: str, states: frozenset[int], char: str) -> frozenset[int]:
    nxt: set[int] = set()
    for j in states:
        if j < len(tokens):
            t = tokens[j]
            if t == "*":
                nxt.add(j)
            elif t == "?" or t == char:
                nxt.add(j + 1)
    return _closure(tokens, frozenset(nxt))


@lru_cache(maxsize=16384)
def cover_counterexample(general: str, specific: str, *, ignore_case: bool = False) -> str | None:
    """A shortest string that ``specific`` matches and ``general`` does not (None: ``general`` covers it).

    ``*``/``?`` are wildcards in both patterns, everything else literal (no policy variables). Exact: a
    breadth-first search of the product of ``specific``'s automaton with the subset construction of
    ``general``'s; where ``specific`` has a wildcard the search tries ``general``'s literal characters and
    one character ``general`` lacks (all other characters behave alike for ``general``).

        >>> cover_counterexample("*", "anything*"), cover_counterexample("?*", "*?"), cover_counterexample("a*", "*")
        (None, None, '')
    """
    if ignore_case:
        general, specific = general.lower(), specific.lower()
    literals = {c for c in general if c not in "*?"}  # other characters all behave like ``fresh``
    fresh = next(chr(cp) for cp in range(0x61, 0x110000) if chr(cp) not in literals and chr(cp) not in "*?")
    alphabet = [*sorted(literals), fresh]
    m = len(general)

    def spec_closure(i: int) -> list[int]:
        out = [i]
        while i < len(specific) and specific[i] == "*":
            i += 1
            out.append(i)
        return out

    start_g = _closure(general, frozenset({0}))
    queue: deque[tuple[int, frozenset[int], str]] = deque()
    seen: set[tuple[int, frozenset[int]]] = set()
    for i in spec_closure(0):
        if (i, start_g) not in seen:
            seen.add((i, start_g))
            queue.append((i, start_g, ""))
    while queue:
        i, g, text = queue.popleft()
        if i == len(specific) and m not in g:
            return text
        if i == len(specific):
            continue
        t = specific[i]
        if t == "*":
            moves = [(c, i) for c in alphabet]
        elif t == "?":
            moves = [(c, i + 1) for c in alphabet]
        else:
            moves = [(t, i + 1)]
        for c, nxt in moves:
            g2 = _step(general, g, c)
            for i2 in spec_closure(nxt):
                if (i2, g2) not in seen:
                    seen.add((i2, g2))
                    queue.append((i2, g2, text + c))
    return None


_STAR, _QMARK = "\x00", "\x01"


def _star_match(parts: list[str], text: str) -> bool:
    """Whether ``text`` matches ``"*".join(parts)`` (``*`` wildcards only), leftmost-first, no regex."""
    first, last = parts[0], parts[-1]
    if len(text) < len(first) + len(last) or not text.startswith(first) or not text.endswith(last):
        return False
    pos, end = len(first), len(text) - len(last)
    for part in parts[1:-1]:
        found = text.find(part, pos, end)
        if found < 0:
            return False
        pos = found + len(part)
    return True


@lru_cache(maxsize=65536)
def _covers(general: str, specific: str) -> bool:
    if general == specific or general == "*":
        return True
    if not has_wildcards(general):
        return False  # one string against a different string, or against a pattern matching several
    if not has_wildcards(specific):
        return _compiled(tokens_regex(tokenize(general, variables=False)), False).fullmatch(specific) is not None
    if _STAR in general + specific or _QMARK in general + specific or ("?" in general and "*" in specific):
        return cover_counterexample(general, specific) is None
    # Symbolic test, exact in these two cases: the wildcards of ``specific`` become symbols that no literal
    # of ``general`` matches; a ``*`` of ``general`` absorbs anything and a ``?`` one symbol (``specific``
    # has no ``*`` here). A witness when it fails: each wildcard of ``specific`` as one character that
    # ``general`` does not contain; ``general`` can only absorb it with the same wildcards.
    symbolic = specific.replace("*", _STAR).replace("?", _QMARK)
    if "?" not in general:
        return _star_match(general.split("*"), symbolic)
    return _compiled(tokens_regex(tokenize(general, variables=False)), False).fullmatch(symbolic) is not None


def pattern_covers(general: str, specific: str, *, ignore_case: bool = False) -> bool:
    """Whether every string matched by IAM pattern ``specific`` is matched by ``general`` (exact).

    ``*`` and ``?`` are wildcards in both (whole-string glob semantics, as for actions and condition
    values; no policy variables); ``ignore_case`` for case-insensitive elements such as actions. Decided by
    a symbolic match where that is exact, else by :func:`cover_counterexample`.

        >>> pattern_covers("iam:*", "iam:Pass*"), pattern_covers("iam:Pass*", "iam:*")
        (True, False)
        >>> pattern_covers("*?", "?*"), pattern_covers("IAM:*", "iam:x", ignore_case=True)
        (True, True)
    """
    if ignore_case:
        general, specific = general.lower(), specific.lower()
    return _covers(general, specific)
