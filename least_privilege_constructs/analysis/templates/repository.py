"""Template repositories: the built-in templates, a directory, or a git repository at a ref.

A repository is a tree of template files (``*.yaml``, ``*.yml``, ``*.json``; one template a file; hidden
directories skipped). Three kinds:

* :meth:`TemplateRepository.builtin` — the templates shipped in this package (``templates/builtin/``).
* :meth:`TemplateRepository.directory` — files on disk. When the directory is inside a git work tree
  the HEAD commit is recorded in provenance, with ``dirty`` when it has uncommitted changes.
* :meth:`TemplateRepository.git` — files of a local git repository *at a ref* (tag, branch, sha), read
  with ``git ls-tree`` / ``git show`` without touching the work tree; the resolved commit is recorded.

Two files of one repository with the same ``id`` and ``version`` are an error naming both files.

Example::

    >>> repo = TemplateRepository.builtin()
    >>> any(t.id == "app.s3-read" for t in repo.load())
    True
"""

from __future__ import annotations

import functools
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from least_privilege_constructs.analysis.templates.errors import TemplateError
from least_privilege_constructs.analysis.templates.provenance import Provenance
from least_privilege_constructs.analysis.templates.template import PolicyTemplate

TEMPLATE_SUFFIXES = (".yaml", ".yml", ".json")


def builtin_dir() -> Path:
    """The directory holding the built-in template files."""
    return Path(str(resources.files("least_privilege_constructs.analysis.templates") / "builtin"))


def parse_template_text(text: str, provenance: Provenance) -> PolicyTemplate:
    """Parse one template file's text (YAML or JSON by suffix) into a checked template."""
    from least_privilege_constructs.analysis.extract.loader import LoadError, parse_text

    label = provenance.label()
    fmt = "json" if provenance.path.endswith(".json") else "yaml"
    try:
        # the strict loader: a key given twice (two `statements`, a parameter defined twice) is an error
        data: Any = parse_text(text, label, fmt, cfn_tags=False)
    except LoadError as exc:
        detail = exc.message[len(label) + 2:] if exc.message.startswith(f"{label}: ") else exc.message
        raise TemplateError(f"not valid {fmt.upper()}: {detail}", source=label) from None
    return PolicyTemplate.from_dict(data, provenance)


@functools.lru_cache(maxsize=1)
def _load_builtin() -> tuple[PolicyTemplate, ...]:
    return tuple(TemplateRepository.builtin()._load())


def _git(cwd: Path, *args: str) -> str:
    try:
        proc = subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise TemplateError("git is not installed; cannot read a git template repository", source=str(cwd)) from None
    if proc.returncode != 0:
        raise TemplateError(f"git {' '.join(args)} failed: {proc.stderr.strip()}", source=str(cwd))
    return proc.stdout


