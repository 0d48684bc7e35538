"""The three custom checks, effective permissions and batching."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from least_privilege_constructs.analysis.reasoning import (
    CheckResult,
    PolicySet,
    Verdict,
    check_access_not_granted,
    check_no_new_access,
    check_no_public_access,
    effective_permissions,
    plan_access_batches,
)
from least_privilege_constructs.analysis.reasoning.no_public_access import SUPPORTED_RESOURCE_TYPES


def doc(*stmts: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(stmts)}


def allow(action: Any = "s3:GetObject", resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any = "s3:GetObject", resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


NO_NEW = [
    ("identical", doc(allow()), doc(allow()), "PASS", []),
    ("reordered-lists", doc(allow(["s3:PutObject", "s3:GetObject"])), doc(allow(["s3:GetObject", "s3:PutObject"])), "PASS", []),
    ("narrower-action", doc(allow("s3:GetObject")), doc(allow("s3:Get*")), "PASS", []),
    ("wider-action", doc(allow("s3:Get*")), doc(allow("s3:GetObject")), "FAIL", [0]),
    ("extra-statement", doc(allow(), allow("s3:PutObject", Sid="Put")), doc(allow()), "FAIL", [1]),
    ("case-of-action-irrelevant", doc(allow("S3:GETOBJECT")), doc(allow("s3:GetObject")), "PASS", []),
    ("narrower-resource", doc(allow("s3:*", "arn:aws:s3:::b/x/*")), doc(allow("s3:*", "arn:aws:s3:::b/*")), "PASS", []),
    ("resource-case-matters", doc(allow("s3:*", "arn:aws:s3:::B/*")), doc(allow("s3:*", "arn:aws:s3:::b/*")), "FAIL", [0]),
    ("removed-deny", doc(allow("s3:*")), doc(allow("s3:*"), deny("s3:Delete*")), "FAIL", [0]),
    ("added-deny", doc(allow("s3:*"), deny("s3:Delete*")), doc(allow("s3:*")), "PASS", []),
    ("condition-added-narrows", doc(allow(Condition={"Bool": {"aws:SecureTransport": "true"}})), doc(allow()), "PASS", []),
    ("condition-removed-widens", doc(allow()), doc(allow(Condition={"Bool": {"aws:SecureTransport": "true"}})), "FAIL", [0]),
    ("ip-subrange", doc(allow(Condition={"IpAddress": {"aws:SourceIp": "10.1.0.0/16"}})),
     doc(allow(Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})), "PASS", []),
    ("ip-superrange", doc(allow(Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})),
     doc(allow(Condition={"IpAddress": {"aws:SourceIp": "10.1.0.0/16"}})), "FAIL", [0]),
    ("numeric-tighter", doc(allow(Condition={"NumericLessThan": {"aws:MultiFactorAuthAge": "300"}})),
     doc(allow(Condition={"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}})), "PASS", []),
    ("date-later-expiry", doc(allow(Condition={"DateLessThan": {"aws:CurrentTime": "2031-01-01T00:00:00Z"}})),
     doc(allow(Condition={"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}})), "FAIL", [0]),
    ("forallvalues-subset", doc(allow(Condition={"ForAllValues:StringEquals": {"aws:TagKeys": ["a"]}})),
     doc(allow(Condition={"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}})), "PASS", []),
    ("forallvalues-superset", doc(allow(Condition={"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b", "c"]}})),
     doc(allow(Condition={"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}})), "FAIL", [0]),
    ("variable-resource-narrows", doc(allow("s3:*", "arn:aws:s3:::home/${aws:username}/*")),
     doc(allow("s3:*", "arn:aws:s3:::home/*")), "PASS", []),
    ("variable-resource-widens", doc(allow("s3:*", "arn:aws:s3:::home/*")),
     doc(allow("s3:*", "arn:aws:s3:::home/${aws:username}/*")), "FAIL", [0]),
    ("not-action-vs-star", doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}), doc(allow("*")), "PASS", []),
    ("star-vs-not-action", doc(allow("*")), doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}), "FAIL", [0]),
    ("unknown-literal-action-is-new", doc(allow("s3:NotARealAction")), doc(allow("s3:GetObject")), "FAIL", [0]),
]


@pytest.mark.parametrize("new,old,verdict,indexes", [c[1:] for c in NO_NEW], ids=[c[0] for c in NO_NEW])
def test_check_no_new_access(new: dict, old: dict, verdict: str, indexes: list[int]) -> None:
    r = check_no_new_access(new, old, "IDENTITY_POLICY")
    assert r.verdict.value == verdict, r
    assert [x.statement_index for x in r.reasons] == indexes
    if verdict == "FAIL":
        assert r.to_aws()["result"] == "FAIL" and r.exit_code == 2
        assert all(x.example is not None for x in r.reasons)


def test_no_new_access_resource_policy_principals() -> None:
    acct = doc(allow(Principal={"AWS": "111122223333"}))
    role = doc(allow(Principal={"AWS": "arn:aws:iam::111122223333:role/app"}))
    other = doc(allow(Principal={"AWS": "444455556666"}))
    assert check_no_new_access(role, acct, "RESOURCE_POLICY").passed
    assert not check_no_new_access(acct, role, "RESOURCE_POLICY").passed
    assert not check_no_new_access(other, acct, "RESOURCE_POLICY").passed
    assert not check_no_new_access(doc(allow(Principal="*")), acct, "RESOURCE_POLICY").passed


def test_identical_policies_take_the_fast_path() -> None:
    p = doc(allow(["s3:Get*", "s3:List*"], ["arn:aws:s3:::a/*", "arn:aws:s3:::b"]), deny("s3:GetObjectAcl"))
    r = check_no_new_access(p, p, "IDENTITY_POLICY")
    assert r.passed and r.details["solver_queries"] == 0


def test_fast_path_is_not_used_when_a_deny_is_dropped() -> None:
    old = doc(allow("s3:*"), deny("s3:DeleteBucket"))
    r = check_no_new_access(doc(allow("s3:*")), old, "IDENTITY_POLICY")
    assert r.verdict is Verdict.FAIL and r.details["solver_queries"] >= 1
    assert r.reasons[0].example["action"] == "s3:DeleteBucket"


def test_unsupported_construct_fails_closed() -> None:
    # a key compared both as a number and as a string cannot be encoded faithfully
    new = doc(allow(Condition={"NumericLessThan": {"aws:MultiFactorAuthAge": "5"}, "StringEquals": {"aws:MultiFactorAuthAge": "x"}}))
    r = check_no_new_access(new, doc(allow("s3:PutObject")), "IDENTITY_POLICY")
    assert r.verdict is Verdict.UNKNOWN
    assert r.to_aws()["result"] == "FAIL" and r.to_aws()["determination"] == "UNKNOWN"
    assert r.exit_code == 2
    (finding,) = r.to_findings()
    assert finding.issue_code == "CHECK_UNDETERMINED" and finding.is_blocking()


def test_timeout_fails_closed() -> None:
    r = check_no_new_access(doc(allow("s3:Get*")), doc(allow("s3:GetObject")), "IDENTITY_POLICY", timeout_ms=0)
    assert r.verdict is Verdict.UNKNOWN and not r.passed


ANG = [
    ("granted-action", doc(allow("s3:*")), ["s3:DeleteBucket"], [], "FAIL"),
    ("not-granted-action", doc(allow("s3:Get*")), ["s3:DeleteBucket"], [], "PASS"),
    ("granted-on-resource", doc(allow("s3:*", "arn:aws:s3:::b/*")), ["s3:GetObject"], ["arn:aws:s3:::b/k"], "FAIL"),
    ("other-resource", doc(allow("s3:*", "arn:aws:s3:::b/*")), ["s3:GetObject"], ["arn:aws:s3:::c/k"], "PASS"),
    ("resource-only", doc(allow("s3:*", "arn:aws:s3:::b/*")), [], ["arn:aws:s3:::b/k"], "FAIL"),
    ("denied", doc(allow("s3:*"), deny("s3:DeleteBucket")), ["s3:DeleteBucket"], [], "PASS"),
    ("conditional-grant-counts", doc(allow("iam:PassRole", Condition={"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}})),
     ["iam:PassRole"], [], "FAIL"),
    ("wildcard-in-request", doc(allow("iam:CreateUser")), ["iam:Create*"], [], "FAIL"),
]


@pytest.mark.parametrize("policy,actions,resources,verdict", [c[1:] for c in ANG], ids=[c[0] for c in ANG])
def test_check_access_not_granted(policy: dict, actions: list[str], resources: list[str], verdict: str) -> None:
    assert check_access_not_granted(policy, actions, resources).verdict.value == verdict


def test_access_batches_cover_every_pair_once() -> None:
    actions = [f"s3:Action{i}" for i in range(230)]
    resources = [f"arn:aws:s3:::b{i}" for i in range(150)]
    batches = plan_access_batches(actions, resources)
    assert len(batches) == 3 * 2
    assert all(len(b.actions) <= 100 and len(b.resources) <= 100 for b in batches)
    pairs = [(a, r) for b in batches for a in b.actions for r in b.resources]
    assert len(pairs) == len(set(pairs)) == 230 * 150
    # each batch carries its own slice, never the full list
    assert all(len(b.actions) < len(actions) for b in batches)


def test_access_not_granted_many_actions_finds_the_granted_one() -> None:
    actions = [f"s3:NoSuchAction{i}" for i in range(150)] + ["iam:PassRole"]
    r = check_access_not_granted(doc(allow("iam:PassRole", Sid="Pass")), actions, [])
    assert r.verdict is Verdict.FAIL and [x.statement_id for x in r.reasons] == ["Pass"]
    assert len(r.details["batches"]) == 2


PUBLIC = [
    ("star-principal", doc(allow(Principal="*")), "FAIL"),
    ("aws-star", doc(allow(Principal={"AWS": "*"})), "FAIL"),
    ("own-account", doc(allow(Principal={"AWS": "arn:aws:iam::111122223333:root"})), "PASS"),
    ("org-condition", doc(allow(Principal="*", Condition={"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}})), "PASS"),
    ("org-wildcard", doc(allow(Principal="*", Condition={"StringLike": {"aws:PrincipalOrgID": "*"}})), "FAIL"),
    ("account-condition", doc(allow(Principal="*", Condition={"StringEquals": {"aws:PrincipalAccount": "111122223333"}})), "PASS"),
    ("account-wildcard-condition", doc(allow(Principal="*", Condition={"StringLike": {"aws:PrincipalAccount": "1111*"}})), "FAIL"),
    ("principal-arn-any-account", doc(allow(Principal={"AWS": "*"}, Condition={"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/Admin"}})), "FAIL"),
    ("principal-arn-own-account", doc(allow(Principal={"AWS": "*"}, Condition={"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/*"}})), "PASS"),
    ("source-vpce", doc(allow(Principal="*", Condition={"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c"}})), "PASS"),
    ("source-ip-range", doc(allow(Principal="*", Condition={"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}})), "PASS"),
    ("source-ip-everything", doc(allow(Principal="*", Condition={"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}})), "FAIL"),
    ("service-principal", doc(allow(Principal={"Service": "cloudtrail.amazonaws.com"})), "PASS"),
    ("denied-outside-org", doc(allow(Principal="*"), deny("*", Principal="*", Condition={"StringNotEquals": {"aws:PrincipalOrgID": "o-abc123"}})), "PASS"),
    ("not-principal-allow", doc({**allow(), "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:root"}}), "FAIL"),
]


@pytest.mark.parametrize("policy,verdict", [c[1:] for c in PUBLIC], ids=[c[0] for c in PUBLIC])
def test_check_no_public_access(policy: dict, verdict: str) -> None:
    r = check_no_public_access(policy, "AWS::S3::Bucket")
    assert r.verdict.value == verdict, r


def test_public_access_rejects_unsupported_resource_type() -> None:
    with pytest.raises(ValueError, match="unsupported resource type"):
        check_no_public_access(doc(allow(Principal="*")), "AWS::EC2::Instance")
    assert "AWS::IAM::AssumeRolePolicyDocument" in SUPPORTED_RESOURCE_TYPES and len(SUPPORTED_RESOURCE_TYPES) == 26


@dataclass
class FakeExtracted:
    document: dict[str, Any]
    name: str = "inline"


@dataclass
class FakePrincipal:
    """Duck-typed like analysis.extract's Principal."""

    identity_policies: list[Any]
    boundary: Any
    arn: str = "arn:aws:iam::111122223333:role/dev"


