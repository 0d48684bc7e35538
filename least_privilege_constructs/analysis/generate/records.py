"""Stream CloudTrail records from files as delivered, without loading a file whole.

Accepted inputs (a file, a directory walked recursively in sorted order, or several of them):

* CloudTrail log files: ``{"Records": [...]}``, gzipped (``.json.gz``) or not. Digest files (under
  ``CloudTrail-Digest/``, named ``..._CloudTrail-Digest_...``, or holding ``digestStartTime``) are skipped.
  Record shape: "CloudTrail record contents for management, data, and network activity events",
  https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html
* ``aws cloudtrail lookup-events`` output: ``{"Events": [{"CloudTrailEvent": "<JSON string>", ...}]}``
  (https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_Event.html).
* CloudTrail Lake ``get-query-results`` output: ``{"QueryResultRows": [[{"eventJson": "..."}], ...]}``
  (a row with an ``eventJson`` column is that event; otherwise its columns form the record).
* JSON Lines: one record (or one ``CloudTrailEvent`` wrapper) per line; a top-level JSON array.

The array is decoded one element at a time (``json.JSONDecoder.raw_decode`` over a sliding buffer), so
memory stays bounded by the largest single record, whatever the file size.

Example::

    >>> import io, json
    >>> text = json.dumps({"Records": [{"eventName": "GetObject"}, {"eventName": "PutObject"}]})
    >>> [r["eventName"] for r in iter_stream(io.StringIO(text), "inline")]
    ['GetObject', 'PutObject']
"""

from __future__ import annotations

import gzip
import io
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from least_privilege_constructs.analysis.generate.errors import GenerateError

CHUNK = 1 << 20
_ARRAY_START = re.compile(r'\A\s*\{\s*"(Records|Events|QueryResultRows)"\s*:\s*\[')
_ARRAY_KEY = re.compile(r'"(Records|Events|QueryResultRows)"\s*:\s*\[')
_WS = " \t\r\n"
_DECODER = json.JSONDecoder()
_SUFFIXES = (".json", ".json.gz", ".jsonl", ".jsonl.gz", ".gz", ".ndjson")

#: ``progress(bytes_done, bytes_total, label)``
Progress = Callable[[int, int, str], None]


def is_digest(path: Path) -> bool:
    """Whether ``path`` is a CloudTrail digest file (never holds records)."""
    return "CloudTrail-Digest" in path.as_posix()


