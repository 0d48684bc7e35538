"""The gate's report as one self-contained HTML page: per account and stack the principals with their boundary
and their permissions by service and access level (what the boundary cuts away), the findings with their
construct paths and acknowledgments, and the escalation paths as a graph (principal → action → resource that
runs with a role → role), drawn as inline SVG laid out here (no script library, no network).

Input is the gate's JSON report (:meth:`least_privilege_constructs.analysis.gate.GateReport.to_dict`); its
``inventory`` (see :mod:`.inventory`) gives the principals. Every value from the report is escaped
(policy text and construct paths are attacker-controlled); the page's Content-Security-Policy allows no
network request at all (``default-src 'none'``), and only its own inline style and script, named by their
SHA-256 hashes (``'sha256-<base64>'``, https://www.w3.org/TR/CSP3/#grammardef-hash-source): no other inline
script or style runs, even if one got into the page.

Example::

    >>> from least_privilege_constructs.analysis.report.html import render_html
    >>> page = render_html({"cdkOut": "cdk.out", "findings": [], "acknowledged": [],
    ...                     "inventory": {"principals": []}})
    >>> page.startswith("<!DOCTYPE html>"), "default-src 'none'" in page, "http" in page.split("<body")[1]
    (True, True, False)
"""

from __future__ import annotations

import base64
import hashlib
import html
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from least_privilege_constructs.analysis.catalog import ACCESS_LEVELS
from least_privilege_constructs.analysis.iam.arn import Arn

_BLOCKING_DEFAULT = ("ERROR", "SECURITY_WARNING")

_STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2330;background:#f5f6f8}
header{background:#1d2330;color:#fff;padding:16px 24px}header h1{margin:0 0 4px;font-size:20px}
header .meta{opacity:.8;font-size:12px;word-break:break-all}
main{padding:16px 24px;max-width:1400px}section{background:#fff;border-radius:8px;padding:12px 18px;
margin:0 0 16px;box-shadow:0 1px 2px rgba(0,0,0,.08)}h2{font-size:17px;margin:4px 0 10px}
h3{font-size:15px;margin:14px 0 6px}h4{font-size:14px;margin:10px 0 4px}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{text-align:left;padding:4px 8px;
border-bottom:1px solid #e4e6eb;vertical-align:top}th{background:#f0f2f5;font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;color:#fff;
background:#6b7280;white-space:nowrap}.ERROR{background:#c62828}.SECURITY_WARNING{background:#d84315}
.WARNING{background:#b7791f}.SUGGESTION{background:#2f6fb3}.ACK{background:#2e7d32}
.cards{display:flex;gap:12px;flex-wrap:wrap}.card{flex:1 1 150px;border:1px solid #e4e6eb;border-radius:6px;
padding:8px 12px}.card b{display:block;font-size:22px}.principal{border:1px solid #e4e6eb;border-radius:6px;
padding:6px 12px;margin:8px 0}.principal summary{cursor:pointer}.path{font-family:ui-monospace,monospace;
font-size:12px;word-break:break-all}.cut{color:#c62828;font-weight:600}.muted{color:#6b7280}
.ok{color:#2e7d32}.msg{max-width:720px;word-break:break-word}#filter{padding:6px 10px;width:320px;
border:1px solid #c9ced6;border-radius:6px}svg text{font:12px system-ui,sans-serif}
.graph{overflow-x:auto}table.perm{width:auto;min-width:60%}.hidden{display:none}
"""

_SCRIPT = """
(function(){var box=document.getElementById('filter');if(!box){return;}
box.addEventListener('input',function(){var q=box.value.toLowerCase();
document.querySelectorAll('[data-filter]').forEach(function(el){
el.classList.toggle('hidden',q!==''&&el.getAttribute('data-filter').toLowerCase().indexOf(q)<0);});});})();
"""


def csp_hash(text: str) -> str:
    """The CSP hash source of an inline ``<script>`` or ``<style>`` whose content is exactly ``text``:
    ``'sha256-'`` + base64 of the SHA-256 of its UTF-8 bytes (CSP Level 3, hash-source)."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


CSP = (f"default-src 'none'; style-src {csp_hash(_STYLE)}; script-src {csp_hash(_SCRIPT)}; img-src data:; "
       "base-uri 'none'; form-action 'none'")
"""No fetch, no frame, no font, no external image, no inline script or style but the page's own (by hash):
the page needs nothing beyond itself."""


def _e(value: Any) -> str:
    """Escaped text (for element content and quoted attribute values alike)."""
    return html.escape("" if value is None else str(value), quote=True)


def _badge(kind: str, text: str | None = None) -> str:
    return f'<span class="badge {_e(kind)}">{_e(text or kind)}</span>'


# -- findings ----------------------------------------------------------------------------------------------


def _where(finding: Mapping[str, Any]) -> str:
    """The construct path of a finding (else stack/logical id, else the source file)."""
    origin = finding.get("origin") or {}
    details = finding.get("details") or {}
    if origin.get("construct_path"):
        return str(origin["construct_path"])
    if finding.get("check") == "escalation" and details.get("principal"):
        return str(details["principal"])
    parts = [str(origin[k]) for k in ("stack", "logical_id") if origin.get(k)]
    return "/".join(parts) or str(origin.get("source") or "")


def _finding_rows(findings: Sequence[Mapping[str, Any]], attribute: str, state: str) -> str:
    """Table rows of ``findings`` whose ``state`` is ``open``, ``acknowledged`` or ``ignored``."""
    rows = []
    for index, f in enumerate(findings):
        kind = str(f.get("findingType", ""))
        origin = f.get("origin") or {}
        policy = origin.get("policy_name") or ""
        ack = ""
        if state == "ignored":
            ack = '<td class="muted">ignored (an <span class="path">ignore-finding</span> setting)</td>'
        elif state == "acknowledged":
            ack = (f'<td>{_badge("ACK", "acknowledged")} at <span class="path">{_e(f.get("acknowledgedAt"))}'
                   f'</span><br>{_e(f.get("reason"))}</td>')
        elif (f.get("details") or {}).get("blankAcknowledgment"):
            ack = (f'<td class="cut">acknowledged without a reason at <span class="path">'
                   f'{_e(f["details"]["blankAcknowledgment"])}</span>: still open</td>')
        else:
            ack = '<td class="muted">open</td>'
        where = _where(f)
        rows.append(
            f'<tr {attribute}="{index}" data-issue-code="{_e(f.get("issueCode"))}" data-filter="{_e(where)} '
            f'{_e(f.get("issueCode"))}"><td>{_badge(kind)}</td><td><b>{_e(f.get("issueCode"))}</b><br>'
            f'<span class="muted">{_e(f.get("check"))}</span></td><td class="path">{_e(where)}'
            f'{"<br><span class=muted>" + _e(policy) + "</span>" if policy else ""}</td>'
            f'<td class="msg">{_e(f.get("message"))}</td>{ack}</tr>')
    return "".join(rows)


def _findings_section(report: Mapping[str, Any]) -> str:
    findings = list(report.get("findings") or [])
    acknowledged = list(report.get("acknowledged") or [])
    ignored = list(report.get("ignored") or [])
    head = ("<tr><th>type</th><th>issue</th><th>construct path</th><th>message</th>"
            "<th>acknowledgment</th></tr>")
    body = [f'<section id="findings"><h2>Findings ({len(findings)} open, {len(acknowledged)} acknowledged, '
            f'{len(ignored)} ignored)</h2>']
    if findings:
        body.append(f"<table>{head}{_finding_rows(findings, 'data-finding', 'open')}</table>")
    else:
        body.append('<p class="ok">No open findings.</p>')
    if acknowledged:
        body.append(f"<h3>Acknowledged</h3><table>{head}"
                    f"{_finding_rows(acknowledged, 'data-ack', 'acknowledged')}</table>")
    if ignored:
        body.append(f"<h3>Ignored</h3><table>{head}{_finding_rows(ignored, 'data-ignored', 'ignored')}</table>")
    body.append("</section>")
    return "".join(body)


# -- principals --------------------------------------------------------------------------------------------


def _level_order(level: str) -> tuple[int, str]:
    """List, Read, Write, then the catalog's combined levels (``Permissions management, Write``, ``Tagging,
    Write``), in the order of :data:`ACCESS_LEVELS` of their first part; only the levels present are shown."""
    first = level.split(",", 1)[0].strip()
    rank = ACCESS_LEVELS.index(first) if first in ACCESS_LEVELS else len(ACCESS_LEVELS)
    return (rank, level)


def _permission_table(rows: Sequence[Mapping[str, Any]]) -> str:
    if not rows:
        return '<p class="muted">No permissions granted by the policies in the assembly.</p>'
    levels = sorted({str(r["accessLevel"]) for r in rows}, key=_level_order)
    by_service: dict[str, dict[str, Mapping[str, Any]]] = {}
    for row in rows:
        by_service.setdefault(str(row["service"]), {})[str(row["accessLevel"])] = row
    totals = {level: [0, 0, 0] for level in levels}
    unknown = False
    for row in rows:
        total = totals[str(row["accessLevel"])]
        total[0] += int(row["granted"])
        if row["effective"] is None:
            unknown = True
        else:
            total[1] += int(row["effective"])
            total[2] += int(row["cutAway"])

    def cell(row: Mapping[str, Any] | None) -> str:
        if row is None:
            return '<td class="num muted">–</td>'
        if row["effective"] is None:
            return f'<td class="num">{row["granted"]} granted, effective unknown</td>'
        cut = ""
        if row["cutAway"]:
            sample = ", ".join(str(a) for a in row.get("cutAwayActions") or [])
            more = " …" if int(row["cutAway"]) > len(row.get("cutAwayActions") or []) else ""
            cut = f' <span class="cut" title="{_e(sample + more)}">−{row["cutAway"]} cut</span>'
        return f'<td class="num">{row["effective"]}/{row["granted"]}{cut}</td>'

    head = "".join(f'<th class="num">{_e(level)}</th>' for level in levels)
    summary = "".join(
        f'<td class="num">{"?" if unknown else t[1]}/{t[0]}'
        f'{f" <span class=cut>−{t[2]} cut</span>" if t[2] else ""}</td>'
        for t in (totals[level] for level in levels))
    body = "".join(f"<tr><td>{_e(service)}</td>{''.join(cell(cells.get(level)) for level in levels)}</tr>"
                   for service, cells in sorted(by_service.items()))
    return (f'<table class="perm"><tr><th>service</th>{head}</tr><tr><th>all services</th>{summary}</tr>'
            f"{body}</table><p class=\"muted\">effective/granted actions per access level: granted = named by an "
            "Allow of the identity policies; effective = also allowed by the boundary (may be allowed, on the "
            "resources and conditions the statements name); cut = never allowed because of the boundary.</p>")


_Scope = tuple[str, str, str]
"""(template source, stack, construct path or label): where a principal is, and what its findings are keyed by,
so that the same construct path in two stacks or accounts is two principals."""


def _principal_scope(p: Mapping[str, Any]) -> _Scope:
    return (str(p.get("source") or ""), str(p.get("stack") or ""), str(p.get("label") or p.get("name") or ""))


def _finding_scope(f: Mapping[str, Any]) -> _Scope:
    origin = f.get("origin") or {}
    source = str(origin.get("source") or "")
    return (source, str(origin.get("stack") or source), _where(f))


def _principal_block(p: Mapping[str, Any], findings_of: Mapping[_Scope, list[tuple[str, str]]]) -> str:
    boundary = p.get("boundary")
    if boundary is None:
        bound = '<span class="cut">no permissions boundary</span>'
    elif not boundary.get("known"):
        bound = f'boundary <span class="path">{_e(boundary.get("arn"))}</span> <span class="cut">(document ' \
                "unknown: effective permissions undetermined)</span>"
    else:
        bound = f'boundary <b>{_e(boundary.get("name"))}</b> <span class="path muted">{_e(boundary.get("arn"))}</span>'
    label = str(p.get("label") or p.get("name") or "")
    codes = findings_of.get(_principal_scope(p), [])
    count = sum(int(r["granted"]) for r in p.get("permissions") or [])
    effective = (None if any(r["effective"] is None for r in p.get("permissions") or [])
                 else sum(int(r["effective"]) for r in p.get("permissions") or []))
    extra = []
    if p.get("unanalyzedPolicies"):
        extra.append(f'<p class="cut">Managed policies not analyzed (not in the assembly nor the snapshot): '
                     f'{_e(", ".join(p["unanalyzedPolicies"]))}; their grants are not counted.</p>')
    if p.get("permissionsError"):
        extra.append(f'<p class="cut">Permissions not analyzed: {_e(p["permissionsError"])}</p>')
    flags = "".join(_badge(kind, code) for code, kind in codes)
    return (
        f'<details class="principal" data-principal="{_e(label)}" data-filter="{_e(label)} {_e(p.get("arn"))}">'
        f'<summary><b class="path">{_e(label)}</b> <span class="muted">{_e(p.get("kind"))}</span> · {bound} · '
        f'{"?" if effective is None else effective}/{count} actions effective {flags}</summary>'
        f'<p class="path muted">{_e(p.get("arn"))}</p>{"".join(extra)}'
        f'{_permission_table(p.get("permissions") or [])}</details>')


def _principals_section(report: Mapping[str, Any]) -> str:
    principals = list((report.get("inventory") or {}).get("principals") or [])
    findings_of: dict[_Scope, list[tuple[str, str]]] = {}
    for f in report.get("findings") or []:
        findings_of.setdefault(_finding_scope(f), []).append((str(f.get("issueCode")), str(f.get("findingType"))))
    grouped: dict[str, dict[tuple[str, str], list[Mapping[str, Any]]]] = {}
    for p in principals:
        scope = _principal_scope(p)
        grouped.setdefault(str(p.get("account")), {}).setdefault((scope[1], scope[0]), []).append(p)
    out = [f'<section id="principals"><h2>Principals ({len(principals)})</h2>'
           '<p><input id="filter" type="search" placeholder="filter principals and findings"></p>']
    if not principals and report.get("principals"):
        out.append('<p class="cut">This report has no principal inventory (written by an older version).</p>')
    for account, stacks in sorted(grouped.items()):
        count = sum(len(v) for v in stacks.values())
        out.append(f'<h3 data-account="{_e(account)}">Account {_e(account)} <span class="muted">({count} '
                   "principals)</span></h3>")
        names = [stack for stack, _ in stacks]
        for (stack, source), members in sorted(stacks.items()):
            # the same stack name twice in an account (two regions): tell them apart by their template
            more = f' <span class="muted">({_e(source)})</span>' if names.count(stack) > 1 and source else ""
            out.append(f'<h4 class="path" data-stack="{_e(stack)}">{_e(stack)}{more}</h4>')
            out.extend(_principal_block(p, findings_of) for p in sorted(members, key=lambda p: str(p.get("label"))))
    out.append("</section>")
    return "".join(out)


# -- escalation graph --------------------------------------------------------------------------------------

COLUMNS = ("principal", "action", "resource", "role")
_COL_X = 290
_ROW_Y = 30
_BOX_W = 240
_COLORS = {"principal": "#1d4ed8", "action": "#b45309", "resource": "#7c3aed", "role": "#c62828"}


@dataclass
class Graph:
    """A layered graph: nodes per column (in drawing order) and edges between node keys."""

    columns: dict[str, list[str]] = field(default_factory=lambda: {c: [] for c in COLUMNS})
    edges: dict[tuple[tuple[str, str], tuple[str, str]], list[str]] = field(default_factory=dict)

    def node(self, column: str, text: str) -> tuple[str, str]:
        if text not in self.columns[column]:
            self.columns[column].append(text)
        return (column, text)

    def edge(self, a: tuple[str, str], b: tuple[str, str], path_id: str) -> None:
        ids = self.edges.setdefault((a, b), [])
        if path_id not in ids:
            ids.append(path_id)


def _is_role(arn: str) -> bool:
    parsed = Arn.parse(arn)
    return parsed is not None and parsed.service == "iam" and parsed.resource_type == "role"


def escalation_graph(findings: Iterable[Mapping[str, Any]]) -> Graph:
    """The graph of the escalation findings' paths: principal → each permission used → the resource acted on
    (when it is not the role itself) → the role gained (the role it runs with, or the target role)."""
    graph = Graph()
    for f in findings:
        d = f.get("details") or {}
        if f.get("check") != "escalation" or not d.get("principal") or not d.get("target"):
            continue
        path_id = str(d.get("id") or f.get("issueCode"))
        principal = graph.node("principal", str(d["principal"]))
        target = str(d["target"])
        role = str(d.get("runsWith") or (target if _is_role(target) else ""))
        resource = None if role == target else graph.node("resource", target)
        role_node = graph.node("role", role) if role else None
        for permission in d.get("permissions") or [path_id]:
            action = graph.node("action", str(permission))
            graph.edge(principal, action, path_id)
            nxt = resource or role_node
            if nxt is not None:
                graph.edge(action, nxt, path_id)
        if resource is not None and role_node is not None:
            graph.edge(resource, role_node, path_id)
    _order(graph)
    return graph


def _order(graph: Graph) -> None:
    """Sort each column by the mean position of its predecessors (one barycenter sweep: fewer crossings)."""
    for i, column in enumerate(COLUMNS[1:], start=1):
        before = {text: n for n, text in enumerate(graph.columns[COLUMNS[i - 1]])}
        preds: dict[str, list[int]] = {}
        for (a, b) in graph.edges:
            if b[0] == column and a[1] in before and a[0] == COLUMNS[i - 1]:
                preds.setdefault(b[1], []).append(before[a[1]])
            elif b[0] == column and a[0] != COLUMNS[i - 1]:  # an edge that skips a column
                preds.setdefault(b[1], []).append(len(before))
        graph.columns[column].sort(key=lambda t: (sum(preds.get(t, [0])) / max(len(preds.get(t, [])), 1), t))


def _short(text: str, limit: int = 32) -> str:
    return text if len(text) <= limit else "…" + text[-(limit - 1):]


def render_graph_svg(graph: Graph) -> str:
    """The graph as an inline SVG (no script): columns left to right, edges as curves labelled by path id."""
    rows = max((len(v) for v in graph.columns.values()), default=0)
    width = _COL_X * (len(COLUMNS) - 1) + _BOX_W + 20
    height = 40 + rows * _ROW_Y
    # each column centred vertically: short columns sit in the middle of long ones
    pos = {(c, t): (10 + i * _COL_X, 40 + (rows - len(graph.columns[c])) * _ROW_Y // 2 + n * _ROW_Y)
           for i, c in enumerate(COLUMNS) for n, t in enumerate(graph.columns[c])}
    parts = [f'<svg width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="escalation paths">']
    for i, column in enumerate(COLUMNS):
        parts.append(f'<text x="{10 + i * _COL_X}" y="20" font-weight="600">{_e(column)}</text>')
    for (a, b), ids in sorted(graph.edges.items()):
        x1, y1 = pos[a][0] + _BOX_W, pos[a][1] + 11
        x2, y2 = pos[b][0], pos[b][1] + 11
        mid = (x1 + x2) / 2
        parts.append(f'<path data-edge="{_e(a[1])} -> {_e(b[1])}" d="M{x1},{y1} C{mid},{y1} {mid},{y2} {x2},{y2}" '
                     f'fill="none" stroke="#9aa3af" stroke-width="1.5"><title>{_e(", ".join(ids))}: {_e(a[1])} → '
                     f"{_e(b[1])}</title></path>")
    for (column, text), (x, y) in pos.items():
        color = _COLORS[column]
        parts.append(f'<g data-node="{_e(column)}" data-text="{_e(text)}"><title>{_e(text)}</title>'
                     f'<rect x="{x}" y="{y}" width="{_BOX_W}" height="22" rx="5" fill="#fff" stroke="{color}"/>'
                     f'<text x="{x + 8}" y="{y + 15}" fill="{color}">{_e(_short(text))}</text></g>')
    parts.append("</svg>")
    return "".join(parts)


def _escalation_section(report: Mapping[str, Any]) -> str:
    paths = [*(report.get("findings") or []), *(report.get("acknowledged") or [])]
    graph = escalation_graph(paths)
    if not graph.edges:
        checks = report.get("checks") or {}
        state = "off" if (checks.get("escalation") or {}).get("enabled") is False else "none found"
        return f'<section id="escalation"><h2>Escalation paths</h2><p class="ok">No escalation path ({state}).</p>' \
               "</section>"
    count = sum(1 for f in paths if f.get("check") == "escalation" and (f.get("details") or {}).get("target"))
    return (f'<section id="escalation"><h2>Escalation paths ({count})</h2><p class="muted">principal → '
            "permission it uses → resource it acts on → role whose permissions it gains. Hover for full "
            f'names.</p><div class="graph">{render_graph_svg(graph)}</div></section>')


# -- page --------------------------------------------------------------------------------------------------


def _summary_section(report: Mapping[str, Any]) -> str:
    blocking = set(report.get("treatAsBlocking") or _BLOCKING_DEFAULT)
    findings = list(report.get("findings") or [])
    n_blocking = sum(1 for f in findings if f.get("findingType") in blocking)
    cards = [("principals", len((report.get("inventory") or {}).get("principals") or [])
              or report.get("principals", 0)),
             ("policies", report.get("policies", 0)), ("templates", report.get("templates", 0)),
             ("open findings", len(findings)), ("blocking", n_blocking),
             ("acknowledged", len(report.get("acknowledged") or []))]
    card_html = "".join(f'<div class="card" data-card="{_e(k)}"><b>{_e(v)}</b>{_e(k)}</div>' for k, v in cards)
    rows = "".join(
        f"<tr><td>{_e(name)}</td><td>{'on' if c.get('enabled', True) else 'off'}</td>"
        f'<td class="num">{_e(c.get("checked"))}</td><td class="num">{_e(c.get("findings"))}</td>'
        f'<td class="num">{_e(c.get("blocking"))}</td><td class="num">{_e(c.get("acknowledged"))}</td></tr>'
        for name, c in (report.get("checks") or {}).items())
    verdict = (f'<p class="cut" data-verdict="blocked">{n_blocking} blocking finding(s).</p>' if n_blocking
               else '<p class="ok" data-verdict="pass">No blocking finding.</p>')
    return (f'<section id="summary"><h2>Summary</h2>{verdict}<div class="cards">{card_html}</div>'
            "<h3>Checks</h3><table><tr><th>check</th><th>state</th><th class=num>checked</th>"
            f"<th class=num>findings</th><th class=num>blocking</th><th class=num>acknowledged</th></tr>{rows}"
            "</table></section>")


def render_html(report: Mapping[str, Any], *, title: str = "Least-privilege report") -> str:
    """The page for a gate report dict (``GateReport.to_dict()`` or the JSON file the gate writes)."""
    meta = (f'{_e(report.get("cdkOut"))} · backend {_e(report.get("backend"))} '
            f'({_e(report.get("backendReason"))}) · {_e(report.get("seconds"))} s')
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_STYLE}</style></head><body>"
        f'<header><h1>{_e(title)}</h1><div class="meta">{meta}</div></header><main>'
        f"{_summary_section(report)}{_findings_section(report)}{_escalation_section(report)}"
        f"{_principals_section(report)}</main><script>{_SCRIPT}</script></body></html>\n")


def write_html(report: Mapping[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write :func:`render_html` of ``report`` to ``path`` (atomically: a reader never sees half a page)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(target.suffix + ".tmp")
    tmp.write_text(render_html(report), encoding="utf-8")
    tmp.replace(target)
    return target


def html_report_path(json_report: str | os.PathLike[str]) -> Path:
    """Where the HTML report beside a JSON report goes: the same name with ``.html`` (``report.json`` ->
    ``report.html``), never the JSON report itself."""
    path = Path(json_report)
    return path.with_name(path.name + ".html") if path.suffix.lower() == ".html" else path.with_suffix(".html")
