"""One question for a backend (:class:`AnalysisRequest`) and its answer (:class:`AnalysisResult`).

The synth-time plugin and the CLI build a list of requests (one per policy and check) and hand it to
:meth:`Backend.run <least_privilege_constructs.access_analyzer.backend.Backend.run>`, which answers
them with bounded concurrency and returns the results in request order, failures included as
blocking ``ANALYSIS_FAILED`` findings.

Example::

    >>> doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    >>> req = AnalysisRequest.access_not_granted(doc, actions=["s3:DeleteBucket"], resources=[])
    >>> req.check.value, req.policy_type.value
    ('check-access-not-granted', 'IDENTITY_POLICY')
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from least_privilege_constructs.analysis.findings import Finding, PolicyOrigin, PolicyType
from least_privilege_constructs.analysis.outcome import Check, CheckOutcome

PolicyDocument = Mapping[str, Any] | str
"""A policy document as a parsed JSON object or as JSON text (sent verbatim to the API)."""


def policy_text(document: PolicyDocument) -> str:
    """The JSON text sent to the API: verbatim for text, compact JSON for an object."""
    if isinstance(document, str):
        return document
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


def canonical_policy(document: PolicyDocument) -> Any:
    """A canonical value for hashing: parsed JSON when the text parses, the text itself otherwise."""
    if isinstance(document, str):
        try:
            return json.loads(document)
        except ValueError:
            return {"__unparsed__": document}
    return document


@dataclass(frozen=True, eq=False)
class AnalysisRequest:
    """One check on one policy. Build it with the class methods, which name the arguments as the
    AWS CLI does."""

    check: Check
    policy: PolicyDocument
    policy_type: PolicyType = PolicyType.IDENTITY_POLICY
    origin: PolicyOrigin | None = None
    resource_type: str | None = None
    reference: PolicyDocument | None = None
    actions: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()

    @classmethod
    def validate_policy(
        cls,
        document: PolicyDocument,
        policy_type: PolicyType | str = PolicyType.IDENTITY_POLICY,
        resource_type: str | None = None,
        origin: PolicyOrigin | None = None,
    ) -> AnalysisRequest:
        return cls(Check.VALIDATE_POLICY, document, PolicyType.parse(policy_type), origin, resource_type)

    @classmethod
    def no_new_access(
        cls,
        new: PolicyDocument,
        existing: PolicyDocument,
        policy_type: PolicyType | str = PolicyType.IDENTITY_POLICY,
        origin: PolicyOrigin | None = None,
    ) -> AnalysisRequest:
        return cls(Check.NO_NEW_ACCESS, new, PolicyType.parse(policy_type), origin, reference=existing)

    @classmethod
    def access_not_granted(
        cls,
        document: PolicyDocument,
        actions: Iterable[str] = (),
        resources: Iterable[str] = (),
        policy_type: PolicyType | str = PolicyType.IDENTITY_POLICY,
        origin: PolicyOrigin | None = None,
    ) -> AnalysisRequest:
        return cls(
            Check.ACCESS_NOT_GRANTED,
            document,
            PolicyType.parse(policy_type),
            origin,
            actions=tuple(actions),
            resources=tuple(resources),
        )

    @classmethod
    def no_public_access(
        cls, document: PolicyDocument, resource_type: str, origin: PolicyOrigin | None = None
    ) -> AnalysisRequest:
        return cls(Check.NO_PUBLIC_ACCESS, document, PolicyType.RESOURCE_POLICY, origin, resource_type)

    def cache_identity(self) -> dict[str, Any]:
        """What the answer depends on (the origin is not part of it: the same policy in two
        constructs has one answer). Actions and resources are a set to the API."""
        ident: dict[str, Any] = {
            "check": self.check.value,
            "policy": canonical_policy(self.policy),
            "policyType": self.policy_type.value,
            "resourceType": self.resource_type,
        }
        if self.reference is not None:
            ident["reference"] = canonical_policy(self.reference)
        if self.check is Check.ACCESS_NOT_GRANTED:
            ident["actions"] = sorted(set(self.actions))
            ident["resources"] = sorted(set(self.resources))
        return ident

    def label(self) -> str:
        return self.origin.label() if self.origin is not None else "<policy>"


@dataclass(frozen=True, eq=False)
class AnalysisResult:
    """The answer to one request.

    ``findings`` carry the request's origin and are what goes into the report (for a custom check:
    ``outcome.to_findings(origin)``). ``complete`` is false when some part of the analysis failed (an
    ``ANALYSIS_FAILED`` finding is then among the findings, next to whatever was obtained).
    ``api_calls`` counts Access Analyzer calls made for this request (0 offline or from the cache).
    """

    request: AnalysisRequest
    findings: list[Finding]
    backend: str
    outcome: CheckOutcome | None = None
    complete: bool = True
    cached: bool = False
    api_calls: int = 0
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def check(self) -> Check:
        return self.request.check

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "check": self.check.value,
            "backend": self.backend,
            "complete": self.complete,
            "cached": self.cached,
            "apiCalls": self.api_calls,
            "findings": [f.to_dict() for f in self.findings],
        }
        if self.request.origin is not None:
            out["origin"] = self.request.origin.to_dict()
        if self.outcome is not None:
            out["outcome"] = self.outcome.to_dict()
        return out
