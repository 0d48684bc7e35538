"""Settings the platform team owns: in pipeline mode (``ci``) the repository's ``cdk.json`` may only tighten them.

The commit under review controls its own ``cdk.json``, so a pull request could otherwise weaken the gate it
is about to pass: drop ``SECURITY_WARNING`` from ``treatAsBlocking``, turn a check off, allow an external
principal, exempt a role path, ignore a finding. In ``ci`` mode the gate's settings are the platform's
(``platformSettings``, the pipeline's environment and flags); every row of the one settings table
(:data:`~least_privilege_constructs.analysis.settings.SETTINGS`) declares in :data:`DIRECTIONS` which way the
repository may move it, and :func:`compare` (one pure function) returns the effective settings and one
:class:`Weakening` per key moved the other way. Each weakening is a blocking ``LPC-SETTINGS-WEAKENED`` finding
naming the key, both values and the line of ``cdk.json``; the gate runs with the platform's value, not the
repository's. How the analysis runs and where its answers come from (``mode``, ``region``, ``profile``, the
cache's settings: :attr:`Direction.PLATFORM`) the repository cannot set at all: its value is not applied and is
reported as a non-blocking ``LPC-SETTINGS-PLATFORM`` note. A key without a declared direction counts as weakened
(fail closed).

    >>> from least_privilege_constructs.analysis.settings import resolve
    >>> platform = resolve({}, env={})
    >>> repo = resolve({"treatAsBlocking": ["ERROR"], "checks": {"noPublicAccess": True},
    ...                 "ignoreFindings": []}, env={})
    >>> result = compare(platform, repo)
    >>> [(w.key, w.detail) for w in result.weakenings]
    [('treatAsBlocking', 'removed SECURITY_WARNING')]
    >>> sorted(t.value for t in result.settings["treatAsBlocking"])
    ['ERROR', 'SECURITY_WARNING']
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Any

from least_privilege_constructs.analysis.findings import Finding, FindingType, PolicyOrigin
from least_privilege_constructs.analysis.settings import (
    CONTEXT_KEY,
    SETTINGS,
    ResolvedSettings,
    read_platform_settings,
    resolve,
)

WEAKENED = "LPC-SETTINGS-WEAKENED"
"""Issue code of a repository setting weaker than the platform's (blocking: a finding of type ERROR)."""
PLATFORM_HOLDS = "LPC-SETTINGS-PLATFORM"
"""Issue code of a repository value of a :attr:`Direction.PLATFORM` row that was not applied (a note: SUGGESTION)."""
CHECK = "settings"


class Direction(StrEnum):
    """Which way the repository's ``cdk.json`` may move a platform setting."""

    SUPERSET = "may only add"
    """A set the repository may only extend (blocking types, sensitive actions, reference policies)."""
    SUBSET = "may only remove"
    """A list of exemptions the repository may only shorten (principals, paths, ignored findings)."""
    ENABLE = "may only turn on"
    """A check: ``true`` stays ``true``."""
    AT_MOST = "may only lower"
    """A limit a resource is checked against (a quota): raising it lets more through."""
    EQUAL = "may not change"
    """What is checked against (the approved boundary, the escalation context): any change is a weakening."""
    FREE = "not a security decision"
    """How the analysis runs (retries, time-outs, where the report goes): the repository's value is used."""
    PLATFORM = "the platform's value holds"
    """How the pipeline runs the analysis and where its answers come from (``mode``, ``region``, ``profile``, the
    disk cache: ``cache``, ``cacheOffline``, ``cacheDir``): in ``ci`` mode the platform's value holds whatever
    ``cdk.json`` says (a repository could otherwise point the cache at answers it committed, or pick the
    backend). A differing repository value is not applied and is reported as a non-blocking
    ``LPC-SETTINGS-PLATFORM`` note naming the key."""
    PIPELINE = "pipeline only"
    """Set by the pipeline's environment or flags; ``cdk.json`` may not name it at all (``LPC-SETTINGS-007``)."""


_PLATFORM = ("mode", "region", "profile", "cache", "cacheOffline", "cacheDir")
_FREE = ("cacheMaxAgeHours", "maxConcurrency",
         "retryMode", "maxAttempts", "throttleRetries", "connectTimeout", "readTimeout", "credentialTimeout",
         # a longer document is not sent and fails closed (ANALYSIS_FAILED): any value is sound
         "maxPolicyChars", "reportPath", "htmlReport", "templateRepositories")

