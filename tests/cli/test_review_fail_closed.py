"""Fail closed on malformed input (independent review of issues 12, 15 and 16).

Each test: given an input a user can type or a file can hold, when the CLI reads it, then the run ends
with a clear error (exit code 1, a message naming the input), never a traceback.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from least_privilege_constructs.cli.main import main


@pytest.mark.parametrize(
    "arn",
    [
        "arn::analyzer/x",  # starts with arn: and holds :analyzer/, but has no region (split(":")[3] raised)
        "arn:aws:s3:::analyzer/x",  # not an access-analyzer ARN
        "arn:aws:access-analyzer::111122223333:analyzer/x",  # no region: the client cannot be built
    ],
)
def test_collect_rejects_analyzer_arns_without_a_region(
    arn: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # ARN format of an analyzer: arn:${Partition}:access-analyzer:${Region}:${Account}:analyzer/${AnalyzerName}
    # (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementaccessanalyzer.html)
    assert main(["collect", "-o", str(tmp_path / "b.json"), "--analyzer-arn", arn]) == 1
    err = capsys.readouterr().err
    assert "is not an analyzer ARN" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "document",
    [
        '{"Events": [{"EventId": "1", "CloudTrailEvent": "{bad json"}]}',  # aws cloudtrail lookup-events
        '{"EventId": "1", "CloudTrailEvent": "{bad json"}\n',  # the same event as JSON Lines
    ],
)
def test_generate_policy_names_an_embedded_event_that_is_not_json(
    document: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # lookup-events returns each event as a JSON string in CloudTrailEvent
    # (https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_Event.html); a string that is not
    # JSON was an "internal error: JSONDecodeError"
    trail = tmp_path / "events.json"
    trail.write_text(document, encoding="utf-8")
    code = main(["generate-policy", str(trail), "--session-issuer", "arn:aws:iam::111122223333:role/app",
                 "--no-progress", "-o", str(tmp_path / "policy.json")])
    err = capsys.readouterr().err
    assert code == 1
    assert "LPC-GEN-002" in err and "CloudTrailEvent of event '1' is not JSON" in err
    assert "internal error" not in err


def test_refine_keeps_a_policy_it_cannot_read_whole(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # a bundle that follows the schema but holds a policy whose Action is a number (IAM JSON policy grammar:
    # an action is a string, https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html)
    # was "internal error: PolicyError"; the policy is now kept whole, with the reason in the report
    import json

    from tests.analysis.refine.fixture_org import fixture_bundle

    bundle = fixture_bundle()
    role = bundle["accounts"][0]["roles"][0]
    role["policies"][0]["document"]["Statement"][0]["Action"] = 5
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    assert main(["refine", str(path), "--output-dir", str(tmp_path / "out")]) == 0
    assert "internal error" not in capsys.readouterr().err
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    text = json.dumps(report)
    assert "the policy cannot be read" in text
    assert "expected a string or a list of strings, got 5" in text
