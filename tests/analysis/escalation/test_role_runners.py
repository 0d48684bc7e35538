"""Issue 13: the table of resources that run with a role, the boundary generated from it, the escalation
analysis reading it, and the sample boundary closing every family of the attack.

The attack: a developer may create an ``/app/`` role with the exact boundary, trusting itself, give it an
inline ``Allow *`` and assume it, so whatever the boundary allows, the developer has. Each family below is
(1) reported by the analysis as a B9 path with the row's id against the sample boundary as it stood, and
(2) denied by the sample boundary generated from the table, request by request, by the library's
evaluator and by ``@cloud-copilot/iam-simulate``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from least_privilege_constructs.analysis.catalog import get_catalog
from least_privilege_constructs.analysis.escalation import EscalationContext, analyze
from least_privilege_constructs.analysis.escalation import checks as checks_module
from least_privilege_constructs.analysis.escalation import runners as runners_module
from least_privilege_constructs.analysis.escalation.runners import (
    RunnerTableError,
    compact_actions,
    load_runners,
    rows_allowed_by,
)
from least_privilege_constructs.analysis.iam import action_matches
from least_privilege_constructs.analysis.reasoning import PolicySet, Request, evaluate
from least_privilege_constructs.boundary.boundary_document import (
    MANAGED_POLICY_MAX_CHARS,
    BoundarySpec,
    build_boundary_document,
    policy_size,
)
from sample_app import config

ROOT = Path(__file__).resolve().parents[3]
BEFORE = ROOT / "tests" / "fixtures" / "escalation" / "families" / "sample-boundary-before-issue-13.json"
ACCOUNT = config.WORKLOAD_ACCOUNT
REGION = config.REGIONS[0]

CONTEXT = EscalationContext(account=ACCOUNT, regions=[REGION], cdk_bootstrap=False)

# the rows the issue names (at least)
REQUIRED_ROWS = {
    "lambda-function", "lambda-layer", "lambda-alias", "states-state-machine", "codebuild-project",
    "codepipeline-pipeline", "cloudformation-stack", "cloudformation-stackset", "ecs-service",
    "ecs-task-definition", "ecs-container-instance", "eks-cluster", "ec2-instance-user-data", "ec2-launch-template",
    "ssm-managed-node", "ssm-association", "ssm-maintenance-window", "ssm-document", "ssm-automation",
    "ssm-parameter", "glue-job", "glue-dev-endpoint", "sagemaker-notebook", "sagemaker-jobs", "emr-cluster",
    "batch-job-definition", "apprunner-service", "elasticbeanstalk-environment", "amplify-app", "events-rule",
    "scheduler-schedule", "datapipeline-pipeline", "cdk-custom-resource",
}


def sub(document: Any) -> Any:
    """Pseudo parameters of the sample's workload account."""
    text = json.dumps(document).replace("${AWS::AccountId}", ACCOUNT).replace("${AWS::Partition}", "aws")
    return json.loads(text)


def sample_boundary() -> dict[str, Any]:
    spec = BoundarySpec(name="lpc-developer-boundary", allowed_regions=config.REGIONS,
                        **config.BOUNDARY_OPTIONS)  # type: ignore[arg-type]
    return build_boundary_document(spec)


# -- the table ----------------------------------------------------------------------------------------------


def test_the_table_has_a_row_for_every_resource_type_the_issue_names_each_citing_a_source() -> None:
    rows = load_runners()
    ids = [r.id for r in rows]
    assert len(ids) == len(set(ids))
    assert REQUIRED_ROWS <= set(ids)
    for row in rows:
        assert row.sources and all(s.url.startswith("https://") for s in row.sources), row.id
        assert row.role_binding and row.probe_arn_template
        if row.scope in ("name", "condition"):
            assert row.application_arn_templates and all("{prefix}" in t for t in row.application_arn_templates)


