"""The synth-time gate as a CDK plugin: a planted app fails synth with exactly its four planted findings."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import Acknowledgment, Validations

from tests.validation.planted_app import EXPECTED, build_planted_app

CDK_OWN_FILES = {"manifest.json", "tree.json", "validation-report.json", "Planted.template.json",
                 "Planted.assets.json", "Planted.metadata.json", "cdk.out"}


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    # given the planted app with the gate registered (offline, no cache)
    base = tmp_path_factory.mktemp("planted")
    outdir = base / "cdk.out"
    app, plugin = build_planted_app(str(outdir), base)
    # when it is synthesized
    with pytest.raises(RuntimeError) as err:
        app.synth()
    return {"error": str(err.value), "plugin": plugin, "outdir": outdir, "base": base}


def test_synth_fails_with_validation_failed(planted: dict[str, Any]) -> None:
    assert "ValidationFailed" in planted["error"]


def test_exactly_the_four_planted_findings_at_their_construct_paths(planted: dict[str, Any]) -> None:
    report = planted["plugin"].last_report
    blocking = {(f.issue_code, f.origin.construct_path if f.origin else None) for f in report.blocking}
    assert blocking == {(code, path) for code, path in EXPECTED.items()}


def test_cdk_report_lists_the_violations_by_construct_path(planted: dict[str, Any]) -> None:
    report = json.loads((planted["outdir"] / "validation-report.json").read_text())
    (ours,) = [r for r in report["pluginReports"] if r["pluginName"] == "LeastPrivilege-PolicyValidation"]
    assert ours["conclusion"] == "failure"
    found = {
        (v["ruleName"], c["constructPath"])
        for v in ours["violations"]
        if v["severity"] == "error"
        for c in v["violatingConstructs"]
    }
    assert found == set(EXPECTED.items())


def test_full_report_is_written_outside_cdk_out(planted: dict[str, Any]) -> None:
    report = json.loads((planted["base"] / "report.json").read_text())
    assert report["backend"] == "offline"
    assert {f["issueCode"] for f in report["findings"]} >= set(EXPECTED)
    assert report["checks"]["validate-policy"]["checked"] > 0
    # nothing but CDK's own files in the assembly: the gate never writes into cdk.out
    assert set(os.listdir(planted["outdir"])) <= CDK_OWN_FILES | {
        f for f in os.listdir(planted["outdir"]) if f.startswith("asset.")
    }


def test_acknowledging_a_finding_with_a_reason_suppresses_it(tmp_path: Path) -> None:
    app, _plugin = build_planted_app(str(tmp_path / "cdk.out"), tmp_path)
    stack = app.node.find_child("Planted")
    Validations.of(stack.node.find_child("Deployer")).acknowledge(
        Acknowledgment(id="LeastPrivilege-PolicyValidation::PASS_ROLE_WITH_STAR_IN_RESOURCE",
                       reason="the deployer passes any role; reviewed in SEC-1")
    )
    with pytest.raises(RuntimeError):
        app.synth()
    report = json.loads((tmp_path / "cdk.out" / "validation-report.json").read_text())
    (ours,) = [r for r in report["pluginReports"] if r["pluginName"] == "LeastPrivilege-PolicyValidation"]
    rules = {v["ruleName"] for v in ours["violations"] if v["severity"] == "error"}
    assert rules == set(EXPECTED) - {"PASS_ROLE_WITH_STAR_IN_RESOURCE"}
    suppressed = [s["ruleName"] for s in ours.get("suppressedViolations", [])]
    assert suppressed == ["PASS_ROLE_WITH_STAR_IN_RESOURCE"]


def _lpc(*args: str, cwd: Path) -> Any:
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "least_privilege_constructs.cli.main", *args], cwd=cwd,
                          capture_output=True, text=True)


def test_lpc_gate_gives_the_same_findings_from_a_pipeline(planted: dict[str, Any]) -> None:
    # given the planted assembly and a cdk.json holding the same least-privilege context
    base: Path = planted["base"]
    context = {"mode": "offline", "cache": False, "reportPath": str(base / "cli-report.json"),
               "references": [{"scope": "Planted/Sender", "policy": str(base / "sender-reference.json")}]}
    (base / "cdk.json").write_text(json.dumps({"app": "true", "context": {"least-privilege": context}}))
    # when lpc gate runs over it (no CDK, no jsii)
    # (the planted app has no BoundaryEnforcement, so the CLI's boundary check is off as in its synth)
    # (the planted app attaches the gate alone: inside synth no LP-* rule runs, so neither here)
    proc = _lpc("gate", str(planted["outdir"]), "--format", "json", "--no-boundary-enforcement", "--no-lp-rules",
                cwd=base)
    # then it exits 2 with the four planted findings as blocking ones
    assert proc.returncode == 2, proc.stderr
    report = json.loads(proc.stdout)
    blocking = {(f["issueCode"], f.get("origin", {}).get("construct_path")) for f in report["BlockingFindings"]}
    assert blocking == set(EXPECTED.items())
    assert "least-privilege: escalation:" in proc.stderr


def test_lpc_gate_on_a_directory_that_is_not_an_assembly_is_a_usage_error(tmp_path: Path) -> None:
    proc = _lpc("gate", str(tmp_path), cwd=tmp_path)
    assert proc.returncode == 1
    assert "not a cloud assembly" in proc.stderr and "Traceback" not in proc.stderr


def test_lpc_gate_enforces_the_boundary_like_synth(tmp_path: Path) -> None:
    """``lpc gate`` runs BoundaryEnforcement's check too: an unbounded role is one finding naming its
    construct; a reasoned exemption (BoundaryEnforcement.exempt) is honoured; the report is rewritten."""
    from aws_cdk import App, Stack
    from aws_cdk import aws_iam as iam

    from least_privilege_constructs import BoundaryEnforcement, PermissionsBoundaryPolicy

    def build(exempt: bool) -> Path:
        out = tmp_path / f"cdk.out-{exempt}"
        app = App(outdir=str(out))
        stack = Stack(app, "S")
        boundary = PermissionsBoundaryPolicy(stack, "B", allowed_services=["s3"])
        role = iam.Role(stack, "Escapee", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
        iam.PermissionsBoundary.of(role).clear()  # the boundary's aspect is not applied: no synth plugin
        del boundary
        if exempt:
            BoundaryEnforcement.of(app).exempt(role, reason="break-glass role, reviewed by SecOps")
        app.synth()
        return out

    report = tmp_path / "report.json"
    report.write_text("stale")
    (tmp_path / "cdk.json").write_text(json.dumps({"app": "true", "context": {"least-privilege": {
        "mode": "offline", "cache": False, "reportPath": str(report), "checks": {"escalation": False}}}}))
    proc = _lpc("gate", str(build(False)), "--format", "json", cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    blocking = [(f["issueCode"], f["origin"]["construct_path"]) for f in json.loads(proc.stdout)["BlockingFindings"]]
    # one finding for the one mistake: LP-IAM1 owns it, BoundaryEnforcement's check merged in (docs/nag.md)
    assert blocking == [("LP-IAM1", "S/Escapee/Resource")]
    assert json.loads(proc.stdout)["BlockingFindings"][0]["details"]["alsoReportedAs"] == ["LPC-BOUNDARY-MISSING"]
    checks = json.loads(report.read_text())["checks"]  # counted once, under the owner's check
    assert (checks["lp-rules"]["findings"], checks["boundary-enforcement"]["findings"]) == (1, 0)
    proc = _lpc("gate", str(build(True)), "--format", "json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    written = json.loads(report.read_text())
    # the exemption (BoundaryEnforcement's id) acknowledges the merged finding
    assert [(a["issueCode"], a["reason"]) for a in written["acknowledged"]] == [
        ("LP-IAM1", "break-glass role, reviewed by SecOps")]
    proc = _lpc("gate", str(build(False)), "--no-boundary-enforcement", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
