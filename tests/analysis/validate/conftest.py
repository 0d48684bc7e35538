"""Helpers for the validate-policy tests: build policies tersely and run the validator."""

from __future__ import annotations

from typing import Any

import pytest

from least_privilege_constructs.analysis.findings import Finding
from least_privilege_constructs.analysis.validate import validate_policy

TRUST = "AWS::IAM::AssumeRolePolicyDocument"


def policy(*statements: dict[str, Any], version: str | None = "2012-10-17") -> dict[str, Any]:
    doc: dict[str, Any] = {"Statement": list(statements)}
    if version is not None:
        doc["Version"] = version
    return doc


def allow(action: Any = "s3:GetObject", resource: Any = "*", **extra: Any) -> dict[str, Any]:
    st: dict[str, Any] = {"Effect": "Allow", "Action": action, "Resource": resource}
    st.update(extra)
    return st


def codes_of(findings: list[Finding]) -> set[str]:
    return {f.issue_code for f in findings}


def paths_of(findings: list[Finding], code: str) -> list[list[Any]]:
    return [p for f in findings if f.issue_code == code for p in f.locations]


@pytest.fixture
def validate():
    def run(
        doc: Any, policy_type: str = "IDENTITY_POLICY", resource_type: str | None = None
    ) -> list[Finding]:
        return validate_policy(doc, policy_type, resource_type)

    return run
