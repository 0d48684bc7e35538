"""Where a template came from: its repository, the file, and the commit — recorded in every rendering.

The provenance travels with the rendered policy (``RenderedPolicy.metadata()``) and, through CDK, into
the synthesized template's ``Metadata`` of the policy resource, so a reviewer of a pull request or a
finding can see which template (and which version of which repository) produced a statement.

Example::

    >>> Provenance(repository="builtin", path="app/s3-read.yaml").to_dict()
    {'repository': 'builtin', 'path': 'app/s3-read.yaml'}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Provenance:
    """The origin of one template file."""

    repository: str = "inline"
    """Repository name: ``builtin``, a directory's name, or the name given to ``add_repository``."""
    path: str = ""
    """The file inside the repository."""
    location: str = ""
    """The repository's directory on disk (empty for built-in templates)."""
    commit: str | None = None
    """The git commit the file was read at (git repositories; HEAD for a git work tree)."""
    ref: str | None = None
    """The git ref that was asked for (``HEAD``, a tag, a branch)."""
    dirty: bool = False
    """True when a git work tree had uncommitted changes under the repository's directory."""

    def label(self) -> str:
        out = f"{self.repository}:{self.path}" if self.path else self.repository
        if self.commit:
            out += f"@{self.commit[:12]}" + ("+dirty" if self.dirty else "")
        return out

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"repository": self.repository, "path": self.path}
        if self.location:
            out["location"] = self.location
        if self.commit:
            out["commit"] = self.commit
        if self.ref:
            out["ref"] = self.ref
        if self.dirty:
            out["dirty"] = True
        return out