DIRECTIONS: Mapping[str, Direction] = MappingProxyType({
    **{key: Direction.FREE for key in _FREE},
    **{key: Direction.PLATFORM for key in _PLATFORM},
    **{f"checks.{name}": Direction.ENABLE
       for name in ("validatePolicy", "noNewAccess", "accessNotGranted", "noPublicAccess", "escalation")},
    "treatAsBlocking": Direction.SUPERSET,
    "sensitiveActions": Direction.SUPERSET,
    "references": Direction.SUPERSET,
    "ignoreFindings": Direction.SUBSET,
    "allowExternalPrincipals": Direction.SUBSET,
    "developerRolePaths": Direction.SUBSET,
    "kmsAdministrators": Direction.SUBSET,
    # an export's value resolves an Fn::ImportValue that otherwise fails closed
    "exports": Direction.SUBSET,
    "escalationContext": Direction.EQUAL,
    "managedPolicies.documents": Direction.EQUAL,
    "boundaryName": Direction.EQUAL,
    "boundaryArn": Direction.EQUAL,
    "applicationPath": Direction.EQUAL,
    **{f"quotas.{name}": Direction.AT_MOST
       for name in ("managedPolicySize", "roleInlineSize", "userInlineSize", "groupInlineSize", "trustPolicySize",
                    "managedPoliciesPerPrincipal")},
    "ci": Direction.PIPELINE,
    "platformSettings": Direction.PIPELINE,
    "cacheHmacKey": Direction.PIPELINE,
})
"""Every row of the settings table, and which way the repository may move it (a test asserts none is missing)."""

_PATH_KEYS = ("managedPolicies.documents",)


@dataclass(frozen=True)
class Weakening:
    """One repository setting weaker than the platform's."""

    key: str
    direction: Direction
    platform: Any
    repository: Any
    detail: str
    """What moved the wrong way (``removed SECURITY_WARNING``, ``added 999999999999``, ``turned off``)."""
    source: str = ""
    """Where the repository's value is (``cdk.json context least-privilege.treatAsBlocking``)."""

    def finding(self, cdk_json: str | os.PathLike[str] | None = None) -> Finding:
        """The blocking ``LPC-SETTINGS-WEAKENED`` finding, at the key's line in ``cdk_json`` when given."""
        origin = None
        if cdk_json is not None:
            origin = PolicyOrigin(source=str(cdk_json), json_path=f"context.{CONTEXT_KEY}.{self.key}",
                                  location=_location(Path(cdk_json), self.key))
        if self.direction is Direction.PLATFORM:  # not a weakening: the repository's value is simply not used
            return Finding(
                FindingType.SUGGESTION, PLATFORM_HOLDS,
                f"{self.source or 'cdk.json'} sets {self.key}, which the platform owns in pipeline mode "
                f"({self.direction.value}): the gate used the platform's "
                f"{_show(self.platform) if self.platform is not None else 'default'}, not the "
                f"repository's {_show(self.repository)}.",
                locations=[["context", CONTEXT_KEY, *self.key.split(".")]] if cdk_json is not None else [],
                origin=origin, check=CHECK,
                details={"setting": self.key, "direction": self.direction.name,
                         "platformValue": _plain(self.platform), "repositoryValue": _plain(self.repository)},
            )
        return Finding(
            FindingType.ERROR, WEAKENED,
            f"{self.source or 'cdk.json'} weakens the platform's setting {self.key} ({self.direction.value}): "
            f"{self.detail} (platform: {_show(self.platform)}; repository: {_show(self.repository)}). The gate "
            "used the platform's value; change it in the platform's settings, not in the commit that needs it.",
            locations=[["context", CONTEXT_KEY, *self.key.split(".")]] if cdk_json is not None else [],
            origin=origin, check=CHECK,
            details={"setting": self.key, "direction": self.direction.name, "platformValue": _plain(self.platform),
                     "repositoryValue": _plain(self.repository), "change": self.detail},
        )


