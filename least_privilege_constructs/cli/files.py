"""Reading arguments the way the AWS CLI does (``file://``, inline JSON) and writing reports."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from least_privilege_constructs.cli.errors import CliError


def read_text_argument(value: str, option: str) -> tuple[str, str]:
    """The text of an argument given inline, as ``file://path`` (like the AWS CLI), as a path, or ``-``
    (stdin); returns ``(text, where it came from)``."""
    if value == "-":
        return sys.stdin.read(), f"{option} (stdin)"
    if value.startswith("file://") or value.startswith("fileb://"):
        path = Path(value.split("://", 1)[1]).expanduser()
        return _read(path, option), str(path)
    if not value.lstrip().startswith(("{", "[")) and Path(value).expanduser().is_file():
        path = Path(value).expanduser()
        return _read(path, option), str(path)
    _check_not_a_missing_path(value, option)
    return value, option


def _check_not_a_missing_path(value: str, option: str) -> None:
    """A one-line argument that is not JSON was meant as a path: say that it does not exist (or is a
    directory) rather than reporting a JSON syntax error. The AWS CLI reads such an argument as the JSON
    text itself (only ``file://`` reads a file) and fails with a parse error that does not name the path
    (https://docs.aws.amazon.com/cli/latest/userguide/cli-usage-parameters-file.html)."""
    import json

    text = value.strip()
    if not text or "\n" in text or text.startswith(("{", "[", '"')):
        return
    try:
        json.loads(text)
    except ValueError:
        pass
    else:
        return  # a JSON scalar (a number, true, null): the caller says it is not an object
    path = Path(text).expanduser()
    if path.is_dir():
        raise CliError(f"{option}: {text}: is a directory, not a policy file")
    raise CliError(f"{option}: {text}: no such file (give the JSON inline, as file://PATH, as an existing "
                   "PATH, or - for stdin)")


def read_json_argument(value: str, option: str) -> Any:
    """A JSON value given inline, as ``file://path`` (like the AWS CLI), as a path, or ``-`` (stdin). A key
    given twice in one object is an error naming the line, column and JSON path (JSON parsers would keep
    the last one silently)."""
    text: str
    source = option
    if value == "-":
        text = sys.stdin.read()
        source = f"{option} (stdin)"
    elif value.startswith("file://") or value.startswith("fileb://"):
        path = Path(value.split("://", 1)[1]).expanduser()
        text = _read(path, option)
        source = str(path)
    elif not value.lstrip().startswith(("{", "[")) and Path(value).expanduser().is_file():
        path = Path(value).expanduser()
        text = _read(path, option)
        source = str(path)
    else:
        _check_not_a_missing_path(value, option)
        text = value
    from least_privilege_constructs.analysis.extract.loader import LoadError, parse_text

    try:
        return parse_text(text, source, "json")
    except LoadError as exc:
        if exc.code == "DUPLICATE_KEY":  # the message names source:line:column and the key's JSON path
            raise CliError(f"{option}: {exc.message}") from None
        where = f"line {exc.line} column {exc.column}: " if exc.line is not None else ""
        detail = exc.message.split(": ", 2)[-1] if exc.line is not None else exc.message
        raise CliError(f"{option}: {source} is not valid JSON ({where}{detail})") from None
    except RecursionError:
        raise CliError(f"{option}: {source} is nested too deep") from None


def _read(path: Path, option: str) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise CliError(f"{option}: {path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise CliError(f"{option}: {path}: not valid UTF-8 (byte {exc.start})") from None
    except OSError as exc:
        raise CliError(f"{option}: {path}: {exc.strerror or exc}") from None


def write_output(text: str, output: str | None) -> None:
    """Write a report to ``output`` (a file; ``-`` or ``None`` is stdout)."""
    if output in (None, "-"):
        try:
            sys.stdout.write(text)
            sys.stdout.flush()
        except BrokenPipeError:  # lpc gate cdk.out | head: the exit code still tells the gate's result
            silence_stdout()
        return
    path = Path(str(output))
    try:
        if path.parent and not path.parent.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        raise CliError(f"--output: cannot write {path}: {exc.strerror or exc}") from None


def silence_stdout() -> None:
    """Point stdout at /dev/null after the reader of a pipe went away, so that Python's final flush does
    not fail again (https://docs.python.org/3/library/signal.html#note-on-sigpipe)."""
    silence(sys.stdout)


def silence(stream: Any) -> None:
    """Point ``stream`` (stdout, stderr) at /dev/null once the reader of its pipe went away."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
    except (OSError, ValueError, AttributeError):  # no real file descriptor (tests capture it)
        pass


def use_color(stream: Any) -> bool:
    return bool(getattr(stream, "isatty", lambda: False)()) and "NO_COLOR" not in os.environ
