"""Streaming CloudTrail input: log files (gz or not), LookupEvents, Lake results, JSON Lines, digests."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pytest

from least_privilege_constructs.analysis.generate import GenerateError, iter_records
from least_privilege_constructs.analysis.generate import records as records_module
from least_privilege_constructs.analysis.generate.records import input_files, iter_stream

RECORDS = [{"eventName": f"Op{i}", "eventID": str(i), "requestParameters": {"s": "]},{\"x\":["}} for i in range(50)]


def names(items) -> list[str]:  # type: ignore[no-untyped-def]
    return [r["eventName"] for r in items]


def test_records_stream_in_small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(records_module, "CHUNK", 7)
    text = json.dumps({"Records": RECORDS}, indent=2)
    assert names(iter_stream(io.StringIO(text), "t")) == [f"Op{i}" for i in range(50)]


def test_gzip_and_plain_files_and_digest_skipped(tmp_path: Path) -> None:
    logs = tmp_path / "AWSLogs" / "1" / "CloudTrail" / "us-east-1"
    logs.mkdir(parents=True)
    (logs / "a.json.gz").write_bytes(gzip.compress(json.dumps({"Records": RECORDS[:3]}).encode()))
    (logs / "b.json").write_text(json.dumps({"Records": RECORDS[3:5]}))
    (logs / "notes.txt").write_text("not a trail")
    digest = tmp_path / "AWSLogs" / "1" / "CloudTrail-Digest" / "us-east-1"
    digest.mkdir(parents=True)
    (digest / "1_CloudTrail-Digest_x.json.gz").write_bytes(gzip.compress(b'{"digestStartTime": "x"}'))
    assert [f.name for f in input_files([tmp_path])] == ["a.json.gz", "b.json"]
    assert names(r for _f, r in iter_records([tmp_path])) == ["Op0", "Op1", "Op2", "Op3", "Op4"]


def test_lookup_events_lake_rows_json_lines_and_arrays() -> None:
    lookup = {"Events": [{"EventId": "1", "CloudTrailEvent": json.dumps(RECORDS[0])}], "NextToken": "n"}
    assert names(iter_stream(io.StringIO(json.dumps(lookup)), "t")) == ["Op0"]
    lake = {"QueryResultRows": [[{"eventJson": json.dumps(RECORDS[1])}], [{"eventName": "Op9"}, {"eventID": "9"}]]}
    assert names(iter_stream(io.StringIO(json.dumps(lake)), "t")) == ["Op1", "Op9"]
    lines = "\n".join(json.dumps(r) for r in RECORDS[:3]) + "\n\n"
    assert names(iter_stream(io.StringIO(lines), "t")) == ["Op0", "Op1", "Op2"]
    assert names(iter_stream(io.StringIO(json.dumps(RECORDS[:2])), "t")) == ["Op0", "Op1"]
    assert names(iter_stream(io.StringIO("\ufeff" + json.dumps({"Records": RECORDS[:1]})), "t")) == ["Op0"]
    later = json.dumps({"NextToken": "n", "Events": [{"CloudTrailEvent": json.dumps(RECORDS[2])}]}, indent=4)
    assert names(iter_stream(io.StringIO(later), "t")) == ["Op2"]
    one_line = json.dumps({"NextToken": "n", "Events": [{"CloudTrailEvent": json.dumps(r)} for r in RECORDS[:2]]})
    assert names(iter_stream(io.StringIO(one_line), "t")) == ["Op0", "Op1"]


@pytest.mark.parametrize("text, message", [
    ('{"Records": [{"eventName": "A"}, {"eventName": ', "invalid JSON"),
    ('{"Records": [{"eventName": "A"}', "not closed"),
    ("hello", "not CloudTrail JSON"),
    ('{"eventName": "A"}\n{bad\n', "invalid JSON Lines"),
])
def test_bad_input_is_a_coded_error(text: str, message: str) -> None:
    with pytest.raises(GenerateError) as err:
        list(iter_stream(io.StringIO(text), "file.json"))
    assert err.value.code == "LPC-GEN-002" and message in str(err.value) and "file.json" in str(err.value)


def test_missing_path_is_a_coded_error(tmp_path: Path) -> None:
    with pytest.raises(GenerateError) as err:
        list(iter_records([tmp_path / "nope"]))
    assert err.value.code == "LPC-GEN-001"


def test_progress_reports_bytes(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps({"Records": RECORDS}))
    seen: list[tuple[int, int]] = []
    list(iter_records([tmp_path], lambda done, total, _label: seen.append((done, total))))
    size = (tmp_path / "a.json").stat().st_size
    assert seen and seen[-1] == (size, size)
