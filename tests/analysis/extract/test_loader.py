"""The strict loader: duplicate keys are errors (with file, line, column and JSON path), every value keeps
its line and column, CloudFormation short-form tags still work."""

from __future__ import annotations

from pathlib import Path

import pytest

from least_privilege_constructs.analysis.extract import extract_policies
from least_privilege_constructs.analysis.extract.loader import LoadError, load_file_with_spans, parse_text

# A duplicated resource id: YAML would keep the second and silently drop the first (an Allow * policy)
DUPLICATE_RESOURCE = """\
Resources:
  Admin:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Statement: [{Effect: Allow, Action: "*", Resource: "*"}]
  Admin:
    Type: AWS::SNS::Topic
"""


def test_yaml_duplicate_resource_id_is_an_error_not_a_dropped_policy(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(DUPLICATE_RESOURCE)
    with pytest.raises(LoadError) as info:
        load_file_with_spans(path)
    err = info.value
    assert (err.code, err.line, err.column, err.json_path) == ("DUPLICATE_KEY", 7, 3, "Resources.Admin")
    assert err.message == f"{path}:7:3: duplicate key 'Admin' at Resources.Admin (first at line 2 column 3)"
    ex = extract_policies(path)
    assert ex.policies == []
    [finding] = ex.findings
    assert finding.issue_code == "DUPLICATE_KEY" and finding.is_blocking()
    assert finding.origin is not None and finding.origin.source == str(path)
    position = finding.origin.position()
    assert position is not None and (position.line, position.column) == (7, 3)


@pytest.mark.parametrize(("text", "fmt", "where", "json_path"), [
    ('{"Resources": {"R": {"Properties": {"A": 1, "A": 2}}}}', "json", (1, 45), "Resources.R.Properties.A"),
    ('{"Statement": [{"Sid": "x"}, {"Sid": "y",\n "Sid": "z"}]}', "json", (2, 2), "Statement[1].Sid"),
    ("Statement:\n  - Effect: Allow\n    Effect: Deny\n", "yaml", (3, 5), "Statement[0].Effect"),
    ("A: !Sub\n  - x\nA: 1\n", "yaml", (3, 1), "A"),
    ('{"A": 1, "A": 2}', None, (1, 10), "A"),
])
def test_duplicate_keys_anywhere(text: str, fmt: str | None, where: tuple[int, int], json_path: str) -> None:
    with pytest.raises(LoadError) as info:
        parse_text(text, "src", fmt)
    assert info.value.code == "DUPLICATE_KEY"
    assert (info.value.line, info.value.column) == where
    assert info.value.json_path == json_path
    assert info.value.message.startswith(f"src:{where[0]}:{where[1]}: duplicate key")


def test_yaml_merge_keys_and_aliases_are_not_duplicates() -> None:
    data = parse_text("base: &b {Effect: Allow}\nst:\n  <<: *b\n  Effect: Deny\nagain: *b\n", "s", "yaml")
    assert data == {"base": {"Effect": "Allow"}, "st": {"Effect": "Deny"}, "again": {"Effect": "Allow"}}


def test_spans_of_yaml_and_json_values(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("Resources:\n  R:\n    Properties:\n      A: !Ref P\n      L: [a, b]\n")
    data, spans = load_file_with_spans(path)
    assert data == {"Resources": {"R": {"Properties": {"A": {"Ref": "P"}, "L": ["a", "b"]}}}}
    assert spans.position(["Resources", "R", "Properties", "A"]) is not None
    assert spans.position(["Resources", "R", "Properties", "L", 1]).line == 5  # type: ignore[union-attr]
    assert spans.position(["Resources", "R", "Properties", "L", 1]).column == 14  # type: ignore[union-attr]
    assert spans.position(["Resources", "Missing"]) is None
    assert spans.position(["Resources", "R", "Missing"], nearest=True).line == 2  # type: ignore[union-attr]


def test_syntax_errors_keep_their_position() -> None:
    with pytest.raises(LoadError) as info:
        parse_text('{"A": [1,\n 2,,]}', "s.json", "json")
    assert (info.value.code, info.value.line) == ("INVALID_JSON", 2)
    with pytest.raises(LoadError) as info:
        parse_text("A: [\n", "s.yaml", "yaml")
    assert info.value.code == "INVALID_YAML" and info.value.line is not None


def test_policy_given_as_a_json_string_with_a_duplicate_key(tmp_path: Path) -> None:
    """A policy document given as a string (Logs resource policies, some L1 props) is parsed as strictly as
    the template: a second Statement key would otherwise replace the first one silently."""
    import json

    document = ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", '
                '"Action": "logs:PutLogEvents", "Resource": "*"}], "Statement": []}')
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"Resources": {"R": {"Type": "AWS::Logs::ResourcePolicy", "Properties": {
        "PolicyName": "p", "PolicyDocument": document}}}}))
    ex = extract_policies(path)
    assert ex.policies == []
    [finding] = ex.findings
    assert finding.issue_code == "DUPLICATE_KEY" and finding.is_blocking()
    assert "Resources.R.Properties.PolicyDocument:1:" in finding.message and "'Statement'" in finding.message
