"""Bad input never crashes: each problem is a blocking extraction finding naming the file and path."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from least_privilege_constructs.analysis.extract import Extractor, extract_policies

BAD_FILES: list[tuple[str, str, bytes, str, str]] = [
    ("malformed-json", "t.json", b'{"Resources": {', "INVALID_JSON", "line 1"),
    ("duplicate-json-key", "t.json", b'{"Resources": {}, "Resources": {}}', "DUPLICATE_KEY", ":1:19: duplicate key 'Resources' at Resources (first at line 1 column 2)"),
    ("malformed-yaml", "t.yaml", b"Resources:\n  A: [\n", "INVALID_YAML", "line"),
    ("template-is-a-list", "t.json", b"[1, 2]", "INVALID_TEMPLATE", "list"),
    ("template-is-a-string", "t.yaml", b"just a string\n", "INVALID_TEMPLATE", "str"),
    ("invalid-utf8", "t.json", b'{"Resources": {"\xff\xfe": 1}}', "INVALID_ENCODING", "UTF-8"),
    ("resources-is-a-list", "t.json", b'{"Resources": []}', "INVALID_TEMPLATE", "Resources is a list"),
    ("resource-not-an-object", "t.json", b'{"Resources": {"A": 3}}', "INVALID_TEMPLATE", "not an object"),
    ("policy-not-an-object", "t.json",
     json.dumps({"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": [1]}}}}).encode(),
     "INVALID_POLICY_DOCUMENT", "list"),
    ("policy-string-not-json", "t.json",
     json.dumps({"Resources": {"R": {"Type": "AWS::Logs::ResourcePolicy", "Properties": {"PolicyDocument": "{nope"}}}}).encode(),
     "INVALID_POLICY_DOCUMENT", "not valid JSON"),
    ("unresolvable-getatt", "t.json",
     json.dumps({"Resources": {"C": {"Type": "Custom::X"}, "R": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
         "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "s3:*",
                                           "Resource": {"Fn::GetAtt": ["C", "Arn"]}}]}}}}}).encode(),
     "UNRESOLVABLE_INTRINSIC", "Resources.R.Properties.PolicyDocument.Statement[0].Resource"),
    ("ref-cycle", "t.json",
     json.dumps({"Resources": {"A": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": {"Ref": "B"},
                                                                               "AssumeRolePolicyDocument": {}}},
                               "B": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": {"Ref": "A"}}},
                               "P": {"Type": "AWS::IAM::Policy", "Properties": {
                                   "Roles": [{"Ref": "A"}],
                                   "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "s3:*",
                                                                     "Resource": {"Fn::GetAtt": ["A", "Arn"]}}]}}}}}).encode(),
     "CIRCULAR_REFERENCE", "cycle"),
    ("not-a-template-or-policy", "t.json", b'{"hello": "world"}', "INVALID_TEMPLATE", "neither"),
    ("sam-transform", "t.yaml", b"Transform: AWS::Serverless-2016-10-31\nResources: {}\n", "UNSUPPORTED_TRANSFORM",
     "AWS::Serverless-2016-10-31"),
    ("for-each", "t.json", json.dumps({"Transform": "AWS::LanguageExtensions", "Resources": {
        "Fn::ForEach::Roles": ["X", ["A", "B"], {"Role${X}": {"Type": "AWS::IAM::Role"}}]}}).encode(),
     "UNRESOLVABLE_INTRINSIC", "Fn::ForEach is not expanded"),
]


@pytest.mark.parametrize(("name", "content", "code", "needle"), [c[1:] for c in BAD_FILES], ids=[c[0] for c in BAD_FILES])
def test_bad_file_is_a_finding(tmp_path: Path, name: str, content: bytes, code: str, needle: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    ex = extract_policies(path)
    matching = [f for f in ex.findings if f.issue_code == code]
    assert matching, [(f.issue_code, f.message) for f in ex.findings]
    finding = matching[0]
    assert finding.is_blocking() and finding.check == "extraction"
    assert needle in finding.message
    assert finding.origin is not None and finding.origin.source == str(path)


def test_missing_path(tmp_path: Path) -> None:
    ex = extract_policies(tmp_path / "nope")
    assert [f.issue_code for f in ex.findings] == ["FILE_NOT_FOUND"]


def test_empty_directory(tmp_path: Path) -> None:
    assert [f.issue_code for f in extract_policies(tmp_path).findings] == ["NO_INPUT_FOUND"]


def test_file_size_limit(tmp_path: Path) -> None:
    from least_privilege_constructs.analysis.extract import ExtractionOptions

    path = tmp_path / "big.json"
    path.write_text(json.dumps({"Resources": {}, "Padding": "x" * 2000}))
    ex = extract_policies(path, ExtractionOptions(max_file_bytes=1000))
    assert [f.issue_code for f in ex.findings] == ["FILE_TOO_LARGE"]


def test_ten_megabyte_template(tmp_path: Path) -> None:
    statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": {"Fn::Sub": "arn:${AWS::Partition}:s3:::b/*"}}
    resources = {f"Policy{i}": {"Type": "AWS::IAM::ManagedPolicy",
                                "Properties": {"PolicyDocument": {"Version": "2012-10-17",
                                                                  "Statement": [statement] * 20}}}
                 for i in range(4500)}
    path = tmp_path / "big.template.json"
    path.write_text(json.dumps({"Resources": resources}))
    assert path.stat().st_size > 10_000_000
    ex = extract_policies(path)
    assert ex.findings == []
    assert len(ex.policies) == 4500


def test_self_including_nested_stack(tmp_path: Path) -> None:
    path = tmp_path / "loop.json"
    path.write_text(json.dumps({"Resources": {"Self": {"Type": "AWS::CloudFormation::Stack",
                                                       "Properties": {"TemplateURL": "loop.json"}}}}))
    ex = extract_policies(path)
    assert [f.issue_code for f in ex.findings] == ["CIRCULAR_REFERENCE"]


def test_stack_set_with_broken_inline_body(tmp_path: Path) -> None:
    path = tmp_path / "ss.json"
    path.write_text(json.dumps({"Resources": {"SS": {"Type": "AWS::CloudFormation::StackSet",
                                                     "Properties": {"TemplateBody": "{not json: ["}}}}))
    ex = extract_policies(path)
    assert [f.issue_code for f in ex.findings] == ["INVALID_YAML"]
    assert ex.findings[0].origin is not None and ex.findings[0].origin.json_path == "Resources.SS.Properties.TemplateBody"


def test_unresolved_values_are_listed_on_the_policy(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"Resources": {"P": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
        "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": {"Ref": "Missing"}}]}}}}}))
    ex = extract_policies(path)
    assert ex.policies[0].unresolved == [["Statement", 0, "Resource"]]
    assert ex.findings[0].locations == [["Statement", 0, "Resource"]]


# --- hypothesis: arbitrary templates never crash -------------------------------------------------------------

_names = st.sampled_from(["A", "B", "Role", "Bucket", "Env", "AWS::AccountId", "AWS::NoValue", "Missing"])
_leaf = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.text(max_size=8), _names)


def _intrinsic(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.builds(lambda n: {"Ref": n}, st.one_of(_names, children)),
        st.builds(lambda a, b: {"Fn::GetAtt": [a, b]}, _names, st.one_of(st.sampled_from(["Arn", "X"]), children)),
        st.builds(lambda s: {"Fn::Sub": s}, st.one_of(st.sampled_from(["${A}", "${B.Arn}", "${!x}", "${AWS::Region}"]),
                                                     children)),
        st.builds(lambda d, xs: {"Fn::Join": [d, xs]}, st.one_of(st.text(max_size=2), children), children),
        st.builds(lambda i, xs: {"Fn::Select": [i, xs]}, st.one_of(st.integers(-1, 3), children), children),
        st.builds(lambda c, a, b: {"Fn::If": [c, a, b]}, st.one_of(st.sampled_from(["C", "D", "Nope"]), children),
                  children, children),
        st.builds(lambda x: {"Fn::ImportValue": x}, children),
        st.builds(lambda x: {"Fn::FindInMap": x}, children),
        st.builds(lambda x: {"Fn::Split": x}, children),
        st.builds(lambda x: {"Fn::Base64": x}, children),
        st.builds(lambda x: {"Fn::Cidr": x}, children),
    )


_value = st.recursive(_leaf, lambda children: st.one_of(
    st.lists(children, max_size=3), st.dictionaries(st.text(max_size=5), children, max_size=3), _intrinsic(children)),
    max_leaves=12)

_types = st.sampled_from(["AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::User",
                          "AWS::IAM::Group", "AWS::S3::BucketPolicy", "AWS::Lambda::Permission", "AWS::KMS::Key",
                          "AWS::Events::EventBusPolicy", "AWS::Organizations::Policy", "AWS::CloudFormation::StackSet",
                          "AWS::CloudFormation::Stack", "AWS::S3::Bucket", "Custom::X", "AWS::DynamoDB::GlobalTable"])
_props = st.dictionaries(
    st.sampled_from(["RoleName", "PolicyDocument", "AssumeRolePolicyDocument", "Policies", "ManagedPolicyArns",
                     "PermissionsBoundary", "Roles", "Users", "Groups", "KeyPolicy", "FunctionName", "Principal",
                     "Content", "Type", "TemplateBody", "TemplateURL", "Parameters", "Statement", "Replicas",
                     "Path", "BucketName"]),
    _value, max_size=5)
_resource = st.fixed_dictionaries({"Type": _types}, optional={"Properties": st.one_of(_props, _value),
                                                                "Condition": st.sampled_from(["C", "D", "Nope"])})
_template = st.fixed_dictionaries(
    {"Resources": st.dictionaries(_names, st.one_of(_resource, _value), max_size=4)},
    optional={"Conditions": st.dictionaries(st.sampled_from(["C", "D"]), _value, max_size=2),
              "Parameters": st.dictionaries(_names, st.one_of(_value, st.fixed_dictionaries({"Default": _value})),
                                            max_size=2),
              "Outputs": st.dictionaries(_names, st.fixed_dictionaries({"Value": _value, "Export": _value}), max_size=2),
              "Mappings": _value})


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_template)
def test_arbitrary_templates_never_crash(template: dict[str, Any]) -> None:
    extractor = Extractor()
    extractor.add_template(template, source="h.json", stack="H", stack_name="H", account="123456789012",
                           region="us-east-1", kind="template", base_dir=None, assets=None, parameters={})
    ex = extractor.finish()
    json.dumps(ex.to_dict(), default=str)
    assert all(f.check == "extraction" for f in ex.findings)
    assert not any(f.issue_code == "EXTRACTION_FAILED" for f in ex.findings), [f.message for f in ex.findings]


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_never_crash(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    path = tmp_path_factory.mktemp("bytes") / "t.yaml"
    path.write_bytes(data)
    ex = extract_policies(path)
    assert all(f.origin is not None and f.origin.source == str(path) for f in ex.findings)
