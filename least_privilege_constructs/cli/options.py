"""Options shared by the subcommands that read cloud assemblies and templates."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from least_privilege_constructs.cli.errors import CliError

if TYPE_CHECKING:
    from least_privilege_constructs.analysis.extract import ExtractionOptions


def add_extraction_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("reading templates")
    group.add_argument("--account", metavar="ID", default=None,
                       help="account id for AWS::AccountId where the stack's environment is unknown "
                            "(default 123456789012)")
    group.add_argument("--region", metavar="REGION", default=None,
                       help="region for AWS::Region where the stack's environment is unknown (default us-east-1)")
    group.add_argument("--parameters", metavar="KEY=VALUE", nargs="+", action="extend", default=[],
                       help="values of template parameters (by name, for every template)")
    group.add_argument("--stack-set-account", metavar="ID", default=None,
                       help="account id that StackSet templates are resolved for (default: --account)")
    group.add_argument("--stack-set-region", metavar="REGION", default=None,
                       help="region that StackSet templates are resolved for (default: the parent's region)")
    group.add_argument("--document-policy-type", metavar="TYPE", default=None, type=str.upper,
                       choices=("IDENTITY_POLICY", "RESOURCE_POLICY", "SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"),
                       help="policy type of plain policy files (default: RESOURCE_POLICY when a statement names "
                            "a Principal, else IDENTITY_POLICY)")


def check_paths_exist(paths: list[str]) -> None:
    """A path that does not exist is a usage error (exit 1), not a finding."""
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        raise CliError(f"no such file or directory: {', '.join(missing)}")


def extraction_options(args: argparse.Namespace) -> ExtractionOptions:
    """:class:`ExtractionOptions` from the arguments :func:`add_extraction_arguments` added."""
    from least_privilege_constructs.analysis.extract import ExtractionOptions

    options = ExtractionOptions()
    if args.account:
        if not (args.account.isdigit() and len(args.account) == 12):
            raise CliError(f"--account: {args.account!r} is not a 12-digit account id")
        options.account = args.account
    if args.region:
        options.region = args.region
    for item in args.parameters:
        key, eq, value = item.partition("=")
        if not eq or not key:
            raise CliError(f"--parameters: {item!r} is not KEY=VALUE")
        options.parameters[key] = value
    options.stack_set_account = args.stack_set_account
    options.stack_set_region = args.stack_set_region
    options.document_policy_type = getattr(args, "document_policy_type", None)
    return options
