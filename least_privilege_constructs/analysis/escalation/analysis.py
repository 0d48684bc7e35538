"""Boundary-aware escalation analysis over a whole cloud assembly: :func:`find_escalations`.

For every role and user of the assembly, the analysis computes its effective permissions (identity
policies, its groups' policies, its permissions boundary, the SCPs that apply) and asks the evaluator
(:func:`~least_privilege_constructs.analysis.reasoning.evaluate`: conditions evaluated, the missing-key rule
of negated operators included, actions combined across all of the principal's policies) concrete,
adversarial questions, one family per path of ``shared/reference/escalation-paths.md`` (the checks are in
:mod:`.checks`; the table of what each asks is in docs/escalation.md).

Roles created, changed or passed *with* an approved boundary are the designed pattern and are never
reported. Principals outside the delegation model (unbounded, and no ``iam:PermissionsBoundary`` condition
in their policies) are checked against the classic catalog and reported under its ids.

Example::

    >>> paths = find_escalations("cdk.out")                                      # doctest: +SKIP
    >>> [(p.principal, p.method_id) for p in paths]                              # doctest: +SKIP
    [('Platform/LegacyCi/Resource', 'B6')]
    >>> findings = escalation_findings("cdk.out")      # for the synth-time plugin  # doctest: +SKIP
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from least_privilege_constructs.analysis.escalation.checks import PrincipalAnalysis
from least_privilege_constructs.analysis.escalation.context import EscalationContext
from least_privilege_constructs.analysis.escalation.paths import CHECK, EscalationPath
from least_privilege_constructs.analysis.escalation.principal import order
from least_privilege_constructs.analysis.escalation.world import build_world, subject_of
from least_privilege_constructs.analysis.extract.model import Extraction, PrincipalKind
from least_privilege_constructs.analysis.findings import Finding, FindingType, PolicyOrigin
from least_privilege_constructs.analysis.reasoning.policy import PolicyError


@dataclass
class EscalationReport:
    """Everything one run produced: the paths, the problems (as findings), and counts."""

    paths: list[EscalationPath] = field(default_factory=list)
    problems: list[Finding] = field(default_factory=list)
    undetermined: list[EscalationPath] = field(default_factory=list)
    """Paths that exist only if an unanalyzed managed policy (or boundary) grants them: not proven, not
    excluded. Reported as one ``ESCALATION_UNDETERMINED`` warning per principal."""
    conditional: list[EscalationPath] = field(default_factory=list)
    """Paths that open only if a stated condition holds (a data-plane path: a bucket that privileged compute
    reads, a secret holding credentials, a started resource acting on its input). One ``WARNING`` each, with
    the path id and ``details.condition``; not in :attr:`paths`, which holds what is shown without assumptions
    about data."""
    dead_grants: list[Finding] = field(default_factory=list)
    """``DEAD_GRANT`` warnings: Allow statements of bounded principals that their own boundary explicitly
    denies (see :mod:`.dead_grants`)."""
    unanalyzed: dict[str, list[str]] = field(default_factory=dict)
    """Principal ARN -> the managed policy ARNs whose documents were unknown."""
    principals: int = 0
    requests: int = 0
    elapsed_s: float = 0.0

    def findings(self) -> list[Finding]:
        return [*self.problems, *(p.to_finding() for p in self.paths),
                *(p.to_finding() for p in self.conditional), *self.dead_grants, *self.undetermined_findings()]

    def undetermined_findings(self) -> list[Finding]:
        """One WARNING per principal whose verdict depends on policies the analysis could not read."""
        by_principal: dict[str, list[EscalationPath]] = {}
        for p in self.undetermined:
            by_principal.setdefault(p.principal_arn, []).append(p)
        out = []
        for arn, paths in by_principal.items():
            paths.sort(key=lambda p: (order(p.method_id), p.method_id, p.target))  # same report run to run
            ids = sorted({p.method_id for p in paths}, key=lambda m: (order(m), m))  # deterministic: ties by id
            policies = self.unanalyzed.get(arn, [])
            out.append(Finding(
                FindingType.WARNING, "ESCALATION_UNDETERMINED",
                f"{paths[0].principal}: escalation undetermined. Its managed policies {', '.join(policies)} are "
                f"not in the assembly; if they granted everything, these paths would open: {', '.join(ids)}. Give "
                "their documents in the escalation context (managedPolicyDocuments) to decide.",
                origin=paths[0].origin, check=CHECK,
                details={"principalArn": arn, "unanalyzedPolicies": policies, "possiblePaths": ids,
                         "paths": [p.to_dict() for p in paths]}))
        return out


# -- public API ---------------------------------------------------------------------------------------------


def find_escalations(assembly_or_templates: Any, context: EscalationContext | Mapping[str, Any] | None = None
                     ) -> list[EscalationPath]:
    """Every escalation path of every principal of a cloud assembly, template(s) or an :class:`Extraction`.

    ``assembly_or_templates``: a ``cdk.out`` directory, template files, a list of them, or an
    ``Extraction`` already made. ``context``: an :class:`EscalationContext` (or a mapping of its fields)
    with what the templates cannot show. Problems that stop the analysis of a principal are in
    :func:`analyze`'s report (they are blocking findings); this function returns the paths only.
    """
    return analyze(assembly_or_templates, context).paths


def escalation_findings(assembly_or_templates: Any,
                        context: EscalationContext | Mapping[str, Any] | None = None) -> list[Finding]:
    """Findings (``check='escalation'``, issue code = path id) for a ``cdk.out`` or templates: what the
    synth-time plugin and ``lpc escalation`` report. Extraction problems and principals that could not
    be analyzed are blocking findings too (fail closed)."""
    report = analyze(assembly_or_templates, context)
    return report.findings()


def analyze(assembly_or_templates: Any, context: EscalationContext | Mapping[str, Any] | None = None
            ) -> EscalationReport:
    """Run the analysis and return the full :class:`EscalationReport`."""
    started = time.perf_counter()
    ctx = _coerce_context(context)
    extraction, manifest_dirs = _load(assembly_or_templates, ctx)
    world = build_world(extraction, ctx, manifest_dirs)
    report = EscalationReport(problems=[f for f in extraction.findings])
    for principal in extraction.principals:
        if principal.external or principal.kind is PrincipalKind.GROUP:
            continue
        report.principals += 1
        try:
            subject = subject_of(world, principal)
            analysis = PrincipalAnalysis(world, subject)
            paths = analysis.run()
            report.requests += analysis.requests
            if subject.unknown_managed or subject.boundary_unknown:
                over = PrincipalAnalysis(world, subject, over_approximate=True)
                seen = {(p.method_id, p.target) for p in paths}
                extra = [p for p in over.run() if (p.method_id, p.target) not in seen and not p.condition]
                report.requests += over.requests
                report.undetermined.extend(_replace(p, undetermined=True) for p in extra)
                report.unanalyzed[subject.arn] = [*subject.unknown_managed, *(
                    [principal.boundary_arn] if subject.boundary_unknown and principal.boundary_arn else [])]
            if subject.boundary is not None:
                report.dead_grants.extend(_dead_grant_findings(subject, analysis))
            report.paths.extend(p for p in paths if not p.condition)
            report.conditional.extend(p for p in paths if p.condition)
        except PolicyError as exc:
            report.problems.append(Finding(
                FindingType.ERROR, "ESCALATION_UNDETERMINED",
                f"The escalation analysis of {principal.label} could not run: {exc}",
                origin=_principal_origin(principal), check=CHECK))
    report.paths.sort(key=lambda p: (p.principal, order(p.method_id), p.target))
    report.conditional.sort(key=lambda p: (p.principal, order(p.method_id), p.family, p.target))
    report.elapsed_s = time.perf_counter() - started
    return report


# -- loading ------------------------------------------------------------------------------------------------


def _coerce_context(context: EscalationContext | Mapping[str, Any] | None) -> EscalationContext:
    if context is None:
        return EscalationContext()
    if isinstance(context, EscalationContext):
        return context
    if isinstance(context, Mapping):
        return EscalationContext.from_dict(context)
    raise TypeError(f"context must be an EscalationContext or a mapping, got {type(context).__name__}")


def _load(inputs: Any, ctx: EscalationContext) -> tuple[Extraction, list[Path]]:
    from least_privilege_constructs.analysis.assembly import is_cloud_assembly
    from least_privilege_constructs.analysis.extract import ExtractionOptions, extract_policies

    if isinstance(inputs, Extraction):
        dirs = sorted({Path(t.source).parent for t in inputs.templates if is_cloud_assembly(Path(t.source).parent)})
        return inputs, dirs
    paths = [inputs] if isinstance(inputs, (str, os.PathLike)) else list(inputs)
    options = ExtractionOptions()
    if ctx.account:
        options.account = ctx.account
    if ctx.regions:
        options.region = ctx.regions[0]
    extraction = extract_policies([str(p) for p in paths], options)
    dirs = [Path(p) for p in paths if is_cloud_assembly(p)]
    return extraction, dirs


def _dead_grant_findings(subject: Any, analysis: PrincipalAnalysis) -> list[Finding]:
    from least_privilege_constructs.analysis.escalation.dead_grants import dead_grants

    boundary_policy = analysis.policy_set.boundary
    if boundary_policy is None or not boundary_policy.denies:
        return []  # only an explicit Deny of the boundary makes a grant dead
    origins = {name: origin for name, _, origin in subject.identity}
    # the policies the analysis parsed already, in the subject's order (same names)
    identity = [(name, policy) for (name, _, _), policy in zip(subject.identity, analysis.policy_set.identity,
                                                                strict=False)]
    out = []
    for grant in dead_grants(identity, boundary_policy, principal=subject.arn, context=analysis.base_context,
                             regions=analysis.world.regions):
        boundary = subject.boundary_name or "its permissions boundary"
        out.append(Finding(
            FindingType.WARNING, "DEAD_GRANT",
            f"{subject.label}: {grant.statement} grants {', '.join(grant.actions)}, which the boundary {boundary} "
            f"denies ({'; '.join(grant.boundary_statements)}): {'; '.join(grant.requests[:3])}"
            f"{' ...' if len(grant.requests) > 3 else ''} can never be allowed. Allow it in the boundary (for a "
            "role the boundary lets principals pass, the service in its passable services) or remove the grant.",
            origin=origins.get(grant.policy) or subject.origin(), check=CHECK,
            locations=[["Statement", grant.index]] if grant.index is not None and grant.policy in origins else [],
            details={"principalArn": subject.arn, "statement": grant.statement, "actions": list(grant.actions),
                     "requests": list(grant.requests), "boundary": boundary,
                     "boundaryStatements": list(grant.boundary_statements)}))
    return out


def _principal_origin(p: Any) -> PolicyOrigin:
    return PolicyOrigin(source=p.source, stack=p.stack, logical_id=p.logical_id, construct_path=p.construct_path,
                        policy_name=p.name)


def _replace(path: EscalationPath, **changes: Any) -> EscalationPath:
    from dataclasses import replace

    return replace(path, **changes)
