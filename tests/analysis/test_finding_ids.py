"""One finding per mistake, acknowledged once by any of its ids (analysis/finding_ids.py; docs/nag.md)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from least_privilege_constructs.analysis.acknowledgments import Acknowledgments
from least_privilege_constructs.analysis.finding_ids import (
    acknowledgment_groups,
    acknowledgment_keys,
    finding_id,
    finding_ids,
    merge_duplicates,
)
from least_privilege_constructs.analysis.findings import Finding, FindingType, PolicyOrigin

ROLE = "App/Worker/Resource"
POLICY = "App/Worker/DefaultPolicy/Resource"


def _f(code: str, path: str, kind: FindingType = FindingType.ERROR, fid: str | None = None,
       **details: object) -> Finding:
    extra = {"findingId": fid} if fid else {}
    return Finding(kind, code, f"{code} message", origin=PolicyOrigin(construct_path=path),
                   details={**extra, **details})


@pytest.mark.parametrize(("findings", "expected"), [
    # unbounded role: nag pack and BoundaryEnforcement
    ([_f("LP-IAM1", ROLE, fid="LP-IAM1[Boundary::missing]"), _f("LPC-BOUNDARY-MISSING", "/" + ROLE)],
     [("LP-IAM1[Boundary::missing]", ["LPC-BOUNDARY-MISSING"])]),
    # PassRole on *: the rule, Access Analyzer, and the boundary consequence
    ([_f("PASS_ROLE_WITH_STAR_IN_RESOURCE", POLICY, FindingType.SECURITY_WARNING),
      _f("LP-IAM4", POLICY, fid="LP-IAM4[Resource::*]"), _f("BEYOND_BOUNDARY", POLICY, FindingType.WARNING)],
     [("LP-IAM4[Resource::*]", ["PASS_ROLE_WITH_STAR_IN_RESOURCE", "BEYOND_BOUNDARY"])]),
    # public: EXTERNAL_PRINCIPAL joins only for the principal *
    ([_f("PUBLIC_ACCESS", POLICY), _f("EXTERNAL_PRINCIPAL", POLICY, principals=["*"]),
      _f("EXTERNAL_PRINCIPAL", POLICY, principals=["999999999999"])],
     [("PUBLIC_ACCESS", ["EXTERNAL_PRINCIPAL"]), ("EXTERNAL_PRINCIPAL", [])]),
    # a boundary Deny seen by no-new-access and by the escalation analysis
    ([_f("BEYOND_BOUNDARY", POLICY, FindingType.WARNING), _f("DEAD_GRANT", POLICY, FindingType.WARNING)],
     [("BEYOND_BOUNDARY", ["DEAD_GRANT"])]),
    # different constructs are different mistakes; unrelated codes stay on their own
    ([_f("LP-IAM4", POLICY, fid="LP-IAM4[Resource::*]"), _f("PASS_ROLE_WITH_STAR_IN_RESOURCE", "App/Other/Resource"),
      _f("INVALID_ACTION", POLICY), _f("ACCESS_GRANTED", "App/Third/Resource")],
     [("LP-IAM4[Resource::*]", []), ("PASS_ROLE_WITH_STAR_IN_RESOURCE", []), ("INVALID_ACTION", []),
      ("ACCESS_GRANTED", [])]),
])
def test_one_finding_per_mistake(findings: list[Finding], expected: list[tuple[str, list[str]]]) -> None:
    # when the duplicates are merged
    merged = merge_duplicates(findings)
    # then one finding per mistake, the owner's id first, the others listed
    assert [(finding_id(f), f.details.get("alsoReportedAs", [])) for f in merged] == expected


def test_a_merged_finding_keeps_the_most_severe_type() -> None:
    (merged,) = merge_duplicates([_f("LP-IAM4", POLICY, FindingType.WARNING, fid="LP-IAM4[Resource::*]"),
                                  _f("PASS_ROLE_WITH_STAR_IN_RESOURCE", POLICY, FindingType.SECURITY_WARNING)])
    assert merged.finding_type is FindingType.SECURITY_WARNING
    assert merged.message.endswith("(also reported as PASS_ROLE_WITH_STAR_IN_RESOURCE)")


@pytest.mark.parametrize("stored", [
    "Annotation::LP-IAM4",  # Acknowledgment(id="LP-IAM4"): the whole rule
    "Annotation::LP-IAM4[Resource::*]",
    "LeastPrivilegeChecks::LP-IAM4[Resource::*]",
    "LeastPrivilege-PolicyValidation::LP-IAM4[Resource::*]",
    "LeastPrivilege-PolicyValidation::PASS_ROLE_WITH_STAR_IN_RESOURCE",  # the merged check's own id
])
def test_any_id_of_a_merged_finding_acknowledges_it(stored: str) -> None:
    # given PassRole on * merged from the rule and Access Analyzer, acknowledged on the role by one id
    (merged,) = merge_duplicates([_f("LP-IAM4", POLICY, fid="LP-IAM4[Resource::*]"),
                                  _f("PASS_ROLE_WITH_STAR_IN_RESOURCE", POLICY)])
    acks = Acknowledgments({"/App/Worker": {stored: "legacy deployer, PLAT-77"}})
    # when its acknowledgment ids are looked up, then that one covers it
    hits = [acks.lookup(POLICY, key) for key in acknowledgment_keys(merged)]
    assert ("/App/Worker", "legacy deployer, PLAT-77") in hits


@pytest.mark.parametrize("stored", [
    "Annotation::PASS_ROLE_WITH_STAR_IN_RESOURCE",  # only LP-* ids are accepted unqualified
    "AwsSolutions::LP-IAM4",  # another pack's namespace
    "LeastPrivilege-PolicyValidation::LP-IAM3",  # another rule
])
def test_other_ids_do_not_acknowledge_it(stored: str) -> None:
    (merged,) = merge_duplicates([_f("LP-IAM4", POLICY, fid="LP-IAM4[Resource::*]"),
                                  _f("PASS_ROLE_WITH_STAR_IN_RESOURCE", POLICY)])
    acks = Acknowledgments({"/App/Worker": {stored: "reason"}})
    assert all(acks.lookup(POLICY, key) is None for key in acknowledgment_keys(merged))


def test_boundary_enforcements_exemption_id_is_kept() -> None:
    finding = _f("LPC-BOUNDARY-MISSING", ROLE,
                 acknowledgmentId="LeastPrivilege-BoundaryEnforcement::LPC-BOUNDARY-MISSING")
    assert acknowledgment_keys(finding)[0] == "LeastPrivilege-BoundaryEnforcement::LPC-BOUNDARY-MISSING"
    assert finding_ids(finding) == ["LPC-BOUNDARY-MISSING"]


@pytest.mark.parametrize(("stored", "open_ids"), [
    # a consequence names no action: acknowledging it does not accept the mistake folded beside it, nor the reverse
    ({"LeastPrivilege-PolicyValidation::BEYOND_BOUNDARY": "ec2 grant dead until boundary v2"},
     ["LP-IAM4[Resource::*]"]),
    ({"LeastPrivilege-PolicyValidation::LP-IAM4[Resource::*]": "legacy deployer"}, ["BEYOND_BOUNDARY"]),
    ({"LeastPrivilege-PolicyValidation::ACCESS_GRANTED": "reviewed", "Annotation::LP-IAM4": "legacy"},
     ["BEYOND_BOUNDARY"]),
    # both acknowledged: accepted
    ({"LeastPrivilege-PolicyValidation::BEYOND_BOUNDARY": "dead", "Annotation::LP-IAM4": "legacy"}, None),
])
def test_a_folded_consequence_and_the_mistake_are_acknowledged_separately(
        tmp_path: object, stored: dict[str, str], open_ids: list[str] | None) -> None:
    from least_privilege_constructs.analysis.gate import apply_acknowledgments

    # given PassRole on * with its boundary consequence folded in, acknowledged on the role by some ids
    (merged,) = merge_duplicates([_f("LP-IAM4", POLICY, fid="LP-IAM4[Resource::*]"),
                                  _f("BEYOND_BOUNDARY", POLICY, FindingType.WARNING)])
    # when the gate applies the acknowledgments
    still, accepted = apply_acknowledgments([merged], "/nonexistent/cdk.out", acknowledgments=Acknowledgments({"/App/Worker": stored}))
    # then the finding is accepted only when the mistake and the consequence are each acknowledged
    if open_ids is None:
        assert [a.finding for a in accepted] == [merged] and not still
    else:
        assert not accepted and [f.details["unacknowledged"] for f in still] == [open_ids]


@pytest.mark.parametrize(("stored", "beyond", "accepted"), [
    # the consequence of the same statement and action comes with it
    ({"Annotation::LP-IAM4": "legacy deployer"}, ["iam:PassRole"], True),
    # never the other way
    ({"LeastPrivilege-PolicyValidation::BEYOND_BOUNDARY": "a dead ec2 grant"}, ["iam:PassRole"], False),
    # nor when the statement grants more than the mistake is about: that action needs its own acknowledgment
    ({"Annotation::LP-IAM4": "legacy deployer"}, ["iam:PassRole", "organizations:LeaveOrganization"], False),
])
def test_a_consequence_of_the_mistakes_own_statement_is_acknowledged_with_it(
        stored: dict[str, str], beyond: list[str], accepted: bool) -> None:
    from least_privilege_constructs.analysis.gate import apply_acknowledgments

    # given PassRole on * in Statement[0], seen by the rule, by Access Analyzer and as beyond the boundary there
    origin = PolicyOrigin(construct_path=POLICY, source="S.template.json", json_path="Resources.P.Properties")
    parts = [Finding(FindingType.ERROR, "LP-IAM4", "m", origin=origin,
                     details={"findingId": "LP-IAM4[Resource::*]", "actions": ["iam:PassRole"],
                              "statementPaths": ["Resources.P.Properties.PolicyDocument.Statement[0]"]}),
             Finding(FindingType.SECURITY_WARNING, "PASS_ROLE_WITH_STAR_IN_RESOURCE", "m", [["Statement", 0, "Action"]],
                     origin=replace(origin, json_path="Resources.P.Properties.PolicyDocument")),
             Finding(FindingType.WARNING, "BEYOND_BOUNDARY", "m", [["Statement", 0]],
                     origin=replace(origin, json_path="Resources.P.Properties.PolicyDocument"),
                     details={"actions": beyond})]
    (merged,) = merge_duplicates(parts)
    # when acknowledged on the role
    _still, acks = apply_acknowledgments([merged], "/nonexistent/cdk.out", acknowledgments=Acknowledgments({"/App/Worker": stored}))
    # then the mistake's acknowledgment covers its own statement's consequence; the consequence's covers nothing
    assert bool(acks) is accepted


def test_a_sensitive_action_granted_is_one_finding_with_its_consequences() -> None:
    # given iam:CreateAccessKey on *: the rule LP-IAM3, check-access-not-granted and the boundary each see it
    parts = [_f("ACCESS_GRANTED", POLICY), _f("LP-IAM3", POLICY, fid="LP-IAM3[Action::iam:CreateAccessKey]"),
             _f("BEYOND_BOUNDARY", POLICY, FindingType.WARNING)]
    # when merged, then one finding, owned by the rule, the others folded in as consequences to acknowledge
    (merged,) = merge_duplicates(parts)
    assert finding_id(merged) == "LP-IAM3[Action::iam:CreateAccessKey]"
    assert merged.details["foldedConsequences"] == ["ACCESS_GRANTED", "BEYOND_BOUNDARY"]


def test_access_analyzers_not_action_warnings_are_the_not_action_mistake() -> None:
    # given an Allow with NotAction on *: LP-IAM5, and Access Analyzer's PassRole and service-linked-role warnings
    parts = [_f("LP-IAM5", POLICY, fid="LP-IAM5[NotAction::0]"),
             _f("PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION", POLICY, FindingType.SECURITY_WARNING),
             _f("CREATE_SLR_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION", POLICY, FindingType.WARNING)]
    # when merged, then one finding, acknowledged by any of the three ids
    (merged,) = merge_duplicates(parts)
    assert finding_id(merged) == "LP-IAM5[NotAction::0]" and len(acknowledgment_groups(merged)) == 1


# -- a finding about a statement another finding reports as a bigger mistake is folded into that one ----------

TEMPLATE = "cdk.out/App.template.json"
DOC = "Resources.WorkerPolicy.Properties.PolicyDocument"


def _at(code: str, path: str, statements: list[int], kind: FindingType = FindingType.ERROR, *,
        fid: str | None = None, actions: list[str] | None = None, located: bool = False, check: str | None = None,
        **details: object) -> Finding:
    """A finding about ``statements`` of the policy ``DOC``: an ``LP-*`` one names them in details, another
    by its locations (as validate-policy and the custom checks do)."""
    extra: dict[str, object] = {"findingId": fid} if fid else {}
    if code.startswith("LP-") and not located:
        extra["statementPaths"] = [f"{DOC}.Statement[{i}]" for i in statements]
        extra["grantedTo"] = [ROLE]  # the policy is the role's alone
    if actions:
        extra["actions"] = actions
    origin = PolicyOrigin(source=TEMPLATE, construct_path=path,
                          json_path="Resources.WorkerPolicy.Properties" if code.startswith("LP-") else DOC)
    locations = [["Statement", i] for i in statements] if not code.startswith("LP-") else []
    return Finding(kind, code, f"{code} message", locations=locations, origin=origin, check=check,
                   details={**extra, **details})


def _path(permissions: list[str], statements: list[int]) -> Finding:
    """A finding of the escalation analysis on the role, granted by ``statements`` of the role's policy."""
    origins = [{"source": TEMPLATE, "json_path": DOC, "statement": i} for i in statements]
    return Finding(FindingType.ERROR, "CreateAccessKey", "App/Worker/Resource can escalate", check="escalation",
                   origin=PolicyOrigin(source=TEMPLATE, construct_path=ROLE, json_path="Resources.Worker"),
                   details={"permissions": permissions, "statementOrigins": origins})


