"""Offline ValidatePolicy: IAM Access Analyzer's policy checks, reproduced without an AWS account.

:func:`validate_policy` takes the same inputs as ``aws accessanalyzer validate-policy`` (a policy
document, ``--policy-type`` and ``--validate-policy-resource-type``) and returns
:class:`~least_privilege_constructs.analysis.findings.Finding` objects with Access Analyzer's issue codes,
finding types and locations. Every check lives in one module per family under ``checks/`` and declares
the code it reproduces; :func:`codes` lists them (supported or not, with the reason).

Example::

    >>> from least_privilege_constructs.analysis import validate_policy
    >>> findings = validate_policy(
    ...     {"Version": "2012-10-17",
    ...      "Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]},
    ...     "IDENTITY_POLICY")
    >>> [(f.issue_code, f.location_strings()) for f in findings]
    [('PASS_ROLE_WITH_STAR_IN_RESOURCE', ['Statement[0].Action', 'Statement[0].Resource'])]

A document that is not JSON gives one ``JSON_SYNTAX_ERROR`` finding (with line and column); a check that
fails on unexpected input gives a blocking ``VALIDATION_CHECK_FAILED`` finding instead of a traceback.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from least_privilege_constructs.analysis.findings import Finding, FindingType, PolicyType
from least_privilege_constructs.analysis.model import PolicyParseError, PolicyValueError, parse_policy
from least_privilege_constructs.analysis.model.spans import find_span
from least_privilege_constructs.analysis.validate import registry
from least_privilege_constructs.analysis.validate.registry import (
    RESOURCE_TYPES,
    TRUST_POLICY,
    CodeSpec,
    Context,
    codes,
    declare,
)

__all__ = [
    "CHECK_FAILED",
    "RESOURCE_TYPES",
    "TRUST_POLICY",
    "CodeSpec",
    "access_analyzer_codes",
    "codes",
    "validate_policy",
]


def access_analyzer_codes() -> frozenset[str]:
    """The codes that are Access Analyzer's own (supported or not), i.e. all but the offline-only ones."""
    return frozenset(c for c, spec in codes().items() if not spec.offline_only)


declare(
    CodeSpec(
        "JSON_SYNTAX_ERROR",
        FindingType.ERROR,
        "Json syntax error",
        "The policy is not valid JSON (or not UTF-8, or nested absurdly deep).",
        "The finding gives the line, column and offset of the first error.",
        "syntax",
    )
)
declare(
    CodeSpec(
        "VALIDATION_CHECK_FAILED",
        FindingType.ERROR,
        "Validation check failed",
        "A check could not run on the policy (offline-only code).",
        "Fail closed: when a check raises on unexpected input the policy is not fully validated, and this "
        "blocking finding says which check failed and why.",
        "engine",
        offline_only=True,
    )
)
CHECK_FAILED = "VALIDATION_CHECK_FAILED"
"""The offline-only code of a check that raised (fail closed)."""


def validate_policy(
    document: Any,
    policy_type: str | PolicyType = PolicyType.IDENTITY_POLICY,
    resource_type: str | None = None,
) -> list[Finding]:
    """Validate one policy document like Access Analyzer's ValidatePolicy.

    ``document`` is a dict (or any JSON value), JSON text, or UTF-8 bytes. ``policy_type`` is one of
    IDENTITY_POLICY, RESOURCE_POLICY, SERVICE_CONTROL_POLICY, RESOURCE_CONTROL_POLICY; ``resource_type``
    is a ``validatePolicyResourceType`` (``AWS::IAM::AssumeRolePolicyDocument`` for role trust policies,
    ``AWS::S3::Bucket``, ...). Raises ValueError only for an unknown policy type; problems of the
    document itself are always findings.
    """
    ptype = PolicyType.parse(policy_type)
    if resource_type is not None and not isinstance(resource_type, str):
        raise ValueError(f"resource_type must be a string such as {TRUST_POLICY!r}, not {resource_type!r}")
    try:
        doc = parse_policy(document)
    except PolicyValueError as exc:
        return [Finding(FindingType.ERROR, "DATA_TYPE_MISMATCH", f"{exc.message}.", locations=[[]])]
    except PolicyParseError as exc:
        return [
            Finding(
                FindingType.ERROR,
                "JSON_SYNTAX_ERROR",
                f"Fix the JSON syntax error at index {exc.offset} line {exc.line} column {exc.column}: {exc.message}.",
                locations=[[]],
                details={
                    "line": exc.line,
                    "column": exc.column,
                    "offset": exc.offset,
                    "spans": [
                        {
                            "start": (pos := {"line": exc.line, "column": exc.column, "offset": exc.offset}),
                            "end": dict(pos),
                        }
                    ],
                },
            )
        ]
    ctx = Context(doc=doc, policy_type=ptype, resource_type=resource_type)
    for chk, policy_types in registry.plan():
        if policy_types is not None and ptype not in policy_types:
            continue
        try:
            chk.func(ctx)
        except Exception as exc:  # fail closed: a check that cannot run is a blocking finding
            ctx.findings.append(
                Finding(
                    FindingType.ERROR,
                    CHECK_FAILED,
                    f"The check {chk.family}/{chk.name} could not run on this policy "
                    f"({type(exc).__name__}: {exc}); the policy was not fully validated.",
                    locations=[[]],
                    check="analysis",
                    details={"check": chk.name, "codes": list(chk.codes)},
                )
            )
    findings = _dedupe(ctx.findings)
    if doc.text is not None and findings:
        findings = _with_spans(doc.text, findings)
    return findings


def _with_spans(text: str, findings: list[Finding]) -> list[Finding]:
    """Record each location's character span (Access Analyzer's ``span``) for policies given as text."""
    out = []
    memo: dict[Any, Any] = {}
    for f in findings:
        spans = []
        for path in f.locations:
            span = find_span(text, path, f.details.get("key"), memo)
            spans.append(span.to_dict() if span else {})
        out.append(replace(f, details={**f.details, "spans": spans}))
    return out


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[str, str]] = set()
    out: list[Finding] = []
    for f in findings:
        key = (f.issue_code, json.dumps(f.locations))
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out
