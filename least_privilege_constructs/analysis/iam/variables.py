"""Policy variables: ``${aws:username}``, ``${aws:PrincipalTag/team}``, ``${key, 'default'}`` and the
escapes ``${*}``, ``${?}``, ``${$}``.

A policy string is tokenized once (:func:`tokenize`) into literals, wildcards and variables; the
evaluator resolves variables against the request context and the SMT encoding turns them into string
terms. A variable whose key is absent from the request (and has no default) makes the string match
nothing, as documented in the IAM User Guide ("IAM policy elements: Variables and tags": *If you use a
variable for a key that is not present, the policy element does not match*). A multi-valued key cannot
be used as a variable (same page) and is treated as absent.

Example::

    >>> tokenize("arn:aws:s3:::home/${aws:username}/*")
    (Lit('arn:aws:s3:::home/'), Var('aws:username', None), Lit('/'), Wild('*'))
    >>> resolve(tokenize("home/${aws:username}"), {"aws:username": "bob"})
    (Lit('home/'), Lit('bob'))
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Lit:
    text: str

    def __repr__(self) -> str:
        return f"Lit({self.text!r})"


@dataclass(frozen=True)
class Wild:
    char: str  # "*" or "?"

    def __repr__(self) -> str:
        return f"Wild({self.char!r})"


@dataclass(frozen=True)
class Var:
    key: str
    default: str | None

    def __repr__(self) -> str:
        return f"Var({self.key!r}, {self.default!r})"


Token = Lit | Wild | Var

_VAR = re.compile(r"\$\{([^}]*)\}")
_DEFAULT = re.compile(r"^\s*([^,\s]+)\s*,\s*'([^']*)'\s*$")
_ESCAPES = {"*": "*", "?": "?", "$": "$"}


@lru_cache(maxsize=65536)
def tokenize(text: str, *, wildcards: bool = True, variables: bool = True) -> tuple[Token, ...]:
    """Split a policy string into tokens. With ``wildcards=False`` ``*``/``?`` are literal (StringEquals)."""
    out: list[Token] = []
    buf: list[str] = []

    def flush() -> None:
        if buf:
            out.append(Lit("".join(buf)))
            buf.clear()

    pos = 0
    while pos < len(text):
        m = _VAR.match(text, pos) if variables else None
        if m:
            body = m.group(1)
            if body in _ESCAPES:
                buf.append(_ESCAPES[body])
            else:
                dm = _DEFAULT.match(body)
                flush()
                if dm:
                    out.append(Var(dm.group(1), dm.group(2)))
                else:
                    out.append(Var(body.strip(), None))
            pos = m.end()
            continue
        ch = text[pos]
        if wildcards and ch in "*?":
            flush()
            out.append(Wild(ch))
        else:
            buf.append(ch)
        pos += 1
    flush()
    # merge adjacent literals (escapes produce them)
    merged: list[Token] = []
    for t in out:
        if merged and isinstance(t, Lit) and isinstance(merged[-1], Lit):
            merged[-1] = Lit(merged[-1].text + t.text)  # type: ignore[union-attr]
        else:
            merged.append(t)
    return tuple(merged)


def has_variables(tokens: tuple[Token, ...]) -> bool:
    return any(isinstance(t, Var) for t in tokens)


def lookup(context: Mapping[str, str | list[str]], key: str) -> str | list[str] | None:
    """Case-insensitive context lookup (condition key names are case-insensitive)."""
    if key in context:
        return context[key]
    lower = key.lower()
    for k, v in context.items():
        if k.lower() == lower:
            return v
    return None


def resolve(tokens: tuple[Token, ...], context: Mapping[str, str | list[str]]) -> tuple[Token, ...] | None:
    """Replace variables by literals from ``context``; None when a variable cannot be resolved."""
    out: list[Token] = []
    for t in tokens:
        if isinstance(t, Var):
            value = lookup(context, t.key)
            if isinstance(value, list):
                value = value[0] if len(value) == 1 else None
            if value is None:
                if t.default is None:
                    return None
                value = t.default
            out.append(Lit(value))
        else:
            out.append(t)
    return tuple(out)
