"""``lpc templates list|search|show|render|lint`` — the policy-template catalog from the command line.

Never imports ``aws_cdk`` (templates are rendered to raw JSON). Exit codes follow the ``lpc`` contract:
0 clean, 2 blocking lint findings, 1 usage or load error (bad template file, unknown template, bad
parameter).

Examples::

    lpc templates list --audience application
    lpc templates search queue --service sqs
    lpc templates show app.s3-read@1
    lpc templates render app.s3-read --param bucket_name=my-data --account 111122223333
    lpc templates render res.sqs-queue-named-principals --param queue_arn=arn:aws:sqs:eu-west-1:111122223333:q \\
        --param sender_arns=arn:aws:iam::444455556666:role/app/producer --with-metadata
    lpc templates lint --repository ../policy-templates --repository ../shared-templates#v2.1.0

``--repository PATH`` adds an organization's template directory; ``PATH#REF`` reads a git repository at
``REF`` (tag, branch or commit) instead of the work tree. Later repositories override earlier ones for
the same ``id@version``; ``--no-builtin`` leaves the built-in templates out. Without ``--repository``,
the repositories come from ``LEAST_PRIVILEGE_TEMPLATE_REPOSITORIES`` (``os.pathsep``-separated), else
from ``cdk.json``'s ``context["least-privilege"]["templateRepositories"]`` in the current directory.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:  # the template modules are imported in run(), keeping `lpc --help` fast
    from least_privilege_constructs.analysis.templates.catalog import TemplateCatalog
    from least_privilege_constructs.analysis.templates.lint import LintResult
    from least_privilege_constructs.analysis.templates.template import PolicyTemplate

EXIT_OK, EXIT_ERROR, EXIT_BLOCKING = 0, 1, 2
AUDIENCE_HELP = "application, developer, resource-policy, boundary or default"


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``templates`` command (with its sub-commands) to ``lpc``'s sub-parsers."""
    parser = subparsers.add_parser(
        "templates",
        help="list, search, show, render and lint policy templates",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    sub = parser.add_subparsers(dest="templates_command", metavar="{list,search,show,render,lint}")
    sub.required = True

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--repository", "-r", action="append", default=[], metavar="PATH[#REF]",
                       help="an organization's template repository (directory, or git repository at REF); "
                            "repeatable, later ones override earlier ones")
        p.add_argument("--no-builtin", action="store_true", help="leave out the built-in templates")

    def filters(p: argparse.ArgumentParser) -> None:
        p.add_argument("--audience", help=AUDIENCE_HELP)
        p.add_argument("--service", help="service prefix, e.g. s3")
        p.add_argument("--all-versions", action="store_true", help="every version, not only the latest")
        p.add_argument("--format", choices=("text", "json"), default="text")

    p_list = sub.add_parser("list", help="list templates")
    common(p_list)
    filters(p_list)

    p_search = sub.add_parser("search", help="search templates by text (every word must match)")
    p_search.add_argument("text", nargs="+")
    common(p_search)
    filters(p_search)

    p_show = sub.add_parser("show", help="show one template (id, id@MAJOR, id@MAJOR.MINOR, id@VERSION)")
    p_show.add_argument("template")
    common(p_show)
    p_show.add_argument("--format", choices=("yaml", "json"), default="yaml")

    p_render = sub.add_parser("render", help="render a template to a JSON policy document")
    p_render.add_argument("template")
    common(p_render)
    p_render.add_argument("--param", "-p", action="append", default=[], metavar="NAME=VALUE",
                          help="a parameter value (repeat for list parameters, or give a JSON list)")
    p_render.add_argument("--params-file", type=Path, help="JSON or YAML mapping of parameter values")
    p_render.add_argument("--example", action="store_true", help="use the template's example parameters")
    p_render.add_argument("--partition", default="aws")
    p_render.add_argument("--account", default="123456789012", help="value of {{AWS::AccountId}}")
    p_render.add_argument("--region", default="us-east-1", help="value of {{AWS::Region}}")
    p_render.add_argument("--cloudformation", action="store_true",
                          help="pseudo parameters as {\"Fn::Sub\": \"...${AWS::AccountId}...\"} for a CFN template")
    p_render.add_argument("--with-metadata", action="store_true",
                          help="print {metadata, document} with the template's provenance")

    p_lint = sub.add_parser("lint", help="render every template with example parameters and validate it")
    p_lint.add_argument("templates", nargs="*", help="templates to lint (default: all, every version)")
    common(p_lint)
    p_lint.add_argument("--format", choices=("text", "json"), default="text")
    p_lint.add_argument("--show-suggestions", action="store_true", help="also print SUGGESTION findings")

    parser.set_defaults(handler=run)
    return parser


def build_catalog(args: argparse.Namespace) -> TemplateCatalog:
    """Built-ins plus the repositories of the ``templateRepositories`` setting, read by the one settings
    reader: ``--repository`` flags, else ``LEAST_PRIVILEGE_TEMPLATE_REPOSITORIES``, else
    ``least-privilege.templateRepositories`` of ``./cdk.json`` (paths relative to it: the current directory)."""
    from least_privilege_constructs.analysis.settings import resolve
    from least_privilege_constructs.analysis.templates.catalog import TemplateCatalog

    cdk_json = Path("cdk.json")
    resolved = resolve(cdk_json=cdk_json if cdk_json.is_file() else None,
                       flags={"templateRepositories": list(args.repository) or None})
    return TemplateCatalog.from_specs(list(resolved["templateRepositories"]), builtin=not args.no_builtin)


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run ``lpc templates <sub-command>``; returns the exit code."""
    from least_privilege_constructs.analysis.templates.errors import TemplateError

    out = out or sys.stdout
    err = err or sys.stderr
    try:
        if args.templates_command == "lint" and not args.templates:
            return _lint_every_file(args, out)
        catalog = build_catalog(args)
        handler = {
            "list": _list,
            "search": _list,
            "show": _show,
            "render": _render,
            "lint": _lint,
        }[args.templates_command]
        return handler(catalog, args, out)
    except TemplateError as exc:
        print(f"lpc templates: error: {exc}", file=err)
        return EXIT_ERROR
    except BrokenPipeError:  # the reader went away (lpc templates list | head): lpc main ends quietly
        raise
    except (OSError, ValueError) as exc:
        print(f"lpc templates: error: {exc}", file=err)
        return EXIT_ERROR


def _list(catalog: TemplateCatalog, args: argparse.Namespace, out: TextIO) -> int:
    if args.templates_command == "search":
        found = catalog.search(" ".join(args.text), audience=args.audience, service=args.service,
                               all_versions=args.all_versions)
    else:
        found = catalog.list(audience=args.audience, service=args.service, all_versions=args.all_versions)
    if args.format == "json":
        json.dump(
            {
                "templates": [t.summary() | {"source": t.provenance.label()} for t in found],
                "overrides": [o.__dict__ for o in catalog.overrides],
            },
            out,
            indent=2,
        )
        out.write("\n")
        return EXIT_OK
    rows = [(t.id, str(t.version), t.audience, _services(t), t.title) for t in found]
    headers = ("ID", "VERSION", "AUDIENCE", "SERVICES", "TITLE")
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers[:-1])]
    for row in [headers, *rows]:
        out.write("  ".join(c.ljust(w) for c, w in zip(row[:-1], widths)) + "  " + row[-1] + "\n")
    if not rows:
        out.write("(no templates match)\n")
    for o in catalog.overrides:
        out.write(f"note: {o.ref} from {o.by} overrides {o.replaced}\n")
    return EXIT_OK


def _services(template: PolicyTemplate, limit: int = 3) -> str:
    shown = ",".join(template.services[:limit])
    extra = len(template.services) - limit
    return f"{shown},+{extra}" if extra > 0 else shown


def _show(catalog: TemplateCatalog, args: argparse.Namespace, out: TextIO) -> int:
    template = catalog.get(args.template)
    data = template.to_dict()
    data["versions"] = [str(v) for v in catalog.versions(template.id)]
    data["example_parameters"] = template.example_parameters()
    import yaml

    if args.format == "json":
        json.dump(data, out, indent=2)
        out.write("\n")
    else:
        yaml.safe_dump(data, out, sort_keys=False, width=110)
    return EXIT_OK


def parse_params(template: PolicyTemplate, pairs: list[str]) -> dict[str, Any]:
    """``NAME=VALUE`` pairs -> values: JSON lists/objects/booleans are parsed, a list parameter given
    several times collects the values."""
    values: dict[str, Any] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep or not name:
            raise ValueError(f"--param expects NAME=VALUE, got {pair!r}")
        value: Any = raw
        if raw[:1] in "[{" or raw in ("true", "false"):
            try:
                value = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise ValueError(f"--param {name}: invalid JSON value {raw!r}: {exc}") from None
        spec = template.parameters.get(name)
        if spec is not None and spec.kind == "list":
            items = value if isinstance(value, list) else [value]
            values.setdefault(name, []).extend(items)
        elif spec is not None and spec.kind == "integer" and isinstance(value, str) and value.lstrip("-").isdigit():
            values[name] = int(value)
        else:
            values[name] = value
    return values


def _render(catalog: TemplateCatalog, args: argparse.Namespace, out: TextIO) -> int:
    from least_privilege_constructs.analysis.templates.render import RenderContext, to_cloudformation

    template = catalog.get(args.template)
    params: dict[str, Any] = template.example_parameters() if args.example else {}
    if args.params_file:
        from least_privilege_constructs.analysis.extract.loader import LoadError, parse_text

        text = args.params_file.read_text(encoding="utf-8")
        try:
            loaded = parse_text(text, str(args.params_file),
                                "json" if args.params_file.suffix == ".json" else "yaml", cfn_tags=False)
        except LoadError as exc:  # duplicate keys included; the message names file:line:column
            raise ValueError(exc.message) from None
        if not isinstance(loaded, dict):
            raise ValueError(f"{args.params_file}: must hold a mapping of parameter name to value")
        params.update(loaded)
    params.update(parse_params(template, args.param))
    if args.cloudformation:
        context = RenderContext.cloudformation()
    else:
        context = RenderContext(partition=args.partition, account_id=args.account, region=args.region,
                                url_suffix="amazonaws.com.cn" if args.partition == "aws-cn" else "amazonaws.com")
    rendered = template.render(params, context=context)
    document = to_cloudformation(rendered.document) if args.cloudformation else rendered.document
    payload: Any = {"metadata": rendered.metadata(), "document": document} if args.with_metadata else document
    json.dump(payload, out, indent=2)
    out.write("\n")
    return EXIT_OK


def _write_results(results: Sequence[LintResult], show_suggestions: bool, out: TextIO) -> None:
    """The text report of lint results: one line per template, one per finding (suggestions on request)."""
    for r in results:
        shown = [f for f in r.findings if show_suggestions or f.finding_type.value != "SUGGESTION"]
        out.write(f"{'ok  ' if r.ok else 'FAIL'}  {r.template.ref}  ({r.template.provenance.label()})\n")
        for f in shown:
            where = ", ".join(f.location_strings())
            out.write(f"      {f.finding_type.value} {f.issue_code}{' at ' + where if where else ''}: {f.message}\n")


def _lint(catalog: TemplateCatalog, args: argparse.Namespace, out: TextIO) -> int:
    from least_privilege_constructs.analysis.templates.lint import lint_templates

    templates = [catalog.get(ref) for ref in args.templates] if args.templates else list(catalog)
    results = lint_templates(templates)
    failed = [r for r in results if not r.ok]
    if args.format == "json":
        json.dump({"results": [r.to_dict() for r in results], "failed": len(failed)}, out, indent=2)
        out.write("\n")
    else:
        _write_results(results, args.show_suggestions, out)
        out.write(f"{len(results)} template(s) linted, {len(failed)} failed\n")
    return EXIT_BLOCKING if failed else EXIT_OK


def _lint_every_file(args: argparse.Namespace, out: TextIO) -> int:
    """``lpc templates lint`` of every template: a file that does not load is a failure of its own and
    the others are still linted (loading a catalog stops at the first bad file)."""
    from least_privilege_constructs.analysis.settings import resolve
    from least_privilege_constructs.analysis.templates.catalog import TemplateCatalog, parse_repository_spec
    from least_privilege_constructs.analysis.templates.errors import TemplateError
    from least_privilege_constructs.analysis.templates.lint import lint_templates
    from least_privilege_constructs.analysis.templates.repository import TemplateRepository

    cdk_json = Path("cdk.json")
    resolved = resolve(cdk_json=cdk_json if cdk_json.is_file() else None,
                       flags={"templateRepositories": list(args.repository) or None})
    templates = list(TemplateCatalog.builtin()) if not args.no_builtin else []
    errors: list[TemplateError] = []
    for spec in resolved["templateRepositories"]:
        path, ref = parse_repository_spec(spec)
        try:
            repo = TemplateRepository.git(path, ref=ref) if ref is not None else TemplateRepository.directory(path)
        except TemplateError as exc:
            errors.append(exc)
            continue
        loaded, failed = repo.load_collecting()
        templates.extend(loaded)
        errors.extend(failed)
    results = lint_templates(templates)
    failed_results = [r for r in results if not r.ok]
    if args.format == "json":
        json.dump({"results": [r.to_dict() for r in results],
                   "errors": [{"source": e.source, "template": e.template, "message": str(e)} for e in errors],
                   "failed": len(failed_results) + len(errors)}, out, indent=2)
        out.write("\n")
    else:
        for e in errors:
            out.write(f"FAIL  {e.source or '?'}\n      ERROR {e}\n")
        _write_results(results, args.show_suggestions, out)
        out.write(f"{len(results) + len(errors)} template(s) linted, "
                  f"{len(failed_results) + len(errors)} failed\n")
    return EXIT_BLOCKING if failed_results or errors else EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry point (``python -m least_privilege_constructs.cli.commands.templates``)."""
    parser = argparse.ArgumentParser(prog="lpc")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["templates", *(sys.argv[1:] if argv is None else argv)])
    return run(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
