"""Benchmark of the offline custom policy checks on the AWS managed policy corpus.

For every managed policy P of ``../shared/corpus/aws-managed-policies/policies.jsonl``:

* ``check_no_new_access(P, P)`` — must PASS;
* ``check_no_new_access(P + one extra action, P)`` — must FAIL, naming the added statement. The extra
  action is a catalog action P neither allows nor denies (chosen deterministically); policies that
  already allow every action (``AdministratorAccess``-like) have none and are counted apart;
* with ``--smt-identical``, also ``check_no_new_access(P, P, fast_path=False)``: every Allow statement
  goes to the solver (the fallback the syntactic fast path skips);
* ``check_access_not_granted(P, [that extra action])`` — must PASS (P neither allows nor denies it), and
  ``check_access_not_granted(P, [an action P allows unconditionally on "*"])`` — must FAIL, when P has
  such an Allow (``access_granted``).

Prints median / p99 / max time per check and the UNKNOWN count, checks every verdict, and writes
``benchmarks/results/custom_checks.json``. Run on demand::

    .venv/bin/python benchmarks/bench_custom_checks.py [--limit N] [--smt-identical]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
_CORPUS_CANDIDATES = [
    ROOT.parent / "shared" / "corpus" / "aws-managed-policies" / "policies.jsonl",
    # a git worktree under /work/wt/<name>: the shared folder is two levels up
    ROOT.parent.parent / "shared" / "corpus" / "aws-managed-policies" / "policies.jsonl",
]
CORPUS = next((c for c in _CORPUS_CANDIDATES if c.is_file()), _CORPUS_CANDIDATES[0])
OUT = ROOT / "benchmarks" / "results" / "custom_checks.json"
sys.path.insert(0, str(ROOT))

from least_privilege_constructs.analysis.reasoning import (  # noqa: E402
    Verdict,
    check_access_not_granted,
    check_no_new_access,
)
from least_privilege_constructs.analysis.reasoning.policy import parse_policy  # noqa: E402
from least_privilege_constructs.analysis.reasoning.smt import (  # noqa: E402
    all_catalog_actions,
    statement_action_set,
)


def extra_action(document: dict[str, Any]) -> str | None:
    """A catalog action the policy neither allows nor denies (deterministic), or None."""
    policy = parse_policy(document)
    universe = all_catalog_actions()
    covered: set[str] = set()
    for stmt in policy.statements:
        covered |= statement_action_set(stmt, universe)
    free = sorted(universe - covered)
    if not free:
        return None
    return free[(len(json.dumps(document)) * 7919) % len(free)]


def granted_action(document: dict[str, Any]) -> str | None:
    """A literal catalog action an unconditional ``Allow`` on ``"*"`` names and no Deny statement
    mentions (so the policy certainly grants it), or None."""
    policy = parse_policy(document)
    universe = all_catalog_actions()
    denied: set[str] = set()
    for stmt in policy.denies:
        denied |= statement_action_set(stmt, universe)
    for stmt in policy.allows:
        if stmt.conditions or stmt.actions is None or stmt.resources != ("*",):
            continue
        for a in stmt.actions:
            if "*" not in a and "?" not in a and a.lower() in universe and a.lower() not in denied:
                return a
    return None


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(q / 100.0 * (len(ordered) - 1))))
    return ordered[index]


def summary(times: list[float]) -> dict[str, float]:
    return {
        "count": len(times),
        "median_ms": round(statistics.median(times), 3) if times else 0.0,
        "p99_ms": round(percentile(times, 99), 3),
        "max_ms": round(max(times), 3) if times else 0.0,
        "mean_ms": round(statistics.fmean(times), 3) if times else 0.0,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=None, help="only the first N policies")
    parser.add_argument("--smt-identical", action="store_true", help="also time P vs P without the fast path")
    parser.add_argument("--timeout-ms", type=int, default=10_000)
    args = parser.parse_args(argv)

    policies = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    if args.limit:
        policies = policies[: args.limit]
    all_catalog_actions()  # load the catalog once, outside the timings
    check_no_new_access(policies[0]["document"], policies[0]["document"], "IDENTITY_POLICY")

    runs: dict[str, list[float]] = {
        "identical": [],
        "extra_action": [],
        "identical_smt": [],
        "access_not_granted": [],
        "access_granted": [],
    }
    unknown: dict[str, list[str]] = {k: [] for k in runs}
    wrong: dict[str, list[str]] = {k: [] for k in runs}
    no_extra: list[str] = []
    start = time.perf_counter()
    for item in policies:
        name, doc = item["name"], item["document"]

        t0 = time.perf_counter()
        r = check_no_new_access(doc, doc, "IDENTITY_POLICY", timeout_ms=args.timeout_ms)
        runs["identical"].append((time.perf_counter() - t0) * 1000)
        if r.verdict is Verdict.UNKNOWN:
            unknown["identical"].append(name)
        elif r.verdict is not Verdict.PASS:
            wrong["identical"].append(name)

        if args.smt_identical:
            t0 = time.perf_counter()
            r = check_no_new_access(doc, doc, "IDENTITY_POLICY", timeout_ms=args.timeout_ms, fast_path=False)
            runs["identical_smt"].append((time.perf_counter() - t0) * 1000)
            if r.verdict is Verdict.UNKNOWN:
                unknown["identical_smt"].append(name)
            elif r.verdict is not Verdict.PASS:
                wrong["identical_smt"].append(name)

        action = extra_action(doc)
        if action is None:
            no_extra.append(name)
            continue
        stmts = doc["Statement"] if isinstance(doc["Statement"], list) else [doc["Statement"]]
        new = {**doc, "Statement": [*stmts, {"Sid": "BenchExtra", "Effect": "Allow", "Action": action, "Resource": "*"}]}
        t0 = time.perf_counter()
        r = check_no_new_access(new, doc, "IDENTITY_POLICY", timeout_ms=args.timeout_ms)
        runs["extra_action"].append((time.perf_counter() - t0) * 1000)
        if r.verdict is Verdict.UNKNOWN:
            unknown["extra_action"].append(name)
        elif r.verdict is not Verdict.FAIL or [x.statement_index for x in r.reasons] != [len(stmts)]:
            wrong["extra_action"].append(name)

        t0 = time.perf_counter()
        r = check_access_not_granted(doc, [action], [], "IDENTITY_POLICY", timeout_ms=args.timeout_ms)
        runs["access_not_granted"].append((time.perf_counter() - t0) * 1000)
        if r.verdict is Verdict.UNKNOWN:
            unknown["access_not_granted"].append(name)
        elif r.verdict is not Verdict.PASS:
            wrong["access_not_granted"].append(name)

        granted = granted_action(doc)
        if granted is not None:
            t0 = time.perf_counter()
            r = check_access_not_granted(doc, [granted], [], "IDENTITY_POLICY", timeout_ms=args.timeout_ms)
            runs["access_granted"].append((time.perf_counter() - t0) * 1000)
            if r.verdict is Verdict.UNKNOWN:
                unknown["access_granted"].append(name)
            elif r.verdict is not Verdict.FAIL:
                wrong["access_granted"].append(name)
    total = time.perf_counter() - start

    report: dict[str, Any] = {
        "corpus": "/".join(CORPUS.parts[-4:]),
        "policies": len(policies),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "total_seconds": round(total, 2),
        "policies_without_extra_action": len(no_extra),
        "results": {},
    }
    print(f"{len(policies)} managed policies, {total:.1f} s in total")
    for key, times in runs.items():
        if not times:
            continue
        s = summary(times)
        s["unknown"] = len(unknown[key])
        s["unknown_pct"] = round(100.0 * len(unknown[key]) / len(times), 3)
        s["wrong"] = len(wrong[key])
        s["unknown_policies"] = unknown[key][:20]
        s["wrong_policies"] = wrong[key][:20]
        report["results"][key] = s
        print(f"  {key:18s} n={s['count']:5d} median={s['median_ms']:8.2f} ms  p99={s['p99_ms']:8.2f} ms  "
              f"max={s['max_ms']:8.2f} ms  UNKNOWN={s['unknown']} ({s['unknown_pct']}%)  wrong={s['wrong']}")
    print(f"  policies with no action left to add: {len(no_extra)}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    ok = all(not w for w in wrong.values())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
