"""The outcome of a custom policy check (no new access, access not granted, no public access).

:class:`CheckOutcome` has the shape the AWS CLI prints for ``aws accessanalyzer check-*``
(``result``, ``message``, ``reasons`` with ``description``, ``statementIndex``, ``statementId``) and
converts to the shared finding model with :meth:`CheckOutcome.to_findings`, so a check answered by
IAM Access Analyzer and one answered by the embedded analyzer end up in the same report.

Example::

    >>> out = CheckOutcome.from_response(Check.NO_PUBLIC_ACCESS, {
    ...     "result": "FAIL", "message": "The policy grants public access.",
    ...     "reasons": [{"description": "Public access granted", "statementIndex": 0}]})
    >>> [(f.finding_type.value, f.issue_code, f.location_strings()) for f in out.to_findings()]
    [('ERROR', 'PUBLIC_ACCESS', ['Statement[0]'])]
    >>> out.to_dict()["result"]
    'FAIL'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from least_privilege_constructs.analysis.findings import Finding, FindingType, PolicyOrigin


class Check(StrEnum):
    """The four questions a backend answers; the values are the ``check`` names of findings."""

    VALIDATE_POLICY = "validate-policy"
    NO_NEW_ACCESS = "check-no-new-access"
    ACCESS_NOT_GRANTED = "check-access-not-granted"
    NO_PUBLIC_ACCESS = "check-no-public-access"

    @property
    def operation(self) -> str:
        """The Access Analyzer API operation (``CheckNoNewAccess``)."""
        return _OPERATIONS[self]

    @property
    def fail_code(self) -> str | None:
        """The issue code of the finding a ``FAIL`` result becomes (``None`` for validate-policy)."""
        return _FAIL_CODES.get(self)


_OPERATIONS = {
    Check.VALIDATE_POLICY: "ValidatePolicy",
    Check.NO_NEW_ACCESS: "CheckNoNewAccess",
    Check.ACCESS_NOT_GRANTED: "CheckAccessNotGranted",
    Check.NO_PUBLIC_ACCESS: "CheckNoPublicAccess",
}

_FAIL_CODES = {
    Check.NO_NEW_ACCESS: "NEW_ACCESS",
    Check.ACCESS_NOT_GRANTED: "ACCESS_GRANTED",
    Check.NO_PUBLIC_ACCESS: "PUBLIC_ACCESS",
}

_FAIL_TEXT = {
    Check.NO_NEW_ACCESS: "The policy grants access that the reference policy does not",
    Check.ACCESS_NOT_GRANTED: "The policy grants access that must not be granted",
    Check.NO_PUBLIC_ACCESS: "The policy grants public access",
}

ANALYSIS_FAILED = "ANALYSIS_FAILED"
"""Issue code of the blocking finding for a check that could not be completed (fail closed)."""

CHECK_UNDETERMINED = "CHECK_UNDETERMINED"
"""Issue code of the blocking finding for an inconclusive answer (offline: solver time-out or an
unsupported construct); the same code as the embedded analyzer's ``CheckResult``."""


class CheckStatus(StrEnum):
    """``PASS``/``FAIL`` are Access Analyzer's answers; ``UNKNOWN`` is an inconclusive offline answer
    (e.g. a solver time-out); ``ERROR`` means the check could not be completed. Only ``PASS`` passes."""

    PASS = "PASS"
    FAIL = "FAIL"
    UNKNOWN = "UNKNOWN"
    ERROR = "ERROR"


class MalformedResponseError(ValueError):
    """A response that does not have the documented shape (treated as a failed analysis)."""


