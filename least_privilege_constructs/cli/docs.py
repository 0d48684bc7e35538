"""Generate the tables of ``docs/cli.md`` from the code (the test suite checks they are not stale).

    python -m least_privilege_constructs.cli.docs docs/cli.md     # rewrite the generated sections
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

_SECTION = re.compile(r"(<!-- BEGIN GENERATED: (?P<name>[a-z-]+) -->\n)(.*?)(<!-- END GENERATED: (?P=name) -->)", re.S)


def resource_policy_table() -> str:
    """Markdown table of the resource types whose policies ``lpc`` extracts, and how each is validated."""
    from least_privilege_constructs.analysis.extract.resources import RESOURCE_POLICY_TYPES

    rows = ["| CloudFormation type | Policy property | policyType | validatePolicyResourceType | Protects |",
            "|---|---|---|---|---|"]
    identity = [
        ("AWS::IAM::Role", "Policies[].PolicyDocument", "IDENTITY_POLICY", "", "(inline identity policy)"),
        ("AWS::IAM::User", "Policies[].PolicyDocument", "IDENTITY_POLICY", "", "(inline identity policy)"),
        ("AWS::IAM::Group", "Policies[].PolicyDocument", "IDENTITY_POLICY", "", "(inline identity policy)"),
        ("AWS::IAM::Policy", "PolicyDocument", "IDENTITY_POLICY", "", "Roles, Users, Groups"),
        ("AWS::IAM::ManagedPolicy", "PolicyDocument", "IDENTITY_POLICY", "",
         "Roles, Users, Groups, ManagedPolicyArns, PermissionsBoundary"),
        ("AWS::IAM::RolePolicy", "PolicyDocument", "IDENTITY_POLICY", "", "RoleName"),
        ("AWS::IAM::UserPolicy", "PolicyDocument", "IDENTITY_POLICY", "", "UserName"),
        ("AWS::IAM::GroupPolicy", "PolicyDocument", "IDENTITY_POLICY", "", "GroupName"),
        ("AWS::SSO::PermissionSet", "InlinePolicy", "IDENTITY_POLICY", "", "(permission set)"),
        ("AWS::Organizations::Policy", "Content (Type SERVICE_CONTROL_POLICY)", "SERVICE_CONTROL_POLICY", "",
         "TargetIds"),
        ("AWS::Organizations::Policy", "Content (Type RESOURCE_CONTROL_POLICY)", "RESOURCE_CONTROL_POLICY", "",
         "TargetIds"),
    ]
    for cfn_type, prop, ptype, rtype, protects in identity:
        rows.append(f"| `{cfn_type}` | `{prop}` | {ptype} | {rtype} | {protects} |")
    for r in RESOURCE_POLICY_TYPES:
        rtype = f"`{r.resource_type}`" if r.resource_type else ""
        rows.append(f"| `{r.cfn_type}` | `{r.property}` | RESOURCE_POLICY | {rtype} | `{r.governed_resource_type}` |")
    return "\n".join(rows) + "\n"


def exit_code_table() -> str:
    from least_privilege_constructs.cli.main import EXIT_BLOCKING, EXIT_CLEAN, EXIT_ERROR

    return "\n".join([
        "| Exit code | Meaning |",
        "|---|---|",
        f"| {EXIT_CLEAN} | no blocking findings |",
        f"| {EXIT_BLOCKING} | blocking findings (see `--treat-as-blocking`); for `lpc extract`: extraction problems |",
        f"| {EXIT_ERROR} | usage error (bad arguments, missing input path) or internal error (one line on stderr; "
        "`LPC_DEBUG=1` for a traceback) |",
    ]) + "\n"


DOCUMENTED_COMMANDS = ("extract", "validate-policy", "validate")
"""The commands this page documents (the others document themselves in their own docs page)."""


def options_table(commands: tuple[str, ...] = DOCUMENTED_COMMANDS) -> str:
    """The options of ``commands``, from their argparse parsers."""
    from least_privilege_constructs.cli.main import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    rows = ["| Command | Option | Description |", "|---|---|---|"]
    for name, command in sub.choices.items():
        if name not in commands:
            continue
        for action in command._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            flags = ", ".join(f"`{o}`" for o in action.option_strings) or f"`{action.metavar or action.dest}`"
            help_text = (action.help or "").replace("|", "\\|").replace("\n", " ")
            if action.choices and not isinstance(action, argparse._SubParsersAction):
                help_text += f" (one of: {', '.join(str(c) for c in action.choices)})"
            rows.append(f"| `lpc {name}` | {flags} | {help_text} |")
    return "\n".join(rows) + "\n"


GENERATORS = {
    "resource-policies": resource_policy_table,
    "exit-codes": exit_code_table,
    "options": options_table,
}


def render(text: str) -> str:
    """``text`` with every generated section replaced by its current content."""
    def replace(match: re.Match[str]) -> str:
        name = match.group("name")
        return match.group(1) + GENERATORS[name]() + match.group(4)

    return _SECTION.sub(replace, text)


def main(argv: list[str] | None = None) -> int:
    paths = argv if argv is not None else sys.argv[1:]
    for name in paths or ["docs/cli.md"]:
        path = Path(name)
        path.write_text(render(path.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
