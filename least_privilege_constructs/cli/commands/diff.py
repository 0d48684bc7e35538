"""``lpc diff``: what access NEW grants that OLD does not, by meaning (not by text).

    lpc diff old/cdk.out cdk.out                      # two cloud assemblies
    lpc diff old.template.json new.template.json      # two templates (or policy files)
    lpc diff --deployed cdk.out                       # against the deployed stacks (cloudformation:GetTemplate)
    lpc diff old/cdk.out cdk.out --format markdown -o diff.md

Reports, per role, user, group and resource policy: new access (Access Analyzer's check-no-new-access,
decided offline by z3), a permissions boundary removed, replaced or widened, a trust policy widened or
naming new principals, new principals and new public access. Statements split, merged or reordered and a
wildcard against its expansion are not changes.

For review, it also lists every acknowledgment (suppressed finding) the change adds, with its construct path
and reason, and every acknowledgment, old or new, whose scope covers a principal or policy the change adds or
changes (``ACKNOWLEDGMENT_APPLIES``; neither is blocking, the pipeline asks for an approval), and, with the platform's settings (``--ci`` / ``--platform-settings``, as ``lpc
gate``), every setting of ``cdk.json`` that weakens them (``LPC-SETTINGS-WEAKENED``, blocking).

Exit codes: 0 no broadening, 2 broadening (or an answer that could not be decided: fail closed), 1 usage
or input error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from least_privilege_constructs.cli.errors import CliError

if TYPE_CHECKING:
    from least_privilege_constructs.analysis.extract.model import Extraction
    from least_privilege_constructs.analysis.findings import Finding

FORMATS = ("text", "json", "sarif", "markdown")


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "diff", help="semantic policy diff between two assemblies/templates (or the deployed stacks)",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="+", metavar="OLD NEW",
                        help="OLD and NEW: cloud assembly directories, templates or policy files "
                             "(only NEW with --deployed)")
    parser.add_argument("--deployed", action="store_true",
                        help="OLD is what is deployed: each stack of NEW's assembly read with "
                             "cloudformation:GetTemplate (credentials from the environment)")
    parser.add_argument("--role-arn-template", default=None, metavar="ARN",
                        help="with --deployed: a role to assume in each stack's account to read its template, "
                             "e.g. 'arn:aws:iam::{account}:role/cdk-hnb659fds-lookup-role-{account}-{region}'")
    parser.add_argument("--format", choices=FORMATS, default="text", help="report format (default text)")
    parser.add_argument("--output", "-o", default=None, metavar="FILE", help="write the report here (default stdout)")
    parser.add_argument("--timeout-ms", type=int, default=10_000, metavar="MS",
                        help="solver budget per comparison (default 10000); beyond it the answer is UNKNOWN "
                             "and fails closed")
    parser.add_argument("--no-public-access", action="store_true",
                        help="skip the no-public-access check on changed trust and resource policies")
    parser.add_argument("--cdk-json", default=None, metavar="FILE",
                        help="with --ci or --platform-settings: the repository's cdk.json whose weakenings of the "
                             "platform's settings are reported (default: ./cdk.json if present)")
    parser.add_argument("--ci", action="store_true", default=None,
                        help="pipeline mode (LEAST_PRIVILEGE_CI): report cdk.json's weakenings of the platform's "
                             "settings, as lpc gate --ci does")
    parser.add_argument("--platform-settings", default=None, metavar="JSON|FILE",
                        help="the platform team's least-privilege settings (LEAST_PRIVILEGE_PLATFORM_SETTINGS; "
                             "implies --ci)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from least_privilege_constructs.analysis.diff import DiffOptions, diff_extractions, render_diff
    from least_privilege_constructs.analysis.diff.acknowledgments import (
        added_acknowledgments,
        applying_acknowledgments,
        changed_targets,
        read_acknowledgments,
    )
    from least_privilege_constructs.analysis.extract import extract_policies
    from least_privilege_constructs.analysis.findings import sort_findings
    from least_privilege_constructs.cli.files import use_color, write_output

    if args.deployed and len(args.paths) != 1:
        raise CliError("--deployed takes one path (NEW, a cloud assembly)")
    if not args.deployed and len(args.paths) != 2:
        raise CliError("expected two paths: OLD NEW (or --deployed NEW)")
    if args.timeout_ms <= 0:
        raise CliError("--timeout-ms must be positive")
    for path in args.paths:
        if not Path(path).exists():
            raise CliError(f"{path}: no such file or directory")
    options = DiffOptions(timeout_ms=args.timeout_ms, public_access=not args.no_public_access)
    new = extract_policies([args.paths[-1]])
    if args.role_arn_template and not args.deployed:
        raise CliError("--role-arn-template needs --deployed")
    old = _deployed(args.paths[0], args.role_arn_template) if args.deployed else extract_policies([args.paths[0]])
    result = diff_extractions(old, new, options)
    acknowledgments = read_acknowledgments(args.paths[-1])
    review = added_acknowledgments(None if args.deployed else read_acknowledgments(args.paths[0]), acknowledgments)
    # the suppressions the change brings without touching an acknowledgment: a principal or policy added or
    # changed under an acknowledged construct path
    review += applying_acknowledgments(acknowledgments, changed_targets(old, new))
    result.findings = sort_findings([*result.findings, *review, *_weakenings(args)])
    to_stdout = args.output in (None, "-")
    text = render_diff(result, args.format, color=args.format == "text" and to_stdout and use_color(sys.stdout))
    write_output(text, args.output)
    return result.exit_code


def _weakenings(args: argparse.Namespace) -> list[Finding]:
    """``LPC-SETTINGS-WEAKENED`` findings of the repository's cdk.json against the platform's settings (pipeline
    mode only: ``--ci``, ``--platform-settings`` or their environment variables)."""
    from least_privilege_constructs.analysis.settings import SettingsError, resolve
    from least_privilege_constructs.analysis.settings_policy import resolve_gate_settings

    flags: dict[str, Any] = {}
    if args.ci or args.platform_settings is not None:
        flags["ci"] = True
    if args.platform_settings is not None:
        flags["platformSettings"] = args.platform_settings
    cdk_json = Path(args.cdk_json) if args.cdk_json else Path("cdk.json")
    if args.cdk_json and not cdk_json.is_file():
        raise CliError(f"{cdk_json}: no such file")
    try:
        pipeline = resolve({}, flags=flags)  # the environment and flags only: is this a pipeline run?
        if not (pipeline["ci"] or pipeline["platformSettings"]):
            return []
        flags["ci"] = True
        gate = resolve_gate_settings(cdk_json if cdk_json.is_file() else None, flags=flags,
                                     base_dir=cdk_json.resolve().parent)
    except SettingsError as exc:
        raise CliError(str(exc)) from None
    return gate.findings()


def _deployed(cdk_out: str, role_arn_template: str | None = None) -> Extraction:
    from least_privilege_constructs.analysis.assembly import AssemblyError
    from least_privilege_constructs.analysis.diff.deployed import assembly_stacks, extract_deployed
    from least_privilege_constructs.collect.calls import CollectError
    from least_privilege_constructs.collect.deployed import deployed_templates

    try:
        stacks = assembly_stacks(cdk_out)
    except AssemblyError as exc:
        raise CliError(f"{cdk_out}: --deployed needs a cloud assembly ({exc.message})") from None
    try:
        pairs = deployed_templates(stacks, role_arn_template=role_arn_template)
    except CollectError as exc:
        raise CliError(f"cannot read the deployed templates: {exc}") from None
    for stack, template in pairs:
        if template is None:
            print(f"lpc diff: stack {stack.stack_name} is not deployed; all of its policies are new", file=sys.stderr)
    return extract_deployed(pairs)