def input_files(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """The record files of ``paths`` (files as given; directories walked, sorted, digest files and
    files with other suffixes left out). A path that does not exist raises ``LPC-GEN-001``."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for root, dirs, files in os.walk(p):
                dirs.sort()
                for name in sorted(files):
                    f = Path(root) / name
                    if name.lower().endswith(_SUFFIXES) and not is_digest(f):
                        out.append(f)
        elif p.is_file():
            if not is_digest(p):
                out.append(p)
        else:
            raise GenerateError("LPC-GEN-001", str(p), "no such file or directory")
    return out


def _unwrap(item: Any, where: str = "<records>") -> Any:
    """A LookupEvents / Lake wrapper -> the CloudTrail record it carries (the record itself otherwise).
    An embedded event that is not JSON is ``LPC-GEN-002`` naming the file (never an internal error)."""
    if isinstance(item, dict):
        for key in ("CloudTrailEvent", "eventJson", "EventJson"):
            inner = item.get(key)
            if isinstance(inner, str):
                try:
                    return json.loads(inner)
                except json.JSONDecodeError as exc:
                    event = item.get("EventId") or item.get("eventID")
                    raise GenerateError("LPC-GEN-002", where, f"the {key} of event {event!r} is not JSON: {exc.msg} "
                                        f"at character {exc.pos}") from None
        return item
    if isinstance(item, list):  # a Lake row: [{"column": value}, ...]
        row: dict[str, Any] = {}
        for cell in item:
            if isinstance(cell, dict):
                row.update(cell)
        return _unwrap(row, where) if row else None
    return None


def iter_stream(stream: IO[str], where: str) -> Iterator[dict[str, Any]]:
    """The records of one text stream (see the module docstring for the accepted shapes)."""
    buf = stream.read(CHUNK)
    while buf and len(buf) < 4096:  # enough of the head to recognize the shape
        more = stream.read(CHUNK)
        if not more:
            break
        buf += more
    eof = not buf
    if buf.startswith("\ufeff"):
        buf = buf[1:]
    m = _ARRAY_START.match(buf)
    if m is None:
        stripped = buf.lstrip(_WS)
        if stripped.startswith("["):
            pos = len(buf) - len(stripped) + 1
        elif stripped.startswith("{") and '"digestStartTime"' in buf[:4096]:
            return  # a digest file under another name
        elif stripped.startswith("{") and _is_json_line(stripped):
            yield from _iter_lines(buf, stream, where)
            return
        elif stripped.startswith("{") and (later := _ARRAY_KEY.search(buf)) is not None:
            pos = later.end()  # the array under a key that is not the first one ({"NextToken": ..., "Events": [)
        elif not stripped and eof:
            return
        else:
            raise GenerateError("LPC-GEN-002", where, "not CloudTrail JSON (expected {\"Records\": [...]}, "
                                "{\"Events\": [...]}, a JSON array or JSON Lines)")
    else:
        pos = m.end()
    offset = 0  # characters dropped from the front of buf
    while True:
        while True:  # skip separators
            while pos < len(buf) and (buf[pos] in _WS or buf[pos] == ","):
                pos += 1
            if pos < len(buf) or eof:
                break
            buf, pos, offset, eof = _refill(buf, pos, offset, stream)
        if pos >= len(buf):
            raise GenerateError("LPC-GEN-002", where, "the record array is not closed (truncated file?)")
        if buf[pos] == "]":
            return
        try:
            item, end = _DECODER.raw_decode(buf, pos)
        except json.JSONDecodeError as exc:
            if eof:
                raise GenerateError("LPC-GEN-002", where,
                                    f"invalid JSON at character {offset + exc.pos}: {exc.msg}") from None
            buf, pos, offset, eof = _refill(buf, pos, offset, stream)
            continue
        pos = end
        record = _unwrap(item, where)
        if isinstance(record, dict):
            yield record


def _is_json_line(text: str) -> bool:
    """Whether the first line of ``text`` is a whole JSON value (JSON Lines), not the start of a document."""
    line = text.split("\n", 1)[0]
    try:
        json.loads(line)
    except json.JSONDecodeError:
        return False
    return True


def _refill(buf: str, pos: int, offset: int, stream: IO[str]) -> tuple[str, int, int, bool]:
    chunk = stream.read(CHUNK)
    return buf[pos:] + chunk, 0, offset + pos, not chunk


def _iter_lines(head: str, stream: IO[str], where: str) -> Iterator[dict[str, Any]]:
    lines = io.StringIO(head).readlines()
    rest = lines.pop() if lines and not lines[-1].endswith("\n") else ""
    number = 0

    def parse(line: str) -> list[dict[str, Any]]:
        if not line.strip():
            return []
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise GenerateError("LPC-GEN-002", f"{where}:{number}", f"invalid JSON Lines record: {exc.msg}") from None
        items = [value]
        if isinstance(value, dict):  # a whole document on one line ({"NextToken": ..., "Events": [...]})
            for key in ("Records", "Events", "QueryResultRows"):
                if isinstance(value.get(key), list):
                    items = value[key]
                    break
        return [r for r in (_unwrap(i, f"{where}:{number}") for i in items) if isinstance(r, dict)]

    for line in lines:
        number += 1
        yield from parse(line)
    for line in stream:
        if rest:
            line, rest = rest + line, ""
        number += 1
        yield from parse(line)
    if rest:
        number += 1
        yield from parse(rest)


@dataclass
class _Counter:
    done: int = 0


def iter_records(
    paths: Iterable[str | os.PathLike[str]], progress: Progress | None = None
) -> Iterator[tuple[Path, dict[str, Any]]]:
    """``(file, record)`` for every record of every input file, streamed in a deterministic order."""
    files = input_files(paths)
    total = sum(f.stat().st_size for f in files)
    counter = _Counter()
    for f in files:
        try:
            raw: IO[bytes] = open(f, "rb")
        except OSError as exc:
            raise GenerateError("LPC-GEN-001", str(f), exc.strerror or str(exc)) from None
        with raw:
            magic = raw.read(2)
            raw.seek(0)
            binary: IO[bytes] = gzip.GzipFile(fileobj=raw) if magic == b"\x1f\x8b" else raw  # type: ignore[assignment]
            text = io.TextIOWrapper(binary, encoding="utf-8-sig", errors="strict")
            base = counter.done
            try:
                for n, record in enumerate(iter_stream(text, str(f))):
                    if progress is not None and n % 2048 == 0:
                        progress(base + raw.tell(), total, f.name)
                    yield f, record
            except (OSError, EOFError, UnicodeDecodeError) as exc:
                raise GenerateError("LPC-GEN-002", str(f), f"cannot read: {exc}") from None
            counter.done = base + f.stat().st_size
            if progress is not None:
                progress(counter.done, total, f.name)
