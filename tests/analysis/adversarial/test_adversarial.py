"""Adversarial suite: cases written from the IAM and Access Analyzer documentation, run through the
offline reasoning API (``evaluate`` and the three custom checks) and, for every concrete request,
through ``@cloud-copilot/iam-simulate`` as an independent evaluator.

* ``test_case``: our answer equals the documented one. A check expected to FAIL accepts FAIL only; a
  check where the documentation is silent (``NOT_PASS``) accepts FAIL or UNKNOWN, never PASS.
* ``test_witness``: for a check case, a concrete request that shows the documented answer is decided
  by our evaluator as the documentation says.
* ``test_simulator``: iam-simulate decides every concrete request as the documentation says, except
  where the case carries ``simulator_disagrees`` (the documentation wins): then the test asserts the
  disagreement still exists, so a change of the simulator is noticed.
* ``test_summary``: the table's size and families, and that no false PASS goes unnoticed: every case
  where the documentation says the access exists and we answer PASS is a strict xfail naming the
  defect class of issue 12 (the lead removes the markers when the fixes land).

Cases that fail today because of a known defect carry ``xfail`` in the data (strict), naming the
defect class; the expected answer is never changed to match the code.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from . import cases as table
from .cases import Case

CASES = table.all_cases()
SIMULATED = table.simulated_requests()

REQUIRED_FAMILIES = {
    "anonymous",
    "identifier-wildcards",
    "absent-keys",
    "negation-missing",
    "version",
    "arn-matching",
    "case-rules",
    "web-identity",
    "multivalued",
    "not-principal",
    "not-action-resource",
    "org-policies",
    "public-resource-types",
}


def _param(case: Case, part: str, values: tuple[Any, ...]) -> Any:
    reason = case.xfail(part)
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(*values, id=f"{case.family}/{case.id}", marks=marks)


@pytest.mark.parametrize("case", [_param(c, "result", (c,)) for c in CASES])
def test_case(case: Case) -> None:
    got = table.run_ours(case)
    if case.check == "evaluate":
        assert table.outcome_matches(case.expect, got), f"{case.id}: documented {case.expect}, ours {got}"
    else:
        assert table.verdict_matches(case.expect, got), f"{case.id}: documented {case.expect}, ours {got}"


WITNESSED = [c for c in CASES if "witness" in c.data]


@pytest.mark.parametrize("case", [_param(c, "witness", (c,)) for c in WITNESSED])
def test_witness(case: Case) -> None:
    from least_privilege_constructs.analysis.reasoning import evaluate

    w = case.data["witness"]
    decision = evaluate(table.request(w["request"]), table.policy_set(table.witness_policies(case)))
    got = decision.outcome.value
    assert table.outcome_matches(w["expect"], got), f"{case.id} witness: documented {w['expect']}, ours {got}"


@pytest.fixture(scope="module")
def simulator_results() -> dict[str, dict[str, Any]]:
    """All concrete requests in one batch through one node process (the differential test's harness)."""
    from tests.analysis.reasoning.test_differential import run_iam_simulate

    lines = [line for _, _, line, _, _ in SIMULATED]
    return {r["id"]: r for r in run_iam_simulate(lines)}


@pytest.mark.differential
@pytest.mark.parametrize(
    ("case", "line", "expected", "disagrees"),
    [
        pytest.param(c, line, exp, dis, id=f"{c.family}/{c.id}#{part}")
        for c, part, line, exp, dis in SIMULATED
    ],
)
def test_simulator(
    case: Case, line: dict[str, Any], expected: str, disagrees: str | None, simulator_results: dict[str, Any]
) -> None:
    result = simulator_results[line["id"]]
    got = result.get("result", "error: " + str(result.get("error")))
    if disagrees is None:
        assert table.outcome_matches(expected, got), (
            f"{case.id}: iam-simulate answers {got}, the documentation {expected}; if the simulator is wrong, "
            "record why in simulator_disagrees"
        )
    else:
        assert not table.outcome_matches(expected, got), (
            f"{case.id}: iam-simulate now agrees with the documentation ({got}); drop simulator_disagrees"
        )


def test_summary(capsys: pytest.CaptureFixture[str]) -> None:
    """Size and coverage of the table, and the false-PASS count (all of which must be known, xfailed
    defects)."""
    per_family = Counter(c.family for c in CASES)
    per_check = Counter(c.check for c in CASES)
    assert len(CASES) >= 150, f"the table must hold at least 150 cases, it holds {len(CASES)}"
    assert REQUIRED_FAMILIES <= set(per_family), f"missing families: {REQUIRED_FAMILIES - set(per_family)}"
    assert all(n >= 3 for n in per_family.values()), per_family
    false_pass: list[str] = []
    unmarked: list[str] = []
    for case in CASES:
        if case.check == "evaluate" or not case.grants_access:
            continue
        if table.run_ours(case) == "PASS":
            false_pass.append(case.id)
            if case.xfail("result") is None:
                unmarked.append(case.id)
    xfailed = sum(1 for c in CASES if c.xfail("result")) + sum(1 for c in WITNESSED if c.xfail("witness"))
    disagreements = sum(1 for *_, dis in SIMULATED if dis)
    with capsys.disabled():
        print(f"\nadversarial: {len(CASES)} cases in {len(per_family)} families; by check {dict(per_check)}")
        for family, n in sorted(per_family.items()):
            print(f"  {family:24} {n}")
        print(
            f"  concrete requests through iam-simulate: {len(SIMULATED)} ({disagreements} documented "
            f"disagreements); xfailed (known defects): {xfailed}"
        )
        print(f"  false PASS today: {len(false_pass)} (unmarked: {len(unmarked)}) {false_pass}")
    assert not unmarked, f"false PASS not marked as a known defect: {unmarked}"
