"""Read JSON and YAML templates and policy files, CloudFormation short-form tags included.

``!Ref X`` becomes ``{"Ref": "X"}``, ``!GetAtt A.B`` becomes ``{"Fn::GetAtt": ["A", "B"]}``, ``!Sub``
and every other ``!Fn`` tag becomes ``{"Fn::Fn": ...}``. Problems raise :class:`LoadError` with a code
and a message naming the file and, for syntax errors and duplicate keys, the line and column.

    >>> parse_text("Resources:\\n  R:\\n    Type: X\\n    Properties: {A: !Ref P}\\n", "t.yaml")
    {'Resources': {'R': {'Type': 'X', 'Properties': {'A': {'Ref': 'P'}}}}}

A key given twice in one object is an error in JSON and YAML alike (both parsers would silently keep the
last one, and a dropped resource or statement is a policy nobody checks: fail closed). This follows
cfn-lint's decoder (``cfnlint.decode``), which rejects duplicate keys with their line numbers:

    >>> parse_text("Resources:\\n  R: {Type: A}\\n  R: {Type: B}\\n", "t.yaml")
    Traceback (most recent call last):
    ...
    least_privilege_constructs.analysis.extract.loader.LoadError: t.yaml:3:3: duplicate key 'R' at Resources.R (first at line 2 column 3)

Every value keeps its line and column: :func:`parse_text_with_spans` and :func:`load_file_with_spans` also
return the file's :class:`~least_privilege_constructs.analysis.model.spans.SourceSpans`:

    >>> data, spans = parse_text_with_spans('{"Resources": {\\n  "R": {"Type": "X"}}}', "t.json")
    >>> spans.position(["Resources", "R"])
    Position(line=2, column=3, offset=18)
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from least_privilege_constructs.analysis.findings import format_path
from least_privilege_constructs.analysis.model.spans import (
    DuplicateKeyError,
    SourceSpans,
    index_spans,
    index_yaml_node,
)

DEFAULT_MAX_BYTES = 64 * 1024 * 1024
"""Files larger than this are refused (CloudFormation's own limit is 1 MB; cdk.out templates of
large apps stay far below)."""


class LoadError(Exception):
    """A file that could not be read or parsed. ``code`` is the extraction issue code (``FILE_NOT_FOUND``,
    ``UNREADABLE_FILE``, ``FILE_TOO_LARGE``, ``INVALID_ENCODING``, ``INVALID_JSON``, ``INVALID_YAML``,
    ``DUPLICATE_KEY``); ``line``/``column`` (1-based) and ``json_path`` say where, when known."""

    def __init__(self, code: str, message: str, *, line: int | None = None, column: int | None = None,
                 json_path: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.line = line
        self.column = column
        self.json_path = json_path


@functools.cache
def cfn_yaml_loader() -> type:
    """A safe YAML loader class that understands CloudFormation's short-form intrinsic tags (PyYAML is
    imported on first use: a JSON-only ``cdk.out`` never loads it)."""
    import yaml

    base: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class CfnYamlLoader(base):  # type: ignore[misc,valid-type]
        pass

    def construct(loader: Any, node: Any) -> Any:
        if isinstance(node, yaml.ScalarNode):
            return loader.construct_scalar(node)
        if isinstance(node, yaml.SequenceNode):
            return loader.construct_sequence(node, deep=True)
        return loader.construct_mapping(node, deep=True)

    def tag_constructor(loader: Any, tag_suffix: str, node: Any) -> Any:
        value = construct(loader, node)
        if tag_suffix == "Ref":
            return {"Ref": value}
        if tag_suffix == "Condition":
            return {"Condition": value}
        if tag_suffix == "GetAtt" and isinstance(value, str):
            logical, _, attr = value.partition(".")
            return {"Fn::GetAtt": [logical, attr]}
        return {f"Fn::{tag_suffix}": value}

    CfnYamlLoader.add_multi_constructor("!", tag_constructor)
    return CfnYamlLoader


@functools.cache
def plain_yaml_loader() -> type:
    """PyYAML's safe loader without CloudFormation tags (for files that are not templates: a ``!Ref`` is
    an error there, as with ``yaml.safe_load``)."""
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # type: ignore[no-any-return]


def __getattr__(name: str) -> Any:
    if name == "CfnYamlLoader":
        return cfn_yaml_loader()
    raise AttributeError(name)


class _Duplicate(Exception):
    pass


def _no_duplicates_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise _Duplicate()
    return out


def _duplicate_error(source: str, exc: DuplicateKeyError) -> LoadError:
    where = exc.span.start
    first = f" (first at line {exc.first.start.line} column {exc.first.start.column})" if exc.first else ""
    json_path = format_path(list(exc.path))
    return LoadError("DUPLICATE_KEY", f"{source}:{where.line}:{where.column}: duplicate key {exc.key!r} at "
                     f"{json_path}{first}", line=where.line, column=where.column, json_path=json_path)


def _parse_json(text: str, source: str) -> Any:
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates_hook)
    except _Duplicate:
        try:
            index_spans(text, reject_duplicates=True)
        except DuplicateKeyError as exc:
            raise _duplicate_error(source, exc) from None
        except (ValueError, RecursionError):
            pass
        raise LoadError("DUPLICATE_KEY", f"{source}: invalid JSON: duplicate key") from None


def parse_text_with_spans(text: str, source: str, fmt: str | None = None, *,
                          cfn_tags: bool = True) -> tuple[Any, SourceSpans]:
    """Parse JSON or YAML text (``fmt`` is ``json``, ``yaml`` or ``None``: guess, JSON first); returns the
    value and the spans of everything in it (JSON is indexed lazily, on the first lookup). ``cfn_tags``:
    YAML's CloudFormation short forms (``!Ref``, ``!Sub``, ...) become intrinsics; without, they are errors."""
    stripped = text.lstrip()
    if fmt == "json" or (fmt is None and stripped[:1] in ("{", "[")):
        try:
            return _parse_json(text, source), SourceSpans.from_json(text)
        except json.JSONDecodeError as exc:
            if fmt == "json":
                raise LoadError(
                    "INVALID_JSON", f"{source}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}",
                    line=exc.lineno, column=exc.colno,
                ) from None
            # JSON is a subset of YAML 1.2 but not every YAML file starting with '{' is JSON
    import yaml

    try:
        loader = (cfn_yaml_loader() if cfn_tags else plain_yaml_loader())(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None, SourceSpans.from_index(index_yaml_node(text, None))

            def key_value(key_node: Any) -> Any:
                try:
                    return loader.construct_object(key_node, deep=True)
                except Exception:  # an unusual key: the duplicate check compares its text
                    return key_node.value

            spans = SourceSpans.from_index(index_yaml_node(text, node, key_value=key_value))
            return loader.construct_document(node), spans
        finally:
            loader.dispose()
    except DuplicateKeyError as exc:
        raise _duplicate_error(source, exc) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark is not None else ""
        raise LoadError("INVALID_YAML", f"{source}: invalid YAML{where}: {exc.problem}",
                        line=mark.line + 1 if mark is not None else None,
                        column=mark.column + 1 if mark is not None else None) from None
    except (yaml.YAMLError, RecursionError, ValueError, TypeError) as exc:
        raise LoadError("INVALID_YAML", f"{source}: invalid YAML: {exc}") from None


def parse_text(text: str, source: str, fmt: str | None = None, *, cfn_tags: bool = True) -> Any:
    """Parse JSON or YAML text. ``fmt`` is ``json``, ``yaml`` or ``None`` (guess: JSON first)."""
    return parse_text_with_spans(text, source, fmt, cfn_tags=cfn_tags)[0]


def read_text(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """Read a UTF-8 file (a BOM is accepted), refusing files larger than ``max_bytes``."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise LoadError("FILE_NOT_FOUND", f"{path}: no such file") from None
    except OSError as exc:
        raise LoadError("UNREADABLE_FILE", f"{path}: {exc.strerror or exc}") from None
    if size > max_bytes:
        raise LoadError(
            "FILE_TOO_LARGE", f"{path}: {size} bytes is larger than the limit of {max_bytes} bytes"
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError("UNREADABLE_FILE", f"{path}: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LoadError(
            "INVALID_ENCODING", f"{path}: not valid UTF-8 (byte {exc.start}: {data[exc.start:exc.start + 1]!r})"
        ) from None


def load_file_with_spans(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[Any, SourceSpans]:
    """Read and parse one JSON or YAML file; returns the value and the spans of everything in it."""
    text = read_text(path, max_bytes)
    suffix = path.suffix.lower()
    fmt = "yaml" if suffix in (".yaml", ".yml") else "json" if suffix == ".json" else None
    try:
        return parse_text_with_spans(text, str(path), fmt)
    except RecursionError:
        raise LoadError("INVALID_JSON", f"{path}: nesting too deep") from None


def load_file(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Any:
    """Read and parse one JSON or YAML file."""
    return load_file_with_spans(path, max_bytes)[0]
