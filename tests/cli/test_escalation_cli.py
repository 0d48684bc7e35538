"""``lpc escalation``: report formats, path ids, exit codes, context inputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from least_privilege_constructs.cli.main import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "escalation"


def test_path_found_exits_2_and_names_the_id(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["escalation", str(FIXTURES / "b6.json")]) == 2
    out = capsys.readouterr()
    assert "B6" in out.out and "DeveloperRole" in out.out
    assert "1 escalation paths" in out.err


def test_json_report_carries_the_id_and_the_path(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["escalation", str(FIXTURES / "b8.json"), "--format", "json"]) == 2
    report = json.loads(capsys.readouterr().out)
    (finding,) = report["BlockingFindings"]
    text = json.dumps(finding)
    assert '"B8"' in text and "iam:PassRole" in text and "DeveloperRole" in text


def test_clean_design_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["escalation", str(FIXTURES / "base.json")]) == 0
    assert "No findings" in capsys.readouterr().out


@pytest.mark.parametrize("fmt", ["sarif", "junit"])
def test_other_formats(fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / f"report.{fmt}"
    assert main(["escalation", str(FIXTURES / "b10.json"), "--format", fmt, "--output", str(out)]) == 2
    assert "B10" in out.read_text()


def test_account_flag_and_ignore(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["escalation", str(FIXTURES / "iam-user-guide-delegation.json"), "--account", "111122223333",
            "--format", "json"]
    assert main(args) == 2
    codes = {f["issueCode"] for f in json.loads(capsys.readouterr().out)["BlockingFindings"]}
    assert "B10" in codes
    assert main([*args, "--ignore-finding", "Zhang"]) == 0


def test_context_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    context = tmp_path / "context.json"
    context.write_text(json.dumps({"bootstrapRolesBounded": True, "assumeUnknownRolesPrivileged": False}))
    # b11: the only privileged role the developer could assume is a bootstrap role
    assert main(["escalation", str(FIXTURES / "b11.json")]) == 2
    assert main(["escalation", str(FIXTURES / "b11.json"), "--context", str(context)]) == 0


def test_bad_context_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    context = tmp_path / "context.json"
    context.write_text(json.dumps({"adminRoles": []}))
    assert main(["escalation", str(FIXTURES / "base.json"), "--context", str(context)]) == 1
    assert "unknown escalation context setting" in capsys.readouterr().err


def test_scp_flag_closes_a_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scp = tmp_path / "scp.json"
    scp.write_text(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": ["iam:AttachRolePolicy", "iam:PutRolePolicy"], "Resource": "*"}]}))
    assert main(["escalation", str(FIXTURES / "b6.json"), "--scp", str(scp)]) == 0


def test_missing_input_fails_closed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.json"
    assert main(["escalation", str(missing), "--format", "json"]) == 2
    report = json.loads(capsys.readouterr().out)
    assert any("nope.json" in json.dumps(f) for f in report["BlockingFindings"])