@dataclass(frozen=True)
class Reason:
    """One item of ``reasons``: why the check failed, and which statement is responsible."""

    description: str | None = None
    statement_index: int | None = None
    statement_id: str | None = None
    policy: str | None = None
    """Which policy of a set the statement belongs to (offline effective-permission checks only)."""
    grants: str | None = None
    """check-access-not-granted, offline: what the statement grants (``"iam:CreateRole on *"``), named in
    the finding's message; the API's answer does not say (its reasons only give the statement)."""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.description is not None:
            out["description"] = self.description
        if self.statement_index is not None:
            out["statementIndex"] = self.statement_index
        if self.statement_id is not None:
            out["statementId"] = self.statement_id
        if self.grants is not None:
            out["grants"] = self.grants
        return out

    def finding_text(self) -> str | None:
        """The reason in a finding's message: what the statement grants when known, else the description."""
        if self.grants is None or self.statement_index is None:
            return self.description
        sid = f" (Sid {self.statement_id})" if self.statement_id else ""
        return f"The statement with index {self.statement_index}{sid} grants {self.grants}."

    @classmethod
    def from_dict(cls, data: Any) -> Reason:
        if not isinstance(data, Mapping):
            raise MalformedResponseError(f"a reason must be an object, got {type(data).__name__}")
        desc, idx, sid = data.get("description"), data.get("statementIndex"), data.get("statementId")
        if desc is not None and not isinstance(desc, str):
            raise MalformedResponseError("reason.description must be a string")
        if idx is not None and (not isinstance(idx, int) or isinstance(idx, bool) or idx < 0):
            raise MalformedResponseError("reason.statementIndex must be a non-negative integer")
        if sid is not None and not isinstance(sid, str):
            raise MalformedResponseError("reason.statementId must be a string")
        grants = data.get("grants")
        if grants is not None and not isinstance(grants, str):
            raise MalformedResponseError("reason.grants must be a string")
        return cls(desc, idx, sid, grants=grants)


UNDETERMINED = "undetermined"
"""``details`` key of a FAIL answer: why some other statements could not be decided (each reason once). A FAIL
answers the question, but the undecided statements are reported as well (``CHECK_UNDETERMINED``): an
acknowledgment of the failing statement's finding must not accept them."""
UNDETERMINED_STATEMENTS = "undeterminedStatements"
"""``details`` key: the indexes of those statements, when the undecided part is known to be theirs alone."""
_KEPT_DETAILS = (UNDETERMINED, UNDETERMINED_STATEMENTS)
"""Details of a FAIL that become findings of their own, kept through the cache."""


def undetermined_finding(check: str, details: Mapping[str, Any], origin: PolicyOrigin | None) -> Finding | None:
    """The ``CHECK_UNDETERMINED`` finding of a FAIL answer whose ``details`` name statements it could not decide
    (:data:`UNDETERMINED`), located at them when known; None when it decided every statement."""
    undecided = details.get(UNDETERMINED)
    if not undecided:
        return None
    where = details.get(UNDETERMINED_STATEMENTS) or []
    return Finding(
        FindingType.ERROR, CHECK_UNDETERMINED,
        f"{check} could not decide every statement of {_label(origin)} ({'; '.join(str(u) for u in undecided)}); "
        "failing closed.",
        locations=[["Statement", i] for i in where if isinstance(i, int)], origin=origin, check=check)


