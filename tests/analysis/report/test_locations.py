"""Exact locations: every loaded value keeps its line and column, and findings carry them to SARIF, JUnit
and text. Two resources with the same policy text used to share one location (the regex scan found the
first); each finding must point at its own resource's policy."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from least_privilege_constructs.analysis.extract import extract_policies
from least_privilege_constructs.analysis.pipeline import validate_paths
from least_privilege_constructs.analysis.report import render, sarif_dict

POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "*"}]}

JSON_TEMPLATE = json.dumps({"Resources": {
    "First": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": POLICY}},
    "Second": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": POLICY}},
}}, indent=2) + "\n"

YAML_TEMPLATE = """\
Resources:
  First:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: s3:GetObjekt
            Resource: "*"
  Second:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: s3:GetObjekt
            Resource: "*"
"""


def _line_column_of(text: str, needle: str, occurrence: int) -> tuple[int, int]:
    """1-based line and column of the ``occurrence``-th (0-based) ``needle`` in ``text``."""
    offset = -1
    for _ in range(occurrence + 1):
        offset = text.index(needle, offset + 1)
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


@pytest.mark.parametrize(("name", "text", "action_key"), [
    ("shared.template.json", JSON_TEMPLATE, '"Action"'),
    ("shared.yaml", YAML_TEMPLATE, "Action"),
])
def test_sarif_points_each_finding_at_its_own_resource(tmp_path: Path, name: str, text: str,
                                                       action_key: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    run = validate_paths(path)
    invalid = [f for f in run.findings if f.issue_code == "INVALID_ACTION"]
    assert sorted(f.origin.logical_id for f in invalid if f.origin) == ["First", "Second"]
    log = sarif_dict(run.findings, base_dir=tmp_path)
    regions = {r["locations"][0]["logicalLocations"][0]["name"]: r["locations"][0]["physicalLocation"]["region"]
               for r in log["runs"][0]["results"] if r["ruleId"] == "INVALID_ACTION"}
    for occurrence, logical_id in enumerate(["First", "Second"]):
        line, column = _line_column_of(text, action_key, occurrence)
        assert regions[logical_id] == {"startLine": line, "startColumn": column}, logical_id
    # the policy itself (the origin) is located at its own PolicyDocument key
    second = next(f for f in invalid if f.origin and f.origin.logical_id == "Second")
    assert second.origin is not None
    position = second.origin.position()
    assert position is not None
    document_key = action_key.replace("Action", "PolicyDocument")
    assert (position.line, position.column) == _line_column_of(text, document_key, 1)
    assert second.origin.to_dict()["line"] == position.line


def test_text_and_junit_carry_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "shared.yaml"
    path.write_text(YAML_TEMPLATE)
    run = validate_paths(path)
    second_doc = _line_column_of(YAML_TEMPLATE, "PolicyDocument", 1)
    second_action = _line_column_of(YAML_TEMPLATE, "Action", 1)
    text = render(run.findings, "text")
    assert f"{path}:{second_doc[0]}:{second_doc[1]}: Resources.Second.Properties.PolicyDocument" in text
    assert f"Statement[0].Action (line {second_action[0]})" in text
    root = ET.fromstring(render(run.findings, "junit", policies=run.checked))
    case = next(c for c in root.iter("testcase") if "Second" in (c.get("name") or ""))
    assert case.get("file") == str(path) and case.get("line") == str(second_doc[0])
    failure = case.find("failure")
    assert failure is not None and f"{path}:{second_action[0]}:{second_action[1]}" in (failure.text or "")


def test_policy_file_locations_and_nearest_ancestor(tmp_path: Path) -> None:
    """A finding's path inside a policy file is located at its key; a path the file does not have (a value an
    intrinsic produced) falls back to its nearest ancestor that exists."""
    path = tmp_path / "doc.json"
    path.write_text('{\n  "Version": "2012-10-17",\n  "Statement": [\n    {"Effect": "Allow", "Action": "s3:GetObjekt",'
                    ' "Resource": "*"}\n  ]\n}\n')
    ex = extract_policies(path)
    origin = ex.policies[0].origin
    position = origin.position(["Statement", 0, "Action"])
    assert position is not None and (position.line, position.column) == (4, 25)
    fallback = origin.position(["Statement", 0, "Condition", "StringEquals"])
    assert fallback is not None and (fallback.line, fallback.column) == (4, 5)


def test_hand_built_origin_points_at_its_resource(tmp_path: Path) -> None:
    from least_privilege_constructs.analysis.findings import Finding, FindingType, PolicyOrigin

    path = tmp_path / "t.yaml"
    path.write_text(YAML_TEMPLATE)
    origin = PolicyOrigin(source=str(path), logical_id="Second")
    log = sarif_dict([Finding(FindingType.ERROR, "X", "m", [], origin)], base_dir=tmp_path)
    region = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 11, "startColumn": 3}


def test_inline_stack_set_policies_are_located_in_the_parent_file(tmp_path: Path) -> None:
    text = """\
Resources:
  Audit:
    Type: AWS::CloudFormation::StackSet
    Properties:
      StackSetName: audit
      TemplateBody:
        Resources:
          AuditPolicy:
            Type: AWS::IAM::ManagedPolicy
            Properties:
              PolicyDocument:
                Version: "2012-10-17"
                Statement:
                  - Effect: Allow
                    Action: s3:GetObjekt
                    Resource: "*"
  AsText:
    Type: AWS::CloudFormation::StackSet
    Properties:
      StackSetName: text
      TemplateBody: '{"Resources": {"P": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "*"}]}}}}}'
"""
    path = tmp_path / "sets.yaml"
    path.write_text(text)
    run = validate_paths(path)
    by_id = {f.origin.logical_id: f for f in run.findings if f.issue_code == "INVALID_ACTION" and f.origin}
    inline = by_id["AuditPolicy"].origin
    assert inline is not None and inline.source == str(path)
    action = inline.position(["Statement", 0, "Action"])
    assert action is not None and (action.line, action.column) == (15, 21)
    as_text = by_id["P"].origin
    assert as_text is not None
    body = as_text.position(["Statement", 0, "Action"])  # inside a string: the TemplateBody key
    assert body is not None and (body.line, body.column) == (21, 7)


def test_policy_built_from_properties_points_at_its_properties(tmp_path: Path) -> None:
    """A policy the extractor builds (AWS::Events::EventBusPolicy: Statement is a property) has paths that do
    not correspond to the file's: its findings point at the resource's Properties, never at a look-alike."""
    path = tmp_path / "bus.yaml"
    path.write_text("Resources:\n  Bus:\n    Type: AWS::Events::EventBusPolicy\n    Properties:\n"
                    "      StatementId: s\n      Statement:\n        Effect: Allow\n        Principal: '*'\n"
                    "        Action: events:PutEvents\n        Resource: '*'\n")
    [policy] = extract_policies(path).policies
    position = policy.origin.position(["Statement", 0, "Action"])
    assert position is not None and (position.line, position.column) == (4, 5)
