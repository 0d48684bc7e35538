"""``lpc check-no-new-access``, ``check-access-not-granted``, ``check-no-public-access``: the AWS CLI's
arguments and JSON shape, exit codes 0 PASS / 2 FAIL (and UNKNOWN) / 1 error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from least_privilege_constructs.cli.main import main

OLD = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
NEW = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
    {"Sid": "Put", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}]}
PUBLIC = {"Version": "2012-10-17", "Statement": [
    {"Sid": "Public", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}
ORG_ONLY = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*",
     "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}}]}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else None), err


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    out = {}
    for name, doc in {"old": OLD, "new": NEW, "public": PUBLIC, "org": ORG_ONLY}.items():
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(doc))
        out[name] = f"file://{path}"
    return out


@pytest.mark.parametrize(
    "new,existing,code,result",
    [("new", "old", 2, "FAIL"), ("old", "new", 0, "PASS"), ("old", "old", 0, "PASS")],
    ids=["adds-access", "removes-access", "identical"],
)
def test_check_no_new_access(capsys, files, new: str, existing: str, code: int, result: str) -> None:
    rc, out, _ = run(capsys, "check-no-new-access", "--new-policy-document", files[new],
                     "--existing-policy-document", files[existing], "--policy-type", "IDENTITY_POLICY")
    assert rc == code and out["result"] == result
    assert set(out) == {"result", "message", "reasons"}
    if result == "FAIL":
        assert out["reasons"] == [{"description": "New access in the statement with index: 1.",
                                   "statementIndex": 1, "statementId": "Put"}]


def test_explain_adds_example_requests(capsys, files) -> None:
    rc, out, _ = run(capsys, "check-no-new-access", "--new-policy-document", files["new"],
                     "--existing-policy-document", files["old"], "--policy-type", "identity_policy", "--explain")
    assert rc == 2 and out["reasons"][0]["exampleRequest"]["action"] == "s3:PutObject"


@pytest.mark.parametrize(
    "access,code",
    [('{"actions": ["s3:PutObject"]}', 2), ('{"actions": ["s3:DeleteObject"]}', 0),
     ('[{"actions": ["s3:DeleteObject"]}, {"actions": ["s3:PutObject"], "resources": ["arn:aws:s3:::b/k"]}]', 2),
     ('{"resources": ["arn:aws:s3:::b/k"]}', 2)],
    ids=["granted", "not-granted", "list-of-entries", "resources-only"],
)
def test_check_access_not_granted(capsys, files, access: str, code: int) -> None:
    rc, out, _ = run(capsys, "check-access-not-granted", "--policy-document", files["new"], "--access", access)
    assert rc == code and out["result"] == ("FAIL" if code else "PASS")


def test_check_access_not_granted_many_actions(capsys, files, tmp_path: Path) -> None:
    access = tmp_path / "access.json"
    access.write_text(json.dumps({"actions": [f"ec2:Nope{i}" for i in range(250)] + ["s3:PutObject"]}))
    rc, out, _ = run(capsys, "check-access-not-granted", "--policy-document", files["new"], "--access", f"file://{access}")
    assert rc == 2 and out["reasons"][0]["statementIndex"] == 1


@pytest.mark.parametrize("policy,code", [("public", 2), ("org", 0)], ids=["public", "org-restricted"])
def test_check_no_public_access(capsys, files, policy: str, code: int) -> None:
    rc, out, _ = run(capsys, "check-no-public-access", "--policy-document", files[policy],
                     "--resource-type", "AWS::S3::Bucket")
    assert rc == code
    if code:
        assert out["reasons"][0]["statementId"] == "Public"


@pytest.mark.parametrize(
    "argv,message",
    [(["check-no-public-access", "--policy-document", "{}", "--resource-type", "AWS::S3::Bucket"], "missing Statement"),
     (["check-no-public-access", "--policy-document", "[1]", "--resource-type", "AWS::S3::Bucket"], "JSON object"),
     (["check-no-public-access", "--policy-document", "{}", "--resource-type", "AWS::EC2::Instance"], "invalid choice"),
     (["check-access-not-granted", "--policy-document", "{\"Statement\": []}", "--access", "{\"verbs\": []}"], "unknown key"),
     (["check-access-not-granted", "--policy-document", "{\"Statement\": []}", "--access", "{}"], "actions, resources"),
     (["check-no-new-access", "--new-policy-document", "file:///nonexistent.json", "--existing-policy-document", "{}",
       "--policy-type", "IDENTITY_POLICY"], "no such file"),
     (["check-no-new-access", "--new-policy-document", "{\"Statement\": {\"Effect\": \"Allow\"}}",
       "--existing-policy-document", "{\"Statement\": []}", "--policy-type", "IDENTITY_POLICY"], "Action and NotAction")],
    ids=["no-statement", "not-object", "bad-resource-type", "bad-access-key", "empty-access", "missing-file", "bad-statement"],
)
def test_errors_exit_1_with_one_line(capsys, argv: list[str], message: str) -> None:
    rc, _, err = run(capsys, *argv)
    assert rc == 1 and message in err and "Traceback" not in err


def test_undetermined_fails_closed(capsys, files) -> None:
    rc, out, _ = run(capsys, "check-no-new-access", "--new-policy-document", files["new"],
                     "--existing-policy-document", files["old"], "--policy-type", "IDENTITY_POLICY", "--timeout-ms", "0")
    assert rc == 2 and out["result"] == "FAIL" and out["determination"] == "UNKNOWN"