@dataclass(frozen=True)
class CheckOutcome:
    """The answer to one custom check, possibly assembled from several API calls.

    ``errors`` lists what could not be completed (each becomes an ``ANALYSIS_FAILED`` finding); an
    outcome may be ``FAIL`` *and* carry errors when some batches answered ``FAIL`` before another
    batch failed: what was obtained is kept.
    """

    check: Check
    result: CheckStatus
    message: str = ""
    reasons: tuple[Reason, ...] = ()
    errors: tuple[str, ...] = ()
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.result is CheckStatus.PASS and not self.errors

    # -- conversions ------------------------------------------------------------------------------
    @classmethod
    def from_response(cls, check: Check | str, response: Any) -> CheckOutcome:
        """Parse an Access Analyzer response (or the AWS CLI's JSON); raise MalformedResponseError."""
        check = Check(check)
        if not isinstance(response, Mapping):
            raise MalformedResponseError(f"{check.operation} response is not an object")
        result = response.get("result")
        if result not in ("PASS", "FAIL"):
            raise MalformedResponseError(
                f"{check.operation} response has no valid 'result' (got {result!r}; expected PASS or FAIL)"
            )
        message = response.get("message", "")
        if message is None:
            message = ""
        if not isinstance(message, str):
            raise MalformedResponseError(f"{check.operation} response 'message' is not a string")
        raw_reasons = response.get("reasons", [])
        if raw_reasons is None:
            raw_reasons = []
        if not isinstance(raw_reasons, list):
            raise MalformedResponseError(f"{check.operation} response 'reasons' is not a list")
        try:
            reasons = tuple(Reason.from_dict(r) for r in raw_reasons)
        except MalformedResponseError as exc:
            raise MalformedResponseError(f"{check.operation} response: {exc}") from None
        return cls(check, CheckStatus(result), message, reasons)

    def to_dict(self) -> dict[str, Any]:
        """The AWS CLI shape (``result``, ``message``, ``reasons``), plus ``errors`` when any."""
        out: dict[str, Any] = {
            "result": self.result.value,
            "message": self.message,
            "reasons": [r.to_dict() for r in self.reasons],
        }
        if self.errors:
            out["errors"] = list(self.errors)
        for key in _KEPT_DETAILS:  # what the findings need from the details, kept through the cache
            if self.details.get(key):
                out[key] = list(self.details[key])
        return out

    @classmethod
    def from_dict(cls, check: Check | str, data: Mapping[str, Any]) -> CheckOutcome:
        """Inverse of :meth:`to_dict` (accepts UNKNOWN/ERROR too); used by the cache."""
        result = data.get("result")
        if result not in {s.value for s in CheckStatus}:
            raise MalformedResponseError(f"invalid result {result!r}")
        errors = data.get("errors", [])
        if not isinstance(errors, list) or not all(isinstance(e, str) for e in errors):
            raise MalformedResponseError("errors must be a list of strings")
        raw = data.get("reasons", [])
        if not isinstance(raw, list):
            raise MalformedResponseError("reasons must be a list")
        return cls(
            Check(check),
            CheckStatus(result),
            str(data.get("message", "")),
            tuple(Reason.from_dict(r) for r in raw),
            tuple(errors),
            {k: list(data[k]) for k in _KEPT_DETAILS if isinstance(data.get(k), list)},
        )

    def to_findings(self, origin: PolicyOrigin | None = None) -> list[Finding]:
        """Blocking findings, the same as the embedded analyzer's ``CheckResult.to_findings``:

        - ``FAIL`` -> one ERROR per reason (``NEW_ACCESS``/``ACCESS_GRANTED``/``PUBLIC_ACCESS``), located
          at the reason's statement (one finding without location when there is no reason);
        - ``UNKNOWN`` -> one ERROR ``CHECK_UNDETERMINED`` (inconclusive, e.g. a solver time-out);
        - ``ERROR`` and every entry of ``errors`` -> an ERROR ``ANALYSIS_FAILED`` naming the policy;
        - ``PASS`` without errors -> nothing.
        """
        findings: list[Finding] = []
        if self.result is CheckStatus.FAIL:
            code = self.check.fail_code or "CHECK_FAILED"
            base = self.message or _FAIL_TEXT[self.check] + "."
            for r in self.reasons or (Reason(),):
                details = {k: v for k, v in (("policy", r.policy), ("statementId", r.statement_id)) if v}
                findings.append(
                    Finding(
                        FindingType.ERROR,
                        code,
                        f"{base} {r.finding_text()}" if r.finding_text() else base,
                        locations=[["Statement", r.statement_index]] if r.statement_index is not None else [],
                        origin=origin,
                        check=self.check.value,
                        details=details,
                    )
                )
            undecided = undetermined_finding(self.check.value, self.details, origin)
            if undecided is not None:  # other statements could not be decided: reported on their own (fail closed)
                findings.append(undecided)
        elif self.result is CheckStatus.UNKNOWN:
            findings.append(
                Finding(
                    FindingType.ERROR,
                    CHECK_UNDETERMINED,
                    self.message or f"{self.check.value} could not be decided for {_label(origin)}",
                    # located when the undecided part is known (the statements whose principal cannot be read)
                    locations=[["Statement", r.statement_index] for r in self.reasons if r.statement_index is not None],
                    origin=origin,
                    check=self.check.value,
                )
            )
        elif self.result is CheckStatus.ERROR and not self.errors:
            findings.append(analysis_failed(self.check, origin, self.message or "the check did not complete"))
        for err in self.errors:
            findings.append(analysis_failed(self.check, origin, err, result=self.result.value))
        return findings


def _label(origin: PolicyOrigin | None) -> str:
    return origin.label() if origin is not None else "<policy>"


def analysis_failed(
    check: Check | str, origin: PolicyOrigin | None, reason: str, **details: Any
) -> Finding:
    """The blocking finding for a check that could not be completed: fail closed, name the policy."""
    check = Check(check)
    where = _label(origin)
    return Finding(
        FindingType.ERROR,
        ANALYSIS_FAILED,
        f"{check.value} could not be completed for {where}: {reason}",
        origin=origin,
        check=check.value,
        details={"reason": reason, **details},
    )
