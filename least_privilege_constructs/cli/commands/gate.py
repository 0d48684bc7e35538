"""``lpc gate``: the synth-time gate over a ``cdk.out``, from a pipeline, without CDK or jsii.

Runs what ``LeastPrivilegeValidation`` runs inside ``cdk synth`` — validate-policy, the custom
checks (no new access vs boundaries and references, access not granted, no public access) and the
escalation analysis — plus what ``BoundaryEnforcement`` verifies there (every role and user carries the
approved boundary, ``boundaryName``/``boundaryArn``; its exemptions are honoured), with the settings of ``cdk.json``'s ``least-privilege`` context, the environment
and these flags::

    lpc gate cdk.out                               # settings from ./cdk.json
    lpc gate cdk.out --cdk-json path/to/cdk.json --mode online --format sarif -o gate.sarif
    lpc gate cdk.out --ci --platform-settings /etc/lpc/platform.json   # a pipeline: cdk.json may only tighten

The full JSON report goes to ``reportPath`` (relative to ``cdk.json``), as the plugin writes it.

Exit codes: 0 no blocking findings, 2 blocking findings, 1 usage or internal error.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from least_privilege_constructs.cli.errors import CliError

FORMATS = ("text", "json", "sarif", "junit")


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "gate", help="run the synth-time gate (all checks) over a cdk.out",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("cdk_out", metavar="CDK_OUT", help="a cloud assembly directory")
    add_gate_arguments(parser)
    parser.add_argument("--no-html-report", action="store_true",
                        help="do not write the HTML report beside the JSON report (htmlReport)")
    parser.add_argument("--format", choices=FORMATS, default="text", help="report format (default text)")
    parser.add_argument("--output", "-o", default=None, metavar="FILE", help="write the report here (default stdout)")
    parser.set_defaults(handler=run)


def add_gate_arguments(parser: argparse.ArgumentParser) -> None:
    """The gate's settings flags (shared with ``lpc report``)."""
    from least_privilege_constructs.access_analyzer.settings import add_arguments

    parser.add_argument("--cdk-json", default=None, metavar="FILE",
                        help="cdk.json whose 'least-privilege' context holds the settings (default: ./cdk.json "
                             "if present)")
    parser.add_argument("--treat-as-blocking", default=None, metavar="TYPES",
                        help="finding types that block (default: the context's treatAsBlocking, else "
                             "ERROR,SECURITY_WARNING)")
    parser.add_argument("--ignore-finding", action="append", default=[], metavar="CODE|RESOURCE|RESOURCE.CODE",
                        help="findings to ignore, added to the context's ignoreFindings")
    parser.add_argument("--no-escalation", action="store_true", help="skip the escalation analysis")
    parser.add_argument("--export", action="append", default=[], metavar="NAME=VALUE",
                        help="the value of an Fn::ImportValue export no stack of the assembly defines (added to "
                             "the exports setting)")
    parser.add_argument("--no-boundary-enforcement", action="store_true",
                        help="do not require the approved boundary (boundaryName/boundaryArn) on every role and "
                             "user (neither BoundaryEnforcement's check nor the rule LP-IAM1)")
    parser.add_argument("--no-lp-rules", action="store_true",
                        help="do not run the LP-* rules of the nag pack (inside cdk synth they run when "
                             "LeastPrivilegeChecks is attached)")
    parser.add_argument("--ci", action="store_true", default=None,
                        help="pipeline mode (LEAST_PRIVILEGE_CI): the settings are the platform's "
                             "(--platform-settings), cdk.json may only tighten them (a weakening is a blocking "
                             "LPC-SETTINGS-WEAKENED finding), a cache inside the source tree is refused unless its "
                             "entries are authenticated (LEAST_PRIVILEGE_CACHE_HMAC_KEY)")
    parser.add_argument("--platform-settings", default=None, metavar="JSON|FILE",
                        help="with --ci: the platform team's least-privilege settings, inline JSON or a file "
                             "outside the repository (LEAST_PRIVILEGE_PLATFORM_SETTINGS; default: the defaults)")
    add_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from least_privilege_constructs.analysis.report import render
    from least_privilege_constructs.cli.files import use_color, write_output

    report, options, report_path = run_gate_from_args(args)
    # the same JSON report as the synth plugin, at the same place (reportPath, relative to cdk.json)
    try:
        report.publish(report_path, lambda line: print(line, file=sys.stderr))
    except ValueError as exc:  # reportPath inside the cloud assembly
        raise CliError(f"reportPath: {exc}") from None
    except OSError as exc:
        raise CliError(f"reportPath: cannot write {report_path}: {exc.strerror or exc}") from None
    to_stdout = args.output in (None, "-")
    text = render(report.findings, args.format, blocking=options.treat_as_blocking,
                  color=args.format == "text" and to_stdout and use_color(sys.stdout))
    write_output(text, args.output)
    return 2 if report.blocking else 0


