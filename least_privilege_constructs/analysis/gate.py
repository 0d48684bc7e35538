"""The gate: the one orchestration that the synth plugin, ``lpc gate`` and the pipeline step all run.

Pure Python in the analysis core (no ``aws_cdk``, jsii or boto3): the caller chooses the analysis backend
(``least_privilege_constructs.access_analyzer.select_backend``) and passes it in.

:func:`run_gate` extracts every policy of a ``cdk.out`` (nested-stack and StackSet templates included),
then asks one backend (offline analyzer or IAM Access Analyzer, see :mod:`least_privilege_constructs.
access_analyzer`) every question in one batch, so online calls run concurrently and an unchanged app
is answered from the cache with zero API calls:

- **validate-policy** on every policy (plus extraction problems and external principals);
- **check-no-new-access** for every bounded principal's identity policies against its permissions
  boundary (a grant beyond the boundary is ineffective: reported as a WARNING) and against configured
  reference policies (a grant beyond the reference is new access: ERROR);
- **check-access-not-granted** of the sensitive actions for every principal outside the developer role
  paths;
- **check-no-public-access** for every resource policy of a supported resource type;
- **escalation**: the paths of ``shared/reference/escalation-paths.md`` for every principal.

Example::

    from least_privilege_constructs.access_analyzer import resolve_settings, select_backend
    from least_privilege_constructs.analysis.gate import GateOptions, run_gate

    options = GateOptions.resolve({"mode": "offline"})
    backend, reason = select_backend(resolve_settings({"mode": "offline"}), cdk_out="cdk.out")
    report = run_gate("cdk.out", options, backend=backend, backend_reason=reason)
    for line in report.summary_lines():
        print(line)
    raise SystemExit(2 if report.blocking else 0)
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from least_privilege_constructs.analysis.acknowledgments import Acknowledgments
from least_privilege_constructs.analysis.finding_ids import (
    acknowledgment_groups,
    coarse_ids,
    merge_duplicates,
    statement_keys,
    stored_ids,
)
from least_privilege_constructs.analysis.findings import (
    DEFAULT_BLOCKING,
    Finding,
    FindingType,
    PolicyOrigin,
    PolicyType,
    sort_findings,
)
from least_privilege_constructs.analysis.reasoning.resource_types import SUPPORTED_RESOURCE_TYPES
from least_privilege_constructs.analysis.settings import (
    DEFAULT_REPORT_PATH,
    ResolvedSettings,
    SettingsError,
    read_policy_file,
)
from least_privilege_constructs.analysis.settings import resolve as resolve_settings

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

CHECK_NAMES = (
    "validate-policy",
    "check-no-new-access",
    "check-access-not-granted",
    "check-no-public-access",
    "escalation",
)

# resource types IAM Access Analyzer's CheckNoPublicAccess accepts (one list, shared with the offline checks)
PUBLIC_ACCESS_RESOURCE_TYPES = frozenset(SUPPORTED_RESOURCE_TYPES)

GATE_PLUGIN_NAME = "LeastPrivilege-PolicyValidation"
"""The synth plugin's name: findings are acknowledged as ``LeastPrivilege-PolicyValidation::<issue code>``."""

_CHECKS = ("validatePolicy", "noNewAccess", "accessNotGranted", "noPublicAccess", "escalation")

GateOptionsError = SettingsError
"""A bad gate setting (the one settings error type; kept under its former name)."""


@dataclass(frozen=True)
class Reference:
    """A reference policy for no-new-access: principals under ``scope`` (a construct-path prefix)."""

    scope: str
    document: dict[str, Any]
    source: str


