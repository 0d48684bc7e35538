"""lpc refine and lpc collect end to end (refine on the fixture organization; collect against moto)."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest

from least_privilege_constructs.cli.main import main
from tests.analysis.refine.fixture_org import NOW, fixture_bundle


@pytest.fixture
def bundle_file(tmp_path: Path) -> Path:
    path = tmp_path / "evidence.json"
    path.write_text(json.dumps(fixture_bundle(5)))
    return path


def test_refine_writes_the_report_and_files(bundle_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    managed = tmp_path / "policies.jsonl"
    managed.write_text(json.dumps({"name": "AmazonSQSReadOnlyAccess", "version": "v3", "document": {
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["sqs:ListQueues"], "Resource": "*"}]}}) + "\n")
    out = tmp_path / "out"
    code = main(["refine", str(bundle_file), "-o", str(out), "--now", NOW, "--managed-policies", str(managed),
                 "--scp-allow-service", "braket", "--format", "json"])
    assert code == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["summary"]["roles"] == 15 and printed["summary"]["refined"] > 0
    report = json.loads((out / "report.json").read_text())
    assert report["roles"][0]["production"] is True
    assert all("braket" not in s["denied"] for s in report["serviceControlPolicies"])
    assert (out / "scps" / "scps.py").is_file() and list((out / "policies").rglob("*.json"))
    sqs = [p for r in report["roles"] for p in r["policies"] if p.get("replaces", "").endswith("AmazonSQSReadOnlyAccess")]
    assert sqs and all(p["reason"] != "POLICY_DOCUMENT_UNAVAILABLE" for p in sqs)


def test_refine_refuses_old_evidence_with_its_code(bundle_file: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["refine", str(bundle_file), "-o", str(tmp_path / "o"), "--now", "2027-03-01T00:00:00Z"]) == 1
    assert "[LPC-REFINE-002] generatedAt" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": "lpc-evidence-bundle", "version": 1, "accounts": []}))
    assert main(["refine", str(bad), "-o", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert "[LPC-REFINE-001]" in err and "'generatedAt' is a required property" in err
    assert main(["refine", str(bundle_file), "-o", str(tmp_path / "o"), "--window-days", "x"]) == 1


def test_refine_patches_name_the_construct(cdk_app_out: Path, tmp_path: Path) -> None:
    from least_privilege_constructs.analysis.refine.report import role_construct_paths

    paths = role_construct_paths(cdk_app_out)
    assert paths
    prefix, construct = sorted(paths.items())[0]
    bundle: dict[str, Any] = fixture_bundle(1)
    role = bundle["accounts"][0]["roles"][0]
    role["arn"] = f"arn:aws:iam::111111111111:role/{prefix}-A1B2C3D4E5F6" if "-" in prefix else \
        f"arn:aws:iam::111111111111:role/{prefix}"
    path = tmp_path / "evidence.json"
    path.write_text(json.dumps(bundle))
    assert main(["refine", str(path), "-o", str(tmp_path / "out"), "--now", NOW, "--cdk-out", str(cdk_app_out)]) == 0
    [patch] = list((tmp_path / "out" / "patches").glob("*.json"))
    assert json.loads(patch.read_text())["constructPath"] == construct


def test_collect_usage_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["collect", "-o", str(tmp_path / "b.json"), "--accounts", "111111111111"]) == 1
    assert "--accounts needs --role-name" in capsys.readouterr().err
    assert main(["collect", "-o", str(tmp_path / "b.json"), "--accounts", "1111"]) == 1
    assert main(["collect", "-o", str(tmp_path / "b.json"), "--analyzer-arn", "nope"]) == 1


@pytest.mark.moto
def test_collect_against_moto_records_what_moto_lacks(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    from moto.server import ThreadedMotoServer

    from tests.collect.conftest import make_client

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        endpoint = f"http://127.0.0.1:{port}"
        for key, value in {"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing",
                           "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}.items():
            monkeypatch.setenv(key, value)
        monkeypatch.delenv("AWS_PROFILE", raising=False)
        iam = make_client("iam", endpoint_url=endpoint)
        iam.create_role(RoleName="app", AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                    "Principal": {"Service": "lambda.amazonaws.com"}}]}))
        iam.create_user(UserName="ci")
        iam.put_role_policy(RoleName="app", PolicyName="app", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}))
        out = tmp_path / "bundle.json"
        assert main(["collect", "-o", str(out), "--max-attempts", "1"]) == 0
    finally:
        server.stop()
    bundle = json.loads(out.read_text())
    [account] = bundle["accounts"]
    assert account["credentialReport"]["rows"]
    # moto has no last-accessed jobs: the role is recorded as an error, not a crash
    if account["roles"]:
        assert account["roles"][0]["policies"][0]["document"]["Statement"][0]["Action"] == "s3:GetObject"
    else:
        assert any(e["entity"].endswith(":role/app") for e in account["errors"])
    assert "1 accounts" in capsys.readouterr().err
