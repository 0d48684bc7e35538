"""Read JSON and YAML templates and policy files, CloudFormation short-form tags included.

``!Ref X`` becomes ``{"Ref": "X"}``, ``!GetAtt A.B`` becomes ``{"Fn::GetAtt": ["A", "B"]}``, ``!Sub``
and every other ``!Fn`` tag becomes ``{"Fn::Fn": ...}``. Problems raise :class:`LoadError` with a code
and a message naming the file and, for syntax errors, the line and column.

    >>> parse_text("Resources:\\n  R:\\n    Type: X\\n    Properties: {A: !Ref P}\\n", "t.yaml")
    {'Resources': {'R': {'Type': 'X', 'Properties': {'A': {'Ref': 'P'}}}}}
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

DEFAULT_MAX_BYTES = 64 * 1024 * 1024
"""Files larger than this are refused (CloudFormation's own limit is 1 MB; cdk.out templates of
large apps stay far below)."""


class LoadError(Exception):
    """A file that could not be read or parsed. ``code`` is the extraction issue code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


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


def __getattr__(name: str) -> Any:
    if name == "CfnYamlLoader":
        return cfn_yaml_loader()
    raise AttributeError(name)


def _no_duplicates_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise LoadError("INVALID_JSON", f"duplicate key {key!r}")
        out[key] = value
    return out


def parse_text(text: str, source: str, fmt: str | None = None) -> Any:
    """Parse JSON or YAML text. ``fmt`` is ``json``, ``yaml`` or ``None`` (guess: JSON first)."""
    stripped = text.lstrip()
    if fmt == "json" or (fmt is None and stripped[:1] in ("{", "[")):
        try:
            return json.loads(text, object_pairs_hook=_no_duplicates_hook)
        except LoadError as exc:
            raise LoadError("INVALID_JSON", f"{source}: invalid JSON: {exc.message}") from None
        except json.JSONDecodeError as exc:
            if fmt == "json":
                raise LoadError(
                    "INVALID_JSON", f"{source}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
                ) from None
            # JSON is a subset of YAML 1.2 but not every YAML file starting with '{' is JSON
    import yaml

    try:
        return yaml.load(text, Loader=cfn_yaml_loader())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark is not None else ""
        raise LoadError("INVALID_YAML", f"{source}: invalid YAML{where}: {exc.problem}") from None
    except (yaml.YAMLError, RecursionError, ValueError, TypeError) as exc:
        raise LoadError("INVALID_YAML", f"{source}: invalid YAML: {exc}") from None


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


def load_file(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Any:
    """Read and parse one JSON or YAML file."""
    text = read_text(path, max_bytes)
    suffix = path.suffix.lower()
    fmt = "yaml" if suffix in (".yaml", ".yml") else "json" if suffix == ".json" else None
    try:
        return parse_text(text, str(path), fmt)
    except RecursionError:
        raise LoadError("INVALID_JSON", f"{path}: nesting too deep") from None
