"""Policy templates: a versioned, typed, searchable catalog of least-privilege policies (the pure core).

Pure Python: never imports ``aws_cdk``. The CDK adapters (``PolicyTemplate.grant`` and the other CDK
methods, ``statements_to_cdk``) live in the CDK layer, :mod:`least_privilege_constructs.templates`, which
re-exports these names for compatibility. Layout, one concept a module:

* ``template`` — :class:`PolicyTemplate` (format, checks, rendering) and ``RenderedPolicy``
* ``parameters`` — typed parameters and their validation; ``render`` — the placeholder engine
* ``version`` — semantic versions and pins; ``provenance`` — where a template came from
* ``repository`` — built-in / directory / git repositories; ``catalog`` — :class:`TemplateCatalog`
* ``audience`` — the audience rules; ``lint`` — ``lpc templates lint``; ``docs`` — docs/templates.md
* ``builtin/`` — the built-in templates (YAML data files, shipped as package data)

Example::

    >>> from least_privilege_constructs.analysis.templates import TemplateCatalog
    >>> TemplateCatalog.builtin().get("app.sns-publish").render(
    ...     topic_arn="arn:aws:sns:eu-west-1:111122223333:events").statements[0]["Action"]
    'sns:Publish'
"""

from __future__ import annotations

from least_privilege_constructs._lazy import lazy_exports

_EXPORTS: dict[str, str] = {
    "PolicyTemplate": "least_privilege_constructs.analysis.templates.template",
    "RenderedPolicy": "least_privilege_constructs.analysis.templates.template",
    "TemplateCatalog": "least_privilege_constructs.analysis.templates.catalog",
    "TemplateRepository": "least_privilege_constructs.analysis.templates.repository",
    "RenderContext": "least_privilege_constructs.analysis.templates.render",
    "to_cloudformation": "least_privilege_constructs.analysis.templates.render",
    "TemplateError": "least_privilege_constructs.analysis.templates.errors",
    "ParameterError": "least_privilege_constructs.analysis.templates.errors",
    "TemplateNotFoundError": "least_privilege_constructs.analysis.templates.errors",
    "lint_template": "least_privilege_constructs.analysis.templates.lint",
    "check_audience": "least_privilege_constructs.analysis.templates.audience",
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
