"""Benchmark: ``lpc generate-policy`` over 1 GB of gzipped CloudTrail records (target: peak RSS <= 500 MB).

Writes the input on the fly, streamed (one log file in memory at a time), under a temporary directory
(deleted afterwards unless ``--keep``): a pool of ``--pool`` records of the fixture generator
(``tests/data/cloudtrail/make_trail.py``, several seeds), then log files of ``--per-file`` records each
until the gzipped total reaches ``--gigabytes``. Every record written is distinct: its ``eventID`` and
``requestID`` are new (file and record number), its day moves with the file, and the S3 keys and SSM
parameter paths it touches move into one of ``--variants`` prefixes (request, response and ``resources[]``
alike, so each record stays coherent). No file is a copy or a link of another. Runs the CLI end to end in
a child process and reports its wall time and peak RSS (``getrusage`` of the child), then writes
``benchmarks/results/generate.json``.

    .venv/bin/python benchmarks/bench_generate.py [--gigabytes 1.0] [--per-file 20000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import gzip
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

from tests.data.cloudtrail.make_trail import ACCOUNT, APP_ROLE, records  # noqa: E402

_ID = "@@EVENTID@@"
_REQ = "@@REQUESTID@@"
_DAY = "2026-01-05T"


def record_pool(size: int, seeds: int = 4) -> list[str]:
    """Serialized records with the per-record fields replaced by markers."""
    pool: list[str] = []
    for seed in range(seeds):
        for r in records(seed + 1000, size // seeds):
            if "eventID" in r:
                r["eventID"] = _ID
            if "requestID" in r:
                r["requestID"] = _REQ
            pool.append(json.dumps(r, separators=(",", ":")))
    return pool


def variant(text: str, file_no: int, rec_no: int, variants: int) -> str:
    """One distinct record of ``text``: new ids, the file's day, the file's resource prefix."""
    v = file_no % variants
    day = f"2026-{1 + (file_no // 28) % 12:02d}-{1 + file_no % 28:02d}T"
    return (text.replace(_ID, f"{file_no:08x}-{rec_no:04x}-4000-8000-{file_no * 100003 + rec_no:012x}")
            .replace(_REQ, f"{rec_no:08x}-{file_no:04x}-4000-9000-{rec_no * 7919 + file_no:012x}")
            .replace(_DAY, day)
            .replace("orders/", f"orders/v{v:03d}/"))


def write_input(root: Path, gigabytes: float, per_file: int, pool_size: int, variants: int) -> tuple[int, int, int]:
    """Write the input, one file at a time; returns (files, gzipped bytes, records)."""
    pool = record_pool(pool_size)
    target = int(gigabytes * 1024**3)
    total = files = count = 0
    start = 0
    while total < target:
        day = variant(_DAY, files, 0, variants)[:-1].replace("-", "/")
        folder = root / "AWSLogs" / ACCOUNT / "CloudTrail" / "us-east-1" / day
        folder.mkdir(parents=True, exist_ok=True)
        chunk = [pool[(start + k) % len(pool)] for k in range(per_file)]
        start = (start + per_file) % len(pool)
        body = '{"Records":[' + ",".join(variant(t, files, k, variants) for k, t in enumerate(chunk)) + "]}"
        path = folder / f"{ACCOUNT}_CloudTrail_us-east-1_{day.replace('/', '')}T0000Z_f{files:05d}.json.gz"
        data = gzip.compress(body.encode(), compresslevel=6, mtime=0)
        path.write_bytes(data)
        total += len(data)
        files += 1
        count += per_file
    return files, total, count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gigabytes", type=float, default=1.0)
    parser.add_argument("--per-file", type=int, default=20000)
    parser.add_argument("--pool", type=int, default=40000, help="records of the fixture generator to vary")
    parser.add_argument("--variants", type=int, default=997, help="resource prefixes the records move into")
    parser.add_argument("--timeout", type=float, default=None, help="seconds the CLI may run")
    parser.add_argument("--keep", type=Path, default=None, help="write the input here and keep it")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="lpc-bench-generate-"))
    try:
        t0 = time.perf_counter()
        files, size, count = write_input(root, args.gigabytes, args.per_file, args.pool, args.variants)
        t_write = time.perf_counter() - t0
        out = root / "out"
        cmd = [sys.executable, "-m", "least_privilege_constructs.cli", "generate-policy", str(root / "AWSLogs"),
               "--principal", APP_ROLE, "-o", str(out / "policy.json"), "--report", str(out / "report.json"),
               "--no-progress"]
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        t1 = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=args.timeout)
        wall = time.perf_counter() - t1
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr)
            return 1
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        peak_kb = usage.ru_maxrss  # kilobytes on Linux
        report = json.loads((out / "report.json").read_text())
        result = {
            "benchmark": "generate-policy over gzipped CloudTrail records",
            "input_gzipped_bytes": size,
            "input_gzipped_gib": round(size / 1024**3, 3),
            "input_files": files,
            "distinct_files": files,
            "distinct_records": "every record (new eventID/requestID per record; day and resource prefix per file)",
            "record_pool": args.pool,
            "resource_variants": args.variants,
            "folded_grants": len(report["folded"]),
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
            "cli_cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
            "load_average_1m_after": round(os.getloadavg()[0], 2),
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
