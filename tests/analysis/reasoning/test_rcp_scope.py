"""Regression: resource control policies restrict only the services the Organizations guide lists.

AWS Organizations User Guide, *Resource control policies (RCPs)*, "List of AWS services that support RCPs"
(https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html#rcp-supported-services):
"RCPs apply to actions for the following AWS services" (S3, STS, KMS, SQS, Secrets Manager, Cognito, CloudWatch
Logs, DynamoDB, ECR, OpenSearch Serverless). An RCP ``Deny *`` therefore leaves ``ec2:RunInstances`` granted:
the evaluator must answer Allowed and ``check_access_not_granted`` FAIL (it answered PASS: a false PASS).
"""

from __future__ import annotations

from typing import Any

import pytest

from least_privilege_constructs.analysis.iam.organizations import RCP_SERVICE_PREFIXES, rcp_restricts_action
from least_privilege_constructs.analysis.reasoning import (
    PolicySet,
    Request,
    check_access_not_granted,
    check_no_new_access,
    evaluate,
)
from least_privilege_constructs.analysis.reasoning.request import Outcome

ROLE = "arn:aws:iam::111122223333:role/app"
ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def rcp(action: Any = "*", **extra: Any) -> dict[str, Any]:
    stmt = {"Effect": "Deny", "Principal": "*", "Resource": "*", **extra}
    if "NotAction" not in extra:
        stmt["Action"] = action
    return {"Version": "2012-10-17", "Statement": [stmt]}


@pytest.mark.parametrize(
    ("policy", "action", "resource", "outcome"),
    [
        (rcp(), "ec2:RunInstances", "arn:aws:ec2:us-east-1:111122223333:instance/*", Outcome.ALLOWED),
        (rcp("lambda:*"), "lambda:InvokeFunction", "arn:aws:lambda:us-east-1:111122223333:function:f", Outcome.ALLOWED),
        (rcp("iam:*"), "iam:PassRole", "arn:aws:iam::111122223333:role/r", Outcome.ALLOWED),
        (rcp(), "s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/k", Outcome.EXPLICITLY_DENIED),
        (rcp(), "sts:AssumeRole", "arn:aws:iam::111122223333:role/r", Outcome.EXPLICITLY_DENIED),
        (rcp(), "kms:Decrypt", "arn:aws:kms:us-east-1:111122223333:key/k", Outcome.EXPLICITLY_DENIED),
        # NotAction in an RCP: still only the RCP services
        (rcp(NotAction="s3:GetObject"), "ec2:RunInstances", "*", Outcome.ALLOWED),
        (rcp(NotAction="s3:GetObject"), "sqs:SendMessage", "arn:aws:sqs:us-east-1:111122223333:q", Outcome.EXPLICITLY_DENIED),
    ],
)
def test_evaluator_applies_rcps_only_to_their_services(policy: Any, action: str, resource: str, outcome: Outcome) -> None:
    ps = PolicySet.build(identity=[ALLOW_ALL], rcps=[policy])
    assert evaluate(Request(ROLE, action, resource), ps).outcome is outcome


@pytest.mark.parametrize(
    ("policy", "actions", "verdict"),
    [
        (rcp(), ["ec2:RunInstances"], "FAIL"),
        (rcp("lambda:*"), ["lambda:InvokeFunction"], "FAIL"),
        (rcp(), ["ec2:*"], "FAIL"),
        (rcp(), ["s3:GetObject"], "PASS"),
        (rcp(), ["s3:GetObject", "iam:CreateUser"], "FAIL"),
        (rcp(NotAction="s3:GetObject"), ["ec2:RunInstances"], "FAIL"),
        (rcp(NotAction="s3:GetObject"), ["dynamodb:GetItem"], "PASS"),
    ],
)
def test_access_not_granted_applies_rcps_only_to_their_services(policy: Any, actions: list[str], verdict: str) -> None:
    ps = PolicySet.build(identity=[ALLOW_ALL], rcps=[policy])
    assert check_access_not_granted(ps, actions).verdict.value == verdict


def test_rcp_given_as_a_single_document_is_scoped() -> None:
    decision = evaluate(Request(ROLE, "ec2:RunInstances"), rcp(), "RESOURCE_CONTROL_POLICY")
    assert decision.outcome is Outcome.IMPLICITLY_DENIED  # an RCP alone grants nothing, and denies no EC2 action
    assert decision.deciding == ()


def test_no_new_access_sees_an_rcp_deny_lifted_only_for_its_services() -> None:
    # the new set drops nothing of what the old one granted outside the RCP services: EC2 access stays
    old = PolicySet.build(identity=[ALLOW_ALL], rcps=[rcp()])
    new = PolicySet.build(identity=[ALLOW_ALL])
    assert check_no_new_access(new, old).verdict.value == "FAIL"  # S3 ... was denied, now granted
    only_ec2 = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}]}
    assert check_no_new_access(PolicySet.build(identity=[only_ec2]), old).verdict.value == "PASS"


def test_the_fact_lives_in_the_semantics_core() -> None:
    assert {"s3", "sts", "kms", "sqs", "secretsmanager", "logs", "dynamodb", "ecr", "aoss"} == RCP_SERVICE_PREFIXES
    # Cognito's prefixes are left out (the guide does not say which of the three): not restricted, fail closed
    assert not any(rcp_restricts_action(f"{p}:Any") for p in ("cognito-idp", "cognito-identity", "cognito-sync"))
    assert rcp_restricts_action("S3:GetObject") and not rcp_restricts_action("ec2:RunInstances")
