"""Character spans of JSON and YAML values and object keys, by JSON path: the one mechanism that keeps the
line and column of everything loaded (policies given as text, templates, policy files).

Access Analyzer reports each location as a path plus a span (``start``/``end`` with ``line``, ``column``
and ``offset``). :func:`index_spans` scans valid JSON text once (iteratively, any depth) and records the
span of every value and every object key, so a finding's path can be turned into the span an editor or
SARIF viewer needs; :func:`index_yaml_node` builds the same index from a composed YAML node (PyYAML's
marks). :class:`SourceSpans` is the side table a loaded file keeps (built lazily for JSON: scanning is only
paid for when a location is asked for) and :class:`SourceLocation` is what a finding's origin carries.

Example::

    >>> idx = index_spans('{"Statement": [{"Action": "s3:*"}]}')
    >>> idx.value(["Statement", 0, "Action"]).start.column
    27
    >>> idx.key(["Statement", 0], "Action").start.offset
    16
    >>> spans = SourceSpans.from_json('{\\n  "Resources": {\\n    "Role": {"Type": "AWS::IAM::Role"}\\n  }\\n}')
    >>> spans.position(["Resources", "Role"])
    Position(line=3, column=5, offset=23)
    >>> spans.position(["Resources", "Role", "Properties"], nearest=True).line
    3
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from least_privilege_constructs.analysis.findings import PathElement

_WS = re.compile(r"[ \t\n\r]*")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_SCALAR = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null")


@dataclass(frozen=True)
class Position:
    line: int
    """1-based line."""
    column: int
    """1-based column."""
    offset: int
    """0-based character offset."""

    def to_dict(self) -> dict[str, int]:
        return {"line": self.line, "column": self.column, "offset": self.offset}


@dataclass(frozen=True)
class Span:
    start: Position
    end: Position

    def to_dict(self) -> dict[str, dict[str, int]]:
        return {"start": self.start.to_dict(), "end": self.end.to_dict()}


class SpanIndex:
    """Spans of the values and keys of one JSON text."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self._values: dict[tuple[PathElement, ...], tuple[int, int]] = {}
        self._keys: dict[tuple[PathElement, ...], tuple[int, int]] = {}

    def _position(self, offset: int) -> Position:
        lo, hi = 0, len(self._line_starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self._line_starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return Position(lo + 1, offset - self._line_starts[lo] + 1, offset)

    def _span(self, start: int, end: int) -> Span:
        return Span(self._position(start), self._position(end))

    def value(self, path: list[PathElement]) -> Span | None:
        """The span of the value at ``path`` (``[]`` is the whole document)."""
        found = self._values.get(tuple(path))
        return self._span(*found) if found else None

    def key(self, object_path: list[PathElement], key: str) -> Span | None:
        """The span of the key ``key`` (with its quotes) of the object at ``object_path``."""
        found = self._keys.get((*object_path, key))
        return self._span(*found) if found else None

    def locate(self, path: list[PathElement], key: str | None = None) -> Span | None:
        """The span Access Analyzer would give for a finding path: a path ending in ``None`` points at the
        key ``key`` of the object before it; otherwise the value at the path."""
        if path and path[-1] is None:
            return self.key(path[:-1], key) if key is not None else self.value(path[:-1])
        return self.value(path)


class DuplicateKeyError(ValueError):
    """An object with the same key twice (JSON and YAML parsers keep the last silently: fail open)."""

    def __init__(self, path: tuple[PathElement, ...], key: str, span: Span, first: Span | None) -> None:
        super().__init__(f"duplicate key {key!r}")
        self.path = path
        """The JSON path of the duplicated key (the object's path plus the key)."""
        self.key = key
        self.span = span
        """Where the second occurrence is."""
        self.first = first
        """Where the first occurrence is."""


def index_spans(text: str, *, reject_duplicates: bool = False) -> SpanIndex:
    """Index the spans of valid JSON ``text`` (raises ValueError if it is not JSON, and
    :class:`DuplicateKeyError` for a key given twice in one object when ``reject_duplicates``)."""
    idx = SpanIndex(text)
    n = len(text)
    # explicit stack of containers: (kind, path, next index / None) to support any depth
    pos = _WS.match(text, 0).end()  # type: ignore[union-attr]
    stack: list[tuple[str, tuple[PathElement, ...], int, int]] = []  # kind, path, count, start offset
    path: tuple[PathElement, ...] = ()
    expect_value = True
    while True:
        if expect_value:
            if pos >= n:
                raise ValueError("unexpected end of JSON text")
            ch = text[pos]
            if ch == "{" or ch == "[":
                stack.append(("o" if ch == "{" else "a", path, 0, pos))
                pos = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
                closing = "}" if ch == "{" else "]"
                if pos < n and text[pos] == closing:
                    kind, cpath, _, start = stack.pop()
                    idx._values[cpath] = (start, pos + 1)
                    pos += 1
                    expect_value = False
                    continue
                if ch == "{":
                    pos, path = _read_key(text, pos, stack, idx, reject_duplicates)
                    continue
                path = (*path, 0)
                continue
            m = _STRING.match(text, pos) if ch == '"' else _SCALAR.match(text, pos)
            if m is None:
                raise ValueError(f"invalid JSON value at offset {pos}")
            idx._values[path] = (pos, m.end())
            pos = m.end()
            expect_value = False
            continue
        # after a value: a comma, or the end of the enclosing container
        pos = _WS.match(text, pos).end()  # type: ignore[union-attr]
        if not stack:
            if pos != n:
                raise ValueError(f"extra data at offset {pos}")
            return idx
        kind, cpath, count, start = stack[-1]
        ch = text[pos] if pos < n else ""
        if ch == ",":
            pos = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
            stack[-1] = (kind, cpath, count + 1, start)
            if kind == "o":
                pos, path = _read_key(text, pos, stack, idx, reject_duplicates)
            else:
                path = (*cpath, count + 1)
            expect_value = True
            continue
        if ch == ("}" if kind == "o" else "]"):
            stack.pop()
            idx._values[cpath] = (start, pos + 1)
            path = cpath
            pos += 1
            continue
        raise ValueError(f"expected , or closing bracket at offset {pos}")


def _read_key(
    text: str, pos: int, stack: list[tuple[str, tuple[PathElement, ...], int, int]], idx: SpanIndex,
    reject_duplicates: bool = False,
) -> tuple[int, tuple[PathElement, ...]]:
    m = _STRING.match(text, pos)
    if m is None:
        raise ValueError(f"expected an object key at offset {pos}")
    key = json.loads(m.group(0))
    cpath = stack[-1][1]
    if reject_duplicates and (*cpath, key) in idx._keys:
        raise DuplicateKeyError((*cpath, key), key, idx._span(pos, m.end()), idx.key(list(cpath), key))
    idx._keys[(*cpath, key)] = (pos, m.end())
    pos = _WS.match(text, m.end()).end()  # type: ignore[union-attr]
    if pos >= len(text) or text[pos] != ":":
        raise ValueError(f"expected : at offset {pos}")
    pos = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
    return pos, (*cpath, key)


_DECODER = json.JSONDecoder()


def find_span(
    text: str, path: list[PathElement], key: str | None = None, memo: dict[Any, Any] | None = None
) -> Span | None:
    """The span of one finding location (see :meth:`SpanIndex.locate`) without indexing the whole text:
    walks down the path and skips the values in between with the C JSON decoder. None if not found.

    Pass the same ``memo`` dict for several paths of one text to reuse the walk (offsets of visited values
    and the furthest item reached in each array)."""
    steps = list(path)
    want_key = bool(steps) and steps[-1] is None
    if want_key:
        steps = steps[:-1]
    memo = {} if memo is None else memo
    try:
        pos = _skip_ws(text, 0)
        walked: tuple[PathElement, ...] = ()
        for step in steps:
            here = (*walked, step)
            cached = memo.get(here)
            if cached is not None:
                pos, walked = cached, here
                continue
            if text[pos] == "{" and isinstance(step, str):
                found = _member(text, pos, step)
                if found is None:
                    return None
                pos = found[1]
            elif text[pos] == "[" and isinstance(step, int) and not isinstance(step, bool):
                index, at = memo.get(("array", walked), (0, _skip_ws(text, pos + 1)))
                if index > step:
                    index, at = 0, _skip_ws(text, pos + 1)
                pos = at
                for _ in range(step - index):
                    m = _STRING_ITEM.match(text, pos)
                    if m is not None:
                        pos = m.end()
                        continue
                    _, pos = _DECODER.raw_decode(text, pos)
                    pos = _skip_ws(text, pos)
                    if text[pos] != ",":
                        return None
                    pos = _skip_ws(text, pos + 1)
                if text[pos] == "]":
                    return None
                memo[("array", walked)] = (step, pos)
            else:
                return None
            memo[here] = pos
            walked = here
        if want_key and key is not None:
            if text[pos] != "{":
                return None
            found = _member(text, pos, key)
            return None if found is None else _span(text, found[0], found[0] + len(found[2]))
        _, end = _DECODER.raw_decode(text, pos)
        return _span(text, pos, end)
    except (IndexError, ValueError):
        return None


_STRING_ITEM = re.compile(r'"(?:[^"\\]|\\.)*"[ \t\n\r]*,[ \t\n\r]*', re.DOTALL)


def _skip_ws(text: str, pos: int) -> int:
    return _WS.match(text, pos).end()  # type: ignore[union-attr]


def _member(text: str, pos: int, name: str) -> tuple[int, int, str] | None:
    """(key offset, value offset, raw key text) of member ``name`` of the object starting at ``pos``."""
    pos = _skip_ws(text, pos + 1)
    while text[pos] != "}":
        m = _STRING.match(text, pos)
        if m is None:
            return None
        value_at = _skip_ws(text, _skip_ws(text, m.end()) + 1)  # past the colon
        if json.loads(m.group(0)) == name:
            return pos, value_at, m.group(0)
        _, pos = _DECODER.raw_decode(text, value_at)
        pos = _skip_ws(text, pos)
        if text[pos] == ",":
            pos = _skip_ws(text, pos + 1)
    return None


def _position(text: str, offset: int) -> Position:
    line = text.count("\n", 0, offset) + 1
    return Position(line, offset - (text.rfind("\n", 0, offset) + 1) + 1, offset)


def _span(text: str, start: int, end: int) -> Span:
    return Span(_position(text, start), _position(text, end))


def spans_for(text: str, locations: list[list[PathElement]], key: str | None = None) -> list[dict[str, Any]]:
    """Access Analyzer-shaped spans (``{"start": {...}, "end": {...}}``) for finding locations; ``{}`` when
    a path is not in the text."""
    idx = index_spans(text)
    out: list[dict[str, Any]] = []
    for path in locations:
        span = idx.locate(path, key)
        out.append(span.to_dict() if span else {})
    return out


def index_yaml_node(text: str, node: Any, *, reject_duplicates: bool = True,
                    key_value: Callable[[Any], Any] | None = None) -> SpanIndex:
    """Index the spans of a composed YAML document (``yaml.compose`` / ``Loader.get_single_node``): every
    value and every mapping key by JSON path, from PyYAML's marks (character offsets into ``text``).

    Raises :class:`DuplicateKeyError` for a key given twice in one mapping when ``reject_duplicates``
    (merge keys ``<<`` are YAML's own override mechanism and are not duplicates). ``key_value`` turns a
    key node into the key the constructed mapping will hold (default: a scalar's text). A node reached
    twice through an alias is indexed at its first path only (no exponential walk)."""
    from yaml import MappingNode, ScalarNode, SequenceNode

    idx = SpanIndex(text)
    seen: set[int] = set()
    stack: list[tuple[Any, tuple[PathElement, ...]]] = [(node, ())] if node is not None else []
    while stack:
        current, path = stack.pop()
        idx._values[path] = (current.start_mark.index, current.end_mark.index)
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, SequenceNode):
            stack.extend((item, (*path, i)) for i, item in enumerate(current.value))
        elif isinstance(current, MappingNode):
            for key_node, value_node in current.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                if isinstance(key_node, ScalarNode):
                    key = key_value(key_node) if key_value is not None else key_node.value
                else:
                    key = f"<{type(key_node).__name__}>"
                try:
                    hash(key)
                except TypeError:
                    key = str(key)
                here = (*path, key)
                key_span = (key_node.start_mark.index, key_node.end_mark.index)
                if reject_duplicates and here in idx._keys:
                    raise DuplicateKeyError(here, str(key), idx._span(*key_span), idx._span(*idx._keys[here]))
                idx._keys[here] = key_span
                stack.append((value_node, here))
    return idx


