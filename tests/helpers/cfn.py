"""cfn-lint over synthesized templates (through its Python API; no subprocess)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from cfnlint.api import lint_file


def cfn_lint_errors(templates: Iterable[Path | str]) -> list[str]:
    """cfn-lint findings of severity ``error`` (rule ids ``E*``), as ``file: id message`` lines."""
    out: list[str] = []
    for template in templates:
        for match in lint_file(Path(template)):
            if match.rule.id.startswith("E"):
                out.append(f"{template}: {match.rule.id} {match.message}")
    return out