@dataclass(frozen=True)
class Comparison:
    """The effective settings of a pipeline run and the repository's weakenings."""

    settings: ResolvedSettings
    weakenings: tuple[Weakening, ...] = ()
    compared: int = 0
    """How many keys the repository's ``cdk.json`` sets (each compared with the platform's value)."""
    tightened: tuple[str, ...] = field(default=())
    """Keys where the repository's stricter value was taken."""
    notes: tuple[Weakening, ...] = field(default=())
    """Keys the platform owns (:attr:`Direction.PLATFORM`) that the repository sets to another value: not applied,
    reported as non-blocking ``LPC-SETTINGS-PLATFORM`` notes."""


def _plain(value: Any) -> Any:
    if isinstance(value, frozenset | set):
        return sorted(str(getattr(v, "value", v)) for v in value)
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def _show(value: Any) -> str:
    return json.dumps(_plain(value), sort_keys=True, default=str)


def _hashable(value: Any) -> Any:
    return json.dumps(_plain(value), sort_keys=True, default=str) if isinstance(value, dict | list) else value


def _items(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, frozenset | set):
        return sorted(value, key=lambda v: str(getattr(v, "value", v)))
    return list(value)


def _names(items: Iterable[Any]) -> str:
    return ", ".join(str(getattr(v, "value", v)) if not isinstance(v, dict | tuple) else _show(v) for v in items)


def _tighten(direction: Direction | None, key: str, platform: Any, repo: Any) -> tuple[Any, str | None]:
    """``(effective value, what weakened or None)`` of one key the repository sets."""
    if direction is Direction.SUPERSET:
        have = {_hashable(v) for v in _items(repo)}
        removed = [v for v in _items(platform) if _hashable(v) not in have]
        known = {_hashable(v) for v in _items(platform)}
        merged = [*_items(platform), *(v for v in _items(repo) if _hashable(v) not in known)]
        effective: Any = frozenset(merged) if isinstance(platform, frozenset) else tuple(merged)
        return effective, (f"removed {_names(removed)}" if removed else None)
    if direction is Direction.SUBSET:
        allowed = {_hashable(v) for v in _items(platform)}
        added = [v for v in _items(repo) if _hashable(v) not in allowed]
        kept = tuple(v for v in _items(repo) if _hashable(v) in allowed)
        return kept, (f"added {_names(added)}" if added else None)
    if direction is Direction.ENABLE:
        return bool(platform) or bool(repo), ("turned off" if platform and not repo else None)
    if direction is Direction.AT_MOST:
        return min(platform, repo), (f"raised to {repo}" if repo > platform else None)
    if direction is Direction.EQUAL:
        return platform, (None if _hashable(platform) == _hashable(repo) else "changed")
    if direction is Direction.FREE:
        return repo, None
    if direction is Direction.PLATFORM:  # reported by compare() as a note, never applied
        return platform, None
    # PIPELINE rows never come from cdk.json (resolve refuses them); a key without a direction: fail closed
    return platform, "no declared direction for this setting (fail closed)"


def compare(platform: ResolvedSettings, repository: ResolvedSettings,
            directions: Mapping[str, Direction] = DIRECTIONS) -> Comparison:
    """The settings the gate runs with: the platform's, tightened by every key the repository's ``cdk.json``
    sets in the allowed direction; one :class:`Weakening` per key moved the other way (the platform's value is
    kept for it). ``repository`` holds the ``cdk.json`` values only (resolved without environment or flags).

    Keys the platform sets by environment variable or flag (the pipeline's own choices) win over ``cdk.json``
    for ``FREE`` rows too, as flags and variables always do."""
    values = dict(platform.values)
    sources = dict(platform.sources)
    weakenings: list[Weakening] = []
    tightened: list[str] = []
    compared = 0
    notes: list[Weakening] = []
    for setting in SETTINGS:
        key = setting.key
        if not repository.is_set(key):
            continue
        compared += 1
        direction = directions.get(key)
        own = platform.source_of(key)
        if direction is Direction.PLATFORM:
            mine, theirs = platform[key], repository[key]
            if key == "cacheDir":  # compared as the directories they name
                mine, theirs = _absolute(key, mine, platform), _absolute(key, theirs, repository)
            if _hashable(_plain(mine)) != _hashable(_plain(theirs)):
                notes.append(Weakening(key, direction, mine, theirs, "not applied", repository.source_of(key)))
            continue
        if direction is Direction.FREE and own.startswith(("environment variable", "--")):
            continue
        mine, theirs = platform[key], repository[key]
        if key in _PATH_KEYS or key == "references":
            mine, theirs = _absolute(key, mine, platform), _absolute(key, theirs, repository)
        effective, weakened = _tighten(direction, key, mine, theirs)
        if weakened is not None:
            weakenings.append(Weakening(key, direction or Direction.EQUAL, mine, theirs, weakened,
                                        repository.source_of(key)))
            values[key] = mine
            continue
        values[key] = effective
        if _hashable(_plain(effective)) != _hashable(_plain(mine)) or direction is Direction.FREE:
            sources[key] = repository.source_of(key)
            tightened.append(key)
    for key in ("references", "cacheDir", *_PATH_KEYS):  # relative paths of either side, made absolute
        values[key] = _absolute(key, values[key], platform)
    merged = ResolvedSettings(MappingProxyType(values), MappingProxyType(sources),
                              repository.base_dir or platform.base_dir, repository.origin)
    return Comparison(merged, tuple(weakenings), compared, tuple(tightened), tuple(notes))


