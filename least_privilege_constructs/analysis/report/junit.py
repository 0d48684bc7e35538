"""JUnit XML: one test suite per stack (or file), one test case per policy (with the ``file`` and ``line``
attributes pytest writes too), one ``<failure>`` per blocking finding naming ``file:line:column``;
non-blocking findings go to the test case's ``<system-out>``. Readable by ``xml.etree`` and CI
tools (GitLab, Jenkins, Azure Pipelines, GitHub test reporters)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from least_privilege_constructs.analysis.findings import DEFAULT_BLOCKING, Finding, FindingType, blocks
from least_privilege_constructs.analysis.report.grouping import TOOL_NAME, Group, group_findings

if TYPE_CHECKING:
    from least_privilege_constructs.analysis.extract.model import ExtractedPolicy

_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _clean(text: str) -> str:
    return _INVALID_XML.sub("\ufffd", text)


def _case_name(group: Group) -> str:
    origin = group.origin
    if origin is None:
        return "<no origin>"
    name = origin.label()
    if origin.policy_name and origin.policy_name not in name:
        name += f" [{origin.policy_name}]"
    if origin.json_path and not origin.construct_path:
        name += f" {origin.json_path}"
    return name


def render_junit(findings: Sequence[Finding], *, policies: Sequence[ExtractedPolicy] | None = None,
                 blocking: Iterable[FindingType | str] = DEFAULT_BLOCKING, suite_name: str = "lpc validate") -> str:
    blocking_set = frozenset(FindingType(str(b)) for b in blocking)
    groups = group_findings(findings, policies, include_clean=True)
    suites: dict[str, list[Group]] = {}
    for group in groups:
        origin = group.origin
        suite_label = (origin.stack or origin.source or "<input>") if origin else "<input>"
        suites.setdefault(suite_label, []).append(group)
    root = ET.Element("testsuites", name=suite_name)
    total_tests = total_failures = 0
    for suite_label in sorted(suites):
        cases = suites[suite_label]
        suite = ET.SubElement(root, "testsuite", name=_clean(suite_label))
        failures = 0
        for group in sorted(cases, key=_case_name):
            case = ET.SubElement(suite, "testcase", name=_clean(_case_name(group)),
                                 classname=_clean(f"{TOOL_NAME}.{suite_label}"))
            if group.origin is not None and group.origin.source:
                case.set("file", _clean(group.origin.source))
                position = group.origin.position()
                if position is not None:
                    case.set("line", str(position.line))
            out_lines = []
            case_failed = False
            for f in group.findings:
                where = ", ".join(f.location_strings())
                at = group.origin.position(f.locations[0] if f.locations else ()) if group.origin else None
                if at is not None and group.origin is not None:
                    where += f" ({group.origin.source}:{at.line}:{at.column})"
                text = f"{f.finding_type.value} {f.issue_code}" + (f" at {where}" if where else "") + f": {f.message}"
                if blocks(f, blocking_set):
                    failure = ET.SubElement(case, "failure", type=f.issue_code,
                                            message=_clean(f"{f.finding_type.value}: {f.message}"))
                    origin_text = f"\norigin: {json.dumps(group.origin.to_dict(), sort_keys=True)}" if group.origin else ""
                    failure.text = _clean(text + origin_text)
                    case_failed = True
                else:
                    out_lines.append(text)
            if out_lines:
                ET.SubElement(case, "system-out").text = _clean("\n".join(out_lines))
            failures += case_failed
        suite.set("tests", str(len(cases)))
        suite.set("failures", str(failures))
        suite.set("errors", "0")
        suite.set("skipped", "0")
        total_tests += len(cases)
        total_failures += failures
    root.set("tests", str(total_tests))
    root.set("failures", str(total_failures))
    root.set("errors", "0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
