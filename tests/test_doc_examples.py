"""Every Python block of the README and of ``docs/`` runs, as written.

A block that continues an earlier one, or that names objects of the reader's own app (``fn``, ``table``,
``worker_role``, a ``cdk.out``...), is preceded in the Markdown by a marked setup line, an HTML comment that
GitHub does not show::

    <!-- example-setup: cdk-app -->

The setups are below (``SETUPS``); ``continue`` runs the block in the namespace of the previous block of
the same file. Blocks of the three pages this test does not own a marker in (``escalation.md``,
``reasoning.md``, ``validate-policy.md``) get theirs from ``OWNERLESS``. A block may end with
``raise SystemExit(code)`` (a script's exit code): that counts as having run.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
FENCE = re.compile(r"(?:<!-- example-setup: (?P<setup>[\w-]+) -->\n)?```python\n(?P<code>.*?)```", re.S)

CDK_APP = """
from aws_cdk import Acknowledgment, App, Environment, Stack, Validations
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from least_privilege_constructs import (
    BoundaryEnforcement, DefaultPolicies, LeastPrivilegeChecks, LeastPrivilegeValidation, OrganizationRollout,
    PermissionsBoundaryPolicy,
)
app = App()
stack = Stack(app, "Docs", env=Environment(account="111122223333", region="eu-west-1"))
fn = lambda_.Function(stack, "Fn", runtime=lambda_.Runtime.PYTHON_3_12, handler="index.handler",
                      code=lambda_.Code.from_inline("def handler(event, context):\\n    return None\\n"))
handler = fn
table = dynamodb.Table(stack, "Table", partition_key=dynamodb.Attribute(
    name="pk", type=dynamodb.AttributeType.STRING))
worker_role = iam.Role(stack, "Worker", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
break_glass_role = iam.Role(stack, "BreakGlass", assumed_by=iam.AccountRootPrincipal())
legacy_stack = Stack(app, "Legacy")
self = stack  # examples written as inside a Stack's __init__
queue = sqs.Queue(stack, "Queue")
bucket = s3.Bucket(stack, "Bucket")
topic = sns.Topic(stack, "Topic")
producer_role = iam.Role(stack, "Producer", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
boundary = PermissionsBoundaryPolicy(stack, "Boundary", allowed_services=["s3"])
scp_document = {"Version": "2012-10-17", "Statement": [{"Sid": "DenyUnusedServices", "Effect": "Deny",
                "Action": ["gamelift:*", "braket:*"], "Resource": "*"}]}  # as written by lpc refine
"""

POLICIES = """
doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                               "Resource": "arn:aws:s3:::reports/*"}]}
reference_doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:Get*",
                                                         "Resource": "arn:aws:s3:::reports/*"}]}
new_policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
bucket_policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*",
                 "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
origin = None
"""

ASSEMBLY = POLICIES + """
from least_privilege_constructs.analysis.extract import extract_policies as _extract
extracted_principal = _extract(["cdk.out"]).roles[0]
"""

PIPELINE = """
from aws_cdk import App, Environment, Stack, Stage, pipelines
app = App()
pipeline_stack = Stack(app, "Delivery", env=Environment(account="111122223333", region="eu-west-1"))
synth = pipelines.ShellStep("Synth", input=pipelines.CodePipelineSource.connection(
    "example-org/payments", "main",
    connection_arn="arn:aws:codeconnections:eu-west-1:111122223333:connection/0a1b2c3d-4e5f-6789-abcd-ef0123456789"),
    commands=["npx cdk synth"])
pipeline = pipelines.CodePipeline(pipeline_stack, "Pipeline", pipeline_name="payments", synth=synth,
                                  cross_account_keys=True)
prod = Stage(pipeline_stack, "Prod", env=Environment(account="444455556666", region="eu-west-1"))
Stack(prod, "App")
"""

SETUPS = {"pipeline": PIPELINE, "cdk-app": CDK_APP, "policies": POLICIES, "assembly": ASSEMBLY, "template-repositories": ""}
OWNERLESS = {("docs/reasoning.md", 0): "assembly"}


def _blocks() -> list[tuple[str, int, str | None, str]]:
    out = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = path.read_text(encoding="utf-8")
        name = path.relative_to(ROOT).as_posix()
        for index, match in enumerate(FENCE.finditer(text)):
            setup = match.group("setup") or OWNERLESS.get((name, index))
            out.append((name, index, setup, match.group("code")))
    return out


BLOCKS = _blocks()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory with the README quick start synthesized into ``cdk.out``, a ``cdk.json`` and, beside
    it, the two template repositories docs/templates.md names (a directory and a git repository at v2.1.0)."""
    base = tmp_path_factory.mktemp("doc-examples")
    work = base / "app"
    work.mkdir()
    (work / "cdk.json").write_text('{"app": "true", "context": {"least-privilege": {"mode": "offline"}}}')
    quick = next(code for name, _i, _s, code in BLOCKS if name == "README.md")
    namespace: dict[str, Any] = {"__name__": "__doc_example__"}
    cwd = os.getcwd()
    os.chdir(work)
    try:
        # an absolute outdir: the jsii kernel (Node) keeps the working directory it started in
        source_code = quick.replace("app = App()", f"app = App(outdir={str(work / 'cdk.out')!r})")
        source_code = source_code.replace("synth(app)", "app.synth()")
        with redirect_stdout(io.StringIO()):
            exec(compile(source_code, "README quick start", "exec"), namespace)
    finally:
        os.chdir(cwd)
    source = (ROOT / "least_privilege_constructs/analysis/templates/builtin/application/s3-read-write-prefix.yaml")
    text = source.read_text(encoding="utf-8").replace("id: app.s3-read-write-prefix", "id: acme.reports-read")
    for repo, version in (("policy-templates", "1.2.0"), ("shared-templates", "2.1.0")):
        (base / repo).mkdir()
        (base / repo / "reports-read.yaml").write_text(text.replace("version: 1.0.0", f"version: {version}"))
    git = ["git", "-c", "user.name=docs", "-c", "user.email=docs@example.com"]
    for args in (["init", "-q"], ["add", "."], ["commit", "-qm", "templates"], ["tag", "v2.1.0"]):
        subprocess.run([*git, *args], cwd=base / "shared-templates", check=True, capture_output=True)
    return work


@pytest.mark.parametrize(("name", "index", "setup", "code"), BLOCKS,
                         ids=[f"{n}#{i}" for n, i, _s, _c in BLOCKS])
def test_python_block_runs(name: str, index: int, setup: str | None, code: str, workdir: Path,
                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(workdir)
    monkeypatch.setenv("LEAST_PRIVILEGE_MODE", "offline")
    namespace: dict[str, Any] = {"__name__": "__doc_example__"}
    sources = []
    if setup == "continue":
        previous = [c for n, i, _s, c in BLOCKS if n == name and i == index - 1]
        sources.append(CDK_APP)
        sources.extend(previous)
    elif setup is not None:
        assert setup in SETUPS, f"{name} block {index}: unknown example-setup {setup!r}"
        sources.append(SETUPS[setup])
    sources.append(code)
    try:
        with redirect_stdout(io.StringIO()):
            for i, src in enumerate(sources):
                exec(compile(src, f"{name} block {index} ({'setup' if i < len(sources) - 1 else 'example'})",
                             "exec"), namespace)
    except SystemExit as exc:  # a script's own exit code
        assert isinstance(exc.code, int) and exc.code in (0, 2), f"{name} block {index} exited {exc.code!r}"


def test_git_is_available_for_the_template_repository_example() -> None:
    assert shutil.which("git"), "docs/templates.md's example reads a git repository"
