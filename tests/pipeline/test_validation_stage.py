"""``PolicyValidationStage`` on a synthesized CDK Pipelines pipeline (given / when / then): the BuildSpec,
the role's policies (which the library's own validator passes), the approval, cfn-lint; then the BuildSpec's
commands run locally against fixture assemblies (network off: the deployed side is a local assembly)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack, Stage, pipelines
from aws_cdk import aws_iam as iam

from least_privilege_constructs.analysis.validate import validate_policy
from least_privilege_constructs.errors import LeastPrivilegeError
from least_privilege_constructs.pipeline import PolicyValidationStage
from tests.helpers.cfn import cfn_lint_errors

pytestmark = pytest.mark.synth
ROOT = Path(__file__).resolve().parents[2]
PIPELINE = "payments-pipeline"


class AppStage(Stage):
    def __init__(self, scope: Any, construct_id: str, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        stack = Stack(self, "Api", stack_name="payments-api")
        iam.Role(stack, "Fn", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))


def synth(tmp: Path, **options: Any) -> tuple[dict[str, Any], PolicyValidationStage]:
    app = App(outdir=str(tmp / "cdk.out"))
    env = Environment(account="111122223333", region="eu-west-1")
    stack = Stack(app, "PipelineStack", env=env)
    synth_step = pipelines.ShellStep("Synth", input=pipelines.CodePipelineSource.connection(
        "org/repo", "main", connection_arn="arn:aws:codeconnections:eu-west-1:111122223333:connection/abc"),
        commands=["npx cdk synth"])
    pipeline = pipelines.CodePipeline(stack, "Pipeline", pipeline_name=PIPELINE, synth=synth_step)
    stage = AppStage(stack, "Prod", env=env)
    validation = PolicyValidationStage("Validate", input=synth_step, stage=stage, pipeline_name=PIPELINE, **options)
    pipeline.add_stage(stage, pre=validation.steps)
    app.synth()
    template = json.loads((tmp / "cdk.out" / "PipelineStack.template.json").read_text())
    return template, validation


def projects(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out = {}
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] == "AWS::CodeBuild::Project":
            out[logical_id] = json.loads(resource["Properties"]["Source"]["BuildSpec"])
    return out


def _is(logical_id: str, name: str) -> bool:
    """``Validate`` is the validation project, ``AutoApprove`` the auto-approval one."""
    if name == "Validate":
        return "ProdValidate" in logical_id and "AutoApprove" not in logical_id
    return name in logical_id


def spec_of(template: dict[str, Any], name: str) -> dict[str, Any]:
    return next(spec for logical_id, spec in projects(template).items() if _is(logical_id, name))


def actions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    pipeline = next(r for r in template["Resources"].values() if r["Type"] == "AWS::CodePipeline::Pipeline")
    return {a["Name"]: a for s in pipeline["Properties"]["Stages"] for a in s["Actions"]}


def role_statements(template: dict[str, Any], project_marker: str) -> list[dict[str, Any]]:
    project = next(r for k, r in template["Resources"].items()
                   if r["Type"] == "AWS::CodeBuild::Project" and _is(k, project_marker))
    role_ref = project["Properties"]["ServiceRole"]["Fn::GetAtt"][0]
    return [s for r in template["Resources"].values() if r["Type"] == "AWS::IAM::Policy"
            and {"Ref": role_ref} in r["Properties"]["Roles"] for s in r["Properties"]["PolicyDocument"]["Statement"]]


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    tmp = tmp_path_factory.mktemp("pipeline")
    template, _ = synth(tmp)
    return template, tmp / "cdk.out"


def test_given_the_stage_then_the_buildspec_runs_gate_and_diff_with_pinned_tools(synthesized: Any) -> None:
    template, _ = synthesized
    spec = spec_of(template, "Validate")
    install = spec["phases"]["install"]
    assert install["runtime-versions"] == {"python": "3.11"}
    assert all("==" in c for c in install["commands"] if "pip install" in c)
    build = "\n".join(spec["phases"]["build"]["commands"])
    assert 'lpc gate "$LPC_ASSEMBLY" --ci --mode offline --format sarif' in build
    assert 'lpc diff --deployed "$LPC_ASSEMBLY"' in build
    assert sorted(spec["env"]["exported-variables"]) == ["BROADENING", "DIFF"]
    assert spec["reports"]["lpc-gate"]["file-format"] == "JUNITXML"
    assert spec["artifacts"]["base-directory"] == "lpc-reports"


def test_given_the_stage_then_broadening_goes_to_an_approval_with_the_diff(synthesized: Any) -> None:
    template, _ = synthesized
    acts = actions(template)
    approval = acts["ValidateApproval"]
    assert approval["ActionTypeId"]["Provider"] == "Manual"
    namespace = acts["Validate"]["Namespace"]
    assert f"#{{{namespace}.DIFF}}" in approval["Configuration"]["CustomData"]
    auto = acts["ValidateAutoApprove"]
    env = json.loads(auto["Configuration"]["EnvironmentVariables"])
    assert {"name": "BROADENING", "type": "PLAINTEXT", "value": f"#{{{namespace}.BROADENING}}"} in env
    # approval and auto-approval run beside each other, after the validation, before the deployment
    assert approval["RunOrder"] == auto["RunOrder"] == acts["Validate"]["RunOrder"] + 1
    deploy = [a for n, a in acts.items() if n.endswith(".Deploy")]
    assert deploy and all(a["RunOrder"] > approval["RunOrder"] for a in deploy)


def test_given_the_stage_then_the_roles_are_least_privilege_and_validate_clean(synthesized: Any) -> None:
    template, _ = synthesized
    extra = [s for s in role_statements(template, "Validate") if s.get("Sid")]
    assert [(s["Sid"], s["Action"]) for s in extra] == [("ReadDeployedTemplates", "cloudformation:GetTemplate")]
    resource = json.dumps(extra[0]["Resource"])
    assert "stack/payments-api/*" in resource
    approve = {s["Sid"]: s for s in role_statements(template, "AutoApprove") if s.get("Sid")}
    assert approve["ReadPipelineState"]["Action"] == "codepipeline:GetPipelineState"
    assert approve["ApproveWhenNothingBroadens"]["Action"] == "codepipeline:PutApprovalResult"
    for statement in [*extra, *approve.values()]:
        document = {"Version": "2012-10-17", "Statement": [_resolved(statement)]}
        assert validate_policy(document) == []


def _resolved(statement: dict[str, Any]) -> dict[str, Any]:
    def resolve(value: Any) -> Any:
        if isinstance(value, dict) and "Fn::Join" in value:
            sep, parts = value["Fn::Join"]
            return sep.join(str(resolve(p)) for p in parts)
        if isinstance(value, dict) and value.get("Ref") == "AWS::Partition":
            return "aws"
        if isinstance(value, list):
            return [resolve(v) for v in value]
        return value

    return {k: resolve(v) for k, v in statement.items()}


def test_given_access_analyzer_and_cross_account_then_only_those_actions_are_added(tmp_path: Path) -> None:
    template, _ = synth(tmp_path, access_analyzer=True, cross_account=True)
    extra = {s["Sid"]: s for s in role_statements(template, "Validate") if s.get("Sid")}
    assert sorted(extra) == ["AccessAnalyzerChecks", "AssumeLookupRoles"]
    assert sorted(extra["AccessAnalyzerChecks"]["Action"]) == [
        "access-analyzer:CheckAccessNotGranted", "access-analyzer:CheckNoNewAccess",
        "access-analyzer:CheckNoPublicAccess", "access-analyzer:ValidatePolicy"]
    assert "cdk-hnb659fds-lookup-role-111122223333-eu-west-1" in json.dumps(extra["AssumeLookupRoles"]["Resource"])
    build = "\n".join(spec_of(template, "Validate")["phases"]["build"]["commands"])
    assert "--mode online" in build and "--role-arn-template" in build


def test_given_the_pipeline_template_then_cfn_lint_is_clean(synthesized: Any) -> None:
    from cfnlint.api import lint_file

    template, cdk_out = synthesized
    acts = list(actions(template).values())
    errors = [m for m in lint_file(cdk_out / "PipelineStack.template.json") if m.rule.id.startswith("E")]
    # aws-cdk-lib writes the CloudFormation deploy actions' RoleArn as Fn::Join (E3703, a style rule); anything
    # else, and anything on this library's steps, is an error
    ours = [m for m in errors if not (m.rule.id == "E3703" and m.path[-1] == "RoleArn"
                                      and acts[_action_index(template, m.path)]["ActionTypeId"]["Provider"]
                                      == "CloudFormation")]
    assert ours == []
    assert cfn_lint_errors((cdk_out / "assembly-PipelineStack-Prod").glob("*.template.json")) == []


def _action_index(template: dict[str, Any], path: list[Any]) -> int:
    """The index in :func:`actions` of the action at a cfn-lint path ``Resources/<p>/Properties/Stages/i/Actions/j``."""
    pipeline = template["Resources"][path[1]]
    stages = pipeline["Properties"]["Stages"]
    return sum(len(s["Actions"]) for s in stages[: path[4]]) + int(path[6])


def test_given_bad_input_then_errors_have_stable_codes(tmp_path: Path) -> None:
    with pytest.raises(LeastPrivilegeError, match="LPC-PIPELINE-001"):
        PolicyValidationStage("V", input=pipelines.ShellStep("S", commands=["x"]))
    app = App()
    stage = AppStage(app, "S")
    with pytest.raises(LeastPrivilegeError, match="LPC-PIPELINE-002"):
        PolicyValidationStage("V", input=pipelines.ShellStep("S", commands=["x"]), stage=stage)


BOUNDARY_ARN = "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/boundaries/lpc-developer-boundary"
# --- the BuildSpec's commands, run locally ---------------------------------------------------------
ACK = {"/App/Role": [{"type": "aws:cdk:acknowledged-rules",
                      "data": {"LeastPrivilege-PolicyValidation::ACCESS_GRANTED": "SEC-12: reviewed"}}]}


def _assembly(path: Path, action: str, metadata: dict[str, Any] | None = None, extra_role: bool = False) -> Path:
    path.mkdir(parents=True)
    role = {"AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
        # the organization's boundary (lpc gate runs boundary enforcement too)
        "PermissionsBoundary": {"Fn::Sub": BOUNDARY_ARN},
        "Policies": [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": action.split(","), "Resource": "arn:aws:s3:::bucket/*"}]}}]}
    resources = {"Role": {"Type": "AWS::IAM::Role", "Metadata": {"aws:cdk:path": "App/Role/Resource"},
                          "Properties": role}}
    if extra_role:  # a new role under the acknowledged construct path
        resources["Helper"] = {"Type": "AWS::IAM::Role", "Metadata": {"aws:cdk:path": "App/Role/Helper/Resource"},
                               "Properties": role}
    (path / "App.template.json").write_text(json.dumps({"Resources": resources}))
    (path / "manifest.json").write_text(json.dumps({"version": "36.0.0", "artifacts": {"App": {
        "type": "aws:cloudformation:stack", "environment": "aws://111122223333/eu-west-1",
        "properties": {"templateFile": "App.template.json", "stackName": "App"}, "metadata": metadata or {}}}}))
    return path


def run_buildspec(spec: dict[str, Any], work: Path, new: Path, deployed: Path) -> tuple[int, dict[str, str], str]:
    """The build phase's commands in bash, ``lpc`` the project's CLI; ``--deployed`` reads ``deployed``
    (the only stand-in: GetTemplate itself is tested with botocore's Stubber)."""
    bin_dir = work / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "lpc"
    wrapper.write_text(
        "#!/bin/bash\nargs=()\nskip=0\nfor a in \"$@\"; do\n"
        "  if [ $skip = 1 ]; then skip=0; continue; fi\n"
        f"  if [ \"$a\" = --deployed ]; then args+=(\"{deployed}\"); continue; fi\n"
        "  if [ \"$a\" = --role-arn-template ]; then skip=1; continue; fi\n"
        "  args+=(\"$a\")\ndone\n"
        f"exec {sys.executable} -m least_privilege_constructs.cli.main \"${{args[@]}}\"\n")
    wrapper.chmod(0o755)
    script = "set -e\n" + "\n".join(spec["phases"]["build"]["commands"]) + \
        "\necho \"BROADENING=$BROADENING\"\necho \"DIFF=$DIFF\"\n"
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "LPC_ASSEMBLY": str(new),
           "PYTHONPATH": str(ROOT), "AWS_EC2_METADATA_DISABLED": "true", "NO_PROXY": "*",
           "HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9"}
    proc = subprocess.run(["bash", "-c", script], cwd=work, env=env, capture_output=True, text=True, timeout=300)
    exported = dict(line.split("=", 1) for line in proc.stdout.splitlines() if line.startswith(("BROADENING=", "DIFF=")))
    return proc.returncode, exported, proc.stdout + proc.stderr


