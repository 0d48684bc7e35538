"""The adversarial case table: loading, validation and how each case runs.

Each ``cases/<family>.yaml`` holds one family of cases written from the IAM / Access Analyzer
documentation (each case names the page and quotes the sentence it follows). ``schema.json`` is the
JSON Schema every file must satisfy; a duplicate YAML key is an error (a silently dropped statement
would make a case test something else).

The expected answers come from the documentation, never from running the code under test.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

HERE = Path(__file__).resolve().parent
CASES_DIR = HERE / "cases"
SCHEMA_PATH = HERE / "schema.json"

OWNER = "111122223333"
"""The account that owns every resource of the table unless a case says otherwise."""


class _UniqueKeyLoader(yaml.SafeLoader):
    """A SafeLoader that rejects duplicate mapping keys."""


def _construct_mapping(
    loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False
) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    out: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
        if key in out:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping", node.start_mark, f"duplicate key {key!r}", key_node.start_mark
            )
        out[key] = loader.construct_object(value_node, deep=deep)  # type: ignore[no-untyped-call]
    return out


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


@dataclass(frozen=True)
class Case:
    family: str
    file: str
    data: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.data["id"])

    @property
    def check(self) -> str:
        return str(self.data["check"])

    @property
    def expect(self) -> str:
        return str(self.data["expect"])

    def xfail(self, part: str) -> str | None:
        reason = (self.data.get("xfail") or {}).get(part)
        return str(reason) if reason else None

    @property
    def grants_access(self) -> bool:
        """The documentation says the access exists: any PASS would be a false PASS."""
        return self.expect == "FAIL" or (self.check != "evaluate" and self.expect == "NOT_PASS")


@cache
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA_PATH.read_text())
    return loaded


def load_file(path: Path) -> dict[str, Any]:
    with path.open() as fh:
        doc = yaml.load(fh, Loader=_UniqueKeyLoader)  # a SafeLoader subclass
    jsonschema.validate(doc, schema())
    if doc["family"] != path.stem:
        raise ValueError(f"{path.name}: family {doc['family']!r} must match the file name")
    loaded: dict[str, Any] = doc
    return loaded


@cache
def all_cases() -> tuple[Case, ...]:
    out: list[Case] = []
    seen: set[str] = set()
    for path in sorted(CASES_DIR.glob("*.yaml")):
        doc = load_file(path)
        for data in doc["cases"]:
            if data["id"] in seen:
                raise ValueError(f"{path.name}: duplicate case id {data['id']!r}")
            seen.add(data["id"])
            out.append(Case(doc["family"], path.name, data))
    return tuple(out)


# --- running a case through the project's offline API ----------------------------------------------


def policy_set(policies: dict[str, Any]) -> Any:
    from least_privilege_constructs.analysis.reasoning import PolicySet

    return PolicySet.build(
        identity=policies.get("identity", []),
        boundary=policies.get("boundary"),
        scps=policies.get("scps", []),
        rcps=policies.get("rcps", []),
        resource=policies.get("resource"),
    )


def request(spec: dict[str, Any]) -> Any:
    from least_privilege_constructs.analysis.reasoning import Request

    return Request(
        spec["principal"],
        spec["action"],
        spec.get("resource", "*"),
        dict(spec.get("context", {})),
        spec.get("resource_account"),
    )


_OURS: dict[str, str] = {}


def run_ours(case: Case) -> str:
    """Our answer (memoized per case): an evaluator outcome or a check verdict (PASS/FAIL/UNKNOWN)."""
    if case.id not in _OURS:
        _OURS[case.id] = _run_ours(case)
    return _OURS[case.id]


def _run_ours(case: Case) -> str:
    from least_privilege_constructs.analysis.reasoning import (
        check_access_not_granted,
        check_no_new_access,
        check_no_public_access,
        evaluate,
    )

    d = case.data
    if case.check == "evaluate":
        return str(evaluate(request(d["request"]), policy_set(d["policies"])).outcome.value)
    if case.check == "no_public_access":
        return str(check_no_public_access(d["policy"], d["resource_type"]).verdict.value)
    if case.check == "access_not_granted":
        target = policy_set(d["policies"]) if "policies" in d else d["policy"]
        return str(
            check_access_not_granted(
                target, d.get("actions", []), d.get("resources", []), d.get("policy_type", "IDENTITY_POLICY")
            ).verdict.value
        )
    if "new_set" in d:
        new, existing = policy_set(d["new_set"]), policy_set(d["existing_set"])
    else:
        new, existing = d["new"], d["existing"]
    return str(check_no_new_access(new, existing, d.get("policy_type", "IDENTITY_POLICY")).verdict.value)


def witness_policies(case: Case) -> dict[str, Any]:
    """The policies a check case's witness request is evaluated against."""
    d = case.data
    w = d["witness"]
    if case.check == "no_public_access":
        out: dict[str, Any] = {"resource": d["policy"]}
    elif case.check == "access_not_granted":
        if "policies" in d:
            out = dict(d["policies"])
        else:
            key = {
                "RESOURCE_POLICY": "resource",
                "SERVICE_CONTROL_POLICY": "scps",
                "RESOURCE_CONTROL_POLICY": "rcps",
            }.get(d.get("policy_type", "IDENTITY_POLICY"), "identity")
            out = {key: [d["policy"]] if key in ("identity", "scps", "rcps") else d["policy"]}
    elif "new_set" in d:  # no_new_access on policy sets: the witness is allowed by the new set
        out = dict(d["new_set"])
    else:  # no_new_access: the witness is allowed by the new policy
        key = "resource" if d.get("policy_type") == "RESOURCE_POLICY" else "identity"
        out = {key: d["new"] if key == "resource" else [d["new"]]}
    if "identity" in w:
        out["identity"] = list(out.get("identity", [])) + list(w["identity"])
    return out


def outcome_matches(expected: str, got: str) -> bool:
    if expected == "Denied":
        return got in ("ExplicitlyDenied", "ImplicitlyDenied")
    return expected == got


def verdict_matches(expected: str, got: str) -> bool:
    if expected == "NOT_PASS":
        return got in ("FAIL", "UNKNOWN")
    return expected == got


def simulator_input(key: str, req: dict[str, Any], policies: dict[str, Any]) -> dict[str, Any]:
    """One line of ``tests/analysis/reasoning/iam_simulate_harness.js``."""
    principal = req["principal"]
    account = req.get("resource_account") or request(req).principal_account or OWNER
    return {
        "id": key,
        "principal": principal,
        "action": req["action"],
        "resource": req.get("resource", "*"),
        "accountId": account,
        "context": dict(req.get("context", {})),
        "identity": list(policies.get("identity", [])),
        "boundary": policies.get("boundary"),
        "scps": list(policies.get("scps", [])),
        "rcps": list(policies.get("rcps", [])),
        "resourcePolicy": policies.get("resource"),
    }


def simulated_requests() -> list[tuple[Case, str, dict[str, Any], str, str | None]]:
    """Every concrete request of the table: (case, part, harness input, expected outcome, disagreement)."""
    out: list[tuple[Case, str, dict[str, Any], str, str | None]] = []
    for case in all_cases():
        d = case.data
        if case.check == "evaluate":
            line = simulator_input(case.id, d["request"], d["policies"])
            out.append((case, "request", line, case.expect, d.get("simulator_disagrees")))
        elif "witness" in d:
            w = d["witness"]
            line = simulator_input(case.id + "#witness", w["request"], witness_policies(case))
            out.append((case, "witness", line, w["expect"], w.get("simulator_disagrees")))
    return out
