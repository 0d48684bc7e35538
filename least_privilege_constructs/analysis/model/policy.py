"""Parsing a policy document into statement views whose values know their JSON path.

Paths follow IAM Access Analyzer's ``locations[].path``: object keys are strings, array indexes are
integers, and ``None`` stands for "the key of this object entry" (Access Analyzer points at a condition
*key* with an empty path element; the finding's span tells which key, our :class:`Located` keeps the key
text in ``key``).

A statement given as a single object (``"Statement": {...}``) has no index, so its paths are
``["Statement", "Action", 0]``; a statement in an array has ``["Statement", 2, "Action", 0]``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from least_privilege_constructs.analysis.findings import JsonPath

ELEMENTS = (
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
)
"""The statement elements of the IAM policy grammar (case-sensitive)."""

TOP_LEVEL_ELEMENTS = ("Version", "Id", "Statement")


class PolicyParseError(ValueError):
    """The text is not a JSON document. ``line``/``column`` are 1-based, ``offset`` 0-based."""

    def __init__(self, message: str, line: int = 1, column: int = 1, offset: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
        self.offset = offset


class PolicyValueError(PolicyParseError):
    """A Python object given as a policy is not a JSON value (a set, NaN, a non-string key...)."""


class Located(NamedTuple):
    """A JSON value and the path where it sits; ``key`` is set when the path points at an object key.

    (A named tuple: policies have thousands of values and this is created for each of them.)
    """

    value: Any
    path: JsonPath
    key: str | None = None

    @property
    def text(self) -> str | None:
        """The value when it is a string, else None."""
        return self.value if isinstance(self.value, str) else None


class ConditionEntry(NamedTuple):
    """One ``operator: {key: values}`` pair of a Condition block."""

    operator: str
    key: str
    raw_values: Any
    operator_path: JsonPath

    @property
    def key_path(self) -> JsonPath:
        """Where Access Analyzer points for a finding about the key itself (``[..., operator, None]``)."""
        return [*self.operator_path, None]

    @property
    def value_path(self) -> JsonPath:
        """The path of the key's value (``[..., operator, key]``)."""
        return [*self.operator_path, self.key]

    @property
    def values(self) -> list[Located]:
        """Each condition value with its path (a scalar value is one value at :attr:`value_path`)."""
        if isinstance(self.raw_values, list):
            return [Located(v, [*self.value_path, j]) for j, v in enumerate(self.raw_values)]
        return [Located(self.raw_values, self.value_path)]

    @property
    def is_list(self) -> bool:
        return isinstance(self.raw_values, list)


@dataclass
class Statement:
    """A view on one statement. ``raw`` is whatever the document held (normally a dict)."""

    raw: Any
    index: int | None
    path: JsonPath
    _memo: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)
    _elements: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._elements = self.raw if isinstance(self.raw, dict) else {}

    @property
    def is_object(self) -> bool:
        return isinstance(self.raw, dict)

    def has(self, element: str) -> bool:
        return element in self._elements

    def get(self, element: str, default: Any = None) -> Any:
        return self._elements.get(element, default)

    def element_path(self, element: str) -> JsonPath:
        return [*self.path, element]

    @property
    def sid(self) -> Any:
        return self.get("Sid")

    @property
    def effect(self) -> Any:
        return self.get("Effect")

    def values(self, element: str) -> list[Located]:
        """The values of ``Action``/``Resource``/... : a string gives one value at the element's path,
        an array gives one per item (``[..., element, j]``)."""
        memo = self._memo.get(("values", element))
        if memo is not None:
            return memo  # type: ignore[no-any-return]
        if not self.has(element):
            out: list[Located] = []
        else:
            value = self.raw[element]
            base = self.element_path(element)
            if isinstance(value, list):
                out = [Located(v, [*base, j]) for j, v in enumerate(value)]
            else:
                out = [Located(value, base)]
        self._memo[("values", element)] = out
        return out

    def strings(self, element: str) -> list[Located]:
        """Like :meth:`values`, only the string items."""
        memo = self._memo.get(("strings", element))
        if memo is None:
            memo = [v for v in self.values(element) if isinstance(v.value, str)]
            self._memo[("strings", element)] = memo
        return memo  # type: ignore[no-any-return]

    @property
    def action_element(self) -> str | None:
        return "Action" if self.has("Action") else "NotAction" if self.has("NotAction") else None

    @property
    def resource_element(self) -> str | None:
        return "Resource" if self.has("Resource") else "NotResource" if self.has("NotResource") else None

    @property
    def principal_element(self) -> str | None:
        return "Principal" if self.has("Principal") else "NotPrincipal" if self.has("NotPrincipal") else None

    def principals(self, element: str = "Principal") -> Iterator[tuple[str | None, Located]]:
        """``(principal type, value)`` pairs: ``(None, "*")`` for ``"Principal": "*"``, else
        ``("AWS", "arn:...")`` with the value's path."""
        if not self.has(element):
            return
        value = self.raw[element]
        base = self.element_path(element)
        if not isinstance(value, dict):
            yield None, Located(value, base)
            return
        for ptype, pval in value.items():
            if isinstance(pval, list):
                for j, item in enumerate(pval):
                    yield ptype, Located(item, [*base, ptype, j], key=ptype)
            else:
                yield ptype, Located(pval, [*base, ptype], key=ptype)

    def conditions(self) -> list[ConditionEntry]:
        """Every ``operator: {key: values}`` entry of a well-formed Condition block."""
        memo = self._memo.get("conditions")
        if memo is not None:
            return memo  # type: ignore[no-any-return]
        out: list[ConditionEntry] = []
        cond = self.get("Condition")
        if isinstance(cond, dict):
            base = self.element_path("Condition")
            for operator, block in cond.items():
                if isinstance(block, dict):
                    out.extend(
                        ConditionEntry(operator, key, values, [*base, operator])
                        for key, values in block.items()
                    )
        self._memo["conditions"] = out
        return out

    def condition_keys(self) -> set[str]:
        """Lower-case condition keys used in this statement."""
        return {c.key.lower() for c in self.conditions()}


