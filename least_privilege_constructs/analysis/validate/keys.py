"""Condition operators and condition keys: parsing operators, looking up key types (global keys from the
shipped data file, service keys from the IAM catalog). IAM wildcard matching lives in
:mod:`least_privilege_constructs.analysis.iam.wildcards`."""

from __future__ import annotations

import functools
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
