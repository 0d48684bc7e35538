"""Issue 14's acceptance test: a new user's first hour.

An app written from the README alone (``first_hour_app.py``) synthesizes with 0 findings through the real,
pinned CDK CLI; each planted mistake yields exactly one finding of this library's plugins, naming the
construct and what it is about, through ``cdk synth`` and through ``lpc gate`` on the same assembly alike.
One mistake seen by two checks is one finding (``analysis/finding_ids.py``); the merged ids are listed.

Each variant is synthesized once per session (context ``plant``): about 10 s each on an idle machine, 342 s
for the 8 variants measured on the shared 2-core machine under load.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from least_privilege_constructs.analysis.finding_ids import NAMESPACES

pytestmark = pytest.mark.synth

ROOT = Path(__file__).resolve().parents[2]
APP = Path(__file__).with_name("first_hour_app.py")
OUR_PLUGINS = {*NAMESPACES, "LeastPrivilegeChecks"}
CONTEXT = {"allowExternalPrincipals": ["777788889999", "corp-idp"]}  # the StackSet's security account and IdP

# plant -> (finding id prefix, construct path, a word the finding must name, merged ids)
PLANTS: dict[str, tuple[str, str, str, list[str]]] = {
    "unbounded": ("LP-IAM1[Boundary::missing]", "Workload/Worker/Resource", "boundary", ["LPC-BOUNDARY-MISSING"]),
    "pass-role": ("LP-IAM4[Resource::*]", "Workload/Worker/DefaultPolicy/Resource", "iam:PassRole",
                  ["PASS_ROLE_WITH_STAR_IN_RESOURCE", "BEYOND_BOUNDARY"]),
    "public-bucket": ("LP-RES1[Statement::1]", "Workload/Reports/Policy/Resource", "any principal",
                      ["PUBLIC_ACCESS"]),
    "action-typo": ("INVALID_ACTION", "Workload/Worker/DefaultPolicy/Resource", "s3:GetObjekt", []),
    "not-action": ("LP-IAM5[NotAction::0]", "Workload/Worker/DefaultPolicy/Resource", "NotAction",
                   ["BEYOND_BOUNDARY", "ACCESS_GRANTED"]),
    "denied-by-boundary": ("BEYOND_BOUNDARY", "Workload/Worker/DefaultPolicy/Resource", "lambda:UpdateFunctionCode",
                           ["DEAD_GRANT"]),
    "blank-acknowledgment": ("LP-ACK[LP-IAM4[Resource::*]]", "Workload/Worker/DefaultPolicy/Resource",
                             "iam:PassRole", ["PASS_ROLE_WITH_STAR_IN_RESOURCE"]),
}


# plant "more-mistakes": one mistake per construct -> (finding id, a word it names, merged ids)
MORE_MISTAKES: dict[str, tuple[str, str, list[str]]] = {
    # inline "*" on "*": also LP-IAM3[Action::*], LP-IAM4 (PassRole on *) and Access Analyzer's PassRole and
    # service-linked-role warnings, all about the same statement
    "Workload/InlineAdmin/Resource": ("LP-IAM2[Admin::admin/0]", "every action on every resource",
                                      ["LP-IAM3[Action::*]", "LP-IAM4[Resource::*]",
                                       "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE",
                                       "CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE"]),
    # a wildcard inside a principal ARN: IAM rejects it; external access and public access are undecidable
    "Workload/Shared/Policy/Resource": ("UNSUPPORTED_WILDCARD_IN_PRINCIPAL", "principal",
                                       ["EXTERNAL_PRINCIPAL", "CHECK_UNDETERMINED"]),
    # an unbounded role granted iam:CreateAccessKey: the escalation path is the same statement
    "Workload/KeyMaker/DefaultPolicy/Resource": ("LP-IAM3[Action::iam:CreateAccessKey]", "iam:CreateAccessKey",
                                                 ["CreateAccessKey"]),
}
ACCEPTED_ADMIN = "Workload/AcceptedAdmin/Resource"
"""An administrator role acknowledged once, by ``LP-IAM2``: everything folded into it is acknowledged with it."""


def _synth(workdir: Path, plant: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    if shutil.which("npx") is None or not (ROOT / "node_modules" / ".bin" / "cdk").exists():
        pytest.skip("needs the pinned CDK CLI: npx and node_modules (bash scripts/test.sh installs them)")
    app_dir = workdir / plant
    app_dir.mkdir(parents=True)
    shutil.copy(APP, app_dir / "app.py")
    context = {**CONTEXT, "reportPath": str(app_dir / "synth-report.json")}
    (app_dir / "cdk.json").write_text(json.dumps({"app": f"{sys.executable} app.py",
                                                  "context": {"plant": plant, "least-privilege": context}}))
    (app_dir / "node_modules").symlink_to(ROOT / "node_modules")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
           "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20", "AWS_EC2_METADATA_DISABLED": "true",
           "CDK_DISABLE_VERSION_CHECK": "1", "LEAST_PRIVILEGE_MODE": "offline"}
    for name in ("PYTEST_CURRENT_TEST", "PYTEST_VERSION", "CDK_APP_MODE", "CDK_OUTDIR", "CDK_CONTEXT_JSON"):
        env.pop(name, None)
    proc = subprocess.run(["npx", "--no-install", "cdk", "synth", "-q", "--no-notices"], cwd=app_dir, env=env,
                          capture_output=True, text=True, timeout=600)
    return proc, app_dir


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[subprocess.CompletedProcess[str], Path]]:
    workdir = tmp_path_factory.mktemp("first-hour")
    out: dict[str, tuple[subprocess.CompletedProcess[str], Path]] = {}
    started = time.perf_counter()
    for plant in ["clean", *PLANTS, "more-mistakes"]:
        out[plant] = _synth(workdir, plant)
    print(f"first-hour: {len(out)} variants synthesized in {time.perf_counter() - started:.1f}s", file=sys.stderr)
    return out


def _synth_violations(app_dir: Path) -> list[dict[str, Any]]:
    report = json.loads((app_dir / "cdk.out" / "validation-report.json").read_text())
    return [{**v, "plugin": r["pluginName"]} for r in report.get("pluginReports", [])
            if r.get("pluginName") in OUR_PLUGINS for v in r.get("violations", [])]


def _gate(app_dir: Path) -> tuple[int, list[dict[str, Any]]]:
    from least_privilege_constructs.cli.main import main

    cwd = os.getcwd()
    os.chdir(app_dir)
    try:
        code = main(["gate", "cdk.out", "--format", "json", "-o", str(app_dir / "gate-out.json")])
    finally:
        os.chdir(cwd)
    report = app_dir / "synth-report.json"  # lpc gate writes the same JSON report at reportPath
    return code, json.loads(report.read_text())["findings"]


def test_the_readme_app_synthesizes_with_no_finding(synthesized: dict[str, Any]) -> None:
    # given the app written from the README, with no mistake planted
    proc, app_dir = synthesized["clean"]
    # when cdk synth and lpc gate run, then neither reports anything and both pass
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    assert _synth_violations(app_dir) == []
    code, findings = _gate(app_dir)
    assert (code, findings) == (0, [])


@pytest.mark.parametrize("plant", list(PLANTS))
def test_one_mistake_gives_exactly_one_finding_in_synth_and_gate(synthesized: dict[str, Any], plant: str) -> None:
    finding_id, construct, word, merged = PLANTS[plant]
    proc, app_dir = synthesized[plant]
    out = proc.stdout + proc.stderr
    assert "Traceback" not in out
    # when cdk synth ran: exactly one violation of this library's plugins, naming the construct and the word
    violations = _synth_violations(app_dir)
    assert len(violations) == 1, json.dumps(violations, indent=1)[:3000]
    (v,) = violations
    assert v["ruleName"] == finding_id
    assert [c["constructPath"] for c in v["violatingConstructs"]] == [construct]
    assert word in v["description"], v["description"]
    for other in merged:
        assert other in v["description"]
    # and lpc gate on the same assembly: the same single finding, under the same id
    code, findings = _gate(app_dir)
    assert len(findings) == 1, json.dumps(findings, indent=1)[:3000]
    (f,) = findings
    details = f.get("details") or {}
    gate_id = details.get("findingId") or f["issueCode"]
    if "blankAcknowledgment" in details:  # synth names it LP-ACK[<id>] (CDK would suppress the id itself)
        gate_id = f"LP-ACK[{gate_id}]"
    assert gate_id == finding_id
    assert f["origin"]["construct_path"] == construct
    assert word in f["message"]
    assert code == (0 if f["findingType"] not in ("ERROR", "SECURITY_WARNING") else 2)


def test_each_construct_s_one_mistake_is_one_finding_in_synth_and_gate(synthesized: dict[str, Any]) -> None:
    # given three mistakes that several checks see each (admin, a wildcard principal, an unbounded key maker)
    proc, app_dir = synthesized["more-mistakes"]
    assert "Traceback" not in proc.stdout + proc.stderr
    # when cdk synth ran: one violation per construct, under the owner's id, naming what it folds in
    by_construct: dict[str, list[dict[str, Any]]] = {}
    for v in _synth_violations(app_dir):
        for c in v["violatingConstructs"]:
            by_construct.setdefault(c["constructPath"], []).append(v)
    assert sorted(by_construct) == sorted(MORE_MISTAKES), json.dumps(by_construct, indent=1)[:3000]
    for construct, (finding_id, word, merged) in MORE_MISTAKES.items():
        (v,) = by_construct[construct]
        assert v["ruleName"] == finding_id
        assert word in v["description"], v["description"]
        for other in merged:
            assert other in v["description"], (other, v["description"])
    # a policy's finding names the principal it is granted to
    assert "Granted to Workload/KeyMaker/Resource." in by_construct["Workload/KeyMaker/DefaultPolicy/Resource"][0][
        "description"]
    # and lpc gate: the same findings under the same ids; the acknowledged admin role is acknowledged whole
    code, findings = _gate(app_dir)
    assert code == 2
    got = {f["origin"]["construct_path"]: (f.get("details") or {}).get("findingId") or f["issueCode"]
           for f in findings}
    assert got == {c: expected[0] for c, expected in MORE_MISTAKES.items()}
    assert len(findings) == len(MORE_MISTAKES)
    report = json.loads((app_dir / "synth-report.json").read_text())
    accepted = [a for a in report["acknowledged"] if a["origin"]["construct_path"] == ACCEPTED_ADMIN]
    assert [(a.get("details") or {}).get("findingId") for a in accepted] == ["LP-IAM2[Admin::admin/0]"]
