"""``lpc generate-policy``: outputs, the side report, formats, exit codes and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from least_privilege_constructs.cli.main import main
from tests.data.cloudtrail.make_trail import APP_ROLE, write_trail


@pytest.fixture(scope="module")
def small_trail(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cli-trail")
    write_trail(root, events=400)
    return root


def test_writes_policy_and_report(small_trail: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out, report = tmp_path / "policy.json", tmp_path / "report.json"
    code = main(["generate-policy", str(small_trail), "--role-arn", APP_ROLE, "-o", str(out), "--report", str(report),
                 "--no-progress"])
    assert code == 0
    policy = json.loads(out.read_text())
    data = json.loads(report.read_text())
    # split under the managed-policy size: a JSON array of documents when one does not fit
    docs = policy if isinstance(policy, list) else [policy]
    assert len(docs) == data["policies"] >= 1
    assert all(d["Version"] == "2012-10-17" and d["Statement"] for d in docs)
    assert all(len(json.dumps(d, separators=(",", ":"))) <= 6144 for d in docs)
    assert set(data["statements"]) == {s["Sid"] for d in docs for s in d["Statement"]}
    assert data["missing"] and data["counts"]["allowed"] > 300
    err = capsys.readouterr().err
    assert err.startswith("lpc: ") and f"statements in {len(docs)} polic" in err and "denied -> missing" in err


def test_same_input_same_bytes(small_trail: Path, tmp_path: Path) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    for out in (a, b):
        assert main(["generate-policy", str(small_trail), "--principal", APP_ROLE, "-o", str(out)]) == 0
    assert a.read_bytes() == b.read_bytes()


@pytest.mark.parametrize("fmt, marker", [("cdk", "iam.PolicyStatement("), ("template", "audience: application")])
def test_formats(small_trail: Path, capsys: pytest.CaptureFixture[str], fmt: str, marker: str) -> None:
    assert main(["generate-policy", str(small_trail), "--principal", APP_ROLE, "--format", fmt]) == 0
    assert marker in capsys.readouterr().out


@pytest.mark.parametrize("args, message", [
    ([], "give --principal"),
    (["--principal", APP_ROLE, "--start-time", "noon"], "[LPC-GEN-006]"),
    (["--principal", "not-an-arn"], "[LPC-GEN-003]"),
    (["--principal", APP_ROLE, "--template-id", "Bad Id", "--format", "template"], "--template-id"),
])
def test_errors_are_one_line_exit_1(small_trail: Path, capsys: pytest.CaptureFixture[str], args: list[str],
                                    message: str) -> None:
    assert main(["generate-policy", str(small_trail), *args]) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and err.startswith("lpc")


def test_missing_input_path(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["generate-policy", str(tmp_path / "nope"), "--principal", APP_ROLE]) == 1
    assert "[LPC-GEN-001]" in capsys.readouterr().err
