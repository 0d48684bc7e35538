"""collect(): the session's own account, an account whose role cannot be assumed (recorded, not fatal),
and the Organizations access reports of the root and every OU, all through stubbed real clients."""

from __future__ import annotations

from datetime import UTC, datetime

from botocore.stub import Stubber

from least_privilege_constructs.analysis.refine import load_bundle
from least_privilege_constructs.collect.collector import CollectOptions, collect
from tests.collect.conftest import StubSession, make_client

T0 = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
JOB = "a8b6c9f1-0a1e-4c3c-8f0a-0123456789ab"


def test_collect_records_an_unassumable_account_and_reads_every_ou() -> None:
    sts, iam, orgs = make_client("sts"), make_client("iam"), make_client("organizations")
    trail = make_client("cloudtrail")
    assert iam.meta.config.retries["mode"] == "standard"
    with Stubber(sts) as s_sts, Stubber(iam) as s_iam, Stubber(orgs) as s_orgs, Stubber(trail) as s_trail:
        s_trail.add_client_error("lookup_events", "AccessDeniedException", "no cloudtrail:LookupEvents", 400)
        s_sts.add_response("get_caller_identity", {"Account": "999999999999", "Arn": "arn:aws:iam::999999999999:user/a",
                                                   "UserId": "AIDAEXAMPLE"})
        s_iam.add_response("list_roles", {"Roles": [], "IsTruncated": False})
        s_sts.add_client_error("assume_role", "AccessDenied", "not authorized to perform sts:AssumeRole", 403,
                               expected_params={"RoleArn": "arn:aws:iam::222222222222:role/lpc-evidence-reader",
                                                "RoleSessionName": "lpc-collect"})
        s_orgs.add_response("describe_organization", {"Organization": {"Id": "o-a1b2c3d4e5"}})
        s_orgs.add_response("list_roots", {"Roots": [{"Id": "r-ab12", "Name": "Root"}]})
        s_orgs.add_response("list_organizational_units_for_parent",
                            {"OrganizationalUnits": [{"Id": "ou-ab12-11111111", "Name": "Workloads"}],
                             "NextToken": "n2"}, {"ParentId": "r-ab12"})
        s_orgs.add_response("list_organizational_units_for_parent", {"OrganizationalUnits": []},
                            {"ParentId": "r-ab12", "NextToken": "n2"})
        s_orgs.add_response("list_organizational_units_for_parent", {"OrganizationalUnits": []},
                            {"ParentId": "ou-ab12-11111111"})
        for path in ("o-a1b2c3d4e5/r-ab12", "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111"):
            s_iam.add_response("generate_organizations_access_report", {"JobId": JOB}, {"EntityPath": path})
            s_iam.add_response("get_organizations_access_report", {
                "JobStatus": "COMPLETED", "JobCreationDate": T0, "JobCompletionDate": T0,
                "AccessDetails": [{"ServiceName": "Amazon GameLift", "ServiceNamespace": "gamelift"}]}, {"JobId": JOB})
        bundle = collect(StubSession({"sts": sts, "iam": iam, "organizations": orgs, "cloudtrail": trail}), CollectOptions(
            accounts=["999999999999", "222222222222"], role_name="lpc-evidence-reader", credential_report=False,
            organizations_reports=True))
        for stub in (s_sts, s_iam, s_orgs, s_trail):
            stub.assert_no_pending_responses()
    load_bundle(bundle)
    assert [a["accountId"] for a in bundle["accounts"]] == ["999999999999"]
    # no CloudTrail dates: recorded, and refine will keep the policies whole (no modifiedAt)
    assert bundle["accounts"][0]["errors"][0]["entity"] == "cloudtrail-event-history"
    assert bundle["errors"][0]["account"] == "222222222222" and bundle["errors"][0]["code"] == "AccessDenied"
    assert [r["entityPath"] for r in bundle["organizationsAccessReports"]] == [
        "o-a1b2c3d4e5/r-ab12", "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111"]
    assert bundle["organizationId"] == "o-a1b2c3d4e5"


def test_entity_paths_with_accounts() -> None:
    from least_privilege_constructs.collect.calls import Caller
    from least_privilege_constructs.collect.organizations import organization_entity_paths

    orgs = make_client("organizations")
    with Stubber(orgs) as stub:
        stub.add_response("describe_organization", {"Organization": {"Id": "o-a1b2c3d4e5"}})
        stub.add_response("list_roots", {"Roots": [{"Id": "r-ab12"}]})
        stub.add_response("list_accounts_for_parent", {"Accounts": [{"Id": "111111111111"}]}, {"ParentId": "r-ab12"})
        stub.add_response("list_organizational_units_for_parent", {"OrganizationalUnits": [{"Id": "ou-ab12-11111111"}]},
                          {"ParentId": "r-ab12"})
        stub.add_response("list_accounts_for_parent", {"Accounts": [{"Id": "222222222222"}]},
                          {"ParentId": "ou-ab12-11111111"})
        stub.add_response("list_organizational_units_for_parent", {"OrganizationalUnits": []},
                          {"ParentId": "ou-ab12-11111111"})
        paths = organization_entity_paths(Caller(orgs), include_accounts=True)
        stub.assert_no_pending_responses()
    assert paths == ["o-a1b2c3d4e5/r-ab12", "o-a1b2c3d4e5/r-ab12/111111111111", "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111",
                     "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/222222222222"]
