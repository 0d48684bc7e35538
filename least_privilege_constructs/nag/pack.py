"""``LeastPrivilegeChecks``: the cdk-nag 3 pack for least privilege.

Register it like any cdk-nag 3 pack (packs are CDK validation plugins)::

    from aws_cdk import App, Validations
    from cdk_nag import AwsSolutionsChecks
    from least_privilege_constructs import LeastPrivilegeChecks

    app = App()
    ...
    Validations.of(app).add_plugins(AwsSolutionsChecks(app), LeastPrivilegeChecks(app))

How it runs: CDK calls the plugin after it has written the cloud assembly. The pack reads every resource
from the *synthesized templates* (so late mutations — CDK's permissions-boundary aspect, property
overrides, escape hatches — are seen), maps construct paths to logical ids and reads the acknowledgments
from the assembly's metadata, resolves each resource once in pure Python and runs the pure rule functions
of :mod:`~least_privilege_constructs.analysis.rules.rule_set`: no jsii round-trip per resource. ``validate_scope``
(cdk-nag's direct entry point) walks the construct tree instead: one jsii call per ``CfnResource`` in
:meth:`LeastPrivilegeChecks._check_resource`, and findings go through cdk-nag's ``_apply_rule``.

Acknowledging: ``Validations.of(construct).acknowledge(Acknowledgment(id=..., reason=...))`` with either a
single finding (``LP-IAM4[Resource::*]``) or — unlike the built-in cdk-nag 3 packs — a whole rule
(``LP-IAM4``); a reason is required (a blank one is reported as ``LP-ACK``). See ``docs/nag.md``.
"""

from __future__ import annotations

import os
from typing import Any

import jsii
from aws_cdk import (
    CfnResource,
    IPolicyValidationContext,
    PolicyValidationPluginReport,
    PolicyViolatingResource,
    PolicyViolation,
    Stack,
    Stage,
    Token,
    Validations,
)
from cdk_nag import IApplyRule, NagMessageLevel, NagPack, NagRuleCompliance
from constructs import IConstruct

from least_privilege_constructs.analysis.rules.acknowledgments import Acknowledgments
from least_privilege_constructs.analysis.rules.assembly_index import AssemblyIndex, ResourceLocation
from least_privilege_constructs.analysis.rules.assembly_run import LocatedViews, evaluate
from least_privilege_constructs.analysis.rules.base import (
    NagFinding,
    finding_key,
)
from least_privilege_constructs.analysis.rules.config import CONTEXT_KEY, NagConfig, PolicyQuotas
from least_privilege_constructs.analysis.rules.rule_set import (
    ACK_RULE_DOC,
    ACK_RULE_ID,
    ACK_RULE_INFO,
    ERROR_FINDING_INFO,
    PACK_NAME,
    PLUGIN_NAME,
    RULES,
    Level,
    RuleBinding,
    rules_by_type,
)
from least_privilege_constructs.analysis.rules.stack_view import (
    DEFAULT_REGION,
    ENV_AGNOSTIC_ACCOUNT,
    AssemblyTemplates,
    StackView,
    TemplateError,
)


@jsii.implements(IApplyRule)
class _Finding:
    """The rule object handed to cdk-nag's ``_apply_rule``: fields as Python properties, ``rule`` returns
    the already computed finding ids (cdk-nag prefixes them with ``LP-<suffix>``)."""

    def __init__(self, node: CfnResource, suffix: str, level: Level, info: str, explanation: str,
                 keys: list[str]) -> None:
        self._node = node
        self._suffix = suffix
        self._level = level
        self._info = info
        self._explanation = explanation
        self._keys = keys

    @property
    def rule_suffix_override(self) -> str:
        return self._suffix

    @property
    def info(self) -> str:
        return self._info

    @property
    def explanation(self) -> str:
        return self._explanation

    @property
    def level(self) -> NagMessageLevel:
        return NagMessageLevel.ERROR if self._level is Level.ERROR else NagMessageLevel.WARN

    @property
    def node(self) -> CfnResource:
        return self._node

    def rule(self, node: CfnResource) -> list[str] | NagRuleCompliance:
        return list(self._keys) if self._keys else NagRuleCompliance.COMPLIANT


