"""The result of a custom policy check, in the shape of the AWS CLI's output.

``verdict`` is PASS, FAIL or UNKNOWN (solver timeout or unsupported construct). UNKNOWN fails closed:
its AWS-shaped ``result`` is ``FAIL``, its exit code 2 and it becomes a blocking finding.

Example::

    >>> r = CheckResult("check-no-new-access", Verdict.PASS, "The modified permissions do not grant new access.")
    >>> r.to_aws()["result"], r.exit_code
    ('PASS', 0)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from least_privilege_constructs.analysis.findings import Finding, FindingType, PolicyOrigin
from least_privilege_constructs.analysis.outcome import undetermined_finding

_ISSUE_CODES = {
    "check-no-new-access": "NEW_ACCESS",
    "check-access-not-granted": "ACCESS_GRANTED",
    "check-no-public-access": "PUBLIC_ACCESS",
}


class Verdict(StrEnum):
    PASS = "PASS"
    FAIL = "FAIL"
    UNKNOWN = "UNKNOWN"


@dataclass(frozen=True)
class Reason:
    """Why a check failed: the statement (index in its policy, Sid) and a description."""

    description: str
    statement_index: int | None = None
    statement_id: str | None = None
    policy: str | None = None
    example: dict[str, Any] | None = field(default=None, compare=False)
    """A concrete request that witnesses the reason (principal, action, resource, context), if any."""
    granted_actions: tuple[str, ...] = field(default=(), compare=False)
    """check-access-not-granted: the listed actions the statement grants (else its Action element)."""
    granted_resources: tuple[str, ...] = field(default=(), compare=False)
    """check-access-not-granted: the listed resources it grants them on (else its Resource element)."""

    def grants(self) -> str | None:
        """``"iam:CreateRole, iam:PassRole on arn:aws:iam::*:role/*"``: what the statement grants, or None."""
        if not self.granted_actions:
            return None
        on = f" on {', '.join(self.granted_resources)}" if self.granted_resources else ""
        return f"{', '.join(self.granted_actions)}{on}"

    def finding_text(self) -> str:
        """The reason in a finding's message: what the statement grants when known, else the description."""
        grants = self.grants()
        if grants is None or self.statement_index is None:
            return self.description
        sid = f" (Sid {self.statement_id})" if self.statement_id else ""
        return f"The statement with index {self.statement_index}{sid} grants {grants}."

    def to_aws(self) -> dict[str, Any]:
        out: dict[str, Any] = {"description": self.description}
        if self.statement_index is not None:
            out["statementIndex"] = self.statement_index
        if self.statement_id:
            out["statementId"] = self.statement_id
        return out


@dataclass(frozen=True)
class CheckResult:
    """The answer of one custom check."""

    check: str
    verdict: Verdict
    message: str
    reasons: tuple[Reason, ...] = ()
    elapsed_ms: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.verdict is Verdict.PASS

    @property
    def exit_code(self) -> int:
        """0 on PASS, 2 on FAIL or UNKNOWN (fail closed)."""
        return 0 if self.passed else 2

    def to_aws(self) -> dict[str, Any]:
        """``{"result", "message", "reasons"}`` as ``aws accessanalyzer check-...`` prints it."""
        out: dict[str, Any] = {
            "result": "PASS" if self.passed else "FAIL",
            "message": self.message,
            "reasons": [r.to_aws() for r in self.reasons],
        }
        if self.verdict is Verdict.UNKNOWN:
            out["determination"] = "UNKNOWN"
        return out

    def to_findings(self, origin: PolicyOrigin | None = None) -> list[Finding]:
        """Blocking findings (ERROR) for a FAIL or UNKNOWN result; none on PASS."""
        if self.passed:
            return []
        code = (
            "CHECK_UNDETERMINED" if self.verdict is Verdict.UNKNOWN else _ISSUE_CODES.get(self.check, "FAIL")
        )
        extra = undetermined_finding(self.check, self.details, origin) if self.verdict is Verdict.FAIL else None
        undecided = [extra] if extra is not None else []
        if not self.reasons:
            return [Finding(FindingType.ERROR, code, self.message, origin=origin, check=self.check), *undecided]
        return [*(
            Finding(
                FindingType.ERROR,
                code,
                f"{self.message} {r.finding_text()}",
                locations=[["Statement", r.statement_index]] if r.statement_index is not None else [],
                origin=origin,
                check=self.check,
                details={k: v for k, v in (("policy", r.policy), ("statementId", r.statement_id)) if v},
            )
            for r in self.reasons
        ), *undecided]