class SourceSpans:
    """The side table of one loaded file: the span of every value and key by JSON path.

    Built by :func:`index_yaml_node` while loading YAML, or lazily by :func:`index_spans` for JSON on
    the first lookup (most files loaded never need a location)."""

    def __init__(self, build: Callable[[], SpanIndex]) -> None:
        self._build: Callable[[], SpanIndex] | None = build
        self._index: SpanIndex | None = None

    @classmethod
    def from_json(cls, text: str) -> SourceSpans:
        return cls(lambda: index_spans(text))

    @classmethod
    def from_index(cls, index: SpanIndex) -> SourceSpans:
        spans = cls(lambda: index)
        spans._index, spans._build = index, None
        return spans

    @property
    def index(self) -> SpanIndex | None:
        if self._index is None and self._build is not None:
            build, self._build = self._build, None
            try:
                self._index = build()
            except (ValueError, RecursionError):  # not valid JSON after all: no locations
                self._index = None
        return self._index

    def span(self, path: Sequence[PathElement], *, nearest: bool = False) -> Span | None:
        """The span of the value at ``path`` or, for an object member, of the key naming it (in YAML a block
        mapping's value starts on the line after its key: the key is where a reader looks); with
        ``nearest``, of its closest ancestor that exists when the path itself is not in the file (a value an
        intrinsic function produced, a policy given as a string)."""
        index = self.index
        if index is None:
            return None
        steps = list(path)
        while True:
            found = index.value(steps)
            if found is not None and steps and isinstance(steps[-1], str):
                found = index.key(steps[:-1], steps[-1]) or found
            if found is not None or not nearest or not steps:
                return found
            steps.pop()

    def position(self, path: Sequence[PathElement], *, nearest: bool = False) -> Position | None:
        """The start of :meth:`span`."""
        found = self.span(path, nearest=nearest)
        return found.start if found is not None else None


