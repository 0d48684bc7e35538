"""Semantic policy diffs between two cloud assemblies, templates or policy files (``lpc diff``).

    >>> from least_privilege_constructs.analysis.diff import diff_paths
    >>> result = diff_paths(["old/cdk.out"], ["cdk.out"])          # doctest: +SKIP
    >>> result.exit_code, [f.issue_code for f in result.broadening]  # doctest: +SKIP
    (2, ['BOUNDARY_REMOVED'])

See :mod:`least_privilege_constructs.analysis.diff.engine` for what is compared and the documentation each
rule follows, :mod:`least_privilege_constructs.analysis.diff.render` for the outputs.
"""

from least_privilege_constructs.analysis.diff.engine import (
    CODES,
    DiffOptions,
    PolicyDiff,
    diff_extractions,
    diff_paths,
    trusted_principals,
)
from least_privilege_constructs.analysis.diff.render import FORMATS, render_diff

__all__ = [
    "CODES",
    "FORMATS",
    "DiffOptions",
    "PolicyDiff",
    "diff_extractions",
    "diff_paths",
    "render_diff",
    "trusted_principals",
]