class LeastPrivilegeChecks(NagPack):
    """cdk-nag 3 pack: boundaries, PassRole, NotAction, trust, escalation, credentials, quotas, resource and
    key policies (rules ``LP-*``; table in ``docs/nag.md``).

    :param scope: the app (or stage) the pack is registered on; its ``least-privilege`` context gives the
        defaults (``boundaryName`` / ``boundaryArn``, ``applicationPath``, ``kmsAdministrators``, ``quotas``).
    :param boundary: the approved permissions boundary, a policy name or ARN.
    :param application_path: IAM path of application roles (``/app/``).
    :param kms_administrators: principal ARN patterns allowed ``kms:*`` in key policies.
    :param quotas: IAM quotas to check sizes against.
    :param levels: override a rule's level, e.g. ``{"LP-IAM8": "WARN"}``.
    :param verbose: cdk-nag's verbose messages (rule explanation appended).
    :param write_suppressions_to_cloud_formation: copy acknowledgments (with reasons) into the template's
        resource metadata (``cdk_nag.rules_to_suppress``), cdk-nag v2's audit format.
    :param config: a complete :class:`NagConfig` (then the other configuration arguments are ignored).
    """

    def __init__(
        self,
        scope: IConstruct | None = None,
        *,
        boundary: str | None = None,
        application_path: str | None = None,
        kms_administrators: tuple[str, ...] | list[str] | None = None,
        quotas: PolicyQuotas | None = None,
        levels: dict[str, str] | None = None,
        verbose: bool | None = None,
        write_suppressions_to_cloud_formation: bool | None = None,
        config: NagConfig | None = None,
    ) -> None:
        super().__init__(scope, verbose=verbose,
                         write_suppressions_to_cloud_formation=write_suppressions_to_cloud_formation)
        self._pack_name = PACK_NAME
        context: Any = scope.node.try_get_context(CONTEXT_KEY) if scope is not None else None
        self.config = config or NagConfig.from_context(
            context,
            boundary=boundary,
            application_path=application_path,
            kms_administrators=tuple(kms_administrators) if kms_administrators is not None else None,
            quotas=quotas,
        )
        known = {b.id for b in RULES} | {ACK_RULE_ID}
        unknown = set(levels or {}) - known
        if unknown:
            raise ValueError(f"LeastPrivilegeChecks(levels=...): unknown rule ids {sorted(unknown)}")
        self._levels = {k: Level(str(v).upper()) for k, v in (levels or {}).items()}
        self._by_type = rules_by_type()
        self._verbose = bool(verbose)
        self._in_validation = False
        self._synthesizing = False
        self._ack_key = Validations.ACKNOWLEDGED_RULES_METADATA_KEY
        self._root: IConstruct | None = scope.node.root if scope is not None else None
        self._reset()
        if self._root is not None:
            from least_privilege_constructs.validation.acknowledgments_above import (
                record_acknowledgments_above,
            )
            from least_privilege_constructs.validation.registry import register_pack

            register_pack(self._root, self)
            record_acknowledgments_above(self._root)  # the app's and stages' acknowledgments, into cdk.out

    @property
    def levels(self) -> dict[str, Level]:
        """Rule id -> level chosen with ``levels=`` (the rest keep their default)."""
        return dict(self._levels)

    @property
    def name(self) -> str:
        return PLUGIN_NAME

    @property
    def rule_ids(self) -> list[str]:
        return [b.id for b in RULES] + [ACK_RULE_ID]

    # -- CDK entry point -------------------------------------------------------------------------------
    def validate(self, context: IPolicyValidationContext) -> PolicyValidationPluginReport:
        """Called by CDK after it has written the cloud assembly.

        The assembly's metadata maps every resource's construct path to its template and logical id and
        carries the acknowledgments (those made inside stacks, and those on the app and its stages, which
        this library records on each stack), so the whole evaluation runs in Python over the templates just
        written — no jsii round-trip per resource. When the metadata
        cannot be read, the pack falls back to cdk-nag's walk of the construct tree (``_check_resource``).
        """
        if self._synthesizing:  # the synthesis this pack started itself (direct validate_scope call)
            return PolicyValidationPluginReport(success=True, violations=[])
        from least_privilege_constructs.validation.registry import deferred, gate_for

        if gate_for(self._root) is not None:
            deferred(self._root, PLUGIN_NAME)
            # the gate plugin runs these rules itself, merged with its own checks (one finding per mistake)
            return PolicyValidationPluginReport(success=True, violations=[])
        self._reset()
        self._in_validation = True
        try:
            for stack in context.stack_templates:  # a handful of jsii reads, once per synthesis
                self._index.add_stack_template(stack.template_path, stack.stack_construct_path)
            if self._root is None or self._index.problems or not self._index.templates or any(
                isinstance(self._located_view(ResourceLocation(t.directory, t.entry, "")), TemplateError)
                for t in self._index.templates
            ):
                # no usable metadata or an unreadable template: cdk-nag's walk reports per resource (fail closed)
                return super().validate(context)
            return self._validate_assembly()
        finally:
            self._in_validation = False
            self._reset()

    def _reset(self) -> None:
        self._views: dict[int, tuple[Any, StackView | TemplateError]] = {}
        self._acks: dict[str, tuple[tuple[dict[str, Any], ...], Any]] = {}
        self._index = AssemblyIndex(ENV_AGNOSTIC_ACCOUNT, DEFAULT_REGION)
        self._located = LocatedViews(self.config)  # templates and views, shared with the gate's rule run

    # -- evaluation (pure Python) ----------------------------------------------------------------------
    def _decide(self, results: list[tuple[RuleBinding, list[NagFinding], bool]],
                acks: Acknowledgments) -> list[tuple[str, Level, str, str, list[str]]]:
        """What to report: (rule id, level, info, explanation, finding keys), acknowledgments applied."""
        out: list[tuple[str, Level, str, str, list[str]]] = []
        blank: list[str] = []
        for binding, findings, failed in results:
            level = self._levels.get(binding.id, binding.level)
            for f in findings:
                hit = acks.lookup(binding.id, f"{binding.id}[{f.key}]")
                if hit is not None and hit[1]:
                    continue  # acknowledged with a reason
                if hit is not None and hit[0] not in blank:
                    blank.append(hit[0])
                info = (ERROR_FINDING_INFO if failed else binding.info) + f" {f.detail}."
                out.append((binding.id, level, info, _explanation(binding), [f.key]))
        if blank:
            out.append((ACK_RULE_ID, self._levels.get(ACK_RULE_ID, Level.ERROR),
                        ACK_RULE_INFO + f" Blank: {', '.join(blank)}.", ACK_RULE_DOC.why,
                        [finding_key(b) for b in blank]))
        return out

    # -- the assembly-driven run (CDK's validate) ---------------------------------------------------------
    def _validate_assembly(self) -> PolicyValidationPluginReport:
        grouped: dict[str, tuple[str, Level, list[PolicyViolatingResource]]] = {}
        for tpl in self._index.templates:
            view = self._located_view(ResourceLocation(tpl.directory, tpl.entry, ""))
            source = os.path.join(tpl.directory, tpl.entry.template_file)
            resources = view.resources if isinstance(view, StackView) else {}
            for logical_id, raw in resources.items():
                bindings = self._by_type.get(raw.get("Type", "")) if isinstance(raw, dict) else None
                if not bindings:
                    continue
                results = evaluate(view, logical_id, bindings)
                if not results:
                    continue
                path = tpl.paths.get(logical_id)
                acks = self._acknowledgments_at(path or tpl.construct_path + "/" + logical_id)
                where = (PolicyViolatingResource(construct_path=path.lstrip("/"), locations=["Properties"])
                         if path else PolicyViolatingResource(resource_logical_id=logical_id, template_path=source,
                                                              locations=["Properties"]))
                for rule_id, level, info, explanation, keys in self._decide(results, acks):
                    for key in keys:
                        name = f"{rule_id}[{key}]"
                        description = f"{info} {explanation}" if self._verbose else info
                        grouped.setdefault(name, (description, level, []))[2].append(where)
        violations = [
            PolicyViolation(rule_name=name, description=description,
                            severity="error" if level is Level.ERROR else "warning",
                            violating_resources=resources)
            for name, (description, level, resources) in grouped.items()
        ]
        from least_privilege_constructs.validation.acknowledgments_above import unrecorded_violations

        violations += unrecorded_violations(self._root)  # CDK would honour them, the pack and lpc gate cannot
        from least_privilege_constructs.validation.registry import blocked

        blocked(self._root, PLUGIN_NAME, violations)  # CDK drops one whose name is acknowledged (LP-ACK[...])
        return PolicyValidationPluginReport(
            success=not any(v.severity == "error" for v in violations), violations=violations)

    def _acknowledgments_at(self, path: str) -> Acknowledgments:
        """Acknowledgments on ``path`` and its ancestors, nearest first, from the assembly's metadata: CDK's
        inside the stacks, and those of the constructs above the stacks (the app, a stage) that the resource's
        stack records (``validation/acknowledgments_above.py``), as ``lpc gate`` reads them."""
        parts = path.strip("/").split("/")
        full = "/" + "/".join(parts)
        entries: list[dict[str, Any]] = []
        roots = self._index.stack_roots
        owner = next((r for r in roots if full == r or full.startswith(r + "/")), None)
        above = self._index.above.get(owner, {}) if owner is not None else {}
        for i in range(len(parts), -1, -1):
            prefix = "/" + "/".join(parts[:i]) if i else ""
            if any(prefix == r or prefix.startswith(r + "/") for r in roots):
                entries.extend(self._index.acknowledgments.get(prefix, ()))
            elif (recorded := above.get(prefix or "/")) is not None:
                entries.append(dict(recorded))
        return Acknowledgments.from_entries(entries)

    # -- the construct-tree run (cdk-nag's walk: validate_scope, or no usable metadata) -------------------
    def _check_resource(self, node: CfnResource) -> None:
        # one jsii call identifies the resource: "Stack/Role/Resource [AWS::IAM::Role]"
        path, _, rtype = node.to_string().rpartition(" [")
        bindings = self._by_type.get(rtype[:-1])
        if not bindings:
            return
        location = self._index.by_path.get("/" + path)
        view: StackView | TemplateError
        if location is not None:
            view = self._located_view(location)
            logical_id = location.logical_id
        else:  # not in the assembly's metadata (direct validate_scope, metadata disabled): ask CDK
            stack = Stack.of(node)
            view = self._view(stack)
            logical_id = stack.resolve(node.logical_id)
        results = evaluate(view, logical_id, bindings)
        if not results:
            return
        for rule_id, level, info, explanation, keys in self._decide(results, self._acknowledgments(node)):
            finding = _Finding(node, rule_id[len(PACK_NAME) + 1:], level, info, explanation, keys)
            self._apply_rule(finding)  # type: ignore[arg-type]  # jsii protocol: read-only properties suffice

    # -- template lookups (cached) -----------------------------------------------------------------------
    def _assembly(self, directory: str, account: str, region: str) -> AssemblyTemplates:
        return self._located.assembly(directory, account, region)

    def _located_view(self, location: ResourceLocation) -> StackView | TemplateError:
        return self._located.view_at(location.directory, location.stack)

    def _view(self, stack: Stack) -> StackView | TemplateError:
        cached = self._views.get(id(stack))
        if cached is not None and cached[0] is stack:
            return cached[1]
        view: StackView | TemplateError
        try:
            stage = Stage.of(stack)
            if stage is None:
                raise TemplateError(f"stack {stack.node.path} is not in a Stage or App")
            if not self._in_validation:
                # direct validate_scope(): make sure the templates exist and are current
                self._synthesizing = True
                try:
                    stage.synth()
                finally:
                    self._synthesizing = False
            account = stack.account
            region = stack.region
            account = ENV_AGNOSTIC_ACCOUNT if Token.is_unresolved(account) else account
            region = DEFAULT_REGION if Token.is_unresolved(region) else region
            outdir = stage.outdir
            assembly = self._assembly(outdir, account, region)
            template_file = stack.template_file
            view = StackView(assembly.template(template_file), config=self.config, stack_name=stack.stack_name,
                             account=account, region=region, assembly=assembly.context,
                             source=os.path.join(outdir, template_file))
        except TemplateError as exc:
            view = exc
        self._views[id(stack)] = (stack, view)
        return view

    def _acknowledgments(self, node: IConstruct) -> Acknowledgments:
        """Acknowledgments on ``node`` and its ancestors (metadata read once per construct)."""
        chain: list[tuple[dict[str, Any], ...]] = []
        current: IConstruct | None = node
        cached_tail: tuple[dict[str, Any], ...] = ()
        paths: list[str] = []
        while current is not None:
            path = current.node.path
            hit = self._acks.get(path)
            if hit is not None:
                cached_tail = hit[0]
                break
            own = tuple(
                entry.data for entry in current.node.metadata
                if entry.type == self._ack_key and isinstance(entry.data, dict)
            )
            chain.append(own)
            paths.append(path)
            current = current.node.scope
        # fill the cache from the root side: each path gets its own entries + its ancestors'
        merged = cached_tail
        for path, own in zip(reversed(paths), reversed(chain)):
            merged = own + merged
            self._acks[path] = (merged, None)
        return Acknowledgments.from_entries(merged)


def _explanation(binding: RuleBinding) -> str:
    doc = binding.doc
    return f"{doc.why} Fix: {doc.fix}"