def _absolute(key: str, value: Any, side: ResolvedSettings) -> Any:
    base = side.base_dir or Path(os.getcwd())
    if key == "references":
        return tuple({**ref, "policy": str(p if (p := Path(ref["policy"])).is_absolute() else base / p)}
                     for ref in value)
    if isinstance(value, str) and value:
        return str(p if (p := Path(value)).is_absolute() else base / p)
    return value


@dataclass(frozen=True)
class GateSettings:
    """What ``lpc gate`` runs with: the settings, and in ``ci`` mode the comparison that produced them."""

    settings: ResolvedSettings
    comparison: Comparison | None = None
    cdk_json: Path | None = None

    @property
    def ci(self) -> bool:
        return bool(self.settings["ci"])

    def findings(self) -> list[Finding]:
        """One blocking ``LPC-SETTINGS-WEAKENED`` finding per weakened key, and one non-blocking
        ``LPC-SETTINGS-PLATFORM`` note per platform-owned key the repository sets otherwise (none outside ``ci``
        mode)."""
        if self.comparison is None:
            return []
        return [w.finding(self.cdk_json) for w in (*self.comparison.weakenings, *self.comparison.notes)]


def resolve_gate_settings(cdk_json: str | os.PathLike[str] | None = None, *, env: Mapping[str, str] | None = None,
                          flags: Mapping[str, Any] | None = None,
                          base_dir: str | os.PathLike[str] | None = None) -> GateSettings:
    """The settings of one gate run. Outside ``ci`` mode: the usual precedence (flags > environment >
    ``cdk.json`` > defaults), unchanged. In ``ci`` mode (``--ci`` / ``LEAST_PRIVILEGE_CI``): the platform's
    settings (``platformSettings`` < environment < flags, all the pipeline's) tightened by ``cdk.json``
    (:func:`compare`)."""
    environment = os.environ if env is None else env
    file = Path(cdk_json) if cdk_json is not None else None
    usual = resolve(cdk_json=file, env=environment, flags=flags, base_dir=base_dir)
    if not usual["ci"]:
        return GateSettings(usual, None, file)
    context, platform_base, origin = read_platform_settings(usual["platformSettings"],
                                                            usual.source_of("platformSettings"))
    platform = resolve(context, env=environment, flags=flags, origin=origin,
                       base_dir=platform_base or base_dir or os.getcwd())
    if file is None:  # no cdk.json: nothing to tighten or weaken
        return GateSettings(platform, Comparison(platform), None)
    comparison = compare(platform, resolve(cdk_json=file, env={}, base_dir=base_dir))
    return GateSettings(comparison.settings, comparison, file)


def _location(cdk_json: Path, key: str) -> Any:
    from least_privilege_constructs.analysis.model.spans import SourceLocation, SourceSpans

    try:
        text = cdk_json.read_text(encoding="utf-8")
    except OSError:
        return None
    return SourceLocation(SourceSpans.from_json(text), ["context", CONTEXT_KEY, *key.split(".")])


__all__ = [
    "CHECK",
    "DIRECTIONS",
    "PLATFORM_HOLDS",
    "WEAKENED",
    "Comparison",
    "Direction",
    "GateSettings",
    "Weakening",
    "compare",
    "resolve_gate_settings",
]
