"""The escalation-method table (pure data) against the reference and the IAM catalog."""

from __future__ import annotations

import re

import pytest

from least_privilege_constructs.analysis.catalog import get_catalog
from least_privilege_constructs.analysis.escalation.methods import (
    METHODS,
    PERMISSIONS_BOUNDARY_CONDITION_ACTIONS,
    MethodCategory,
    escalation_actions,
    method,
    methods_using,
)
from tests.conftest import REFERENCE, require_shared


def test_ids_unique_and_boundary_paths_complete() -> None:
    ids = [m.id for m in METHODS]
    assert len(ids) == len(set(ids))
    reference = require_shared(REFERENCE / "escalation-paths.md").read_text(encoding="utf-8")
    reference_ids = re.findall(r"^\| (B\d+) \|", reference, re.MULTILINE)
    assert reference_ids == [f"B{i}" for i in range(1, 16)]
    assert [m.id for m in METHODS if m.category is MethodCategory.BOUNDARY_DELEGATION] == reference_ids


@pytest.mark.parametrize("m", METHODS, ids=[m.id for m in METHODS])
def test_every_action_exists_in_the_catalog(m) -> None:  # type: ignore[no-untyped-def]
    catalog = get_catalog()
    for group in m.requires:
        assert group, m.id
        for action in group:
            assert catalog.action_exists(action), f"{m.id}: {action} is not an IAM action"
    assert m.title and m.closed_by and m.fix


def test_boundary_condition_key_support_matches_the_catalog() -> None:
    catalog = get_catalog()
    supported = {
        a.lower() for a in catalog.expand_action("iam:*")
        if "iam:PermissionsBoundary" in (catalog.action(a).condition_keys + catalog.action(a).resource_condition_keys)
    }
    assert supported >= PERMISSIONS_BOUNDARY_CONDITION_ACTIONS
    for action in ("iam:passrole", "iam:createpolicyversion", "iam:attachgrouppolicy", "iam:createaccesskey"):
        assert action not in PERMISSIONS_BOUNDARY_CONDITION_ACTIONS


def test_enabled_by_is_all_of_any_of() -> None:
    lam = method("PassRole-Lambda")
    assert not lam.enabled_by({"iam:PassRole", "lambda:CreateFunction"})
    assert lam.enabled_by({"iam:PassRole", "lambda:CreateFunction", "lambda:AddPermission"})
    assert lam.enabled_by({"iam:*", "lambda:*"})
    assert method("B1").enabled_by({"*"})
    assert not method("B1").enabled_by({"iam:Get*"})


def test_lookups() -> None:
    assert {m.id for m in methods_using("iam:PassRole")} >= {"B8", "B14", "PassRole-EC2"}
    assert "iam:createaccesskey" in escalation_actions(single_step_only=True)
    assert "ec2:runinstances" not in escalation_actions(single_step_only=True)
    assert "ec2:runinstances" in escalation_actions()
    with pytest.raises(KeyError, match="B1"):
        method("B99")
