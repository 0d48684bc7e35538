"""Unused identities and the written report."""

from __future__ import annotations

import json
from pathlib import Path

from least_privilege_constructs.analysis.refine import (
    RefineOptions,
    ScpOptions,
    refine_bundle,
    unused_identities,
    unused_service_scps,
    write_outputs,
)
from least_privilege_constructs.analysis.refine.report import attach_construct_paths
from tests.analysis.refine.fixture_org import NOW, fixture_bundle


def test_unused_identities_of_the_fixture() -> None:
    found = unused_identities(fixture_bundle(40), window_days=90, now=NOW)
    kinds = {(f["account"], f["kind"], f["source"]) for f in found}
    for account in ("111111111111", "222222222222", "333333333333"):
        assert (account, "access-key", "credential-report") in kinds
        assert (account, "role", "RoleLastUsed") in kinds  # app-38 never used
        assert (account, "role", "access-analyzer:UnusedIAMRole") in kinds
    assert not any(f["kind"] == "password" for f in found)  # alice signed in recently
    assert not any(f["identity"].endswith("app-39") for f in found)  # too young to judge


def test_write_outputs(tmp_path: Path) -> None:
    bundle = fixture_bundle(3)
    bundle["accounts"][0]["roles"][1]["constructPath"] = "Payments/App01/Role"
    result = refine_bundle(bundle, RefineOptions(now=NOW))
    scps = unused_service_scps(bundle["organizationsAccessReports"], ScpOptions(now=NOW))
    errors = [{"code": "ROLE_DELETED", "account": "111111111111", "entity": "arn:aws:iam::111111111111:role/x",
               "message": "GetRole: ROLE_DELETED: gone"}]
    files = write_outputs(tmp_path, result, scps, unused_identities(bundle, now=NOW), errors=errors)
    names = {str(f.relative_to(tmp_path)) for f in files}
    assert {"report.md", "report.json", "scps/scps.py"} <= names
    assert "patches/111111111111-app-01.json" in names
    patch = json.loads((tmp_path / "patches/111111111111-app-01.json").read_text())
    assert patch["constructPath"] == "Payments/App01/Role" and patch["policies"][0]["document"]["Statement"]
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["roles"][0]["production"] and report["summary"]["roles"] == 9
    assert report["collectionErrors"] == errors
    refined = next(p for r in report["roles"] for p in r["policies"] if p["status"] == "refined")
    assert {x["action"].lower() for x in refined["removedBecause"]} == {a.lower() for a in refined["removed"]}
    assert {x["reason"] for x in refined["removedBecause"]} <= {"TRACKED_ACTION_NOT_USED", "SERVICE_NOT_AUTHENTICATED"}
    md = (tmp_path / "report.md").read_text()
    assert md.startswith("# Refine report") and "## SCPs of unused services" in md
    assert "## Not collected (treated as undetermined)" in md and "ROLE_DELETED" in md
    compile((tmp_path / "scps/scps.py").read_text(), "scps.py", "exec")


def test_attach_construct_paths() -> None:
    bundle = fixture_bundle(1)
    bundle["accounts"][0]["roles"][0]["arn"] = "arn:aws:iam::111111111111:role/payments-AppRoleA1B2C3-1X2Y3Z4W5V6U"
    n = attach_construct_paths(bundle, {"payments-AppRoleA1B2C3": "payments/App/Role", "named": "x/Named"})
    assert n == 1 and bundle["accounts"][0]["roles"][0]["constructPath"] == "payments/App/Role"
