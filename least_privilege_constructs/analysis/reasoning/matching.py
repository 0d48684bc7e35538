"""Matching of actions, resources (ARNs) and principals, with ``*``/``?`` wildcards and policy variables.

Case rules (IAM User Guide, "IAM JSON policy elements: Action": *action names are case-insensitive*;
"Resource": ARNs are case-sensitive): actions match case-insensitively, resources and ARNs
case-sensitively. A wildcard matches across ``:`` (the guide: *if the * wildcard is the last character of
a resource ARN segment, it can expand to match beyond the colon boundaries*; we apply whole-string glob
semantics everywhere, see docs/reasoning.md).

Example::

    >>> action_matches("S3:get*", "s3:GetObject")
    True
    >>> resource_matches("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b", {})
    True
    >>> resource_matches("arn:aws:s3:::Bucket/*", "arn:aws:s3:::bucket/a", {})
    False
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

from least_privilege_constructs.analysis.reasoning.policy import PrincipalEntry
from least_privilege_constructs.analysis.reasoning.variables import Lit, Token, Var, Wild, resolve, tokenize

_ACCOUNT = re.compile(r"^\d{12}$")


def tokens_regex(tokens: tuple[Token, ...]) -> str:
    parts: list[str] = []
    for t in tokens:
        if isinstance(t, Wild):
            parts.append(".*" if t.char == "*" else ".")
        elif isinstance(t, Lit):
            parts.append(re.escape(t.text))
        else:  # unresolved variable: never reached after resolve()
            raise ValueError("unresolved variable")
    return "".join(parts)


@lru_cache(maxsize=65536)
def _compiled(regex: str, ignore_case: bool) -> re.Pattern[str]:
    return re.compile(regex, re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def glob_match(
    pattern: str,
    value: str,
    context: Mapping[str, str | list[str]] | None = None,
    *,
    ignore_case: bool = False,
    wildcards: bool = True,
    variables: bool = True,
) -> bool:
    """Whether ``value`` matches the policy string ``pattern`` (wildcards, variables resolved from
    ``context``; an unresolvable variable matches nothing)."""
    return (
        glob_match_resolved(
            pattern, value, context, ignore_case=ignore_case, wildcards=wildcards, variables=variables
        )
        is True
    )


def glob_match_resolved(
    pattern: str,
    value: str,
    context: Mapping[str, str | list[str]] | None = None,
    *,
    ignore_case: bool = False,
    wildcards: bool = True,
    variables: bool = True,
) -> bool | None:
    """Like :func:`glob_match` but None when a policy variable of ``pattern`` cannot be resolved."""
    tokens = tokenize(pattern, wildcards=wildcards, variables=variables)
    if any(isinstance(t, Var) for t in tokens):
        resolved = resolve(tokens, context or {})
        if resolved is None:
            return None
        tokens = resolved
    return _compiled(tokens_regex(tokens), ignore_case).fullmatch(value) is not None


@lru_cache(maxsize=262_144)
def action_matches(pattern: str, action: str) -> bool:
    """IAM action pattern match (case-insensitive, ``*``/``?``; ``*`` alone matches everything).

    Cached: a pure function of two short strings from a small vocabulary (catalog actions and the patterns
    of the policies at hand), asked again and again by the evaluator and the escalation analysis."""
    if pattern == "*":
        return True
    return glob_match(pattern, action, ignore_case=True, variables=False)


def resource_matches(pattern: str, resource: str, context: Mapping[str, str | list[str]]) -> bool | None:
    """Resource element match: case-sensitive glob with policy variables (None: unresolvable variable)."""
    if pattern == "*":
        return True
    return glob_match_resolved(pattern, resource, context)


def resources_apply(
    resources: tuple[str, ...] | None,
    not_resources: tuple[str, ...] | None,
    resource: str,
    context: Mapping[str, str | list[str]],
) -> bool:
    """Whether a Resource/NotResource element applies to ``resource``.

    A pattern whose policy variable cannot be resolved matches nothing; in a ``NotResource`` element it
    excludes the resources it could match for some value of the variable (so an unresolved variable never
    makes a statement apply to a resource the pattern might denote).
    """
    if resources is not None:
        return any(resource_matches(p, resource, context) is True for p in resources)
    if not_resources is not None:
        for p in not_resources:
            r = resource_matches(p, resource, context)
            if r is True or (r is None and could_match(p, resource)):
                return False
        return True
    return True


def could_match(pattern: str, value: str) -> bool:
    """Whether ``value`` matches ``pattern`` for *some* value of its policy variables."""
    parts: list[str] = []
    for t in tokenize(pattern):
        if isinstance(t, Var):
            parts.append(".*")
        elif isinstance(t, Wild):
            parts.append(".*" if t.char == "*" else ".")
        else:
            parts.append(re.escape(t.text))
    return _compiled("".join(parts), False).fullmatch(value) is not None


def account_of(arn: str) -> str | None:
    """The account id of an ARN (``arn:aws:iam::123456789012:role/x`` -> ``123456789012``)."""
    parts = arn.split(":", 5)
    if len(parts) == 6 and parts[0] == "arn":
        return parts[4] or None
    return None


def role_arn_of_session(arn: str) -> str | None:
    """``arn:aws:sts::1:assumed-role/R/s`` -> ``arn:aws:iam::1:role/R`` (paths are not in session ARNs)."""
    parts = arn.split(":", 5)
    if len(parts) == 6 and parts[2] == "sts" and parts[5].startswith("assumed-role/"):
        segs = parts[5].split("/")
        if len(segs) >= 3:
            return f"arn:{parts[1]}:iam::{parts[4]}:role/{segs[1]}"
    return None


def principal_kind(principal: str) -> str:
    """``AWS``, ``Service``, ``Federated``, ``CanonicalUser`` or ``Anonymous`` for a request principal."""
    if principal in ("", "*", "anonymous"):
        return "Anonymous"
    if principal.startswith("arn:"):
        if ":saml-provider/" in principal or ":oidc-provider/" in principal:
            return "Federated"
        return "AWS"
    if principal.endswith(".amazonaws.com") or principal.endswith(".amazonaws.com.cn"):
        return "Service"
    if re.fullmatch(r"[0-9a-f]{64}", principal):
        return "CanonicalUser"
    return "Federated"  # web identity providers: accounts.google.com, cognito-identity.amazonaws.com ...


def principal_match_level(entry: PrincipalEntry, principal: str) -> str | None:
    """How a request principal is covered by one ``Principal`` entry: ``"wildcard"`` (``*``),
    ``"exact"`` (the ARN or service name itself), ``"session"`` (a role ARN covering its sessions),
    ``"account"`` (``123456789012`` or ``arn:aws:iam::123456789012:root`` covering the account), or None.

    Principal ARNs do not take wildcards, except the whole value ``*``.
    """
    kind = principal_kind(principal)
    if entry.kind == "*":
        return "wildcard"
    if entry.kind == "AWS" and entry.value == "*":
        return "wildcard" if kind in ("AWS", "Anonymous") else None
    if entry.kind != kind:
        return None
    if kind != "AWS":
        return "exact" if entry.value == principal else None
    value = entry.value
    if value == principal:
        return "exact"
    if _ACCOUNT.match(value):
        return "account" if account_of(principal) == value else None
    parts = value.split(":", 5)
    if len(parts) == 6 and parts[2] == "iam" and parts[5] == "root":
        return "account" if account_of(principal) == parts[4] else None
    return "session" if role_arn_of_session(principal) == value else None


def principal_entry_matches(entry: PrincipalEntry, principal: str) -> bool:
    """Whether a request principal is covered by one ``Principal`` entry (see :func:`principal_match_level`)."""
    return principal_match_level(entry, principal) is not None


def principal_matches(entries: tuple[PrincipalEntry, ...], principal: str) -> bool:
    return any(principal_entry_matches(e, principal) for e in entries)
