"""One escalation path found for one principal, and its conversion to a :class:`Finding`.

Example::

    >>> p = EscalationPath(principal="Platform/Dev/Resource", principal_arn="arn:aws:iam::1:role/dev",
    ...                    method_id="B1", title="Create a role with no boundary", permissions=("iam:CreateRole",),
    ...                    statements=("identity policy DevPolicy Statement[0] (CreateRoles)",),
    ...                    target="arn:aws:iam::1:role/lpc-probe", evidence="iam:CreateRole with no boundary is allowed",
    ...                    fix="Condition iam:CreateRole on iam:PermissionsBoundary.")
    >>> p.to_finding().issue_code
    'B1'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from least_privilege_constructs.analysis.findings import Finding, FindingType, PolicyOrigin

CHECK = "escalation"
LEARN_MORE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html"


@dataclass(frozen=True)
class EscalationPath:
    """A way for ``principal`` to gain permissions beyond its boundary (or, unbounded, beyond its policies).

    ``statements`` name the Allow statements that grant each permission used (policy, index, Sid);
    ``target`` is the resource the adversarial request was made on (a role, policy, function, stack ...);
    ``evidence`` the requests that were allowed; ``assumption`` what the path relies on that the templates
    cannot show (empty when everything is in the assembly or the context).
    """

    principal: str
    principal_arn: str
    method_id: str
    title: str
    permissions: tuple[str, ...]
    statements: tuple[str, ...]
    target: str
    evidence: str
    fix: str
    category: str = ""
    also_known_as: tuple[str, ...] = ()
    assumption: str = ""
    chain: tuple[str, ...] = ()
    """For self-modification paths (B5, B6 on the principal's own role): the paths open afterwards."""
    undetermined: bool = False
    """True when the path exists only if an unanalyzed managed policy grants everything (fail closed)."""
    family: str = ""
    """B9: the id of the row of the table of resources that run with a role (:mod:`.runners`)."""
    condition: str = ""
    """A data-plane path: what must hold for it to open (such a path is a WARNING that states it)."""
    runs_with: str = ""
    """B9: the ARN of the role the target resource runs with (empty when the resource is an unknown one)."""
    origin: PolicyOrigin | None = None
    statement_origins: tuple[dict[str, Any], ...] = field(default=(), compare=False)
    specific_target: bool = field(default=False, compare=False)
    """The target is a particular principal or resource (a role, user or running resource of the assembly or
    the context, other than the principal itself), not a probe standing for "any": the path is then more than
    what its permissions mean in general, and is never folded into the finding of the statement granting them."""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.principal_arn, self.method_id, self.target)

    def message(self) -> str:
        family = f" [{self.family}]" if self.family else ""
        parts = [f"{self.principal} can escalate ({self.method_id}{family}: {self.title}): {self.evidence}."]
        if self.condition:
            parts[0] = (f"{self.principal} may escalate ({self.method_id}{family}: {self.title}) if "
                        f"{self.condition}: {self.evidence}.")
        if self.chain:
            parts.append(f"Afterwards open: {', '.join(self.chain)}.")
        if self.statements:
            parts.append(f"Granted by: {'; '.join(self.statements)}.")
        if self.assumption:
            parts.append(f"Assumes: {self.assumption}.")
        if self.undetermined:
            parts.append("Undetermined: only if an unanalyzed managed policy grants it; pass its document "
                         "in the context to decide.")
        parts.append(f"Fix: {self.fix}")
        return " ".join(parts)

    def finding_type(self) -> FindingType:
        if self.undetermined or self.condition:
            return FindingType.WARNING
        return FindingType.SECURITY_WARNING if self.assumption else FindingType.ERROR

    def to_finding(self) -> Finding:
        """A finding with ``check='escalation'`` and the path id as issue code (blocking by default unless
        the path is undetermined)."""
        return Finding(
            self.finding_type(),
            self.method_id,
            self.message(),
            origin=self.origin,
            check=CHECK,
            learn_more_link=LEARN_MORE,
            details=self.to_dict(),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.method_id,
            "title": self.title,
            "principal": self.principal,
            "principalArn": self.principal_arn,
            "permissions": list(self.permissions),
            "statements": list(self.statements),
            "target": self.target,
            "evidence": self.evidence,
            "fix": self.fix,
        }
        if self.category:
            out["category"] = self.category
        if self.also_known_as:
            out["alsoKnownAs"] = list(self.also_known_as)
        if self.assumption:
            out["assumption"] = self.assumption
        if self.chain:
            out["chain"] = list(self.chain)
        if self.undetermined:
            out["undetermined"] = True
        if self.family:
            out["family"] = self.family
        if self.condition:
            out["condition"] = self.condition
        if self.runs_with:
            out["runsWith"] = self.runs_with
        if self.statement_origins:
            out["statementOrigins"] = list(self.statement_origins)
        if self.specific_target:
            out["specificTarget"] = True
        return out