@pytest.mark.parametrize("new_actions, code, broadening, diff, change", [
    ("s3:GetObject", 0, "false", "no broadening", {}),
    ("s3:GetObject,s3:DeleteObject", 0, "true", "1 NEW_ACCESS", {}),
    ("s3:GetObjekt", 2, None, None, {}),
    # nothing broadens, but the change adds an acknowledgment: a person approves it (review2 ack2)
    ("s3:GetObject", 0, "true", "1 ACKNOWLEDGMENT_ADDED", {"new_ack": True}),
    # an acknowledgment already deployed covers a role the change adds under it
    ("s3:GetObject", 0, "true", "1 ACKNOWLEDGMENT_APPLIES 1 NEW_PRINCIPAL", {"old_ack": True, "new_ack": True,
                                                                             "extra_role": True}),
])
def test_given_fixture_assemblies_when_the_buildspec_runs_then_gate_blocks_and_diff_exports(
        synthesized: Any, tmp_path: Path, new_actions: str, code: int, broadening: str | None,
        diff: str | None, change: dict[str, bool]) -> None:
    if shutil.which("bash") is None:
        pytest.skip("needs bash")
    template, _ = synthesized
    deployed = _assembly(tmp_path / "deployed", "s3:GetObject", ACK if change.get("old_ack") else None)
    new = _assembly(tmp_path / "new", new_actions, ACK if change.get("new_ack") else None,
                    extra_role=change.get("extra_role", False))
    returncode, exported, output = run_buildspec(spec_of(template, "Validate"), tmp_path, new, deployed)
    assert returncode == code, output
    assert exported.get("BROADENING") == broadening
    if diff is not None:
        assert exported["DIFF"].strip() == diff
    assert (tmp_path / "lpc-reports" / "gate.sarif").is_file() and (tmp_path / "lpc-reports" / "gate.xml").is_file()