def run_gate_from_args(args: argparse.Namespace, *, inventory: bool = False) -> tuple[Any, Any, Path]:
    """Run the gate with the settings of ``cdk.json``, the environment and the flags of
    :func:`add_gate_arguments`: ``(GateReport, GateOptions, JSON report path)``. Without ``inventory``
    (``lpc gate``), any stale report at that path is removed first; with it (``lpc report``), the report
    carries the principal inventory whatever ``htmlReport`` says, and nothing is removed."""
    from least_privilege_constructs.access_analyzer import select_backend
    from least_privilege_constructs.access_analyzer.cache import CacheLocationError
    from least_privilege_constructs.access_analyzer.settings import flags_from_args, from_resolved
    from least_privilege_constructs.analysis.assembly import AssemblyError, read_assembly
    from least_privilege_constructs.analysis.gate import GateOptions, enforced_boundary, run_gate
    from least_privilege_constructs.analysis.pipeline import split_list
    from least_privilege_constructs.analysis.report.html import html_report_path
    from least_privilege_constructs.analysis.settings import SettingsError
    from least_privilege_constructs.analysis.settings_policy import CHECK, resolve_gate_settings

    cdk_out = Path(args.cdk_out)
    cdk_json = Path(args.cdk_json) if args.cdk_json else Path("cdk.json")
    if args.cdk_json and not cdk_json.is_file():
        raise CliError(f"{cdk_json}: no such file")
    base_dir = cdk_json.resolve().parent
    # the one settings reader: flags > environment > cdk.json > defaults, the same table the plugin reads
    flags: dict[str, Any] = flags_from_args(args)
    if args.treat_as_blocking is not None:
        flags["treatAsBlocking"] = args.treat_as_blocking
    if args.no_escalation:
        flags["checks.escalation"] = False
    if getattr(args, "no_html_report", False):
        flags["htmlReport"] = False
    if args.ignore_finding:
        flags["ignoreFindings"] = split_list(args.ignore_finding)
    if args.export:
        flags["exports"] = list(args.export)
    if args.ci:
        flags["ci"] = True
    if args.platform_settings is not None:
        flags["platformSettings"] = args.platform_settings
    try:
        # in ci mode: the platform's settings, tightened (never weakened) by cdk.json
        gate_settings = resolve_gate_settings(cdk_json if cdk_json.is_file() else None, flags=flags,
                                              base_dir=base_dir)
        resolved = gate_settings.settings
        options = GateOptions.from_settings(resolved)
        if inventory:
            options = replace(options, html_report=True)
        if not args.no_boundary_enforcement:  # what BoundaryEnforcement's plugin checks inside cdk synth
            options = replace(options, enforce_boundary=enforced_boundary(resolved))
        else:  # LP-IAM1 requires the same boundary: not required means that rule's findings are ignored too
            options = replace(options, ignore_findings=(*options.ignore_findings, "LP-IAM1"))
        if not args.no_lp_rules:  # the LP-* rules, the same functions and ids as LeastPrivilegeChecks in synth
            from least_privilege_constructs.analysis.rules.config import NagConfig

            options = replace(options, rules=NagConfig.from_settings(resolved))
        settings = from_resolved(resolved)
    except SettingsError as exc:
        raise CliError(str(exc)) from None
    report_path = Path(options.report_path)
    report_path = report_path if report_path.is_absolute() else base_dir / report_path
    if not inventory:
        try:  # a run that fails from here on leaves no stale report behind
            report_path.unlink(missing_ok=True)
            html_report_path(report_path).unlink(missing_ok=True)
        except OSError as exc:
            raise CliError(f"reportPath: cannot replace {report_path}: {exc.strerror or exc}") from None
    try:
        read_assembly(cdk_out)
    except AssemblyError as exc:
        raise CliError(f"{cdk_out}: not a cloud assembly ({exc.message})") from None
    try:
        backend, reason = select_backend(settings, cdk_out=str(cdk_out))
    except CacheLocationError as exc:
        raise CliError(str(exc)) from None
    report = run_gate(str(cdk_out), options, backend=backend, backend_reason=reason,
                      progress=lambda line: print(line, file=sys.stderr))
    if gate_settings.comparison is not None:
        report.add_findings(CHECK, gate_settings.findings(), checked=gate_settings.comparison.compared)
    if backend.cache is not None and backend.cache.authenticated:
        report.add_findings("cache", backend.cache.integrity_findings(), checked=backend.stats.hits
                            + len(backend.cache.unauthenticated))
    return report, options, report_path
