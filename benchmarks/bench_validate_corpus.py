"""Benchmark: offline validate_policy vs parliament on the 1,452 AWS managed policies, in one process.

Reports throughput (policies/second, best of ``--repeat`` timed passes after a warm-up), peak traced
memory (tracemalloc, separate pass) and agreement with IAM Access Analyzer on the 698 dev policies:
per issue code over (policy, issueCode) pairs for validate_policy (every code it emits, nothing excluded),
over the parliament issues that map to an Access Analyzer code for parliament, and at policy level (any
finding vs none) for both. False blocking findings (false positives of type ERROR or SECURITY_WARNING, which
fail a valid synth) are counted separately, and the IAM catalog snapshot that answered is recorded.

Run::

    .venv/bin/python benchmarks/bench_validate_corpus.py [--repeat 3] [--corpus ../shared/corpus/aws-managed-policies]

Prints a table and writes benchmarks/results/validate_corpus.json.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from least_privilege_constructs.analysis.catalog import get_catalog  # noqa: E402
from least_privilege_constructs.analysis.validate import validate_policy  # noqa: E402
from least_privilege_constructs.analysis.validate.agreement import compare  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "aws-managed-policies"
RESULTS = ROOT / "benchmarks" / "results" / "validate_corpus.json"

PARLIAMENT_TO_ACCESS_ANALYZER = {
    "UNKNOWN_ACTION": "INVALID_ACTION",
    "UNKNOWN_PREFIX": "INVALID_SERVICE_IN_ACTION",
    "MALFORMED_JSON": "JSON_SYNTAX_ERROR",
    "MISMATCHED_TYPE": "TYPE_MISMATCH",
    "UNKNOWN_OPERATOR": "INVALID_CONDITION_OPERATOR",
    "UNKNOWN_PRINCIPAL": "INVALID_PRINCIPAL_FORMAT",
    "BAD_PATTERN_FOR_MFA": "TYPE_MISMATCH_BOOLEAN",
}
"""Parliament issues with an Access Analyzer equivalent (the others have none and count only at policy level)."""


def _load(corpus: Path) -> tuple[list[tuple[str, str]], dict[str, list[dict[str, Any]]]]:
    with open(corpus / "policies.jsonl", encoding="utf-8") as fh:
        policies = [(r["name"], json.dumps(r["document"])) for r in map(json.loads, filter(str.strip, fh))]
    with open(corpus / "access-analyzer-findings.dev.jsonl", encoding="utf-8") as fh:
        dev = {r["name"]: r["findings"] for r in map(json.loads, filter(str.strip, fh))}
    return policies, dev


def _throughput(runs: list[Callable[[str], object]], texts: list[str], repeat: int) -> list[float]:
    """Policies/second of each runner: best of ``repeat`` passes, the runners interleaved pass by pass so
    that load from other processes affects them alike."""
    for run in runs:
        for text in texts:  # warm-up pass: catalog files, caches
            run(text)
    best = [float("inf")] * len(runs)
    for _ in range(repeat):
        for i, run in enumerate(runs):
            gc.collect()
            start = time.perf_counter()
            for text in texts:
                run(text)
            best[i] = min(best[i], time.perf_counter() - start)
    return [len(texts) / b for b in best]


def _peak_memory(run: Callable[[str], object], texts: list[str]) -> int:
    gc.collect()
    tracemalloc.start()
    for text in texts:
        run(text)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def _policy_level(expected: dict[str, list[Any]], flagged: dict[str, bool]) -> dict[str, float]:
    tp = sum(1 for n, f in expected.items() if f and flagged.get(n))
    fp = sum(1 for n, f in expected.items() if not f and flagged.get(n))
    fn = sum(1 for n, f in expected.items() if f and not flagged.get(n))
    return {
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "precision": round(tp / (tp + fp), 4) if tp + fp else 1.0,
        "recall": round(tp / (tp + fn), 4) if tp + fn else 1.0,
    }


def _ensure_pkg_resources() -> None:
    """parliament 1.6 imports pkg_resources, which setuptools >= 81 no longer ships; provide the one function
    it uses (resource_filename) from importlib.resources when it is missing."""
    try:
        import pkg_resources  # noqa: F401
    except ModuleNotFoundError:
        import importlib.resources
        import types

        shim = types.ModuleType("pkg_resources")

        def resource_filename(package: str, name: str) -> str:
            return str(importlib.resources.files(package) / name)

        shim.resource_filename = resource_filename  # type: ignore[attr-defined]
        sys.modules["pkg_resources"] = shim


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    _ensure_pkg_resources()
    import parliament  # dev dependency; imported here so the module imports without it

    policies, dev = _load(args.corpus)
    texts = [t for _, t in policies]
    by_name = dict(policies)

    def ours(text: str) -> object:
        return validate_policy(text, "IDENTITY_POLICY")

    crashed: set[str] = set()

    def theirs(text: str) -> list[Any]:
        try:
            return list(parliament.analyze_policy_string(text).findings)
        except Exception:  # parliament raises on some valid policies (e.g. ArrayOfARN keys); count them
            crashed.add(text)
            return []

    ours_rate, theirs_rate = _throughput([ours, theirs], texts, args.repeat)
    ours_peak = _peak_memory(ours, texts)
    theirs_peak = _peak_memory(theirs, texts)
    max_rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    ours_dev = {n: validate_policy(by_name[n], "IDENTITY_POLICY") for n in dev}
    ours_report = compare(dev, ours_dev)
    theirs_raw = {n: theirs(by_name[n]) for n in dev}
    theirs_dev = {
        n: [
            {"issueCode": PARLIAMENT_TO_ACCESS_ANALYZER[f.issue], "paths": []}
            for f in fs
            if f.issue in PARLIAMENT_TO_ACCESS_ANALYZER
        ]
        for n, fs in theirs_raw.items()
    }
    theirs_report = compare(dev, theirs_dev)

    results: dict[str, Any] = {
        "corpus_policies": len(texts),
        "dev_policies": len(dev),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "catalog": get_catalog().describe(),
        "validate_policy": {
            "policies_per_second": round(ours_rate, 1),
            "peak_traced_memory_bytes": ours_peak,
            "agreement": ours_report.to_dict(),
            "policy_level": _policy_level(dev, {n: bool(fs) for n, fs in ours_dev.items()}),
        },
        "parliament": {
            "version": getattr(parliament, "__version__", "unknown"),
            "policies_per_second": round(theirs_rate, 1),
            "peak_traced_memory_bytes": theirs_peak,
            "agreement_mapped_codes": {
                k: v for k, v in theirs_report.to_dict().items() if k in ("overall", "per_code")
            },
            "policy_level": _policy_level(dev, {n: bool(fs) for n, fs in theirs_raw.items()}),
            "policies_it_raised_on": len(crashed),
        },
        "speedup": round(ours_rate / theirs_rate, 2),
        "max_rss_kib_whole_process": max_rss_kib,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")

    o, t = results["validate_policy"], results["parliament"]
    oa, ta = ours_report.overall, theirs_report.overall
    print(
        f"{len(texts)} AWS managed policies; agreement on {len(dev)} dev policies with Access Analyzer findings\n"
    )
    print(
        f"{'tool':18} {'policies/s':>11} {'peak MiB':>9} {'code prec':>10} {'code recall':>12} {'policy prec':>12} {'policy recall':>14}"
    )
    print(
        f"{'validate_policy':18} {o['policies_per_second']:11.1f} {ours_peak / 2**20:9.1f} {oa.precision:10.3f} "
        f"{oa.recall:12.3f} {o['policy_level']['precision']:12.3f} {o['policy_level']['recall']:14.3f}"
    )
    print(
        f"{'parliament':18} {t['policies_per_second']:11.1f} {theirs_peak / 2**20:9.1f} {ta.precision:10.3f} "
        f"{ta.recall:12.3f} {t['policy_level']['precision']:12.3f} {t['policy_level']['recall']:14.3f}"
    )
    agreement = results["validate_policy"]["agreement"]
    print(
        f"validate_policy false blocking (ERROR / SECURITY_WARNING) findings: "
        f"{agreement['false_blocking_findings']} on {agreement['false_blocking_policies']} policies"
    )
    print(f"IAM catalog: {results['catalog']}")
    print(f"\nspeed-up: {results['speedup']}x   (max RSS of the process: {max_rss_kib / 1024:.0f} MiB)")
    print(f"parliament raised an exception on {len(crashed)} policies (counted as no findings)")
    print("\nvalidate_policy per issue code:\n" + ours_report.table())
    print(f"\nwritten to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