# --- pipeline mode: the gate trusts nothing the commit controls (issue 20) ---------------------------------
PLATFORM = {"treatAsBlocking": ["ERROR", "SECURITY_WARNING"], "allowExternalPrincipals": ["222222222222"]}


def validate_project(template: dict[str, Any]) -> dict[str, Any]:
    return next(r for k, r in template["Resources"].items()
                if r["Type"] == "AWS::CodeBuild::Project" and _is(k, "Validate"))


def test_given_platform_settings_and_a_key_then_the_build_runs_the_gate_in_pipeline_mode_with_them(
        tmp_path: Path) -> None:
    # given the stage with the platform's settings, the repository (for its cdk.json) and a secret HMAC key
    from aws_cdk import aws_secretsmanager as secretsmanager

    repo = pipelines.CodePipelineSource.connection(
        "org/app", "main", connection_arn="arn:aws:codeconnections:eu-west-1:111122223333:connection/abc")
    secret_arn = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:lpc-cache-key-AbCdEf"

    key_arn = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"

    def key(stack: Stack) -> Any:  # encrypted with a customer managed key
        from aws_cdk import aws_kms as kms

        return secretsmanager.Secret.from_secret_attributes(
            stack, "CacheKey", secret_complete_arn=secret_arn,
            encryption_key=kms.Key.from_key_arn(stack, "CacheKeyKey", key_arn))

    app = App(outdir=str(tmp_path / "cdk.out"))
    env = Environment(account="111122223333", region="eu-west-1")
    stack = Stack(app, "PipelineStack", env=env)
    synth_step = pipelines.ShellStep("Synth", input=repo, commands=["npx cdk synth"])
    pipeline = pipelines.CodePipeline(stack, "Pipeline", pipeline_name=PIPELINE, synth=synth_step)
    stage = AppStage(stack, "Prod", env=env)
    validation = PolicyValidationStage("Validate", input=synth_step, stage=stage, pipeline_name=PIPELINE,
                                       platform_settings=PLATFORM, repository=repo, cache_hmac_key=key(stack))
    pipeline.add_stage(stage, pre=validation.steps)
    # when synthesized
    app.synth()
    template = json.loads((tmp_path / "cdk.out" / "PipelineStack.template.json").read_text())
    # then the build's environment (the pipeline's definition) sets pipeline mode and the platform's settings
    variables = {v["Name"]: v for v in validate_project(template)["Properties"]["Environment"]["EnvironmentVariables"]}
    assert variables["LEAST_PRIVILEGE_CI"]["Value"] == "true"
    assert json.loads(variables["LEAST_PRIVILEGE_PLATFORM_SETTINGS"]["Value"]) == PLATFORM
    # and the HMAC key comes from Secrets Manager, never from the repository
    assert variables["LEAST_PRIVILEGE_CACHE_HMAC_KEY"]["Type"] == "SECRETS_MANAGER"
    assert variables["LEAST_PRIVILEGE_CACHE_HMAC_KEY"]["Value"] == secret_arn
    read = [s for s in role_statements(template, "Validate") if s.get("Sid") == "ReadCacheHmacKey"]
    assert [(s["Action"], s["Resource"]) for s in read] == [("secretsmanager:GetSecretValue", secret_arn)]
    # and, the secret being encrypted with a customer managed key, may decrypt with it through Secrets Manager only
    # (https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html)
    decrypt = [s for s in role_statements(template, "Validate") if s.get("Sid") == "DecryptCacheHmacKey"]
    assert [(s["Action"], s["Resource"], s["Condition"]) for s in decrypt] == [
        ("kms:Decrypt", key_arn, {"StringEquals": {"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"}})]
    # and gate and diff run in pipeline mode against the repository's cdk.json
    build = "\n".join(spec_of(template, "Validate")["phases"]["build"]["commands"])
    assert 'lpc gate "$LPC_ASSEMBLY" --ci --mode offline --cdk-json lpc-repo/cdk.json' in build
    assert 'lpc diff --deployed "$LPC_ASSEMBLY" --ci --cdk-json lpc-repo/cdk.json' in build


def test_given_bad_platform_settings_then_the_pipeline_synth_fails_with_a_stable_code() -> None:
    app = App()
    stage = AppStage(app, "S")
    with pytest.raises(LeastPrivilegeError, match=r"LPC-PIPELINE-004.*treatAsBlockin"):
        PolicyValidationStage("V", input=pipelines.ShellStep("S", commands=["x"]), stage=stage,
                              diff_deployed=False, platform_settings={"treatAsBlockin": ["ERROR"]})
    with pytest.raises(LeastPrivilegeError, match=r"LPC-PIPELINE-004.*LPC-SETTINGS-007"):
        PolicyValidationStage("V", input=pipelines.ShellStep("S", commands=["x"]), stage=stage,
                              diff_deployed=False, platform_settings={"ci": False})
