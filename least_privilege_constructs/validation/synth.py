"""Synthesize an app so that every failed validation is printed and makes the run exit non-zero.

Call :func:`synth` instead of ``app.synth()`` at the end of ``app.py``::

    from least_privilege_constructs.validation.synth import synth

    app = App()
    ...
    synth(app)          # blocking violations: each printed with its construct path, exit non-zero

How the violations reach the user depends on who runs the app, and ``synth`` does what each needs:

- **the CDK CLI** (``cdk synth``; the pinned ``aws-cdk`` 2.1148 and every CLI that sets the context key
  ``@aws-cdk/core:failSynthOnValidationErrors`` to ``false``): the framework only writes
  ``cdk.out/validation-report.json``, and the CLI reads it, prints every violation with its construct
  path and acknowledgment id, and exits 1 (``Synthesis finished with errors``). ``synth`` returns
  normally so that the CLI gets to read the report: exiting here would leave the user with
  ``Subprocess exited with error 1`` and nothing else.
- **an older CLI** ("process" app mode): the framework prints the report but only sets the exit code
  of the jsii Node process, so the Python app would exit 0 (aws-cdk #26844,
  https://github.com/aws/aws-cdk/issues/26844); ``synth`` exits 1.
- **``python app.py``** (or a test): the framework prints the report and raises ``ValidationFailed``;
  ``synth`` turns it into one summary line and exit code 1, without a traceback.

When nobody else prints the report (the context key is ``false`` but no CLI runs the app), ``synth``
prints every violation itself.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from typing import Any

REPORT_FILE = "validation-report.json"
CLI_HANDLES_REPORT_CONTEXT = "@aws-cdk/core:failSynthOnValidationErrors"
"""Context key (cx-api) a CDK CLI sets to ``false`` when it reads and prints the validation report itself."""


def read_plugin_reports(outdir: str) -> list[dict[str, Any]]:
    """The plugin reports of a synthesized assembly's ``validation-report.json`` (empty when absent)."""
    path = os.path.join(outdir, REPORT_FILE)
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as fh:
        report = json.load(fh)
    reports = report.get("pluginReports", []) if isinstance(report, dict) else []
    return [r for r in reports if isinstance(r, dict)]