def _bounded(path: Finding) -> Finding:
    boundary = {"source": TEMPLATE, "json_path": "Resources.Boundary.Properties.PolicyDocument", "statement": 0,
                "kind": "boundary"}
    origins = [{**o, "kind": "identity"} for o in path.details["statementOrigins"]]
    return replace(path, details={**path.details, "statementOrigins": [*origins, boundary]})


ADMIN = _at("LP-IAM2", POLICY, [0], fid="LP-IAM2[Admin::0]", actions=["*"])


@pytest.mark.parametrize(("findings", "expected"), [
    # "*" on "*": the PassRole, escalation-action and service-linked-role findings of the same statement
    ([ADMIN, _at("LP-IAM3", POLICY, [0], fid="LP-IAM3[Action::*]", actions=["*"]),
      _at("LP-IAM4", POLICY, [0], fid="LP-IAM4[Resource::*]", actions=["iam:PassRole"]),
      _at("PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE", POLICY, [0], FindingType.SECURITY_WARNING),
      _at("CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE", POLICY, [0], FindingType.WARNING)],
     [("LP-IAM2[Admin::0]", ["LP-IAM3[Action::*]", "LP-IAM3", "LP-IAM4[Resource::*]", "LP-IAM4",
                             "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE",
                             "CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE"])]),
    # PassRole on * in another statement is another mistake, even beside an administrator statement
    ([ADMIN, _at("LP-IAM4", POLICY, [0, 1], fid="LP-IAM4[Resource::*]", actions=["iam:PassRole"])],
     [("LP-IAM2[Admin::0]", []), ("LP-IAM4[Resource::*]", [])]),
    # an escalation path that the LP-IAM3 statement and action alone grant
    ([_at("LP-IAM3", POLICY, [0], fid="LP-IAM3[Action::iam:CreateAccessKey]", actions=["iam:CreateAccessKey"]),
      _path(["iam:CreateAccessKey"], [0])],
     [("LP-IAM3[Action::iam:CreateAccessKey]", ["CreateAccessKey"])]),
    # ... not one that needs a permission the finding does not report, nor one granted by another statement
    ([_at("LP-IAM3", POLICY, [0], fid="LP-IAM3[Action::iam:CreateAccessKey]", actions=["iam:CreateAccessKey"]),
      _path(["iam:CreateAccessKey", "iam:ListUsers"], [0]), _path(["iam:CreateAccessKey"], [1])],
     [("LP-IAM3[Action::iam:CreateAccessKey]", []), ("CreateAccessKey", []), ("CreateAccessKey", [])]),
    # ... nor the path of a bounded principal: the boundary lets it through, a mistake of its own
    ([_at("LP-IAM3", POLICY, [0], fid="LP-IAM3[Action::iam:CreateAccessKey]", actions=["iam:CreateAccessKey"]),
      _bounded(_path(["iam:CreateAccessKey"], [0]))],
     [("LP-IAM3[Action::iam:CreateAccessKey]", []), ("CreateAccessKey", [])]),
    # a wildcard inside a principal ARN: external access to that principal, and the undecided public check of it
    ([_at("UNSUPPORTED_WILDCARD_IN_PRINCIPAL", POLICY, [1]),
      _at("EXTERNAL_PRINCIPAL", POLICY, [1], FindingType.SECURITY_WARNING, principals=["arn:aws:iam::*:role/r"]),
      _at("CHECK_UNDETERMINED", POLICY, [1])],
     [("UNSUPPORTED_WILDCARD_IN_PRINCIPAL", ["EXTERNAL_PRINCIPAL", "CHECK_UNDETERMINED"])]),
    # ... not external access to a real account, nor an undecided check that names no statement
    ([_at("UNSUPPORTED_WILDCARD_IN_PRINCIPAL", POLICY, [1]),
      _at("EXTERNAL_PRINCIPAL", POLICY, [1], FindingType.SECURITY_WARNING,
          principals=["arn:aws:iam::*:role/r", "999988887777"]),
      _at("CHECK_UNDETERMINED", POLICY, [])],
     [("UNSUPPORTED_WILDCARD_IN_PRINCIPAL", []), ("EXTERNAL_PRINCIPAL", []), ("CHECK_UNDETERMINED", [])]),
])
def test_a_finding_about_a_bigger_mistake_s_statement_is_folded_into_it(
        findings: list[Finding], expected: list[tuple[str, list[str]]]) -> None:
    merged = merge_duplicates(findings)
    assert [(finding_id(f), f.details.get("alsoReportedAs", [])) for f in merged] == expected


