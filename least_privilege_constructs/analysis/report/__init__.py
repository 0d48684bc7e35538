"""Renderers over lists of findings: text, JSON, SARIF 2.1.0 and JUnit XML.

    >>> from least_privilege_constructs.analysis.report import render
    >>> print(render([], "text"))
    No findings.
    <BLANKLINE>

Every renderer takes ``(findings, *, policies=None, blocking=DEFAULT_BLOCKING)``; ``policies`` (the
extracted policies that were checked) adds clean policies to JUnit and counts to the summaries.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from least_privilege_constructs.analysis.findings import DEFAULT_BLOCKING, Finding, FindingType

if TYPE_CHECKING:
    from least_privilege_constructs.analysis.extract.model import ExtractedPolicy

FORMATS = ("text", "json", "sarif", "junit")


def render(findings: Sequence[Finding], fmt: str, *, policies: Sequence[ExtractedPolicy] | None = None,
           blocking: Iterable[FindingType | str] = DEFAULT_BLOCKING, **kwargs: Any) -> str:
    """Render findings in one of :data:`FORMATS` (``color=`` for text, ``base_dir=`` for SARIF)."""
    blocking = frozenset(FindingType(str(b)) for b in blocking)
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if fmt == "text":
        from least_privilege_constructs.analysis.report.text import render_text


        return render_text(findings, policies=policies, blocking=blocking, color=bool(kwargs.get("color")))
    if fmt == "json":
        from least_privilege_constructs.analysis.report.json_report import render_json

        return render_json(findings, policies=policies, blocking=blocking)
    if fmt == "sarif":
        from least_privilege_constructs.analysis.report.sarif import render_sarif

        return render_sarif(findings, policies=policies, blocking=blocking, base_dir=kwargs.get("base_dir"))
    from least_privilege_constructs.analysis.report.junit import render_junit

    return render_junit(findings, policies=policies, blocking=blocking)


_LAZY = {
    "render_json": "json_report",
    "report_dict": "json_report",
    "render_junit": "junit",
    "render_sarif": "sarif",
    "sarif_dict": "sarif",
    "render_text": "text",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


__all__ = [
    "FORMATS",
    "render",
    "render_json",
    "render_junit",
    "render_sarif",
    "render_text",
    "report_dict",
    "sarif_dict",
]
