"""Which findings an acknowledgment covers (pure logic over construct metadata).

cdk-nag 3 suppresses a finding only when its exact id (``LP-IAM4[Resource::*]``) is acknowledged; this
pack also honours an acknowledgment of the whole rule (``LP-IAM4``) on the resource or any ancestor, and
requires a reason: a blank reason suppresses nothing and is itself reported (``LP-ACK``).

Acknowledgment ids arrive as CDK stores them: ``Annotation::LP-IAM4`` (no prefix given) or
``LeastPrivilegeChecks::LP-IAM4`` (the plugin's namespace).

Example::

    >>> acks = Acknowledgments.from_entries([{"Annotation::LP-IAM4": "legacy batch role"}])
    >>> acks.lookup("LP-IAM4", "LP-IAM4[Resource::*]")
    ('LP-IAM4', 'legacy batch role')
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from least_privilege_constructs.analysis.rules.rule_set import PACK_NAME, PLUGIN_NAME

_PREFIXES = ("annotation::", PLUGIN_NAME.lower() + "::")


def normalize_ack_id(raw: str) -> str | None:
    """The pack-relative id of a stored acknowledgment key, or None when it is not one of this pack's."""
    text = raw
    lower = raw.lower()
    for prefix in _PREFIXES:
        if lower.startswith(prefix):
            text = raw[len(prefix):]
            break
    return text if text.startswith(PACK_NAME + "-") else None


@dataclass
class Acknowledgments:
    """The acknowledgments in effect on one resource (its own and its ancestors'), id -> reason."""

    reasons: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_entries(cls, entries: Iterable[Mapping[str, object]]) -> Acknowledgments:
        """From ``aws:cdk:acknowledged-rules`` metadata data objects, nearest construct first."""
        reasons: dict[str, str] = {}
        for data in entries:
            for raw, reason in data.items():
                ack_id = normalize_ack_id(str(raw))
                if ack_id is None:
                    continue
                text = reason.strip() if isinstance(reason, str) else ""
                # a reasoned acknowledgment anywhere on the path wins over a blank one
                if text or ack_id not in reasons:
                    reasons[ack_id] = text if text else reasons.get(ack_id, "")
        return cls(reasons)

    def lookup(self, rule_id: str, finding_id: str) -> tuple[str, str] | None:
        """``(acknowledged id, reason)`` covering a finding (exact id first, then the whole rule), or None.
        The reason is ``""`` when the acknowledgment gives none."""
        found = [(ack_id, self.reasons[ack_id]) for ack_id in (finding_id, rule_id) if ack_id in self.reasons]
        for ack_id, reason in found:
            if reason:
                return ack_id, reason
        return found[0] if found else None
