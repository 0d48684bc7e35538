"""The request/decision model of the evaluator.

Example::

    >>> r = Request("arn:aws:iam::111122223333:user/alice", "s3:GetObject", "arn:aws:s3:::b/k",
    ...             {"aws:username": "alice"})
    >>> r.principal_account
    '111122223333'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from least_privilege_constructs.analysis.iam.arn import account_of


@dataclass(frozen=True)
class Request:
    """One concrete request.

    ``principal`` is an ARN (user, role, assumed-role session, ``...:root``), a service principal
    (``lambda.amazonaws.com``) or ``"*"`` for an anonymous request. ``context`` maps condition keys
    (case-insensitive) to a string or a list of strings (multivalued keys); booleans, numbers and dates
    are given as their text. The evaluator does not invent context keys: pass ``aws:PrincipalArn``,
    ``aws:username`` ... when your policies use them. ``resource_account`` defaults to the principal's
    account (the same-account case).
    """

    principal: str
    action: str
    resource: str = "*"
    context: Mapping[str, str | list[str]] = field(default_factory=dict)
    resource_account: str | None = None

    @property
    def principal_account(self) -> str | None:
        return account_of(self.principal)

    @property
    def same_account(self) -> bool:
        return self.resource_account is None or self.resource_account == self.principal_account


class Outcome(StrEnum):
    ALLOWED = "Allowed"
    EXPLICITLY_DENIED = "ExplicitlyDenied"
    IMPLICITLY_DENIED = "ImplicitlyDenied"


@dataclass(frozen=True)
class StatementRef:
    """A statement of one policy of a policy set: ``kind`` is ``identity``, ``boundary``, ``scp``,
    ``rcp`` or ``resource``; ``policy`` the policy's name or position."""

    kind: str
    policy: str
    index: int
    sid: str | None
    effect: str

    def label(self) -> str:
        sid = f" ({self.sid})" if self.sid else ""
        return f"{self.kind} policy {self.policy} Statement[{self.index}]{sid}"


@dataclass(frozen=True)
class Decision:
    """The evaluator's answer: the outcome, the statements that decided it and a sentence saying why.

    For an explicit deny, ``deciding`` lists the matching Deny statements; for an allow, the Allow
    statements that granted it; for an implicit deny, the statements (if any) of the layer that failed to
    allow are absent and ``reason`` names that layer (identity, boundary, SCP ...).
    """

    outcome: Outcome
    reason: str
    deciding: tuple[StatementRef, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.outcome is Outcome.ALLOWED

    def explain(self) -> str:
        lines = [f"{self.outcome.value}: {self.reason}"]
        lines += [f"  - {ref.label()}" for ref in self.deciding]
        return "\n".join(lines)
