"""``analysis.diff``: broadenings are reported, equivalent rewrites are not (given / when / then).

Semantics: CheckNoNewAccess (https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_CheckNoNewAccess.html),
permissions boundaries (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from least_privilege_constructs.analysis.catalog import get_catalog
from least_privilege_constructs.analysis.diff import diff_paths, render_diff

LAMBDA_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
BOUNDARY_DOC = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["s3:*", "sqs:*"], "Resource": "*"}]}


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def template(policy: dict[str, Any] | None = None, *, boundary: str | None = "Boundary",
             boundary_doc: dict[str, Any] | None = None, trust: dict[str, Any] | None = None,
             extra: dict[str, Any] | None = None) -> dict[str, Any]:
    role: dict[str, Any] = {"AssumeRolePolicyDocument": trust or LAMBDA_TRUST}
    if policy is not None:
        role["Policies"] = [{"PolicyName": "app", "PolicyDocument": policy}]
    resources: dict[str, Any] = {
        "Boundary": {"Type": "AWS::IAM::ManagedPolicy",
                     "Properties": {"PolicyDocument": boundary_doc or BOUNDARY_DOC}},
        "Other": {"Type": "AWS::IAM::ManagedPolicy",
                  "Properties": {"PolicyDocument": doc(allow("sqs:*"))}},
        "AppRole": {"Type": "AWS::IAM::Role", "Properties": role},
    }
    if boundary:
        role["PermissionsBoundary"] = {"Ref": boundary}
    resources.update(extra or {})
    return {"Resources": resources}


def run(tmp_path: Path, old: dict[str, Any], new: dict[str, Any]) -> Any:
    for name, content in (("old", old), ("new", new)):
        (tmp_path / name).mkdir(exist_ok=True)
        (tmp_path / name / "App.template.json").write_text(json.dumps(content))
    return diff_paths([str(tmp_path / "old" / "App.template.json")], [str(tmp_path / "new" / "App.template.json")])


def codes(result: Any) -> list[str]:
    return sorted(f.issue_code for f in result.broadening)


S3_RW = doc(allow(["s3:GetObject", "s3:PutObject"], ["arn:aws:s3:::b/*", "arn:aws:s3:::c/*"]))


# --- equivalent rewrites are not changes ------------------------------------------------------------
@pytest.mark.parametrize("rewrite", [
    pytest.param(doc(allow("s3:PutObject", ["arn:aws:s3:::c/*", "arn:aws:s3:::b/*"]),
                     allow("s3:GetObject", "arn:aws:s3:::b/*"), allow("s3:GetObject", "arn:aws:s3:::c/*")), id="split"),
    pytest.param(doc(allow(["s3:PutObject", "s3:GetObject"], ["arn:aws:s3:::c/*", "arn:aws:s3:::b/*"])), id="reordered"),
    pytest.param(doc(allow("s3:GetObject", "arn:aws:s3:::b/*"), allow(["s3:GetObject", "s3:PutObject"],
                     ["arn:aws:s3:::b/*", "arn:aws:s3:::c/*"], Sid="Dup")), id="redundant"),
])
def test_given_an_equivalent_rewrite_when_diffed_then_nothing_is_reported(tmp_path: Path, rewrite: Any) -> None:
    result = run(tmp_path, template(S3_RW), template(rewrite))
    assert result.exit_code == 0
    assert result.findings == []
    assert result.compared["principals"] == 1


def test_given_merged_statements_when_diffed_either_way_then_no_broadening(tmp_path: Path) -> None:
    split = doc(allow("s3:GetObject", "arn:aws:s3:::b/*"), allow("s3:GetObject", "arn:aws:s3:::c/*"))
    merged = doc(allow("s3:GetObject", ["arn:aws:s3:::b/*", "arn:aws:s3:::c/*"]))
    assert run(tmp_path, template(split), template(merged)).findings == []
    assert run(tmp_path, template(merged), template(split)).findings == []


def test_given_a_wildcard_and_its_expansion_when_diffed_then_no_broadening(tmp_path: Path) -> None:
    expanded = sorted(get_catalog().expand_action("s3:Get*"))
    assert len(expanded) > 20
    wildcard_to_list = run(tmp_path, template(doc(allow("s3:Get*"))), template(doc(allow(expanded))))
    assert wildcard_to_list.exit_code == 0 and wildcard_to_list.findings == []
    list_to_wildcard = run(tmp_path, template(doc(allow(expanded))), template(doc(allow("s3:Get*"))))
    assert list_to_wildcard.exit_code == 0
    # the wildcard also covers actions AWS adds later: a note, not a broadening
    assert [f.issue_code for f in list_to_wildcard.findings] == ["FUTURE_ACTIONS"]


# --- broadenings are reported ----------------------------------------------------------------------
def test_given_a_new_action_when_diffed_then_new_access_names_the_statement(tmp_path: Path) -> None:
    new = doc(allow("s3:GetObject", "arn:aws:s3:::b/*"), allow("s3:DeleteObject", "arn:aws:s3:::b/*"))
    result = run(tmp_path, template(doc(allow("s3:GetObject", "arn:aws:s3:::b/*"))), template(new))
    assert result.exit_code == 2
    assert codes(result) == ["NEW_ACCESS"]
    finding = result.broadening[0]
    assert finding.locations == [["Statement", 1]]
    assert finding.origin is not None and finding.origin.logical_id == "AppRole"
    assert "s3:deleteobject" in finding.message.lower()


def test_given_a_wider_resource_when_diffed_then_new_access(tmp_path: Path) -> None:
    result = run(tmp_path, template(doc(allow("s3:GetObject", "arn:aws:s3:::b/*"))),
                 template(doc(allow("s3:GetObject", "arn:aws:s3:::*"))))
    assert codes(result) == ["NEW_ACCESS"]


def test_given_narrowed_access_when_diffed_then_exit_0(tmp_path: Path) -> None:
    result = run(tmp_path, template(S3_RW), template(doc(allow("s3:GetObject", "arn:aws:s3:::b/*"))))
    assert result.exit_code == 0 and result.broadening == []


def test_given_the_boundary_removed_when_diffed_then_it_is_always_reported(tmp_path: Path) -> None:
    result = run(tmp_path, template(S3_RW), template(S3_RW, boundary=None))
    assert codes(result) == ["BOUNDARY_REMOVED"]
    assert result.exit_code == 2


def test_given_the_boundary_replaced_by_a_narrower_one_when_diffed_then_still_reported(tmp_path: Path) -> None:
    result = run(tmp_path, template(S3_RW), template(S3_RW, boundary="Other"))
    assert codes(result) == ["BOUNDARY_REPLACED"]
    assert "allows nothing the old one did not" in result.broadening[0].message


def test_given_the_boundary_document_widened_when_diffed_then_boundary_widened(tmp_path: Path) -> None:
    wider = doc(allow(["s3:*", "sqs:*", "iam:*"]))
    result = run(tmp_path, template(S3_RW), template(S3_RW, boundary_doc=wider))
    assert codes(result) == ["BOUNDARY_WIDENED"]
    assert result.broadening[0].origin is not None and result.broadening[0].origin.logical_id == "Boundary"


def test_given_a_new_trusted_account_when_diffed_then_trust_widened_with_the_principal(tmp_path: Path) -> None:
    trust = copy.deepcopy(LAMBDA_TRUST)
    trust["Statement"].append({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999988887777:root"},
                               "Action": "sts:AssumeRole"})
    result = run(tmp_path, template(S3_RW), template(S3_RW, trust=trust))
    assert codes(result) == ["NEW_TRUSTED_PRINCIPAL", "TRUST_WIDENED"]
    assert "AWS:arn:aws:iam::999988887777:root" in result.broadening[0].message + result.broadening[1].message


def test_given_a_trust_condition_dropped_when_diffed_then_trust_widened(tmp_path: Path) -> None:
    guarded = doc({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999988887777:root"},
                   "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"sts:ExternalId": "x-123"}}})
    open_ = copy.deepcopy(guarded)
    del open_["Statement"][0]["Condition"]
    result = run(tmp_path, template(S3_RW, trust=guarded), template(S3_RW, trust=open_))
    assert codes(result) == ["TRUST_WIDENED"]
    assert "conditions dropped" in result.broadening[0].message


def test_given_a_public_trust_when_diffed_then_new_public_access(tmp_path: Path) -> None:
    public = doc({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"})
    result = run(tmp_path, template(S3_RW), template(S3_RW, trust=public))
    assert "NEW_PUBLIC_ACCESS" in codes(result) and "TRUST_WIDENED" in codes(result)


def test_given_a_new_role_when_diffed_then_new_principal(tmp_path: Path) -> None:
    extra = {"Second": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": LAMBDA_TRUST}}}
    result = run(tmp_path, template(S3_RW), template(S3_RW, extra=extra))
    assert codes(result) == ["NEW_PRINCIPAL"]
    assert "no permissions boundary" in result.broadening[0].message
    removed = run(tmp_path, template(S3_RW, extra=extra), template(S3_RW))
    assert removed.exit_code == 0 and [f.issue_code for f in removed.findings] == ["PRINCIPAL_REMOVED"]


def test_given_an_attached_managed_policy_arn_when_diffed_then_it_fails_closed(tmp_path: Path) -> None:
    new = template(S3_RW)
    new["Resources"]["AppRole"]["Properties"]["ManagedPolicyArns"] = ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
    result = run(tmp_path, template(S3_RW), new)
    assert codes(result) == ["MANAGED_POLICY_ATTACHED"]


def _bucket(policy: dict[str, Any]) -> dict[str, Any]:
    return {"Bucket": {"Type": "AWS::S3::Bucket"},
            "BucketPolicy": {"Type": "AWS::S3::BucketPolicy", "Properties": {
                "Bucket": {"Ref": "Bucket"}, "PolicyDocument": policy}}}


def test_given_a_bucket_policy_made_public_when_diffed_then_new_public_access(tmp_path: Path) -> None:
    private = doc({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                   "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"})
    public = doc({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"})
    result = run(tmp_path, template(S3_RW, extra=_bucket(private)), template(S3_RW, extra=_bucket(public)))
    assert codes(result) == ["NEW_PUBLIC_ACCESS", "RESOURCE_POLICY_WIDENED"]
    same = run(tmp_path, template(S3_RW, extra=_bucket(private)), template(S3_RW, extra=_bucket(private)))
    assert same.findings == []
    added = run(tmp_path, template(S3_RW), template(S3_RW, extra=_bucket(public)))
    assert codes(added) == ["NEW_PUBLIC_ACCESS", "NEW_RESOURCE_POLICY"]


# --- outputs ---------------------------------------------------------------------------------------
def test_given_a_broadening_when_rendered_then_every_format_carries_it(tmp_path: Path) -> None:
    result = run(tmp_path, template(S3_RW), template(S3_RW, boundary=None))
    text = render_diff(result, "text")
    assert "BOUNDARY_REMOVED" in text and "Policy diff: 1 broadening change." in text
    data = json.loads(render_diff(result, "json"))
    assert data["diff"]["exitCode"] == 2 and data["BlockingFindings"][0]["issueCode"] == "BOUNDARY_REMOVED"
    sarif = json.loads(render_diff(result, "sarif"))
    assert sarif["runs"][0]["results"][0]["ruleId"] == "BOUNDARY_REMOVED"
    markdown = render_diff(result, "markdown")
    assert markdown.startswith("### Policy diff: 1 broadening change")
    assert "| :warning: | `BOUNDARY_REMOVED` |" in markdown
    with pytest.raises(ValueError, match="unknown diff format"):
        render_diff(result, "html")
