"""Matching of actions, resources (ARNs) and principals, with ``*``/``?`` wildcards and policy variables.

Case rules (IAM User Guide, "IAM JSON policy elements: Action": *action names are case-insensitive*;
"Resource": ARNs are case-sensitive): actions match case-insensitively, resources and ARNs
case-sensitively. ARN patterns (``Resource``/``NotResource``, ``Arn*`` operators) are matched segment by
segment (:mod:`~least_privilege_constructs.analysis.reasoning.arns`): a ``*`` in the partition, service,
region or account never crosses a ``:``.

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

from least_privilege_constructs.analysis.reasoning.arns import arn_tokens
from least_privilege_constructs.analysis.reasoning.policy import PrincipalEntry
from least_privilege_constructs.analysis.reasoning.variables import Lit, Token, Var, Wild, resolve, tokenize

_ACCOUNT = re.compile(r"^\d{12}$")
_WEB_IDENTITY_PROVIDERS = frozenset({"cognito-identity.amazonaws.com", "www.amazon.com", "graph.facebook.com"})
"""Web identity providers named like service principals (IAM User Guide, *AWS JSON policy elements:
Principal*, "OIDC federated principals")."""


def tokens_regex(tokens: tuple[Token | tuple[str, str], ...]) -> str:
    parts: list[str] = []
    for t in tokens:
        if isinstance(t, tuple):  # segment-bounded ARN wildcards (arns.SEG_STAR / arns.SEG_ONE)
            parts.append("[^:]*" if t[0] == "s" else "[^:]")
        elif isinstance(t, Wild):
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
    arn: bool = False,
) -> bool | None:
    """Like :func:`glob_match` but None when a policy variable of ``pattern`` cannot be resolved.

    ``arn=True`` matches an ARN pattern segment by segment (:func:`~.arns.arn_tokens`)."""
    tokens: tuple[Token | tuple[str, str], ...] = tokenize(pattern, wildcards=wildcards, variables=variables)
    if arn:
        steps = arn_tokens(tokens)  # type: ignore[arg-type]
        if steps is None:
            return False
        tokens = steps
    if any(isinstance(t, Var) for t in tokens):
        resolved: list[Token | tuple[str, str]] = []
        for t in tokens:
            if isinstance(t, Var):
                one = resolve((t,), context or {})
                if one is None:
                    return None
                resolved += one
            else:
                resolved.append(t)
        tokens = tuple(resolved)
    return _compiled(tokens_regex(tokens), ignore_case).fullmatch(value) is not None


@lru_cache(maxsize=262_144)
def action_matches(pattern: str, action: str) -> bool:
    """IAM action pattern match (case-insensitive, ``*``/``?``; ``*`` alone matches everything).

    Cached: a pure function of two short strings from a small vocabulary (catalog actions and the patterns
    of the policies at hand), asked again and again by the evaluator and the escalation analysis."""
    if pattern == "*":
        return True
    return glob_match(pattern, action, ignore_case=True, variables=False)


def resource_matches(
    pattern: str, resource: str, context: Mapping[str, str | list[str]], *, variables: bool = True
) -> bool | None:
    """Resource element match: case-sensitive ARN pattern, segment by segment, with policy variables
    (None: unresolvable variable; ``variables=False``: ``${...}`` is literal text, policy ``Version``)."""
    if pattern == "*":
        return True
    return glob_match_resolved(pattern, resource, context, variables=variables, arn=True)


def resources_apply(
    resources: tuple[str, ...] | None,
    not_resources: tuple[str, ...] | None,
    resource: str,
    context: Mapping[str, str | list[str]],
    *,
    variables: bool = True,
) -> bool:
    """Whether a Resource/NotResource element applies to ``resource``.

    A pattern holding a policy variable with no value matches no resource, in ``Resource`` and in
    ``NotResource`` alike (IAM User Guide, *Variables and tags*, "Policy variables with no value": "If a
    variable that has no value ... is used as part of the Resource or NotResource element of a policy, the
    resource that includes a policy variable with no value will not match any resource"), so in
    ``NotResource`` it excludes nothing.
    """
    if resources is not None:
        return any(resource_matches(p, resource, context, variables=variables) is True for p in resources)
    if not_resources is not None:
        return not any(
            resource_matches(p, resource, context, variables=variables) is True for p in not_resources
        )
    return True


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
    if principal in _WEB_IDENTITY_PROVIDERS:
        return "Federated"
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