def test_what_is_folded_into_a_bigger_mistake_is_acknowledged_with_it_and_never_acknowledges_it() -> None:
    # given an administrator statement that LP-IAM4 also reports (PassRole on *)
    (merged,) = merge_duplicates([ADMIN, _at("LP-IAM4", POLICY, [0], fid="LP-IAM4[Resource::*]",
                                             actions=["iam:PassRole"]),
                                  _at("PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE", POLICY, [0])])
    # then one acknowledgment, of the administrator statement, acknowledges all of it
    (group,) = acknowledgment_groups(merged)
    assert "LeastPrivilegeChecks::LP-IAM2" in group and "Annotation::LP-IAM2[Admin::0]" in group
    # and an acknowledgment written for PassRole on * does not acknowledge administrator access
    assert not any("LP-IAM4" in key or "PASS_ROLE" in key for key in group)
    assert merged.details["coveredConsequences"] == ["LP-IAM4[Resource::*]", "LP-IAM4",
                                                      "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE"]
    assert merged.message.endswith("(also reported as LP-IAM4[Resource::*], LP-IAM4, "
                                   "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE)")


def test_a_folded_finding_brings_its_own_unacknowledged_consequences() -> None:
    # given PassRole on * in the admin statement, whose merged finding carries a consequence about another statement
    inner = _at("LP-IAM4", POLICY, [0], fid="LP-IAM4[Resource::*]", actions=["iam:PassRole"])
    elsewhere = _at("ACCESS_GRANTED", POLICY, [3])
    (merged,) = merge_duplicates([ADMIN, inner, elsewhere])
    # then the consequence still needs an acknowledgment of its own
    assert merged.details["foldedConsequences"] == ["ACCESS_GRANTED"]
    assert len(acknowledgment_groups(merged)) == 2


