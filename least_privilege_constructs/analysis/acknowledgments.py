"""Acknowledgments recorded in a cloud assembly, read without CDK (the gate, ``lpc gate``, the plugins).

``Validations.of(construct).acknowledge(Acknowledgment(id="LeastPrivilege-PolicyValidation::B6",
reason="..."))`` is synthesized as an ``aws:cdk:acknowledged-rules`` metadata entry of the construct
(``{"<plugin>::<rule>": "<reason>"}``) in the stack's metadata. An acknowledgment covers the construct and
everything below it. It must give a reason: CDK itself suppresses an acknowledged violation whatever the
reason, so a blank one is reported by the plugins instead (the finding stays, under ``LP-ACK[...]``).

    >>> acks = Acknowledgments({"/App/Role": {"P::B6": "reviewed in SEC-1"}, "/App": {"P::B7": " "}})
    >>> acks.lookup("App/Role/Resource", "P::B6"), acks.lookup("App/Role/Policy/Resource", "P::B7")
    (('/App/Role', 'reviewed in SEC-1'), ('/App', ''))
    >>> acks.lookup("App/Other/Resource", "P::B6") is None
    True
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

ACKNOWLEDGED_RULES = "aws:cdk:acknowledged-rules"
"""The metadata entry type CDK writes for ``Validations.of(x).acknowledge(...)``."""


@dataclass(frozen=True)
class Acknowledgments:
    """Construct path (``/Stack/Role``) -> acknowledged id (``Plugin::RULE``) -> reason (may be blank)."""

    by_path: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def lookup(self, construct_path: str | None, ack_id: str) -> tuple[str, str] | None:
        """``(construct path, reason)`` of the nearest acknowledgment of ``ack_id`` on ``construct_path``
        or an ancestor; a reasoned one anywhere on the path wins over a blank one. None when there is none."""
        if not construct_path:
            return None
        parts = construct_path.strip("/").split("/")
        blank: tuple[str, str] | None = None
        for end in range(len(parts), -1, -1):  # down to the app itself ("/")
            path = "/" + "/".join(parts[:end])
            reasons = self.by_path.get(path)
            if reasons is None or ack_id not in reasons:
                continue
            reason = reasons[ack_id].strip()
            if reason:
                return path, reason
            blank = blank or (path, "")
        return blank

    @classmethod
    def read(cls, cdk_out: str | os.PathLike[str]) -> Acknowledgments:
        """Every acknowledgment of the assembly at ``cdk_out`` and its nested assemblies (stages)."""
        from least_privilege_constructs.analysis.assembly import walk_assemblies

        by_path: dict[str, dict[str, str]] = {}
        for assembly in walk_assemblies(cdk_out):
            for stack in assembly.stacks:
                for path, data in stack.entries(ACKNOWLEDGED_RULES):
                    if not isinstance(data, Mapping):
                        continue
                    key = "/" + str(path).strip("/")
                    for ack_id, reason in data.items():
                        by_path.setdefault(key, {})[str(ack_id)] = reason if isinstance(reason, str) else ""
        return cls(by_path)
