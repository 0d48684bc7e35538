"""What the synth-time gate checks, from the ``least-privilege`` context of ``cdk.json``.

Every key is optional; environment variables override the context, constructor arguments override both.

==========================  ==================================  =============================================
context key                 environment variable                meaning (default)
==========================  ==================================  =============================================
``checks.validatePolicy``   ``LEAST_PRIVILEGE_CHECK_VALIDATE``   validate-policy on every policy (true)
``checks.noNewAccess``      ``LEAST_PRIVILEGE_CHECK_NO_NEW``     bounded roles' policies grant nothing beyond
                                                                 the reference: their boundary, or a policy
                                                                 file from ``references`` (true)
``checks.accessNotGranted`` ``LEAST_PRIVILEGE_CHECK_NOT_GRANTED`` ``sensitiveActions`` not granted to roles
                                                                 outside ``developerRolePaths`` (true)
``checks.noPublicAccess``   ``LEAST_PRIVILEGE_CHECK_PUBLIC``     resource policies are not public (true)
``checks.escalation``       ``LEAST_PRIVILEGE_CHECK_ESCALATION`` escalation paths B1–B15 + classic (true)
``treatAsBlocking``         ``LEAST_PRIVILEGE_TREAT_AS_BLOCKING`` finding types that fail synth
                                                                 (ERROR, SECURITY_WARNING)
``ignoreFindings``          ``LEAST_PRIVILEGE_IGNORE_FINDINGS``  ``CODE``, ``RESOURCE`` or ``RESOURCE.CODE``
``allowExternalPrincipals`` —                                   accounts/ARNs resource policies may name
``sensitiveActions``        —                                   actions for access-not-granted (see below)
``developerRolePaths``      —                                   role paths exempt from access-not-granted
                                                                 (``/developers/``)
``references``              —                                   ``[{"scope": "Stack/Path", "policy": "ref.json"}]``
``escalationContext``       —                                   what templates cannot show: existing
                                                                 unbounded roles, SCPs (docs/escalation.md)
``reportPath``              ``LEAST_PRIVILEGE_REPORT_PATH``      the full JSON report
                                                                 (``.lpc-reports/validation-report.json``)
==========================  ==================================  =============================================
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from least_privilege_constructs.analysis.findings import DEFAULT_BLOCKING, FindingType

DEFAULT_SENSITIVE_ACTIONS: tuple[str, ...] = (
    # permissions management that escalates (users, credentials, policies, boundaries, trust)
    "iam:CreateUser",
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    "iam:UpdateLoginProfile",
    "iam:AddUserToGroup",
    "iam:AttachUserPolicy",
    "iam:PutUserPolicy",
    "iam:AttachGroupPolicy",
    "iam:PutGroupPolicy",
    "iam:CreateRole",
    "iam:AttachRolePolicy",
    "iam:PutRolePolicy",
    "iam:UpdateAssumeRolePolicy",
    "iam:CreatePolicyVersion",
    "iam:SetDefaultPolicyVersion",
    "iam:DeleteRolePermissionsBoundary",
    "iam:PutRolePermissionsBoundary",
    # organization-wide guardrails
    "organizations:LeaveOrganization",
    "organizations:DetachPolicy",
    "organizations:UpdatePolicy",
    "organizations:DeletePolicy",
    # data-perimeter breakers
    "s3:PutBucketPolicy",
    "s3:PutAccountPublicAccessBlock",
    "kms:PutKeyPolicy",
    "kms:ScheduleKeyDeletion",
    "cloudtrail:StopLogging",
    "cloudtrail:DeleteTrail",
)

DEFAULT_REPORT_PATH = ".lpc-reports/validation-report.json"

_CHECKS = ("validatePolicy", "noNewAccess", "accessNotGranted", "noPublicAccess", "escalation")
_CHECK_ENV = {
    "validatePolicy": "LEAST_PRIVILEGE_CHECK_VALIDATE",
    "noNewAccess": "LEAST_PRIVILEGE_CHECK_NO_NEW",
    "accessNotGranted": "LEAST_PRIVILEGE_CHECK_NOT_GRANTED",
    "noPublicAccess": "LEAST_PRIVILEGE_CHECK_PUBLIC",
    "escalation": "LEAST_PRIVILEGE_CHECK_ESCALATION",
}


class GateOptionsError(ValueError):
    """A bad setting, naming its key and where it came from."""


@dataclass(frozen=True)
class Reference:
    """A reference policy for no-new-access: principals under ``scope`` (a construct-path prefix)."""

    scope: str
    document: dict[str, Any]
    source: str


@dataclass(frozen=True)
class GateOptions:
    """The gate's checks and filters (see the module docstring for the table)."""

    validate_policy: bool = True
    no_new_access: bool = True
    access_not_granted: bool = True
    no_public_access: bool = True
    escalation: bool = True
    treat_as_blocking: frozenset[FindingType] = DEFAULT_BLOCKING
    ignore_findings: tuple[str, ...] = ()
    allow_external_principals: tuple[str, ...] = ()
    sensitive_actions: tuple[str, ...] = DEFAULT_SENSITIVE_ACTIONS
    developer_role_paths: tuple[str, ...] = ("/developers/",)
    references: tuple[Reference, ...] = ()
    report_path: str = DEFAULT_REPORT_PATH
    escalation_context: Mapping[str, Any] | None = None
    context: Mapping[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def resolve(
        cls,
        context: Mapping[str, Any] | None = None,
        *,
        env: Mapping[str, str] | None = None,
        base_dir: str | None = None,
        **overrides: Any,
    ) -> GateOptions:
        """Options from the ``least-privilege`` context object, the environment, then ``overrides``."""
        ctx = dict(context or {})
        env = os.environ if env is None else env
        base = Path(base_dir or os.getcwd())
        values: dict[str, Any] = {}
        checks = ctx.get("checks") or {}
        if not isinstance(checks, Mapping):
            raise GateOptionsError("least-privilege.checks must be an object of booleans")
        for name in _CHECKS:
            raw: Any = checks.get(name, True)
            if _CHECK_ENV[name] in env:
                raw = env[_CHECK_ENV[name]]
            values[_snake(name)] = _bool(raw, f"least-privilege.checks.{name}")
        blocking = env.get("LEAST_PRIVILEGE_TREAT_AS_BLOCKING", ctx.get("treatAsBlocking"))
        if blocking is not None:
            from least_privilege_constructs.analysis.pipeline import parse_blocking

            try:
                values["treat_as_blocking"] = parse_blocking(blocking)
            except ValueError as exc:
                raise GateOptionsError(f"least-privilege.treatAsBlocking: {exc}") from None
        ignore = env.get("LEAST_PRIVILEGE_IGNORE_FINDINGS", ctx.get("ignoreFindings"))
        if ignore is not None:
            values["ignore_findings"] = _strings(ignore, "least-privilege.ignoreFindings")
        if "allowExternalPrincipals" in ctx:
            values["allow_external_principals"] = _strings(
                ctx["allowExternalPrincipals"], "least-privilege.allowExternalPrincipals"
            )
        if "sensitiveActions" in ctx:
            values["sensitive_actions"] = _strings(ctx["sensitiveActions"], "least-privilege.sensitiveActions")
        if "developerRolePaths" in ctx:
            values["developer_role_paths"] = _strings(
                ctx["developerRolePaths"], "least-privilege.developerRolePaths"
            )
        if "references" in ctx:
            values["references"] = tuple(_references(ctx["references"], base))
        escalation = ctx.get("escalationContext")
        if escalation is not None:
            if not isinstance(escalation, Mapping):
                raise GateOptionsError(
                    "least-privilege.escalationContext must be an object (existing unbounded roles, SCPs, ...; "
                    "see docs/escalation.md)"
                )
            values["escalation_context"] = dict(escalation)
        report = env.get("LEAST_PRIVILEGE_REPORT_PATH", ctx.get("reportPath"))
        if report is not None:
            if not isinstance(report, str) or not report.strip():
                raise GateOptionsError("least-privilege.reportPath must be a non-empty path")
            values["report_path"] = report
        values.update(overrides)
        values["context"] = ctx
        return cls(**values)


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name)


def _bool(value: Any, key: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("1", "true", "yes", "on"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("0", "false", "no", "off"):
        return False
    raise GateOptionsError(f"{key}: expected true or false, got {value!r}")


def _strings(value: Any, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise GateOptionsError(f"{key}: expected a list of strings or a comma-separated string, got {value!r}")


def _references(value: Any, base: Path) -> list[Reference]:
    if not isinstance(value, list):
        raise GateOptionsError("least-privilege.references must be a list of {scope, policy} objects")
    out: list[Reference] = []
    for index, item in enumerate(value):
        key = f"least-privilege.references[{index}]"
        if not isinstance(item, Mapping) or not isinstance(item.get("policy"), str):
            raise GateOptionsError(f"{key}: expected {{\"scope\": \"Stack/Path\", \"policy\": \"file.json\"}}")
        path = Path(item["policy"])
        path = path if path.is_absolute() else base / path
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise GateOptionsError(f"{key}: cannot read reference policy {path}: {exc}") from None
        if not isinstance(document, dict):
            raise GateOptionsError(f"{key}: reference policy {path} must be a JSON object")
        out.append(Reference(scope=str(item.get("scope", "")), document=document, source=str(path)))
    return out