# -- what the independent review broke (each would have let a dangerous grant pass under another's acknowledgment)

def test_a_consequence_naming_an_action_the_mistake_does_not_report_needs_its_own_acknowledgment() -> None:
    # given iam:CreateAccessKey and cloudtrail:StopLogging in one statement: LP-IAM3 reports CreateAccessKey only
    # (StopLogging is no escalation action), check-access-not-granted names both
    rule = _at("LP-IAM3", POLICY, [0], fid="LP-IAM3[Action::iam:CreateAccessKey]", actions=["iam:CreateAccessKey"])
    granted = _at("ACCESS_GRANTED", POLICY, [0], actions=["iam:CreateAccessKey", "cloudtrail:StopLogging"])
    (merged,) = merge_duplicates([rule, granted])
    # then acknowledging the key rotation does not accept stopping CloudTrail
    assert merged.details["foldedConsequences"] == ["ACCESS_GRANTED"] and len(acknowledgment_groups(merged)) == 2
    # while a consequence about the reported action alone comes with it
    (alone,) = merge_duplicates([rule, _at("ACCESS_GRANTED", POLICY, [0], actions=["iam:CreateAccessKey"])])
    assert alone.details["coveredConsequences"] == ["ACCESS_GRANTED"] and len(acknowledgment_groups(alone)) == 1


