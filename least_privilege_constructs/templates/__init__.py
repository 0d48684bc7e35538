"""Policy templates: the CDK layer over the pure catalog in :mod:`least_privilege_constructs.analysis.templates`.

The catalog (format, parameters, rendering, repositories, versions, lint, docs, audience rules and the
built-in templates) is pure Python and lives in the analysis core, where the ``lpc`` CLI uses it without
the CDK. This package keeps the thin CDK adapters (:mod:`least_privilege_constructs.templates.cdk`: the
``PolicyTemplate`` CDK methods and ``statements_to_cdk``), registers them with the core, and re-exports the
public names (``least_privilege_constructs.templates.catalog`` and the other module paths still import,
as the same module objects as the core's). Importing it does not load ``aws_cdk``.

Example::

    >>> from least_privilege_constructs.templates import TemplateCatalog
    >>> TemplateCatalog.builtin().get("app.sns-publish").render(
    ...     topic_arn="arn:aws:sns:eu-west-1:111122223333:events").statements[0]["Action"]
    'sns:Publish'
"""

from __future__ import annotations

from least_privilege_constructs._lazy import lazy_exports
from least_privilege_constructs.analysis.templates import _EXPORTS as _CORE_EXPORTS
from least_privilege_constructs.analysis.templates.template import register_cdk_adapter

register_cdk_adapter("least_privilege_constructs.templates.cdk")

_EXPORTS: dict[str, str] = dict(_CORE_EXPORTS)

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
