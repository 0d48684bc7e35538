"""Settings of the analysis backend, from one table: ``cdk.json`` context, environment, CLI flags.

Each setting is read from the ``least-privilege`` object of the ``cdk.json`` context, overridden by
its environment variable, overridden by its CLI flag, by the one settings reader of the core
(:mod:`least_privilege_constructs.analysis.settings`); :data:`SETTINGS` is its backend rows (the table in
``docs/access-analyzer.md`` is generated from it by :func:`settings_table_markdown`). A bad value raises
:class:`SettingsError` (``LPC-SETTINGS-00x``) naming where it came from.

Example::

    >>> s = resolve_settings({"mode": "offline", "maxConcurrency": 4},
    ...                      env={"LEAST_PRIVILEGE_MAX_CONCURRENCY": "2"})
    >>> s.mode, s.max_concurrency, s.sources["max_concurrency"]
    ('offline', 2, 'environment variable LEAST_PRIVILEGE_MAX_CONCURRENCY')
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from dataclasses import field as dc_field
from pathlib import Path
from typing import Any

from least_privilege_constructs.analysis import settings as _core
from least_privilege_constructs.analysis.settings import CONTEXT_KEY, MODES, RETRY_MODES, SettingsError

__all__ = ["CONTEXT_KEY", "MODES", "RETRY_MODES", "SETTINGS", "SettingSpec", "Settings", "SettingsError",
           "add_arguments", "load_context", "overrides_from_args", "resolve_settings", "settings_fields",
           "settings_table_markdown"]


@dataclass(frozen=True)
class SettingSpec:
    """One backend row of the settings table (:data:`least_privilege_constructs.analysis.settings.SETTINGS`)."""

    field: str
    context_key: str
    env: str
    flag: str
    default: Any
    help: str
    parse: Callable[[Any], Any] = dc_field(repr=False, default=str)
    metavar: str = "VALUE"


SETTINGS: tuple[SettingSpec, ...] = tuple(
    SettingSpec(row.field, row.key, row.env or "", row.flag or "", row.default, row.description, row.parse,
                row.metavar)
    for row in _core.SETTINGS if row.section == "backend"
)
"""The backend's rows of the one settings table."""

_BY_FIELD = {s.field: s for s in SETTINGS}


@dataclass(frozen=True)
class Settings:
    """Resolved settings. ``sources`` says where each value came from (``default``, ``cdk.json context
    least-privilege.maxConcurrency``, ``environment variable ...``, ``--max-concurrency``)."""

    mode: str = "auto"
    region: str | None = None
    profile: str | None = None
    cache: bool = True
    cache_offline: bool = False
    cache_dir: str | None = None
    cache_max_age_hours: float = 168.0
    max_concurrency: int = 8
    retry_mode: str = "adaptive"
    max_attempts: int = 5
    throttle_retries: int = 4
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    credential_timeout: float = 1.0
    max_policy_chars: int = 262_144
    base_dir: str | None = None
    """Directory relative paths (``cacheDir``) are resolved against: the directory of ``cdk.json``."""
    ci: bool = False
    """Pipeline mode (the ``ci`` row): a cache inside the source tree is refused unless authenticated."""
    cache_hmac_key: str | None = dc_field(default=None, repr=False)
    """The ``cacheHmacKey`` row: entries are written with, and read only with, a valid HMAC."""
    sources: Mapping[str, str] = dc_field(default_factory=dict, compare=False)

    def cache_path(self) -> Path:
        """The cache directory, resolved (default: ``~/.cache/least-privilege-constructs``)."""
        from least_privilege_constructs.access_analyzer.cache import default_cache_dir

        if not self.cache_dir:
            return default_cache_dir()
        path = Path(self.cache_dir).expanduser()
        if not path.is_absolute():
            path = Path(self.base_dir or os.getcwd()) / path
        return path

    def source_of(self, name: str) -> str:
        return self.sources.get(name, "default")