def test_a_malformed_table_is_an_error_naming_the_row(tmp_path: Path) -> None:
    data = json.loads(runners_module.TABLE_PATH.read_text(encoding="utf-8"))
    del data["runners"][3]["sources"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    with pytest.raises(RunnerTableError, match=r"runners/3.*sources"):
        load_runners(str(bad))
    data = json.loads(runners_module.TABLE_PATH.read_text(encoding="utf-8"))
    data["runners"][0]["changes"].append("lambda:RewriteEverything")
    bad.write_text(json.dumps(data))
    with pytest.raises(RunnerTableError, match="lambda:RewriteEverything is not an action"):
        load_runners(str(bad))


@pytest.mark.parametrize("resource_types", [None, {"function", "stack", "document", "repository"}])
def test_compact_wildcards_match_exactly_the_actions_or_same_resource_writes(resource_types: Any) -> None:
    catalog = get_catalog()
    actions = [a for r in load_runners() for a in r.actions]
    compact = compact_actions(actions, extra_resource_types=resource_types)
    assert len(json.dumps(compact)) < len(json.dumps(sorted(set(actions))))
    matched = {a for p in compact for a in catalog.expand_action(p)}
    assert {catalog.action(a).full_name for a in actions} <= matched  # type: ignore[union-attr]
    for extra in matched - {catalog.action(a).full_name for a in actions}:  # type: ignore[union-attr]
        info = catalog.action(extra)
        assert resource_types is not None and info is not None
        assert info.access_level not in ("List", "Read"), extra
        assert set(info.required_resource_types) <= resource_types, extra


# -- the boundary is generated from the table ---------------------------------------------------------------


def test_the_sample_boundary_fits_the_managed_policy_limit() -> None:
    size = policy_size(sample_boundary(), account=ACCOUNT)
    assert size <= MANAGED_POLICY_MAX_CHARS, size


def test_only_rows_the_boundary_grants_get_statements() -> None:
    doc = build_boundary_document(BoundarySpec(name="b", allowed_services=["dynamodb", "logs"]))
    assert not [s for s in doc["Statement"] if s["Sid"].startswith("DenyTakeover")]
    doc = build_boundary_document(BoundarySpec(name="b", allowed_services=["states"]))
    (takeover,) = [s for s in doc["Statement"] if s["Sid"].startswith("DenyTakeover")]
    assert takeover["NotResource"] == ["arn:${AWS::Partition}:states:*:${AWS::AccountId}:stateMachine:app-*"]


def test_a_new_row_closes_its_path_in_the_boundary_and_teaches_the_analysis(monkeypatch: pytest.MonkeyPatch,
                                                                            tmp_path: Path) -> None:
    data = json.loads(runners_module.TABLE_PATH.read_text(encoding="utf-8"))
    data["runners"].append({
        "id": "sns-subscription-delivery", "title": "SNS subscription delivery role", "service": "sns",
        "resourceType": "topic", "roleBinding": "the subscription's delivery role",
        "changes": ["sns:Subscribe"], "starts": ["sns:Publish"], "passRoleRechecked": "never", "scope": "name",
        "applicationArns": ["arn:{partition}:sns:*:{account}:{prefix}*"],
        "probeArn": "arn:{partition}:sns:{region}:{account}:{name}",
        "sources": [{"title": "SNS Developer Guide", "url": "https://docs.aws.amazon.com/sns/latest/dg/welcome.html"}],
    })
    table = tmp_path / "table.json"
    table.write_text(json.dumps(data))
    rows = load_runners(str(table))
    monkeypatch.setattr(runners_module, "load_runners", lambda path=None: rows)
    monkeypatch.setattr(checks_module, "load_runners", lambda path=None: rows)
    doc = build_boundary_document(BoundarySpec(name="b", allowed_services=["sns"]))
    (takeover,) = [s for s in doc["Statement"] if s["Sid"] == "DenyTakeoverOutsideApplicationResources"]
    assert {"sns:Subscribe", "sns:Publish"} <= {a for p in takeover["Action"]
                                                for a in get_catalog().expand_action(p)}
    assert [r.id for r in rows_allowed_by(["sns:*"])] == ["sns-subscription-delivery"]
    # the analysis asks the new row's question of a developer the old boundary does not stop
    path = _family_template(tmp_path, json.loads(BEFORE.read_text(encoding="utf-8")) | {}, ["sns:Subscribe"], "*",
                            allow_more=["sns:*"])
    report = analyze(path, CONTEXT)
    assert "sns-subscription-delivery" in {p.family for p in [*report.paths, *report.conditional]}


# -- the families of the attack --------------------------------------------------------------------------------

# family -> (row id reported, the developer statement's actions, resource, conditional?)
FAMILIES: dict[str, tuple[str, list[str], str, bool]] = {
    "ssm-association": ("ssm-association", ["ssm:CreateAssociation", "ssm:StartAssociationsOnce"], "*", False),
    "ssm-maintenance-window": ("ssm-maintenance-window", ["ssm:RegisterTaskWithMaintenanceWindow"], "*", False),
    "ssm-document": ("ssm-document", ["ssm:UpdateDocument"], "*", False),
    "ssm-parameter": ("ssm-parameter", ["ssm:PutParameter"], "*", True),
    "step-functions": ("states-state-machine", ["states:UpdateStateMachine", "states:StartExecution"], "*", False),
    "cloudformation-delete": ("cloudformation-stack", ["cloudformation:UpdateTerminationProtection",
                                                       "cloudformation:DeleteStack"], "*", False),
    "cloudformation-stackset": ("cloudformation-stackset", ["cloudformation:CreateStackSet",
                                                            "cloudformation:UpdateStackSet",
                                                            "cloudformation:CreateStackInstances"], "*", False),
    "ecr-push": ("ecr-repository", ["ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart",
                                    "ecr:CompleteLayerUpload"], "*", False),
    "ecs-force-deployment": ("ecs-service", ["ecs:UpdateService"], "*", False),
    "ecs-host-network-task": ("ecs-container-instance", ["ecs:RunTask"],
                              f"arn:aws:ecs:*:{ACCOUNT}:task-definition/app-*", False),
    "s3-pipeline-source": ("s3-object-read-by-compute", ["s3:PutObject"], "*", True),
    "invoke-custom-resource": ("lambda-function", ["lambda:InvokeFunction"], "*", True),
    "secrets": ("secretsmanager-secret", ["secretsmanager:GetSecretValue"], "*", True),
}


def _family_template(tmp_path: Path, boundary: dict[str, Any], actions: list[str], resource: str, *,
                     allow_more: list[str] | None = None, name: str = "family") -> Path:
    boundary = json.loads(json.dumps(boundary))
    if allow_more:
        boundary["Statement"][0]["Action"] = sorted({*boundary["Statement"][0]["Action"], *allow_more})
    template = {"Resources": {
        "Boundary": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
            "ManagedPolicyName": "lpc-developer-boundary", "Path": "/boundaries/", "PolicyDocument": sub(boundary)}},
        "Developer": {"Type": "AWS::IAM::Role", "Properties": {
            "RoleName": "payments-developers", "Path": "/developers/", "PermissionsBoundary": {"Ref": "Boundary"},
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "sts:AssumeRole",
                "Principal": {"AWS": f"arn:aws:iam::{config.IDENTITY_ACCOUNT}:root"}}]},
            "Policies": [{"PolicyName": "Family", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Sid": "FamilyGrant", "Effect": "Allow", "Action": actions, "Resource": resource}]}}]}},
    }}
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(template))
    return path


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_each_family_is_a_path_with_its_id_against_the_boundary_as_it_stood(tmp_path: Path, family: str) -> None:
    row_id, actions, resource, conditional = FAMILIES[family]
    before = json.loads(BEFORE.read_text(encoding="utf-8"))
    report = analyze(_family_template(tmp_path, before, actions, resource), CONTEXT)
    assert report.problems == []
    found = report.conditional if conditional else report.paths
    paths = [p for p in found if p.family == row_id]
    assert paths, [(p.method_id, p.family) for p in [*report.paths, *report.conditional]]
    path = paths[0]
    assert path.method_id == "B9" and path.principal.endswith("/Developer")
    assert any("FamilyGrant" in s for s in path.statements)
    finding = path.to_finding()
    assert finding.details["family"] == row_id
    if conditional:
        assert finding.finding_type.value == "WARNING" and path.condition in finding.message
    else:
        assert finding.is_blocking()


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_the_new_sample_boundary_closes_each_family(tmp_path: Path, family: str) -> None:
    _, actions, resource, _ = FAMILIES[family]
    report = analyze(_family_template(tmp_path, sample_boundary(), actions, resource), CONTEXT)
    assert report.problems == []
    assert [(p.family, p.target) for p in [*report.paths, *report.conditional]] == []


