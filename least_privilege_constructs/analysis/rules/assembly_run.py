"""Run the ``LP-*`` rules over a cloud assembly without CDK: what ``lpc gate`` (and the synth-time gate) do.

The nag pack (:mod:`least_privilege_constructs.nag.pack`) and this module share :func:`evaluate` (one
resource through its rules, failing closed); here the resources come from the assembly on disk
(:mod:`least_privilege_constructs.analysis.assembly`: stacks, stages, nested stacks) and each finding becomes one
:class:`~least_privilege_constructs.analysis.findings.Finding` of the check ``lp-rules`` whose
``issue_code`` is the rule id (``LP-IAM4``) and whose ``details["findingId"]`` is the granular id
(``LP-IAM4[Resource::*]``) — the same ids, the same acknowledgments, inside ``cdk synth`` and in ``lpc gate``.

Example::

    from least_privilege_constructs.analysis.rules.assembly_run import rule_findings
    from least_privilege_constructs.analysis.rules.config import NagConfig

    for finding in rule_findings("cdk.out", NagConfig()):
        print(finding.details["findingId"], finding.origin.construct_path, finding.message)
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from least_privilege_constructs.analysis.finding_ids import ACTIONS, NOT_ACTIONS, STATEMENTS, UNDECIDED
from least_privilege_constructs.analysis.findings import Finding, FindingType, PolicyOrigin
from least_privilege_constructs.analysis.rules._policy import IDENTITY_POLICY_TYPES, PRINCIPAL_TYPES
from least_privilege_constructs.analysis.rules.assembly_index import (
    AssemblyIndex,
    IndexedTemplate,
    StackEntry,
)
from least_privilege_constructs.analysis.rules.base import NOT_APPLICABLE, NagFinding, Unanalyzable
from least_privilege_constructs.analysis.rules.config import NagConfig
from least_privilege_constructs.analysis.rules.rule_set import (
    ERROR_FINDING_INFO,
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

RULES_CHECK = "lp-rules"
"""The ``check`` of the gate's findings that come from the ``LP-*`` rules."""
LP_DOC = "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html"

Result = tuple[RuleBinding, list[NagFinding], bool]


def evaluate(view: StackView | TemplateError, logical_id: str, bindings: tuple[RuleBinding, ...]) -> list[Result]:
    """Run the rules on one resource: (binding, findings, could-not-run) for each rule with findings.
    A rule that cannot decide, or fails, is a finding of that rule (fail closed)."""
    results: list[Result] = []
    if isinstance(view, TemplateError):
        return [(b, [NagFinding("Template::unreadable", str(view))], True) for b in bindings]
    inp = view.rule_input(logical_id)
    for b in bindings:
        if inp is None:
            results.append((b, [NagFinding("Template::missing", f"{logical_id} is not in {view.source}")], True))
            continue
        try:
            out = b.rule(inp)
        except Unanalyzable as exc:
            results.append((b, [NagFinding(exc.key, exc.message)], True))
            continue
        except Exception as exc:  # a rule bug must not pass silently: fail closed
            results.append((b, [NagFinding("RuleError", f"{type(exc).__name__}: {exc}")], True))
            continue
        if out is not NOT_APPLICABLE and out:
            results.append((b, out, False))  # type: ignore[arg-type]
    return results


class LocatedViews:
    """One :class:`StackView` per template of an assembly index (cached; an unreadable template is kept as
    its :class:`TemplateError`)."""

    def __init__(self, config: NagConfig) -> None:
        self.config = config
        self._assemblies: dict[str, AssemblyTemplates] = {}
        self._views: dict[tuple[str, str], StackView | TemplateError] = {}

    def assembly(self, directory: str, account: str, region: str) -> AssemblyTemplates:
        """The templates of the assembly in ``directory`` (read once; its exports loaded)."""
        assembly = self._assemblies.get(directory)
        if assembly is None:
            assembly = self._assemblies[directory] = AssemblyTemplates(directory, account=account, region=region)
            assembly.load_exports()
        return assembly

    def view(self, tpl: IndexedTemplate) -> StackView | TemplateError:
        return self.view_at(tpl.directory, tpl.entry)

    def view_at(self, directory: str, entry: StackEntry) -> StackView | TemplateError:
        """The view of the template of ``entry`` in the assembly in ``directory``."""
        key = (directory, entry.template_file)
        view = self._views.get(key)
        if view is None:
            try:
                assembly = self.assembly(directory, entry.account, entry.region)
                view = StackView(assembly.template(entry.template_file), config=self.config,
                                 stack_name=entry.stack_name, account=entry.account, region=entry.region,
                                 assembly=assembly.context, source=os.path.join(directory, entry.template_file))
            except TemplateError as exc:
                view = exc
            self._views[key] = view
        return view


