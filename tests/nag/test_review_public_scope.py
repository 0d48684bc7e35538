"""LP-RES1 (resource policies not open to everyone) and the issue-12 classes (independent review).

Given a resource-policy statement granting to ``*`` whose condition only *looks* like a scope, when the
nag rule asks whether it ties the caller to an organization or account, then it answers no — as the
core's ``check_no_public_access`` does (tests/analysis/adversarial: identifier-wildcards, absent-keys,
condition-variables).
"""

from __future__ import annotations

from typing import Any

import pytest

from least_privilege_constructs.analysis.rules.resource_policy_not_public import scoped_to_org_or_account


def _stmt(condition: dict[str, Any]) -> dict[str, Any]:
    return {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*", "Condition": condition}


@pytest.mark.parametrize(
    "condition",
    [
        # every organization id starts with o- (Organizations API, Organization.Id: ^o-[a-z0-9]{10,32}$)
        {"StringLike": {"aws:PrincipalOrgID": "o-*"}},
        {"StringLike": {"aws:PrincipalOrgPaths": "o-*/*"}},
        # a wildcard in an account id names unboundedly many accounts
        {"StringLike": {"aws:PrincipalAccount": "1111*"}},
        # ForAllValues is true when the key is absent (condition operators page: "returns true if there are
        # no context keys in the request"); anonymous callers carry no aws:PrincipalOrgID
        {"ForAllValues:StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
        # the caller's own account, substituted from the request (policy variables page)
        {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::${aws:PrincipalAccount}:*"}},
    ],
)
def test_look_alike_scopes_do_not_scope(condition: dict[str, Any]) -> None:
    assert not scoped_to_org_or_account(_stmt(condition))


@pytest.mark.parametrize(
    "condition",
    [
        {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
        {"StringLike": {"aws:PrincipalOrgPaths": "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*"}},
        {"StringEquals": {"aws:PrincipalAccount": "111122223333"}},
        {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/*"}},
        {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::${aws:ResourceAccount}:role/*"}},
        {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "o-a1b2c3d4e5/*"}},
    ],
)
def test_real_scopes_still_scope(condition: dict[str, Any]) -> None:
    assert scoped_to_org_or_account(_stmt(condition))
