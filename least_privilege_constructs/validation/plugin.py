"""``LeastPrivilegeValidation``: the synth-time gate as a CDK validation plugin.

Example::

    from aws_cdk import App, Validations
    from least_privilege_constructs import LeastPrivilegeValidation
    from least_privilege_constructs.validation.synth import synth

    app = App()
    ...
    Validations.of(app).add_plugins(LeastPrivilegeValidation(app))
    synth(app)     # blocking findings make synth (and `cdk synth`) exit non-zero

The plugin runs :func:`~least_privilege_constructs.analysis.gate.run_gate` over **every template of the
assembly**: CDK hands plugins only the top-level stack templates, so the gate reads the assembly's
``manifest.json`` itself and follows nested stacks, StackSet templates and stages. Settings come from the
``least-privilege`` context (``cdk.json``), environment variables and the constructor (see
the table in the README's Configuration section, ``analysis/settings.py``).

Each finding becomes a violation of the rule named by its issue code (``PASS_ROLE_WITH_STAR_IN_RESOURCE``,
``NEW_ACCESS``, ``B6``, ...) at the policy's construct path. Accept one with a reason, on the construct or a
parent::

    Validations.of(role).acknowledge(Acknowledgment(
        id="LeastPrivilege-PolicyValidation::PASS_ROLE_WITH_STAR_IN_RESOURCE",
        reason="the deployment role passes any app role; reviewed in SEC-123"))

The gate reads the acknowledgments from the cloud assembly, as ``lpc gate`` does; those on the app and its
stages get there through the hook the plugin installs (``validation/acknowledgments_above.py``).

One line per check goes to stderr, and the full JSON report to ``reportPath`` (default
``.lpc-reports/validation-report.json``, never inside ``cdk.out``).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Mapping
from typing import Any

import jsii
from aws_cdk import (
    IPolicyValidationContext,
    IPolicyValidationPlugin,
    PolicyValidationPluginReport,
    PolicyViolatingResource,
    PolicyViolation,
)
from constructs import IConstruct

from least_privilege_constructs import __version__
from least_privilege_constructs.analysis.assembly import assembly_root
from least_privilege_constructs.analysis.finding_ids import finding_id
from least_privilege_constructs.analysis.findings import Finding, format_path

PLUGIN_NAME = "LeastPrivilege-PolicyValidation"  # = analysis.gate.GATE_PLUGIN_NAME (the gate is imported lazily)
CONTEXT_KEY = "least-privilege"


@jsii.implements(IPolicyValidationPlugin)
class LeastPrivilegeValidation:
    """CDK validation plugin running validate-policy, the custom checks and the escalation analysis.

    :param scope: the app (or stage); its ``least-privilege`` context supplies the settings.
    :param overrides: option overrides (``GateOptions`` field names, e.g. ``escalation=False``).
    :param settings_overrides: backend overrides (``mode="offline"``, ``max_concurrency=4``, ...).
    :param escalation_context: what the templates cannot show (existing unbounded roles, SCPs).
    :param quiet: do not print the per-check lines.
    :param backend: an explicit analysis backend (tests, custom clients); default: chosen from the settings.
    """

    def __init__(
        self,
        scope: IConstruct | None = None,
        *,
        context: Mapping[str, Any] | None = None,
        settings_overrides: Mapping[str, Any] | None = None,
        escalation_context: Mapping[str, Any] | None = None,
        quiet: bool = False,
        backend: Any = None,
        **overrides: Any,
    ) -> None:
        ctx: Any = context
        if ctx is None and scope is not None:
            ctx = scope.node.try_get_context(CONTEXT_KEY)  # a non-object is a settings error, not {}
        self._context: Any = ctx if ctx is not None else {}
        self._overrides = overrides
        self._settings_overrides = dict(settings_overrides or {})
        self._escalation_context = escalation_context
        self._quiet = quiet
        self._backend = backend
        self.last_report: Any = None
        # resolved once, now, by the one settings reader (the same resolution lpc gate makes): a bad
        # cdk.json fails at construction with its key named
        self.options, self.settings = self._resolve()
        self._root: Any = scope.node.root if scope is not None else None
        if self._root is not None:
            from least_privilege_constructs.validation.acknowledgments_above import (
                record_acknowledgments_above,
            )
            from least_privilege_constructs.validation.registry import register_gate

            register_gate(self._root, self)
            record_acknowledgments_above(self._root)  # the app's and stages' acknowledgments, into cdk.out

    @property
    def name(self) -> str:
        return PLUGIN_NAME

    @property
    def version(self) -> str:
        return __version__

    @property
    def rule_ids(self) -> list[str]:
        return ["validate-policy", "check-no-new-access", "check-access-not-granted",
                "check-no-public-access", "escalation"]

    def _resolve(self) -> tuple[Any, Any]:
        from least_privilege_constructs.access_analyzer.settings import SETTINGS as BACKEND_SETTINGS
        from least_privilege_constructs.access_analyzer.settings import from_resolved
        from least_privilege_constructs.analysis.gate import GateOptions
        from least_privilege_constructs.analysis.settings import UNKNOWN_KEY, SettingsError, resolve

        by_field = {spec.field: spec.context_key for spec in BACKEND_SETTINGS}
        unknown = sorted(set(self._settings_overrides) - set(by_field))
        if unknown:
            raise SettingsError(UNKNOWN_KEY, "LeastPrivilegeValidation(settings_overrides=...)",
                                f"unknown setting(s): {', '.join(unknown)}")
        flags = {by_field[name]: value for name, value in self._settings_overrides.items()}
        resolved = resolve(self._context, flags=flags, base_dir=os.getcwd(), flag_names={
            key: f"LeastPrivilegeValidation(settings_overrides={{{name!r}: ...}})"
            for name, key in by_field.items()})
        context = self._context if isinstance(self._context, Mapping) else {}
        return GateOptions.from_settings(resolved, context, **self._overrides), from_resolved(resolved)

    def validate(self, context: IPolicyValidationContext) -> PolicyValidationPluginReport:
        paths = list(context.template_paths)
        if not paths:
            return PolicyValidationPluginReport(success=True, violations=[])
        cdk_out = str(assembly_root(os.path.dirname(paths[0])))
        try:
            report = self.run(cdk_out)
        except Exception as exc:  # fail closed: the gate could not run
            failed = PolicyViolation(
                rule_name="ANALYSIS_FAILED",
                description=f"least-privilege validation could not run on {cdk_out}: {type(exc).__name__}: {exc}",
                severity="error",
                violating_resources=[PolicyViolatingResource(locations=["/"])],
            )
            from least_privilege_constructs.validation.registry import blocked

            blocked(self._root, PLUGIN_NAME, [failed])  # CDK drops it when acknowledged: it must still fail
            return PolicyValidationPluginReport(success=False, violations=[failed])
        # open findings, then the acknowledged ones (CDK records them as suppressed in its report)
        violations = [_violation(f, report.treat_as_blocking, cdk_out) for f in report.findings]
        # only those CDK can match (its own id): one acknowledged through another id (LP-IAM4, a merged
        # finding's) is in the JSON report's "acknowledged" list, and CDK would count it as open
        violations += [_violation(a.finding, report.treat_as_blocking, cdk_out) for a in report.acknowledged
                       if a.acknowledged_id == f"{PLUGIN_NAME}::{finding_id(a.finding)}"]
        from least_privilege_constructs.validation.acknowledgments_above import unrecorded_violations

        # acknowledgments above the stacks that cdk.out does not record: CDK would honour them, the gate cannot
        unrecorded = unrecorded_violations(self._root)
        violations += unrecorded
        if self._root is not None:  # what CDK may drop by an acknowledgment of its rule name: synth(app) checks
            from least_privilege_constructs.validation.registry import blocked

            blocked(self._root, PLUGIN_NAME, violations[:len(report.findings)] + unrecorded)  # the open ones
        return PolicyValidationPluginReport(
            success=not report.blocking and not unrecorded,
            violations=violations,
            plugin_version=__version__,
            metadata={
                "backend": report.backend,
                "report": os.path.abspath(self.options.report_path),
            },
        )

    def run(self, cdk_out: str) -> Any:
        """Run the gate over ``cdk_out``, print the per-check lines and write the report."""
        from least_privilege_constructs.access_analyzer import select_backend
        from least_privilege_constructs.analysis.gate import run_gate
        from least_privilege_constructs.analysis.report.html import html_report_path

        options = self._coordinated(self.options)
        if self._root is not None:
            from least_privilege_constructs.validation.registry import ran

            ran(self._root)
        with contextlib.suppress(OSError):  # a run that fails leaves no stale report behind
            os.remove(os.path.abspath(options.report_path))
        with contextlib.suppress(OSError):
            os.remove(html_report_path(os.path.abspath(options.report_path)))
        backend, reason = self._backend, "given to the plugin"
        if backend is None:
            backend, reason = select_backend(self.settings, cdk_out=cdk_out)
        report = run_gate(cdk_out, options, backend=backend, backend_reason=reason,
                          escalation_context=self._escalation_context)
        report.publish(os.path.abspath(options.report_path),
                       None if self._quiet else (lambda line: print(line, file=sys.stderr)))
        self.last_report = report
        return report


    def _coordinated(self, options: Any) -> Any:
        """The options with the ``LP-*`` rules of an attached ``LeastPrivilegeChecks`` and the scopes of the
        app's ``BoundaryEnforcement``: the gate reports them, merged (see ``validation/registry.py``)."""
        from dataclasses import replace

        from least_privilege_constructs.validation.registry import pack_for

        pack = pack_for(self._root)
        if pack is not None and options.rules is None:
            options = replace(options, rules=pack.config, rule_levels=dict(pack.levels))
        if self._root is not None and not options.boundary_scopes and options.enforce_boundary is None:
            from least_privilege_constructs.boundary.boundary_enforcement import enforcement_rules

            options = replace(options, boundary_scopes=tuple(enforcement_rules(self._root)))
        return options


