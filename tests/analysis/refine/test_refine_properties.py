"""Property: whatever the policy and the evidence, the refined document is a subset of the original
(check_no_new_access PASS and the structural check), keeps every action that is not unused-confirmed, and
drops every unused-confirmed action no kept statement still grants."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from least_privilege_constructs.analysis.catalog import get_catalog
from least_privilege_constructs.analysis.iam import action_matches
from least_privilege_constructs.analysis.reasoning import check_no_new_access
from least_privilege_constructs.analysis.refine import Decision, LastAccessed, refine_document
from least_privilege_constructs.analysis.refine.bundle import parse_time
from least_privilege_constructs.analysis.refine.refine import structural_subset

START = parse_time("2026-09-01T00:00:00Z")
SERVICES = ("sqs", "sns", "kms")
PATTERNS = ["sqs:*", "sqs:Get*", "sqs:List*", "sns:*", "sns:Get*", "kms:Describe*", "kms:*crypt*", "sqs:SendMessage",
            "sns:Publish", "kms:Decrypt", "iam:PassRole", "s3:GetObject"]


def _actions(service: str) -> list[str]:
    return sorted(get_catalog().expand_action(f"{service}:*"))


@st.composite
def evidence(draw: Any) -> LastAccessed:
    services = []
    for service in SERVICES:
        state = draw(st.sampled_from(["absent", "never", "used"]))
        if state == "absent":
            continue
        entry: dict[str, Any] = {"ServiceNamespace": service}
        if state == "used":
            entry["LastAuthenticated"] = "2026-11-30T00:00:00Z"
            tracked = draw(st.lists(st.sampled_from(_actions(service)), max_size=12, unique=True))
            entry["TrackedActionsLastAccessed"] = [
                {"ActionName": a.split(":")[1], **({"LastAccessedTime": "2026-11-30T00:00:00Z"}
                                                   if draw(st.booleans()) else {})} for a in tracked]
        services.append(entry)
    return LastAccessed.from_api({"JobStatus": "COMPLETED", "JobType": "ACTION_LEVEL", "ServicesLastAccessed": services})


statement = st.fixed_dictionaries({
    "Effect": st.just("Allow"),
    "Action": st.lists(st.sampled_from(PATTERNS), min_size=1, max_size=4, unique=True),
    "Resource": st.sampled_from(["*", "arn:aws:sqs:eu-west-1:111122223333:q"]),
})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(statement, min_size=1, max_size=3), evidence())
def test_refinement_is_a_sound_subset(statements: list[dict[str, Any]], ev: LastAccessed) -> None:
    original = {"Version": "2012-10-17", "Statement": statements}
    refined, removed, decided = refine_document(original, lambda a: ev.decide(a, START))
    assert structural_subset(original, refined) is None
    if refined is not None:
        assert check_no_new_access(refined, original, "IDENTITY_POLICY").verdict.value == "PASS"
    kept_patterns = [p for s in (refined or {"Statement": []})["Statement"] for p in
                     (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])]
    for d in decided:
        if ":" not in d.action or not get_catalog().action_exists(d.action):
            continue
        granted = any(action_matches(p, d.action) for p in kept_patterns)
        if d.decision is Decision.UNUSED_CONFIRMED:
            assert not granted and d.action in removed
        else:
            assert granted, d
