"""Lint: bad organization templates fail with the validator's and the audience rules' findings; the
check fails closed when the validator is unavailable."""

from __future__ import annotations

import pytest

from least_privilege_constructs.templates import lint
from least_privilege_constructs.templates.template import PolicyTemplate
from tests.templates.helpers import minimal_template


def test_invalid_action_is_a_validator_error() -> None:
    t = PolicyTemplate.from_dict(
        minimal_template(statements=[{"Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "arn:aws:s3:::{{bucket_name}}/*"}])
    )
    result = lint.lint_template(t)
    assert not result.ok
    codes = {f.issue_code for f in result.blocking}
    assert "INVALID_ACTION" in codes
    assert "TEMPLATE_UNKNOWN_ACTION" in codes
    assert all(f.origin is not None and f.origin.policy_name == t.ref for f in result.findings)


def test_application_template_granting_permissions_management_fails() -> None:
    t = PolicyTemplate.from_dict(
        minimal_template(statements=[{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutBucketPolicy"],
                                      "Resource": "arn:aws:s3:::{{bucket_name}}"}])
    )
    result = lint.lint_template(t)
    assert "TEMPLATE_PERMISSIONS_MANAGEMENT" in {f.issue_code for f in result.blocking}


def test_security_warning_blocks_lint() -> None:
    # a developer template passing any role: the validator's SECURITY_WARNING and the audience rule block
    t = PolicyTemplate.from_dict(
        minimal_template(
            audience="developer", services=["iam"], parameters={},
            statements=[{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}],
        )
    )
    result = lint.lint_template(t)
    codes = {(f.finding_type.value, f.issue_code) for f in result.blocking}
    assert ("SECURITY_WARNING", "PASS_ROLE_WITH_STAR_IN_RESOURCE") in codes
    assert ("ERROR", "TEMPLATE_UNBOUNDED_PASSROLE") in codes


def test_warning_blocks_lint() -> None:
    # a Bool key compared with a string operator: a WARNING from ValidatePolicy, which lint treats as blocking
    t = PolicyTemplate.from_dict(
        minimal_template(statements=[{"Effect": "Allow", "Action": "s3:GetObject",
                                      "Resource": "arn:aws:s3:::{{bucket_name}}/*",
                                      "Condition": {"StringEquals": {"aws:SecureTransport": "true"}}}])
    )
    result = lint.lint_template(t)
    assert [(f.finding_type.value, f.issue_code) for f in result.blocking] == [("WARNING", "TYPE_MISMATCH")]


def test_unknown_service_is_reported() -> None:
    t = PolicyTemplate.from_dict(
        minimal_template(services=["s3", "nosuchservice"])
    )
    assert "TEMPLATE_UNKNOWN_SERVICE" in {f.issue_code for f in lint.lint_template(t).blocking}


def test_lint_fails_closed_without_validator(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing() -> None:
        raise ImportError("cannot import name 'validate_policy'")

    monkeypatch.setattr(lint, "_validator", missing)
    result = lint.lint_template(PolicyTemplate.from_dict(minimal_template()))
    assert not result.ok
    assert [f.issue_code for f in result.blocking] == ["VALIDATOR_UNAVAILABLE"]


def test_lint_fails_closed_when_validator_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> list[object]:
        raise RuntimeError("boom")

    monkeypatch.setattr(lint, "_validator", lambda: broken)
    result = lint.lint_template(PolicyTemplate.from_dict(minimal_template()))
    assert [f.issue_code for f in result.blocking] == ["VALIDATION_FAILED"]
    assert "RuntimeError: boom" in result.blocking[0].message


def test_example_that_does_not_render_is_reported() -> None:
    t = PolicyTemplate.from_dict(minimal_template())
    bad = PolicyTemplate(**{**t.__dict__, "parameters": {}})  # the placeholder now has no value
    result = lint.lint_template(bad)
    assert [f.issue_code for f in result.blocking] == ["TEMPLATE_RENDER_FAILED"]


def test_suggestions_do_not_block() -> None:
    from least_privilege_constructs.analysis.findings import Finding, FindingType

    result = lint.LintResult(PolicyTemplate.from_dict(minimal_template()),
                             [Finding(FindingType.SUGGESTION, "EMPTY_SID_VALUE", "x")])
    assert result.ok
    result.findings.append(Finding(FindingType.WARNING, "MISSING_VERSION", "x"))
    assert not result.ok
