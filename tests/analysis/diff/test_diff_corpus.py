"""The diff on pairs built from real AWS managed policies (the generator of benchmarks/bench_diff.py, a
small sample here; the full run's figures are in benchmarks/results/diff.json): every broadening family
is reported, no equivalent rewrite is flagged."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import require_shared

BENCH = Path(__file__).resolve().parents[3] / "benchmarks" / "bench_diff.py"


def _bench() -> Any:
    spec = importlib.util.spec_from_file_location("bench_diff", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_given_pairs_from_managed_policies_when_diffed_then_broadenings_only_are_flagged(tmp_path: Path) -> None:
    bench = _bench()
    require_shared(bench.CORPUS)
    corpus = bench.build_corpus(3, seed=5)
    families = {p["family"] for p in corpus}
    assert set(bench.BROADENING) - {"widen_resource"} <= families
    assert {"split_actions", "merge_statements", "reorder_statements", "inline_to_managed"} <= families
    wrong = []
    for n, pair in enumerate(corpus):
        code, codes, _ = bench.run_ours(pair, tmp_path / str(n))
        if (code == 2) != pair["broadening"]:
            wrong.append((pair["policy"], pair["family"], code, codes))
    assert wrong == []


@pytest.mark.parametrize("resource, named", [
    ("arn:aws:logs:*:*:log-group:/aws/lambda/*", True),
    ("arn:aws:s3:::amzn-*", True),
    ("arn:aws:aiops:*:*:investigation-group/*", False),
    ("*", False),
])
def test_the_widening_generator_only_widens_named_resources(resource: str, named: bool) -> None:
    assert _bench().named(resource) is named