ADMIN = doc(allow("*"))
BOUNDARY = doc(allow(["s3:*", "iam:Get*"]))


@pytest.mark.parametrize(
    "principal",
    [FakePrincipal([FakeExtracted(ADMIN)], FakeExtracted(BOUNDARY)), FakePrincipal([ADMIN], BOUNDARY),
     {"identity": [ADMIN], "boundary": BOUNDARY}],
    ids=["principal-objects", "principal-docs", "mapping"],
)
def test_effective_permissions_respects_the_boundary(principal: Any) -> None:
    eff = effective_permissions(principal)
    assert isinstance(eff, PolicySet) and eff.boundary is not None
    assert check_access_not_granted(eff, ["iam:CreateUser"]).passed
    assert not check_access_not_granted(eff, ["s3:DeleteBucket"]).passed
    # the identity policy alone grants it: cfn-policy-validator's (boundary-blind) answer
    assert not check_access_not_granted(ADMIN, ["iam:CreateUser"]).passed


def test_effective_permissions_with_scps_and_no_new_access() -> None:
    scp = doc(allow("*"), deny("s3:DeleteBucket"))
    eff = effective_permissions({"identity": [ADMIN], "boundary": BOUNDARY}, scps=[scp])
    assert check_access_not_granted(eff, ["s3:DeleteBucket"]).passed
    assert check_no_new_access(eff, doc(allow(["s3:*", "iam:Get*"])), "IDENTITY_POLICY").passed
    r = check_no_new_access(eff, doc(allow("s3:Get*")), "IDENTITY_POLICY")
    assert r.verdict is Verdict.FAIL


