"""``lpc report``: the HTML page from a cdk.out or from a JSON report the gate wrote; bad input is a clear
error (exit 1, no traceback). ``lpc gate`` writes the page beside its JSON report unless told not to."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from least_privilege_constructs.cli.main import main


def test_given_a_gate_json_report_when_reported_then_the_page_shows_its_findings(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "gate.json"
    source.write_text(json.dumps({"cdkOut": "cdk.out", "findings": [
        {"findingType": "ERROR", "issueCode": "B1", "message": "escalates", "check": "escalation",
         "origin": {"construct_path": "App/Dev/Resource"}}], "acknowledged": []}))
    assert main(["report", str(source), "--html", str(tmp_path / "out" / "r.html")]) == 0
    page = (tmp_path / "out" / "r.html").read_text()
    assert 'data-finding="0"' in page and "App/Dev/Resource" in page
    assert "no principal inventory" in capsys.readouterr().err


@pytest.mark.parametrize(("content", "expected"), [
    ('{"findings": [}', "gate.json:1:15: not JSON"),
    ('{"checks": {}}', "gate.json: not a report of the gate"),
    ("[1, 2]", "gate.json: not a report of the gate"),
])
def test_given_a_bad_report_file_when_reported_then_a_clear_error_names_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, expected: str) -> None:
    source = tmp_path / "gate.json"
    source.write_text(content)
    assert main(["report", str(source), "--html", str(tmp_path / "r.html")]) == 1
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err
    assert not (tmp_path / "r.html").exists()


def test_given_a_directory_that_is_no_assembly_when_reported_then_a_clear_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(tmp_path), "--html", str(tmp_path / "r.html")]) == 1
    err = capsys.readouterr().err
    assert "not a cloud assembly" in err and "Traceback" not in err


@pytest.mark.parametrize(("flags", "written"), [([], True), (["--no-html-report"], False)])
def test_given_lpc_gate_when_it_writes_its_json_report_then_the_page_is_beside_it_unless_turned_off(
        cdk_app_out: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, flags: list[str], written: bool) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LEAST_PRIVILEGE_REPORT_PATH", str(tmp_path / "reports" / "gate.json"))
    stale = tmp_path / "reports" / "gate.html"
    stale.parent.mkdir()
    stale.write_text("stale")
    main(["gate", str(cdk_app_out), "--mode", "offline", "--no-boundary-enforcement", *flags])
    report = json.loads((tmp_path / "reports" / "gate.json").read_text())
    assert stale.exists() is written
    if written:
        page = stale.read_text()
        assert page.count("data-principal=") == len(report["inventory"]["principals"]) > 0
        assert page.count("data-finding=") == len(report["findings"])
