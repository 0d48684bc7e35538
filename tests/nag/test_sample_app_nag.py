"""The sample organization passes LeastPrivilegeChecks together with cdk-nag's AwsSolutionsChecks.

The sample app trips some AwsSolutions findings (and, for the developer roles, some LP-IAM3 findings the
maintainer has yet to decide on). This test acknowledges them here, each with its reason, matched by rule and
construct path; any *other* finding fails the test. It synthesizes twice: once to list the findings, once with
the acknowledgments (exact finding ids, as cdk-nag 3 requires) to prove the app then passes both packs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.synth

ACCEPTED: list[tuple[str, str, str, str]] = [
    # (plugin, rule id prefix, construct path fragment, reason)
    ("AwsSolutions", "AwsSolutions-IAM5[", "Platform/DeveloperBoundary/",
     "The permissions boundary is a cap, not a grant: its service wildcards only bound what developer-created "
     "roles may ever be given."),
    ("AwsSolutions", "AwsSolutions-IAM5[", "OrgManagement/DefaultPolicies/PermissionsBoundary/",
     "The organization-wide boundary is a cap, not a grant (same policy as the workload account's)."),
    ("AwsSolutions", "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/ReadOnlyAccess]",
     "OrgManagement/DefaultPolicies/FederatedReadOnlyRole/",
     "Read-only federation uses AWS's maintained ReadOnlyAccess on purpose: it follows new services."),
    ("AwsSolutions", "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/SecurityAudit]",
     "OrgManagement/DefaultPolicies/SecurityAuditRole/",
     "The audit role uses AWS's maintained SecurityAudit policy on purpose: it follows new services."),
    ("AwsSolutions", "AwsSolutions-IAM5[", "/DeveloperPolicy/",
     "Developer work from the template catalog: wildcards are name-prefix scoped (app-payments-*, role/app/*, "
     "policy/app/*) and IAM writes are pinned to the boundary."),
    ("AwsSolutions", "AwsSolutions-IAM5[", "Platform/PaymentsExecutionPolicy/",
     "The bounded execution role deploys the payments stacks: resources are name-prefix scoped, ECS task "
     "definitions have no resource-level permissions, role writes are pinned to the boundary."),
    ("AwsSolutions", "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:", "PaymentsApp/",
     "CDK's grant on the function's own log group ends in :* (its log streams)."),
    ("AwsSolutions", "AwsSolutions-L1", "PaymentsApp/",
     "The sample pins its runtime; upgrades follow the platform's runtime policy."),
]


def _report(outdir: Path) -> list[tuple[str, str, str]]:
    report = json.loads((outdir / "validation-report.json").read_text(encoding="utf-8"))
    return sorted(
        (r["pluginName"], v["ruleName"], c["constructPath"])
        for r in report["pluginReports"] if r["pluginName"] in ("AwsSolutions", "LeastPrivilegeChecks")
        for v in r["violations"] for c in v["violatingConstructs"]
    )


def _reason(plugin: str, rule: str, path: str) -> str | None:
    for p, prefix, fragment, reason in ACCEPTED:
        if p == plugin and rule.startswith(prefix) and fragment in "/" + path + "/":
            return reason
    return None


def _app(outdir: Path) -> Any:
    from aws_cdk import Validations
    from cdk_nag import AwsSolutionsChecks

    from least_privilege_constructs import LeastPrivilegeChecks
    from sample_app.app import build_app

    app = build_app(str(outdir))
    Validations.of(app).add_plugins(AwsSolutionsChecks(app), LeastPrivilegeChecks(app))
    return app


def _find(app: Any, path: str) -> Any:
    node = app
    for part in path.split("/"):
        node = node.node.find_child(part)
    return node


@pytest.fixture(scope="module")
def first_pass(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, str, str]]:
    outdir = tmp_path_factory.mktemp("sample-nag-1")
    app = _app(outdir)
    try:
        app.synth()
    except Exception:  # findings fail the synthesis; they are read from the report
        pass
    return _report(outdir)


def test_only_known_findings(first_pass: list[tuple[str, str, str]]) -> None:
    unexpected = [f for f in first_pass if _reason(*f) is None]
    assert unexpected == [], "new findings on the sample app:\n" + "\n".join(map(str, unexpected))


def test_passes_both_packs_once_acknowledged(first_pass: list[tuple[str, str, str]],
                                             tmp_path_factory: pytest.TempPathFactory) -> None:
    from aws_cdk import Acknowledgment, Validations

    outdir = tmp_path_factory.mktemp("sample-nag-2")
    app = _app(outdir)
    for plugin, rule, path in first_pass:
        reason = _reason(plugin, rule, path)
        assert reason is not None
        Validations.of(_find(app, path)).acknowledge(Acknowledgment(id=rule, reason=reason))
    app.synth()  # raises when any finding of either pack is left
    assert _report(outdir) == []
