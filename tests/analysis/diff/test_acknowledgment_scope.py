"""Which principals and policies a change adds or changes, and the acknowledgments covering them (issue 20,
review2): the same lookup as the gate's, against OLD from an assembly or from the deployed templates."""

from __future__ import annotations

from typing import Any

import pytest

from least_privilege_constructs.analysis.acknowledgments import Acknowledgments
from least_privilege_constructs.analysis.diff.acknowledgments import (
    ACKNOWLEDGMENT_APPLIES,
    applying_acknowledgments,
    changed_targets,
)
from least_privilege_constructs.analysis.diff.deployed import DeployedStack, extract_deployed

STACK = DeployedStack("App", "App", "111122223333", "eu-west-1")
ACK = "LeastPrivilege-PolicyValidation::ACCESS_GRANTED"


def template(**roles: tuple[str, list[str]]) -> dict[str, Any]:
    """A template of roles: logical id -> (construct path, actions)."""
    return {"Resources": {logical_id: {"Type": "AWS::IAM::Role", "Metadata": {"aws:cdk:path": path}, "Properties": {
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
        "Policies": [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": actions, "Resource": "*"}]}}]}}
        for logical_id, (path, actions) in roles.items()}}


@pytest.mark.parametrize("deployed, head, expected", [
    (None, template(Api=("App/Api/Resource", ["s3:GetObject"])), [("App/Api/Resource", "added")]),  # not deployed
    (template(Api=("App/Api/Resource", ["s3:GetObject"])), template(Api=("App/Api/Resource", ["s3:GetObject"])), []),
    (template(Api=("App/Api/Resource", ["s3:GetObject"])), template(Api=("App/Api/Resource", ["s3:PutObject"])),
     [("App/Api/Resource", "changed")]),
    # the same role moved under another construct path (metadata is the commit's too)
    (template(Api=("App/Api/Resource", ["s3:GetObject"])), template(Api=("App/Legacy/Resource", ["s3:GetObject"])),
     [("App/Legacy/Resource", "changed")]),
])
def test_given_the_deployed_templates_when_compared_then_added_and_changed_principals_are_named(
        deployed: dict[str, Any] | None, head: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    # given what CloudFormation holds and the synthesized head
    old, new = extract_deployed([(STACK, deployed)]), extract_deployed([(STACK, head)])
    # when the changed targets are computed, then exactly the added or changed role is named
    assert [(c.construct_path, c.change) for c in changed_targets(old, new)] == expected


def test_given_acknowledgments_at_several_levels_then_the_nearest_reasoned_one_is_the_one_listed() -> None:
    # given an acknowledgment on the stack and a nearer one on the construct (as the gate looks them up)
    acks = Acknowledgments({"/App": {ACK: "stack-wide SEC-1"}, "/App/Legacy": {ACK: "SEC-12"}})
    new = extract_deployed([(STACK, template(Legacy=("App/Legacy/Resource", ["kms:*"]),
                                             Api=("App/Api/Resource", ["s3:*"])))])
    # when the acknowledgments covering the added roles are listed
    notes = applying_acknowledgments(acks, changed_targets(extract_deployed([(STACK, None)]), new))
    # then each role is under its nearest acknowledgment: Legacy under /App/Legacy, Api under /App
    assert {n.issue_code for n in notes} == {ACKNOWLEDGMENT_APPLIES}
    by_path = {n.details["constructPath"]: [c["constructPath"] for c in n.details["changed"]] for n in notes}
    assert by_path == {"/App": ["App/Api/Resource"], "/App/Legacy": ["App/Legacy/Resource"]}
