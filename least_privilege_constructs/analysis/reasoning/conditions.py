"""Condition operators, evaluated on a concrete request context.

Semantics (IAM User Guide, "IAM JSON policy elements: Condition operators" and "Multivalued context
keys"):

* several values for one key are ORed; several keys and operators are ANDed;
* a missing key makes a positive operator false and a negated operator (``StringNotEquals``,
  ``NotIpAddress``, ``ArnNotLike`` ...) true; ``...IfExists`` makes any operator true on a missing key;
* ``Null`` tests presence; ``ForAllValues:`` is true when every request value matches (vacuously true
  for a missing key or an empty set), ``ForAnyValue:`` when at least one does (false when missing, with
  or without ``IfExists``);
* a negated operator is the complement of the positive operator applied to each request value;
* an operator without a set qualifier on a multivalued (list) request value is false ("use a set
  operator with multivalued keys");
* policy variables are resolved in ``String*`` and ``Arn*`` values (only under ``"Version":
  "2012-10-17"``; otherwise ``${...}`` is literal text); a value whose variable has no value does not
  match, so a positive operator is false and a negated one true for it (*IAM policy elements: Variables
  and tags*, "Policy variables with no value": "Inverted condition operators like StringNotEquals or
  StringNotLike do match against a null value",
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#policy-vars-no-value);
* ``Arn*`` operators match ARNs segment by segment (*Condition operators*, "ARN condition operators":
  each colon-delimited component is checked separately), see :mod:`.arns`.

Example::

    >>> from least_privilege_constructs.analysis.reasoning.policy import parse_policy
    >>> c = parse_policy({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*",
    ...     "Condition": {"StringNotEquals": {"aws:RequestedRegion": "us-east-1"}}}}).statements[0].conditions[0]
    >>> condition_matches(c, {})
    True
"""

from __future__ import annotations

import base64
import ipaddress
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING

from least_privilege_constructs.analysis.iam.variables import lookup
from least_privilege_constructs.analysis.iam.wildcards import arn_matches, glob_match_resolved

if TYPE_CHECKING:
    from least_privilege_constructs.analysis.reasoning.policy import Condition

Context = Mapping[str, str | list[str]]


@dataclass(frozen=True)
class OperatorSpec:
    """A base operator: its family (value type), whether it is negated and its positive comparison."""

    name: str
    family: str
    negated: bool
    compare: Callable[[str, str, Context, bool], bool | None]
    """(policy value, request value, context, variables enabled) -> match; None: unresolved variable."""


def _num(text: str) -> float | None:
    try:
        value = float(text.strip())
    except (ValueError, AttributeError):
        return None
    return value if value == value else None  # no NaN


_ISO = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$"
)


@lru_cache(maxsize=4096)
def parse_date(text: str) -> float | None:
    """Epoch seconds of an ISO 8601 date/time (``2024-01-01``, ``2024-01-01T00:00:00Z``) or epoch number."""
    text = text.strip()
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return float(text)
    m = _ISO.match(text)
    if not m:
        return None
    y, mo, d, h, mi, s, frac, tz = m.groups()
    try:
        dt = datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0), tzinfo=UTC)
    except ValueError:
        return None
    value = dt.timestamp() + (float("0." + frac) if frac else 0.0)
    if tz and tz != "Z":
        sign = 1 if tz[0] == "+" else -1
        digits = tz[1:].replace(":", "")
        value -= sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
    return value


@lru_cache(maxsize=4096)
def parse_network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None


@lru_cache(maxsize=4096)
def parse_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        net = parse_network(text)
        return net.network_address if net is not None and net.num_addresses == 1 else None


def _numeric(op: Callable[[float, float], bool]) -> Callable[[str, str, Context, bool], bool]:
    def compare(policy_value: str, request_value: str, _ctx: Context, _v: bool = True) -> bool:
        p, r = _num(policy_value), _num(request_value)
        return p is not None and r is not None and op(r, p)

    return compare


def _date(op: Callable[[float, float], bool]) -> Callable[[str, str, Context, bool], bool]:
    def compare(policy_value: str, request_value: str, _ctx: Context, _v: bool = True) -> bool:
        p, r = parse_date(policy_value), parse_date(request_value)
        return p is not None and r is not None and op(r, p)

    return compare


def _str_equals(p: str, r: str, ctx: Context, v: bool = True) -> bool | None:
    return glob_match_resolved(p, r, ctx, wildcards=False, variables=v)


def _str_equals_ic(p: str, r: str, ctx: Context, v: bool = True) -> bool | None:
    return glob_match_resolved(p, r, ctx, wildcards=False, ignore_case=True, variables=v)


def _str_like(p: str, r: str, ctx: Context, v: bool = True) -> bool | None:
    return glob_match_resolved(p, r, ctx, variables=v)


def _arn_like(p: str, r: str, ctx: Context, v: bool = True) -> bool | None:
    return arn_matches(p, r, ctx, variables=v)