def test_an_escalation_path_to_a_particular_principal_is_never_folded() -> None:
    # given sts:AssumeRole on * (LP-IAM3) and the path to a break-glass admin role of the assembly
    rule = _at("LP-IAM3", POLICY, [0], fid="LP-IAM3[Action::sts:AssumeRole]", actions=["sts:AssumeRole"])
    path = _path(["sts:AssumeRole"], [0])
    particular = replace(path, details={**path.details, "specificTarget": True})
    # then the path stays its own finding: "may assume roles" is not "becomes the break-glass admin"
    assert [finding_id(f) for f in merge_duplicates([rule, particular])] == [
        "LP-IAM3[Action::sts:AssumeRole]", "CreateAccessKey"]
    # a probe target (what the action means in general) folds
    assert [finding_id(f) for f in merge_duplicates([rule, path])] == ["LP-IAM3[Action::sts:AssumeRole]"]


def test_findings_spanning_two_administrator_statements_fold_into_the_first() -> None:
    second = _at("LP-IAM2", POLICY, [1], fid="LP-IAM2[Admin::1]", actions=["*"])
    both = [ADMIN, second, _at("LP-IAM3", POLICY, [0, 1], fid="LP-IAM3[Action::*]", actions=["*"]),
            _at("LP-IAM4", POLICY, [0, 1], fid="LP-IAM4[Resource::*]", actions=["iam:PassRole"])]
    merged = merge_duplicates(both)
    # each administrator statement stays its own finding (each acknowledged on its own)
    assert [(finding_id(f), f.details.get("alsoReportedAs", [])) for f in merged] == [
        ("LP-IAM2[Admin::0]", ["LP-IAM3[Action::*]", "LP-IAM3", "LP-IAM4[Resource::*]", "LP-IAM4"]),
        ("LP-IAM2[Admin::1]", [])]


