"""Settings of the analysis backend, from one table: ``cdk.json`` context, environment, CLI flags.

Each setting is read from the ``least-privilege`` object of the ``cdk.json`` context, overridden by
its environment variable, overridden by its CLI flag (:data:`SETTINGS` is the table; the one in
``docs/access-analyzer.md`` is generated from it by :func:`settings_table_markdown`). Every value is
checked, and a bad one is reported with where it came from.

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

CONTEXT_KEY = "least-privilege"
MODES = ("auto", "online", "offline")
RETRY_MODES = ("adaptive", "standard", "legacy")


class SettingsError(ValueError):
    """A setting with a bad value; the message names where it came from."""


@dataclass(frozen=True)
class SettingSpec:
    """One row of the settings table."""

    field: str
    context_key: str
    env: str
    flag: str
    default: Any
    help: str
    parse: Callable[[Any], Any] = dc_field(repr=False, default=str)
    metavar: str = "VALUE"


def _choice(choices: tuple[str, ...]) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        text = str(value).strip().lower()
        if text not in choices:
            raise ValueError(f"expected one of {', '.join(choices)}")
        return text

    return parse


def _int(minimum: int) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        if isinstance(value, bool):
            raise ValueError("expected an integer")
        try:
            number = int(str(value).strip()) if not isinstance(value, int) else value
        except ValueError:
            raise ValueError("expected an integer") from None
        if number < minimum:
            raise ValueError(f"expected an integer >= {minimum}")
        return number

    return parse


def _float(minimum: float) -> Callable[[Any], float]:
    def parse(value: Any) -> float:
        if isinstance(value, bool):
            raise ValueError("expected a number")
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError("expected a number") from None
        if number < minimum:
            raise ValueError(f"expected a number >= {minimum}")
        return number

    return parse


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError("expected true or false")


def _text(value: Any) -> str | None:
    if not isinstance(value, str):
        raise ValueError("expected a string")
    return value.strip() or None


SETTINGS: tuple[SettingSpec, ...] = (
    SettingSpec("mode", "mode", "LEAST_PRIVILEGE_MODE", "--mode", "auto",
                "`offline`: the embedded analyzer; `online`: IAM Access Analyzer (fails if no credentials "
                "resolve); `auto`: online when AWS credentials resolve, else offline.",
                _choice(MODES), "{auto,online,offline}"),
    SettingSpec("region", "region", "LEAST_PRIVILEGE_REGION", "--region", None,
                "Region of the Access Analyzer endpoint (default: the AWS SDK's region, else us-east-1).",
                _text, "REGION"),
    SettingSpec("profile", "profile", "LEAST_PRIVILEGE_PROFILE", "--profile", None,
                "AWS named profile for the online backend (default: the SDK's credential chain).",
                _text, "PROFILE"),
    SettingSpec("cache", "cache", "LEAST_PRIVILEGE_CACHE", "--cache / --no-cache", True,
                "Cache results on disk by content hash (an unchanged app makes zero API calls).",
                _bool, ""),
    SettingSpec("cache_offline", "cacheOffline", "LEAST_PRIVILEGE_CACHE_OFFLINE", "--cache-offline / --no-cache-offline",
                False,
                "Also cache the offline analyzer's answers on disk. Off by default: it recomputes a 300-role app in "
                "about 0.3 s, faster than writing and reading one cache file per answer.", _bool, ""),
    SettingSpec("cache_dir", "cacheDir", "LEAST_PRIVILEGE_CACHE_DIR", "--cache-dir",
                "~/.cache/least-privilege-constructs",
                "Cache directory (relative to the directory of cdk.json; never inside cdk.out). "
                "Default honours XDG_CACHE_HOME.", _text, "DIR"),
    SettingSpec("cache_max_age_hours", "cacheMaxAgeHours", "LEAST_PRIVILEGE_CACHE_MAX_AGE_HOURS",
                "--cache-max-age-hours", 168.0,
                "Entries older than this are asked again (Access Analyzer's answers can change).",
                _float(0.0), "HOURS"),
    SettingSpec("max_concurrency", "maxConcurrency", "LEAST_PRIVILEGE_MAX_CONCURRENCY", "--max-concurrency", 8,
                "At most this many Access Analyzer calls in flight (also the HTTP pool size).",
                _int(1), "N"),
    SettingSpec("retry_mode", "retryMode", "LEAST_PRIVILEGE_RETRY_MODE", "--retry-mode", "adaptive",
                "botocore retry mode: `adaptive` (client-side rate limiting) or `standard`.",
                _choice(RETRY_MODES), "{adaptive,standard,legacy}"),
    SettingSpec("max_attempts", "maxAttempts", "LEAST_PRIVILEGE_MAX_ATTEMPTS", "--max-attempts", 5,
                "botocore attempts per call (first try included) on throttling, 5xx and time-outs.",
                _int(1), "N"),
    SettingSpec("throttle_retries", "throttleRetries", "LEAST_PRIVILEGE_THROTTLE_RETRIES", "--throttle-retries", 4,
                "Further tries, with exponential back-off and jitter, of a call still throttled after "
                "botocore's retries.", _int(0), "N"),
    SettingSpec("connect_timeout", "connectTimeout", "LEAST_PRIVILEGE_CONNECT_TIMEOUT", "--connect-timeout", 5.0,
                "Seconds to open a connection to Access Analyzer.", _float(0.1), "SECONDS"),
    SettingSpec("read_timeout", "readTimeout", "LEAST_PRIVILEGE_READ_TIMEOUT", "--read-timeout", 30.0,
                "Seconds to wait for a response (a time-out is retried, then fails closed).",
                _float(0.1), "SECONDS"),
    SettingSpec("credential_timeout", "credentialTimeout", "LEAST_PRIVILEGE_CREDENTIAL_TIMEOUT",
                "--credential-timeout", 1.0,
                "Seconds `auto` waits for the EC2/container metadata credential endpoints (one attempt).",
                _float(0.1), "SECONDS"),
    SettingSpec("max_policy_chars", "maxPolicyChars", "LEAST_PRIVILEGE_MAX_POLICY_CHARS", "--max-policy-chars",
                262_144, "Longer documents are not sent; they get an ANALYSIS_FAILED finding.",
                _int(1), "N"),
)

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
    path = Path(cdk_json)
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except OSError as exc:
        raise SettingsError(f"cannot read {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise SettingsError(f"{path} is not valid JSON: {exc}") from None
    context = data.get("context", {}) if isinstance(data, dict) else {}
    value = context.get(CONTEXT_KEY, {}) if isinstance(context, dict) else {}
    if not isinstance(value, dict):
        raise SettingsError(f"{path}: context '{CONTEXT_KEY}' must be an object")
    return value


def resolve_settings(
    context: Mapping[str, Any] | None = None,
    *,
    cdk_json: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Resolve the settings: defaults < ``context`` (the ``least-privilege`` object, or read from
    ``cdk_json``) < environment variables < ``overrides`` (CLI flags, keyed by field name; ``None``
    values are ignored). Keys of the context that belong to other parts of the library are ignored.
    Raises :class:`SettingsError` naming the offending source."""
    env = os.environ if env is None else env
    where = "cdk.json context"
    base_dir: str | None = None
    if context is None and cdk_json is not None:
        context = load_context(cdk_json)
        where = f"{cdk_json} context"
        base_dir = str(Path(cdk_json).resolve().parent)
    context = context or {}
    if not isinstance(context, Mapping):
        raise SettingsError(f"context '{CONTEXT_KEY}' must be an object, got {type(context).__name__}")
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}

    def take(spec: SettingSpec, raw: Any, source: str) -> None:
        try:
            values[spec.field] = spec.parse(raw)
        except ValueError as exc:
            raise SettingsError(f"{source}: invalid value {raw!r} ({exc})") from None
        sources[spec.field] = source

    for spec in SETTINGS:
        if spec.context_key in context and context[spec.context_key] is not None:
            take(spec, context[spec.context_key], f"{where} {CONTEXT_KEY}.{spec.context_key}")
        if env.get(spec.env, "").strip():
            take(spec, env[spec.env], f"environment variable {spec.env}")
        if overrides and overrides.get(spec.field) is not None:
            take(spec, overrides[spec.field], spec.flag.split(" ")[0] if spec.field != "cache" else "--cache/--no-cache")
    unknown = set(overrides or {}) - set(_BY_FIELD) - {"base_dir"}
    if unknown:
        raise SettingsError(f"unknown setting(s): {', '.join(sorted(unknown))}")
    if overrides and overrides.get("base_dir"):
        base_dir = str(overrides["base_dir"])
    return Settings(**values, base_dir=base_dir, sources=sources)


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
    return [f.name for f in fields(Settings) if f.name not in ("base_dir", "sources")]