class SourceLocation:
    """Where a value is in its source file: a path into the file's :class:`SourceSpans` (resolved on
    demand), or a fixed position (e.g. a parse error).

    ``path`` points at the value itself; :meth:`position` of a sub-path (a finding's location inside a
    policy) descends into it while the file has that path, when ``descend`` is true (false when the value
    was built rather than copied from the file, so sub-paths would not correspond)."""

    __slots__ = ("_fixed", "descend", "path", "spans")

    def __init__(self, spans: SourceSpans | None, path: Sequence[PathElement] = (), *, descend: bool = True,
                 fixed: Position | None = None) -> None:
        self.spans = spans
        self.path = tuple(path)
        self.descend = descend
        self._fixed = fixed

    @classmethod
    def at(cls, line: int, column: int, offset: int = 0) -> SourceLocation:
        """A fixed position (1-based line and column)."""
        return cls(None, fixed=Position(line, column, offset))

    def position(self, sub_path: Sequence[PathElement] = ()) -> Position | None:
        """The line and column of the value (or of ``sub_path`` inside it, else its nearest ancestor);
        None when unknown."""
        if self._fixed is not None:
            return self._fixed
        if self.spans is None:
            return None
        steps = [s for s in sub_path if s is not None] if self.descend else []
        return self.spans.position((*self.path, *steps), nearest=True)

    def __repr__(self) -> str:
        return f"SourceLocation(path={list(self.path)!r})" if self._fixed is None else f"SourceLocation({self._fixed})"
