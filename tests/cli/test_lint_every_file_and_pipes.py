"""``lpc templates lint`` reports every bad file (not only the first), and ``lpc ... | head`` ends quietly."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _lpc(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "least_privilege_constructs.cli.main", *args], cwd=cwd,
                          capture_output=True, text=True)


def test_lint_reports_every_bad_file(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "a.yaml").write_text("id: [unclosed\n")
    (repo / "b.yaml").write_text("{not: yaml: at all\n")
    proc = _lpc(tmp_path, "templates", "lint", "--no-builtin", "--repository", str(repo), "--format", "json")
    assert proc.returncode == 2, proc.stderr
    report = json.loads(proc.stdout)
    assert sorted(e["source"] for e in report["errors"]) == ["repo:a.yaml", "repo:b.yaml"]
    assert report["failed"] == 2


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    # `lpc templates list | true`: the reader is gone before lpc writes
    proc = subprocess.run(f"{sys.executable} -m least_privilege_constructs.cli.main templates list | true",
                          shell=True, cwd=ROOT, capture_output=True, text=True, executable="/bin/bash")
    assert proc.returncode == 0
    assert "Broken pipe" not in proc.stderr and "Traceback" not in proc.stderr and "Exception" not in proc.stderr
    piped = subprocess.run(
        f"set -o pipefail; {sys.executable} -m least_privilege_constructs.cli.main templates list | true",
        shell=True, cwd=ROOT, capture_output=True, text=True, executable="/bin/bash")
    assert piped.returncode == 0 and piped.stderr == ""


def test_a_reader_that_goes_away_never_turns_a_failing_gate_into_a_pass(cdk_app_out: Path, tmp_path: Path) -> None:
    # given an assembly the gate fails (exit 2) and a reader of its merged output that stops after one line
    gate = f"{sys.executable} -m least_privilege_constructs.cli.main gate {cdk_app_out} -o {tmp_path / 'r.json'}"
    env = "LEAST_PRIVILEGE_MODE=offline AWS_EC2_METADATA_DISABLED=true"
    alone = subprocess.run(f"{env} {gate} >/dev/null 2>&1", shell=True, cwd=tmp_path, executable="/bin/bash")
    assert alone.returncode == 2
    # when stderr (progress and summary lines) and stdout go to `head -1` or to a reader that never reads
    for reader in ("head -1", "true"):
        piped = subprocess.run(f"set -o pipefail; {env} {gate} 2>&1 | {reader} >/dev/null", shell=True, cwd=tmp_path,
                               capture_output=True, text=True, executable="/bin/bash")
        # then the gate still runs to its verdict: exit 2, quietly (before: 0, the failing gate passed)
        assert piped.returncode == 2, (reader, piped.stderr)
        assert "Broken pipe" not in piped.stderr and "Traceback" not in piped.stderr
