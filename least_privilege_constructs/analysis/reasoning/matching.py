"""Matching of principals, and of a statement's Resource/NotResource element, for the evaluator.

Wildcards, actions, ARNs and policy variables follow the one IAM matcher,
:mod:`least_privilege_constructs.analysis.iam.wildcards` (its docstring states the ARN segment rule and the
documentation it follows); this module only applies it to statements and principals.

Example::

    >>> resources_apply(("arn:aws:s3:::bucket/*",), None, "arn:aws:s3:::bucket/a/b", {})
    True
    >>> resources_apply(None, ("arn:aws:s3:::Bucket/*",), "arn:aws:s3:::bucket/a", {})
    True
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from least_privilege_constructs.analysis.iam.arn import (
    Arn,
    account_of,
    is_account_id,
    is_service_principal,
    is_session_of_role,
)
from least_privilege_constructs.analysis.iam.wildcards import arn_matches
from least_privilege_constructs.analysis.reasoning.policy import PrincipalEntry

_WEB_IDENTITY_PROVIDERS = frozenset({"cognito-identity.amazonaws.com", "www.amazon.com", "graph.facebook.com"})
"""Web identity providers named like service principals (IAM User Guide, *AWS JSON policy elements:
Principal*, "OIDC federated principals")."""


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
    ``NotResource`` it excludes nothing. ``variables=False``: the policy's ``Version`` is not 2012-10-17,
    so ``${...}`` is literal text.
    """
    if resources is not None:
        return any(arn_matches(p, resource, context, variables=variables) is True for p in resources)
    if not_resources is not None:
        return not any(arn_matches(p, resource, context, variables=variables) is True for p in not_resources)
    return True


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
    if is_service_principal(principal):
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
    if is_account_id(value):
        return "account" if account_of(principal) == value else None
    parsed = Arn.parse(value)
    if parsed is not None and parsed.service == "iam" and parsed.resource == "root":
        return "account" if account_of(principal) == parsed.account_id else None
    return "session" if is_session_of_role(principal, value) else None


def principal_entry_matches(entry: PrincipalEntry, principal: str) -> bool:
    """Whether a request principal is covered by one ``Principal`` entry (see :func:`principal_match_level`)."""
    return principal_match_level(entry, principal) is not None


def principal_matches(entries: tuple[PrincipalEntry, ...], principal: str) -> bool:
    return any(principal_entry_matches(e, principal) for e in entries)
