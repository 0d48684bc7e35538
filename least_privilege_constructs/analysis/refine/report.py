"""The refine report, ranked by risk (Markdown and JSON), and the files to review.

:func:`write_outputs` writes, under one directory::

    report.md  report.json                     # ranked: production, cross-account, admin-like first
    policies/<account>/<role>/<policy>.json     # each refined document (JSON, ready for review)
    patches/<account>-<role>.json               # for a role a CDK construct owns: its construct path and
                                                # the documents to put in it
    scps/<target>[-n].json  scps/scps.py        # SCPs of unused services and the ServiceControlPolicy code

Nothing is applied to an account: the output is code to review and deploy.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from least_privilege_constructs.analysis.refine.refine import RefineResult, RoleResult
from least_privilege_constructs.analysis.refine.scp import ScpOptions, ScpResult

_SAFE = re.compile(r"[^A-Za-z0-9_.+=@-]+")


def _safe(text: str) -> str:
    return _SAFE.sub("_", text)[:100]


def collection_errors(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    """What the collectors could not read (the bundle's and its accounts' ``errors``): undetermined evidence."""
    return [*bundle.get("errors", []), *(e for a in bundle.get("accounts", []) for e in a.get("errors", []))]


def render_json(result: RefineResult, scps: Sequence[ScpResult] = (), identities: Sequence[dict[str, Any]] = (),
                unused_permissions: Sequence[dict[str, Any]] = (), scp_prefix: str = ScpOptions.name_prefix,
                errors: Sequence[dict[str, Any]] = ()) -> str:
    opts = result.options
    data = {
        "format": "lpc-refine-report", "version": 1,
        "window": {"days": opts.window_days, "start": opts.window_start.isoformat()},
        "guardrails": {"minRoleAgeDays": opts.window_days if opts.min_role_age_days is None
                       else opts.min_role_age_days, "maxEvidenceAgeDays": opts.max_evidence_age_days,
                       "gracePeriodDays": opts.grace_period_days, "optOutSidPrefix": opts.opt_out_sid_prefix},
        "summary": summary(result),
        "roles": [r.to_dict() for r in result.ranked()],
        "unusedIdentities": list(identities),
        "accessAnalyzerUnusedPermissions": list(unused_permissions),
        "serviceControlPolicies": [s.to_dict(scp_prefix) for s in scps],
        "collectionErrors": list(errors),
    }
    return json.dumps(data, indent=2, default=str) + "\n"


def summary(result: RefineResult) -> dict[str, int]:
    out = {"roles": len(result.roles), "policies": 0, "refined": 0, "unchanged": 0, "undetermined": 0,
           "actionsRemoved": 0, "actionsUsed": 0, "actionsUndetermined": 0}
    for role in result.roles:
        for p in role.policies:
            out["policies"] += 1
            out[p.status] += 1
            out["actionsRemoved"] += len(p.removed)
            counts = p.counts()
            out["actionsUsed"] += counts["used"]
            out["actionsUndetermined"] += counts["undetermined"]
    return out


def _role_line(role: RoleResult) -> str:
    flags = [f for f, on in (("production", role.production), ("cross-account", role.cross_account),
                             ("admin-like", role.admin_like)) if on]
    status = ", ".join(f"{p.name}: {p.status}" + (f" ({p.reason})" if p.reason else "") for p in role.policies)
    return (f"| {role.risk():.0f} | `{role.arn}` | {' '.join(flags) or '-'} | {len(role.removed)} | "
            f"{status or '-'} |")


def render_markdown(result: RefineResult, scps: Sequence[ScpResult] = (),
                    identities: Sequence[dict[str, Any]] = (), scp_prefix: str = ScpOptions.name_prefix,
                    limit: int = 200, errors: Sequence[dict[str, Any]] = ()) -> str:
    s = summary(result)
    opts = result.options
    lines = [
        "# Refine report", "",
        f"Window: {opts.window_days} days (since {opts.window_start.date().isoformat()}). "
        f"{s['roles']} roles, {s['policies']} policies: {s['refined']} refined, {s['unchanged']} unchanged, "
        f"{s['undetermined']} kept whole by a guardrail or a missing source. {s['actionsRemoved']} actions "
        f"removed (unused-confirmed); {s['actionsUndetermined']} undetermined actions kept.", "",
        "## Roles, by risk", "",
        "| risk | role | flags | removed | policies |", "|---:|---|---|---:|---|",
    ]
    ranked = result.ranked()
    lines += [_role_line(r) for r in ranked[:limit]]
    if len(ranked) > limit:
        lines.append(f"| | ... {len(ranked) - limit} more roles in report.json | | | |")
    if identities:
        lines += ["", "## Unused identities", "", "| account | kind | identity | source | last used |",
                  "|---|---|---|---|---|"]
        lines += [f"| {i['account']} | {i['kind']} | `{i['identity']}` | {i['source']} | {i.get('lastUsed') or '-'} |"
                  for i in identities]
    if scps:
        lines += ["", "## SCPs of unused services", "", "| target | denied services | SCPs |", "|---|---:|---|"]
        for scp in scps:
            names = ", ".join(scp.names(scp_prefix)) or "-"
            lines.append(f"| `{scp.entity_path}` | {len(scp.denied)} | {names} |")
    if errors:
        lines += ["", "## Not collected (treated as undetermined)", "", "| code | account | entity | message |",
                  "|---|---|---|---|"]
        lines += [f"| {e.get('code')} | {e.get('account', '-')} | `{e.get('entity', '-')}` | {e.get('message', '')} |"
                  for e in errors]
    return "\n".join(lines) + "\n"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def scp_code(scps: Sequence[ScpResult], prefix: str = ScpOptions.name_prefix) -> str:
    """Python (CDK) code declaring the SCPs with the ``ServiceControlPolicy`` construct."""
    lines = ['"""SCPs of unused services (generated by lpc refine; review before deploying)."""', "",
             "import json", "from pathlib import Path", "", "from constructs import Construct", "",
             "from least_privilege_constructs import ServiceControlPolicy", "",
             "HERE = Path(__file__).parent", "", "",
             "def add_unused_service_scps(scope: Construct) -> list[ServiceControlPolicy]:",
             "    return ["]
    for scp in scps:
        for name in scp.names(prefix):
            lines.append(f"        ServiceControlPolicy(scope, {name!r}, name={name!r},")
            lines.append(f"                             document=json.loads((HERE / {name + '.json'!r}).read_text()),")
            lines.append(f"                             target_ids=[{scp.target_id!r}],")
            lines.append("                             description='Deny the services not used in the window'),")
    lines += ["    ]", ""]
    return "\n".join(lines)


def write_outputs(out_dir: str | Path, result: RefineResult, scps: Sequence[ScpResult] = (),
                  identities: Sequence[dict[str, Any]] = (), unused_permissions: Sequence[dict[str, Any]] = (),
                  scp_prefix: str = ScpOptions.name_prefix, errors: Sequence[dict[str, Any]] = ()) -> list[Path]:
    """Write the report, the refined documents, the construct patches and the SCPs; returns the files."""
    out = Path(out_dir)
    written: list[Path] = []

    def put(path: Path, text: str) -> None:
        _write(path, text)
        written.append(path)

    put(out / "report.json", render_json(result, scps, identities, unused_permissions, scp_prefix, errors))
    put(out / "report.md", render_markdown(result, scps, identities, scp_prefix, errors=errors))
    for role in result.ranked():
        refined = [p for p in role.policies if p.status == "refined"]
        for p in refined:
            put(out / "policies" / role.account / _safe(role.name) / f"{_safe(p.name)}.json",
                json.dumps(p.refined, indent=2) + "\n")
        if refined and role.construct_path:
            patch = {"constructPath": role.construct_path, "role": role.arn,
                     "policies": [{"kind": p.kind, "name": p.name, "replaces": p.replaces or p.arn,
                                   "document": p.refined, "removed": p.removed} for p in refined]}
            put(out / "patches" / f"{role.account}-{_safe(role.name)}.json", json.dumps(patch, indent=2) + "\n")
    for scp in scps:
        for name, doc in zip(scp.names(scp_prefix), scp.policies):
            put(out / "scps" / f"{name}.json", json.dumps(doc, indent=2) + "\n")
    if any(s.policies for s in scps):
        put(out / "scps" / "scps.py", scp_code([s for s in scps if s.policies], scp_prefix))
    return written


def role_construct_paths(cdk_out: str | Path) -> dict[str, str]:
    """Role name (or CloudFormation's generated-name prefix ``<stack>-<logical id>``) -> construct path, for
    every ``AWS::IAM::Role`` of a cloud assembly (read with the one assembly reader)."""
    from least_privilege_constructs.analysis.assembly import walk_assemblies

    out: dict[str, str] = {}
    for assembly in walk_assemblies(cdk_out):
        for stack in assembly.stacks:
            templates, _ = assembly.templates(stack)
            for template in templates:
                try:
                    body = json.loads(Path(template.file).read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    continue
                for lid, res in (body.get("Resources") or {}).items():
                    if not isinstance(res, dict) or res.get("Type") != "AWS::IAM::Role":
                        continue
                    path = template.construct_paths.get(lid)
                    if not path:
                        continue
                    name = (res.get("Properties") or {}).get("RoleName")
                    key = name if isinstance(name, str) else f"{stack.stack_name}-{lid}"
                    out[key] = path
    return out


def attach_construct_paths(bundle: dict[str, Any], paths: dict[str, str]) -> int:
    """Fill ``constructPath`` of the bundle's roles from :func:`role_construct_paths`; returns how many.

    A generated role name is ``<stack>-<logical id>-<suffix>`` (CloudFormation truncates the first part so
    that the name fits 64 characters): it matches a prefix it starts with (then ``-``), or, when truncated,
    a prefix that starts with the name less its ``-<suffix>`` (13 characters).
    """
    found = 0
    for account in bundle.get("accounts", []):
        for role in account.get("roles", []):
            if role.get("constructPath"):
                continue
            name = role["arn"].rsplit("/", 1)[-1]
            path = paths.get(name)
            if path is None:
                for prefix, candidate in paths.items():
                    if name.startswith(prefix + "-") or (
                            len(name) >= 60 and prefix.startswith(name[:len(name) - 13].rstrip("-"))):
                        path = candidate
                        break
            if path:
                role["constructPath"] = path
                found += 1
    return found
