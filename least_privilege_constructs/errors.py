"""Errors with stable codes (in the spirit of aws-cdk's ``ValidationError``).

Every error raised at construction names the construct path, so a user sees *where* the bad input is::

    [LPC-BOUNDARY-002] MyStack/Boundary: path 'boundaries' must start and end with '/'
"""

from __future__ import annotations


class LeastPrivilegeError(ValueError):
    """A bad input to a construct or the analysis. ``code`` is stable; ``where`` names the location."""

    def __init__(self, code: str, where: str, message: str) -> None:
        self.code = code
        self.where = where
        self.detail = message
        super().__init__(f"[{code}] {where}: {message}" if where else f"[{code}] {message}")


def construct_path(scope: object, construct_id: str) -> str:
    """The path a construct *will* have (usable before ``super().__init__`` runs)."""
    node = getattr(scope, "node", None)
    parent = getattr(node, "path", "") if node is not None else ""
    return f"{parent}/{construct_id}" if parent else construct_id
