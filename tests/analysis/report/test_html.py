"""The HTML report (analysis/report/html.py) and the principal inventory it draws (analysis/report/inventory.py).

Boundary semantics (an identity policy and the boundary must both allow a request; an explicit Deny wins):
https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html and
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from least_privilege_constructs.analysis.findings import Finding, FindingType, PolicyOrigin
from least_privilege_constructs.analysis.gate import AcknowledgedFinding, GateReport
from least_privilege_constructs.analysis.report.html import (
    CSP,
    csp_hash,
    escalation_graph,
    html_report_path,
    render_html,
)
from least_privilege_constructs.analysis.report.inventory import permission_rows

EVIL = '<script>alert("x")</script>'


def _allow(actions: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": resource,
                                                    **extra}]}


def _cells(rows: list[dict[str, Any]]) -> dict[tuple[str, str], tuple[int, int | None, int | None]]:
    return {(r["service"], r["accessLevel"]): (r["granted"], r["effective"], r["cutAway"]) for r in rows}


# -- inventory: effective = identity ∩ boundary, by service and access level --------------------------------

@pytest.mark.parametrize(("identity", "boundary", "bounded", "expected"), [
    pytest.param([_allow(["s3:GetObject", "sqs:SendMessage"])], None, False,
                 {("s3", "Read"): (1, 1, 0), ("sqs", "Write"): (1, 1, 0)}, id="no boundary: all effective"),
    pytest.param([_allow(["s3:GetObject", "sqs:SendMessage"])], _allow("s3:*"), True,
                 {("s3", "Read"): (1, 1, 0), ("sqs", "Write"): (1, 0, 1)}, id="boundary cuts sqs"),
    pytest.param([_allow(["s3:GetObject"])], None, True,
                 {("s3", "Read"): (1, None, None)}, id="unknown boundary: effective unknown, nothing claimed"),
    pytest.param([_allow(["sqs:SendMessage", "sqs:DeleteMessage"])],
                 {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"},
                                {"Effect": "Deny", "Action": "sqs:DeleteMessage", "Resource": "*"}]}, True,
                 {("sqs", "Write"): (2, 1, 1)}, id="unconditional Deny of the boundary cuts"),
    pytest.param([_allow("sqs:SendMessage")],
                 {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"},
                                {"Effect": "Deny", "Action": "sqs:*", "Resource": "*",
                                 "Condition": {"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}}}]}, True,
                 {("sqs", "Write"): (1, 1, 0)}, id="conditional Deny cuts nothing (may be allowed)"),
    pytest.param([_allow("sqs:SendMessage")],
                 {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"},
                                {"Effect": "Deny", "Action": "sqs:*", "Resource": "arn:aws:sqs:*:*:prod-*"}]}, True,
                 {("sqs", "Write"): (1, 1, 0)}, id="Deny on some resources cuts nothing"),
    pytest.param([{"Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"},
                                 {"Effect": "Deny", "Action": "sqs:*", "Resource": "*"}]}], None, False,
                 {}, id="identity's own unconditional Deny: not granted"),
])
def test_given_policies_when_rows_are_built_then_granted_effective_and_cut_per_service_and_level(
        identity: list[Any], boundary: Any, bounded: bool,
        expected: dict[tuple[str, str], tuple[int, int | None, int | None]]) -> None:
    rows = permission_rows(identity, boundary, bounded=bounded)
    assert _cells(rows) == expected


def test_given_not_action_when_rows_are_built_then_every_other_action_is_granted_and_the_boundary_applies() -> None:
    rows = permission_rows([{"Statement": [{"Effect": "Allow", "NotAction": "sqs:*", "Resource": "*"}]}],
                           _allow(["sqs:SendMessage", "kms:Decrypt"]), bounded=True)
    cells = _cells(rows)
    assert not any(service == "sqs" for service, _ in cells)
    granted, effective, cut = cells[("kms", "Write")]
    assert effective == 1 and cut == granted - 1 and granted > 1
    assert sum(r["effective"] for r in rows) == 1


def test_given_a_wide_grant_when_the_boundary_cuts_then_the_cut_actions_are_named() -> None:
    rows = permission_rows([_allow("sqs:*")], _allow("sqs:Get*"), bounded=True)
    write = next(r for r in rows if r["accessLevel"] == "Write")
    assert write["effective"] == 0 and write["cutAway"] == write["granted"] > 0
    assert "sqs:SendMessage" in write["cutAwayActions"]


# -- the page: escaped, no network, shows what the report holds ----------------------------------------------

def _report(**extra: Any) -> dict[str, Any]:
    origin = {"source": "cdk.out/App.template.json", "stack": "App", "logical_id": "Role",
              "construct_path": f"App/{EVIL}/Resource", "policy_name": EVIL}
    base: dict[str, Any] = {
        "cdkOut": "cdk.out", "backend": "offline", "backendReason": "test", "treatAsBlocking": ["ERROR"],
        "policies": 1, "principals": 1, "templates": 1, "seconds": 0.1, "checks": {},
        "findings": [{"findingType": "ERROR", "issueCode": "INVALID_ACTION", "message": f"bad {EVIL}",
                      "check": "validate-policy", "locations": [], "origin": origin}],
        "ignored": [],
        "acknowledged": [{"findingType": "WARNING", "issueCode": "BEYOND_BOUNDARY", "message": "wide",
                          "check": "check-no-new-access", "locations": [], "origin": origin,
                          "acknowledgedAt": "App", "reason": f"accepted {EVIL}"}],
        "inventory": {"principals": [{
            "key": "k", "label": f"App/{EVIL}/Resource", "kind": "role", "name": "r",
            "arn": "arn:aws:iam::111111111111:role/r", "account": "111111111111", "stack": "App",
            "source": "cdk.out/App.template.json", "constructPath": f"App/{EVIL}/Resource", "unanalyzedPolicies": [],
            "boundary": {"arn": "arn:aws:iam::111111111111:policy/b", "name": EVIL, "known": True},
            "permissions": permission_rows([_allow(["s3:GetObject", "sqs:SendMessage"])], _allow("s3:*"),
                                           bounded=True)}]},
    }
    base.update(extra)
    return base


def test_given_attacker_controlled_text_when_rendered_then_it_is_escaped_and_only_our_script_runs() -> None:
    page = render_html(_report())
    assert EVIL not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert page.count("<script>") == 1  # the page's own filter script, nothing from the report


def test_given_a_report_when_rendered_then_the_page_loads_nothing_from_anywhere() -> None:
    page = render_html(_report())
    assert f'<meta http-equiv="Content-Security-Policy" content="{CSP}">' in page
    assert "default-src 'none'" in CSP
    assert not re.search(r"\b(src|href|action|xlink:href)\s*=|url\(|@import", page, re.IGNORECASE)


def test_given_the_page_when_its_csp_is_read_then_it_allows_exactly_its_own_script_and_style_by_hash() -> None:
    # CSP Level 3 hash-source: 'sha256-' + base64(SHA-256 of the element's text), https://www.w3.org/TR/CSP3/
    page = render_html(_report())
    [script] = re.findall(r"<script>(.*?)</script>", page, re.S)
    [style] = re.findall(r"<style>(.*?)</style>", page, re.S)
    directives = dict(d.strip().split(" ", 1) for d in CSP.split(";"))
    assert directives["script-src"] == csp_hash(script) and directives["style-src"] == csp_hash(style)
    assert "unsafe-inline" not in CSP and "unsafe-hashes" not in CSP
    assert not re.search(r"\sstyle\s*=|\son[a-z]+\s*=", page)  # no inline attribute the hashes would not cover


@pytest.mark.parametrize(("text", "expected"), [
    ("", "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"),  # SHA-256 of nothing, base64
    ("alert(1)", "'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='"),
])
def test_given_a_text_when_hashed_then_the_csp_hash_source_is_sha256_base64(text: str, expected: str) -> None:
    assert csp_hash(text) == expected


def test_given_ignored_findings_when_rendered_then_each_is_listed_not_only_counted() -> None:
    # given a report with an ignored finding whose message is attacker-controlled
    ignored = {"findingType": "WARNING", "issueCode": "MISSING_VERSION", "message": f"no version {EVIL}",
               "check": "validate-policy", "locations": [],
               "origin": {"source": "cdk.out/App.template.json", "stack": "App", "construct_path": "App/Ignored"}}
    page = render_html(_report(ignored=[ignored]))
    # then the count, and a row with its issue code, path and escaped message
    assert "1 ignored)" in page and page.count("data-ignored=") == 1
    row = page.split('data-ignored="0"')[1].split("</tr>")[0]
    assert "MISSING_VERSION" in row and "App/Ignored" in row and "no version &lt;script&gt;" in row
    assert EVIL not in page


def _principal(source: str, stack: str, account: str) -> dict[str, Any]:
    return {"key": f"{source}#{stack}#Role", "label": "Stage/App/Role/Resource", "kind": "role", "name": "r",
            "arn": f"arn:aws:iam::{account}:role/{stack}-r", "account": account, "stack": stack, "source": source,
            "constructPath": "Stage/App/Role/Resource", "unanalyzedPolicies": [], "boundary": None,
            "permissions": permission_rows([_allow("s3:GetObject")], None, bounded=False)}


@pytest.mark.parametrize(("principals", "flagged"), [
    pytest.param([_principal("cdk.out/A.template.json", "App-A", "111111111111"),
                  _principal("cdk.out/B.template.json", "App-B", "111111111111")], [True, False],
                 id="same construct path in two stacks"),
    pytest.param([_principal("cdk.out/A.template.json", "App", "111111111111"),
                  _principal("cdk.out/B.template.json", "App", "222222222222")], [True, False],
                 id="same stack name and path in two accounts"),
])
def test_given_principals_with_the_same_label_when_rendered_then_findings_stay_with_their_own(
        principals: list[dict[str, Any]], flagged: list[bool]) -> None:
    # given a finding of the first principal only
    first = principals[0]
    finding = {"findingType": "ERROR", "issueCode": "PASS_ROLE_WITH_STAR_IN_RESOURCE", "message": "m",
               "check": "validate-policy", "locations": [],
               "origin": {"source": first["source"], "stack": first["stack"], "construct_path": first["label"]}}
    page = render_html(_report(findings=[finding], acknowledged=[], inventory={"principals": principals}))
    # then each principal is its own block, and only the first carries the finding's badge
    blocks = page.split('<details class="principal"')[1:]
    assert len(blocks) == 2
    by_arn = {b.split('<p class="path muted">')[1].split("<")[0]: b for b in blocks}
    for p, expected in zip(principals, flagged, strict=True):
        summary = by_arn[p["arn"]].split("</summary>")[0]
        assert ("PASS_ROLE_WITH_STAR_IN_RESOURCE" in summary) is expected


def test_given_findings_acknowledgments_and_principals_when_rendered_then_each_is_on_the_page() -> None:
    report = _report()
    page = render_html(report)
    assert page.count("data-finding=") == len(report["findings"])
    assert page.count("data-ack=") == len(report["acknowledged"])
    assert page.count("data-principal=") == len(report["inventory"]["principals"])
    assert "accepted &lt;script&gt;" in page and 'data-account="111111111111"' in page
    assert "1/2 actions effective" in page and "−1 cut" in page  # sqs is cut away by the boundary


def test_given_a_blank_acknowledgment_when_rendered_then_the_finding_stays_open_and_says_so() -> None:
    report = _report(acknowledged=[])
    report["findings"][0]["details"] = {"blankAcknowledgment": "App/Role"}
    assert "acknowledged without a reason" in render_html(report)


# -- the escalation graph -----------------------------------------------------------------------------------

def _path(method: str, target: str, permissions: list[str], runs_with: str = "") -> dict[str, Any]:
    details = {"id": method, "principal": "App/Dev", "permissions": permissions, "target": target}
    if runs_with:
        details["runsWith"] = runs_with
    return {"findingType": "ERROR", "issueCode": method, "check": "escalation", "details": details}


ROLE = "arn:aws:iam::111111111111:role/platform/rotation"
FUNCTION = "arn:aws:lambda:us-east-1:111111111111:function:rotation"
POLICY = "arn:aws:iam::111111111111:policy/boundaries/b"


@pytest.mark.parametrize(("finding", "edges"), [
    pytest.param(_path("B9", FUNCTION, ["lambda:UpdateFunctionCode"], ROLE),
                 {(("principal", "App/Dev"), ("action", "lambda:UpdateFunctionCode")),
                  (("action", "lambda:UpdateFunctionCode"), ("resource", FUNCTION)),
                  (("resource", FUNCTION), ("role", ROLE))}, id="B9: principal→action→resource→role"),
    pytest.param(_path("B6", ROLE, ["iam:AttachRolePolicy"]),
                 {(("principal", "App/Dev"), ("action", "iam:AttachRolePolicy")),
                  (("action", "iam:AttachRolePolicy"), ("role", ROLE))}, id="B6 on a role: no resource node"),
    pytest.param(_path("B4", POLICY, ["iam:CreatePolicyVersion"]),
                 {(("principal", "App/Dev"), ("action", "iam:CreatePolicyVersion")),
                  (("action", "iam:CreatePolicyVersion"), ("resource", POLICY))}, id="B4 on a policy: no role"),
])
def test_given_an_escalation_finding_when_graphed_then_the_layers_are_connected(
        finding: dict[str, Any], edges: set[Any]) -> None:
    assert set(escalation_graph([finding]).edges) == edges


def test_given_findings_of_other_checks_when_graphed_then_they_draw_nothing() -> None:
    other = {"findingType": "ERROR", "issueCode": "INVALID_ACTION", "check": "validate-policy", "details": {}}
    assert escalation_graph([other]).edges == {}


def test_given_an_escalation_path_when_rendered_then_an_inline_svg_shows_each_node() -> None:
    page = render_html(_report(findings=[_path("B9", FUNCTION, ["lambda:UpdateFunctionCode"], ROLE)]))
    svg = page[page.index("<svg"):page.index("</svg>")]
    for column, text in (("principal", "App/Dev"), ("action", "lambda:UpdateFunctionCode"),
                         ("resource", FUNCTION), ("role", ROLE)):
        assert f'data-node="{column}" data-text="{text}"' in svg


# -- written beside the gate's JSON -------------------------------------------------------------------------

@pytest.mark.parametrize(("json_name", "html_name"), [
    ("validation-report.json", "validation-report.html"), ("report", "report.html"), ("r.html", "r.html.html")])
def test_given_a_json_report_path_when_the_html_path_is_derived_then_it_never_is_the_json(
        json_name: str, html_name: str) -> None:
    assert html_report_path(Path("out") / json_name) == Path("out") / html_name


@pytest.mark.parametrize("html_report", [True, False])
def test_given_the_html_setting_when_the_gate_writes_its_report_then_the_page_is_beside_it_or_absent(
        tmp_path: Path, html_report: bool) -> None:
    finding = Finding(FindingType.ERROR, "B1", "escalates", origin=PolicyOrigin(construct_path="App/Dev"),
                      check="escalation")
    report = GateReport(cdk_out=str(tmp_path / "cdk.out"), backend="offline", backend_reason="test",
                        findings=[finding], html_report=html_report, inventory={"principals": []},
                        acknowledged=[AcknowledgedFinding(finding, "App", "accepted for the demo")])
    written = report.write(tmp_path / "reports" / "gate.json")
    page = tmp_path / "reports" / "gate.html"
    assert json.loads(written.read_text())["inventory"] == {"principals": []}
    assert page.exists() is html_report
    if html_report:
        text = page.read_text()
        assert 'data-finding="0"' in text and "accepted for the demo" in text
