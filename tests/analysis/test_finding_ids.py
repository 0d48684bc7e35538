"""One finding per mistake, acknowledged once by any of its ids (analysis/finding_ids.py; docs/nag.md)."""

from __future__ import annotations

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


@pytest.mark.parametrize(("stored", "accepted"), [
    ({"Annotation::LP-IAM4": "legacy deployer"}, True),  # the consequence of the same statement comes with it
    ({"LeastPrivilege-PolicyValidation::BEYOND_BOUNDARY": "a dead ec2 grant"}, False),  # never the other way
])
def test_a_consequence_of_the_mistakes_own_statement_is_acknowledged_with_it(
        stored: dict[str, str], accepted: bool) -> None:
    from least_privilege_constructs.analysis.gate import apply_acknowledgments

    # given PassRole on * in Statement[0], seen by the rule, by Access Analyzer and as beyond the boundary there
    origin = PolicyOrigin(construct_path=POLICY, source="S.template.json", json_path="Resources.P.Properties")
    parts = [Finding(FindingType.ERROR, "LP-IAM4", "m", origin=origin, details={"findingId": "LP-IAM4[Resource::*]"}),
             Finding(FindingType.SECURITY_WARNING, "PASS_ROLE_WITH_STAR_IN_RESOURCE", "m", [["Statement", 0, "Action"]],
                     origin=origin),
             Finding(FindingType.WARNING, "BEYOND_BOUNDARY", "m", [["Statement", 0]], origin=origin)]
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
