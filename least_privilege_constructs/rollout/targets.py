"""Shapes of the identifiers a StackSet rollout is given, checked at construction (no CDK import).

Each check names where the bad value came from (the construct path and the argument), so that a typo in
an OU id fails ``cdk synth`` with a readable message instead of a failed StackSet operation an hour into
a deployment. Values that are unresolved CDK tokens (``${Token[...]}``, e.g. a ``CfnParameter``) cannot be
checked before deployment and are accepted as they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from least_privilege_constructs.errors import LeastPrivilegeError

ACCOUNT_ID_RE = re.compile(r"^\d{12}$")
"""An AWS account id: exactly twelve digits."""

OU_ID_RE = re.compile(r"^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$")
"""An organizational unit id (``ou-`` + root-derived part + ``-`` + 8–32 characters), AWS Organizations API."""

ROOT_ID_RE = re.compile(r"^r-[0-9a-z]{4,32}$")
"""An organization root id (``r-`` + 4–32 characters); StackSets accept it wherever an OU id goes."""

ORGANIZATION_ID_RE = re.compile(r"^o-[a-z0-9]{10,32}$")
"""An organization id (``o-`` + 10–32 characters)."""

REGION_RE = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$")
"""A region name such as ``eu-west-1``, ``us-gov-west-1`` or ``us-isob-east-1``."""

STACK_SET_NAME_RE = re.compile(r"^[a-zA-Z][-a-zA-Z0-9]{0,127}$")
"""CloudFormation: a StackSet name starts with a letter; letters, digits and hyphens, at most 128."""

_TOKEN_MARKERS = ("${Token[", "#{Token[", "[TOKEN.")


def is_token(value: object) -> bool:
    """Whether ``value`` is (or contains) an unresolved CDK token, which can only be checked at deploy time."""
    return isinstance(value, str) and any(marker in value for marker in _TOKEN_MARKERS)


def _values(where: str, argument: str, values: Iterable[str] | str) -> list[str]:
    if isinstance(values, str):
        raise LeastPrivilegeError(
            "LPC-ROLLOUT-001", where, f"{argument} must be a list of strings, not the string {values!r}"
        )
    out = list(values)
    for index, value in enumerate(out):
        if not isinstance(value, str):
            raise LeastPrivilegeError(
                "LPC-ROLLOUT-001", where, f"{argument}[{index}] must be a string, got {type(value).__name__}"
            )
    seen: set[str] = set()
    for value in out:
        if value in seen:
            raise LeastPrivilegeError("LPC-ROLLOUT-001", where, f"{argument} lists {value!r} twice")
        seen.add(value)
    return out


def check_account_ids(where: str, argument: str, values: Iterable[str] | str) -> list[str]:
    """Account ids: twelve digits each (as strings: a leading zero is significant)."""
    out = _values(where, argument, values)
    for index, value in enumerate(out):
        if not is_token(value) and not ACCOUNT_ID_RE.match(value):
            raise LeastPrivilegeError(
                "LPC-ROLLOUT-002",
                where,
                f"{argument}[{index}] {value!r} is not an AWS account id (exactly 12 digits, as a string)",
            )
    return out


def check_account_id(where: str, argument: str, value: str) -> str:
    """One account id (twelve digits)."""
    if not isinstance(value, str):
        raise LeastPrivilegeError(
            "LPC-ROLLOUT-002", where, f"{argument} must be a 12-digit string, got {type(value).__name__}"
        )
    return check_account_ids(where, argument, [value])[0] if not is_token(value) else value


def check_ou_ids(where: str, argument: str, values: Iterable[str] | str) -> list[str]:
    """Organizational unit ids (``ou-xxxx-xxxxxxxx``) or the root id (``r-xxxx``)."""
    out = _values(where, argument, values)
    for index, value in enumerate(out):
        if is_token(value) or OU_ID_RE.match(value) or ROOT_ID_RE.match(value):
            continue
        hint = ""
        if ACCOUNT_ID_RE.match(value):
            hint = " (this is an account id: pass it in accounts or exclude_accounts)"
        elif ORGANIZATION_ID_RE.match(value):
            hint = " (this is the organization id: target the root 'r-xxxx' to reach every account)"
        raise LeastPrivilegeError(
            "LPC-ROLLOUT-003",
            where,
            f"{argument}[{index}] {value!r} is not an organizational unit id ('ou-' followed by "
            f"'<4-32 chars>-<8-32 chars>') or a root id ('r-<4-32 chars>'){hint}",
        )
    return out


def check_regions(
    where: str, argument: str, values: Sequence[str] | str, *, required: bool = True
) -> list[str]:
    """Region names; at least one when ``required``."""
    out = _values(where, argument, values)
    if required and not out:
        raise LeastPrivilegeError(
            "LPC-ROLLOUT-004",
            where,
            f"{argument} is empty: a StackSet deploys stack instances per account *and region*; "
            "give at least one region (for IAM-only templates exactly one, e.g. the home region)",
        )
    for index, value in enumerate(out):
        if not is_token(value) and not REGION_RE.match(value):
            raise LeastPrivilegeError(
                "LPC-ROLLOUT-004",
                where,
                f"{argument}[{index}] {value!r} is not a region name (e.g. 'eu-west-1')",
            )
    return out


def check_organization_id(where: str, argument: str, value: str) -> str:
    """An organization id (``o-xxxxxxxxxx``)."""
    if not is_token(value) and not ORGANIZATION_ID_RE.match(value):
        raise LeastPrivilegeError(
            "LPC-ROLLOUT-005",
            where,
            f"{argument} {value!r} is not an organization id ('o-' + 10-32 characters)",
        )
    return value


def check_stack_set_name(where: str, value: str) -> str:
    """A StackSet name as CloudFormation accepts it."""
    if not is_token(value) and not STACK_SET_NAME_RE.match(value):
        raise LeastPrivilegeError(
            "LPC-ROLLOUT-006",
            where,
            f"stack_set_name {value!r} must start with a letter and hold only letters, digits and hyphens "
            "(at most 128 characters)",
        )
    return value
