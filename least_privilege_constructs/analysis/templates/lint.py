"""``lpc templates lint``: render every template with example parameters and validate the result.

A template passes when its rendered example policy has

* no ERROR, SECURITY_WARNING or WARNING finding from the offline ValidatePolicy
  (:func:`least_privilege_constructs.analysis.validate_policy`; SUGGESTIONs are reported, not blocking),
* no audience-rule violation (:mod:`least_privilege_constructs.analysis.templates.audience`),
* only services that exist in the IAM service reference.

It fails closed: if the validator cannot be imported or raises, that is a blocking finding, never a pass.

Example::

    >>> from least_privilege_constructs.analysis.templates.catalog import TemplateCatalog
    >>> result = lint_template(TemplateCatalog.builtin().get("app.sqs-send"))
    >>> result.ok, result.blocking
    (True, [])
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from least_privilege_constructs.analysis.catalog import get_catalog
from least_privilege_constructs.analysis.findings import Finding, FindingType, PolicyOrigin, sort_findings
from least_privilege_constructs.analysis.templates.audience import check_audience
from least_privilege_constructs.analysis.templates.errors import TemplateError
from least_privilege_constructs.analysis.templates.render import RenderContext
from least_privilege_constructs.analysis.templates.template import PolicyTemplate, RenderedPolicy

LINT_BLOCKING = frozenset({FindingType.ERROR, FindingType.SECURITY_WARNING, FindingType.WARNING})
"""Finding types that fail ``lint`` (stricter than the default gate: WARNINGs block too)."""


@dataclass
class LintResult:
    """The lint outcome of one template."""

    template: PolicyTemplate
    findings: list[Finding] = field(default_factory=list)
    rendered: RenderedPolicy | None = None

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.is_blocking(LINT_BLOCKING)]

    @property
    def ok(self) -> bool:
        return not self.blocking

    def to_dict(self) -> dict[str, Any]:
        return {
            "template": self.template.ref,
            "source": self.template.provenance.label(),
            "ok": self.ok,
            "findings": [f.to_dict() for f in self.findings],
        }


def _validator() -> Any:
    from least_privilege_constructs.analysis import validate_policy

    return validate_policy


def lint_template(template: PolicyTemplate, context: RenderContext | None = None) -> LintResult:
    """Render ``template`` with its example parameters and check it (see the module docstring)."""
    origin = PolicyOrigin(
        source=template.provenance.label(),
        policy_name=template.ref,
        policy_type=template.policy_type,
        resource_type=template.resource_type,
    )
    result = LintResult(template)

    def add(code: str, message: str) -> None:
        result.findings.append(Finding(FindingType.ERROR, code, message, origin=origin, check="template-lint"))

    catalog = get_catalog()
    for service in template.services:
        if not catalog.service_exists(service):
            add("TEMPLATE_UNKNOWN_SERVICE", f"service {service!r} is not in the IAM service reference")
    try:
        rendered = template.render_example(context)
    except TemplateError as exc:
        add("TEMPLATE_RENDER_FAILED", f"rendering with the example parameters failed: {exc}")
        return result
    result.rendered = rendered
    try:
        validate = _validator()
    except (ImportError, AttributeError) as exc:
        add("VALIDATOR_UNAVAILABLE", f"the offline policy validator could not be loaded ({exc}); lint fails closed")
    else:
        try:
            found = validate(rendered.document, template.policy_type, template.validation_resource_type)
        except Exception as exc:  # fail closed on any validator failure, with the reason
            add("VALIDATION_FAILED", f"the policy validator failed: {type(exc).__name__}: {exc}")
        else:
            result.findings.extend(f.with_origin(origin) for f in found)
    result.findings.extend(f.with_origin(origin) for f in check_audience(template.audience, rendered.document))
    result.findings = sort_findings(result.findings)
    return result


def lint_templates(templates: Iterable[PolicyTemplate], context: RenderContext | None = None) -> list[LintResult]:
    return [lint_template(t, context) for t in templates]