def _git_toplevel(path: Path) -> Path | None:
    try:
        proc = subprocess.run(
            ["git", "-C", str(path), "rev-parse", "--show-toplevel"], capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        return None
    return Path(proc.stdout.strip()) if proc.returncode == 0 else None


@dataclass(frozen=True)
class TemplateRepository:
    """A source of template files (see the module docstring)."""

    name: str
    location: Path | None
    kind: str  # builtin | directory | git
    ref: str | None = None

    @classmethod
    def builtin(cls) -> TemplateRepository:
        return cls("builtin", builtin_dir(), "builtin")

    @classmethod
    def directory(cls, path: str | Path, name: str | None = None) -> TemplateRepository:
        p = Path(path).expanduser().resolve()
        if not p.is_dir():
            raise TemplateError(f"template repository {str(path)!r} is not a directory")
        return cls(name or p.name, p, "directory")

    @classmethod
    def git(cls, path: str | Path, ref: str = "HEAD", name: str | None = None) -> TemplateRepository:
        p = Path(path).expanduser().resolve()
        if not p.is_dir():
            raise TemplateError(f"template repository {str(path)!r} is not a directory")
        if _git_toplevel(p) is None:
            raise TemplateError(f"template repository {str(path)!r} is not a git repository")
        return cls(name or p.name, p, "git", ref)

    def label(self) -> str:
        return f"{self.name} ({self.kind}{'@' + self.ref if self.ref else ''}: {self.location})"

    # -- loading ---------------------------------------------------------------------------------
    def load(self) -> list[PolicyTemplate]:
        """Every template of the repository; raises :class:`TemplateError` on the first bad file or on a
        duplicate ``id@version``. The built-in templates are parsed once per process."""
        if self.kind == "builtin" and self.location == builtin_dir():
            return list(_load_builtin())
        return self._load()

    def _load(self) -> list[PolicyTemplate]:
        seen: dict[tuple[str, Any], PolicyTemplate] = {}
        out: list[PolicyTemplate] = []
        for prov, text in self._files():
            template = parse_template_text(text, prov)
            key = (template.id, template.version)
            if key in seen:
                raise TemplateError(
                    f"duplicate template {template.ref}: also defined in {seen[key].provenance.path}",
                    template=template.ref,
                    source=prov.label(),
                )
            seen[key] = template
            out.append(template)
        return out

    def load_collecting(self) -> tuple[list[PolicyTemplate], list[TemplateError]]:
        """Like :meth:`load`, but a bad file (or a duplicate) is an error in the list and loading goes
        on with the next file: ``lpc templates lint`` reports every bad file, not the first."""
        seen: dict[tuple[str, Any], PolicyTemplate] = {}
        out: list[PolicyTemplate] = []
        errors: list[TemplateError] = []
        try:
            for prov, text in self._files():
                try:
                    template = parse_template_text(text, prov)
                except TemplateError as exc:
                    errors.append(exc)
                    continue
                key = (template.id, template.version)
                if key in seen:
                    errors.append(TemplateError(
                        f"duplicate template {template.ref}: also defined in {seen[key].provenance.path}",
                        template=template.ref, source=prov.label()))
                    continue
                seen[key] = template
                out.append(template)
        except TemplateError as exc:  # the repository itself cannot be read further
            errors.append(exc)
        return out, errors

    def _files(self) -> Iterator[tuple[Provenance, str]]:
        assert self.location is not None
        if self.kind == "git":
            yield from self._git_files()
            return
        commit: str | None = None
        dirty = False
        if self.kind == "directory":
            top = _git_toplevel(self.location)
            if top is not None:
                head = subprocess.run(
                    ["git", "-C", str(self.location), "rev-parse", "--verify", "-q", "HEAD"],
                    capture_output=True, text=True, check=False,
                )
                if head.returncode == 0:
                    commit = head.stdout.strip()
                    status = _git(self.location, "status", "--porcelain", "--", ".")
                    dirty = bool(status.strip())
        for file in sorted(self.location.rglob("*")):
            rel = file.relative_to(self.location)
            if not file.is_file() or file.suffix not in TEMPLATE_SUFFIXES:
                continue
            if any(part.startswith(".") for part in rel.parts):
                continue
            prov = Provenance(
                repository=self.name,
                path=rel.as_posix(),
                location="" if self.kind == "builtin" else str(self.location),
                commit=commit,
                ref="HEAD" if commit else None,
                dirty=dirty,
            )
            try:
                text = file.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise TemplateError(f"cannot read: {exc}", source=prov.label()) from None
            yield prov, text

    def _git_files(self) -> Iterator[tuple[Provenance, str]]:
        assert self.location is not None
        ref = self.ref or "HEAD"
        commit = _git(self.location, "rev-parse", "--verify", f"{ref}^{{commit}}").strip()
        prefix = _git(self.location, "rev-parse", "--show-prefix").strip()  # subdirectory of the repo
        listing = _git(self.location, "ls-tree", "-r", "--full-name", "--name-only", "-z", commit, "--", ".")
        for name in sorted(n for n in listing.split("\0") if n):
            rel = name[len(prefix):] if prefix and name.startswith(prefix) else name
            if not rel.endswith(TEMPLATE_SUFFIXES) or any(p.startswith(".") for p in rel.split("/")):
                continue
            text = _git(self.location, "show", f"{commit}:{name}")
            yield Provenance(
                repository=self.name, path=rel, location=str(self.location), commit=commit, ref=ref
            ), text
