"""One finding model for every check (validate-policy, custom checks, escalation, analysis failures).

A :class:`Finding` has the shape of an IAM Access Analyzer ValidatePolicy finding (``findingType``,
``issueCode``, ``findingDetails``, ``locations``) plus where the policy came from (:class:`PolicyOrigin`)
and which check produced it. Every renderer (text, JSON, SARIF, JUnit) and every backend (offline,
Access Analyzer) uses this model, so the report and the exit code are the same offline and online.

Example::

    >>> f = Finding(FindingType.ERROR, "INVALID_ACTION", "The action s3:GetObjekt does not exist.",
    ...             locations=[["Statement", 0, "Action", 0]])
    >>> f.is_blocking()
    True
    >>> f.location_strings()
    ['Statement[0].Action[0]']
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from least_privilege_constructs.analysis.model.spans import Position, SourceLocation

PathElement = str | int | None
"""One step of a JSON path into a policy: an object key, an array index, or ``None`` where Access
Analyzer points at a key rather than a value."""

JsonPath = list[PathElement]


class FindingType(StrEnum):
    """Access Analyzer's finding types, most severe first."""

    ERROR = "ERROR"
    SECURITY_WARNING = "SECURITY_WARNING"
    WARNING = "WARNING"
    SUGGESTION = "SUGGESTION"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {
    FindingType.ERROR: 0,
    FindingType.SECURITY_WARNING: 1,
    FindingType.WARNING: 2,
    FindingType.SUGGESTION: 3,
}

DEFAULT_BLOCKING: frozenset[FindingType] = frozenset({FindingType.ERROR, FindingType.SECURITY_WARNING})
"""Finding types that block by default (as cfn-policy-validator's ``--treat-as-blocking``)."""


class PolicyType(StrEnum):
    """Access Analyzer's ``policyType`` values, plus the kinds the extractor distinguishes."""

    IDENTITY_POLICY = "IDENTITY_POLICY"
    RESOURCE_POLICY = "RESOURCE_POLICY"
    SERVICE_CONTROL_POLICY = "SERVICE_CONTROL_POLICY"
    RESOURCE_CONTROL_POLICY = "RESOURCE_CONTROL_POLICY"

    @classmethod
    def parse(cls, value: str | PolicyType) -> PolicyType:
        try:
            return cls(str(value).upper())
        except ValueError:
            choices = ", ".join(p.value for p in cls)
            raise ValueError(f"unknown policy type {value!r}; expected one of {choices}") from None


def format_path(path: Sequence[PathElement]) -> str:
    """Render a JSON path the way Access Analyzer's console does: ``Statement[0].Action[9]``."""
    out = ""
    for step in path:
        if isinstance(step, int):
            out += f"[{step}]"
        elif step is None:
            out += ".<key>"
        else:
            out += ("." if out else "") + str(step)
    return out


@dataclass(frozen=True)
class PolicyOrigin:
    """Where a policy comes from: file, stack, logical id, construct path and JSON path in the template.

    ``json_path`` is the path of the policy document inside the template, e.g.
    ``Resources.MyRole.Properties.Policies[0].PolicyDocument``.
    """

    source: str = ""
    stack: str | None = None
    logical_id: str | None = None
    construct_path: str | None = None
    json_path: str | None = None
    policy_type: str | None = None
    policy_name: str | None = None
    resource_type: str | None = None
    location: SourceLocation | None = field(default=None, compare=False, repr=False)
    """Where the policy is in ``source`` (line and column, resolved on demand from the loaded file)."""

    def position(self, sub_path: Sequence[PathElement] = ()) -> Position | None:
        """The line and column of the policy in ``source`` (or of ``sub_path`` inside it, e.g. a finding's
        location, when the file has it); None when unknown."""
        return self.location.position(sub_path) if self.location is not None else None

    def label(self) -> str:
        """A short human label, construct path first (that is what CDK users recognise)."""
        if self.construct_path:
            return self.construct_path
        parts = [p for p in (self.stack, self.logical_id) if p]
        if parts:
            return "/".join(parts)
        return self.source or "<policy>"

    def to_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if v not in (None, "") and k != "location"}
        position = self.position()
        if position is not None:
            out["line"], out["column"] = position.line, position.column
        return out


@dataclass(frozen=True)
class Finding:
    """A finding on one policy.

    ``check`` names what produced it: ``validate-policy`` (default), ``check-no-new-access``,
    ``check-access-not-granted``, ``check-no-public-access``, ``escalation``, ``extraction`` or
    ``analysis``.
    """

    finding_type: FindingType
    issue_code: str
    message: str
    locations: list[JsonPath] = field(default_factory=list)
    origin: PolicyOrigin | None = None
    check: str = "validate-policy"
    learn_more_link: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def is_blocking(self, blocking: Iterable[FindingType | str] = DEFAULT_BLOCKING) -> bool:
        return self.finding_type in {FindingType(str(b)) for b in blocking}

    def location_strings(self) -> list[str]:
        return [format_path(p) for p in self.locations]

    def with_origin(self, origin: PolicyOrigin) -> Finding:
        return replace(self, origin=origin)

    def to_access_analyzer(self) -> dict[str, Any]:
        """The shape of one item of ``aws accessanalyzer validate-policy``'s ``findings``."""
        return {
            "findingDetails": self.message,
            "findingType": self.finding_type.value,
            "issueCode": self.issue_code,
            "learnMoreLink": self.learn_more_link
            or "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html",
            "locations": [
                {"path": [_aa_path_element(p) for p in path], "span": self._span(i)}
                for i, path in enumerate(self.locations)
            ],
        }

    def _span(self, i: int) -> dict[str, Any]:
        """The i-th location's span when the producer recorded spans in ``details["spans"]`` (validate_policy
        does for policies given as JSON text), else Access Analyzer's empty span."""
        spans = self.details.get("spans")
        if isinstance(spans, list) and i < len(spans) and spans[i]:
            return dict(spans[i])
        return {"start": {}, "end": {}}

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "findingType": self.finding_type.value,
            "issueCode": self.issue_code,
            "message": self.message,
            "check": self.check,
            "locations": [list(p) for p in self.locations],
        }
        if self.origin is not None:
            out["origin"] = self.origin.to_dict()
        if self.details:
            out["details"] = self.details
        return out


FAIL_CLOSED_CHECKS: frozenset[str] = frozenset({"extraction", "analysis"})
"""Checks whose findings mean "this policy could not be analysed": they block whatever the blocking
finding types are (fail closed); only an explicit ignore lets them pass."""


def blocks(finding: Finding, blocking: Iterable[FindingType | str] = DEFAULT_BLOCKING) -> bool:
    """Whether a finding blocks: its type is in ``blocking``, or it reports an analysis that could not run
    (:data:`FAIL_CLOSED_CHECKS`)."""
    return finding.check in FAIL_CLOSED_CHECKS or finding.is_blocking(blocking)


def _aa_path_element(step: PathElement) -> dict[str, Any]:
    if isinstance(step, int):
        return {"index": step}
    if step is None:
        return {"key": ""}
    return {"value": step}


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Most severe first, then by origin and issue code, for stable reports."""
    return sorted(
        findings,
        key=lambda f: (
            f.finding_type.rank,
            f.origin.label() if f.origin else "",
            f.issue_code,
            [format_path(p) for p in f.locations],
        ),
    )