def test_an_unbounded_administrator_s_consequences_go_to_the_administrator_finding() -> None:
    # given a role without a boundary (LP-IAM1) and an inline administrator statement, with its consequence
    unbounded = _at("LP-IAM1", POLICY, [], fid="LP-IAM1[Boundary::missing]")
    granted = _at("ACCESS_GRANTED", POLICY, [0], actions=["iam:CreateUser"])
    merged = merge_duplicates([unbounded, ADMIN, granted])
    # then the consequence of the administrator statement is acknowledged with it, not owed by the boundary finding
    by_id = {finding_id(f): f for f in merged}
    assert by_id["LP-IAM2[Admin::0]"].details["coveredConsequences"] == ["ACCESS_GRANTED"]
    assert "foldedConsequences" not in by_id["LP-IAM1[Boundary::missing]"].details


def test_anyone_beside_a_wildcard_principal_is_the_public_access_mistake() -> None:
    merged = merge_duplicates([_f("LP-RES1", POLICY, fid="LP-RES1[Statement::0]"),
                               _f("EXTERNAL_PRINCIPAL", POLICY, FindingType.SECURITY_WARNING,
                                  principals=["arn:aws:iam::*:role/reader", "*"])])
    assert [(finding_id(f), f.details.get("alsoReportedAs", [])) for f in merged] == [
        ("LP-RES1[Statement::0]", ["EXTERNAL_PRINCIPAL"])]


@pytest.mark.parametrize(("pattern", "expected"), [
    # iam:* on *: the escalation-action finding reports PassRole and CreateServiceLinkedRole too
    ("iam:*", [("LP-IAM3[Action::iam:*]", ["LP-IAM4[Resource::*]", "LP-IAM4", "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE",
                                           "CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE"])]),
    # iam:CreateRole beside iam:PassRole in one statement: two actions, two findings
    ("iam:CreateRole", [("LP-IAM3[Action::iam:CreateRole]", []),
                        ("LP-IAM4[Resource::*]", ["PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE"]),
                        ("CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE", [])]),
])
def test_an_escalation_action_finding_takes_what_its_own_action_covers(
        pattern: str, expected: list[tuple[str, list[str]]]) -> None:
    findings = [_at("LP-IAM3", POLICY, [0], fid=f"LP-IAM3[Action::{pattern}]", actions=[pattern]),
                _at("LP-IAM4", POLICY, [0], fid="LP-IAM4[Resource::*]", actions=["iam:PassRole"]),
                _at("PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE", POLICY, [0], FindingType.SECURITY_WARNING),
                _at("CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE", POLICY, [0], FindingType.WARNING)]
    merged = merge_duplicates(findings)
    assert [(finding_id(f), f.details.get("alsoReportedAs", [])) for f in merged] == expected


def test_an_acknowledgment_of_a_shared_policy_does_not_speak_for_each_principal_it_is_granted_to() -> None:
    # given a policy granting iam:CreateAccessKey, granted to the key rotator and, later, to a report job
    shared = _at("LP-IAM3", POLICY, [0], fid="LP-IAM3[Action::iam:CreateAccessKey]", actions=["iam:CreateAccessKey"],
                 grantedTo=[ROLE, "App/ReportJob/Resource"])
    path = _path(["iam:CreateAccessKey"], [0])
    job = replace(path, details={**path.details, "principal": "App/ReportJob/Resource"},
                  origin=replace(path.origin, construct_path="App/ReportJob/Resource"))
    granted = _at("ACCESS_GRANTED", POLICY, [0], actions=["iam:CreateAccessKey"], principal="App/ReportJob/Resource")
    merged = merge_duplicates([shared, job, granted])
    # then the report job's escalation path stays its own finding, and its consequence needs its own acknowledgment
    assert [finding_id(f) for f in merged] == ["LP-IAM3[Action::iam:CreateAccessKey]", "CreateAccessKey"]
    assert merged[0].details["foldedConsequences"] == ["ACCESS_GRANTED"]