def load_context(cdk_json: str | os.PathLike[str]) -> dict[str, Any]:
    """The ``least-privilege`` object of a ``cdk.json`` (``{}`` when absent)."""
    return _core.read_cdk_json(cdk_json)


def resolve_settings(
    context: Mapping[str, Any] | None = None,
    *,
    cdk_json: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Resolve the settings: defaults < ``context`` (the ``least-privilege`` object, or read from
    ``cdk_json``) < environment variables < ``overrides`` (CLI flags, keyed by field name; ``None``
    values are ignored). Raises :class:`SettingsError` naming the offending source."""
    overrides = dict(overrides or {})
    base_dir = overrides.pop("base_dir", None)
    unknown = set(overrides) - set(_BY_FIELD)
    if unknown:
        raise SettingsError(_core.UNKNOWN_KEY, "overrides", f"unknown setting(s): {', '.join(sorted(unknown))}")
    return from_resolved(_core.resolve(context, cdk_json=cdk_json, env=env, base_dir=base_dir,
                                       flags={_BY_FIELD[k].context_key: v for k, v in overrides.items()}))


def from_resolved(resolved: _core.ResolvedSettings) -> Settings:
    """The backend's settings out of the one resolved settings."""
    values = {spec.field: resolved[spec.context_key] for spec in SETTINGS}
    sources = {spec.field: resolved.sources[spec.context_key] for spec in SETTINGS
               if spec.context_key in resolved.sources}
    base_dir = str(resolved.base_dir) if resolved.base_dir is not None else None
    return Settings(**values, base_dir=base_dir, ci=bool(resolved["ci"]), cache_hmac_key=resolved["cacheHmacKey"],
                    sources=sources)


# -- CLI ---------------------------------------------------------------------------------------------
def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the settings' flags to a CLI parser (defaults ``None``: unset flags override nothing)."""
    group = parser.add_argument_group("analysis backend")
    for spec in SETTINGS:
        if spec.field == "cache":
            group.add_argument("--cache", dest="cache", action="store_true", default=None, help=spec.help)
            group.add_argument("--no-cache", dest="cache", action="store_false", help="Do not use the cache.")
            continue
        if spec.field == "cache_offline":
            group.add_argument("--cache-offline", dest="cache_offline", action="store_true", default=None,
                               help=spec.help)
            group.add_argument("--no-cache-offline", dest="cache_offline", action="store_false",
                               help="Do not cache offline answers on disk.")
            continue
        group.add_argument(spec.flag, dest=spec.field, default=None, metavar=spec.metavar,
                           help=spec.help.replace("%", "%%"))


def overrides_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """The flags given on the command line, for ``resolve_settings(overrides=...)``."""
    return {s.field: getattr(args, s.field) for s in SETTINGS if getattr(args, s.field, None) is not None}


def flags_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """The backend flags given on the command line, keyed by setting key (for the core reader)."""
    return {s.context_key: v for s in SETTINGS if (v := getattr(args, s.field, None)) is not None}


# -- documentation -------------------------------------------------------------------------------
def settings_table_markdown() -> str:
    """The settings table of ``docs/access-analyzer.md`` (regenerate with
    ``python -m least_privilege_constructs.access_analyzer.docs``)."""
    rows = [
        "| `least-privilege` context key | Environment variable | CLI flag | Default | Meaning |",
        "|---|---|---|---|---|",
    ]
    for s in SETTINGS:
        default = "(SDK default)" if s.default is None else f"`{json.dumps(s.default)}`"
        if isinstance(s.default, str) and s.field in ("mode", "retry_mode"):
            default = f"`{s.default}`"
        if s.field == "cache_dir":
            default = f"`{s.default}`"
        flags = " ".join(f"`{f}`" for f in s.flag.split(" / "))
        rows.append(f"| `{s.context_key}` | `{s.env}` | {flags} | {default} | {s.help} |")
    return "\n".join(rows) + "\n"


def settings_fields() -> list[str]:
    return [f.name for f in fields(Settings) if f.name not in ("base_dir", "sources", "ci", "cache_hmac_key")]
