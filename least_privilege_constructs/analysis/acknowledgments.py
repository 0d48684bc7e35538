"""Acknowledgments recorded in a cloud assembly, read without CDK (the gate, ``lpc gate``, the plugins).

``Validations.of(construct).acknowledge(Acknowledgment(id="LeastPrivilege-PolicyValidation::B6",
reason="..."))`` is synthesized as an ``aws:cdk:acknowledged-rules`` metadata entry of the construct
(``{"<plugin>::<rule>": "<reason>"}``) in the stack's metadata. An acknowledgment covers the construct and
everything below it. It must give a reason: CDK itself suppresses an acknowledged violation whatever the
reason, so a blank one is reported by the plugins instead (the finding stays, under ``LP-ACK[...]``).

CDK records the metadata of the constructs inside a stack only. The acknowledgments on the constructs above
the stacks (the app, a ``Stage``, a nested ``Stage``) are recorded by this library's plugins: on each
top-level stack, a :data:`ACKNOWLEDGED_ABOVE` entry ``{"/Prod": {"<id>": "<reason>"}, "/": {...}}`` of that
stack's ancestors (``validation/acknowledgments_above.py``, at synthesis). Such a record acknowledges findings
**of that stack only** (its templates, nested stacks included): a stack cannot widen a Stage's acknowledgment
to its sibling stacks, and it cannot record anything for a path that is not strictly above it. Where CDK
itself recorded the same path and id, CDK's record is the one kept. CDK's own entries cover the construct and
everything below it, as CDK's lookup does: an entry on a stack's construct also covers a ``Stack`` defined
inside that stack (a separate template whose construct path lies below it; a ``NestedStack`` is part of its
parent anyway), and an entry recorded in one stack's metadata for a path outside that stack is ignored.

    >>> acks = Acknowledgments({"/App/Role": {"P::B6": "reviewed in SEC-1"}, "/App": {"P::B7": " "}})
    >>> acks.lookup("App/Role/Resource", "P::B6"), acks.lookup("App/Role/Policy/Resource", "P::B7")
    (('/App/Role', 'reviewed in SEC-1'), ('/App', ''))
    >>> acks.lookup("App/Other/Resource", "P::B6") is None
    True
    >>> staged = Acknowledgments(above={"/Prod/Api": {"/Prod": {"P::B6": "break-glass, SEC-2"}}})
    >>> staged.lookup("Prod/Api/Role/Resource", "P::B6"), staged.lookup("Prod/Db/Role/Resource", "P::B6")
    (('/Prod', 'break-glass, SEC-2'), None)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from least_privilege_constructs.analysis.assembly import StackArtifact

ACKNOWLEDGED_RULES = "aws:cdk:acknowledged-rules"
"""The metadata entry type CDK writes for ``Validations.of(x).acknowledge(...)``."""

ACKNOWLEDGED_ABOVE = "least-privilege:acknowledged-rules-above"
"""The metadata entry type this library writes on each top-level stack: the acknowledgments of the
constructs above it (ancestor construct path -> acknowledged id -> reason), which CDK does not record."""


def _is_strictly_above(path: str, stack_path: str) -> bool:
    """``path`` (``/Prod``, ``/``) is an ancestor of ``stack_path`` (``/Prod/Api``), not the stack itself."""
    return path != stack_path and (path == "/" or stack_path.startswith(path + "/"))


def above_stack(stack: StackArtifact) -> dict[str, dict[str, str]]:
    """The acknowledgments recorded on ``stack`` for the constructs above it: ancestor path -> id -> reason.

    Only an entry on the stack's own construct path counts, and only for paths strictly above the stack
    (anything else is not this library's record and is ignored: it acknowledges nothing). A reason that is
    not a string is blank. When two entries of the stack disagree, the first is kept."""
    own = "/" + stack.display_name.strip("/")
    out: dict[str, dict[str, str]] = {}
    for path, data in stack.entries(ACKNOWLEDGED_ABOVE):
        if "/" + str(path).strip("/") != own or not isinstance(data, Mapping):
            continue
        for ancestor, reasons in data.items():
            where = "/" + str(ancestor).strip("/")
            if not _is_strictly_above(where, own) or not isinstance(reasons, Mapping):
                continue
            for ack_id, reason in reasons.items():
                out.setdefault(where, {}).setdefault(str(ack_id), reason if isinstance(reason, str) else "")
    return out


@dataclass(frozen=True)
class Acknowledgments:
    """Construct path (``/Stack/Role``) -> acknowledged id (``Plugin::RULE``) -> reason (may be blank), as CDK
    records them; and the acknowledgments above the stacks, by the stack that records them."""

    by_path: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    above: Mapping[str, Mapping[str, Mapping[str, str]]] = field(default_factory=dict)
    """Stack construct path (``/Prod/Api``) -> ancestor path (``/Prod``, ``/``) -> id -> reason: valid for the
    construct paths inside that stack only."""

    def _reason(self, path: str, ack_id: str, scopes: list[tuple[str, Mapping[str, Mapping[str, str]]]]
                ) -> str | None:
        reasons = self.by_path.get(path)
        if reasons is not None and ack_id in reasons:  # CDK's own record wins
            return reasons[ack_id]
        for stack_path, records in scopes:
            if _is_strictly_above(path, stack_path) and ack_id in records.get(path, {}):
                return records[path][ack_id]
        return None

    def lookup(self, construct_path: str | None, ack_id: str) -> tuple[str, str] | None:
        """``(construct path, reason)`` of the nearest acknowledgment of ``ack_id`` on ``construct_path``
        or an ancestor; a reasoned one anywhere on the path wins over a blank one. None when there is none."""
        if not construct_path:
            return None
        parts = construct_path.strip("/").split("/")
        full = "/" + "/".join(parts)
        scopes = sorted(((stack, records) for stack, records in self.above.items()
                         if full == stack or full.startswith(stack + "/")), key=lambda item: item[0])
        blank: tuple[str, str] | None = None
        for end in range(len(parts), -1, -1):  # down to the app itself ("/")
            path = "/" + "/".join(parts[:end])
            found = self._reason(path, ack_id, scopes)
            if found is None:
                continue
            reason = found.strip()
            if reason:
                return path, reason
            blank = blank or (path, "")
        return blank

    def all_by_path(self) -> dict[str, dict[str, str]]:
        """Every acknowledgment, path -> id -> reason (for listing): CDK's records, then those above the stacks
        (a path and id CDK recorded keep CDK's reason; between stacks, the first stack in path order)."""
        out = {path: dict(reasons) for path, reasons in self.by_path.items()}
        for _stack, records in sorted(self.above.items()):
            for path, reasons in records.items():
                for ack_id, reason in reasons.items():
                    out.setdefault(path, {}).setdefault(ack_id, reason)
        return out

    @classmethod
    def read(cls, cdk_out: str | os.PathLike[str]) -> Acknowledgments:
        """Every acknowledgment of the assembly at ``cdk_out`` and its nested assemblies (stages)."""
        from least_privilege_constructs.analysis.assembly import walk_assemblies

        by_path: dict[str, dict[str, str]] = {}
        above: dict[str, dict[str, dict[str, str]]] = {}
        for assembly in walk_assemblies(cdk_out):
            for stack in assembly.stacks:
                own = "/" + stack.display_name.strip("/")
                mine: dict[str, dict[str, str]] = {}
                for path, data in stack.entries(ACKNOWLEDGED_RULES):
                    if not isinstance(data, Mapping):
                        continue
                    key = "/" + str(path).strip("/")
                    if key == own or key.startswith(own + "/"):  # inside the stack: CDK's own record
                        target = by_path.setdefault(key, {})
                    elif _is_strictly_above(key, own):  # above it: valid for this stack only
                        target = mine.setdefault(key, {})
                    else:  # another stack's constructs: not this stack's to acknowledge
                        continue
                    for ack_id, reason in data.items():
                        target[str(ack_id)] = reason if isinstance(reason, str) else ""
                for path, reasons in above_stack(stack).items():  # CDK's record of a path and id wins
                    for ack_id, reason in reasons.items():
                        mine.setdefault(path, {}).setdefault(ack_id, reason)
                if mine:
                    above.setdefault(own, {}).update(mine)
        return cls(by_path, above)


__all__ = ["ACKNOWLEDGED_ABOVE", "ACKNOWLEDGED_RULES", "Acknowledgments", "above_stack"]
