"""Outputs of a policy diff: text, JSON and SARIF through the one report package
(:mod:`least_privilege_constructs.analysis.report`), and Markdown for a pull-request comment or a CI job
summary.

    >>> from least_privilege_constructs.analysis.diff.engine import PolicyDiff
    >>> print(render_diff(PolicyDiff(compared={"principals": 3}), "markdown"))
    ### Policy diff: no broadening
    <BLANKLINE>
    Compared: 3 principals.
    <BLANKLINE>
"""

from __future__ import annotations

import json
from typing import Any

from least_privilege_constructs.analysis.diff.engine import CODES, PolicyDiff
from least_privilege_constructs.analysis.findings import Finding, blocks

FORMATS = ("text", "json", "sarif", "markdown")

_COUNTS = (
    ("principals", "principals"),
    ("principalsAdded", "principals added"),
    ("principalsRemoved", "principals removed"),
    ("policies", "resource/organization policies"),
    ("policiesAdded", "policies added"),
    ("policiesRemoved", "policies removed"),
)


def _compared(result: PolicyDiff) -> str:
    parts = [f"{result.compared[k]} {label}" for k, label in _COUNTS if result.compared.get(k)]
    return "Compared: " + (", ".join(parts) if parts else "nothing") + "."


def _verdict(result: PolicyDiff) -> str:
    n = len(result.broadening)
    return f"{n} broadening change{'s' if n != 1 else ''}" if n else "no broadening"


def render_diff(result: PolicyDiff, fmt: str, **kwargs: Any) -> str:
    """Render a :class:`PolicyDiff` in one of :data:`FORMATS` (``base_dir=`` for SARIF, ``color=`` for text)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown diff format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if fmt == "markdown":
        return render_markdown(result)
    if fmt == "json":
        from least_privilege_constructs.analysis.report import report_dict

        out = report_dict(result.findings, blocking=result.blocking)
        out["diff"] = {k: v for k, v in result.to_dict().items() if k != "findings"}
        return json.dumps(out, indent=2, default=str) + "\n"
    from least_privilege_constructs.analysis.report import render

    text = render(result.findings, fmt, blocking=result.blocking, **kwargs)
    if fmt == "text":
        text = text.rstrip("\n") + f"\nPolicy diff: {_verdict(result)}. {_compared(result)}\n"
    return text


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(result: PolicyDiff) -> str:
    """A Markdown table of the changes, broadening first (a pull-request comment, a job summary)."""
    lines = [f"### Policy diff: {_verdict(result)}", "", _compared(result), ""]
    rows: list[Finding] = result.findings
    if rows:
        lines += ["| | Change | Where | Details |", "|---|---|---|---|"]
        for f in rows:
            mark = ":warning:" if blocks(f, result.blocking) else ":information_source:"
            where = f.origin.label() if f.origin else ""
            if f.locations:
                where += " " + ", ".join(f.location_strings())
            lines.append(f"| {mark} | `{f.issue_code}` | {_cell(where)} | {_cell(f.message)} |")
        lines.append("")
        used = sorted({f.issue_code for f in rows if f.issue_code in CODES})
        lines += ["<details><summary>Codes</summary>", ""]
        lines += [f"- `{code}`: {CODES[code]}" for code in used]
        lines += ["", "</details>", ""]
    return "\n".join(lines)