@dataclass
class PolicyDocument:
    """A parsed policy. ``raw`` is the JSON value; ``text`` the source when it was given as text."""

    raw: Any
    text: str | None = None
    statements: list[Statement] = field(default_factory=list)

    @property
    def is_object(self) -> bool:
        return isinstance(self.raw, dict)

    @property
    def version(self) -> Any:
        return self.raw.get("Version") if isinstance(self.raw, dict) else None

    @property
    def statement_is_list(self) -> bool:
        return isinstance(self.raw, dict) and isinstance(self.raw.get("Statement"), list)

    def minified(self) -> str:
        """The document serialized without insignificant whitespace (what IAM quotas count)."""
        return json.dumps(self.raw, separators=(",", ":"), ensure_ascii=False)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, col


class _DuplicateKey(Exception):
    pass


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise _DuplicateKey()
    return out


def _duplicate_key_error(text: str) -> PolicyParseError:
    """A key given twice in one object: JSON parsers keep the last silently, so a second ``Statement``
    would hide the first (fail open); which one IAM reads is not documented, so the policy is refused,
    with the line and column of the second occurrence (as the template loader does)."""
    from least_privilege_constructs.analysis.model.spans import DuplicateKeyError, index_spans

    try:
        index_spans(text, reject_duplicates=True)
    except DuplicateKeyError as exc:
        where = exc.span.start
        first = f" (first at line {exc.first.start.line} column {exc.first.start.column})" if exc.first else ""
        return PolicyParseError(f"duplicate key {exc.key!r}{first}", where.line, where.column, where.offset)
    except (ValueError, RecursionError):
        pass
    return PolicyParseError("duplicate key")


def load_json(document: str | bytes | bytearray) -> Any:
    """Parse JSON text strictly (no NaN/Infinity, valid UTF-8, bounded nesting).

    Raises :class:`PolicyParseError` with the line, column and offset of the problem (JSON nested beyond the
    parser's recursion limit is one too; no policy needs more than six levels).
    """
    if isinstance(document, bytes | bytearray):
        try:
            text = bytes(document).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line, col = _line_col(bytes(document)[: exc.start].decode("utf-8", "replace"), exc.start)
            raise PolicyParseError(
                f"the policy is not valid UTF-8 (byte 0x{document[exc.start]:02x} at index {exc.start})",
                line,
                col,
                exc.start,
            ) from None
    else:
        text = document
    try:
        return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_no_duplicate_keys)
    except _DuplicateKey:
        raise _duplicate_key_error(text) from None
    except json.JSONDecodeError as exc:
        raise PolicyParseError(exc.msg, exc.lineno, exc.colno, exc.pos) from None
    except ValueError as exc:  # NaN / Infinity
        raise PolicyParseError(str(exc)) from None
    except RecursionError:
        raise PolicyParseError(
            "the policy is nested too deeply (beyond the JSON parser's recursion limit)"
        ) from None


def parse_policy(document: Any) -> PolicyDocument:
    """A :class:`PolicyDocument` from a dict (or any JSON value), JSON text, or UTF-8 bytes.

    Raises :class:`PolicyParseError` for text that is not JSON, :class:`PolicyValueError` for a Python
    object that is not a JSON value.
    """
    text: str | None = None
    if isinstance(document, str | bytes | bytearray):
        raw = load_json(document)
        text = document if isinstance(document, str) else None
    else:
        # normalize through JSON: tuples become lists, keys strings; sets, NaN and objects are rejected
        try:
            text_form = json.dumps(document, allow_nan=False)
        except RecursionError:
            raise PolicyParseError(
                "the policy is nested too deeply (beyond the JSON parser's recursion limit)"
            ) from None
        except (TypeError, ValueError) as exc:
            raise PolicyValueError(f"the policy is not a JSON value: {exc}") from None
        raw = load_json(text_form)
    doc = PolicyDocument(raw=raw, text=text)
    if isinstance(raw, dict):
        st = raw.get("Statement")
        if isinstance(st, list):
            doc.statements = [Statement(s, i, ["Statement", i]) for i, s in enumerate(st)]
        elif isinstance(st, dict):
            doc.statements = [Statement(st, None, ["Statement"])]
    return doc
