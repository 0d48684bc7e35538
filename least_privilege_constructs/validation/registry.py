"""Which of this library's validation plugins are attached to an app, so that a mistake two of them see is
reported once.

CDK runs every plugin independently. When the gate (``LeastPrivilegeValidation``) is attached to an app, it
runs the ``LP-*`` rules of an attached ``LeastPrivilegeChecks`` (with that pack's configuration and levels)
and the verification of every ``BoundaryEnforcement`` of the app itself, merges the findings two checks
make of one mistake (:mod:`least_privilege_constructs.analysis.finding_ids`), and the pack and the
enforcement plugin report nothing of their own. Without the gate they report as before.
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
