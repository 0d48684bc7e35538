"""Synthesize an app so that failed validations make the process exit non-zero.

A Python CDK app run by the CDK CLI exits 0 even when a validation plugin fails (aws-cdk #26844: the
failure only sets the exit code of the jsii Node process). Call :func:`synth` instead of ``app.synth()``
at the end of ``app.py``::

    from least_privilege_constructs.validation.synth import synth

    app = App()
    ...
    synth(app)          # exits 1, with the report's summary on stderr, when any plugin failed

The plugins' own output (CDK's validation report) is printed by CDK; this function adds one summary line
and the exit code. No traceback is printed for a validation failure.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

REPORT_FILE = "validation-report.json"


def failed_plugin_reports(outdir: str) -> list[dict[str, Any]]:
    """Plugin reports of a synthesized assembly whose conclusion is ``failure``."""
    path = os.path.join(outdir, REPORT_FILE)
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as fh:
        report = json.load(fh)
    return [r for r in report.get("pluginReports", []) if r.get("conclusion") == "failure"]


def synth(app: Any, *, exit_on_failure: bool = True) -> Any:
    """``app.synth()``, then exit 1 if any validation plugin failed (or return the assembly)."""
    try:
        assembly = app.synth()
    except Exception as exc:  # jsii surfaces CDK's ValidationFailed as a RuntimeError
        message = str(exc).strip()
        if "ValidationFailed" in message or "Validation failed" in message:
            print(f"least-privilege: synthesis blocked: {message.splitlines()[-1]}", file=sys.stderr)
            if exit_on_failure:
                raise SystemExit(1) from None
        raise
    failures = failed_plugin_reports(assembly.directory)
    if failures:
        count = sum(len(r.get("violations", [])) for r in failures)
        names = ", ".join(r.get("pluginName", "?") for r in failures)
        print(
            f"least-privilege: synthesis blocked: {count} violation(s) from {names}; "
            f"report: {os.path.join(assembly.directory, REPORT_FILE)}",
            file=sys.stderr,
        )
        if exit_on_failure:
            raise SystemExit(1)
    return assembly
