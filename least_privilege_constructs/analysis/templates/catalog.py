"""The template catalog: built-in templates plus an organization's repositories, versioned and searchable.

Repositories are layered in the order they are added, built-in first. Several versions of a template
coexist; :meth:`TemplateCatalog.get` picks one by pin (``id``, ``id@1``, ``id@1.2``, ``id@1.2.3``).
The same ``id@version`` in a later repository **overrides** the earlier one, and the override is
recorded (:attr:`TemplateCatalog.overrides`, shown by ``lpc templates list``), so a reviewer sees that
an organization replaced a built-in. The same ``id@version`` twice in one repository is an error.

Pure Python (no ``aws_cdk``): the ``lpc templates`` CLI uses it without jsii.

Example::

    >>> catalog = TemplateCatalog.builtin()
    >>> catalog.get("app.s3-read").audience
    'application'
    >>> [t.id for t in catalog.search("queue", audience="application")]
    ['app.sqs-consume', 'app.sqs-send']

With an organization's repository (a directory, or a git repository read at a tag)::

    catalog = TemplateCatalog.builtin().add_repository("../policy-templates", ref="v3.2.0")
    doc = catalog.get("acme.reports-read@3").render(bucket_name="acme-reports").document
"""

from __future__ import annotations

import builtins
import json
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from least_privilege_constructs.analysis.templates.errors import TemplateError, TemplateNotFoundError
from least_privilege_constructs.analysis.templates.repository import TemplateRepository
from least_privilege_constructs.analysis.templates.template import AUDIENCES, PolicyTemplate
from least_privilege_constructs.analysis.templates.version import Version, VersionPin, split_reference

CONTEXT_KEY = "least-privilege"
# TODO(issue 12): read templateRepositories through the one settings reader (cdk.json / env / flags) once it lands.
CONFIG_KEY = "templateRepositories"
ENV_VAR = "LEAST_PRIVILEGE_TEMPLATE_REPOSITORIES"
"""Configuration of the organization's repositories: ``cdk.json`` context
``{"least-privilege": {"templateRepositories": ["../policy-templates", "../shared#v2.1.0"]}}`` (paths
relative to ``cdk.json``), overridden by the environment variable (entries separated by ``os.pathsep``),
overridden by ``--repository`` flags."""


def parse_repository_spec(spec: str, base_dir: str | Path | None = None) -> tuple[Path, str | None]:
    """``"PATH"`` -> (PATH, None); ``"PATH#REF"`` -> (PATH, REF); relative paths resolve from ``base_dir``."""
    path, sep, ref = str(spec).strip().partition("#")
    if not path:
        raise TemplateError(f"template repository {spec!r}: empty path")
    if sep and not ref:
        raise TemplateError(f"template repository {spec!r}: empty git ref after '#'")
    p = Path(path).expanduser()
    if not p.is_absolute() and base_dir is not None:
        p = Path(base_dir) / p
    return p, (ref if sep else None)