def test_effective_permissions_rejects_other_shapes() -> None:
    with pytest.raises(TypeError, match="identity_policies"):
        effective_permissions(42)


def test_check_result_json_shape() -> None:
    r = check_no_new_access(doc(allow("s3:*", Sid="All")), doc(allow()), "IDENTITY_POLICY")
    out = r.to_aws()
    assert set(out) == {"result", "message", "reasons"}
    assert out["reasons"] == [{"description": "New access in the statement with index: 0.", "statementIndex": 0,
                               "statementId": "All"}]
    assert isinstance(r, CheckResult) and r.to_findings()[0].issue_code == "NEW_ACCESS"


def test_effective_permissions_of_an_extracted_principal() -> None:
    """The real analysis.extract Principal: identity_policies() is a method; ARNs need documents."""
    from least_privilege_constructs.analysis.extract.model import Principal, PrincipalKind

    class Extracted:
        def __init__(self, document: dict[str, Any]) -> None:
            self.document = document

    p = Principal(kind=PrincipalKind.ROLE, name="dev", arn="arn:aws:iam::111122223333:role/dev",
                  inline_policies=[Extracted(ADMIN)],  # type: ignore[list-item]
                  boundary=Extracted(BOUNDARY))  # type: ignore[arg-type]
    eff = effective_permissions(p)
    assert check_access_not_granted(eff, ["iam:CreateUser"]).passed

    p.managed_policy_arns = ["arn:aws:iam::aws:policy/AdministratorAccess"]
    unknown = check_access_not_granted(effective_permissions(p), ["iam:CreateUser"])
    assert unknown.verdict is Verdict.UNKNOWN and "AdministratorAccess" in unknown.message
    resolved = effective_permissions(p, managed_policies={"arn:aws:iam::aws:policy/AdministratorAccess": ADMIN})
    assert check_access_not_granted(resolved, ["iam:CreateUser"]).passed  # the boundary still forbids it

    p.boundary = None
    p.boundary_arn = "arn:aws:iam::111122223333:policy/external-boundary"
    r = check_access_not_granted(effective_permissions(p, managed_policies={}), ["iam:CreateUser"])
    assert r.verdict is not Verdict.PASS