@dataclass(frozen=True)
class GateOptions:
    """The gate's checks and filters: the ``gate`` rows of the settings table
    (:data:`least_privilege_constructs.analysis.settings.SETTINGS`, shown in the README)."""

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
    html_report: bool = True
    """Also write ``<report>.html`` beside the JSON report (the ``htmlReport`` setting)."""
    escalation_context: Mapping[str, Any] | None = None
    managed_policy_documents: Mapping[str, Any] = field(default_factory=dict)
    """Managed policy documents by ARN (``managedPolicies.documents``), ahead of the packaged snapshot."""
    context: Mapping[str, Any] = field(default_factory=dict, compare=False)
    exports: tuple[tuple[str, str], ...] = ()
    """Values of ``Fn::ImportValue`` exports from stacks outside the assembly (the ``exports`` setting)."""
    enforce_boundary: tuple[str, str] | None = None
    """``(path, name)`` of the boundary every role and user must carry, checked by the gate itself
    (``lpc gate``: what ``BoundaryEnforcement``'s plugin verifies inside ``cdk synth``); None inside synth,
    where that plugin does it (one finding per mistake)."""
    boundary_scopes: tuple[tuple[str, str, str], ...] = ()
    """``(construct path of the scope, boundary path, boundary name)`` of each ``BoundaryEnforcement`` the gate
    verifies itself (inside ``cdk synth``, when the gate plugin is attached it takes over from
    ``BoundaryEnforcement``'s plugin, so that a mistake two checks see gives one finding)."""
    rules: Any = None
    """The ``LP-*`` rules' configuration (:class:`~least_privilege_constructs.analysis.rules.config.NagConfig`)
    when the gate runs them (``lpc gate``; inside ``cdk synth`` when ``LeastPrivilegeChecks`` is attached
    too), else None."""
    rule_levels: Mapping[str, str] = field(default_factory=dict)
    """Rule id -> ``ERROR``/``WARN`` (``LeastPrivilegeChecks(levels=...)``)."""

    @classmethod
    def resolve(
        cls,
        context: Mapping[str, Any] | None = None,
        *,
        env: Mapping[str, str] | None = None,
        base_dir: str | None = None,
        flags: Mapping[str, Any] | None = None,
        **overrides: Any,
    ) -> GateOptions:
        """Options from the ``least-privilege`` context, the environment, ``flags`` (keyed by setting key,
        e.g. ``{"checks.escalation": False}``), then ``overrides`` (field names: constructor arguments)."""
        resolved = resolve_settings(context, env=env, flags=flags, base_dir=base_dir or os.getcwd())
        return cls.from_settings(resolved, dict(context or {}), **overrides)

    @classmethod
    def from_settings(cls, resolved: ResolvedSettings, context: Mapping[str, Any] | None = None,
                      **overrides: Any) -> GateOptions:
        """The gate's options out of the one resolved settings (reference policy files are read here,
        relative to the directory of ``cdk.json``)."""
        values: dict[str, Any] = {f"{_snake(name)}": resolved[f"checks.{name}"] for name in _CHECKS}
        for key in ("treatAsBlocking", "ignoreFindings", "allowExternalPrincipals", "sensitiveActions",
                    "developerRolePaths", "reportPath", "escalationContext", "exports", "htmlReport"):
            values[_snake(key)] = resolved[key]
        base = resolved.base_dir or Path(os.getcwd())
        references: list[Reference] = []
        for index, ref in enumerate(resolved["references"]):
            path = Path(ref["policy"])
            path = path if path.is_absolute() else base / path
            source = f"{resolved.source_of('references')}[{index}]"
            references.append(Reference(ref["scope"], read_policy_file(path, source), str(path)))
        values["references"] = tuple(references)
        values["managed_policy_documents"] = _managed_documents(resolved, base)
        values.update(overrides)
        values["context"] = dict(context or {})
        return cls(**values)


def _managed_documents(resolved: ResolvedSettings, base: Path) -> dict[str, Any]:
    from least_privilege_constructs.analysis.managed_policies import ManagedPolicyDataError, load_documents

    value = resolved["managedPolicies.documents"]
    if not value:
        return {}
    path = Path(value) if Path(value).is_absolute() else base / value
    try:
        return load_documents(path)
    except ManagedPolicyDataError as exc:
        raise SettingsError(ManagedPolicyDataError.code, resolved.source_of("managedPolicies.documents"),
                            str(exc).removeprefix(f"{ManagedPolicyDataError.code}: ")) from None


def _with_managed_documents(context: Mapping[str, Any] | None, documents: Mapping[str, Any]) -> Any:
    """The escalation context with ``managedPolicies.documents`` added (the context's own entries win)."""
    if not documents or (context is not None and not isinstance(context, Mapping)):
        return context
    merged = dict(context or {})
    own = merged.pop("managedPolicyDocuments", None) or merged.pop("managed_policy_documents", None) or {}
    merged["managedPolicyDocuments"] = {**documents, **own}
    return merged


def _snapshot_staleness(extraction: Any, context: Any) -> list[Finding]:
    """One warning when the packaged AWS managed policy snapshot answered for an attached policy and is
    older than ``STALE_AFTER_DAYS`` (AWS updates its managed policies in place:
    https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html#aws-managed-policies)."""
    from least_privilege_constructs.analysis.managed_policies import ManagedPolicyResolver, get_snapshot

    warning = get_snapshot().stale_warning()
    if warning is None:
        return []
    given = context.get("managedPolicyDocuments") or context.get("managed_policy_documents") \
        if isinstance(context, Mapping) else getattr(context, "managed_policy_documents", None)
    resolver = ManagedPolicyResolver(given if isinstance(given, Mapping) else None)
    for principal in extraction.principals:
        for arn in [*principal.managed_policy_arns, principal.boundary_arn or ""]:
            if arn:
                resolver(arn)
    if not resolver.used_snapshot:
        return []
    return [Finding(FindingType.WARNING, "MANAGED_POLICY_SNAPSHOT_STALE", warning, check="escalation",
                    learn_more_link="https://docs.aws.amazon.com/IAM/latest/UserGuide/"
                    "access_policies_managed-vs-inline.html#aws-managed-policies")]


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name)


@dataclass
class CheckSummary:
    """What one check looked at and found."""

    name: str
    checked: int = 0
    findings: int = 0
    blocking: int = 0
    not_applicable: int = 0
    enabled: bool = True
    acknowledged: int = 0

    def line(self) -> str:
        if not self.enabled:
            return f"least-privilege: {self.name}: off"
        extra = f", {self.acknowledged} acknowledged" if self.acknowledged else ""
        extra += f", {self.not_applicable} not applicable" if self.not_applicable else ""
        return (
            f"least-privilege: {self.name}: {self.checked} checked, {self.findings} finding(s), "
            f"{self.blocking} blocking{extra}"
        )


@dataclass(frozen=True)
class AcknowledgedFinding:
    """A finding accepted with ``Validations.of(construct).acknowledge(...)`` and a non-blank reason."""

    finding: Finding
    construct_path: str
    reason: str
    acknowledged_id: str = ""
    """The stored acknowledgment id that matched (``<plugin>::<id>``)."""