def test_a_public_statement_is_not_folded_into_the_acknowledged_finding_of_another_statement() -> None:
    # given LP-RES1 for statement 1 (acknowledged as a public read), and Access Analyzer's PUBLIC_ACCESS for
    # statements 1 and 2 (a public write LP-RES1 missed)
    rule = _at("LP-RES1", POLICY, [1], fid="LP-RES1[Statement::PublicRead]")
    merged = merge_duplicates([rule, _at("PUBLIC_ACCESS", POLICY, [1]), _at("PUBLIC_ACCESS", POLICY, [2]),
                               _at("EXTERNAL_PRINCIPAL", POLICY, [2], FindingType.SECURITY_WARNING, principals=["*"])])
    # then the second statement is its own finding (its two checks merged), acknowledged by nothing of the first
    assert [(finding_id(f), f.details.get("alsoReportedAs", [])) for f in merged] == [
        ("LP-RES1[Statement::PublicRead]", ["PUBLIC_ACCESS"]), ("PUBLIC_ACCESS", ["EXTERNAL_PRINCIPAL"])]


@pytest.mark.parametrize("stored", [
    "LeastPrivilege-PolicyValidation::PUBLIC_ACCESS",  # written for the public read: issue codes name no statement
    "LeastPrivilege-PolicyValidation::EXTERNAL_PRINCIPAL",
])
def test_an_issue_code_acknowledgment_does_not_accept_another_statement_s_finding(stored: str) -> None:
    from least_privilege_constructs.analysis.gate import apply_acknowledgments

    def public(index: int, sid: str) -> Finding:  # LP-RES1 for one statement, Access Analyzer's findings merged in
        (merged,) = merge_duplicates([
            _at("LP-RES1", POLICY, [index], fid=f"LP-RES1[Statement::{sid}]"), _at("PUBLIC_ACCESS", POLICY, [index]),
            _at("EXTERNAL_PRINCIPAL", POLICY, [index], FindingType.SECURITY_WARNING, principals=["*"])])
        return merged

    acks = Acknowledgments({"/App/Worker": {stored: "static website, public read"}})
    # given a public write added where an issue code was acknowledged for a public read (or a partner account),
    # whether or not the finding it was written for is still there (fixed, or allowed by a setting)
    read, write = public(1, "PublicRead"), public(2, "PublicWrite")
    for findings in ([write], [read, write]):
        still, accepted = apply_acknowledgments(findings, "/nonexistent/cdk.out", acks)
        # then the code names no statement: it accepts none, and each finding says which id accepts it
        assert not accepted
        assert [f.details["unacknowledged"] for f in still] == [[finding_id(f)] for f in findings]
    # while their own ids, or the rule's, accept them
    for own in ({"Annotation::LP-RES1[Statement::PublicRead]": "r", "Annotation::LP-RES1[Statement::PublicWrite]": "w"},
                {"LeastPrivilegeChecks::LP-RES1": "public site, both statements reviewed (SEC-9)"}):
        _, ok = apply_acknowledgments([read, write], "/nonexistent/cdk.out", Acknowledgments({"/App/Worker": own}))
        assert [a.finding for a in ok] == [read, write]


def test_an_escalation_path_is_not_folded_into_a_not_action_statement_that_excludes_its_permission() -> None:
    # given an acknowledged Allow NotAction [iam:*, sts:*] on an unbounded role, and a PassRole path
    not_action = _at("LP-IAM5", POLICY, [0], fid="LP-IAM5[NotAction::0]", actions=["*"], notActions=["iam:*", "sts:*"])
    # granted by the NotAction statement (for lambda:CreateFunction) and by an AWS managed policy (iam:PassRole)
    managed = {"policy": "AWSLambda_FullAccess", "statement": 1, "kind": "identity"}
    path = _path(["iam:PassRole", "lambda:CreateFunction"], [0])
    outside = replace(path, details={**path.details,
                                     "statementOrigins": [*path.details["statementOrigins"], managed]})
    # then neither folds: iam:PassRole is excluded by the statement, and a statement outside the assembly grants it
    assert [finding_id(f) for f in merge_duplicates([not_action, outside])] == ["LP-IAM5[NotAction::0]",
                                                                                 "CreateAccessKey"]
    assert [finding_id(f) for f in merge_duplicates([not_action, path])] == ["LP-IAM5[NotAction::0]",
                                                                              "CreateAccessKey"]
    # a permission the statement grants does fold
    lambda_only = replace(path, details={**path.details, "permissions": ["lambda:CreateFunction"]})
    assert [finding_id(f) for f in merge_duplicates([not_action, lambda_only])] == ["LP-IAM5[NotAction::0]"]


