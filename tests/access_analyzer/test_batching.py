"""CheckAccessNotGranted batching: at most 100 actions and 100 resources per call, the cross product
covered exactly once, and the answers combined."""

from __future__ import annotations

import itertools

import pytest

from least_privilege_constructs.access_analyzer.batching import (
    access_limits,
    chunked,
    combine_outcomes,
    plan_access_batches,
)
from least_privilege_constructs.analysis.outcome import Check, CheckOutcome, CheckStatus, Reason

ACTIONS = [f"svc:Action{i:03d}" for i in range(250)]
RESOURCES = [f"arn:aws:s3:::bucket-{i:03d}" for i in range(150)]
MORE_RESOURCES = [f"arn:aws:sqs:eu-west-1:111122223333:q{i:03d}" for i in range(201)]


def test_limits_come_from_the_service_model() -> None:
    assert access_limits() == (100, 100)


@pytest.mark.parametrize(
    ("n_actions", "n_resources", "expected_calls"),
    [
        pytest.param(250, 150, 6, id="250-actions-x-150-resources"),
        pytest.param(100, 100, 1, id="exactly-at-the-limit"),
        pytest.param(101, 0, 2, id="only-actions"),
        pytest.param(0, 201, 3, id="only-resources"),
        pytest.param(1, 1, 1, id="one-pair"),
    ],
)
def test_cross_product_is_covered_exactly_once(n_actions: int, n_resources: int, expected_calls: int) -> None:
    actions, resources = ACTIONS[:n_actions], MORE_RESOURCES[:n_resources]
    batches = plan_access_batches(actions, resources)
    assert len(batches) == expected_calls
    for b in batches:
        assert len(b.get("actions", [])) <= 100 and len(b.get("resources", [])) <= 100
        assert set(b) == {k for k, n in (("actions", n_actions), ("resources", n_resources)) if n}
    pairs = [
        pair
        for b in batches
        for pair in itertools.product(b.get("actions", [None]), b.get("resources", [None]))
    ]
    expected = set(itertools.product(actions or [None], resources or [None]))
    assert len(pairs) == len(expected)  # no pair twice
    assert set(pairs) == expected  # every pair once


def test_250_by_150_batches_are_the_chunks() -> None:
    batches = plan_access_batches(ACTIONS, RESOURCES)
    assert [(len(b["actions"]), len(b["resources"])) for b in batches] == [
        (100, 100), (100, 50), (100, 100), (100, 50), (50, 100), (50, 50)
    ]
    # no batch carries the full list (the mistake of sending every action in every batch)
    assert all(len(b["actions"]) < len(ACTIONS) for b in batches)


def test_duplicates_are_removed_and_order_kept() -> None:
    batches = plan_access_batches(["s3:B", "s3:A", "s3:B"], [])
    assert batches == [{"actions": ["s3:B", "s3:A"]}]


def test_nothing_to_check_is_an_error() -> None:
    with pytest.raises(ValueError, match="at least one action or resource"):
        plan_access_batches([], [])


def test_chunked() -> None:
    assert chunked([1, 2, 3, 4, 5], 2) == [[1, 2], [3, 4], [5]]
    with pytest.raises(ValueError):
        chunked([1], 0)


def _out(result: str, *reasons: Reason) -> CheckOutcome:
    return CheckOutcome(Check.ACCESS_NOT_GRANTED, CheckStatus(result), f"{result} message", reasons)


R1 = Reason("s3:DeleteBucket granted", 0, "All")
R2 = Reason("s3:PutObject granted", 1, None)


@pytest.mark.parametrize(
    ("outcomes", "errors", "expected", "reasons"),
    [
        pytest.param([_out("PASS"), _out("PASS")], [], "PASS", [], id="all-pass"),
        pytest.param([_out("PASS"), _out("FAIL", R1)], [], "FAIL", [R1], id="one-fail"),
        pytest.param([_out("FAIL", R1), _out("FAIL", R1, R2)], [], "FAIL", [R1, R2], id="reasons-merged"),
        pytest.param([_out("PASS"), None], ["batch 2: boom"], "ERROR", [], id="pass-and-error"),
        pytest.param([_out("FAIL", R2), None], ["batch 2: boom"], "FAIL", [R2], id="fail-kept-with-error"),
    ],
)
def test_combine(outcomes: list, errors: list, expected: str, reasons: list) -> None:
    combined = combine_outcomes(Check.ACCESS_NOT_GRANTED, outcomes, errors, len(outcomes))
    assert combined.result.value == expected
    assert list(combined.reasons) == reasons
    assert list(combined.errors) == errors
    codes = [f.issue_code for f in combined.to_findings()]
    assert codes.count("ACCESS_GRANTED") == (len(reasons) if expected == "FAIL" else 0)
    assert codes.count("ANALYSIS_FAILED") == len(errors)
