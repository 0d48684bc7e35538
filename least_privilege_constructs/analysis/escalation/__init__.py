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

from least_privilege_constructs._lazy import lazy_exports

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


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
