"""The online managed policy resolver (iam:GetPolicy + iam:GetPolicyVersion) under botocore's Stubber.

API: https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetPolicyVersion.html
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from botocore.stub import Stubber

from least_privilege_constructs.analysis.managed_policies import ManagedPolicyResolver
from least_privilege_constructs.collect.managed_policies import OnlinePolicyResolver, online_resolver
from tests.collect.conftest import StubSession, make_client

NEW = "arn:aws:iam::aws:policy/AWSBrandNewPolicy"
DOC = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}]}
T0 = datetime(2026, 11, 30, tzinfo=UTC)


def _policy(arn: str) -> dict[str, Any]:
    return {"Policy": {"PolicyName": arn.rsplit("/", 1)[-1], "Arn": arn, "DefaultVersionId": "v3"}}


def test_reads_the_default_version_once_and_decodes_it() -> None:
    client = make_client("iam")
    with Stubber(client) as stub:
        stub.add_response("get_policy", _policy(NEW), {"PolicyArn": NEW})
        stub.add_response("get_policy_version",
                          {"PolicyVersion": {"Document": quote(json.dumps(DOC)), "VersionId": "v3",
                                             "IsDefaultVersion": True, "CreateDate": T0}},
                          {"PolicyArn": NEW, "VersionId": "v3"})
        online = OnlinePolicyResolver(client)
        resolver = ManagedPolicyResolver(online=online)
        assert resolver(NEW) == DOC
        assert resolver(NEW) == DOC  # cached: the stub has no second response
        stub.assert_no_pending_responses()
    assert not resolver.used_snapshot and online.errors == []


def test_not_found_is_unknown_and_access_denied_is_recorded() -> None:
    client = make_client("iam")
    gone = "arn:aws:iam::aws:policy/Gone"
    secret = "arn:aws:iam::111122223333:policy/Secret"
    with Stubber(client) as stub:
        stub.add_client_error("get_policy", "NoSuchEntity", "no such policy", 404, expected_params={"PolicyArn": gone})
        stub.add_client_error("get_policy", "AccessDenied", "not authorized", 403,
                              expected_params={"PolicyArn": secret})
        online = OnlinePolicyResolver(client)
        assert online(gone) is None
        assert online(secret) is None
        stub.assert_no_pending_responses()
    assert [(arn, err.code) for arn, err in online.errors] == [(secret, "AccessDenied")]


def test_snapshot_answers_before_the_network() -> None:
    client = make_client("iam")
    with Stubber(client) as stub:  # no responses queued: any call would fail the test
        resolver = ManagedPolicyResolver(online=OnlinePolicyResolver(client))
        assert resolver("arn:aws:iam::aws:policy/SecurityAudit") is not None
        stub.assert_no_pending_responses()


class _NoCredentials(StubSession):
    def get_credentials(self) -> None:
        return None


class _Credentials(StubSession):
    def get_credentials(self) -> object:
        return object()


def test_online_only_when_credentials_resolve() -> None:
    client = make_client("iam")
    assert online_resolver(_NoCredentials({"iam": client})) is None
    resolver = online_resolver(_Credentials({"iam": client}))
    assert isinstance(resolver, OnlinePolicyResolver) and resolver.caller.client is client
