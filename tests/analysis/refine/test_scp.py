"""SCPs of unused services: <= 5,120 characters, valid as SERVICE_CONTROL_POLICY, split or a clear error."""

from __future__ import annotations

import json

import pytest

from least_privilege_constructs.analysis.catalog import get_catalog
from least_privilege_constructs.analysis.refine import RefineError, ScpOptions, unused_service_scps
from least_privilege_constructs.analysis.refine.scp import AWS_NEEDED_SERVICES, SCP_MAX_CHARS, pack
from least_privilege_constructs.analysis.validate import validate_policy
from tests.analysis.refine.fixture_org import NOW, SERVICES, fixture_bundle


def _report(services: list[str], used: tuple[str, ...] = ()) -> dict:
    return {"entityPath": "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111", "JobStatus": "COMPLETED", "JobCompletionDate": NOW,
            "AccessDetails": [{"ServiceNamespace": s, **({"LastAuthenticatedTime": NOW} if s in used else {})}
                              for s in services]}


def test_fixture_org_scps_are_valid_and_small() -> None:
    results = unused_service_scps(fixture_bundle(2)["organizationsAccessReports"], ScpOptions(now=NOW))
    assert len(results) == 3
    for scp in results:
        assert scp.policies
        assert not set(scp.denied) & set(SERVICES)  # used services stay
        assert not set(scp.denied) & set(AWS_NEEDED_SERVICES)
        for doc in scp.policies:
            assert len(json.dumps(doc, separators=(",", ":"))) <= SCP_MAX_CHARS
            assert [f.issue_code for f in validate_policy(doc, "SERVICE_CONTROL_POLICY") if f.is_blocking()] == []


def test_every_catalog_service_splits_across_scps_or_fails_clearly() -> None:
    services = sorted(get_catalog().services)
    [scp] = unused_service_scps([_report(services)], ScpOptions(now=NOW, max_policies=5))
    assert len(scp.policies) >= 2
    denied = [a for doc in scp.policies for a in doc["Statement"][0]["Action"]]
    assert sorted(denied) == sorted(f"{s}:*" for s in scp.denied)
    assert all(len(json.dumps(d, separators=(",", ":"))) <= SCP_MAX_CHARS for d in scp.policies)
    with pytest.raises(RefineError, match=r"LPC-REFINE-004.*ou-ab12-11111111.*more than the 1"):
        unused_service_scps([_report(services)], ScpOptions(now=NOW, max_policies=1))


def test_allow_list_exemptions_and_window() -> None:
    [scp] = unused_service_scps([_report(["s3", "gamelift", "braket", "sts"], used=("s3",))],
                                ScpOptions(now=NOW, allow_services=["braket"],
                                           exempt_principal_arns=["arn:aws:iam::*:role/break-glass"]))
    assert scp.denied == ["gamelift"]
    assert scp.kept["braket"] == "allow-listed" and scp.kept["s3"].startswith("used")
    assert scp.policies[0]["Statement"][0]["Condition"] == {
        "ArnNotLike": {"aws:PrincipalARN": ["arn:aws:iam::*:role/break-glass"]}}
    # a service not in the report is never denied (no evidence)
    assert "ec2" not in scp.denied


def test_old_report_and_bad_options() -> None:
    old = _report(["gamelift"])
    old["JobCompletionDate"] = "2026-01-01T00:00:00Z"
    with pytest.raises(RefineError, match="LPC-REFINE-002"):
        unused_service_scps([old], ScpOptions(now=NOW))
    with pytest.raises(RefineError, match="LPC-REFINE-006"):
        ScpOptions(allow_services=["not-a-service"])


def test_pack_limit_is_respected() -> None:
    docs = pack([f"s{i}" for i in range(50)], "t", max_policies=10, limit=300)
    assert len(docs) > 1 and all(len(json.dumps(d, separators=(",", ":"))) <= 300 for d in docs)
