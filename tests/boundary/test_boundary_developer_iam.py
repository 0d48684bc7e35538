"""The boundary's defaults allow the developer role's own IAM statements (issue 14: defaults pass the defaults)."""

from __future__ import annotations

from typing import Any

from aws_cdk import App, Stack

from least_privilege_constructs import PermissionsBoundaryPolicy
from least_privilege_constructs.boundary.developer_role import developer_policy_document
from least_privilege_constructs.boundary.permissions_boundary_policy import developer_iam_statements


def _sids(boundary: PermissionsBoundaryPolicy) -> dict[str, dict[str, Any]]:
    return {s.get("Sid", ""): s for s in boundary.document_json["Statement"]}


def test_default_boundary_allows_iam_under_the_application_path_only() -> None:
    stack = Stack(App(), "S")
    sids = _sids(PermissionsBoundaryPolicy(stack, "B", allowed_services=["s3"]))
    assert sids["DeveloperIam"]["Effect"] == "Allow"
    assert sids["DeveloperIam"]["Resource"] == ["arn:${AWS::Partition}:iam::${AWS::AccountId}:role/app/*",
                                                "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/app/*"]
    assert sids["DeveloperIamList"]["Action"] == ["iam:ListRoles", "iam:ListPolicies", "iam:GetAccountSummary"]
    # the guardrails that pin the boundary, the paths and the passed-to services stay
    assert {"DenyPrincipalWritesWithoutBoundaryAttached", "DenyPassRoleToUnlistedServices",
            "DenyRoleWritesOutsideApplicationPath"} <= set(sids)


def test_every_developer_iam_statement_is_inside_the_default_maximum() -> None:
    from least_privilege_constructs.analysis.iam.wildcards import action_matches, arn_could_match

    allowed = developer_iam_statements("/app/")
    document = developer_policy_document(
        boundary_arn="arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/boundaries/lpc-developer-boundary",
        application_path="/app/", passable_to_services=["lambda.amazonaws.com"])
    for statement in document["Statement"]:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        for action in actions:
            assert any(
                any(action_matches(p, action) for p in a["Action"])
                and all(any(r2 == "*" or r2 == r or arn_could_match(r2, r) for r2 in
                            (a["Resource"] if isinstance(a["Resource"], list) else [a["Resource"]]))
                        for r in resources)
                for a in allowed), (statement["Sid"], action)


def test_opt_out_and_no_duplicate_when_the_boundary_lists_iam_itself() -> None:
    stack = Stack(App(), "S")
    assert "DeveloperIam" not in _sids(PermissionsBoundaryPolicy(stack, "Off", allowed_services=["s3"],
                                                                 allow_developer_iam=False))
    listed = _sids(PermissionsBoundaryPolicy(stack, "Listed", managed_policy_name="listed",
                                             allowed_actions=["iam:*"]))
    assert "DeveloperIam" not in listed and "DeveloperIamList" not in listed
