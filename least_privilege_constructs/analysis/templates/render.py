"""The placeholder engine: fills ``{{parameter}}`` and ``{{AWS::...}}`` placeholders in statements.

Syntax (documented in ``docs/templates.md``):

* ``{{name}}`` — a declared template parameter. Inside a longer string the value is interpolated
  (scalars only). A string that is *exactly* one placeholder is replaced by the value itself, so a list
  parameter becomes a JSON list (flattened into an enclosing list) and a ``tags`` parameter a mapping.
* ``{{AWS::Partition}}``, ``{{AWS::AccountId}}``, ``{{AWS::Region}}``, ``{{AWS::URLSuffix}}`` — the
  deployment's pseudo parameters. Rendered to raw JSON they take the values of a
  :class:`RenderContext` (``aws``, ``123456789012``, ``us-east-1`` by default); rendered through CDK
  they become the stack's tokens, i.e. ``${AWS::Partition}`` in the synthesized template.
* ``${aws:username}``-style IAM policy variables are left untouched.

Example::

    >>> render_value("arn:{{AWS::Partition}}:s3:::{{bucket}}/*", {"bucket": "b"}, RenderContext().pseudo())
    'arn:aws:s3:::b/*'
    >>> render_value(["{{arns}}", "x"], {"arns": ["a", "b"]}, {})
    ['a', 'b', 'x']
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

PLACEHOLDER_RE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*|AWS::[A-Za-z]+)\s*\}\}")
PSEUDO_PARAMETERS = ("AWS::Partition", "AWS::AccountId", "AWS::Region", "AWS::URLSuffix")


@dataclass(frozen=True)
class RenderContext:
    """Values of the pseudo parameters when rendering to raw JSON (lint and ``lpc templates render``)."""

    partition: str = "aws"
    account_id: str = "123456789012"
    region: str = "us-east-1"
    url_suffix: str = "amazonaws.com"

    @classmethod
    def cloudformation(cls) -> RenderContext:
        """Pseudo parameters as ``${AWS::Partition}``-style ``Fn::Sub`` variables (see
        :func:`to_cloudformation`), for JSON that goes into a CloudFormation template."""
        return cls("${AWS::Partition}", "${AWS::AccountId}", "${AWS::Region}", "${AWS::URLSuffix}")

    def pseudo(self) -> dict[str, str]:
        return {
            "AWS::Partition": self.partition,
            "AWS::AccountId": self.account_id,
            "AWS::Region": self.region,
            "AWS::URLSuffix": self.url_suffix,
        }


@dataclass(frozen=True)
class PlaceholderUse:
    """One placeholder occurrence in a template: its name, JSON path, and how it is used."""

    name: str
    path: str
    whole: bool  # the string is exactly this placeholder
    in_key: bool  # the placeholder is in a mapping key

    @property
    def pseudo(self) -> bool:
        return self.name.startswith("AWS::")


def iter_placeholders(value: Any, path: str) -> Iterator[PlaceholderUse]:
    """Every placeholder in a JSON-like value, with its JSON path (for load-time checks)."""
    if isinstance(value, str):
        matches = list(PLACEHOLDER_RE.finditer(value))
        whole = len(matches) == 1 and matches[0].group(0) == value
        for m in matches:
            yield PlaceholderUse(m.group(1), path, whole, False)
        if "{{" in PLACEHOLDER_RE.sub("", value) or "}}" in PLACEHOLDER_RE.sub("", value):
            yield PlaceholderUse(value, path, False, False)  # malformed: reported as unknown
    elif isinstance(value, Mapping):
        for k, v in value.items():
            key = str(k)
            for m in PLACEHOLDER_RE.finditer(key):
                yield PlaceholderUse(m.group(1), f"{path}.{key}", False, True)
            yield from iter_placeholders(v, f"{path}.{key}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from iter_placeholders(v, f"{path}[{i}]")


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def render_value(value: Any, params: Mapping[str, Any], pseudo: Mapping[str, str]) -> Any:
    """Substitute placeholders in ``value`` (a JSON-like structure); see the module doc for the rules.

    Raises ``KeyError`` naming the placeholder when it has no value (the template loader rejects
    undeclared placeholders before this can happen).
    """

    def lookup(name: str) -> Any:
        if name in params:
            return params[name]
        if name in pseudo:
            return pseudo[name]
        raise KeyError(name)

    def sub_string(text: str) -> Any:
        m = PLACEHOLDER_RE.fullmatch(text)
        if m is not None:
            v = lookup(m.group(1))
            return [_scalar(x) for x in v] if isinstance(v, list | tuple) else (
                dict(v) if isinstance(v, Mapping) else _scalar(v)
            )
        return PLACEHOLDER_RE.sub(lambda mm: _scalar(lookup(mm.group(1))), text)

    if isinstance(value, str):
        return sub_string(value)
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out[PLACEHOLDER_RE.sub(lambda mm: _scalar(lookup(mm.group(1))), str(k))] = render_value(
                v, params, pseudo
            )
        return out
    if isinstance(value, list):
        items: list[Any] = []
        for v in value:
            r = render_value(v, params, pseudo)
            if isinstance(v, str) and isinstance(r, list):
                items.extend(r)  # a list parameter inside a list is flattened
            else:
                items.append(r)
        return items
    return value


_SUB_VARIABLE = re.compile(r"\$\{(AWS::(?:Partition|AccountId|Region|URLSuffix))\}|\$\{")


def to_cloudformation(value: Any) -> Any:
    """Wrap every string that uses a pseudo parameter (``${AWS::AccountId}``, as rendered with
    :meth:`RenderContext.cloudformation`) in ``{"Fn::Sub": ...}``, escaping any other ``${`` (IAM policy
    variables such as ``${aws:username}``) as ``${!`` so CloudFormation leaves them alone.

    Example::

        >>> to_cloudformation("arn:${AWS::Partition}:s3:::b/${aws:username}/*")
        {'Fn::Sub': 'arn:${AWS::Partition}:s3:::b/${!aws:username}/*'}
        >>> to_cloudformation(["plain", "${aws:username}"])
        ['plain', '${aws:username}']
    """
    if isinstance(value, str):
        body = fn_sub_body(value)
        return value if body is None else {"Fn::Sub": body}
    if isinstance(value, list):
        return [to_cloudformation(v) for v in value]
    if isinstance(value, Mapping):
        return {k: to_cloudformation(v) for k, v in value.items()}
    return value


def fn_sub_body(text: str) -> str | None:
    """The ``Fn::Sub`` body for a string that uses ``${AWS::...}`` pseudo parameters (other ``${`` escaped
    as ``${!``), or None when the string uses none."""
    if not any(m.group(1) for m in _SUB_VARIABLE.finditer(text)):
        return None
    return _SUB_VARIABLE.sub(lambda m: m.group(0) if m.group(1) else "${!", text)