# the concrete requests of the chains, as the developer's own /app/ role (exact boundary, inline Allow *)
ATTACKER = f"arn:aws:iam::{ACCOUNT}:role/app/app-payments-escape"
E = f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/i-0123456789abcdef0"
CHAINS: list[tuple[str, str, dict[str, str]]] = [
    ("ssm:CreateAssociation", f"arn:aws:ssm:{REGION}::document/AWS-RunShellScript", {}),
    ("ssm:CreateAssociation", E, {}),
    ("ssm:StartAssociationsOnce", f"arn:aws:ssm:{REGION}:{ACCOUNT}:association/0a1b2c3d-1111-2222-3333-444455556666", {}),
    ("ssm:RegisterTaskWithMaintenanceWindow", f"arn:aws:ssm:{REGION}:{ACCOUNT}:maintenancewindow/mw-0123456789abcdef0", {}),
    ("ssm:UpdateDocument", f"arn:aws:ssm:{REGION}:{ACCOUNT}:document/platform-patch-baseline", {}),
    ("ssm:PutParameter", f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/platform/golden-ami", {}),
    ("ssm:StartAutomationExecution", f"arn:aws:ssm:{REGION}:{ACCOUNT}:automation-definition/platform-restart:$DEFAULT", {}),
    ("states:UpdateStateMachine", f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:platform-rotation", {}),
    ("states:StartExecution", f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:platform-rotation", {}),
    ("cloudformation:UpdateTerminationProtection",
     f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/CDKToolkit/5f3c1a10-0000-11ef-aaaa-0a1b2c3d4e5f", {}),
    ("cloudformation:DeleteStack",
     f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/platform-guardrails/5f3c1a10-0000-11ef-aaaa-0a1b2c3d4e5f", {}),
    ("cloudformation:CreateStackSet", "*", {}),
    ("cloudformation:UpdateStackSet", f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stackset/org-baseline:5f3c1a10", {}),
    ("cloudformation:CreateStackInstances",
     f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stackset/org-baseline:5f3c1a10", {}),
    ("ecr:PutImage", f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/platform-agent", {}),
    ("ecr:CompleteLayerUpload", f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/platform-agent", {}),
    ("ecs:UpdateService", f"arn:aws:ecs:{REGION}:{ACCOUNT}:service/platform/agent", {}),
    ("ecs:RunTask", f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/app-payments-worker:3",
     {"ecs:cluster": f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/platform-ec2"}),
    ("s3:PutObject", "arn:aws:s3:::platform-pipeline-source/source.zip", {}),
    ("lambda:InvokeFunction", f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:platform-AwsCustomResourceProvider", {}),
    ("secretsmanager:GetSecretValue", f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:platform/db-admin-AbCdEf", {}),
]
CLOSED_BEFORE: list[tuple[str, str, dict[str, str]]] = [
    # denied before issue 13 already (DenyInteractiveAccessToCompute), and still
    ("ssm:SendCommand", E, {}),
    ("ssm:StartSession", E, {}),
]
APPLICATION_REQUESTS: list[tuple[str, str, dict[str, str]]] = [
    # the developers' own work stays allowed
    ("states:UpdateStateMachine", f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:app-payments-flow", {}),
    ("cloudformation:UpdateStack", f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/app-payments/5f3c1a10", {}),
    ("ecr:PutImage", f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/app-payments-api", {}),
    ("ecs:RunTask", f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/app-payments-worker:3",
     {"ecs:cluster": f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/app-payments"}),
    ("s3:PutObject", "arn:aws:s3:::app-payments-uploads/x.json", {}),
    ("ssm:PutParameter", f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/app-payments-flag", {}),
    ("ssm:GetParameter", f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/platform/golden-ami", {}),
    ("lambda:GetFunction", f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:platform-AwsCustomResourceProvider", {}),
]


def _case(boundary: dict[str, Any], action: str, resource: str, extra: dict[str, str], i: int) -> dict[str, Any]:
    return {
        "id": i, "principal": ATTACKER, "action": action, "resource": resource, "accountId": ACCOUNT,
        "context": {"aws:RequestedRegion": REGION, "aws:PrincipalArn": ATTACKER, "aws:PrincipalAccount": ACCOUNT,
                    **extra},
        "identity": [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}],
        "boundary": sub(boundary), "scps": [], "rcps": [], "resourcePolicy": None,
    }


def _ours(case: dict[str, Any]) -> str:
    ps = PolicySet.build(identity=case["identity"], boundary=case["boundary"])
    return evaluate(Request(case["principal"], case["action"], case["resource"], case["context"], case["accountId"]),
                    ps).outcome.value


@pytest.mark.differential
def test_every_request_of_the_chains_is_denied_by_the_new_boundary_in_both_evaluators() -> None:
    from tests.analysis.reasoning.test_differential import run_iam_simulate

    before = json.loads(BEFORE.read_text(encoding="utf-8"))
    after = sample_boundary()
    cases = [_case(before, *req, i) for i, req in enumerate(CHAINS)]
    cases += [_case(after, *req, len(CHAINS) + i) for i, req in enumerate([*CHAINS, *CLOSED_BEFORE])]
    m = len(CHAINS) + len(CLOSED_BEFORE)
    cases += [_case(after, *req, len(CHAINS) + m + i) for i, req in enumerate(APPLICATION_REQUESTS)]
    theirs = [t.get("result", t.get("error")) for t in run_iam_simulate(cases)]
    ours = [_ours(c) for c in cases]
    n = len(CHAINS)
    labels = [f"{c['action']} on {c['resource']}" for c in cases]
    # as it stood, every request of the chains was allowed (the families were open) ...
    assert [(label, o, t) for label, o, t in zip(labels[:n], ours[:n], theirs[:n], strict=True)
            if (o, t) != ("Allowed", "Allowed")] == []
    # ... the boundary generated from the table denies each one explicitly ...
    assert [(label, o, t) for label, o, t in zip(labels[n:n + m], ours[n:n + m], theirs[n:n + m], strict=True)
            if (o, t) != ("ExplicitlyDenied", "ExplicitlyDenied")] == []
    # ... and leaves the developers' own resources (and reads elsewhere) allowed
    assert [(label, o, t) for label, o, t in zip(labels[n + m:], ours[n + m:], theirs[n + m:], strict=True)
            if (o, t) != ("Allowed", "Allowed")] == []
    assert len(cases) == n + m + len(APPLICATION_REQUESTS)


def test_rows_of_the_boundary_grant_cover_the_sample_services() -> None:
    granted = [f"{s}:*" for s in config.ALLOWED_SERVICES]
    ids = {r.id for r in rows_allowed_by(granted)}
    assert {"ssm-association", "states-state-machine", "cloudformation-stackset", "ecr-repository",
            "ecs-container-instance", "s3-object-read-by-compute", "secretsmanager-secret"} <= ids
    assert "codebuild-project" not in ids  # the sample's boundary does not grant CodeBuild: implicitly denied
    assert all(any(action_matches(g, a) for g in granted for a in r.actions) for r in rows_allowed_by(granted))


def _developer_template(tmp_path: Path, boundary: dict[str, Any], name: str) -> Path:
    """The sample's design with no family granted: the developer creates bounded application roles only."""
    path = _family_template(tmp_path, boundary, ["logs:GetLogEvents"], "*", name=name)
    template = json.loads(path.read_text(encoding="utf-8"))
    boundary_arn = f"arn:aws:iam::{ACCOUNT}:policy/boundaries/lpc-developer-boundary"
    template["Resources"]["Developer"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"].append({
        "Sid": "ManageBoundedApplicationRoles", "Effect": "Allow",
        "Action": ["iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy"],
        "Resource": f"arn:aws:iam::{ACCOUNT}:role/app/*",
        "Condition": {"StringEquals": {"iam:PermissionsBoundary": boundary_arn}}})
    path.write_text(json.dumps(template))
    return path


def test_whatever_the_boundary_allows_the_developer_has_through_a_role_it_creates(tmp_path: Path) -> None:
    # the sample's unmodified design as it stood: no family in the developer policy, yet every family is open
    # through an application role the developer creates with the exact boundary, Allow * and a trust of itself
    report = analyze(_developer_template(tmp_path, json.loads(BEFORE.read_text(encoding="utf-8")), "before"),
                     CONTEXT)
    assert report.problems == []
    families = {p.family for p in report.paths}
    assert {"ssm-association", "ssm-maintenance-window", "ssm-document", "states-state-machine",
            "cloudformation-stack", "cloudformation-stackset", "ecr-repository", "ecs-service",
            "ecs-container-instance"} <= families
    assert {"s3-object-read-by-compute", "secretsmanager-secret", "ssm-parameter"} <= {
        p.family for p in report.conditional}
    path = next(p for p in report.paths if p.family == "ssm-association")
    assert "through an application role it may create with its own boundary" in path.evidence
    assert path.permissions == ("iam:CreateRole", "iam:PutRolePolicy", "sts:AssumeRole")
    assert any("ManageBoundedApplicationRoles" in s for s in path.statements)
    # the boundary generated from the table closes them all
    fixed = analyze(_developer_template(tmp_path, sample_boundary(), "after"), CONTEXT)
    assert fixed.problems == [] and fixed.paths == [] and fixed.conditional == []
