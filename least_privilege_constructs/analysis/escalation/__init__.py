"""Privilege-escalation paths (B1–B15 and the classic methods) and the analysis that finds them.

:mod:`.methods` holds the paths as pure data (imported by the cdk-nag pack, so this package stays light:
the analysis is loaded on first use of one of its names).

    >>> from least_privilege_constructs.analysis.escalation import find_escalations
    >>> paths = find_escalations("cdk.out")                                    # doctest: +SKIP
    >>> [(p.principal, p.method_id) for p in paths]                            # doctest: +SKIP
    []

See docs/escalation.md.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, str] = {
    "find_escalations": "least_privilege_constructs.analysis.escalation.analysis",
    "escalation_findings": "least_privilege_constructs.analysis.escalation.analysis",
    "analyze": "least_privilege_constructs.analysis.escalation.analysis",
    "EscalationReport": "least_privilege_constructs.analysis.escalation.analysis",
    "EscalationPath": "least_privilege_constructs.analysis.escalation.paths",
    "EscalationContext": "least_privilege_constructs.analysis.escalation.context",
    "KnownRole": "least_privilege_constructs.analysis.escalation.context",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
