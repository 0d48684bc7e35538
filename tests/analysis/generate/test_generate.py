"""generate_policy over the fixture trail: replay, denied and service calls not granted, concrete ARNs,
determinism, size split, validation, output formats, selection by principal and time window."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from least_privilege_constructs.analysis.generate import (
    GenerateError,
    OperationMapper,
    Selector,
    generate_policy,
    replay,
)
from least_privilege_constructs.analysis.generate.policy import (
    GeneratedPolicy,
    default_key_policy,
    iter_needs,
)
from least_privilege_constructs.analysis.generate.records import iter_records
from least_privilege_constructs.analysis.reasoning.evaluator import evaluate
from least_privilege_constructs.analysis.reasoning.policy_set import PolicySet
from least_privilege_constructs.analysis.reasoning.request import Request
from least_privilege_constructs.analysis.validate import validate_policy
from tests.data.cloudtrail.make_trail import ACCOUNT, APP_ROLE, LAMBDA_ROLE

SERVICES = {"s3", "dynamodb", "lambda", "sqs", "sns", "kms", "iam", "sts", "ec2", "logs", "secretsmanager", "ssm"}


def test_fixture_trail_is_realistic_and_large_enough(trail: Path) -> None:
    records = [r for _f, r in iter_records([trail])]
    assert len(records) >= 2000
    sources = {r["eventSource"].split(".")[0] for r in records}
    assert SERVICES <= sources
    assert sum(r.get("eventCategory") == "Data" for r in records) > 500
    assert sum("invokedBy" in r.get("userIdentity", {}) for r in records) > 20
    assert sum(str(r.get("errorCode", "")).startswith(("AccessDenied", "Client.Unauthorized")) for r in records) > 20
    for r in records[:50]:
        assert {"eventVersion", "userIdentity", "eventTime", "eventSource", "eventName", "awsRegion",
                "eventID", "eventType", "recipientAccountId"} <= set(r)


def test_replay_allows_every_allowed_event(trail: Path, generated: GeneratedPolicy) -> None:
    result = replay([trail], generated)
    assert result.allowed_events == generated.counts["allowed"] > 2000
    assert result.denied_events == [] and result.allowed_fraction == 1.0


def _decide(generated: GeneratedPolicy, action: str, arn: str, context: dict[str, str]) -> bool:
    ps = PolicySet.build(identity=generated.documents, resource=default_key_policy("aws", ACCOUNT)
                         if arn.startswith("arn:aws:kms:") else None)
    return evaluate(Request(APP_ROLE, action, arn, context), ps).allowed


def test_denied_and_service_invoked_calls_are_not_granted(trail: Path, generated: GeneratedPolicy) -> None:
    selector = Selector(APP_ROLE)
    checked = 0
    for kind, _event, needs in iter_needs([trail], selector, OperationMapper(), ("denied", "service-invoked")):
        for need in needs:
            assert not _decide(generated, need.action, need.resource.arn, need.context), (kind, need)
            checked += 1
    assert checked > 100
    missing = {m["action"] for m in generated.missing}
    assert {"s3:DeleteBucket", "iam:CreateUser", "ec2:TerminateInstances", "sns:DeleteTopic",
            "dynamodb:DeleteTable"} <= missing
    assert all(m["error_codes"] and m["event_ids"] for m in generated.missing)
    granted = {a for s in generated.statements for a in s["Action"]}
    assert "kms:ReEncryptFrom" not in granted and "cloudformation:UpdateStack" not in granted


def test_at_least_90_percent_of_resource_scoped_pairs_get_a_concrete_arn(trail: Path) -> None:
    pairs = concrete = 0
    for _kind, _event, needs in iter_needs([trail], Selector(APP_ROLE), OperationMapper()):
        for need in needs:
            if need.resource.arn == "*":
                continue
            pairs += 1
            concrete += need.resource.concrete
    assert pairs > 2000 and concrete / pairs >= 0.9, (concrete, pairs)


def test_pass_role_is_conditioned_on_the_calling_service(generated: GeneratedPolicy) -> None:
    passes = [s for s in generated.statements if s["Action"] == ["iam:PassRole"]]
    assert passes == [{"Sid": passes[0]["Sid"], "Effect": "Allow", "Action": ["iam:PassRole"], "Resource": [LAMBDA_ROLE],
                       "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}}]


def test_output_is_deterministic_and_independent_of_input_order(trail: Path, generated: GeneratedPolicy) -> None:
    files = sorted(trail.rglob("*.json.gz"))
    again = generate_policy(list(reversed(files)), principal=APP_ROLE)
    assert again.policy_json() == generated.policy_json()
    assert again.report()["statements"] == generated.report()["statements"]
    assert generate_policy([trail], principal=APP_ROLE).report_json() == generated.report_json()


def test_policy_validates_and_names_its_provenance(generated: GeneratedPolicy) -> None:
    text = generated.policy_json()
    assert "${" not in text
    for doc in generated.documents:
        assert not [f for f in validate_policy(doc, "IDENTITY_POLICY") if f.finding_type.value == "ERROR"]
    report = generated.report()
    for stmt in generated.statements:
        prov = report["statements"][stmt["Sid"]]
        assert prov["count"] > 0 and prov["event_ids"] and prov["first_seen"] <= prov["last_seen"]
        assert prov["mappings"] and all(" -> " in m for m in prov["mappings"])
    s3 = [m for p in report["statements"].values() for m in p["mappings"] if m.startswith("s3:ListObjects")]
    assert s3 and "using-with-s3-policy-actions" in s3[0]
    assert report["counts"]["service-invoked"] > 0 and report["counts"]["other-principal"] > 0
    assert report["counts"]["not-a-call"] == 1  # the Insights event


def test_split_under_the_size_limit_still_allows_everything(trail: Path) -> None:
    small = generate_policy([trail], principal=APP_ROLE, max_policy_size=1200)
    assert len(small.documents) > 1
    for doc in small.documents:
        assert len(json.dumps(doc, separators=(",", ":"))) <= 1200
    assert replay([trail], small).allowed_fraction == 1.0
    assert set(small.report()["statements"]) == {s["Sid"] for s in small.statements}


def test_folding_keeps_many_objects_under_a_prefix(trail: Path) -> None:
    unfolded = generate_policy([trail], principal=APP_ROLE, max_resources_per_group=0)
    objects = [r for s in unfolded.statements for r in s["Resource"] if r.startswith("arn:aws:s3:::orders-media")]
    assert len(objects) > 100 and not unfolded.folded
    folded = generate_policy([trail], principal=APP_ROLE, max_resources_per_group=25)
    assert folded.folded and all(f["arn"].endswith("/*") for f in folded.folded)
    assert replay([trail], unfolded).allowed_fraction == 1.0


def test_selection_by_session_issuer_session_arn_and_window(trail: Path, generated: GeneratedPolicy) -> None:
    by_issuer = generate_policy([trail], session_issuer=APP_ROLE)
    assert by_issuer.policy_json() == generated.policy_json()
    # a role ARN given without its path still matches the sessions (session ARNs carry no path) ...
    no_path = generate_policy([trail], principal=f"arn:aws:iam::{ACCOUNT}:role/order-processor")
    assert no_path.counts["allowed"] == generated.counts["allowed"]
    # ... but the session issuer must match exactly
    assert generate_policy([trail], session_issuer=f"arn:aws:iam::{ACCOUNT}:role/order-processor").counts.get(
        "allowed", 0) == 0
    window = generate_policy([trail], principal=APP_ROLE, start="2026-01-05T08:00:00Z", end="2026-01-05T09:00:00Z")
    assert 0 < window.counts["allowed"] < generated.counts["allowed"]
    assert window.counts["out-of-window"] > 0
    assert replay([trail], window).allowed_fraction == 1.0


@pytest.mark.parametrize("kwargs, code", [
    ({}, "LPC-GEN-003"),
    ({"principal": "order-processor"}, "LPC-GEN-003"),
    ({"principal": APP_ROLE, "start": "yesterday"}, "LPC-GEN-006"),
    ({"principal": APP_ROLE, "start": "2026-02-01T00:00:00Z", "end": "2026-01-01T00:00:00Z"}, "LPC-GEN-006"),
])
def test_bad_options_are_coded_errors(trail: Path, kwargs: dict[str, str], code: str) -> None:
    with pytest.raises(GenerateError) as err:
        generate_policy([trail], **kwargs)  # type: ignore[arg-type]
    assert err.value.code == code


def test_lookup_events_output_gives_the_same_policy(tmp_path: Path, trail: Path, generated: GeneratedPolicy) -> None:
    events = [{"EventId": r.get("eventID"), "EventName": r.get("eventName"), "CloudTrailEvent": json.dumps(r)}
              for _f, r in iter_records([trail])]
    (tmp_path / "lookup.json").write_text(json.dumps({"Events": events}))
    assert generate_policy([tmp_path / "lookup.json"], principal=APP_ROLE).policy_json() == generated.policy_json()


def test_template_and_cdk_outputs(generated: GeneratedPolicy) -> None:
    from least_privilege_constructs.analysis.templates.template import PolicyTemplate

    template = PolicyTemplate.from_dict(generated.template("app.orders-generated"))
    assert len(template.statements) == len(generated.statements)
    snippet = generated.cdk_snippet()
    compile(snippet, "snippet.py", "exec")
    assert snippet.count("iam.PolicyStatement(") == len(generated.statements)
    assert 'conditions={"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}' in snippet


def test_an_empty_trail_gives_an_empty_policy(tmp_path: Path) -> None:
    (tmp_path / "t.json.gz").write_bytes(gzip.compress(b'{"Records": []}'))
    result = generate_policy([tmp_path], principal=APP_ROLE)
    assert result.documents == [{"Version": "2012-10-17", "Statement": []}] and result.counts == {"records": 0}


def test_folding_widens_to_the_common_prefix_whatever_the_order() -> None:
    from least_privilege_constructs.analysis.generate.policy import Aggregator, Need
    from least_privilege_constructs.analysis.generate.resources import ResolvedResource

    keys = [f"logs/2026/0{m}/{d:02d}.json" for m in (1, 2) for d in range(1, 8)] + ["logs/2025/12/31.json"]
    results = []
    for order in (keys, list(reversed(keys))):
        agg = Aggregator(max_per_group=3)
        for i, k in enumerate(order):
            r = ResolvedResource(f"arn:aws:s3:::b/{k}", "object", (), "arn:aws:s3:::b/")
            agg.add(Need("s3:GetObject", r), f"2026-01-01T00:00:{i:02d}Z", str(i))
        results.append((sorted(agg.grants), sum(s.count for s in agg.grants.values()), agg.folded))
    assert results[0] == results[1]
    assert results[0][0] == [("s3:GetObject", "arn:aws:s3:::b/logs/*", "")]
    assert results[0][1] == len(keys) and results[0][2][("s3:GetObject", "arn:aws:s3:::b/logs/*", "")] >= 4


def test_failed_calls_can_be_left_out(trail: Path, generated: GeneratedPolicy) -> None:
    strict = generate_policy([trail], principal=APP_ROLE, include_failed=False)
    assert strict.counts["failed-left-out"] == generated.counts["allowed-with-error"] > 0
    assert "allowed-with-error" not in strict.counts
    assert replay([trail], strict).allowed_fraction == 1.0
