"""``lpc validate``: every policy of cloud assemblies and templates, validated offline.

Takes cfn-policy-validator's flags (``--template-path``, ``--treat-finding-type-as-blocking``,
``--template-configuration-file``, ``--profile``, ``--enable-logging`` included), and reads the
``least-privilege`` settings of ``cdk.json`` (``treatAsBlocking``, ``ignoreFindings``,
``allowExternalPrincipals``, ``exports``; flags win, list flags add) like ``lpc gate``; over a ``cdk.out``
the findings acknowledged there with a reason (``Validations.of(x).acknowledge``) do not block, as in
``lpc gate`` and ``cdk synth``::

    lpc validate cdk.out
    lpc validate cdk.out --treat-as-blocking ERROR --ignore-finding MyRole.PASS_ROLE_WITH_STAR_IN_RESOURCE \\
        --allow-external-principals 111111111111 --format sarif --output lpc.sarif
    lpc validate --template-path template.json --template-configuration-file params.json

Exit codes: 0 no blocking findings, 2 blocking findings, 1 usage or internal error.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from least_privilege_constructs.cli.errors import CliError
from least_privilege_constructs.cli.options import (
    add_extraction_arguments,
    check_paths_exist,
    extraction_options,
)

FORMATS = ("text", "json", "sarif", "junit")


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "validate", help="validate every policy of a cdk.out, templates or policy files",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="cdk.out directories, CloudFormation templates (JSON/YAML), directories of them, "
                             "or policy JSON files")
    parser.add_argument("--template-path", action="append", default=[], metavar="PATH", dest="template_paths",
                        help="a template to validate (cfn-policy-validator's flag; same as a PATH argument)")
    parser.add_argument("--treat-as-blocking", "--treat-finding-type-as-blocking", default=None, metavar="TYPES",
                        dest="treat_as_blocking",
                        help="finding types that block (exit code 2): comma separated ERROR, SECURITY_WARNING, "
                             "WARNING, SUGGESTION, or NONE (default: cdk.json's treatAsBlocking, else "
                             "ERROR,SECURITY_WARNING)")
    parser.add_argument("--template-configuration-file", default=None, metavar="FILE",
                        help="a CloudFormation template configuration file ({\"Parameters\": {...}}): parameter "
                             "values for the templates (--parameters win)")
    parser.add_argument("--cdk-json", default=None, metavar="FILE",
                        help="cdk.json whose 'least-privilege' context holds the settings (default: ./cdk.json if "
                             "present)")
    parser.add_argument("--profile", default=None, metavar="NAME",
                        help="accepted for cfn-policy-validator compatibility; lpc validate runs offline and makes "
                             "no AWS call, so no profile is used")
    parser.add_argument("--enable-logging", action="store_true", help="debug logging on stderr")
    parser.add_argument("--export", action="append", default=[], metavar="NAME=VALUE",
                        help="the value of an Fn::ImportValue export no input defines (added to cdk.json's exports)")
    parser.add_argument("--ignore-finding", action="append", default=[], metavar="CODE|RESOURCE|RESOURCE.CODE",
                        help="findings to ignore: an issue code, a resource (logical id, policy name or construct "
                             "path) or RESOURCE.CODE; comma separated or repeated")
    parser.add_argument("--exclude-resource-types", action="append", default=[], metavar="TYPE",
                        help="CloudFormation resource types whose policies are not validated (e.g. "
                             "AWS::SQS::QueuePolicy,AWS::SNS::Topic)")
    parser.add_argument("--allow-external-principals", action="append", default=[], metavar="PRINCIPAL",
                        help="account ids, ARNs or federated providers that resource and trust policies may grant "
                             "access to ('*' allows public access)")
    parser.add_argument("--format", choices=FORMATS, default="text", help="report format (default text)")
    parser.add_argument("--output", "-o", default=None, metavar="FILE", help="write the report here (default stdout)")
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="show progress on stderr (default: when stderr is a terminal)")
    add_extraction_arguments(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import logging
    from pathlib import Path

    from least_privilege_constructs.analysis.extract import extract_policies
    from least_privilege_constructs.analysis.pipeline import (
        ValidationOptions,
        parse_blocking,
        split_list,
        validate_extraction,
    )
    from least_privilege_constructs.analysis.report import render
    from least_privilege_constructs.analysis.report.grouping import summary
    from least_privilege_constructs.analysis.settings import SettingsError, resolve
    from least_privilege_constructs.cli.files import use_color, write_output
    from least_privilege_constructs.cli.progress import ProgressLine

    if args.enable_logging:
        logging.basicConfig(level=logging.DEBUG, stream=sys.stderr,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.profile:
        print(f"lpc validate: --profile {args.profile} not used: the validation runs offline", file=sys.stderr)
    paths = [*args.paths, *args.template_paths]
    if not paths:
        raise CliError("give at least one PATH (or --template-path)")
    cdk_json = Path(args.cdk_json) if args.cdk_json else Path("cdk.json")
    if args.cdk_json and not cdk_json.is_file():
        raise CliError(f"{cdk_json}: no such file")
    flags: dict[str, object] = {}
    if args.treat_as_blocking is not None:
        flags["treatAsBlocking"] = args.treat_as_blocking
    if args.ignore_finding:
        flags["ignoreFindings"] = split_list(args.ignore_finding)
    if args.allow_external_principals:
        flags["allowExternalPrincipals"] = split_list(args.allow_external_principals)
    if args.export:
        flags["exports"] = list(args.export)
    try:  # the one settings reader, as lpc gate: flags > environment > cdk.json > defaults
        resolved = resolve(cdk_json=cdk_json if cdk_json.is_file() else None, flags=flags,
                           base_dir=cdk_json.resolve().parent)
        blocking = parse_blocking(resolved["treatAsBlocking"])
    except (SettingsError, ValueError) as exc:
        raise CliError(str(exc)) from None
    options = ValidationOptions(
        treat_as_blocking=blocking,
        ignore_findings=tuple(resolved["ignoreFindings"]),
        exclude_resource_types=split_list(args.exclude_resource_types),
        allow_external_principals=tuple(resolved["allowExternalPrincipals"]),
    )
    check_paths_exist(paths)
    extract_options = extraction_options(args)
    extract_options.exports = dict(resolved["exports"])
    if args.template_configuration_file:
        for key, value in _configuration_parameters(args.template_configuration_file).items():
            extract_options.parameters.setdefault(key, value)
    extraction = extract_policies(paths, extract_options)
    progress = ProgressLine(enabled=args.progress)
    try:
        run_ = validate_extraction(extraction, options, progress)
    finally:
        progress.done()
    acknowledged = _apply_acknowledgments(run_, paths)
    to_stdout = args.output in (None, "-")
    text = render(run_.findings, args.format, policies=run_.checked, blocking=blocking,
                  color=args.format == "text" and to_stdout and use_color(sys.stdout))
    write_output(text, args.output)
    if not to_stdout:
        counts = summary(run_.findings, blocking, len(run_.checked))
        print(f"lpc validate: {counts['policiesChecked']} policies checked, {counts['total']} findings, "
              f"{counts['blocking']} blocking; report written to {args.output}", file=sys.stderr)
    if acknowledged:
        print(f"lpc validate: {acknowledged} findings acknowledged in the cloud assembly (Validations.of(...)"
              ".acknowledge with a reason), as lpc gate and cdk synth accept them", file=sys.stderr)
    if run_.excluded or run_.ignored:
        print(f"lpc validate: {len(run_.excluded)} policies excluded by resource type, {len(run_.ignored)} findings "
              "ignored", file=sys.stderr)
    return run_.exit_code


def _configuration_parameters(path: str) -> dict[str, str]:
    """``Parameters`` of a CloudFormation template configuration file (``{"Parameters": {"K": "V"}}``)."""
    import json

    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        raise CliError(f"--template-configuration-file {path}: no such file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CliError(f"--template-configuration-file {path}: not a JSON file ({exc})") from None
    parameters = data.get("Parameters", {}) if isinstance(data, dict) else None
    if not isinstance(parameters, dict):
        raise CliError(f"--template-configuration-file {path}: 'Parameters' must be an object of name: value")
    return {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in parameters.items()}


def _apply_acknowledgments(run_: Any, paths: list[str]) -> int:
    """Drop the findings a cloud assembly among ``paths`` acknowledges with a reason
    (``Validations.of(construct).acknowledge``), as ``lpc gate`` and the synth plugin do, so that ``lpc
    validate cdk.out`` does not block where the gate passes; returns how many were acknowledged."""
    from pathlib import Path

    from least_privilege_constructs.analysis.gate import apply_acknowledgments

    count = 0
    for path in paths:
        if not (Path(path) / "manifest.json").is_file():
            continue
        run_.findings, accepted = apply_acknowledgments(run_.findings, path)
        count += len(accepted)
    return count
