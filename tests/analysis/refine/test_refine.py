"""lpc refine on the fixture organization (3 accounts x 40 roles): every used action still allowed, every
refined policy proven a subset (check_no_new_access), no undetermined action removed, the guardrails."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from least_privilege_constructs.analysis.catalog import get_catalog
from least_privilege_constructs.analysis.iam import action_matches
from least_privilege_constructs.analysis.managed_policies import aws_managed_document
from least_privilege_constructs.analysis.reasoning import Request, check_no_new_access, evaluate
from least_privilege_constructs.analysis.refine import (
    Decision,
    LastAccessed,
    RefineError,
    RefineOptions,
    load_bundle,
    refine_bundle,
    refine_document,
)
from least_privilege_constructs.analysis.refine.bundle import parse_time
from least_privilege_constructs.analysis.refine.refine import RefineResult, structural_subset
from tests.analysis.refine.fixture_org import NOW, fixture_bundle

OPTIONS = RefineOptions(now=NOW)


@pytest.fixture(scope="module")
def bundle() -> dict[str, Any]:
    return fixture_bundle()


@pytest.fixture(scope="module")
def result(bundle: dict[str, Any]) -> RefineResult:
    return refine_bundle(bundle, OPTIONS)


def _roles(bundle: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["arn"]: r for a in bundle["accounts"] for r in a["roles"]}


def _statements(doc: dict[str, Any]) -> list[dict[str, Any]]:
    s = doc["Statement"]
    return s if isinstance(s, list) else [s]


def _list(v: Any) -> list[Any]:
    return v if isinstance(v, list) else [v]


def test_fixture_is_three_accounts_of_forty_roles(bundle: dict[str, Any], result: RefineResult) -> None:
    assert [len(a["roles"]) for a in bundle["accounts"]] == [40, 40, 40]
    assert len(result.roles) == 120
    statuses = [p.status for r in result.roles for p in r.policies]
    assert statuses.count("refined") >= 100  # most policies lose something provably unused


def test_every_used_action_is_still_allowed(bundle: dict[str, Any], result: RefineResult) -> None:
    roles = _roles(bundle)
    window_start = OPTIONS.window_start
    checked = 0
    for role in result.roles:
        used = LastAccessed.from_api(roles[role.arn]["lastAccessed"]).used_actions(window_start)
        for policy in role.policies:
            if policy.status != "refined":
                continue
            assert policy.original is not None and policy.refined is not None
            for action in used:
                for stmt in _statements(policy.original):
                    if stmt["Effect"] != "Allow" or not any(action_matches(p, action) for p in _list(stmt["Action"])):
                        continue
                    for resource in _list(stmt["Resource"]):
                        request = Request(role.arn, action, resource)
                        assert evaluate(request, policy.original).allowed
                        assert evaluate(request, policy.refined).allowed, (role.arn, action, resource)
                        checked += 1
    assert checked > 500


def test_every_refined_policy_is_proven_a_subset(result: RefineResult) -> None:
    refined = [(r, p) for r in result.roles for p in r.policies if p.status == "refined"]
    assert refined
    for role, policy in refined:
        assert policy.refined is not None and policy.original is not None
        verdict = check_no_new_access(policy.refined, policy.original, "IDENTITY_POLICY").verdict.value
        assert verdict == "PASS", (role.arn, policy.name)
        assert structural_subset(policy.original, policy.refined) is None


def test_only_unused_confirmed_actions_are_removed(result: RefineResult) -> None:
    removed_total = 0
    for role in result.roles:
        for policy in role.policies:
            by_action = {d.action.lower(): d for d in policy.decisions
                         if d.reason not in ("STATEMENT_OPTED_OUT", "NOT_ACTION_STATEMENT")}
            for action in policy.removed:
                assert by_action[action.lower()].decision is Decision.UNUSED_CONFIRMED
                removed_total += 1
            if policy.status == "refined":
                assert policy.refined is not None
                for d in policy.decisions:
                    if d.decision is not Decision.UNUSED_CONFIRMED and ":" in d.action and \
                            get_catalog().action_exists(d.action):
                        assert evaluate(Request(role.arn, d.action, "*"), policy.refined).allowed or any(
                            not _list(s.get("Resource")) == ["*"] for s in _statements(policy.refined)), d
                for action in policy.removed:  # and removed actions are really gone
                    assert not any(s["Effect"] == "Allow" and any(action_matches(p, action) for p in _list(s["Action"]))
                                   and not str(s.get("Sid", "")).startswith("LpcKeep")
                                   for s in _statements(policy.refined)), action
    assert removed_total > 1000


def test_guardrails_on_the_fixture(bundle: dict[str, Any], result: RefineResult) -> None:
    by_arn = {r.arn: r for r in result.roles}
    young = by_arn["arn:aws:iam::111111111111:role/app-39"]
    assert young.reason == "ROLE_YOUNGER_THAN_MINIMUM_AGE" and all(p.status == "undetermined" for p in young.policies)
    grace = [p for r in result.roles for p in r.policies if p.name == "new-grant"]
    assert grace and all(p.reason == "POLICY_CHANGED_IN_GRACE_PERIOD" and not p.removed for p in grace)
    managed = [p for r in result.roles for p in r.policies if p.replaces and "AmazonSQSReadOnlyAccess" in p.replaces]
    # the document comes from the packaged AWS managed policy snapshot; the fixture gives no change date
    snapshot = aws_managed_document("arn:aws:iam::aws:policy/AmazonSQSReadOnlyAccess")
    assert managed and all(p.status == "undetermined" and p.reason == "POLICY_CHANGE_DATE_UNKNOWN"
                           and p.original == snapshot for p in managed)
    for role in result.roles:
        for policy in role.policies:
            assert "iam:PassRole" not in policy.removed
            if policy.refined is not None:
                sids = [s.get("Sid") for s in _statements(policy.refined)]
                assert "NoDeletes" in sids  # Deny statements are kept
                if role.arn.endswith(("app-00", "app-05", "app-10")):
                    assert "LpcKeepBreakGlass" in sids
                    assert {"Sid": "LpcKeepBreakGlass", "Effect": "Allow", "Action": "sqs:DeleteQueue",
                            "Resource": "*"} in _statements(policy.refined)


def test_ranked_production_and_cross_account_first(result: RefineResult) -> None:
    ranked = result.ranked()
    assert ranked[0].production and ranked[0].cross_account
    first_non_prod = next(i for i, r in enumerate(ranked) if not r.production)
    assert all(r.production for r in ranked[:first_non_prod])
    assert not any(r.production for r in ranked[first_non_prod:])


def test_aws_managed_policy_becomes_a_customer_managed_replacement(bundle: dict[str, Any]) -> None:
    arn = "arn:aws:iam::aws:policy/AmazonSQSReadOnlyAccess"
    document = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:ListQueues"],
         "Resource": "*"}]}
    role = copy.deepcopy(bundle["accounts"][0]["roles"][0])
    role["policies"] = [{"kind": "aws-managed", "name": "AmazonSQSReadOnlyAccess", "arn": arn,
                         "modifiedAt": "2025-01-01T00:00:00Z"}]
    role["lastAccessed"]["ServicesLastAccessed"] = [
        {"ServiceNamespace": "sqs", "LastAuthenticated": "2026-11-30T00:00:00Z", "TrackedActionsLastAccessed": [
            {"ActionName": "ListQueues", "LastAccessedTime": "2026-11-30T00:00:00Z"}, {"ActionName": "GetQueueUrl"}]}]
    one = {**bundle, "accounts": [{**bundle["accounts"][0], "roles": [role]}]}
    # no document in the bundle: the packaged snapshot's; a policy the snapshot lacks stays undetermined
    from_snapshot = refine_bundle(one, OPTIONS).roles[0].policies[0]
    assert (from_snapshot.status, from_snapshot.replaces) == ("refined", arn)
    assert from_snapshot.original == aws_managed_document(arn)
    unknown = copy.deepcopy(one)
    unknown["accounts"][0]["roles"][0]["policies"][0].update(name="NotInTheSnapshot",
                                                             arn="arn:aws:iam::aws:policy/NotInTheSnapshot")
    without = refine_bundle(unknown, OPTIONS).roles[0].policies[0]
    assert (without.status, without.reason) == ("undetermined", "POLICY_DOCUMENT_UNAVAILABLE")
    [managed] = refine_bundle(one, OPTIONS, managed_documents={arn: {"document": document}}).roles[0].policies
    assert (managed.status, managed.kind, managed.name, managed.replaces) == (
        "refined", "customer-managed", "AmazonSQSReadOnlyAccess-refined", arn)
    assert managed.removed == ["sqs:GetQueueUrl"]
    assert managed.refined is not None
    assert managed.refined["Statement"][0]["Action"] == ["sqs:GetQueueAttributes", "sqs:ListQueues"]


def _doc(*actions: str, resource: str = "*") -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": resource}]}


EVIDENCE = LastAccessed.from_api({"JobStatus": "COMPLETED", "JobType": "ACTION_LEVEL", "ServicesLastAccessed": [
    {"ServiceNamespace": "s3", "LastAuthenticated": "2026-11-30T00:00:00Z", "TrackedActionsLastAccessed": [
        {"ActionName": "GetObject", "LastAccessedTime": "2026-11-30T00:00:00Z"},
        {"ActionName": "PutObject", "LastAccessedTime": "2025-01-01T00:00:00Z"},
        {"ActionName": "DeleteObject"}]},
    {"ServiceNamespace": "iam", "TrackedActionsLastAccessed": []},
    {"ServiceNamespace": "ec2"}]})
START = parse_time("2026-09-01T00:00:00Z")


@pytest.mark.parametrize(("action", "decision", "reason"), [
    ("s3:GetObject", "used", "USED_IN_WINDOW"),
    ("s3:PutObject", "unused-confirmed", "TRACKED_ACTION_NOT_USED"),
    ("s3:DeleteObject", "unused-confirmed", "TRACKED_ACTION_NOT_USED"),
    ("s3:ListBucket", "undetermined", "ACTION_NOT_TRACKED"),
    ("ec2:RunInstances", "unused-confirmed", "SERVICE_NOT_AUTHENTICATED"),
    ("iam:PassRole", "undetermined", "PASSROLE_NOT_NAMED_IN_EVIDENCE"),
    ("iam:CreateRole", "unused-confirmed", "SERVICE_NOT_AUTHENTICATED"),
    ("sqs:SendMessage", "undetermined", "SERVICE_NOT_IN_EVIDENCE"),
])
def test_decision_table(action: str, decision: str, reason: str) -> None:
    got = EVIDENCE.decide(action, START)
    assert (str(got.decision), got.reason) == (decision, reason)


def test_service_level_details_leave_used_services_undetermined() -> None:
    ev = LastAccessed.from_api({"JobStatus": "COMPLETED", "JobType": "SERVICE_LEVEL", "ServicesLastAccessed": [
        {"ServiceNamespace": "s3", "LastAuthenticated": "2026-11-30T00:00:00Z"}, {"ServiceNamespace": "sns"}]})
    assert ev.decide("s3:PutObject", START).decision is Decision.UNDETERMINED
    assert ev.decide("sns:Publish", START).decision is Decision.UNUSED_CONFIRMED


def test_wildcards_narrow_soundly() -> None:
    refined, removed, _ = refine_document(_doc("s3:*", "ec2:Describe*"), lambda a: EVIDENCE.decide(a, START))
    assert refined is not None
    actions = _list(refined["Statement"][0]["Action"])
    assert "s3:PutObject" in removed and "ec2:DescribeInstances" in removed
    assert not any(a.lower().startswith("ec2:") for a in actions)
    assert "s3:GetObject" in actions or any(action_matches(a, "s3:GetObject") for a in actions)
    assert not any(action_matches(a, "s3:PutObject") or action_matches(a, "s3:DeleteObject") for a in actions)
    assert check_no_new_access(refined, _doc("s3:*", "ec2:Describe*"), "IDENTITY_POLICY").verdict.value == "PASS"
    assert structural_subset(_doc("s3:*", "ec2:Describe*"), refined) is None


def test_unknown_action_and_not_action_are_kept() -> None:
    doc = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:NotARealAction", "ec2:RunInstances"], "Resource": "*"},
        {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}
    refined, removed, decided = refine_document(doc, lambda a: EVIDENCE.decide(a, START))
    assert removed == ["ec2:RunInstances"]
    assert refined is not None and refined["Statement"][0]["Action"] == "s3:NotARealAction"
    assert refined["Statement"][1] == doc["Statement"][1]
    assert {d.reason for d in decided} >= {"ACTION_NOT_IN_CATALOG", "NOT_ACTION_STATEMENT"}


def test_structural_subset_rejects_widening() -> None:
    assert structural_subset(_doc("s3:GetObject"), _doc("s3:Get*")) is not None
    assert structural_subset(_doc("s3:GetObject"), _doc("s3:GetObject", resource="arn:aws:s3:::b/*")) is not None
    deny = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}]}
    assert structural_subset(deny, None) is not None


def test_old_evidence_is_refused(bundle: dict[str, Any]) -> None:
    with pytest.raises(RefineError) as info:
        refine_bundle(bundle, RefineOptions(now="2027-01-15T00:00:00Z"))
    assert info.value.code == "LPC-REFINE-002"
    stale = copy.deepcopy(bundle)
    stale["generatedAt"] = NOW
    stale["accounts"][0]["roles"][0]["lastAccessed"]["JobCompletionDate"] = "2026-10-01T00:00:00Z"
    with pytest.raises(RefineError, match=r"LPC-REFINE-002.*app-00"):
        refine_bundle(stale, RefineOptions(now=NOW))


def test_bad_options_and_bundles_have_codes(tmp_path: Any) -> None:
    with pytest.raises(RefineError, match="LPC-REFINE-003"):
        RefineOptions(window_days=500)
    with pytest.raises(RefineError, match="LPC-REFINE-006"):
        RefineOptions(grace_period_days=-1)
    bad = tmp_path / "b.json"
    bad.write_text('{"format": "lpc-evidence-bundle",')
    with pytest.raises(RefineError, match=r"LPC-REFINE-001.*b.json: not valid JSON \(line 1"):
        load_bundle(bad)
    bundle = fixture_bundle(1)
    bundle["accounts"][1]["roles"][0]["policies"][0]["kind"] = "group"
    with pytest.raises(RefineError, match=r"\$\.accounts\[1\]\.roles\[0\]\.policies\[0\]\.kind"):
        load_bundle(bundle)


def test_size_limit_keeps_the_original() -> None:
    # "*" narrowed to hundreds of explicit actions would exceed the managed-policy quota: kept whole
    from least_privilege_constructs.analysis.refine.refine import refine_role

    evidence = {"JobStatus": "COMPLETED", "JobType": "ACTION_LEVEL", "ServicesLastAccessed": [
        {"ServiceNamespace": s, "LastAuthenticated": "2026-11-30T00:00:00Z",
         "TrackedActionsLastAccessed": [{"ActionName": a.split(":")[1]} for a in
                                        sorted(get_catalog().expand_action(f"{s}:*"))[::2]]}
        for s in ("ec2", "iam", "s3", "sagemaker")]}
    role = {"arn": "arn:aws:iam::111122223333:role/admin", "createDate": "2024-01-01T00:00:00Z",
            "lastAccessed": evidence, "policies": [{"kind": "customer-managed", "name": "admin",
                                                     "modifiedAt": "2024-01-01T00:00:00Z",
                                                     "document": _doc("ec2:*", "iam:*", "s3:*", "sagemaker:*")}]}
    result = refine_role(role, {"accountId": "111122223333"}, RefineOptions(now=NOW))
    [policy] = result.policies
    assert policy.status == "undetermined" and policy.reason == "REFINED_POLICY_OVER_SIZE_LIMIT"


def test_prove_option_runs_the_solver(bundle: dict[str, Any]) -> None:
    one = {**bundle, "accounts": [{**bundle["accounts"][1], "roles": bundle["accounts"][1]["roles"][:3]}]}
    result = refine_bundle(one, RefineOptions(now=NOW, prove=True))
    assert [p.status for r in result.roles for p in r.policies].count("refined") >= 2
