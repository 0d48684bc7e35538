"""Differential test: our evaluator against @cloud-copilot/iam-simulate, an independent implementation.

iam-simulate is AGPL: it runs only as an external test-time process (``iam_simulate_harness.js``, one
long-lived ``node`` process fed every case on stdin), never bundled or imported. ``scripts/setup.sh``
installs it with ``npm install``; when it is missing this test FAILS with a clear message (it must not
silently skip).

Every disagreement must belong to a class documented in docs/reasoning.md ("Deliberate disagreements"),
recognised by a predicate below; anything else fails the test with a minimal description of the case.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from least_privilege_constructs.analysis.iam.variables import Var, lookup, tokenize
from least_privilege_constructs.analysis.reasoning import PolicySet, Request, evaluate

from .generator import generate

ROOT = Path(__file__).resolve().parents[3]
HARNESS = Path(__file__).with_name("iam_simulate_harness.js")
N_CASES = 6000

pytestmark = pytest.mark.differential


def _node_ready() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: the differential test needs Node.js 20 (see scripts/setup.sh)")
    if not (ROOT / "node_modules" / "@cloud-copilot" / "iam-simulate").is_dir():
        pytest.fail(
            "node_modules/@cloud-copilot/iam-simulate is missing: run scripts/setup.sh (npm install) "
            "before the test suite; the differential test cannot run without the independent evaluator"
        )


def run_iam_simulate(cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """All cases in one batch call of one node process."""
    _node_ready()
    proc = subprocess.run(
        ["node", str(HARNESS)],
        input="\n".join(json.dumps(c) for c in cases) + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    if proc.returncode != 0 or (lines and "fatal" in lines[0]):
        pytest.fail(f"iam-simulate harness failed (exit {proc.returncode}): {proc.stderr[:500]} {lines[:1]}")
    assert len(lines) == len(cases), "the harness must answer every case"
    return lines


def ours(case: dict[str, Any]) -> str:
    ps = PolicySet.build(
        identity=case["identity"],
        boundary=case["boundary"],
        scps=case["scps"],
        rcps=case["rcps"],
        resource=case["resourcePolicy"],
    )
    req = Request(case["principal"], case["action"], case["resource"], case["context"], case["accountId"])
    return evaluate(req, ps).outcome.value


def _policies(case: dict[str, Any]) -> list[dict[str, Any]]:
    out = list(case["identity"]) + list(case["scps"]) + list(case["rcps"])
    out += [p for p in (case["boundary"], case["resourcePolicy"]) if p is not None]
    return out


def _unresolved(pattern: str, case: dict[str, Any]) -> bool:
    return any(
        isinstance(t, Var) and t.default is None and lookup(case["context"], t.key) is None
        for t in tokenize(pattern)
    )


def unresolved_not_resource(case: dict[str, Any]) -> bool:
    """Documented disagreement D1: a NotResource pattern whose policy variable has no value in the
    request. The IAM User Guide (Variables and tags, "Policy variables with no value") says such a
    pattern "will not match any resource", so NotResource excludes nothing; iam-simulate excludes every
    resource of the same service and account."""
    for pol in _policies(case):
        stmts = pol["Statement"] if isinstance(pol["Statement"], list) else [pol["Statement"]]
        for st in stmts:
            nr = st.get("NotResource")
            for pattern in [nr] if isinstance(nr, str) else nr or []:
                for t in tokenize(pattern):
                    if isinstance(t, Var) and t.default is None and lookup(case["context"], t.key) is None:
                        return True
    return False


NEGATED = ("StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "ArnNotEquals", "ArnNotLike")


def unresolved_negated_condition(case: dict[str, Any]) -> bool:
    """Documented disagreement D2: a negated operator (StringNotEquals, ArnNotLike ...) whose policy value
    holds a variable with no value. The IAM User Guide (Variables and tags, "Policy variables with no
    value"): "Inverted condition operators like StringNotEquals or StringNotLike do match against a null
    value" — the condition holds; iam-simulate makes it false."""
    for pol in _policies(case):
        stmts = pol["Statement"] if isinstance(pol["Statement"], list) else [pol["Statement"]]
        for st in stmts:
            for op, block in st.get("Condition", {}).items():
                base = op.rpartition(":")[2].removesuffix("IfExists")
                if base not in NEGATED:
                    continue
                for values in block.values():
                    for v in [values] if isinstance(values, str) else values:
                        if _unresolved(str(v), case):
                            return True
    return False


def variables_without_version(case: dict[str, Any]) -> bool:
    """Documented disagreement D3: a policy without ``"Version": "2012-10-17"`` (absent, or 2008-10-17)
    holding ``${...}``. IAM User Guide, IAM JSON policy elements: Version — policy variables do not work
    in 2008-10-17 policies, so the text is literal; iam-simulate substitutes variables whatever the
    Version."""
    return any(pol.get("Version") != "2012-10-17" and "${" in json.dumps(pol) for pol in _policies(case))


def _short_arn(pattern: str) -> bool:
    from least_privilege_constructs.analysis.iam.wildcards import arn_segments

    return pattern != "*" and len(arn_segments(pattern)) < 6


def short_arn_not_resource_or_rcp(case: dict[str, Any]) -> bool:
    """Documented disagreement D4: an ARN pattern of fewer than six segments in ``NotResource``, or in an
    RCP. The rule (IAM User Guide, IAM JSON policy elements: Resource, and the spec of
    ``analysis/iam/wildcards.py::arn_matches``): a short pattern whose last segment ends with ``*`` is
    padded with ``*`` segments and any other short pattern matches no ARN — in NotResource it then
    excludes what the padded pattern denotes, or nothing. iam-simulate pads every short pattern but never
    lets a padded pattern that does not match make a NotResource apply (a "conservative" choice of its
    ``resourceMismatchReasons``), and rejects short ARNs in RCPs."""
    for pol in _policies(case):
        is_rcp = any(pol is r for r in case["rcps"])
        stmts = pol["Statement"] if isinstance(pol["Statement"], list) else [pol["Statement"]]
        for st in stmts:
            keys = ("NotResource", "Resource") if is_rcp else ("NotResource",)
            for element in keys:
                value = st.get(element)
                for pattern in [value] if isinstance(value, str) else value or []:
                    if _short_arn(pattern):
                        return True
    return False


def rcp_outside_supported_services(case: dict[str, Any]) -> bool:
    """Documented disagreement D5: RCPs and an action of a service RCPs do not restrict. AWS Organizations
    User Guide, *Resource control policies*, "List of AWS services that support RCPs"
    (``analysis/iam/organizations.py``): an RCP applies only to the actions of the listed services, so its
    Deny leaves an EC2, Lambda or IAM action alone; iam-simulate applies RCPs to every action."""
    from least_privilege_constructs.analysis.iam.organizations import rcp_restricts_action

    return bool(case["rcps"]) and not rcp_restricts_action(case["action"])


DOCUMENTED = {
    "D5 RCP and an action of a service RCPs do not restrict": rcp_outside_supported_services,
    "D4 short ARN pattern in NotResource or an RCP": short_arn_not_resource_or_rcp,
    "D1 NotResource with a policy variable with no value": unresolved_not_resource,
    "D2 negated operator with a policy variable with no value": unresolved_negated_condition,
    "D3 policy variables in a policy without Version 2012-10-17": variables_without_version,
}


def test_differential_against_iam_simulate() -> None:
    cases = generate(N_CASES)
    theirs = run_iam_simulate(cases)
    errors = [t for t in theirs if "error" in t]
    assert len(errors) <= len(cases) // 100, f"the harness rejected too many cases: {errors[:3]}"
    agree = 0
    documented: Counter[str] = Counter()
    unexplained: list[dict[str, Any]] = []
    for case, their in zip(cases, theirs, strict=True):
        if "error" in their:
            continue
        mine = ours(case)
        if mine == their["result"]:
            agree += 1
            continue
        label = next((name for name, pred in DOCUMENTED.items() if pred(case)), None)
        if label is None:
            unexplained.append({"ours": mine, "theirs": their["result"], "case": case})
        else:
            documented[label] += 1
    compared = len(cases) - len(errors)
    print(f"\ndifferential: {agree}/{compared} agree; documented disagreements: {dict(documented)}")
    assert not unexplained, f"{len(unexplained)} unexplained disagreements, first: {json.dumps(unexplained[0])[:3000]}"
    assert compared >= 5000
    assert agree / compared > 0.99


def test_generator_covers_every_operator_and_element() -> None:
    from least_privilege_constructs.analysis.reasoning.conditions import OPERATORS

    cases = generate(N_CASES)
    seen_ops: set[str] = set()
    seen_elements: set[str] = set()
    qualifiers: set[str] = set()
    for case in cases:
        for pol in _policies(case):
            for st in pol["Statement"]:
                seen_elements |= set(st)
                for op in st.get("Condition", {}):
                    set_op, _, rest = op.rpartition(":")
                    if set_op:
                        qualifiers.add(set_op)
                    if rest.endswith("IfExists"):
                        qualifiers.add("IfExists")
                        rest = rest[: -len("IfExists")]
                    seen_ops.add(rest)
    assert set(OPERATORS) <= seen_ops
    assert {"Action", "NotAction", "Resource", "NotResource", "Principal", "NotPrincipal", "Condition"} <= seen_elements
    assert {"ForAllValues", "ForAnyValue", "IfExists"} <= qualifiers
    assert any(c["boundary"] for c in cases) and any(c["scps"] for c in cases)
    assert any(c["rcps"] for c in cases) and any(c["resourcePolicy"] for c in cases)
    # the shapes of issue 12
    assert sum(c["principal"] == "*" for c in cases) >= 300
    assert any(p.get("Version") is None for c in cases for p in _policies(c))
    texts = [json.dumps(p) for c in cases for p in _policies(c)]
    assert any("arn:aws:iam::1*:role/*" in t for t in texts) and any("arn:aws:sqs:*:queue1" in t for t in texts)
    assert any("aws:PrincipalType" in t for t in texts) and any("aws:userid" in t for t in texts)


def test_missing_node_modules_fails_loudly(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import sys

    module = sys.modules[__name__]
    monkeypatch.setattr(module, "ROOT", tmp_path)
    with pytest.raises(pytest.fail.Exception, match=r"scripts/setup\.sh"):
        _node_ready()
