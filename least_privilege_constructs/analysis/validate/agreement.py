"""Agreement between two sets of ValidatePolicy answers (offline vs IAM Access Analyzer).

Counts true/false positives and false negatives per issue code over ``(policy, issueCode)`` pairs, and
compares locations (the set of paths of each code on each policy). Used by the corpus agreement test and
the benchmark; also usable to compare the offline backend with live Access Analyzer answers.

Example::

    >>> expected = {"p1": [{"issueCode": "REDUNDANT_ACTION", "paths": [["Statement", 0, "Action", 1]]}]}
    >>> actual = {"p1": [{"issueCode": "REDUNDANT_ACTION", "paths": [["Statement", 0, "Action", 1]]}]}
    >>> report = compare(expected, actual)
    >>> report.overall.precision, report.overall.recall
    (1.0, 1.0)

A *false blocking finding* is a false positive whose finding type blocks a gate by default (ERROR or
SECURITY_WARNING): the costliest disagreement, since it fails a valid synth. They are counted separately::

    >>> fp = {"p1": [{"issueCode": "INVALID_ACTION", "findingType": "ERROR", "paths": [["Statement", 0]]}]}
    >>> compare({"p1": []}, fp).false_blocking, compare({"p1": []}, fp).false_blocking_policies
    ([('p1', 'INVALID_ACTION')], ['p1'])
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from least_privilege_constructs.analysis.findings import Finding


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    locations_equal: int = 0
    """Among true positives: how many had exactly the same set of paths."""

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def location_agreement(self) -> float:
        return self.locations_equal / self.tp if self.tp else 1.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "location_agreement": round(self.location_agreement, 4),
        }


@dataclass
class AgreementReport:
    per_code: dict[str, Counts] = field(default_factory=dict)
    overall: Counts = field(default_factory=Counts)
    false_positives: list[tuple[str, str]] = field(default_factory=list)
    false_negatives: list[tuple[str, str]] = field(default_factory=list)
    location_mismatches: list[tuple[str, str]] = field(default_factory=list)
    false_blocking: list[tuple[str, str]] = field(default_factory=list)
    """False positives of a blocking type (ERROR, SECURITY_WARNING), as (policy, issue code)."""
    false_blocking_policies: list[str] = field(default_factory=list)
    """Policies with no blocking finding in ``expected`` that get one in ``actual``."""
    policies: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "policies": self.policies,
            "overall": self.overall.to_dict(),
            "per_code": {k: v.to_dict() for k, v in sorted(self.per_code.items())},
            "false_positives": [list(x) for x in self.false_positives],
            "false_negatives": [list(x) for x in self.false_negatives],
            "location_mismatches": [list(x) for x in self.location_mismatches],
            "false_blocking_findings": len(self.false_blocking),
            "false_blocking_policies": len(self.false_blocking_policies),
            "false_blocking": [list(x) for x in self.false_blocking],
        }

    def table(self) -> str:
        rows = [f"{'issue code':55} {'TP':>4} {'FP':>4} {'FN':>4} {'prec':>6} {'recall':>6} {'loc':>6}"]
        blocking_fp: dict[str, int] = {}
        for _, issue in self.false_blocking:
            blocking_fp[issue] = blocking_fp.get(issue, 0) + 1
        for name, c in sorted(self.per_code.items()):
            rows.append(
                f"{name:55} {c.tp:4} {c.fp:4} {c.fn:4} {c.precision:6.3f} {c.recall:6.3f} {c.location_agreement:6.3f}"
            )
        o = self.overall
        rows.append(
            f"{'overall':55} {o.tp:4} {o.fp:4} {o.fn:4} {o.precision:6.3f} {o.recall:6.3f} {o.location_agreement:6.3f}"
        )
        rows.append(
            f"false blocking (ERROR / SECURITY_WARNING) findings: {len(self.false_blocking)}"
            + (f" {dict(sorted(blocking_fp.items()))}" if blocking_fp else "")
            + f"; policies: {len(self.false_blocking_policies)}"
        )
        return "\n".join(rows)


BLOCKING = frozenset({"ERROR", "SECURITY_WARNING"})
"""Finding types that block a gate by default."""


def _blocking_codes(findings: Iterable[Finding | Mapping[str, Any]]) -> set[str]:
    out = set()
    for f in findings:
        if isinstance(f, Finding):
            kind, issue = f.finding_type.value, f.issue_code
        else:
            kind, issue = str(f.get("findingType", "")), str(f["issueCode"])
        if kind in BLOCKING:
            out.add(issue)
    return out


def _paths_by_code(findings: Iterable[Finding | Mapping[str, Any]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for f in findings:
        if isinstance(f, Finding):
            issue, paths = f.issue_code, f.locations
        else:
            issue = str(f["issueCode"])
            paths = f.get("paths") or [loc.get("path", []) for loc in f.get("locations", [])]
        bucket = out.setdefault(issue, set())
        for p in paths:
            bucket.add(json.dumps(p))
    return out


def compare(
    expected: Mapping[str, Iterable[Finding | Mapping[str, Any]]],
    actual: Mapping[str, Iterable[Finding | Mapping[str, Any]]],
) -> AgreementReport:
    """Compare answers per policy name; only policies present in ``expected`` count."""
    report = AgreementReport()
    for name, exp_findings in expected.items():
        report.policies += 1
        exp_findings = list(exp_findings)
        act_findings = list(actual.get(name, []))
        exp = _paths_by_code(exp_findings)
        act = _paths_by_code(act_findings)
        exp_blocking, act_blocking = _blocking_codes(exp_findings), _blocking_codes(act_findings)
        if act_blocking and not exp_blocking:
            report.false_blocking_policies.append(name)
        for issue in set(exp) | set(act):
            c = report.per_code.setdefault(issue, Counts())
            if issue in exp and issue in act:
                c.tp += 1
                report.overall.tp += 1
                if exp[issue] == act[issue]:
                    c.locations_equal += 1
                    report.overall.locations_equal += 1
                else:
                    report.location_mismatches.append((name, issue))
            elif issue in act:
                c.fp += 1
                report.overall.fp += 1
                report.false_positives.append((name, issue))
                if issue in act_blocking:
                    report.false_blocking.append((name, issue))
            else:
                c.fn += 1
                report.overall.fn += 1
                report.false_negatives.append((name, issue))
    return report
