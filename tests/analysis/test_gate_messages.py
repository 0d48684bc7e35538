"""ACCESS_GRANTED names the principal and the sensitive actions its statement allows (issue 14: a finding names
the principal, action and resource it is about)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from least_privilege_constructs.analysis.findings import Finding, FindingType
from least_privilege_constructs.analysis.gate import _name_sensitive_actions

AA_TEXT = "The policy document grants access to perform one or more of the listed actions or resources."
SENSITIVE = ("iam:CreateUser", "iam:PassRole", "kms:PutKeyPolicy")


@dataclass
class _Principal:  # the extraction's principal, as far as the message needs it
    label: str


@dataclass
class _Policy:
    document: dict[str, Any]


@pytest.mark.parametrize(("statement", "named"), [
    ({"Effect": "Allow", "Action": "iam:Create*", "Resource": "*"}, ["iam:CreateUser"]),
    ({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}, ["kms:PutKeyPolicy"]),
    ({"Effect": "Allow", "Action": ["IAM:passrole", "s3:GetObject"], "Resource": "*"}, ["iam:PassRole"]),
])
def test_access_granted_names_the_actions(statement: dict[str, Any], named: list[str]) -> None:
    # given Access Analyzer's ACCESS_GRANTED answer located at the statement
    finding = Finding(FindingType.ERROR, "ACCESS_GRANTED", AA_TEXT, locations=[["Statement", 0]],
                      check="check-access-not-granted")
    # when the gate words it
    out = _name_sensitive_actions(finding, SENSITIVE, _Principal("App/Worker/Resource"),
                                  _Policy({"Version": "2012-10-17", "Statement": [statement]}))
    # then it names the principal and the actions, Access Analyzer's text kept
    assert out.message == f"App/Worker/Resource is granted {', '.join(named)}. ({AA_TEXT})"
    assert out.details["actions"] == named


def test_a_listed_pattern_is_named_by_the_actions_the_statement_grants() -> None:
    # given a sensitive-actions setting with patterns (cloudtrail:Delete*) and a statement naming one such action
    finding = Finding(FindingType.ERROR, "ACCESS_GRANTED", AA_TEXT, locations=[["Statement", 0]],
                      check="check-access-not-granted")
    statement = {"Effect": "Allow", "Action": ["iam:CreateAccessKey", "cloudtrail:DeleteTrail"], "Resource": "*"}
    out = _name_sensitive_actions(finding, ("iam:CreateAccessKey", "cloudtrail:Delete*", "cloudtrail:Stop*"),
                                  _Principal("App/Worker/Resource"), _Policy({"Statement": [statement]}))
    # then the statement's action is named (before: only iam:CreateAccessKey, so an acknowledgment of that action
    # accepted deleting CloudTrail trails)
    assert out.details["actions"] == ["iam:CreateAccessKey", "cloudtrail:DeleteTrail"]


def test_an_unknown_statement_keeps_the_answer() -> None:
    finding = Finding(FindingType.ERROR, "ACCESS_GRANTED", AA_TEXT, locations=[["Statement", 3]])
    assert _name_sensitive_actions(finding, SENSITIVE, _Principal("P"), _Policy({"Statement": []})) == finding


def test_external_access_to_anyone_is_dropped_only_beside_public_access_to_the_same_statement() -> None:
    from least_privilege_constructs.analysis.findings import PolicyOrigin
    from least_privilege_constructs.analysis.gate import _drop_public_duplicates

    origin = PolicyOrigin(source="t.json", stack="S", logical_id="BP", json_path="Resources.BP.Properties.PolicyDocument")
    public = Finding(FindingType.ERROR, "PUBLIC_ACCESS", "m", locations=[["Statement", 0]], origin=origin)
    same = Finding(FindingType.SECURITY_WARNING, "EXTERNAL_PRINCIPAL", "m", locations=[["Statement", 0, "Principal"]],
                   origin=origin, details={"principals": ["*"]})
    other = Finding(FindingType.SECURITY_WARNING, "EXTERNAL_PRINCIPAL", "m", locations=[["Statement", 1, "Principal"]],
                    origin=origin, details={"principals": ["*"]})
    # statement 1 (anyone from a network range, say) is another mistake: kept, so that it blocks on its own
    assert _drop_public_duplicates([public, same, other]) == [public, other]
