"""Extraction over the corpus of real-world-shaped templates in tests/data/templates (Rain modules, SAM,
Serverless Framework, Fn::ForEach and other language extensions, nested stacks and StackSets, CDK-,
Troposphere- and console-generated templates, and shapes written by mistake): every template is read, every
unexpected shape is a located extraction finding, and nothing ends in an internal error - neither on the
templates as written nor on mutations that put a wrong type anywhere in them (hypothesis)."""

from __future__ import annotations

import copy
import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from least_privilege_constructs.analysis.extract import Extraction, Extractor, extract_policies
from least_privilege_constructs.analysis.extract.loader import load_file
from least_privilege_constructs.analysis.validate import CHECK_FAILED, validate_policy
from least_privilege_constructs.cli.main import main

TEMPLATES = Path(__file__).resolve().parents[2] / "data" / "templates"
ALL = sorted(p for p in TEMPLATES.iterdir() if p.suffix in (".json", ".yaml"))


def _codes(ex: Extraction) -> set[str]:
    return {f.issue_code for f in ex.findings}


def _located(ex: Extraction, code: str) -> list[str]:
    return [str(f.origin.json_path) for f in ex.findings if f.issue_code == code and f.origin is not None]


def _policy_ids(ex: Extraction) -> set[str]:
    return {str(p.origin.logical_id) for p in ex.policies}


def test_the_corpus_covers_the_shapes_people_write():
    assert {p.name for p in ALL} >= {
        "rain-module.yaml", "rain-module-constants.yaml", "sam-function.yaml", "serverless-framework.json",
        "foreach-language-extensions.yaml", "nested-parent.yaml", "nested-child.yaml", "cdk-generated.json",
        "troposphere-generated.json", "console-generated.yaml", "odd-shapes.yaml",
    }


@pytest.mark.parametrize("path", ALL, ids=[p.name for p in ALL])
def test_every_template_is_extracted_without_internal_error(path: Path, capsys: pytest.CaptureFixture[str]):
    ex = extract_policies(path)
    assert "EXTRACTION_FAILED" not in _codes(ex), [f.message for f in ex.findings]
    for finding in ex.findings:
        assert finding.check == "extraction" and finding.is_blocking()
        assert finding.origin is not None and finding.origin.source
    code = main(["extract", str(path)])
    err = capsys.readouterr().err
    assert code in (0, 2) and "internal error" not in err, err


def test_rain_modules_are_located_findings_and_the_rest_is_analysed():
    ex = extract_policies(TEMPLATES / "rain-module.yaml")
    assert sorted(_located(ex, "UNSUPPORTED_TEMPLATE_CONSTRUCT")) == [
        "Resources.Logs.Type", "Resources.Metrics.Type", "Resources.Site.Type"]
    assert "rain pkg" in next(f.message for f in ex.findings if f.issue_code == "UNSUPPORTED_TEMPLATE_CONSTRUCT")
    assert _policy_ids(ex) == {"Uploader"}
    ex = extract_policies(TEMPLATES / "rain-module-constants.yaml")
    assert _located(ex, "UNSUPPORTED_TEMPLATE_CONSTRUCT") == ["Resources.Worker.Type"]
    assert "QueuePolicy" in _policy_ids(ex)


def test_transforms_are_reported_and_plain_resources_still_analysed():
    sam = extract_policies(TEMPLATES / "sam-function.yaml")
    assert _located(sam, "UNSUPPORTED_TRANSFORM") == ["Transform"]
    assert "ReportsRole" in _policy_ids(sam)
    foreach = extract_policies(TEMPLATES / "foreach-language-extensions.yaml")
    assert _located(foreach, "UNRESOLVABLE_INTRINSIC")[0] == "Resources.Fn::ForEach::TeamRoles"
    assert "UNSUPPORTED_TRANSFORM" not in _codes(foreach)  # AWS::LanguageExtensions is understood
    assert {"AuditPolicy", "JsonPolicy"} <= _policy_ids(foreach)


def test_nested_stacks_and_stack_sets_are_followed():
    ex = extract_policies(TEMPLATES / "nested-parent.yaml")
    assert {"AppRole", "AuditRole"} <= _policy_ids(ex)
    assert {t.kind for t in ex.templates} >= {"template", "stack-set"}