def _bool(p: str, r: str, _ctx: Context, _v: bool = True) -> bool:
    return p.strip().lower() in ("true", "false") and p.strip().lower() == r.strip().lower()


def _binary(p: str, r: str, _ctx: Context, _v: bool = True) -> bool:
    try:
        return base64.b64decode(p, validate=True) == base64.b64decode(r, validate=True)
    except ValueError:
        return p == r


def _ip(p: str, r: str, _ctx: Context, _v: bool = True) -> bool:
    net, addr = parse_network(p), parse_ip(r)
    return net is not None and addr is not None and addr.version == net.version and addr in net


def _eq(a: float, b: float) -> bool:
    return a == b


def _lt(a: float, b: float) -> bool:
    return a < b


def _le(a: float, b: float) -> bool:
    return a <= b


def _gt(a: float, b: float) -> bool:
    return a > b


def _ge(a: float, b: float) -> bool:
    return a >= b


def _specs() -> dict[str, OperatorSpec]:
    table: list[OperatorSpec] = [
        OperatorSpec("StringEquals", "String", False, _str_equals),
        OperatorSpec("StringNotEquals", "String", True, _str_equals),
        OperatorSpec("StringEqualsIgnoreCase", "String", False, _str_equals_ic),
        OperatorSpec("StringNotEqualsIgnoreCase", "String", True, _str_equals_ic),
        OperatorSpec("StringLike", "String", False, _str_like),
        OperatorSpec("StringNotLike", "String", True, _str_like),
        OperatorSpec("NumericEquals", "Numeric", False, _numeric(_eq)),
        OperatorSpec("NumericNotEquals", "Numeric", True, _numeric(_eq)),
        OperatorSpec("NumericLessThan", "Numeric", False, _numeric(_lt)),
        OperatorSpec("NumericLessThanEquals", "Numeric", False, _numeric(_le)),
        OperatorSpec("NumericGreaterThan", "Numeric", False, _numeric(_gt)),
        OperatorSpec("NumericGreaterThanEquals", "Numeric", False, _numeric(_ge)),
        OperatorSpec("DateEquals", "Date", False, _date(_eq)),
        OperatorSpec("DateNotEquals", "Date", True, _date(_eq)),
        OperatorSpec("DateLessThan", "Date", False, _date(_lt)),
        OperatorSpec("DateLessThanEquals", "Date", False, _date(_le)),
        OperatorSpec("DateGreaterThan", "Date", False, _date(_gt)),
        OperatorSpec("DateGreaterThanEquals", "Date", False, _date(_ge)),
        OperatorSpec("Bool", "Bool", False, _bool),
        OperatorSpec("BinaryEquals", "Binary", False, _binary),
        OperatorSpec("IpAddress", "Ip", False, _ip),
        OperatorSpec("NotIpAddress", "Ip", True, _ip),
        OperatorSpec("ArnEquals", "Arn", False, _arn_like),
        OperatorSpec("ArnLike", "Arn", False, _arn_like),
        OperatorSpec("ArnNotEquals", "Arn", True, _arn_like),
        OperatorSpec("ArnNotLike", "Arn", True, _arn_like),
        OperatorSpec("Null", "Null", False, _bool),
    ]
    return {s.name: s for s in table}


OPERATORS: dict[str, OperatorSpec] = _specs()
"""Every base condition operator IAM supports, by name."""


def _element_matches(
    spec: OperatorSpec, values: tuple[str, ...], request_value: str, ctx: Context, variables: bool = True
) -> bool:
    """The operator on one request value. A policy value whose variable has no value matches nothing, so
    a positive operator is false for it and a negated one true ("Policy variables with no value")."""
    matched = any(spec.compare(p, request_value, ctx, variables) is True for p in values)
    return not matched if spec.negated else matched


def condition_matches(cond: Condition, context: Context) -> bool:
    """Whether one condition (operator, key, values) holds for a request context."""
    spec = OPERATORS[cond.base]
    value = lookup(context, cond.key)
    if spec.name == "Null":
        want_absent = any(v.strip().lower() == "true" for v in cond.values)
        want_present = any(v.strip().lower() == "false" for v in cond.values)
        absent = value is None
        return (want_absent and absent) or (want_present and not absent)
    if value is None:
        if cond.set_op == "ForAnyValue":
            return False
        if cond.if_exists or cond.set_op == "ForAllValues":
            return True
        return spec.negated
    values = value if isinstance(value, list) else [value]
    var = cond.variables
    if cond.set_op == "ForAllValues":
        return all(_element_matches(spec, cond.values, v, context, var) for v in values)
    if cond.set_op == "ForAnyValue":
        return any(_element_matches(spec, cond.values, v, context, var) for v in values)
    if isinstance(value, list):
        return False  # a multivalued key needs a set operator
    return _element_matches(spec, cond.values, value, context, var)


def first_failing_condition(conditions: tuple[Condition, ...], context: Context) -> Condition | None:
    """The first condition of a statement that does not hold (None when all hold)."""
    for c in conditions:
        if not condition_matches(c, context):
            return c
    return None
