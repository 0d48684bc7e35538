"""Which of this library's validation plugins are attached to an app, so that a mistake two of them see is
reported once.

CDK runs every plugin independently. When the gate (``LeastPrivilegeValidation``) is attached to an app, it
runs the ``LP-*`` rules of an attached ``LeastPrivilegeChecks`` (with that pack's configuration and levels)
and the verification of every ``BoundaryEnforcement`` of the app itself, merges the findings two checks
make of one mistake (:mod:`least_privilege_constructs.analysis.finding_ids`), and the pack and the
enforcement plugin report nothing of their own. Without the gate they report as before.

A gate that is constructed but never attached would leave the deferred checks unreported: each deferral is
recorded (:func:`deferred`) and each gate run too (:func:`ran`), and
:func:`least_privilege_constructs.validation.synth.synth` fails the synthesis when a check deferred to a
gate that did not run (:func:`unreported`).
"""

from __future__ import annotations

import weakref
from typing import Any

_GATES: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()
_PACKS: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


def register_gate(root: Any, plugin: Any) -> None:
    _GATES[root] = plugin


def gate_for(root: Any) -> Any:
    """The gate plugin constructed on the app ``root``, or None."""
    return _GATES.get(root) if root is not None else None


def register_pack(root: Any, pack: Any) -> None:
    _PACKS[root] = pack


def pack_for(root: Any) -> Any:
    """The ``LeastPrivilegeChecks`` constructed on the app ``root``, or None."""
    return _PACKS.get(root) if root is not None else None


_DEFERRED: weakref.WeakKeyDictionary[Any, list[str]] = weakref.WeakKeyDictionary()
_RAN: weakref.WeakKeyDictionary[Any, bool] = weakref.WeakKeyDictionary()


def deferred(root: Any, who: str) -> None:
    """``who`` (a plugin name) left its findings to the gate of ``root`` in this synthesis."""
    _DEFERRED.setdefault(root, []).append(who)


def ran(root: Any) -> None:
    """The gate of ``root`` ran in this synthesis."""
    _RAN[root] = True


_BLOCKING: weakref.WeakKeyDictionary[Any, list[tuple[str, str, str]]] = weakref.WeakKeyDictionary()


def blocked(root: Any, plugin: str, violations: Any) -> None:
    """``plugin`` (one of this library's) reported these open violations of ``root`` in this synthesis (CDK
    ``PolicyViolation`` objects; those of severity ``error`` block): CDK drops any whose rule name is acknowledged,
    whatever this library made of the acknowledgment, so :func:`least_privilege_constructs.validation.synth.synth`
    compares them with CDK's report."""
    if root is None:
        return
    _BLOCKING.setdefault(root, []).extend(
        (plugin, v.rule_name, v.description) for v in violations if v.severity == "error")


def blocking(root: Any) -> list[tuple[str, str, str]]:
    """(plugin, rule name, description) of the open blocking violations this library's plugins reported."""
    return list(_BLOCKING.get(root, []))


def reset(root: Any) -> None:
    """Forget the previous synthesis of ``root``."""
    _DEFERRED.pop(root, None)
    _RAN.pop(root, None)
    _BLOCKING.pop(root, None)


def unreported(root: Any) -> list[str]:
    """The plugins that deferred to a gate that did not run (empty when everything was reported)."""
    return [] if _RAN.get(root) else sorted(set(_DEFERRED.get(root, [])))
