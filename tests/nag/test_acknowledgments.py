"""Acknowledgment matching: exact finding, whole rule, namespaces, blank reasons (pure)."""

from __future__ import annotations

import pytest

from least_privilege_constructs.analysis.rules.acknowledgments import Acknowledgments, normalize_ack_id


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ("Annotation::LP-IAM4", "LP-IAM4"),
        ("annotation::LP-IAM4[Resource::*]", "LP-IAM4[Resource::*]"),
        ("LeastPrivilegeChecks::LP-IAM4", "LP-IAM4"),
        ("Annotation::AwsSolutions-IAM5", None),
        ("AwsSolutions::AwsSolutions-IAM5[Action::s3:*]", None),
    ],
    ids=["annotation-prefix", "lower-case-prefix", "plugin-namespace", "other-pack", "other-namespace"],
)
def test_normalize(stored: str, expected: str | None) -> None:
    assert normalize_ack_id(stored) == expected


def test_exact_and_whole_rule() -> None:
    acks = Acknowledgments.from_entries([{"Annotation::LP-IAM3[Action::kms:CreateGrant]": "grants for EBS"},
                                         {"LeastPrivilegeChecks::LP-IAM4": "legacy roles"}])
    assert acks.lookup("LP-IAM3", "LP-IAM3[Action::kms:CreateGrant]") == ("LP-IAM3[Action::kms:CreateGrant]",
                                                                         "grants for EBS")
    assert acks.lookup("LP-IAM3", "LP-IAM3[Action::iam:*]") is None
    assert acks.lookup("LP-IAM4", "LP-IAM4[Resource::*]") == ("LP-IAM4", "legacy roles")


def test_blank_reason_is_reported_not_honoured() -> None:
    acks = Acknowledgments.from_entries([{"Annotation::LP-IAM4": "  "}])
    assert acks.lookup("LP-IAM4", "LP-IAM4[Resource::*]") == ("LP-IAM4", "")


def test_a_reasoned_acknowledgment_wins_over_a_blank_one() -> None:
    # nearest construct first: the resource acknowledges without reason, its stack with one
    acks = Acknowledgments.from_entries([{"Annotation::LP-IAM4[Resource::*]": ""}, {"Annotation::LP-IAM4": "why"}])
    assert acks.lookup("LP-IAM4", "LP-IAM4[Resource::*]") == ("LP-IAM4", "why")
    acks = Acknowledgments.from_entries([{"Annotation::LP-IAM4": ""}, {"Annotation::LP-IAM4": "why"}])
    assert acks.lookup("LP-IAM4", "LP-IAM4[Resource::*]") == ("LP-IAM4", "why")