BOUNDARY_CHECK = "boundary-enforcement"
BOUNDARY_RULE = "LPC-BOUNDARY-MISSING"
BOUNDARY_ACKNOWLEDGMENT = f"LeastPrivilege-BoundaryEnforcement::{BOUNDARY_RULE}"
"""The id ``BoundaryEnforcement.exempt`` acknowledges (the same exemption holds for ``lpc gate``)."""


DEFAULT_BOUNDARY_PATH = "/boundaries/"
"""``PermissionsBoundaryPolicy``'s default path (the settings name the boundary; an ARN gives its path)."""


def enforced_boundary(resolved: ResolvedSettings) -> tuple[str, str]:
    """``(path, name)`` of the approved boundary from the settings (``boundaryArn`` wins over ``boundaryName``)."""
    from least_privilege_constructs.analysis.iam.arn import Arn

    arn_text = resolved["boundaryArn"]
    arn = Arn.parse(arn_text) if arn_text else None
    if arn is not None and arn.name:
        return arn.path or "/", arn.name
    return DEFAULT_BOUNDARY_PATH, str(resolved["boundaryName"])


def boundary_enforcement_findings(cdk_out: str | os.PathLike[str], path: str, name: str,
                                  summary: CheckSummary | None = None, scope: str = "") -> list[Finding]:
    """An ERROR ``LPC-BOUNDARY-MISSING`` for every role and user of the assembly (nested stacks and stages
    included) that does not carry the boundary ``policy<path><name>``: the check ``BoundaryEnforcement``
    makes inside ``cdk synth``, for ``lpc gate``. Exemptions are its acknowledgments (with a reason)."""
    from least_privilege_constructs.analysis.assembly import walk_assemblies
    from least_privilege_constructs.analysis.boundary_verification import (
        PRINCIPAL_TYPES,
        ConstructIndex,
        find_unbounded_principals,
        with_nested_templates,
    )

    findings: list[Finding] = []
    for assembly in walk_assemblies(cdk_out):
        paths = [str(stack.template_file) for stack in assembly.stacks]
        if not paths:
            continue
        try:
            templates = dict(with_nested_templates(paths))
        except ValueError as exc:  # fail closed
            findings.append(Finding(FindingType.ERROR, BOUNDARY_RULE, f"could not verify boundaries: {exc}",
                                    check=BOUNDARY_CHECK))
            continue
        if summary is not None:
            summary.checked += sum(1 for t in templates.values()
                                   for r in (t.get("Resources") or {}).values()
                                   if isinstance(r, dict) and r.get("Type") in PRINCIPAL_TYPES)
        index = ConstructIndex.load(str(assembly.directory))
        expected = f"arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:policy{path}{name}"
        for v in find_unbounded_principals(templates, path, name, scope_prefixes=(scope,), index=index):
            findings.append(Finding(
                FindingType.ERROR, BOUNDARY_RULE, v.describe(expected),
                locations=[["PermissionsBoundary"]],
                origin=PolicyOrigin(source=v.template_path, logical_id=v.logical_id,
                                    construct_path=v.construct_path,
                                    json_path=f"Resources.{v.logical_id}.Properties"),
                check=BOUNDARY_CHECK,
                details={"acknowledgmentId": BOUNDARY_ACKNOWLEDGMENT, "expected": expected,
                         "actual": v.actual}))
    return findings


BLANK_ACKNOWLEDGMENT = "blankAcknowledgment"
"""``details`` key of a finding whose acknowledgment gives no reason (construct path of the acknowledgment):
the acknowledgment is ignored, and the plugin reports the finding as ``LP-ACK[<issue code>]``."""


def apply_acknowledgments(findings: Sequence[Finding], cdk_out: str | os.PathLike[str],
                          acknowledgments: Acknowledgments | None = None,
                          ) -> tuple[list[Finding], list[AcknowledgedFinding]]:
    """Split ``findings`` into (still open, acknowledged with a reason) by the assembly's acknowledgments on
    each finding's construct or a parent (:meth:`Acknowledgments.read`: CDK's records, and those of the
    constructs above the stacks, each valid in the stack that records it, so ``cdk synth`` and ``lpc gate``
    see the same ones; or ``acknowledgments``, when given, instead of the assembly's): one for the mistake (any of its ids: ``LeastPrivilege-PolicyValidation::
    <issue code>``, an ``LP-*`` id, a duplicate merged into it) and one for each folded consequence
    (:func:`~least_privilege_constructs.analysis.finding_ids.acknowledgment_groups`). A blank reason acknowledges nothing: the finding stays open, marked with :data:`BLANK_ACKNOWLEDGMENT`."""
    from dataclasses import replace

    from least_privilege_constructs.analysis.assembly import AssemblyError

    acks = acknowledgments
    if acks is None:
        try:
            acks = Acknowledgments.read(cdk_out)
        except (AssemblyError, OSError, ValueError):
            acks = Acknowledgments()
    still: list[Finding] = []
    accepted: list[AcknowledgedFinding] = []
    for finding in findings:
        path = finding.origin.construct_path if finding.origin else None
        # each group (the mistake, then each folded consequence) needs an acknowledgment with a reason
        matched: list[tuple[str, tuple[str, str]]] = []
        blank: tuple[str, str] | None = None
        missing: list[str] = []
        for number, group in enumerate(acknowledgment_groups(finding)):
            hits = [(key, h) for key in group if (h := acks.lookup(path, key)) is not None]
            reasoned = next(((k, h) for k, h in hits if h[1]), None)
            if reasoned is not None:
                matched.append(reasoned)
                continue
            if hits and blank is None:
                blank = hits[0][1]
            if number == 0:  # an issue code, where the finding is about one statement: say which id accepts it
                coarse = [(k, h) for k in stored_ids(coarse_ids(finding)) if (h := acks.lookup(path, k)) is not None
                          and h[1]]
                matched.extend(coarse[:1])
            missing.append(group[0].split("::", 1)[-1])
        if matched and not missing:
            where = matched[0][1][0]
            reason = " | ".join(dict.fromkeys(h[1] for _, h in matched))
            accepted.append(AcknowledgedFinding(finding, where, reason, ", ".join(k for k, _ in matched)))
        elif blank is not None:
            still.append(replace(finding, details={**(finding.details or {}), BLANK_ACKNOWLEDGMENT: blank[0]}))
        elif matched:  # the mistake or some consequences acknowledged, not all: still open, saying what is not
            still.append(replace(finding, details={**(finding.details or {}), "unacknowledged": missing,
                                                   "acknowledgedAs": [k for k, _ in matched]}))
        else:
            still.append(finding)
    return still, accepted


