"""Glob automata and a lazy string theory for the SMT encoding.

z3's general string solver is slow and often answers *unknown* on the Boolean combinations of glob
memberships that policies produce (``res`` matches ``arn:aws:s3:::a/*`` but not ``arn:aws:s3:::a/b*`` ...).
Policies only ever ask whether a string matches a glob, so the encoding gives z3 one Boolean *atom* per
(string variable, glob) and decides the strings itself, lazily (DPLL(T) style):

1. z3 solves the Boolean/arithmetic abstraction;
2. for every string variable, :func:`find_witness` searches the product of the glob automata for a string
   that matches exactly the atoms z3 set true; if there is none, a minimal conflicting subset of atoms is
   blocked with a clause and z3 solves again.

Both steps are exact, so the combination is a decision procedure: a SAT answer comes with concrete
witness strings, an UNSAT answer covers every string. Atoms whose pattern contains a policy variable
(``home/${aws:username}/*``) relate two string variables; those variables stay with z3's string theory.

Example::

    >>> find_witness([Glob.parse("arn:aws:s3:::b/*")], [Glob.parse("arn:aws:s3:::b/x*")])
    'arn:aws:s3:::b/'
    >>> find_witness([Glob.parse("a*")], [Glob.parse("*")]) is None
    True
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from least_privilege_constructs.analysis.iam.variables import Lit, Token, Wild, tokenize

STATE_LIMIT = 200_000
"""Most product states one witness search may visit before giving up (the check reports UNKNOWN)."""

_FRESH = "zqx0123456789abcdefghijklmnoprstuvwy-_/."


class SearchLimit(Exception):
    """The automaton product grew beyond :data:`STATE_LIMIT`."""


@dataclass(frozen=True)
class Glob:
    """A glob over strings: steps are ``("c", ch)`` a character, ``("?", "")`` any one character,
    ``("*", "")`` any string, ``("s", "")`` any string without ``:`` and ``("n", "")`` one character other
    than ``:`` (wildcards inside an ARN segment), and ``("[", chars)`` one character of ``chars`` (the
    documented formats of identifiers, e.g. 12 digits of an account id)."""

    steps: tuple[tuple[str, str], ...]
    ignore_case: bool = False

    @classmethod
    def from_tokens(cls, tokens: Sequence[Token | tuple[str, str]], ignore_case: bool = False) -> Glob:
        steps: list[tuple[str, str]] = []
        for t in tokens:
            if isinstance(t, Lit):
                steps += [("c", ch) for ch in t.text]
            elif isinstance(t, Wild):
                if t.char == "*":
                    if not steps or steps[-1] != ("*", ""):
                        steps.append(("*", ""))
                else:
                    steps.append(("?", ""))
            elif isinstance(t, tuple):
                steps.append(t)
            else:  # pragma: no cover - variables are handled by the caller
                raise ValueError("policy variable in a glob")
        return cls(tuple(steps), ignore_case)

    @classmethod
    def parse(cls, pattern: str, *, wildcards: bool = True, ignore_case: bool = False) -> Glob:
        return cls.from_tokens(tokenize(pattern, wildcards=wildcards, variables=False), ignore_case)

    @classmethod
    def format(cls, text: str) -> Glob:
        """A glob from the format language of :mod:`~least_privilege_constructs.analysis.iam.condition_keys`:
        literal characters, ``[a-z0-9]`` classes, ``{n}`` repeating the previous class, ``*`` any string."""
        steps: list[tuple[str, str]] = []
        i = 0
        while i < len(text):
            ch = text[i]
            if ch == "[":
                end = text.index("]", i)
                body, chars = text[i + 1 : end], []
                j = 0
                while j < len(body):
                    if j + 2 < len(body) and body[j + 1] == "-":
                        chars += [chr(c) for c in range(ord(body[j]), ord(body[j + 2]) + 1)]
                        j += 3
                    else:
                        chars.append(body[j])
                        j += 1
                steps.append(("[", "".join(sorted(set(chars)))))
                i = end + 1
            elif ch == "{":
                end = text.index("}", i)
                steps += [steps[-1]] * (int(text[i + 1 : end]) - 1)
                i = end + 1
            elif ch == "*":
                steps.append(("*", ""))
                i += 1
            else:
                steps.append(("c", ch))
                i += 1
        return cls(tuple(steps))

    @classmethod
    def literal(cls, text: str, ignore_case: bool = False) -> Glob:
        return cls(tuple(("c", ch) for ch in text), ignore_case)

    @property
    def is_literal(self) -> bool:
        return not self.ignore_case and all(k == "c" for k, _ in self.steps)

    def text(self) -> str:
        return "".join(
            v if k == "c" else f"[{v}]" if k == "[" else {"?": "?", "*": "*", "s": "<seg>", "n": "<1>"}[k]
            for k, v in self.steps
        )

    def chars(self) -> set[str]:
        out = {v for k, v in self.steps if k == "c"}
        for k, v in self.steps:
            if k == "[":
                out |= set(v)
        if self.ignore_case:
            out |= {c.lower() for c in out} | {c.upper() for c in out if len(c.upper()) == 1}
        return out

    # -- the automaton -------------------------------------------------------------------------------
    def closure(self, states: frozenset[int]) -> frozenset[int]:
        out = set(states)
        todo = list(states)
        n = len(self.steps)
        while todo:
            i = todo.pop()
            if i < n and self.steps[i][0] in ("*", "s") and i + 1 not in out:
                out.add(i + 1)
                todo.append(i + 1)
        return frozenset(out)

    def start(self) -> frozenset[int]:
        return self.closure(frozenset({0}))

    def step(self, states: frozenset[int], ch: str) -> frozenset[int]:
        nxt: set[int] = set()
        n = len(self.steps)
        for i in states:
            if i >= n:
                continue
            kind, val = self.steps[i]
            if kind == "c":
                if val == ch or (self.ignore_case and val.lower() == ch.lower()):
                    nxt.add(i + 1)
            elif kind == "?" or (kind == "n" and ch != ":") or (kind == "[" and ch in val):
                nxt.add(i + 1)
            elif kind == "*" or (kind == "s" and ch != ":"):
                nxt.add(i)
        return self.closure(frozenset(nxt)) if nxt else frozenset()

    def accepts(self, states: frozenset[int]) -> bool:
        return len(self.steps) in states

    def matches(self, text: str) -> bool:
        return _matches(self, text)


@lru_cache(maxsize=65536)
def _matches(glob: Glob, text: str) -> bool:
    states = glob.start()
    for ch in text:
        states = glob.step(states, ch)
        if not states:
            return False
    return glob.accepts(states)


def _alphabet(globs: Sequence[Glob]) -> list[str]:
    chars: set[str] = {":"}
    for g in globs:
        chars |= g.chars()
    lowered = {c.lower() for c in chars}
    fresh = next((c for c in _FRESH if c not in chars and c.lower() not in lowered), "\u2603")
    return [*sorted(chars), fresh]


def find_witness(pos: Sequence[Glob], neg: Sequence[Glob], limit: int = STATE_LIMIT) -> str | None:
    """The shortest string matching every glob of ``pos`` and none of ``neg`` (None: no such string).

    Raises :class:`SearchLimit` when the search exceeds ``limit`` states.
    """
    globs = list(pos) + list(neg)
    npos = len(pos)
    for g in pos:  # fast path: a literal positive glob is the only candidate
        if g.is_literal:
            text = "".join(v for _, v in g.steps)
            ok = all(p.matches(text) for p in pos) and not any(q.matches(text) for q in neg)
            return text if ok else None
    alphabet = _alphabet(globs)
    start = tuple(g.start() for g in globs)

    def accepting(state: tuple[frozenset[int], ...]) -> bool:
        return all(globs[i].accepts(state[i]) for i in range(npos)) and not any(
            globs[i].accepts(state[i]) for i in range(npos, len(globs))
        )

    if accepting(start):
        return ""
    parent: dict[tuple[frozenset[int], ...], tuple[tuple[frozenset[int], ...] | None, str]] = {start: (None, "")}
    queue = deque([start])
    while queue:
        state = queue.popleft()
        for ch in alphabet:
            nxt = tuple(globs[i].step(state[i], ch) for i in range(len(globs)))
            if any(not nxt[i] for i in range(npos)) or nxt in parent:
                continue
            parent[nxt] = (state, ch)
            if accepting(nxt):
                out: list[str] = []
                cur: tuple[frozenset[int], ...] | None = nxt
                while cur is not None and parent[cur][0] is not None:
                    prev, c = parent[cur]
                    out.append(c)
                    cur = prev
                return "".join(reversed(out))
            if len(parent) > limit:
                raise SearchLimit(f"string search exceeded {limit} states")
            queue.append(nxt)
    return None


def minimal_conflict(pos: list[Glob], neg: list[Glob]) -> tuple[list[int], list[int]]:
    """Indices of a minimal subset of (pos, neg) that still has no witness (greedy deletion)."""
    keep_p = list(range(len(pos)))
    keep_n = list(range(len(neg)))
    for i in list(keep_p):
        trial = [j for j in keep_p if j != i]
        if find_witness([pos[j] for j in trial], [neg[j] for j in keep_n]) is None:
            keep_p = trial
    for i in list(keep_n):
        trial = [j for j in keep_n if j != i]
        if find_witness([pos[j] for j in keep_p], [neg[j] for j in trial]) is None:
            keep_n = trial
    return keep_p, keep_n