def rule_findings(cdk_out: str | os.PathLike[str], config: NagConfig,
                  levels: Mapping[str, Level | str] | None = None) -> list[Finding]:
    """Every ``LP-*`` finding of the assembly at ``cdk_out`` (stages and nested stacks included), as gate
    findings. Acknowledgments are the gate's to apply (:mod:`least_privilege_constructs.analysis.finding_ids`:
    ``LP-IAM4[Resource::*]`` or ``LP-IAM4``, as the pack accepts them). An unreadable assembly is one ERROR
    finding (fail closed)."""
    from least_privilege_constructs.analysis.assembly import AssemblyError, walk_assemblies

    index = AssemblyIndex(ENV_AGNOSTIC_ACCOUNT, DEFAULT_REGION)
    try:
        for assembly in walk_assemblies(cdk_out):
            for stack in assembly.stacks:
                index.add_stack_template(str(stack.template_file), stack.display_name)
    except AssemblyError as exc:
        index.problems.append(exc.message)
    out: list[Finding] = [
        Finding(FindingType.ERROR, "LP-RULES", f"{ERROR_FINDING_INFO} {problem}", check=RULES_CHECK,
                details={"findingId": "LP-RULES[Assembly::unreadable]"})
        for problem in index.problems
    ]
    chosen = {k: Level(str(v).upper()) for k, v in (levels or {}).items()}
    by_type = rules_by_type()
    views = LocatedViews(config)
    for tpl in index.templates:
        view = views.view(tpl)
        source = os.path.join(tpl.directory, tpl.entry.template_file)
        resources = view.resources if isinstance(view, StackView) else {lid: {} for lid in tpl.paths}
        for logical_id, raw in resources.items():
            rtype = raw.get("Type", "") if isinstance(raw, dict) else ""
            bindings = by_type.get(rtype)
            if not bindings:
                continue
            results = evaluate(view, logical_id, bindings)
            if not results:
                continue
            path = tpl.paths.get(logical_id) or f"{tpl.construct_path}/{logical_id}"
            granted_to = _recipients(view, tpl, logical_id, rtype)
            origin = PolicyOrigin(source=source, stack=tpl.entry.stack_name, logical_id=logical_id,
                                  construct_path=path.lstrip("/"), json_path=f"Resources.{logical_id}.Properties",
                                  resource_type=rtype or None)
            for binding, found, failed in results:
                level = chosen.get(binding.id, binding.level)
                for f in found:
                    info = (ERROR_FINDING_INFO if failed else binding.info) + f" {f.detail}."
                    if granted_to and f.statements:  # a policy's finding names who is granted it
                        info += f" Granted to {', '.join(granted_to)}."
                    details: dict[str, object] = {"findingId": f"{binding.id}[{f.key}]",
                                                  "fix": f"{binding.doc.why} Fix: {binding.doc.fix}"}
                    if failed:  # the rule could not decide: no mistake of its own, so nothing merges into it
                        details[UNDECIDED] = True
                    if f.statements:  # how the gate tells that two checks' findings are about one statement
                        details[STATEMENTS] = [f"{origin.json_path}.{s}" for s in f.statements]
                    if f.actions:
                        details[ACTIONS] = list(f.actions)
                    if f.not_actions:
                        details[NOT_ACTIONS] = list(f.not_actions)
                    if granted_to and f.statements:
                        details["grantedTo"] = granted_to
                    out.append(Finding(
                        FindingType.ERROR if level is Level.ERROR else FindingType.WARNING,
                        binding.id, info, origin=origin, check=RULES_CHECK, learn_more_link=LP_DOC,
                        details=details,
                    ))
    return out


def _recipients(view: StackView | TemplateError, tpl: IndexedTemplate, logical_id: str, rtype: str) -> list[str]:
    """The construct paths of the principals a policy resource is attached to (none for a principal's own
    inline policies: the finding is on the principal)."""
    if not isinstance(view, StackView) or rtype not in _POLICY_TYPES:
        return []
    return [(tpl.paths.get(p) or f"{tpl.construct_path}/{p}").lstrip("/") for p in view.recipients(logical_id)]


_POLICY_TYPES = IDENTITY_POLICY_TYPES - PRINCIPAL_TYPES
"""Identity policy resources that are not themselves principals (their findings name the recipients)."""