def test_generated_templates_yield_their_policies():
    cdk = extract_policies(TEMPLATES / "cdk-generated.json")
    assert {"HandlerServiceRoleFCDC14AE", "HandlerServiceRoleDefaultPolicyCBD0CC91"} <= _policy_ids(cdk)
    paths = {p.origin.construct_path for p in cdk.policies}
    assert "OrdersStack/Handler/ServiceRole/DefaultPolicy/Resource" in paths
    tropo = extract_policies(TEMPLATES / "troposphere-generated.json")
    assert {"WorkerRole", "WorkerPolicy"} <= _policy_ids(tropo)
    console = extract_policies(TEMPLATES / "console-generated.yaml")
    assert {"IAMManagedPolicyPolicyreadonlybilling", "IAMRoleBillingreader", "S3BucketPolicyLogs"} <= _policy_ids(console)
    sls = extract_policies(TEMPLATES / "serverless-framework.json")
    assert {"IamRoleLambdaExecution", "ServerlessDeploymentBucketPolicy"} <= _policy_ids(sls)


def test_wrong_types_are_located():
    ex = extract_policies(TEMPLATES / "odd-shapes.yaml")
    located = _located(ex, "UNSUPPORTED_TEMPLATE_CONSTRUCT")
    assert {"Resources.NumberType.Type", "Resources.ListType.Type", "Resources.NoType.Type"} <= set(located)
    assert "EXTRACTION_FAILED" not in _codes(ex)


# --- hypothesis: wrong types at every level of the real templates --------------------------------------------

_LOADED = {p.name: load_file(p) for p in ALL}


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*prefix, index))


_scalar = st.one_of(st.none(), st.booleans(), st.integers(-2, 2), st.floats(allow_nan=False, width=16),
                    st.sampled_from(["", "*", "AWS::IAM::Role", "${AWS::Region}", "Fn::GetAtt", "{", "arn:aws:s3:::b"]))
_wrong = st.recursive(
    _scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(["Type", "Properties", "Ref", "Fn::Sub", "Fn::GetAtt", "Fn::If", "Fn::Join",
                                         "Fn::ForEach::X", "Fn::Transform", "$Module", "Statement", "Condition"]),
                        inner, max_size=3),
    ),
    max_leaves=6,
)
_mutation = st.tuples(st.integers(min_value=0), _wrong, st.booleans())


def _mutate(template: Any, mutations: list[tuple[int, Any, bool]]) -> Any:
    doc = copy.deepcopy(template)
    for pick, value, as_new_key in mutations:
        paths = list(_paths(doc))
        path = paths[pick % len(paths)]
        if not path:
            doc = value
            continue
        parent = doc
        for step in path[:-1]:
            parent = parent[step]
        if as_new_key and isinstance(parent, dict) and isinstance(value, str):
            parent[value or "Fn::ForEach::Empty"] = copy.deepcopy(parent[path[-1]])
        else:
            parent[path[-1]] = value
    return doc


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(_LOADED)), st.lists(_mutation, min_size=1, max_size=3))
def test_mutated_templates_never_crash(name: str, mutations: list[tuple[int, Any, bool]]) -> None:
    template = _mutate(_LOADED[name], mutations)
    extractor = Extractor()
    extractor.add_template(template, source=name, stack="M", stack_name="M", account="123456789012",
                           region="us-east-1", kind="template", base_dir=TEMPLATES, assets=None, parameters={})
    ex = extractor.finish()
    json.dumps(ex.to_dict(), default=str)
    assert all(f.check == "extraction" and f.origin is not None for f in ex.findings)
    assert "EXTRACTION_FAILED" not in _codes(ex), [f.message for f in ex.findings if f.issue_code == "EXTRACTION_FAILED"]
    for policy in ex.policies:  # and the policies it extracted, however odd, validate without a check failing
        findings = validate_policy(policy.document, policy.policy_type, policy.resource_type)
        assert CHECK_FAILED not in {f.issue_code for f in findings}, [f.message for f in findings]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(_mutation, min_size=1, max_size=2))
def test_mutated_nested_stack_files_never_crash(tmp_path: Path, mutations: list[tuple[int, Any, bool]]) -> None:
    work = Path(tempfile.mkdtemp(dir=tmp_path))
    shutil.copy(TEMPLATES / "nested-parent.yaml", work / "nested-parent.yaml")
    (work / "nested-child.yaml").write_text(json.dumps(_mutate(_LOADED["nested-child.yaml"], mutations), default=str))
    ex = extract_policies(work / "nested-parent.yaml")
    assert "EXTRACTION_FAILED" not in _codes(ex), [f.message for f in ex.findings if f.issue_code == "EXTRACTION_FAILED"]


@pytest.mark.parametrize("command", ["extract", "validate", "escalation"])
def test_commands_over_the_whole_corpus_end_without_internal_error(command: str, capsys: pytest.CaptureFixture[str]):
    code = main([command, str(TEMPLATES)])
    out, err = capsys.readouterr()
    assert code in (0, 2) and "internal error" not in err, err
    assert "UNSUPPORTED_TEMPLATE_CONSTRUCT" in out or command == "escalation"
