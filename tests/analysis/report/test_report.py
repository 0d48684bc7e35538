"""The renderers: text (grouped, summary), JSON (cfn-policy-validator shape), SARIF 2.1.0, JUnit XML."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from least_privilege_constructs.analysis.extract import ExtractedPolicy, PolicyKind, extract_policies
from least_privilege_constructs.analysis.findings import Finding, FindingType, PolicyOrigin, PolicyType
from least_privilege_constructs.analysis.report import FORMATS, render, report_dict, sarif_dict

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "extract" / "all_resources.yaml"

ROLE = PolicyOrigin(source=str(FIXTURE), stack="all_resources", logical_id="AppRole",
                    construct_path="App/AppRole/Resource",
                    json_path="Resources.AppRole.Properties.Policies[0].PolicyDocument", policy_name="inline-logs")
BUCKET = PolicyOrigin(source=str(FIXTURE), stack="all_resources", logical_id="BucketPolicy",
                      json_path="Resources.BucketPolicy.Properties.PolicyDocument")
FINDINGS = [
    Finding(FindingType.SUGGESTION, "EMPTY_OBJECT_CONDITION", "Remove the empty condition.",
            [["Statement", 0, "Condition"]], ROLE),
    Finding(FindingType.ERROR, "INVALID_ACTION", "The action s3:GetObjekt does not exist.",
            [["Statement", 0, "Action", 0]], ROLE),
    Finding(FindingType.SECURITY_WARNING, "EXTERNAL_PRINCIPAL", "Grants access to 111111111111 <&>",
            [["Statement", 1, "Principal"]], BUCKET, check="external-access"),
    Finding(FindingType.WARNING, "MISSING_VERSION", "Add a Version.", [], BUCKET),
    Finding(FindingType.ERROR, "FILE_NOT_FOUND", "nope.json: no such file", [], PolicyOrigin(source="nope.json"),
            check="extraction"),
]


@pytest.fixture(scope="module")
def policies() -> list[ExtractedPolicy]:
    return extract_policies(FIXTURE).policies


def test_text_groups_by_origin_construct_path_first(policies: list[ExtractedPolicy]) -> None:
    text = render(FINDINGS, "text", policies=policies)
    lines = text.splitlines()
    assert lines[0] == (f"App/AppRole/Resource  (all_resources · AppRole · {FIXTURE}: "
                        "Resources.AppRole.Properties.Policies[0].PolicyDocument)")
    role_block = text.split("\n\n")[0]
    assert role_block.index("INVALID_ACTION") < role_block.index("EMPTY_OBJECT_CONDITION")
    assert "EMPTY_OBJECT_CONDITION (non-blocking)  Statement[0].Condition" in text
    assert lines[-1] == ("3 policies with findings, 29 policies checked: 2 ERROR, 1 SECURITY_WARNING, 1 WARNING, "
                         "1 SUGGESTION; 3 blocking")
    assert "\033[" not in text
    assert "\033[31m" in render(FINDINGS, "text", color=True)


def test_text_without_findings() -> None:
    assert render([], "text", policies=[]) == "No findings in 0 policies checked.\n"


def test_json_has_cfn_policy_validator_shape() -> None:
    data = json.loads(render(FINDINGS, "json", blocking=["ERROR"]))
    assert [f["code"] for f in data["BlockingFindings"]] == ["INVALID_ACTION", "FILE_NOT_FOUND"]
    assert {f["code"] for f in data["NonBlockingFindings"]} == {"EXTERNAL_PRINCIPAL", "MISSING_VERSION",
                                                                  "EMPTY_OBJECT_CONDITION"}
    action = data["BlockingFindings"][0]
    assert action["resourceName"] == "AppRole" and action["policyName"] == "inline-logs"
    assert action["locations"] == ["Statement[0].Action[0]"]
    assert action["origin"]["construct_path"] == "App/AppRole/Resource"
    assert data["summary"]["blocking"] == 2 and data["summary"]["byType"]["ERROR"] == 2
    assert report_dict([])["summary"]["total"] == 0


# The parts of the SARIF 2.1.0 schema (sarif-schema-2.1.0.json) that a log must satisfy, plus what GitHub code
# scanning requires (tool.driver.name, results with ruleId, message.text, physical locations with a uri).
SARIF_SUBSET_SCHEMA = {
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "version": {"const": "2.1.0"},
        "$schema": {"type": "string", "format": "uri"},
        "runs": {"type": "array", "minItems": 1, "items": {
            "type": "object",
            "required": ["tool", "results"],
            "properties": {
                "tool": {"type": "object", "required": ["driver"], "properties": {"driver": {
                    "type": "object", "required": ["name", "rules"], "properties": {
                        "name": {"type": "string", "minLength": 1},
                        "version": {"type": "string"},
                        "informationUri": {"type": "string", "format": "uri"},
                        "rules": {"type": "array", "items": {
                            "type": "object", "required": ["id", "shortDescription", "defaultConfiguration"],
                            "properties": {
                                "id": {"type": "string"},
                                "shortDescription": {"type": "object", "required": ["text"]},
                                "fullDescription": {"type": "object", "required": ["text"]},
                                "helpUri": {"type": "string", "format": "uri"},
                                "defaultConfiguration": {"type": "object", "properties": {
                                    "level": {"enum": ["none", "note", "warning", "error"]}}},
                                "properties": {"type": "object", "properties": {
                                    "security-severity": {"type": "string", "pattern": r"^\d+(\.\d+)?$"}}},
                            }}},
                    }}}},
                "results": {"type": "array", "items": {
                    "type": "object", "required": ["ruleId", "message", "locations"],
                    "properties": {
                        "ruleId": {"type": "string"},
                        "ruleIndex": {"type": "integer", "minimum": 0},
                        "level": {"enum": ["none", "note", "warning", "error"]},
                        "message": {"type": "object", "required": ["text"]},
                        "locations": {"type": "array", "items": {"type": "object", "properties": {
                            "physicalLocation": {"type": "object", "required": ["artifactLocation"], "properties": {
                                "artifactLocation": {"type": "object", "required": ["uri"]},
                                "region": {"type": "object", "properties": {
                                    "startLine": {"type": "integer", "minimum": 1}}}}},
                            "logicalLocations": {"type": "array", "items": {
                                "type": "object", "properties": {"fullyQualifiedName": {"type": "string"},
                                                                 "kind": {"type": "string"}}}},
                        }}},
                        "partialFingerprints": {"type": "object", "additionalProperties": {"type": "string"}},
                    }}},
            }}},
    },
}


def test_sarif_is_valid_and_github_ready(tmp_path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")  # installed with cfn-lint (dev extra)
    log = sarif_dict(FINDINGS, base_dir=FIXTURE.parents[2])
    jsonschema.validate(log, SARIF_SUBSET_SCHEMA)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert sorted(r["id"] for r in rules) == sorted({f.issue_code for f in FINDINGS})
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    by_rule = {r["ruleId"]: r for r in run["results"]}
    assert by_rule["INVALID_ACTION"]["level"] == "error"
    assert by_rule["MISSING_VERSION"]["level"] == "warning"
    assert by_rule["EMPTY_OBJECT_CONDITION"]["level"] == "note"
    location = by_rule["INVALID_ACTION"]["locations"][0]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == "fixtures/extract/all_resources.yaml"
    line = FIXTURE.read_text().splitlines()[location["physicalLocation"]["region"]["startLine"] - 1]
    assert line.strip() == "AppRole:"
    assert location["logicalLocations"][0]["fullyQualifiedName"] == "App/AppRole/Resource"
    assert "Statement[0].Action[0]" in by_rule["INVALID_ACTION"]["message"]["text"]
    fingerprints = [r["partialFingerprints"]["lpcFindingHash/v1"] for r in run["results"]]
    assert len(set(fingerprints)) == len(fingerprints)
    assert json.loads(render(FINDINGS, "sarif", base_dir=FIXTURE.parents[2])) == log


def test_sarif_without_findings_is_valid() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(sarif_dict([]), SARIF_SUBSET_SCHEMA)


def test_junit_one_testcase_per_policy(policies: list[ExtractedPolicy]) -> None:
    xml = render(FINDINGS, "junit", policies=policies)
    root = ET.fromstring(xml)
    assert root.tag == "testsuites"
    cases = root.findall(".//testcase")
    # every policy is a test case, plus one for the file that could not be read
    assert len(cases) == len(policies) + 1
    assert int(root.get("tests", "0")) == len(cases)
    failures = root.findall(".//failure")
    assert sorted(f.get("type") for f in failures) == ["EXTERNAL_PRINCIPAL", "FILE_NOT_FOUND", "INVALID_ACTION"]
    assert int(root.get("failures", "0")) == 3
    role_case = next(c for c in cases if c.get("name", "").startswith("App/AppRole/Resource [inline-logs]"))
    system_out = role_case.find("system-out")
    assert system_out is not None and "EMPTY_OBJECT_CONDITION" in (system_out.text or "")
    assert any("<&>" in (f.get("message") or "") for f in failures)  # escaped in the XML, intact when parsed


def test_junit_strips_characters_xml_cannot_hold() -> None:
    odd = Finding(FindingType.ERROR, "X", "bad \x00\x1b char", [], PolicyOrigin(source="a\x01.json"))
    ET.fromstring(render([odd], "junit"))


def test_unknown_format() -> None:
    with pytest.raises(ValueError, match="unknown report format"):
        render([], "html")
    assert FORMATS == ("text", "json", "sarif", "junit")


def test_policy_types_in_json_report_roundtrip(policies: list[ExtractedPolicy]) -> None:
    trust = next(p for p in policies if p.kind is PolicyKind.TRUST)
    assert trust.policy_type is PolicyType.RESOURCE_POLICY
    f = Finding(FindingType.ERROR, "X", "m", [], trust.origin)
    data = json.loads(render([f], "json", policies=policies))
    assert data["BlockingFindings"][0]["origin"]["resource_type"] == "AWS::IAM::AssumeRolePolicyDocument"


def test_sarif_points_stack_set_policies_at_the_stack_set(tmp_path: Path) -> None:
    template = tmp_path / "Core.template.json"
    template.write_text('{\n  "Resources": {\n    "Audit": {\n      "Type": "AWS::CloudFormation::StackSet",\n'
                        '      "Properties": {"TemplateBody": "{\\"Resources\\": {\\"Role\\": {}}}"}\n    }\n  }\n}\n')
    origin = PolicyOrigin(source=str(template), stack="Core/Audit", logical_id="Role",
                          json_path="Resources.Audit.Properties.TemplateBody > Resources.Role.Properties.Policies[0]")
    log = sarif_dict([Finding(FindingType.ERROR, "X", "m", [], origin)], base_dir=tmp_path)
    region = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] == 3
