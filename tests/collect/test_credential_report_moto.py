"""The credential report collector against moto's IAM on 127.0.0.1 (moto implements the report)."""

from __future__ import annotations

import pytest

from least_privilege_constructs.analysis.refine import load_bundle, new_bundle, unused_identities
from least_privilege_constructs.collect.calls import Caller
from least_privilege_constructs.collect.credential_report import credential_report
from tests.collect.conftest import make_client

pytestmark = pytest.mark.moto


def test_credential_report_rows(moto_endpoint: str) -> None:
    client = make_client("iam", endpoint_url=moto_endpoint)
    client.create_user(UserName="ci-deployer")
    client.create_access_key(UserName="ci-deployer")
    sleeps: list[float] = []
    report = credential_report(Caller(client, sleep=sleeps.append))
    users = {row["user"]: row for row in report["rows"]}
    assert "ci-deployer" in users
    assert users["ci-deployer"]["access_key_1_active"] == "true"
    assert users["ci-deployer"]["arn"].endswith(":user/ci-deployer")
    account = {"accountId": "123456789012", "roles": [], "credentialReport": report}
    bundle = load_bundle({**new_bundle(), "accounts": [account]})
    # just created: not observable for a whole window, so not reported as unused
    assert not [u for u in unused_identities(bundle) if "ci-deployer" in u["identity"]]