# -- an undecided statement is named: IAM User Guide, "AWS JSON policy elements: Principal"
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html): "You cannot use a
# wildcard to match part of a principal name or ARN", so such a statement gets no verdict (fail closed) -------------

WILD = {"AWS": "arn:aws:iam::*:role/reader"}


@pytest.mark.parametrize(("name", "policy", "verdict", "statements"), [
    # the other statements decided (not public): the UNKNOWN is the wildcard statement's, and says which
    ("only-the-wildcard-statement", doc(allow(Principal={"AWS": "111122223333"}), allow(Principal=WILD)),
     Verdict.UNKNOWN, [1]),
    # another statement is public: that is decided whatever the wildcard statement means
    ("public-beside-it", doc(allow(Principal=WILD), allow(Principal="*")), Verdict.FAIL, [1]),
    # a Deny with the wildcard principal takes part in every statement's answer: no single statement to name
    ("wildcard-in-a-deny", doc(allow(Principal="*"), deny(Principal=WILD)), Verdict.UNKNOWN, [None]),
])
def test_an_undecided_public_access_check_names_the_statement_when_it_alone_is_undecided(
        name: str, policy: dict[str, Any], verdict: Verdict, statements: list[int | None]) -> None:
    result = check_no_public_access(policy, "AWS::S3::Bucket")
    assert result.verdict is verdict
    assert [r.statement_index for r in result.reasons] == statements
    if verdict is Verdict.UNKNOWN:
        (finding,) = result.to_findings()
        assert finding.issue_code == "CHECK_UNDETERMINED"
        assert finding.locations == ([["Statement", statements[0]]] if statements[0] is not None else [])