def failed_plugin_reports(outdir: str, reports: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Plugin reports of a synthesized assembly whose conclusion is ``failure`` (of ``reports`` when given,
    already read from ``outdir``)."""
    return [r for r in (read_plugin_reports(outdir) if reports is None else reports)
            if r.get("conclusion") == "failure"]


def format_violations(reports: list[dict[str, Any]]) -> list[str]:
    """One block of lines per violation: severity, description, construct path(s), acknowledgment id.

    >>> format_violations([{"pluginName": "P", "violations": [{"ruleName": "R", "description": "bad",
    ...     "severity": "error", "violatingConstructs": [{"constructPath": "App/Role/Resource"}]}]}])
    ["ERROR bad (P)\\n   App/Role/Resource\\n   Acknowledge with 'P::R'"]
    """
    blocks = []
    for report in reports:
        plugin = str(report.get("pluginName", "?"))
        for violation in report.get("violations", []) or []:
            lines = [f"{str(violation.get('severity', 'error')).upper()} {violation.get('description', '')} "
                     f"({plugin})"]
            for construct in violation.get("violatingConstructs", []) or []:
                lines.append(f"   {construct.get('constructPath', '?')}")
            lines.append(f"   Acknowledge with '{plugin}::{violation.get('ruleName', '?')}'")
            blocks.append("\n".join(lines))
    return blocks


def _cli_reads_report(app: Any) -> bool:
    """True when the CDK CLI runs the app and reads the validation report itself."""
    try:
        value = app.node.try_get_context(CLI_HANDLES_REPORT_CONTEXT)
    except Exception:  # not a construct: be conservative, print ourselves
        return False
    return value is False or value == "false"


def _outside_top_level_stacks(app: Any, failures: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The failed reports' violations none of whose constructs is in a top-level stack of ``app`` (they are in
    a ``Stage``), as reports of the same shape. On any doubt (no construct tree), every violation."""
    try:
        from aws_cdk import Stack

        tops = [child.node.path for child in app.node.children if Stack.is_stack(child)]
    except Exception:  # not a construct tree: treat every violation as unseen (fail closed)
        return failures

    def seen(path: str) -> bool:
        path = path.strip("/")
        return any(path == top or path.startswith(f"{top}/") for top in tops)

    hidden = []
    for report in failures:
        violations = [v for v in report.get("violations", []) or []
                      if not any(seen(str(c.get("constructPath", ""))) for c in v.get("violatingConstructs", []) or [])]
        if violations:
            hidden.append({**report, "violations": violations})
    return hidden


def _suppressed_blocking(root: Any, reports: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """The open blocking violations of this library's plugins that CDK's report does not list (CDK removes a
    violation whose rule name is acknowledged, whatever the plugin made of it: ``LP-ACK[...]``, which names a
    finding left open on purpose, or a blank-reason ``ANALYSIS_FAILED``)."""
    from least_privilege_constructs.validation.registry import blocking

    ours = blocking(root)
    if not ours:
        return []
    listed = {(str(r.get("pluginName")), str(v.get("ruleName")), str(v.get("description")))
              for r in reports for v in r.get("violations", []) or []}
    return [v for v in ours if v not in listed]


def _root(app: Any) -> Any:
    try:
        return app.node.root
    except Exception:  # not a construct
        return None


def synth(app: Any, *, exit_on_failure: bool = True, printer: Callable[[str], None] | None = None) -> Any:
    """``app.synth()``; when a validation plugin failed, make sure every violation is printed, and exit 1.

    Returns the assembly (also on failure when ``exit_on_failure=False``, or when the CDK CLI reads the
    report and fails the run itself).
    """
    emit = printer or (lambda line: print(line, file=sys.stderr))
    from least_privilege_constructs.validation.registry import reset, unreported

    root = _root(app)
    if root is not None:
        from least_privilege_constructs.validation.acknowledgments_above import record_acknowledgments_above

        reset(root)
        record_acknowledgments_above(root)  # every stage exists now: its acknowledgments reach cdk.out
    try:
        assembly = app.synth()
    except Exception as exc:  # jsii surfaces CDK's ValidationFailed (report already printed) as RuntimeError
        message = str(exc).strip()
        if "ValidationFailed" in message or "Validation failed" in message:
            # every construct validation error ("  [path] message" lines), not only the last one
            lines = message.splitlines()
            errors = [line.strip() for line in lines[1:] if line.strip().startswith("[")] or [lines[-1]]
            for error in errors:
                emit(f"least-privilege: synthesis blocked: {error}")
            if exit_on_failure:
                raise SystemExit(1) from None
        raise
    missing = unreported(root) if root is not None else []
    if missing:  # fail closed: checks deferred to a LeastPrivilegeValidation that was never attached
        emit(f"least-privilege: synthesis blocked: {', '.join(missing)} left their findings to "
             "LeastPrivilegeValidation, which was constructed on the app but did not run; attach it with "
             "Validations.of(app).add_plugins(LeastPrivilegeValidation(app))")
        if exit_on_failure:
            raise SystemExit(1)
        return assembly
    reports = read_plugin_reports(assembly.directory)  # read once: what CDK kept, and what failed
    suppressed = _suppressed_blocking(root, reports) if root is not None else []
    if suppressed:  # CDK dropped a violation the gate keeps open (its rule name, LP-ACK[...], acknowledged)
        for plugin, rule, description in suppressed:
            emit(f"ERROR {description} ({plugin})\n   the acknowledgment of '{plugin}::{rule}' accepts nothing: "
                 "acknowledge the finding's own id (and each folded consequence's), with a reason")
        emit(f"least-privilege: synthesis blocked: {len(suppressed)} finding(s) this library keeps open were "
             "suppressed by an acknowledgment of an id that accepts nothing; `lpc gate` blocks them too")
        if exit_on_failure:
            raise SystemExit(1)
        return assembly
    failures = failed_plugin_reports(assembly.directory, reports)
    if not failures:
        return assembly
    cli_reads = _cli_reads_report(app)
    if cli_reads and os.environ.get("CDK_CLI_VERSION"):
        hidden = _outside_top_level_stacks(app, failures)
        if not hidden:
            return assembly  # the CLI prints every violation from the report and exits 1
        # the CLI keeps only the violations of the stacks it selects (the top-level ones): those inside a Stage
        # (CDK Pipelines) would pass unseen and the run exit 0. Print them, and fail the run here.
        for block in format_violations(hidden):
            emit(block)
        count = sum(len(r.get("violations", [])) for r in hidden)
        emit(f"least-privilege: synthesis blocked: {count} violation(s) inside stages, which `cdk synth` does not "
             f"report; report: {os.path.join(assembly.directory, REPORT_FILE)}")
        if exit_on_failure:
            raise SystemExit(1)
        return assembly
    if cli_reads:  # nobody printed the report: print it here
        for block in format_violations(failures):
            emit(block)
    count = sum(len(r.get("violations", [])) for r in failures)
    names = ", ".join(str(r.get("pluginName", "?")) for r in failures)
    emit(f"least-privilege: synthesis blocked: {count} violation(s) from {names}; "
         f"report: {os.path.join(assembly.directory, REPORT_FILE)}")
    if exit_on_failure:
        raise SystemExit(1)
    return assembly
