"""``lpc extract``: every policy of cloud assemblies and templates, resolved, with origin and principals.

    lpc extract cdk.out                 # text: templates, principals (with boundaries), policies
    lpc extract cdk.out --format json   # the full Extraction as JSON

Exit codes: 0 everything extracted, 2 extraction problems (each is reported), 1 usage or internal error.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from least_privilege_constructs.cli.options import (
    add_extraction_arguments,
    check_paths_exist,
    extraction_options,
)


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "extract", help="list every policy (resolved) with its origin and principals",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help="cdk.out directories, CloudFormation templates, directories of them, or policy files")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--output", "-o", default=None, metavar="FILE", help="write here instead of stdout")
    add_extraction_arguments(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from least_privilege_constructs.analysis.extract import extract_policies
    from least_privilege_constructs.cli.files import write_output

    check_paths_exist(args.paths)
    extraction = extract_policies(args.paths, extraction_options(args))
    if args.format == "json":
        text = json.dumps(extraction.to_dict(), indent=2, default=str) + "\n"
    else:
        text = render_extraction_text(extraction)
    write_output(text, args.output)
    return 2 if extraction.findings else 0


def _policy_line(policy: Any) -> str:
    o = policy.origin
    name = f" [{o.policy_name}]" if o.policy_name else ""
    rtype = f" resource-type={policy.resource_type}" if policy.resource_type else ""
    return f"{policy.kind.value:<9} {policy.policy_type.value:<24} {o.label()}{name}{rtype}"


def render_extraction_text(extraction: Any) -> str:
    """Templates, principals (identity policies, trust, boundary) and every policy with its document."""
    lines: list[str] = [f"Templates ({len(extraction.templates)}):"]
    for t in extraction.templates:
        parent = f" (in {t.parent})" if t.parent else ""
        lines.append(f"  {t.kind:<12} {t.stack or '-'}  {t.source}{parent}")
    defined = [p for p in extraction.principals if not p.external]
    lines.append("")
    lines.append(f"Principals ({len(defined)} defined, {len(extraction.principals) - len(defined)} external):")
    for p in extraction.principals:
        lines.append(f"  {p.kind.value:<5} {p.name}  {p.arn}" + ("  (external)" if p.external else
                                                                 f"  ({p.label})"))
        if p.external:
            continue
        if p.kind.value != "group":
            lines.append(f"        boundary: {p.boundary_arn or 'NONE'}"
                         + (f" -> {p.boundary.origin.label()}" if p.boundary else
                            (" (not in the input)" if p.boundary_arn else "")))
        if p.trust_policy is not None:
            lines.append(f"        trust: {p.trust_policy.origin.label()}")
        for policy in p.inline_policies:
            lines.append(f"        inline: {policy.name}  ({policy.origin.label()})")
        for policy in p.managed_policies:
            lines.append(f"        managed: {policy.policy_arn or policy.name}  ({policy.origin.label()})")
        for arn in p.managed_policy_arns:
            lines.append(f"        managed: {arn}  (not in the input)")
        if p.groups:
            lines.append(f"        groups: {', '.join(k.rsplit('#', 1)[-1] for k in p.groups)}")
        if p.kind.value == "user":
            lines.append(f"        console login: {'yes' if p.has_login_profile else 'no'}")
    lines.append("")
    lines.append(f"Policies ({len(extraction.policies)}):")
    for policy in extraction.policies:
        lines.append("  " + _policy_line(policy))
        lines.append(f"      {policy.origin.source}: {policy.origin.json_path or '(whole file)'}")
        for line in json.dumps(policy.document, indent=2, default=str).splitlines():
            lines.append("      " + line)
    if extraction.skipped:
        lines.append("")
        lines.append(f"Skipped ({len(extraction.skipped)}):")
        for item in extraction.skipped:
            lines.append(f"  {item.origin.label()}: {item.reason}")
    if extraction.findings:
        lines.append("")
        lines.append(f"Extraction problems ({len(extraction.findings)}):")
        for f in extraction.findings:
            lines.append(f"  {f.finding_type.value} {f.issue_code}  {f.origin.label() if f.origin else ''}: {f.message}")
    return "\n".join(lines) + "\n"