def test_a_failing_public_access_check_also_reports_the_statements_it_could_not_decide() -> None:
    # given a public statement beside one whose principal cannot be read (a wildcard inside an ARN)
    policy = doc(allow(Principal="*", Sid="PublicRead"), allow("s3:PutObject", Principal=WILD))
    # when checked: FAIL for the public one, and the undecided one is not dropped (an acknowledgment of the
    # public read must not accept it)
    result = check_no_public_access(policy, "AWS::S3::Bucket")
    assert result.verdict is Verdict.FAIL
    codes = [(f.issue_code, f.locations) for f in result.to_findings()]
    assert codes == [("PUBLIC_ACCESS", [["Statement", 0]]), ("CHECK_UNDETERMINED", [["Statement", 1]])]
    # and the same through the gate's outcome, and through its cache
    from least_privilege_constructs.access_analyzer.offline import outcome_from_offline
    from least_privilege_constructs.analysis.outcome import Check, CheckOutcome

    outcome = outcome_from_offline(Check.NO_PUBLIC_ACCESS, result)
    assert [(f.issue_code, f.locations) for f in outcome.to_findings()] == codes
    cached = CheckOutcome.from_dict(Check.NO_PUBLIC_ACCESS, outcome.to_dict())
    assert [(f.issue_code, f.locations) for f in cached.to_findings()] == codes
