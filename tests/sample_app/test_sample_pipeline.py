"""The sample organization's delivery pipeline: the workload stage deploys only after the policy validation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.synth


def test_given_the_sample_pipeline_then_the_workload_stage_is_validated_before_it_deploys(tmp_path: Path) -> None:
    from sample_app import config
    from sample_app.pipeline import build_pipeline_app

    build_pipeline_app(str(tmp_path / "cdk.out")).synth()
    template = json.loads((tmp_path / "cdk.out" / "DeliveryPipeline.template.json").read_text())
    pipeline = next(r for r in template["Resources"].values() if r["Type"] == "AWS::CodePipeline::Pipeline")
    workload = next(s for s in pipeline["Properties"]["Stages"] if s["Name"] == "Workload")
    order = {a["Name"]: a["RunOrder"] for a in workload["Actions"]}
    assert order["PolicyValidation"] < order["PolicyValidationApproval"] == order["PolicyValidationAutoApprove"]
    assert all(order[n] > order["PolicyValidationApproval"] for n in order if n.endswith((".Prepare", ".Deploy")))
    assert {n for n in order if n.endswith(".Deploy")} == {"platform-guardrails.Deploy", "app-payments.Deploy"}
    text = json.dumps(template)
    assert f"cdk-hnb659fds-lookup-role-{config.WORKLOAD_ACCOUNT}-{config.REGIONS[0]}" in text
    validation = next(json.loads(r["Properties"]["Source"]["BuildSpec"]) for k, r in template["Resources"].items()
                      if r["Type"] == "AWS::CodeBuild::Project" and "PolicyValidation" in k and "AutoApprove" not in k)
    install = validation["phases"]["install"]["commands"]
    assert install[-1] == "pip install --no-cache-dir ./lpc-src"
    # and the gate's code comes from the platform's repository, not from the commit under review
    source_stage = next(s for s in pipeline["Properties"]["Stages"] if s["Name"] == "Source")
    repos = {a["Configuration"]["FullRepositoryId"]: a["Configuration"]["BranchName"] for a in source_stage["Actions"]}
    assert repos == {"example-org/least-privilege-sample": "main", "example-org/least-privilege-constructs": "release"}
    stage_dir = tmp_path / "cdk.out" / "assembly-DeliveryPipeline-Workload"
    assert len(list(stage_dir.glob("*.template.json"))) == 2


def test_given_the_sample_platform_settings_then_the_sample_cdk_json_does_not_weaken_them() -> None:
    # given the platform team's settings of the sample pipeline and the repository's own cdk.json
    from least_privilege_constructs.analysis.settings_policy import PLATFORM_HOLDS, resolve_gate_settings
    from sample_app.pipeline import PLATFORM_SETTINGS

    root = Path(__file__).resolve().parents[2]
    # when the pipeline's gate resolves its settings (pipeline mode, the platform's settings from the build's env)
    gate = resolve_gate_settings(root / "cdk.json", env={"LEAST_PRIVILEGE_CI": "true",
                                                         "LEAST_PRIVILEGE_PLATFORM_SETTINGS": json.dumps(PLATFORM_SETTINGS)},
                                 base_dir=root)
    # then the repository only restates or tightens them: no LPC-SETTINGS-WEAKENED finding would fail the build
    assert [f for f in gate.findings() if f.issue_code != PLATFORM_HOLDS] == []
    # and its developer-machine choices of the platform-owned keys (mode, cacheDir) are only notes, not applied
    assert {f.details["setting"] for f in gate.findings()} <= {"mode", "region", "profile", "cache", "cacheOffline",
                                                                "cacheDir"}
    assert gate.comparison is not None and gate.comparison.compared > 5
