"""Condition operators and condition keys: parsing operators, looking up key types (global keys from the
shipped data file, service keys from the IAM catalog), and matching IAM wildcard patterns."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from least_privilege_constructs.analysis.catalog import Catalog
from least_privilege_constructs.analysis.iam.condition_keys import KeyInfo, global_key, global_key_data

STRING_OPS = (
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
)
NUMERIC_OPS = (
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
)
DATE_OPS = (
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
)
ARN_OPS = ("ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike")
IP_OPS = ("IpAddress", "NotIpAddress")
OTHER_OPS = ("Bool", "BinaryEquals", "Null")

OPERATOR_FAMILY: dict[str, str] = {
    **{o: "String" for o in STRING_OPS},
    **{o: "Numeric" for o in NUMERIC_OPS},
    **{o: "Date" for o in DATE_OPS},
    **{o: "ARN" for o in ARN_OPS},
    **{o: "IPAddress" for o in IP_OPS},
    "Bool": "Bool",
    "BinaryEquals": "Binary",
    "Null": "Null",
}
_BY_LOWER = {o.lower(): o for o in OPERATOR_FAMILY}


@dataclass(frozen=True)
class Operator:
    """A parsed condition operator such as ``ForAnyValue:StringLikeIfExists``."""

    text: str
    base: str | None
    """The canonical base operator (``StringLike``), or None when it is not a known operator."""
    qualifier: str | None
    """``ForAnyValue`` / ``ForAllValues`` / None."""
    if_exists: bool

    @property
    def valid(self) -> bool:
        return self.base is not None

    @property
    def family(self) -> str | None:
        return OPERATOR_FAMILY.get(self.base) if self.base else None

    @property
    def is_like(self) -> bool:
        return self.base in ("StringLike", "StringNotLike", "ArnLike", "ArnNotLike")

    @property
    def is_negated(self) -> bool:
        return self.base is not None and "Not" in self.base


@functools.lru_cache(maxsize=1024)
def parse_operator(text: str) -> Operator:
    qualifier: str | None = None
    rest = text
    if ":" in text:
        q, _, rest = text.partition(":")
        ql = q.lower()
        if ql == "foranyvalue":
            qualifier = "ForAnyValue"
        elif ql == "forallvalues":
            qualifier = "ForAllValues"
        else:
            return Operator(text, None, None, False)
    if_exists = False
    base = _BY_LOWER.get(rest.lower())
    if base is None and rest.lower().endswith("ifexists"):
        base = _BY_LOWER.get(rest[: -len("IfExists")].lower())
        if_exists = base is not None
    return Operator(text, base, qualifier, if_exists)


# -- global condition keys --------------------------------------------------------------------------


# KeyInfo, global_key and the global-key table live with the other condition-key facts
_global_data = global_key_data


def unsupported_global_keys() -> dict[str, str]:
    return {k.lower(): v for k, v in _global_data()["unsupported"].items()}


def paired_keys() -> dict[str, list[str]]:
    return {k.lower(): v for k, v in _global_data()["paired"].items()}


def tag_templates() -> list[str]:
    return list(_global_data()["tag_templates"])


@functools.lru_cache(maxsize=16384)
def catalog_key(catalog: Catalog, key: str) -> dict[str, Any] | None:
    """``catalog.condition_key`` memoized (template keys make the lookup a scan of the service's keys)."""
    return catalog.condition_key(key)


def service_key(catalog: Catalog, key: str) -> KeyInfo | None:
    rec = catalog_key(catalog, key)
    if rec is None:
        return None
    return KeyInfo(str(rec.get("key", key)), str(rec.get("type") or "String"), False)


@functools.lru_cache(maxsize=16384)
def key_info(catalog: Catalog, key: str) -> KeyInfo | None:
    """Global key first (its documented type), then the service reference."""
    if key.lower().startswith("aws:"):
        return global_key(key) or service_key(catalog, key)
    return service_key(catalog, key)


# -- wildcard patterns --------------------------------------------------------------------------------


_WILD = re.compile(r"[*?]")
_STAR, _QMARK = "\x00", "\x01"


@functools.lru_cache(maxsize=16384)
def _cover_regex(general: str) -> re.Pattern[str]:
    # a * of the general pattern absorbs anything, including the specific pattern's own wildcards; a ?
    # absorbs one character or a ? of the specific pattern, never a * (which may stand for many)
    parts = []
    for c in general:
        if c == "*":
            parts.append(".*")
        elif c == "?":
            parts.append("[^\x00]")
        else:
            parts.append(re.escape(c))
    return re.compile("".join(parts), re.DOTALL)


def literal_prefix(pattern: str) -> str:
    m = _WILD.search(pattern)
    return pattern if m is None else pattern[: m.start()]


def _literal_suffix(pattern: str) -> str:
    for i in range(len(pattern) - 1, -1, -1):
        if pattern[i] in "*?":
            return pattern[i + 1 :]
    return pattern


def pattern_covers(general: str, specific: str) -> bool:
    """Whether every string matched by IAM pattern ``specific`` is matched by ``general``.

    ``*`` matches any sequence and ``?`` any single character, in both patterns. Exact comparison (call
    with lower-cased text for case-insensitive elements such as actions). The specific pattern's
    wildcards are treated as symbols that only a ``*`` (or, for ``?``, a ``?``) of the general pattern can
    absorb - exact except for contrived ``?``/``*`` reorderings such as ``?*`` vs ``*?``, where it answers
    False (never a wrong True).
    """
    if general == specific:
        return True
    if "*" not in general and "?" not in general:
        return False
    prefix = literal_prefix(general)
    if prefix and not specific.startswith(prefix):
        return False
    suffix = _literal_suffix(general)
    if suffix and not specific.endswith(suffix):
        return False
    if general == "*":
        return True
    symbolic = specific.replace("*", _STAR).replace("?", _QMARK)
    if "?" not in general:
        return _star_match(general.split("*"), symbolic)
    return _cover_regex(general).fullmatch(symbolic) is not None


def _star_match(parts: list[str], text: str) -> bool:
    """Whether ``text`` matches the pattern ``"*".join(parts)`` (``*`` wildcards only), without regexes."""
    first, last = parts[0], parts[-1]
    if len(text) < len(first) + len(last) or not text.startswith(first) or not text.endswith(last):
        return False
    pos, end = len(first), len(text) - len(last)
    for part in parts[1:-1]:
        found = text.find(part, pos, end)
        if found < 0:
            return False
        pos = found + len(part)
    return True


_GLOB_CACHE: dict[str, re.Pattern[str]] = {}


def glob_match(pattern: str, text: str, ignore_case: bool = False) -> bool:
    """Whether concrete ``text`` matches IAM pattern ``pattern``."""
    key = ("i:" if ignore_case else "s:") + pattern
    rx = _GLOB_CACHE.get(key)
    if rx is None:
        rx = re.compile(
            "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern),
            re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL,
        )
        _GLOB_CACHE[key] = rx
    return rx.fullmatch(text) is not None