def _violation(finding: Finding, blocking: Any, cdk_out: str) -> PolicyViolation:
    origin = finding.origin
    where = [format_path(p) for p in finding.locations] or ["(policy)"]
    json_path = origin.json_path if origin and origin.json_path else ""
    locations = [f"{json_path}.{w}" if json_path and w != "(policy)" else (json_path or w) for w in where]
    resource_kwargs: dict[str, Any] = {"locations": [loc.replace(".", "/") for loc in locations]}
    if origin is not None:
        if origin.logical_id:
            resource_kwargs["resource_logical_id"] = origin.logical_id
        if origin.source and origin.source.endswith((".json", ".yaml", ".yml")):
            resource_kwargs["template_path"] = (
                origin.source if os.path.isabs(origin.source) else os.path.join(cdk_out, origin.source)
            )
        if origin.construct_path:
            resource_kwargs["construct_path"] = origin.construct_path
    label = origin.label() if origin else "<policy>"
    description = f"{finding_id(finding)} at {label} [{', '.join(where)}]: {finding.message}"
    from least_privilege_constructs.analysis.gate import BLANK_ACKNOWLEDGMENT

    rule_name = finding_id(finding)
    blank_at = (finding.details or {}).get(BLANK_ACKNOWLEDGMENT)
    if blank_at:
        # CDK suppresses an acknowledged violation whatever its reason: report it under another rule name
        rule_name = f"LP-ACK[{rule_name}]"
        description = (f"the acknowledgment of '{finding_id(finding)}' on {blank_at} gives no "
                       f"reason, so it acknowledges nothing; {description}")
    unacknowledged = (finding.details or {}).get("unacknowledged")
    if unacknowledged and not blank_at:
        # part of a merged finding is acknowledged (CDK would suppress it by that id): name what is not
        rule_name = f"LP-ACK[{rule_name}]"
        named = ', '.join((finding.details or {}).get('acknowledgedAs', []))
        own = finding_id(finding)
        rest = [u for u in unacknowledged if u != own]
        if own in unacknowledged:  # an issue code names no statement: it cannot accept this statement's finding
            description = (f"acknowledged as {named}, an id that names no statement, so it does not accept this "
                           f"statement's finding: acknowledge '{own}'"
                           + (f" and what is folded into it: {', '.join(rest)}" if rest else "") + f"; {description}")
        else:
            description = (f"acknowledged as {named}, but not what is folded into it: {', '.join(unacknowledged)} "
                           f"(a consequence names no action: acknowledge it by its own id, or fix the policy); "
                           f"{description}")
    return PolicyViolation(
        rule_name=rule_name,
        description=description,
        severity="error" if finding.is_blocking(blocking) else "warning",
        fix=_fix_for(finding),
        rule_metadata={"check": finding.check, "findingType": finding.finding_type.value},
        violating_resources=[PolicyViolatingResource(**resource_kwargs)],
    )


def _fix_for(finding: Finding) -> str:
    fix = finding.details.get("fix") if finding.details else None
    if isinstance(fix, str) and fix:
        return fix
    if finding.check == "validate-policy":
        return ("See https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html "
                f"for {finding.issue_code}")
    return f"Fix the policy or acknowledge '{PLUGIN_NAME}::{finding.issue_code}' on the construct with a reason"