def test_a_dead_grant_joins_the_beyond_boundary_finding_of_its_own_statement_only() -> None:
    beyond = _at("BEYOND_BOUNDARY", POLICY, [0], FindingType.WARNING)
    merged = merge_duplicates([beyond, _at("DEAD_GRANT", POLICY, [0], FindingType.WARNING),
                               _at("DEAD_GRANT", POLICY, [1], FindingType.WARNING)])
    assert [(finding_id(f), f.details.get("alsoReportedAs", [])) for f in merged] == [
        ("BEYOND_BOUNDARY", ["DEAD_GRANT"]), ("DEAD_GRANT", [])]


TRUST = "Resources.Deploy.Properties.AssumeRolePolicyDocument"


def _trust(code: str, statement: int, kind: FindingType = FindingType.ERROR, **details: object) -> Finding:
    """A finding about statement ``statement`` of a role's trust policy (LP-IAM6 names it, the others locate it)."""
    if code.startswith("LP-"):
        return Finding(kind, code, "m", origin=PolicyOrigin(source=TEMPLATE, construct_path=ROLE,
                                                            json_path="Resources.Deploy.Properties"),
                       details={"statementPaths": [f"{TRUST}.Statement[{statement}]"], **details})
    return Finding(kind, code, "m", locations=[["Statement", statement]],
                   origin=PolicyOrigin(source=TEMPLATE, construct_path=ROLE, json_path=TRUST), details=details)


def test_a_github_trust_without_a_subject_is_one_finding() -> None:
    # given a role trusting GitHub's OIDC provider with no sub condition: the rule and three Access Analyzer checks
    merged = merge_duplicates([
        _trust("LP-IAM6", 0, findingId="LP-IAM6[OIDC::token.actions.githubusercontent.com::sub]"),
        _trust("PUBLIC_ACCESS", 0), _trust("MISSING_GITHUB_REPO_CONDITION_KEY", 0, FindingType.SECURITY_WARNING),
        _trust("EXTERNAL_PRINCIPAL", 0, FindingType.SECURITY_WARNING,
               principals=["arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"]),
        # a partner account in another statement, with a condition: its own finding
        _trust("EXTERNAL_PRINCIPAL", 1, FindingType.SECURITY_WARNING, principals=["999988887777"])])
    assert [(finding_id(f), f.details.get("alsoReportedAs", [])) for f in merged] == [
        ("LP-IAM6[OIDC::token.actions.githubusercontent.com::sub]",
         ["PUBLIC_ACCESS", "MISSING_GITHUB_REPO_CONDITION_KEY", "EXTERNAL_PRINCIPAL"]),
        ("EXTERNAL_PRINCIPAL", [])]
    # and an issue code does not acknowledge it (it names no statement)
    assert not any("EXTERNAL_PRINCIPAL" in key for key in acknowledgment_groups(merged[0])[0])


def test_without_the_rule_an_issue_code_never_owns_another_s_trust_policy_finding() -> None:
    # given (no LP-* rules) a GitHub trust that lost its sub condition: public, and external to a provider
    merged = merge_duplicates([_trust("PUBLIC_ACCESS", 0), _trust(
        "EXTERNAL_PRINCIPAL", 0, FindingType.SECURITY_WARNING, principals=["arn:aws:iam::1:oidc-provider/x"])])
    # then two findings: an acknowledgment of the provider's external access never accepts public access
    assert [(finding_id(f), f.details.get("alsoReportedAs", []) if f.details else []) for f in merged] == [
        ("PUBLIC_ACCESS", []), ("EXTERNAL_PRINCIPAL", [])]


def test_nothing_merges_into_a_rule_that_could_not_decide() -> None:
    # given LP-IAM4 undecided on a policy (a statement imports a value no stack of the input exports), and
    # Access Analyzer's PassRole finding about another statement of it, which is decided
    undecided = _f("LP-IAM4", POLICY, fid="LP-IAM4[Unresolved::PolicyDocument]", undecided=True)
    passrole = _at("PASS_ROLE_WITH_STAR_IN_RESOURCE", POLICY, [0], FindingType.SECURITY_WARNING)
    # then they stay two findings: acknowledging "could not decide" never accepts PassRole on *
    assert [finding_id(f) for f in merge_duplicates([undecided, passrole])] == [
        "LP-IAM4[Unresolved::PolicyDocument]", "PASS_ROLE_WITH_STAR_IN_RESOURCE"]