def configured_repositories(
    context: Mapping[str, Any] | None = None, *, base_dir: str | Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> list[str]:
    """The repository specs from the environment variable, else from a ``least-privilege`` context
    mapping (the value of the ``least-privilege`` key of ``cdk.json``'s ``context``)."""
    env = os.environ if environ is None else environ
    if env.get(ENV_VAR):
        return [s for s in env[ENV_VAR].split(os.pathsep) if s.strip()]
    value = (context or {}).get(CONFIG_KEY, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TemplateError(f"{CONTEXT_KEY}.{CONFIG_KEY} must be a list of paths (PATH or PATH#REF), got {value!r}")
    if base_dir is not None:
        return [str(parse_repository_spec(v, base_dir)[0]) + (f"#{v.partition('#')[2]}" if "#" in v else "")
                for v in value]
    return list(value)


def read_cdk_json_context(directory: str | Path = ".") -> dict[str, Any]:
    """The ``least-privilege`` context of ``cdk.json`` in ``directory`` ({} when there is none)."""
    path = Path(directory) / "cdk.json"
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise TemplateError(f"cannot read {path}: {exc}") from None
    ctx = (data.get("context") or {}).get(CONTEXT_KEY) if isinstance(data, dict) else None
    return ctx if isinstance(ctx, dict) else {}


@dataclass(frozen=True)
class Override:
    """A template ``id@version`` replaced by a later repository."""

    ref: str
    replaced: str  # provenance label of the replaced template
    by: str  # provenance label of the replacing template


class TemplateCatalog:
    """An ordered set of template repositories, indexed by ``(id, version)``."""

    def __init__(self, repositories: Iterable[TemplateRepository] = ()) -> None:
        self._repositories: list[TemplateRepository] = []
        self._templates: dict[tuple[str, Version], PolicyTemplate] = {}
        self.overrides: list[Override] = []
        for repo in repositories:
            self.add(repo)

    @classmethod
    def builtin(cls) -> TemplateCatalog:
        """A catalog of the built-in templates only."""
        return cls([TemplateRepository.builtin()])

    @classmethod
    def empty(cls) -> TemplateCatalog:
        return cls()

    @classmethod
    def from_specs(
        cls, specs: Sequence[str], *, builtin: bool = True, base_dir: str | Path | None = None
    ) -> TemplateCatalog:
        """Built-in templates (unless ``builtin=False``) plus repositories given as ``PATH`` or
        ``PATH#REF`` (a git repository at ``REF``), in order."""
        catalog = cls.builtin() if builtin else cls.empty()
        for spec in specs:
            path, ref = parse_repository_spec(spec, base_dir)
            catalog.add_repository(path, ref=ref)
        return catalog

    @classmethod
    def from_context(cls, scope: Any, *, builtin: bool = True) -> TemplateCatalog:
        """The catalog configured for a CDK app: ``least-privilege.templateRepositories`` from the
        construct's context (``cdk.json``; relative paths from the working directory, where ``cdk``
        runs), overridden by ``LEAST_PRIVILEGE_TEMPLATE_REPOSITORIES``. ``scope`` is any construct."""
        context = scope.node.try_get_context(CONTEXT_KEY) or {}
        if not isinstance(context, Mapping):
            raise TemplateError(f"context {CONTEXT_KEY!r} must be a mapping, got {type(context).__name__}")
        return cls.from_specs(configured_repositories(context), builtin=builtin)

    # -- building ----------------------------------------------------------------------------------
    def add(self, repository: TemplateRepository) -> TemplateCatalog:
        """Load a repository on top of the current ones (its templates override the same id@version)."""
        loaded = repository.load()
        for template in loaded:
            key = (template.id, template.version)
            previous = self._templates.get(key)
            if previous is not None:
                self.overrides.append(
                    Override(template.ref, previous.provenance.label(), template.provenance.label())
                )
            self._templates[key] = template
        self._repositories.append(repository)
        return self

    def add_repository(
        self, path: str | Path, *, ref: str | None = None, name: str | None = None
    ) -> TemplateCatalog:
        """Add an organization's repository: a directory, or (with ``ref``) a git repository at a ref."""
        repo = (
            TemplateRepository.git(path, ref=ref, name=name)
            if ref is not None
            else TemplateRepository.directory(path, name=name)
        )
        return self.add(repo)

    @property
    def repositories(self) -> list[TemplateRepository]:
        return list(self._repositories)

    # -- lookup -------------------------------------------------------------------------------------
    def __iter__(self) -> Iterator[PolicyTemplate]:
        return iter(sorted(self._templates.values(), key=lambda t: (t.id, t.version)))

    def __len__(self) -> int:
        return len(self._templates)

    def __contains__(self, reference: object) -> bool:
        if not isinstance(reference, str):
            return False
        try:
            self.get(reference)
        except TemplateNotFoundError:
            return False
        return True

    def ids(self) -> list[str]:
        return sorted({t.id for t in self._templates.values()})

    def versions(self, template_id: str) -> list[Version]:
        """Every version of one template, oldest first."""
        return sorted(v for (i, v) in self._templates if i == template_id)

    def get(self, reference: str, version: str | None = None) -> PolicyTemplate:
        """The template for ``id``, ``id@MAJOR``, ``id@MAJOR.MINOR`` or ``id@MAJOR.MINOR.PATCH`` (or ``id``
        plus ``version``): the highest matching release, or exactly the pinned version."""
        template_id, pin = split_reference(reference)
        if version is not None:
            pin = VersionPin.parse(version)
        candidates = [v for v in self.versions(template_id) if pin.matches(v)]
        if not candidates:
            available = self.versions(template_id)
            if available:
                raise TemplateNotFoundError(
                    f"no version of {template_id} matches {pin}; available: "
                    + ", ".join(str(v) for v in available),
                    template=reference,
                )
            close = [i for i in self.ids() if template_id.split(".")[-1] in i][:5]
            hint = f"; did you mean {', '.join(close)}?" if close else "; see `lpc templates list`"
            raise TemplateNotFoundError(f"no template {template_id!r} in the catalog{hint}", template=reference)
        return self._templates[(template_id, max(candidates))]

    def latest(self) -> list[PolicyTemplate]:
        """The latest release of every template (what ``list`` and ``search`` show by default)."""
        out = []
        for template_id in self.ids():
            try:
                out.append(self.get(template_id))
            except TemplateNotFoundError:  # only pre-releases: show the highest
                out.append(self._templates[(template_id, self.versions(template_id)[-1])])
        return out

    def list(
        self,
        *,
        audience: str | None = None,
        service: str | None = None,
        all_versions: bool = False,
    ) -> list[PolicyTemplate]:
        """Templates filtered by audience and service (latest versions unless ``all_versions``)."""
        if audience is not None and audience not in AUDIENCES:
            raise ValueError(f"unknown audience {audience!r}; expected one of {', '.join(AUDIENCES)}")
        pool = list(self) if all_versions else self.latest()
        return [
            t
            for t in pool
            if (audience is None or t.audience == audience)
            and (service is None or service.lower() in t.services)
        ]

    def search(
        self,
        text: str = "",
        *,
        audience: str | None = None,
        service: str | None = None,
        all_versions: bool = False,
    ) -> builtins.list[PolicyTemplate]:
        """Templates whose id, title, description, justification, services, keywords or parameter names
        contain every word of ``text`` (case-insensitive), ranked by matches in id and title first."""
        words = [w for w in text.lower().split() if w]
        hits = []
        for t in self.list(audience=audience, service=service, all_versions=all_versions):
            haystack = t.search_text()
            if all(w in haystack for w in words):
                strong = sum(w in t.id or w in t.title.lower() for w in words)
                hits.append((-strong, t.id, t.version, t))
        return [h[-1] for h in sorted(hits, key=lambda h: h[:3])]
