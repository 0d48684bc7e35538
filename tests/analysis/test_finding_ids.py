"""One finding per mistake, acknowledged once by any of its ids (analysis/finding_ids.py; docs/nag.md)."""

from __future__ import annotations

import pytest

from least_privilege_constructs.analysis.acknowledgments import Acknowledgments
from least_privilege_constructs.analysis.finding_ids import (
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
