"""The AWS CLI's shorthand syntax for structure arguments, so that ``lpc`` takes what ``aws`` takes::

    --access actions=s3:GetObject,s3:PutObject                 -> {"actions": ["s3:GetObject", "s3:PutObject"]}
    --access actions=iam:PassRole,resources=arn:aws:iam::1:role/a  -> {"actions": [...], "resources": [...]}
    --access actions=[a,b] resources=c                         -> two structures (a list of structures is
                                                                  given as several space-separated arguments)

The rules are those of https://docs.aws.amazon.com/cli/latest/userguide/cli-usage-shorthand.html:
``key=value`` pairs separated by commas; a value is a comma-separated list up to the next ``key=``;
``[a,b]`` is an explicit list; a value may be single- or double-quoted; ``\\,`` is a literal comma.
Spaces are not allowed inside an unquoted value. A key given twice in one structure is an error here
(the AWS CLI silently keeps the last one).
"""

from __future__ import annotations

import re

from least_privilege_constructs.cli.errors import CliError

_KEY = re.compile(r"\s*([A-Za-z0-9]+)\s*=\s*")
_NEXT_KEY = re.compile(r"\s*[A-Za-z0-9]+\s*=")


def looks_like_shorthand(text: str) -> bool:
    """Whether ``text`` starts like ``key=...`` (the AWS CLI then parses it as shorthand, not JSON)."""
    return _KEY.match(text) is not None


def parse_shorthand(text: str, option: str) -> dict[str, list[str]]:
    """One structure in shorthand syntax; every value as a list of strings (the list members of the
    check APIs' structures). Raises :class:`CliError` naming the column of the first bad character."""
    out: dict[str, list[str]] = {}
    i = 0
    while True:
        match = _KEY.match(text, i)
        if match is None:
            raise _error(text, i, "KEY=VALUE", option)
        key = match.group(1)
        i = match.end()
        if key in out:
            raise CliError(f"{option}: {key!r} is given twice in {text!r} (give a second structure as a separate "
                           f"argument: {option} {key}=... {key}=...)")
        if i < len(text) and text[i] == "[":
            out[key], i = _explicit_list(text, i + 1, option)
        else:
            out[key], i = _csv(text, i, option)
        i = _skip_space(text, i)
        if i >= len(text):
            return out
        if text[i] != ",":
            raise _error(text, i, "','", option)
        i += 1


def _csv(text: str, i: int, option: str) -> tuple[list[str], int]:
    values: list[str] = []
    while True:
        value, i = _value(text, i, option, stop=",")
        values.append(value)
        i = _skip_space(text, i)
        if i >= len(text) or text[i] != "," or _NEXT_KEY.match(text, i + 1):
            return values, i
        i = _skip_space(text, i + 1)


def _explicit_list(text: str, i: int, option: str) -> tuple[list[str], int]:
    values: list[str] = []
    i = _skip_space(text, i)
    while i < len(text) and text[i] != "]":
        value, i = _value(text, i, option, stop=",]")
        values.append(value)
        i = _skip_space(text, i)
        if i < len(text) and text[i] == ",":
            i = _skip_space(text, i + 1)
    if i >= len(text):
        raise _error(text, i, "']'", option)
    return values, i + 1


def _value(text: str, i: int, option: str, *, stop: str) -> tuple[str, int]:
    if i < len(text) and text[i] in "'\"":
        quote = text[i]
        chars: list[str] = []
        j = i + 1
        while j < len(text) and text[j] != quote:
            if text[j] == "\\" and j + 1 < len(text) and text[j + 1] in (quote, "\\"):
                j += 1
            chars.append(text[j])
            j += 1
        if j >= len(text):
            raise _error(text, j, f"closing {quote}", option)
        return "".join(chars), j + 1
    chars = []
    j = i
    while j < len(text) and text[j] not in stop and not text[j].isspace():
        if text[j] == "\\" and text[j + 1 : j + 2] == ",":
            j += 1
        chars.append(text[j])
        j += 1
    if not chars:
        raise _error(text, i, "a value", option)
    return "".join(chars), j


def _skip_space(text: str, i: int) -> int:
    while i < len(text) and text[i].isspace():
        i += 1
    return i


def _error(text: str, i: int, expected: str, option: str) -> CliError:
    found = repr(text[i]) if i < len(text) else "the end"
    return CliError(f"{option}: shorthand syntax: expected {expected} at column {i + 1} of {text!r}, found {found}")
