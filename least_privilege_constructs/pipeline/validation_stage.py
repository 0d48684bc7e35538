"""``PolicyValidationStage``: the validation step of a CDK Pipelines (``pipelines.CodePipeline``) pipeline.

commit -> synth -> **validation** -> deploy. Use its :attr:`~PolicyValidationStage.steps` as ``pre`` of any
stage or wave (StackSet deployments included)::

    validation = PolicyValidationStage("Validate", input=pipeline.synth, stage=prod,
                                       pipeline_name="payments")
    pipeline.add_stage(prod, pre=validation.steps)

What runs (one CodeBuild project, tools pinned to this library's version and a fixed Python):

1. ``lpc gate --ci`` on the stage's synthesized assembly (offline by default; Access Analyzer with
   ``access_analyzer=True``): a blocking finding fails the build and stops the pipeline. SARIF and JUnit go
   to the step's output and the JUnit into a CodeBuild test report. Pipeline mode trusts nothing the commit
   controls: the gate's settings are ``platform_settings`` (this construct's props, serialized into the build's
   environment, ``LEAST_PRIVILEGE_PLATFORM_SETTINGS``), the repository's ``cdk.json`` (given ``repository``)
   may only tighten them (a weakening is a blocking ``LPC-SETTINGS-WEAKENED`` finding), and cache entries are
   authenticated with the key of ``cache_hmac_key`` (a Secrets Manager secret, ``LEAST_PRIVILEGE_CACHE_HMAC_KEY``).
2. ``lpc diff --deployed`` against what CloudFormation holds (``cloudformation:GetTemplate``): broadening
   (exit 2), and any suppression the change brings (``ACKNOWLEDGMENT_ADDED`` / ``ACKNOWLEDGMENT_APPLIES``, not
   blocking but for a person to see), is exported as ``BROADENING=true`` with a one-line summary ``DIFF``
   (:func:`review_commands`); exit 1 fails the build.
3. A manual approval whose text carries the diff (``#{ns.DIFF}``, resolved by CodePipeline), and, beside it,
   a small CodeBuild step that approves it at once when nothing broadened
   (``codepipeline:PutApprovalResult``, as CDK's ``ConfirmPermissionsBroadening`` does with a Lambda).

The role is least privilege: the Access Analyzer check/validate actions only when enabled,
``cloudformation:GetTemplate`` on the named stacks, ``sts:AssumeRole`` of CDK's lookup role in other
accounts, and on the named pipeline only ``GetPipelineState`` / ``PutApprovalResult``.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import Arn, ArnFormat, Aws, Stack, Stage, Token, pipelines
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_iam as iam
from aws_cdk import aws_secretsmanager as secretsmanager

from least_privilege_constructs.errors import LeastPrivilegeError

ACCESS_ANALYZER_ACTIONS = (
    "access-analyzer:ValidatePolicy",
    "access-analyzer:CheckNoNewAccess",
    "access-analyzer:CheckAccessNotGranted",
    "access-analyzer:CheckNoPublicAccess",
)
"""The only Access Analyzer actions the step may call (they take no resource: ``*``,
https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsiamaccessanalyzer.html)."""
PYTHON_VERSION = "3.11"
"""The pinned Python runtime (``runtime-versions``; CodeBuild's available runtimes:
https://docs.aws.amazon.com/codebuild/latest/userguide/available-runtimes.html)."""
BUILD_IMAGE = codebuild.LinuxBuildImage.STANDARD_7_0
REPORTS = "lpc-reports"
TOOL_SOURCE_DIR = "lpc-src"
REPOSITORY_DIR = "lpc-repo"
"""Where the ``repository`` input (the application's source, for its ``cdk.json``) is placed."""
LOOKUP_ROLE_NAME = "cdk-hnb659fds-lookup-role-{account}-{region}"
"""CDK's bootstrap lookup role (ReadOnlyAccess, so ``cloudformation:GetTemplate``), in each target account."""


def _tool_version() -> str:
    from least_privilege_constructs import __version__

    return __version__


def default_install_commands(version: str | None = None) -> list[str]:
    """Pinned installs: this library at exactly ``version`` (its dependencies by its own pins)."""
    return [f"pip install --no-cache-dir 'least-privilege-constructs=={version or _tool_version()}'"]


REVIEW_CODES = ("ACKNOWLEDGMENT_ADDED", "ACKNOWLEDGMENT_APPLIES")
"""Non-blocking rows of ``lpc diff`` that still need a person: the suppressions the change brings (an
acknowledgment it adds, or one covering a principal or policy it adds or changes). Like broadening, they set
``BROADENING=true`` (no auto-approval) and are counted in the approval's text."""


def review_commands(diff_md: str) -> list[str]:
    """Shell lines over ``lpc diff``'s Markdown (exit code in ``DIFF_EXIT``): ``DIFF``, the count of each code of
    the table's rows that need an approval (blocking, ``:warning:``, or one of :data:`REVIEW_CODES`), and
    ``BROADENING``: ``false`` only when the diff exited 0 and no such row exists."""
    codes = "|".join(REVIEW_CODES)
    rows = (f"grep '^| ' {diff_md} | awk -F'|' '$2 ~ /:warning:/ || $3 ~ /`({codes})`/ {{print $3}}' "
            "| tr -d '` ' | sort | uniq -c | tr -s ' \\n' ' ' | cut -c1-900")
    return [
        f'export DIFF="$({rows})"',
        'if [ "${DIFF_EXIT:-0}" = "2" ] || [ -n "$(echo "$DIFF" | tr -d " ")" ]; then export BROADENING=true; '
        "else export BROADENING=false; fi",
        'if [ -z "$(echo "$DIFF" | tr -d " ")" ]; then export DIFF="no broadening"; fi',
    ]


class PolicyValidationStage:
    """The validation steps of one pipeline stage or wave (not a construct: CDK Pipelines steps are plain
    objects that the pipeline turns into actions when it is built).

    :param id: the step id (the CodeBuild action's name).
    :param input: the synthesized assembly (``pipeline.synth`` or the synth step).
    :param stage: the stage whose stacks are validated and diffed; or ``stacks`` (explicit stacks).
    :param pipeline_name: the pipeline's name, to scope the approval permissions; required with ``approval``.
    :param diff_deployed: run ``lpc diff --deployed`` and ask for approval on broadening (default True).
    :param access_analyzer: ``lpc gate --mode online`` and the Access Analyzer actions on the role.
    :param approval: add the manual approval for broadening (default True).
    :param cross_account: the stacks live in other accounts than the pipeline: read their templates through
        CDK's bootstrap lookup role there (``sts:AssumeRole`` on exactly those roles), not GetTemplate here.
    :param tool_source: install the library from this input (a source checkout of it, placed at
        ``lpc-src``) at its commit instead of from the package index.
    :param install_commands: replaces :func:`default_install_commands` (e.g. install from the source tree).
    :param platform_settings: the platform team's ``least-privilege`` settings (the object of a ``cdk.json``
        context; default: the library's defaults). The gate runs with them; the repository's ``cdk.json`` may
        only tighten them. They live in the pipeline's definition, never in the commit under review.
    :param repository: the application's source (e.g. ``pipelines.CodePipelineSource``), placed at ``lpc-repo``
        so that its ``cdk.json`` (``cdk_json``, relative to it) is compared with ``platform_settings``.
    :param cache_hmac_key: a Secrets Manager secret whose value keys the HMAC of every cache entry (given to the
        build as a ``SECRETS_MANAGER`` environment variable, never from the repository).
    """

    def __init__(self, id: str, *, input: pipelines.IFileSetProducer, stage: Stage | None = None,
                 stacks: Sequence[Stack] | None = None, pipeline_name: str | None = None,
                 diff_deployed: bool = True, access_analyzer: bool = False, approval: bool = True,
                 install_commands: Sequence[str] | None = None, tool_version: str | None = None,
                 extra_gate_args: Sequence[str] = (), cross_account: bool = False,
                 tool_source: pipelines.IFileSetProducer | None = None,
                 platform_settings: Mapping[str, Any] | None = None,
                 repository: pipelines.IFileSetProducer | None = None, cdk_json: str = "cdk.json",
                 cache_hmac_key: secretsmanager.ISecret | None = None) -> None:
        if stage is None and not stacks:
            raise LeastPrivilegeError("LPC-PIPELINE-001", id, "give the stage (or the stacks) to validate")
        if diff_deployed and approval and not pipeline_name:
            raise LeastPrivilegeError("LPC-PIPELINE-002", id,
                                      "pipeline_name is required to scope the approval permissions")
        self.id = id
        self.stacks: list[Stack] = list(stacks or [])
        if stage is not None:
            self.stacks += [c for c in stage.node.find_all() if isinstance(c, Stack) and c not in self.stacks]
        self.assembly_dir = f"assembly-{stage.artifact_id}" if stage is not None else "."
        for stack in self.stacks:
            if Token.is_unresolved(stack.stack_name):
                raise LeastPrivilegeError("LPC-PIPELINE-003", stack.node.path,
                                          "the stack name must be known at synth time to scope GetTemplate")
        self.platform_settings = _checked_platform_settings(id, platform_settings)
        # the repository may be the tool's own source (this library's sample): one input, at lpc-src
        repo_dir = TOOL_SOURCE_DIR if repository is not None and repository is tool_source else REPOSITORY_DIR
        self.cdk_json = f"{repo_dir}/{cdk_json}" if repository is not None else None
        self.cache_hmac_key = cache_hmac_key
        self.pipeline_name = pipeline_name
        self.diff_deployed = diff_deployed
        self.access_analyzer = access_analyzer
        self.cross_account = cross_account
        if install_commands is not None:
            install = list(install_commands)
        elif tool_source is not None:
            install = [f"pip install --no-cache-dir ./{TOOL_SOURCE_DIR}"]
        else:
            install = default_install_commands(tool_version)
        inputs: dict[str, pipelines.IFileSetProducer] = {}
        if tool_source is not None:
            inputs[TOOL_SOURCE_DIR] = tool_source
        if repository is not None and repository is not tool_source:
            inputs[REPOSITORY_DIR] = repository
        secrets: dict[str, codebuild.BuildEnvironmentVariable] = {}
        if cache_hmac_key is not None:
            secrets["LEAST_PRIVILEGE_CACHE_HMAC_KEY"] = codebuild.BuildEnvironmentVariable(
                type=codebuild.BuildEnvironmentVariableType.SECRETS_MANAGER, value=cache_hmac_key.secret_arn)
        self.validate = pipelines.CodeBuildStep(
            id, input=input, install_commands=install, commands=self._commands(extra_gate_args),
            build_environment=codebuild.BuildEnvironment(build_image=BUILD_IMAGE,
                                                         environment_variables=secrets or None),
            partial_build_spec=codebuild.BuildSpec.from_object(self._partial_spec()),
            role_policy_statements=self._statements(), primary_output_directory=REPORTS,
            # pipeline mode and the platform's settings: the pipeline's definition, not the commit under review
            env={"LPC_ASSEMBLY": self.assembly_dir, "AWS_EC2_METADATA_DISABLED": "true", "LEAST_PRIVILEGE_CI": "true",
                 "LEAST_PRIVILEGE_PLATFORM_SETTINGS": json.dumps(self.platform_settings, sort_keys=True)},
            additional_inputs=inputs or None,
        )
        self.approval: pipelines.ManualApprovalStep | None = None
        self.auto_approve: pipelines.CodeBuildStep | None = None
        if diff_deployed and approval:
            self.approval = pipelines.ManualApprovalStep(
                f"{id}Approval",
                comment=f"Permissions broadening or suppressions (acknowledgments) to review: "
                        f"{self.validate.exported_variable('DIFF')} "
                        "(the full diff is in the validation step's output, lpc-reports/diff.md).")
            self.approval.add_step_dependency(self.validate)
            assert pipeline_name is not None
            self.auto_approve = pipelines.CodeBuildStep(
                f"{id}AutoApprove", install_commands=[], commands=self._auto_approve_commands(f"{id}Approval"),
                build_environment=codebuild.BuildEnvironment(build_image=BUILD_IMAGE),
                env={"BROADENING": self.validate.exported_variable("BROADENING"), "PIPELINE_NAME": pipeline_name},
                role_policy_statements=self._approval_statements(pipeline_name),
            )
            self.auto_approve.add_step_dependency(self.validate)

    @property
    def steps(self) -> list[pipelines.Step]:
        """The steps to pass as ``pre`` of a stage or wave."""
        out: list[pipelines.Step] = [self.validate]
        if self.approval is not None and self.auto_approve is not None:
            out += [self.approval, self.auto_approve]
        return out

    # -- the build ------------------------------------------------------------------------------------
    def _commands(self, extra_gate_args: Sequence[str]) -> list[str]:
        mode = "online" if self.access_analyzer else "offline"
        extra = " ".join(shlex.quote(a) for a in extra_gate_args)
        settings = f" --cdk-json {self.cdk_json}" if self.cdk_json else ""
        gate = f'lpc gate "$LPC_ASSEMBLY" --ci --mode {mode}{settings} {extra}'.rstrip()
        commands = [
            f"mkdir -p {REPORTS}",
            f"{gate} --format sarif -o {REPORTS}/gate.sarif || GATE=$?",
            f"{gate} --format junit -o {REPORTS}/gate.xml || true",
            f"{gate} --format text || true",
            'if [ -n "$GATE" ]; then echo "lpc gate: blocking findings (exit $GATE)"; exit "$GATE"; fi',
        ]
        if self.diff_deployed:
            template = ""
            if self.cross_account:
                template = f' --role-arn-template "arn:$PARTITION:iam::{{account}}:role/{LOOKUP_ROLE_NAME}"'
                commands.append("export PARTITION=$(echo $CODEBUILD_BUILD_ARN | cut -d: -f2)")
            diff = f'lpc diff --deployed "$LPC_ASSEMBLY" --ci{settings}{template}'
            commands += [
                f"{diff} --format markdown -o {REPORTS}/diff.md || DIFF_EXIT=$?",
                f"{diff} --format sarif -o {REPORTS}/diff.sarif || true",
                f"cat {REPORTS}/diff.md",
                'if [ "${DIFF_EXIT:-0}" = "1" ]; then echo "lpc diff failed"; exit 1; fi',
                *review_commands(f"{REPORTS}/diff.md"),
            ]
        return commands

    def _partial_spec(self) -> dict[str, Any]:
        spec: dict[str, Any] = {
            "phases": {"install": {"runtime-versions": {"python": PYTHON_VERSION}}},
            "reports": {"lpc-gate": {"files": ["gate.xml"], "base-directory": REPORTS, "file-format": "JUNITXML"}},
        }
        return spec  # the exported variables (BROADENING, DIFF) are declared by exported_variable()

    def _statements(self) -> list[iam.PolicyStatement]:
        out: list[iam.PolicyStatement] = []
        if self.cache_hmac_key is not None:
            out.append(iam.PolicyStatement(sid="ReadCacheHmacKey", actions=["secretsmanager:GetSecretValue"],
                                           resources=[self.cache_hmac_key.secret_arn]))
            key = self.cache_hmac_key.encryption_key
            if key is not None:
                # a secret encrypted with a customer managed key is read with kms:Decrypt on that key, through
                # Secrets Manager only (Secrets Manager User Guide, "Secret encryption and decryption":
                # https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html)
                region = Arn.split(self.cache_hmac_key.secret_arn, ArnFormat.COLON_RESOURCE_NAME).region
                out.append(iam.PolicyStatement(
                    sid="DecryptCacheHmacKey", actions=["kms:Decrypt"], resources=[key.key_arn],
                    conditions={"StringEquals": {"kms:ViaService": f"secretsmanager.{region}.amazonaws.com"}}))
        if self.access_analyzer:
            out.append(iam.PolicyStatement(sid="AccessAnalyzerChecks", actions=list(ACCESS_ANALYZER_ACTIONS),
                                           resources=["*"]))
        if self.diff_deployed and self.cross_account:
            roles = sorted({f"arn:{Aws.PARTITION}:iam::{s.account}:role/"
                            + LOOKUP_ROLE_NAME.format(account=s.account, region=s.region) for s in self.stacks})
            out.append(iam.PolicyStatement(sid="AssumeLookupRoles", actions=["sts:AssumeRole"], resources=roles))
        elif self.diff_deployed and self.stacks:
            arns = sorted({
                Stack.of(s).format_arn(service="cloudformation", resource="stack",
                                       resource_name=f"{s.stack_name}/*", account=s.account, region=s.region)
                for s in self.stacks})
            out.append(iam.PolicyStatement(sid="ReadDeployedTemplates", actions=["cloudformation:GetTemplate"],
                                           resources=arns))
        return out

    def _approval_statements(self, pipeline_name: str) -> list[iam.PolicyStatement]:
        stack = Stack.of(self.stacks[0]) if self.stacks else None
        pipeline_arn = (stack.format_arn(service="codepipeline", resource=pipeline_name)
                        if stack is not None else f"arn:aws:codepipeline:*:*:{pipeline_name}")
        return [
            iam.PolicyStatement(sid="ReadPipelineState", actions=["codepipeline:GetPipelineState"],
                                resources=[pipeline_arn]),
            iam.PolicyStatement(sid="ApproveWhenNothingBroadens", actions=["codepipeline:PutApprovalResult"],
                                resources=[f"{pipeline_arn}/*"]),
        ]

    @staticmethod
    def _auto_approve_commands(action_name: str) -> list[str]:
        """Wait for the approval's token (it runs beside this step), then approve it when nothing broadened."""
        return [
            'if [ "$BROADENING" != "false" ]; then echo "Broadening or acknowledgments: waiting for a manual approval."; '
            "exit 0; fi",
            f'ACTION="{action_name}"',
            "for i in $(seq 1 60); do "
            "TOKEN=$(aws codepipeline get-pipeline-state --name \"$PIPELINE_NAME\" --query "
            "\"stageStates[].actionStates[?actionName=='$ACTION'].latestExecution.token | [] | [0]\" --output text); "
            "STAGE=$(aws codepipeline get-pipeline-state --name \"$PIPELINE_NAME\" --query "
            "\"stageStates[?actionStates[?actionName=='$ACTION']].stageName | [0]\" --output text); "
            'if [ -n "$TOKEN" ] && [ "$TOKEN" != "None" ]; then break; fi; sleep 5; done',
            'aws codepipeline put-approval-result --pipeline-name "$PIPELINE_NAME" --stage-name "$STAGE" '
            '--action-name "$ACTION" --token "$TOKEN" '
            "--result 'summary=No permissions broadening (lpc diff).,status=Approved'",
        ]


def _checked_platform_settings(id: str, settings: Mapping[str, Any] | None) -> dict[str, Any]:
    """The platform's settings, checked at synth time by the one settings reader (a typo fails the synth of the
    pipeline, not a build), as plain JSON for the build's environment."""
    from least_privilege_constructs.analysis.settings import SettingsError, resolve

    value = dict(settings or {})
    try:
        resolve(value, env={}, origin=f"{id} platform_settings")
        text = json.dumps(value, sort_keys=True)
    except SettingsError as exc:
        raise LeastPrivilegeError("LPC-PIPELINE-004", id, f"platform_settings: {exc}") from None
    except (TypeError, ValueError) as exc:
        raise LeastPrivilegeError("LPC-PIPELINE-004", id, f"platform_settings must be JSON: {exc}") from None
    if Token.is_unresolved(text):
        raise LeastPrivilegeError("LPC-PIPELINE-004", id, "platform_settings must be known at synth time")
    return value
