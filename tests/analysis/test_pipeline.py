"""The validation pipeline shared by ``lpc validate`` and the synth-time plugin: filters, external
principals, fail-closed behaviour."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from least_privilege_constructs.analysis.extract import Extraction, extract_policies
from least_privilege_constructs.analysis.findings import Finding, FindingType
from least_privilege_constructs.analysis.pipeline import (
    ValidationOptions,
    external_principal_findings,
    is_ignored,
    parse_blocking,
    run_validation,
    split_list,
    validate_extraction,
)

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "extract" / "all_resources.yaml"


@pytest.fixture(scope="module")
def extraction() -> Extraction:
    return extract_policies(FIXTURE)


def wildcard_validator(document: Any, policy_type: str, resource_type: str | None) -> list[Finding]:
    """A stand-in validator: one WARNING per statement whose Resource is '*'."""
    out = []
    for i, statement in enumerate(document.get("Statement", [])):
        if isinstance(statement, dict) and statement.get("Resource") == "*":
            out.append(Finding(FindingType.WARNING, "STAR_RESOURCE", "Resource is *", [["Statement", i, "Resource"]]))
    return out


def test_findings_carry_the_policy_origin(extraction: Extraction) -> None:
    run = validate_extraction(extraction, ValidationOptions(validator=wildcard_validator,
                                                            check_external_principals=False))
    assert run.findings and all(f.origin is not None and f.origin.logical_id for f in run.findings)
    assert {f.origin.logical_id for f in run.findings if f.origin} >= {"Boundary", "Key", "Scp"}
    assert run.exit_code == 0  # WARNING does not block by default
    blocking = ValidationOptions(validator=wildcard_validator, check_external_principals=False,
                                 treat_as_blocking=parse_blocking("ERROR,WARNING"))
    assert validate_extraction(extraction, blocking).exit_code == 2
    assert len(run.checked) == len(extraction.policies)


IGNORE_CASES = [
    ("code", "STAR_RESOURCE", True),
    ("logical-id", "Key", True),
    ("logical-id-and-code", "Key.STAR_RESOURCE", True),
    ("logical-id-other-code", "Key.OTHER", False),
    ("construct-path", "App/Key/Resource", True),
    ("construct-path-prefix", "App/Key", True),
    ("construct-path-and-code", "App/Key/Resource.STAR_RESOURCE", True),
    ("stack-and-logical-id", "all_resources/Key", True),
    ("policy-name", "deny-leave", False),
    ("unrelated", "Bucket", False),
]


@pytest.mark.parametrize(("pattern", "ignored"), [c[1:] for c in IGNORE_CASES], ids=[c[0] for c in IGNORE_CASES])
def test_ignore_finding_patterns(extraction: Extraction, pattern: str, ignored: bool) -> None:
    key = next(p for p in extraction.policies if p.origin.logical_id == "Key")
    finding = Finding(FindingType.WARNING, "STAR_RESOURCE", "m", [], key.origin)
    assert is_ignored(finding, [pattern]) is ignored


def test_ignored_findings_are_kept_aside(extraction: Extraction) -> None:
    run = validate_extraction(extraction, ValidationOptions(validator=wildcard_validator, ignore_findings=("Key",),
                                                            check_external_principals=False))
    assert all(f.origin and f.origin.logical_id != "Key" for f in run.findings)
    assert [f.origin.logical_id for f in run.ignored if f.origin] == ["Key"]


def test_exclude_resource_types(extraction: Extraction) -> None:
    options = ValidationOptions(validator=wildcard_validator,
                                exclude_resource_types=split_list(["AWS::KMS::Key,AWS::SQS::Queue"]))
    run = validate_extraction(extraction, options)
    assert {p.origin.logical_id for p in run.excluded} == {"Key", "QueuePolicy"}
    assert all(f.origin and f.origin.logical_id not in {"Key", "QueuePolicy"} for f in run.findings)


def test_validator_failure_fails_closed(extraction: Extraction) -> None:
    def broken(document: Any, policy_type: str, resource_type: str | None) -> list[Finding]:
        raise RuntimeError("boom")

    findings = run_validation(extraction, ValidationOptions(validator=broken, check_external_principals=False))
    assert len(findings) == len(extraction.policies)
    assert {f.issue_code for f in findings} == {"ANALYSIS_FAILED"}
    assert all(f.is_blocking() for f in findings)


def test_findings_at_unresolved_paths_are_dropped_but_extraction_blocks(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"Resources": {"P": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
        "PolicyDocument": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": {"Fn::GetAtt": ["Nope", "Arn"]}},
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}}}}}))

    def flags_every_resource(document: Any, policy_type: str, resource_type: str | None) -> list[Finding]:
        return [Finding(FindingType.ERROR, "INVALID_ARN", "bad", [["Statement", i, "Resource"]]) for i in range(2)]

    findings = run_validation(extract_policies(path), ValidationOptions(validator=flags_every_resource))
    assert sorted((f.issue_code, f.check, f.location_strings()[0]) for f in findings) == [
        ("INVALID_ARN", "validate-policy", "Statement[1].Resource"),
        ("UNRESOLVABLE_INTRINSIC", "extraction", "Statement[0].Resource"),
    ]


EXTERNAL_CASES: list[tuple[str, Any, list[str] | None]] = [
    ("own-account-root", {"AWS": "arn:aws:iam::123456789012:root"}, None),
    ("own-account-id", {"AWS": "123456789012"}, None),
    ("service", {"Service": "sns.amazonaws.com"}, None),
    ("other-account", {"AWS": "111111111111"}, ["111111111111"]),
    ("other-account-role", {"AWS": "arn:aws:iam::111111111111:role/x"}, ["arn:aws:iam::111111111111:role/x"]),
    ("public", "*", ["*"]),
    ("public-aws", {"AWS": "*"}, ["*"]),
    ("federated", {"Federated": "cognito-identity.amazonaws.com"}, ["cognito-identity.amazonaws.com"]),
]


@pytest.mark.parametrize(("principal", "expected"), [c[1:] for c in EXTERNAL_CASES], ids=[c[0] for c in EXTERNAL_CASES])
def test_external_principals(extraction: Extraction, principal: Any, expected: list[str] | None) -> None:
    policy = next(p for p in extraction.policies if p.origin.logical_id == "TopicPolicy")
    policy = type(policy)(**{**policy.__dict__, "document": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": principal, "Action": "sns:Publish", "Resource": "*"}]}})
    findings = external_principal_findings(policy)
    if expected is None:
        assert findings == []
    else:
        assert [f.details["principals"] for f in findings] == [expected]
        assert findings[0].finding_type is FindingType.SECURITY_WARNING
        assert findings[0].location_strings() == ["Statement[0].Principal"]
        assert external_principal_findings(policy, allowed=expected) == []


CONDITION_CASES: list[tuple[str, dict[str, Any], bool]] = [
    ("source-account-own", {"StringEquals": {"aws:SourceAccount": "123456789012"}}, False),
    ("principal-org", {"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}, False),
    ("source-account-other", {"StringEquals": {"aws:SourceAccount": "999999999999"}}, True),
    ("if-exists-does-not-restrict", {"StringEqualsIfExists": {"aws:SourceAccount": "123456789012"}}, True),
    ("negated-does-not-restrict", {"StringNotEquals": {"aws:PrincipalAccount": "123456789012"}}, True),
    # review: wildcards after a prefix every identifier has, or in an account id, restrict nothing
    # (Organizations API Organization.Id ^o-[a-z0-9]{10,32}$; EC2 resource ids vpce-...)
    ("org-wildcard-restricts-nothing", {"StringLike": {"aws:PrincipalOrgID": "o-*"}}, True),
    ("vpce-wildcard-restricts-nothing", {"StringLike": {"aws:SourceVpce": "vpce-*"}}, True),
    ("account-wildcard-restricts-nothing", {"StringLike": {"aws:PrincipalAccount": "1234*"}}, True),
    ("org-prefix-restricts", {"StringLike": {"aws:PrincipalOrgID": "o-a1b2c3d4e5*"}}, False),
    # the caller's own organization as the value holds for a caller of any organization; the resource's does not
    ("callers-own-org-variable", {"StringEquals": {"aws:PrincipalOrgID": "${aws:PrincipalOrgID}"}}, True),
    ("resource-org-variable", {"StringEquals": {"aws:PrincipalOrgID": "${aws:ResourceOrgID}"}}, False),
]


@pytest.mark.parametrize(("condition", "external"), [c[1:] for c in CONDITION_CASES], ids=[c[0] for c in CONDITION_CASES])
def test_conditions_restricting_public_principals(extraction: Extraction, condition: dict[str, Any],
                                                  external: bool) -> None:
    policy = next(p for p in extraction.policies if p.origin.logical_id == "TopicPolicy")
    policy = type(policy)(**{**policy.__dict__, "document": {"Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "sns:Publish", "Resource": "*", "Condition": condition}]}})
    assert bool(external_principal_findings(policy)) is external


def test_identity_policies_are_not_checked_for_external_principals(extraction: Extraction) -> None:
    boundary = next(p for p in extraction.policies if p.origin.logical_id == "Boundary")
    assert external_principal_findings(boundary) == []


@pytest.mark.parametrize(("value", "expected"), [
    ("ERROR,SECURITY_WARNING", {"ERROR", "SECURITY_WARNING"}),
    ("error", {"ERROR"}),
    ("NONE", set()),
    (None, {"ERROR", "SECURITY_WARNING"}),
], ids=["default-list", "lowercase", "none", "unset"])
def test_parse_blocking(value: str | None, expected: set[str]) -> None:
    assert {t.value for t in parse_blocking(value)} == expected


def test_parse_blocking_rejects_unknown() -> None:
    with pytest.raises(ValueError, match="unknown finding type 'FATAL'"):
        parse_blocking("ERROR,FATAL")


def test_real_validator_on_the_fixture(extraction: Extraction) -> None:
    pytest.importorskip("least_privilege_constructs.analysis.validate")
    run = validate_extraction(extraction, ValidationOptions(allow_external_principals=("*", "111111111111",
                                                                                       "222222222222")))
    assert not [f for f in run.findings if f.issue_code == "EXTERNAL_PRINCIPAL"]
    assert all(f.origin is not None for f in run.findings)
    assert {f.check for f in run.findings} <= {"validate-policy", "analysis", "extraction"}


# --- hypothesis: arbitrary policy documents never crash the pipeline or the renderers ---------------------------


_json = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=12),
              st.sampled_from(["*", "Allow", "Deny", "123456789012", "111111111111", "arn:aws:iam::111111111111:root",
                               "aws:SourceAccount", "StringEquals", "AWS", "Service", "Federated"])),
    lambda children: st.one_of(st.lists(children, max_size=3),
                               st.dictionaries(st.sampled_from(["Effect", "Principal", "NotPrincipal", "Action",
                                                                "Resource", "Condition", "AWS", "Service",
                                                                "StringEquals", "aws:SourceAccount", "Statement"]),
                                               children, max_size=4)),
    max_leaves=15)


@settings(max_examples=200, deadline=None)
@given(st.one_of(_json, st.fixed_dictionaries({"Statement": _json})))
def test_arbitrary_documents_never_crash(extraction: Extraction, document: Any) -> None:
    from least_privilege_constructs.analysis.report import render

    base = next(p for p in extraction.policies if p.origin.logical_id == "TopicPolicy")
    policy = type(base)(**{**base.__dict__, "document": document})
    findings = external_principal_findings(policy, ("111111111111",))
    ex = Extraction(policies=[policy])
    run = validate_extraction(ex, ValidationOptions())
    for fmt in ("text", "json", "sarif", "junit"):
        render([*findings, *run.findings], fmt, policies=run.checked)


def test_federated_oidc_provider_is_allowed_by_its_host(extraction: Extraction) -> None:
    base = next(p for p in extraction.policies if p.origin.logical_id == "AppRole" and p.kind.value == "trust")
    arn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
    policy = type(base)(**{**base.__dict__, "document": {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": arn}, "Action": "sts:AssumeRoleWithWebIdentity"}]}})
    assert [f.details["principals"] for f in external_principal_findings(policy)] == [[arn]]
    assert external_principal_findings(policy, ("token.actions.githubusercontent.com",)) == []


def test_identical_documents_are_validated_once(tmp_path: Path) -> None:
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                     "Action": "sts:AssumeRole"}]}
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"Resources": {f"R{i}": {"Type": "AWS::IAM::Role", "Properties": {
        "AssumeRolePolicyDocument": trust}} for i in range(5)}}))
    calls: list[str] = []

    def counting(document: Any, policy_type: str, resource_type: str | None) -> list[Finding]:
        calls.append(policy_type)
        return [Finding(FindingType.SUGGESTION, "S", "m", [["Statement", 0]])]

    findings = run_validation(extract_policies(path), ValidationOptions(validator=counting))
    assert calls == ["RESOURCE_POLICY"]
    assert sorted(f.origin.logical_id for f in findings if f.origin) == [f"R{i}" for i in range(5)]
