"""The 300-role app of benchmarks/bench_gate_overhead.py, synthesized once per session (the HTML report's
scale case)."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, _shared_dir

BENCH = ROOT / "benchmarks" / "bench_gate_overhead.py"
_SYNTH = (
    "import importlib.util, sys\n"
    "spec = importlib.util.spec_from_file_location('bench_gate_overhead', sys.argv[1])\n"
    "module = importlib.util.module_from_spec(spec)\n"
    "spec.loader.exec_module(module)\n"
    "module.build(int(sys.argv[3]), 6, sys.argv[2], None).synth()\n"
)


@pytest.fixture(scope="session")
def bench_cdk_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The benchmark's app with 300 roles over 6 stacks and the boundary enforced (no plugin: the test runs
    the gate itself), synthesized in a subprocess (the benchmark module sets CDK_VALIDATION on import)."""
    shared = _shared_dir(tmp_path_factory)
    out = shared / "bench300-cdk.out"
    with open(shared / "bench300-cdk.out.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        if not (out / "manifest.json").exists():
            env = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
            proc = subprocess.run([sys.executable, "-c", _SYNTH, str(BENCH), str(out), "300"], cwd=ROOT, env=env,
                                  capture_output=True, text=True)
            if proc.returncode != 0:
                raise RuntimeError(f"300-role app synth failed:\n{proc.stdout}\n{proc.stderr}")
        fcntl.flock(fh, fcntl.LOCK_UN)
    return out
