"""Benchmark: ``lpc generate-policy`` over 1 GB of gzipped CloudTrail records (target: peak RSS <= 500 MB).

Writes the input on the fly under a temporary directory (deleted afterwards unless ``--keep``): ``--distinct``
different trails of the fixture generator (``tests/data/cloudtrail/make_trail.py``, 20,000 records each,
different seeds), each delivered as a CloudTrail ``.json.gz`` log file, then hard links of them (copies
where links are not possible) under further names until the gzipped total reaches ``--gigabytes``. Runs the
CLI end to end in a child process and reports its wall time and peak RSS (``getrusage`` of the child), then
writes ``benchmarks/results/generate.json``.

    .venv/bin/python benchmarks/bench_generate.py [--gigabytes 1.0] [--distinct 24] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.data.cloudtrail.make_trail import ACCOUNT, APP_ROLE, gzip_bytes, records  # noqa: E402

PER_FILE = 20000


def write_input(root: Path, gigabytes: float, distinct: int) -> tuple[int, int, int]:
    """Write the input; returns (files, gzipped bytes, records)."""
    folder = root / "AWSLogs" / ACCOUNT / "CloudTrail" / "us-east-1" / "2026" / "01" / "05"
    folder.mkdir(parents=True)
    chunks: list[tuple[Path, int]] = []
    for seed in range(distinct):
        body = json.dumps({"Records": list(records(seed + 1000, PER_FILE))}, separators=(",", ":")).encode()
        path = folder / f"{ACCOUNT}_CloudTrail_us-east-1_20260105T0000Z_s{seed:03d}c000.json.gz"
        path.write_bytes(gzip_bytes(body))
        chunks.append((path, PER_FILE + 1))
    target = int(gigabytes * 1024**3)
    total = sum(p.stat().st_size for p, _n in chunks)
    files, count = len(chunks), sum(n for _p, n in chunks)
    copy = 1
    while total < target:
        for path, n in chunks:
            if total >= target:
                break
            dest = path.with_name(path.name.replace("c000", f"c{copy:03d}"))
            try:
                os.link(path, dest)
            except OSError:
                shutil.copyfile(path, dest)
            total += path.stat().st_size
            files += 1
            count += n
        copy += 1
    return files, total, count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gigabytes", type=float, default=1.0)
    parser.add_argument("--distinct", type=int, default=24)
    parser.add_argument("--keep", type=Path, default=None, help="write the input here and keep it")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="lpc-bench-generate-"))
    try:
        t0 = time.perf_counter()
        files, size, count = write_input(root, args.gigabytes, args.distinct)
        t_write = time.perf_counter() - t0
        out = root / "out"
        cmd = [sys.executable, "-m", "least_privilege_constructs.cli", "generate-policy", str(root / "AWSLogs"),
               "--principal", APP_ROLE, "-o", str(out / "policy.json"), "--report", str(out / "report.json"),
               "--no-progress"]
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        t1 = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - t1
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr)
            return 1
        peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # kilobytes on Linux
        report = json.loads((out / "report.json").read_text())
        result = {
            "benchmark": "generate-policy over gzipped CloudTrail records",
            "input_gzipped_bytes": size,
            "input_gzipped_gib": round(size / 1024**3, 3),
            "input_files": files,
            "distinct_files": args.distinct,
            "records": report["counts"]["records"],
            "records_expected": count,
            "allowed_calls": report["counts"].get("allowed", 0),
            "statements": sum(1 for _ in report["statements"]),
            "policies": report["policies"],
            "wall_seconds": round(wall, 1),
            "records_per_second": round(report["counts"]["records"] / wall),
            "gzipped_mib_per_second": round(size / 1024**2 / wall, 2),
            "peak_rss_mib": round(peak_kb / 1024, 1),
            "peak_rss_limit_mib": 500,
            "input_write_seconds": round(t_write, 1),
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
        }
        print(json.dumps(result, indent=2))
        results = ROOT / "benchmarks" / "results"
        results.mkdir(exist_ok=True)
        (results / "generate.json").write_text(json.dumps(result, indent=2) + "\n")
        return 0 if result["peak_rss_mib"] <= 500 else 2
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
