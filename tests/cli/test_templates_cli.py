"""``lpc templates list|search|show|render|lint``: output, JSON shapes and exit codes."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import pytest
import yaml

from least_privilege_constructs.cli.commands import templates as cmd


def run(*argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="lpc")
    cmd.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["templates", *argv])
    out, err = io.StringIO(), io.StringIO()
    code = cmd.run(args, out, err)
    return code, out.getvalue(), err.getvalue()


def org_repo(tmp_path: Path, **overrides: object) -> Path:
    from tests.templates.helpers import minimal_template

    repo = tmp_path / "org"
    repo.mkdir(exist_ok=True)
    (repo / "reports.yaml").write_text(yaml.safe_dump(minimal_template(**overrides)))
    return repo


def test_list_text_and_filters() -> None:
    code, out, _ = run("list", "--audience", "developer")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["ID", "VERSION", "AUDIENCE", "SERVICES"]
    assert {line.split()[0] for line in lines[1:]} == {
        "dev.s3-bucket-admin", "dev.dynamodb-table-admin", "dev.lambda-deploy", "dev.ecr-push",
        "dev.cloudformation-deploy", "dev.logs-log-group-admin", "dev.sqs-queue-admin", "dev.sns-topic-admin"}


def test_list_json_with_repository_and_override(tmp_path: Path) -> None:
    repo = org_repo(tmp_path, id="app.s3-read", title="ACME copy")
    code, out, _ = run("list", "--format", "json", "--service", "s3", "--repository", str(repo))
    assert code == 0
    data = json.loads(out)
    s3_read = next(t for t in data["templates"] if t["id"] == "app.s3-read")
    assert s3_read["title"] == "ACME copy" and s3_read["repository"] == "org"
    assert data["overrides"] == [{"ref": "app.s3-read@1.0.0", "replaced": "builtin:application/s3-read.yaml",
                                  "by": "org:reports.yaml"}]
    _, text, _ = run("list", "--repository", str(repo))
    assert "note: app.s3-read@1.0.0 from org:reports.yaml overrides builtin:application/s3-read.yaml" in text


def test_search() -> None:
    code, out, _ = run("search", "publish", "--audience", "application")
    assert code == 0
    # matches in the id or title rank first
    assert [line.split()[0] for line in out.splitlines()[1:]] == ["app.sns-publish", "app.eventbridge-put-events"]
    _, out, _ = run("search", "zzz-nothing")
    assert "(no templates match)" in out


def test_show_yaml_and_json() -> None:
    code, out, _ = run("show", "app.sqs-send@1")
    assert code == 0
    data = yaml.safe_load(out)
    assert data["id"] == "app.sqs-send" and data["versions"] == ["1.0.0"]
    assert data["provenance"] == {"repository": "builtin", "path": "application/sqs-send.yaml"}
    assert data["example_parameters"] == {"queue_arn": "arn:aws:sqs:us-east-1:123456789012:example-queue"}
    code, out, _ = run("show", "app.sqs-send", "--format", "json")
    assert json.loads(out)["statements"][0]["Resource"] == "{{queue_arn}}"


def test_render_with_params_and_context() -> None:
    code, out, _ = run("render", "app.cloudwatch-logs-write", "--param", "log_group_name=/app/x",
                       "--account", "111122223333", "--region", "eu-west-1")
    assert code == 0
    doc = json.loads(out)
    assert doc["Statement"][0]["Resource"] == "arn:aws:logs:eu-west-1:111122223333:log-group:/app/x:log-stream:*"


def test_render_list_parameter_repeated_and_json(tmp_path: Path) -> None:
    q = "arn:aws:sqs:eu-west-1:111122223333:orders"
    a, b = "arn:aws:iam::444455556666:role/app/producer", "arn:aws:iam::777788889999:root"
    code, out, _ = run("render", "res.sqs-queue-named-principals", "-p", f"queue_arn={q}",
                       "-p", f"sender_arns={a}", "-p", f"sender_arns={b}", "--with-metadata")
    assert code == 0
    data = json.loads(out)
    assert data["document"]["Statement"][0]["Principal"] == {"AWS": [a, b]}
    assert data["metadata"]["template"] == "res.sqs-queue-named-principals"
    assert data["metadata"]["parameters"]["sender_arns"] == [a, b]
    params = tmp_path / "p.yaml"
    params.write_text(yaml.safe_dump({"queue_arn": q, "sender_arns": [a]}))
    code, out, _ = run("render", "res.sqs-queue-named-principals", "--params-file", str(params))
    assert json.loads(out)["Statement"][0]["Principal"] == {"AWS": [a]}


def test_render_example() -> None:
    code, out, _ = run("render", "dev.lambda-deploy", "--example")
    assert code == 0
    assert "role/app/*" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["render", "app.s3-read"], "template app.s3-read@1.0.0: parameter 'bucket_name': missing required"),
        (["render", "app.s3-read", "-p", "bucket_name=Bad_"], "parameter 'bucket_name': expected an S3 bucket name"),
        (["render", "app.s3-read", "-p", "bucket"], "--param expects NAME=VALUE"),
        (["render", "app.s3-read", "-p", "nope=1"], "parameter 'nope': unknown parameter"),
        (["show", "app.nope"], "no template 'app.nope'"),
        (["show", "app.s3-read@7"], "no version of app.s3-read matches 7"),
        (["list", "--repository", "/nonexistent/templates"], "is not a directory"),
    ],
    ids=["missing-param", "bad-param", "bad-pair", "unknown-param", "unknown-template", "unknown-version",
         "missing-repo"],
)
def test_errors_exit_1_with_a_clear_message(argv: list[str], message: str) -> None:
    code, _, err = run(*argv)
    assert code == 1
    assert message in err
    assert err.startswith("lpc templates: error:")
    assert "Traceback" not in err


def test_bad_repository_file_exits_1(tmp_path: Path) -> None:
    repo = org_repo(tmp_path, statements=[{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "{{bucket}}"}])
    code, _, err = run("list", "--repository", str(repo))
    assert code == 1
    assert "org:reports.yaml: template acme.reports-read@1.0.0: statements[0].Resource: unknown placeholder" in err


def test_lint_builtin_passes() -> None:
    code, out, _ = run("lint")
    assert code == 0, out
    assert out.strip().endswith("template(s) linted, 0 failed")


def test_lint_failure_exits_2_with_findings(tmp_path: Path) -> None:
    repo = org_repo(tmp_path, statements=[{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutBucketAcl"],
                                           "Resource": "arn:aws:s3:::{{bucket_name}}/*"}])
    code, out, _ = run("lint", "--no-builtin", "--repository", str(repo))
    assert code == 2
    assert "FAIL  acme.reports-read@1.0.0" in out
    assert "ERROR TEMPLATE_PERMISSIONS_MANAGEMENT at Statement[0].Action[1]" in out
    code, out, _ = run("lint", "acme.reports-read", "--repository", str(repo), "--format", "json")
    data = json.loads(out)
    assert code == 2 and data["failed"] == 1 and not data["results"][0]["ok"]


def test_lint_selected_templates() -> None:
    code, out, _ = run("lint", "app.s3-read", "app.sqs-send@1")
    assert code == 0
    assert "2 template(s) linted, 0 failed" in out


def test_render_cloudformation() -> None:
    code, out, _ = run("render", "app.cloudwatch-logs-write", "-p", "log_group_name=/x", "--cloudformation")
    assert code == 0
    assert json.loads(out)["Statement"][0]["Resource"] == {
        "Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/x:log-stream:*"
    }


def test_registered_in_lpc(capsys: pytest.CaptureFixture[str]) -> None:
    from least_privilege_constructs.cli.main import main

    assert main(["templates", "list", "--audience", "boundary"]) == 0
    assert "boundary.protect-boundary" in capsys.readouterr().out
    assert main(["templates", "show", "app.nope"]) == 1
    assert "no template 'app.nope'" in capsys.readouterr().err


def test_repositories_from_cdk_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from least_privilege_constructs.templates.catalog import ENV_VAR

    monkeypatch.delenv(ENV_VAR, raising=False)
    org_repo(tmp_path)
    (tmp_path / "cdk.json").write_text(json.dumps({"context": {"least-privilege": {"templateRepositories": ["org"]}}}))
    monkeypatch.chdir(tmp_path)
    code, out, _ = run("list", "--no-builtin")
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()[1:]] == ["acme.reports-read"]


def test_params_file_with_a_duplicate_key_exits_1(tmp_path: Path) -> None:
    params = tmp_path / "p.yaml"
    params.write_text("queue_arn: arn:aws:sqs:eu-west-1:111122223333:a\nqueue_arn: arn:aws:sqs:eu-west-1:111122223333:b\n")
    code, out, err = run("render", "res.sqs-queue-named-principals", "--params-file", str(params))
    assert code == 1 and out == ""
    assert f"{params}:2:1: duplicate key 'queue_arn' at queue_arn (first at line 1 column 1)" in err
    assert "Traceback" not in err