@dataclass
class GateReport:
    """The gate's outcome: findings (after filters) with their origins, per-check counts, backend."""

    cdk_out: str
    backend: str
    backend_reason: str
    findings: list[Finding] = field(default_factory=list)
    ignored: list[Finding] = field(default_factory=list)
    acknowledged: list[AcknowledgedFinding] = field(default_factory=list)
    """Findings acknowledged with a reason on their construct or a parent: reported, never blocking."""
    summaries: dict[str, CheckSummary] = field(default_factory=dict)
    treat_as_blocking: frozenset[FindingType] = frozenset()
    policies: int = 0
    principals: int = 0
    templates: int = 0
    api_calls: int = 0
    cache_hits: int = 0
    seconds: float = 0.0
    inventory: dict[str, Any] | None = None
    """The principals with their boundary and permissions (:mod:`.report.inventory`), for the HTML report."""
    html_report: bool = False
    """Write ``<report>.html`` beside the JSON report (:meth:`write`)."""

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.is_blocking(self.treat_as_blocking)]

    def summary_lines(self) -> list[str]:
        head = (
            f"least-privilege: analysed {self.policies} policies of {self.principals} principals in "
            f"{self.templates} templates with the {self.backend} backend ({self.backend_reason}); "
            f"{self.api_calls} API call(s), {self.cache_hits} cached answer(s), {self.seconds:.1f}s"
        )
        return [head, *(s.line() for s in self.summaries.values())]

    def to_dict(self) -> dict[str, Any]:
        return {
            "cdkOut": self.cdk_out,
            "backend": self.backend,
            "backendReason": self.backend_reason,
            "treatAsBlocking": sorted(t.value for t in self.treat_as_blocking),
            "policies": self.policies,
            "principals": self.principals,
            "templates": self.templates,
            "apiCalls": self.api_calls,
            "cacheHits": self.cache_hits,
            "seconds": round(self.seconds, 3),
            "checks": {
                name: {
                    "enabled": s.enabled,
                    "checked": s.checked,
                    "findings": s.findings,
                    "blocking": s.blocking,
                    "notApplicable": s.not_applicable,
                    "acknowledged": s.acknowledged,
                }
                for name, s in self.summaries.items()
            },
            "findings": [f.to_dict() for f in self.findings],
            "ignored": [f.to_dict() for f in self.ignored],
            "acknowledged": [{**a.finding.to_dict(), "acknowledgedAt": a.construct_path, "reason": a.reason}
                             for a in self.acknowledged],
            **({"inventory": self.inventory} if self.inventory is not None else {}),
        }

    def add_findings(self, check: str, findings: Sequence[Finding], checked: int = 0) -> None:
        """Add the findings of a check run beside the assembly's (``settings``: the repository's weakenings of the
        platform's settings; ``cache``: unauthenticated cache entries), counted in a summary of their own."""
        summary = self.summaries.setdefault(check, CheckSummary(check))
        summary.checked += checked
        summary.findings += len(findings)
        summary.blocking += sum(1 for f in findings if f.is_blocking(self.treat_as_blocking))
        self.findings = sort_findings([*self.findings, *findings])

    def write(self, path: str | os.PathLike[str]) -> Path:
        """Write the JSON report (never inside the cloud assembly)."""
        target = Path(path).resolve()
        assembly = Path(self.cdk_out).resolve()
        if target == assembly or assembly in target.parents:
            raise ValueError(
                f"the report path {target} is inside the cloud assembly {assembly}; the gate never writes "
                "into cdk.out (set least-privilege.reportPath elsewhere)"
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(target.suffix + ".tmp")
        tmp.write_text(json.dumps(self.to_dict(), indent=2), encoding="utf-8")
        tmp.replace(target)
        if self.html_report:
            from least_privilege_constructs.analysis.report.html import html_report_path, write_html

            write_html(self.to_dict(), html_report_path(target))
        return target

    def publish(self, path: str | os.PathLike[str], say: Callable[[str], None] | None = None) -> Path:
        """Write the JSON report to ``path`` and say the per-check lines and where the report is: what the
        synth plugin and ``lpc gate`` both do at the end of a run."""
        written = self.write(path)
        if say is not None:
            for line in self.summary_lines():
                say(line)
            say(f"least-privilege: full report: {written}")
            if self.html_report:
                from least_privilege_constructs.analysis.report.html import html_report_path

                say(f"least-privilege: HTML report: {html_report_path(written)}")
        return written


def _doc_key(document: Any, policy_type: str, resource_type: str | None) -> str:
    return json.dumps([document, policy_type, resource_type], sort_keys=True, default=str)


def _reference_for(construct_path: str | None, references: Sequence[Any]) -> list[Any]:
    if not construct_path:
        return [r for r in references if not r.scope]
    return [
        r
        for r in references
        if not r.scope or construct_path == r.scope or construct_path.startswith(r.scope.rstrip("/") + "/")
    ]


def run_gate(
    cdk_out: str,
    options: GateOptions,
    *,
    backend: Any,
    backend_reason: str | None = None,
    escalation_context: Mapping[str, Any] | None = None,
    progress: Callable[[str], None] | None = None,
) -> GateReport:
    """Run every enabled check over the assembly at ``cdk_out``; see the module docstring.

    ``backend`` answers the questions (``run(requests) -> results``: the offline analyzer or IAM Access
    Analyzer, chosen by the caller from the settings). Nothing is written into ``cdk_out``.
    """
    # the request type is pure Python (no boto3); the backend that answers it is the caller's
    from least_privilege_constructs.analysis.extract import extract_policies
    from least_privilege_constructs.analysis.pipeline import (
        ValidationOptions,
        is_ignored,
        validate_extraction,
    )
    from least_privilege_constructs.analysis.request import AnalysisRequest

    started = time.perf_counter()
    say = progress or (lambda _msg: None)
    say(f"least-privilege: backend {backend.name}: {backend_reason}")

    from least_privilege_constructs.analysis.extract import ExtractionOptions

    extraction = extract_policies([cdk_out], ExtractionOptions(exports=dict(options.exports)))
    report = GateReport(
        cdk_out=cdk_out,
        backend=backend.name,
        backend_reason=backend_reason or "given",
        treat_as_blocking=frozenset(options.treat_as_blocking),
        policies=len(extraction.policies),
        principals=len(extraction.principals),
        templates=len(extraction.templates),
    )
    for name in CHECK_NAMES:
        report.summaries[name] = CheckSummary(name)
    if options.html_report:
        from least_privilege_constructs.analysis.report.inventory import build_inventory

        report.html_report, report.inventory = True, build_inventory(extraction, options.managed_policy_documents)

    # -- build every request first: one batch through the backend (concurrency, cache, dedup) -------------
    requests: list[Any] = []
    kinds: list[tuple[str, Any]] = []

    if options.validate_policy:
        seen_docs: set[str] = set()
        for policy in extraction.policies:
            key = _doc_key(policy.document, policy.policy_type.value, policy.resource_type)
            if key in seen_docs:
                continue
            seen_docs.add(key)
            requests.append(
                AnalysisRequest.validate_policy(
                    policy.document, policy.policy_type, policy.resource_type, origin=policy.origin
                )
            )
            kinds.append(("validate-policy", key))
    else:
        report.summaries["validate-policy"].enabled = False

    from least_privilege_constructs.analysis.managed_policies import ManagedPolicyResolver

    managed = ManagedPolicyResolver(options.managed_policy_documents)
    if options.no_new_access:
        for principal in extraction.principals:
            if principal.kind.value not in ("role", "user"):
                continue
            # AWS managed policies are not asked about here: they are broad by design and the boundary is what
            # narrows them (a BEYOND_BOUNDARY warning per statement of ReadOnlyAccess would be noise no one can fix)
            identity = extraction.all_identity_policies(principal)
            boundary = principal.boundary
            references = _reference_for(principal.construct_path, options.references)
            for policy in identity:
                maximum = _boundary_maximum(boundary.document) if boundary is not None else None
                if maximum is not None:
                    requests.append(
                        AnalysisRequest.no_new_access(
                            policy.document, maximum, PolicyType.IDENTITY_POLICY,
                            origin=_principal_origin(policy.origin, principal),
                        )
                    )
                    kinds.append(("no-new-access:boundary", (principal, policy)))
                for ref in references:
                    requests.append(
                        AnalysisRequest.no_new_access(
                            policy.document, ref.document, PolicyType.IDENTITY_POLICY,
                            origin=_principal_origin(policy.origin, principal),
                        )
                    )
                    kinds.append(("no-new-access:reference", ref))
    else:
        report.summaries["check-no-new-access"].enabled = False

    if options.access_not_granted and options.sensitive_actions:
        for principal in extraction.principals:
            if principal.kind.value not in ("role", "user"):
                continue
            if any(principal.path.startswith(p) for p in options.developer_role_paths):
                report.summaries["check-access-not-granted"].not_applicable += 1
                continue
            for policy in _checked_identity_policies(extraction, principal, managed):
                requests.append(
                    AnalysisRequest.access_not_granted(
                        policy.document, options.sensitive_actions, (), PolicyType.IDENTITY_POLICY,
                        origin=_principal_origin(policy.origin, principal),
                    )
                )
                kinds.append(("access-not-granted", (principal, policy)))
    else:
        report.summaries["check-access-not-granted"].enabled = False

    if options.no_public_access:
        for policy in extraction.policies:
            if policy.policy_type is not PolicyType.RESOURCE_POLICY:
                continue
            rtype = _public_access_type(policy)
            if rtype is None:
                report.summaries["check-no-public-access"].not_applicable += 1
                continue
            requests.append(AnalysisRequest.no_public_access(policy.document, rtype, origin=policy.origin))
            kinds.append(("no-public-access", policy))
    else:
        report.summaries["check-no-public-access"].enabled = False

    say(f"least-privilege: {len(requests)} question(s) for the {backend.name} backend")
    results = backend.run(requests)

    # -- validate-policy findings go through the shared pipeline (filters, external principals) ---------
    validate_answers: dict[str, list[Finding]] = {}
    raw: list[Finding] = []
    for (kind, payload), result in zip(kinds, results):
        if kind == "validate-policy":
            validate_answers[payload] = list(result.findings)
            continue
        check = _check_name(kind)
        report.summaries[check].checked += 1
        for finding in result.findings:
            if kind == "no-new-access:boundary" and finding.issue_code == "NEW_ACCESS":
                finding = _beyond_boundary(finding, *payload)
            elif kind == "access-not-granted" and finding.issue_code == "ACCESS_GRANTED":
                finding = _name_sensitive_actions(finding, options.sensitive_actions, *payload)
            raw.append(finding)
    if options.no_new_access:
        raw.extend(_denied_by_boundary(extraction, raw))

    def lookup(document: Any, policy_type: str, resource_type: str | None) -> list[Finding]:
        answer = validate_answers.get(_doc_key(document, str(policy_type), resource_type))
        if answer is None:  # fail closed: a policy that was not analysed is a finding, not a pass
            return [
                Finding(FindingType.ERROR, "ANALYSIS_FAILED", "validate-policy was not run for this policy",
                        check="analysis")
            ]
        return answer

    validation = validate_extraction(
        extraction,
        ValidationOptions(
            treat_as_blocking=frozenset(options.treat_as_blocking),
            ignore_findings=tuple(options.ignore_findings),
            allow_external_principals=tuple(options.allow_external_principals),
            check_external_principals=bool(options.validate_policy),
            validator=lookup if options.validate_policy else (lambda *_a: []),
        ),
    )
    report.summaries["validate-policy"].checked = len(validation.checked) if options.validate_policy else 0
    findings = list(validation.findings)
    report.ignored.extend(validation.ignored)

    if options.escalation:
        context = escalation_context if escalation_context is not None else options.escalation_context
        context = _with_managed_documents(context, options.managed_policy_documents)
        esc = _escalation_findings(cdk_out, extraction, context)
        esc.extend(_snapshot_staleness(extraction, context))
        report.summaries["escalation"].checked = sum(
            1 for p in extraction.principals if p.kind.value in ("role", "user")
        )
        raw.extend(esc)
    else:
        report.summaries["escalation"].enabled = False

    if options.enforce_boundary is not None:
        enforcement = report.summaries.setdefault(BOUNDARY_CHECK, CheckSummary(BOUNDARY_CHECK))
        raw.extend(boundary_enforcement_findings(cdk_out, *options.enforce_boundary, summary=enforcement))
    for number, (scope, bpath, bname) in enumerate(options.boundary_scopes):
        enforcement = report.summaries.setdefault(BOUNDARY_CHECK, CheckSummary(BOUNDARY_CHECK))
        # "checked" counts the assembly's roles and users once, as lpc gate does
        raw.extend(boundary_enforcement_findings(cdk_out, bpath, bname, summary=None if number else enforcement,
                                                 scope=scope))
    if options.rules is not None:
        from least_privilege_constructs.analysis.rules.assembly_run import RULES_CHECK, rule_findings

        rules_summary = report.summaries.setdefault(RULES_CHECK, CheckSummary(RULES_CHECK))
        rules_summary.checked = report.templates
        raw.extend(rule_findings(cdk_out, options.rules, options.rule_levels))

    for finding in raw:
        (report.ignored if is_ignored(finding, options.ignore_findings) else findings).append(finding)

    findings = _with_recipients(findings, extraction)
    findings = merge_duplicates(_drop_public_duplicates(findings))  # one finding per mistake
    findings, report.acknowledged = apply_acknowledgments(findings, cdk_out)
    report.findings = sort_findings(findings)
    for finding in report.findings:
        summary = report.summaries.get(_summary_of(finding))
        if summary is not None:
            summary.findings += 1
            if finding.is_blocking(options.treat_as_blocking):
                summary.blocking += 1
    for accepted in report.acknowledged:
        summary = report.summaries.get(_summary_of(accepted.finding))
        if summary is not None:
            summary.acknowledged += 1
    stats = getattr(backend, "stats", None)
    report.api_calls = sum(r.api_calls for r in results)
    report.cache_hits = int(getattr(stats, "hits", 0) or 0)
    report.seconds = time.perf_counter() - started
    return report


def _checked_identity_policies(extraction: Any, principal: Any, managed: Callable[[str], Any]) -> list[Any]:
    """The identity policies check-access-not-granted asks about for a principal: its own, its groups', the
    customer managed ones (StackSet-deployed included) and the AWS managed ones the resolver knows (a
    permission set: inline ∪ AWS managed ∪ customer managed). An AWS managed policy that allows every action
    on every resource is left out: LP-IAM2 (no administrator access) reports it, once."""
    from least_privilege_constructs.analysis.iam.arn import Arn
    from least_privilege_constructs.analysis.managed_policies import is_admin_like

    def owned_by_lp_iam2(policy: Any) -> bool:
        parsed = Arn.parse(policy.policy_arn) if policy.policy_arn else None
        return parsed is not None and parsed.account_id == "aws" and is_admin_like(policy.document)

    return [p for p in extraction.all_identity_policies(principal, managed) if not owned_by_lp_iam2(p)]


def _with_recipients(findings: list[Finding], extraction: Any) -> list[Finding]:
    """Each finding on an identity policy of the assembly says whom the policy is granted to
    (``details["grantedTo"]``: construct paths), as the ``LP-*`` findings do: the merge of one mistake's findings
    folds a principal's consequences into it only when the policy is granted to that principal alone."""
    from dataclasses import replace

    recipients: dict[tuple[Any, ...], list[str]] = {}
    by_key = {p.key: p for p in extraction.principals}
    for policy in extraction.policies:
        if policy.policy_type is PolicyType.IDENTITY_POLICY and policy.attached_to:
            recipients[_origin_key(policy.origin)] = [
                by_key[k].label.strip("/") if k in by_key else k for k in policy.attached_to]
    out = []
    for f in findings:
        granted = recipients.get(_origin_key(f.origin)) if f.origin is not None else None
        if granted and "grantedTo" not in (f.details or {}):
            f = replace(f, details={**(f.details or {}), "grantedTo": granted})
        out.append(f)
    return out


def _drop_public_duplicates(findings: list[Finding]) -> list[Finding]:
    """An EXTERNAL_PRINCIPAL finding for ``*`` repeats the PUBLIC_ACCESS finding on the same statement (only
    there: another statement's is another mistake)."""
    public = {key for f in findings if f.issue_code == "PUBLIC_ACCESS" for key in statement_keys(f)}
    return [
        f
        for f in findings
        if not (
            f.issue_code == "EXTERNAL_PRINCIPAL"
            and (keys := statement_keys(f))
            and keys <= public
            and (f.details or {}).get("principals") == ["*"]
        )
    ]


def _origin_key(origin: PolicyOrigin | None) -> tuple[Any, ...]:
    if origin is None:
        return ()
    return (origin.source, origin.stack, origin.logical_id, origin.json_path)


def _check_name(kind: str) -> str:
    if kind.startswith("no-new-access"):
        return "check-no-new-access"
    if kind == "access-not-granted":
        return "check-access-not-granted"
    if kind == "no-public-access":
        return "check-no-public-access"
    return kind


def _summary_of(finding: Finding) -> str:
    check = finding.check
    if check in ("check-no-new-access", "check-access-not-granted", "check-no-public-access", "escalation",
                 BOUNDARY_CHECK, "lp-rules"):
        return check
    return "validate-policy"


def _principal_origin(origin: PolicyOrigin, principal: Any) -> PolicyOrigin:
    """The policy's origin, reported against the principal when the policy is shared (managed)."""
    from dataclasses import replace

    if principal.construct_path and origin.construct_path != principal.construct_path:
        return replace(origin, policy_name=f"{origin.policy_name or origin.logical_id} (for {principal.label})")
    return origin


def _statement_at(document: Any, location: Sequence[Any]) -> dict[str, Any] | None:
    node = document
    for key in location[:2]:
        if isinstance(node, dict) and isinstance(key, str) and key in node:
            node = node[key]
        elif isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
            node = node[key]
        else:
            return None
    return node if isinstance(node, dict) else None


def _strings(value: Any) -> list[str]:
    return [str(v) for v in (value if isinstance(value, list) else [value]) if v is not None]


def _grant_text(statement: dict[str, Any] | None) -> str:
    """``lambda:UpdateFunctionCode, lambda:GetFunction on arn:...`` of an Allow statement."""
    if statement is None:
        return "(statement not found)"
    actions = _strings(statement.get("Action")) or [f"everything but {', '.join(_strings(statement.get('NotAction')))}"]
    resources = _strings(statement.get("Resource")) or [
        f"everything but {', '.join(_strings(statement.get('NotResource')))}"]
    return f"{', '.join(actions)} on {', '.join(resources)}"


def _beyond_boundary(finding: Finding, principal: Any = None, policy: Any = None) -> Finding:
    """A NEW_ACCESS answer against the boundary's Allow statements, as BEYOND_BOUNDARY naming the
    principal, the actions and the resources of the statement."""
    from dataclasses import replace

    location = finding.locations[0] if finding.locations else []
    statement = _statement_at(getattr(policy, "document", None), location)
    who = getattr(principal, "label", None) or "the principal"
    return replace(
        finding,
        finding_type=FindingType.WARNING,
        issue_code="BEYOND_BOUNDARY",
        message=(
            f"{who} is granted {_grant_text(statement)}, but its permissions boundary does not allow all of "
            "it, so the grant is (partly) ineffective; narrow the policy to what the boundary allows. "
            f"({finding.message})"
        ),
        details={**(finding.details or {}), "principal": who,
                 "actions": _strings((statement or {}).get("Action")),
                 "resources": _strings((statement or {}).get("Resource"))},
    )


def _name_sensitive_actions(finding: Finding, sensitive: Sequence[str], principal: Any = None,
                            policy: Any = None) -> Finding:
    """An ACCESS_GRANTED answer naming the principal and which of the sensitive actions its statement allows
    (Access Analyzer's own text says only "one or more of the listed actions"; kept at the end)."""
    from dataclasses import replace

    from least_privilege_constructs.analysis.iam.wildcards import action_matches

    statement = _statement_at(getattr(policy, "document", None),
                              finding.locations[0] if finding.locations else [])
    if statement is None:
        return finding
    from least_privilege_constructs.analysis.catalog import get_catalog
    from least_privilege_constructs.analysis.iam.wildcards import has_wildcards

    excluded = _strings(statement.get("NotAction"))
    patterns = _strings(statement.get("Action"))
    hits: list[str] = []
    for listed in sensitive:
        # a listed pattern (cloudtrail:Delete*) is named by the catalog actions it stands for that the statement
        # grants, so that what is folded into another finding is named action by action
        for action in (sorted(get_catalog().expand_action(listed)) if has_wildcards(listed) else [listed]):
            granted = (not any(action_matches(p, action) for p in excluded) if "NotAction" in statement
                       else any(action_matches(p, action) for p in patterns))
            if granted and action not in hits:
                hits.append(action)
    if not hits:
        return finding
    who = getattr(principal, "label", None) or "the principal"
    shown = ", ".join(hits[:5]) + (f" (+{len(hits) - 5} more)" if len(hits) > 5 else "")
    return replace(finding, message=f"{who} is granted {shown}. ({finding.message})",
                   details={**(finding.details or {}), "principal": who, "actions": hits})


def _denied_by_boundary(extraction: Any, reported: Sequence[Finding]) -> list[Finding]:
    """BEYOND_BOUNDARY for each Allow statement of a bounded principal's identity policies that the
    boundary's **Deny** statements deny entirely (proven offline: the statement plus the Deny statements
    grant none of its actions). Such a grant passes the Allow-only comparison yet fails at run time with
    AccessDenied: an explicit Deny in a permissions boundary overrides any Allow
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html). A
    statement the solver cannot decide (UNKNOWN) gets no finding: the claim made here is "ineffective"."""
    from least_privilege_constructs.analysis.reasoning.access_not_granted import check_access_not_granted
    from least_privilege_constructs.analysis.reasoning.result import Verdict

    def key(origin: PolicyOrigin | None, location: Sequence[Any]) -> tuple[Any, ...]:
        return (*_origin_key(origin), tuple(location))

    done = {key(f.origin, f.locations[0]) for f in reported if f.issue_code == "BEYOND_BOUNDARY" and f.locations}
    out: list[Finding] = []
    for principal in extraction.principals:
        if principal.kind.value not in ("role", "user") or principal.boundary is None:
            continue
        bdoc = principal.boundary.document
        bstatements = bdoc.get("Statement") if isinstance(bdoc, dict) else None
        denies = [s for s in (bstatements if isinstance(bstatements, list) else [bstatements])
                  if isinstance(s, dict) and s.get("Effect") == "Deny"]
        if not denies:
            continue
        for policy in extraction.all_identity_policies(principal):
            document = policy.document
            statements = document.get("Statement") if isinstance(document, dict) else None
            listed = isinstance(statements, list)
            items: list[Any] = statements if isinstance(statements, list) else [statements]
            for index, statement in enumerate(items):
                if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
                    continue
                actions = _strings(statement.get("Action"))
                if not actions or "NotAction" in statement:
                    continue
                location: list[Any] = ["Statement", index] if listed else ["Statement"]
                origin = _principal_origin(policy.origin, principal)
                if key(origin, location) in done:
                    continue
                done.add(key(origin, location))
                query = {"Version": "2012-10-17", "Statement": [statement, *denies]}
                try:
                    verdict = check_access_not_granted(query, actions, ()).verdict
                except Exception:  # undecidable here: no claim
                    continue
                if verdict is not Verdict.PASS:
                    continue
                out.append(Finding(
                    FindingType.WARNING, "BEYOND_BOUNDARY",
                    f"{principal.label} is granted {_grant_text(statement)}, but the Deny statements of its "
                    "permissions boundary deny every request this statement allows, so the grant is "
                    "ineffective (AccessDenied at run time); remove it or change it to what the boundary "
                    "allows.",
                    locations=[location], origin=origin, check="check-no-new-access",
                    details={"principal": principal.label, "actions": actions,
                             "resources": _strings(statement.get("Resource")), "deniedByBoundary": True},
                ))
    return out


def _boundary_maximum(document: Any) -> dict[str, Any] | None:
    """The boundary's Allow statements: the maximum a bounded principal may be granted.

    Its Deny statements are guardrails (regions, takeover, self-protection) that no identity policy is
    expected to repeat; comparing against them would flag every grant that lacks a region condition.
    """
    if not isinstance(document, dict):
        return None
    statements = document.get("Statement")
    statements = statements if isinstance(statements, list) else [statements]
    allows = [s for s in statements if isinstance(s, dict) and s.get("Effect") == "Allow"]
    if not allows:
        return None
    return {"Version": document.get("Version", "2012-10-17"), "Statement": allows}


def _public_access_type(policy: Any) -> str | None:
    for candidate in (policy.resource_type, policy.governed_resource_type):
        if candidate in PUBLIC_ACCESS_RESOURCE_TYPES:
            return str(candidate)
    return None


def _escalation_findings(cdk_out: str, extraction: Any, context: Mapping[str, Any] | None) -> list[Finding]:
    try:
        from least_privilege_constructs.analysis.escalation import escalation_findings
    except ImportError as exc:  # fail closed
        return [
            Finding(FindingType.ERROR, "ANALYSIS_FAILED", f"the escalation analysis is unavailable: {exc}",
                    check="escalation")
        ]
    try:
        # extraction problems are already findings of validate-policy's pipeline: not twice
        return [f for f in escalation_findings(extraction, context=context) if f.check != "extraction"]
    except Exception as exc:  # fail closed, naming the cause
        return [
            Finding(FindingType.ERROR, "ANALYSIS_FAILED",
                    f"the escalation analysis failed on {cdk_out}: {type(exc).__name__}: {exc}",
                    check="escalation")
        ]
