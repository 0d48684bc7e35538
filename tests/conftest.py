"""Shared fixtures. The sample app is synthesized once per test session (one per xdist run, guarded by a
file lock) and shared by every test that needs a cloud assembly."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("LPC_SHARED_DIR") or ROOT.parent / "shared")
"""The workspace's shared data (``../shared`` beside the project, or ``$LPC_SHARED_DIR``): the AWS managed
policy corpus and the reference tables. A fresh clone has none of it: tests that need it skip with the
reason; CI sets ``LPC_REQUIRE_SHARED=1`` so that there they fail instead of skipping."""
CORPUS = SHARED / "corpus" / "aws-managed-policies"
REFERENCE = SHARED / "reference"


def require_shared(path: Path) -> Path:
    """``path`` (under :data:`SHARED`), or skip the test with the reason (fail when CI requires the data)."""
    if not path.exists():
        message = f"needs {path}: the workspace's shared data (../shared beside the project), present in CI"
        if os.environ.get("LPC_REQUIRE_SHARED") == "1":
            pytest.fail(message + " (LPC_REQUIRE_SHARED=1)")
        pytest.skip(message)
    return path

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")


def _shared_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.getbasetemp()
    # under xdist every worker has its own basetemp below a common parent
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session")
def sample_cdk_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample organization's cloud assembly, synthesized once (offline, guardrails on)."""
    shared = _shared_dir(tmp_path_factory)
    out = shared / "sample-cdk.out"
    lock = shared / "sample-cdk.out.lock"
    with open(lock, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        if not (out / "manifest.json").exists():
            env = {
                **os.environ,
                "CDK_OUTDIR": str(out),
                "LEAST_PRIVILEGE_MODE": "offline",
                "LEAST_PRIVILEGE_CACHE_DIR": str(shared / "lpc-cache"),
                "LEAST_PRIVILEGE_REPORT_PATH": str(shared / "lpc-report.json"),
            }
            proc = subprocess.run(
                [sys.executable, "-m", "sample_app"], cwd=ROOT, env=env, capture_output=True, text=True
            )
            if proc.returncode != 0:
                raise RuntimeError(f"sample app synth failed:\n{proc.stdout}\n{proc.stderr}")
        fcntl.flock(fh, fcntl.LOCK_UN)
    return out


@pytest.fixture(scope="session")
def managed_policies() -> list[dict]:
    """The 1,452 AWS managed policies of the shared corpus (name, version, document)."""
    with open(require_shared(CORPUS / "policies.jsonl"), encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]
