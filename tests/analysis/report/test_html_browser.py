"""The HTML report in a real browser (headless Debian chromium driven by playwright): the report of the sample
organization, of the benchmark's 300-role app and of an assembly with escalation paths opens with no console
or page error, makes no request, loads in under 2 s, and shows every principal and every finding of the JSON
report. Screenshots go to test-artifacts/ (git-ignored). Skips without chromium or playwright, unless
LPC_REQUIRE_BROWSER=1."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from least_privilege_constructs.analysis.report.html import write_html
from least_privilege_constructs.cli.main import main
from tests.conftest import ROOT
from tests.helpers.browser import browser, open_page, screenshot  # noqa: F401  (the fixture)

ESCALATION = ROOT / "tests" / "fixtures" / "escalation" / "cdk-example-boundary.json"
LOAD_LIMIT_S = 2.0


def _lpc_report(cdk_out: Path, tmp_path: Path) -> tuple[dict[str, Any], Path]:
    page, data = tmp_path / "report.html", tmp_path / "report.json"
    code = main(["report", str(cdk_out), "--html", str(page), "--json", str(data), "--mode", "offline",
                 "--cdk-json", str(ROOT / "cdk.json")])
    assert code == 0
    return json.loads(data.read_text()), page


def _gate_report(template: Path, tmp_path: Path) -> tuple[dict[str, Any], Path]:
    from least_privilege_constructs.access_analyzer import resolve_settings, select_backend
    from least_privilege_constructs.analysis.gate import GateOptions, run_gate

    options = GateOptions.resolve({"mode": "offline"}, env={})
    backend, reason = select_backend(resolve_settings({"mode": "offline"}), cdk_out=str(template))
    report = run_gate(str(template), options, backend=backend, backend_reason=reason).to_dict()
    return report, write_html(report, tmp_path / "report.html")


def _where(finding: dict[str, Any]) -> str:
    origin = finding.get("origin") or {}
    if origin.get("construct_path"):
        return str(origin["construct_path"])
    if finding.get("check") == "escalation":
        return str(finding["details"]["principal"])
    return "/".join(str(origin[k]) for k in ("stack", "logical_id") if origin.get(k)) or str(origin.get("source"))


def _check_page(browser: Any, report: dict[str, Any], html: Path, name: str) -> float:  # noqa: F811
    page, visit = open_page(browser, html)
    try:
        shot = screenshot(page, f"html-report-{name}")
        assert shot.stat().st_size > 0
        assert visit.console_errors == [] and visit.page_errors == []
        assert visit.requests == [html.resolve().as_uri()]  # the page itself, nothing else
        assert visit.load_seconds < LOAD_LIMIT_S, f"{name}: loaded in {visit.load_seconds:.2f} s"

        # every principal of the JSON report, by its data attribute and its visible label
        principals = report["inventory"]["principals"]
        shown = page.evaluate("() => Array.from(document.querySelectorAll('[data-principal]'), e => "
                              "[e.dataset.principal, e.querySelector('summary').innerText])")
        assert sorted(label for label, _ in shown) == sorted(p["label"] for p in principals)
        assert all(label in text for label, text in shown)
        assert len(principals) <= report["principals"]

        # every finding, in order: its row shows the issue code and the construct path
        rows = page.evaluate("() => Array.from(document.querySelectorAll('[data-finding]'), e => "
                             "[Number(e.dataset.finding), e.dataset.issueCode, e.innerText])")
        assert [index for index, _, _ in rows] == list(range(len(report["findings"])))
        for (_, code, text), finding in zip(rows, report["findings"], strict=True):
            assert code == finding["issueCode"] and finding["issueCode"] in text and _where(finding) in text

        # every escalation path: its principal and target are nodes of the graph
        nodes = set(map(tuple, page.evaluate("() => Array.from(document.querySelectorAll('svg [data-node]'), "
                                             "e => [e.dataset.node, e.dataset.text])")))
        for finding in report["findings"]:
            details = finding.get("details") or {}
            if finding["check"] == "escalation" and details.get("target"):
                assert ("principal", details["principal"]) in nodes
                assert any(text == details["target"] for _, text in nodes)
        print(f"{name}: {len(principals)} principals, {len(rows)} findings, loaded in {visit.load_seconds:.3f} s")
        return visit.load_seconds
    finally:
        page.close()


def test_given_the_sample_organization_when_its_report_opens_then_it_shows_every_principal(
        browser: Any, sample_cdk_out: Path, tmp_path: Path) -> None:  # noqa: F811
    report, html = _lpc_report(sample_cdk_out, tmp_path)
    assert len(report["inventory"]["principals"]) == report["principals"] > 0
    _check_page(browser, report, html, "sample")


def test_given_the_300_role_benchmark_app_when_its_report_opens_then_it_shows_all_300(
        browser: Any, bench_cdk_out: Path, tmp_path: Path) -> None:  # noqa: F811
    report, html = _lpc_report(bench_cdk_out, tmp_path)
    assert len(report["inventory"]["principals"]) == 300
    _check_page(browser, report, html, "bench300")


@pytest.fixture(scope="module")
def escalation_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    return _gate_report(ESCALATION, tmp_path_factory.mktemp("escalation"))


def test_given_escalation_paths_when_the_report_opens_then_findings_and_the_graph_are_shown(
        browser: Any, escalation_report: tuple[dict[str, Any], Path]) -> None:  # noqa: F811
    report, html = escalation_report
    assert any(f["check"] == "escalation" for f in report["findings"])
    _check_page(browser, report, html, "escalation")


@pytest.mark.parametrize("query", ["Execution", "no such principal"])
def test_given_the_filter_box_when_typed_in_then_other_principals_hide(
        browser: Any, escalation_report: tuple[dict[str, Any], Path], query: str) -> None:  # noqa: F811
    report, html = escalation_report
    page, visit = open_page(browser, html)
    try:
        page.fill("#filter", query)
        visible = page.evaluate("() => Array.from(document.querySelectorAll('[data-principal]'))"
                                ".filter(e => !e.classList.contains('hidden')).map(e => e.dataset.principal)")
        labels = [p["label"] for p in report["inventory"]["principals"]]
        assert sorted(visible) == sorted(label for label in labels if query.lower() in label.lower())
        assert visit.page_errors == []
    finally:
        page.close()
