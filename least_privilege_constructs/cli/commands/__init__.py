"""The ``lpc`` subcommands: one module each, with ``register(subparsers)``.

Adding a subcommand is one line: append its module name to :data:`COMMANDS`. The module's
``register`` adds a parser named after the module (``_`` as ``-``) and sets ``handler=run``
(``run(args) -> int`` returns the exit code). Keep heavy imports inside ``run`` (or the module's own
lazily imported helpers): ``lpc <command>`` imports only that command's module, ``lpc --help`` imports
them all.
"""

from __future__ import annotations

import argparse
import importlib

COMMANDS: list[str] = [
    "extract",
    "validate_policy",
    "validate",
    "templates",
    "escalation",
    "check_no_new_access",
    "check_access_not_granted",
    "check_no_public_access",
    "gate",
    "collect",
    "refine",
    "generate_policy",
    "diff",
    "report",
]


def command_name(module: str) -> str:
    """The subcommand a module registers: its name with ``_`` as ``-`` (``validate_policy`` ->
    ``validate-policy``)."""
    return module.replace("_", "-")


def register_all(subparsers: argparse._SubParsersAction, only: str | None = None) -> None:  # type: ignore[type-arg]
    """Register every subcommand, or only ``only`` (a command name) so that running one command does not
    import the others' modules (start-up time)."""
    for name in COMMANDS:
        if only is not None and command_name(name) != only:
            continue
        importlib.import_module(f"{__name__}.{name}").register(subparsers)
