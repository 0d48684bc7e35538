"""``FederationProvider``: who may assume the organization's baseline federation roles (no CDK import).

The trust policy is built as plain JSON with ``${AWS::Partition}`` / ``${AWS::AccountId}`` placeholders, so
the same StackSet template names the identity provider *of the account it is deployed to*::

    FederationProvider.saml("corp-okta")                      # an IAM SAML provider, by name
    FederationProvider.oidc("https://idp.example.com/oauth2",   # an IAM OIDC provider
                            audience="aws-federation", subjects=["group:cloud-readers"])
    FederationProvider.identity_center(["ReadOnly"])          # IAM Identity Center permission sets

* **SAML** trusts ``saml-provider/<name>`` for ``sts:AssumeRoleWithSAML`` with ``SAML:aud`` pinned to the
  AWS sign-in endpoint (the provider itself is created with the IdP metadata, per account, outside this
  template or by adding an ``AWS::IAM::SAMLProvider`` to the ``DefaultPolicies`` stack).
* **OIDC** trusts ``oidc-provider/<host/path>`` for ``sts:AssumeRoleWithWebIdentity``; the audience is
  pinned with ``StringEquals`` and at least one subject pattern is required (``StringLike`` on ``:sub``):
  an OIDC trust without a subject condition lets every identity of the issuer in.
* **IAM Identity Center** users arrive through ``AWSReservedSSO_<PermissionSet>_*`` roles in each account;
  the role trusts the account and only those reserved roles (``aws:PrincipalArn``), i.e. role chaining from
  the named permission sets.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from least_privilege_constructs.analysis.iam.identity_center import permission_set_role_condition
from least_privilege_constructs.errors import LeastPrivilegeError

ProviderKind = Literal["saml", "oidc", "identity_center"]

SAML_AUDIENCE = "https://signin.aws.amazon.com/saml"
_NAME_RE = re.compile(r"^[\w._-]{1,128}$")
_PERMISSION_SET_RE = re.compile(r"^[\w+=,.@-]{1,32}$")
_HOST_RE = re.compile(r"^[a-z0-9.-]+(:\d+)?(/[\w.~%!$&'()*+,;=:@/-]*)?$", re.IGNORECASE)


@dataclass(frozen=True)
class FederationProvider:
    """An identity provider trusted by the baseline federation role. Build it with the class methods."""

    kind: ProviderKind
    name: str = ""
    """SAML provider name (``saml``)."""
    issuer: str = ""
    """OIDC issuer without ``https://`` (``oidc``)."""
    audience: str = ""
    subjects: Sequence[str] = field(default_factory=tuple)
    permission_sets: Sequence[str] = field(default_factory=tuple)

    @classmethod
    def saml(cls, provider_name: str, *, audience: str = SAML_AUDIENCE) -> FederationProvider:
        """An IAM SAML provider named ``provider_name`` in every target account."""
        if not isinstance(provider_name, str) or not _NAME_RE.match(provider_name):
            raise LeastPrivilegeError(
                "LPC-ROLLOUT-020",
                "FederationProvider.saml",
                f"provider_name {provider_name!r} is not a SAML provider name (1-128 of letters, digits, '._-')",
            )
        return cls(kind="saml", name=provider_name, audience=audience)

    @classmethod
    def oidc(cls, issuer_url: str, *, audience: str, subjects: Sequence[str]) -> FederationProvider:
        """An IAM OIDC provider for ``issuer_url``, restricted to ``audience`` and the ``subjects`` patterns."""
        where = "FederationProvider.oidc"
        issuer = issuer_url.removeprefix("https://").rstrip("/") if isinstance(issuer_url, str) else ""
        if not issuer or "://" in issuer or not _HOST_RE.match(issuer):
            raise LeastPrivilegeError(
                "LPC-ROLLOUT-020", where, f"issuer_url {issuer_url!r} is not an https issuer URL"
            )
        if not audience:
            raise LeastPrivilegeError("LPC-ROLLOUT-020", where, "audience is required (the client id)")
        if (
            isinstance(subjects, str)
            or not list(subjects)
            or not all(isinstance(s, str) and s for s in subjects)
        ):
            raise LeastPrivilegeError(
                "LPC-ROLLOUT-020",
                where,
                "give at least one subject pattern: without a ':sub' condition every identity of the issuer "
                "could assume the role",
            )
        if any(s.strip("*?") == "" for s in subjects):
            raise LeastPrivilegeError(
                "LPC-ROLLOUT-020", where, f"subject patterns {list(subjects)} include a pure wildcard"
            )
        return cls(kind="oidc", issuer=issuer, audience=audience, subjects=tuple(subjects))

    @classmethod
    def identity_center(cls, permission_sets: Sequence[str]) -> FederationProvider:
        """IAM Identity Center users of the named permission sets (role chaining from their reserved roles)."""
        names = [permission_sets] if isinstance(permission_sets, str) else list(permission_sets)
        if not names or not all(isinstance(n, str) and _PERMISSION_SET_RE.match(n) for n in names):
            raise LeastPrivilegeError(
                "LPC-ROLLOUT-020",
                "FederationProvider.identity_center",
                f"permission_sets {permission_sets!r} must be one or more permission set names "
                "(1-32 of letters, digits, '+=,.@_-')",
            )
        return cls(kind="identity_center", permission_sets=tuple(names))

    def _web_statement(self) -> dict[str, Any]:
        """The SAML or OIDC trust statement (see :meth:`trust_statements`)."""
        account = "arn:${AWS::Partition}:iam::${AWS::AccountId}"
        if self.kind == "saml":
            return {
                "Effect": "Allow",
                "Principal": {"Federated": f"{account}:saml-provider/{self.name}"},
                "Action": "sts:AssumeRoleWithSAML",
                "Condition": {"StringEquals": {"SAML:aud": self.audience}},
            }
        if self.kind == "oidc":
            host = self.issuer
            return {
                "Effect": "Allow",
                "Principal": {"Federated": f"{account}:oidc-provider/{host}"},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {f"{host}:aud": self.audience},
                    "StringLike": {f"{host}:sub": list(self.subjects)},
                },
            }
        raise AssertionError(f"unknown federation kind {self.kind!r}")  # pragma: no cover

    def trust_statements(self) -> list[dict[str, Any]]:
        """The trust policy statements (JSON, with ``${AWS::Partition}``/``${AWS::AccountId}`` placeholders).

        Identity Center: one statement per permission set, each pinning ``aws:PrincipalArn`` to the roles of that
        set (``ArnLike .../*AWSReservedSSO_<name>_*``) and keeping out those of a set whose name extends it
        (``ArnNotLike .../*AWSReservedSSO_<name>_*_*``: names may contain ``_``, the suffix Identity Center appends
        has none). One statement per set, so that trusting both ``A`` and ``A_B`` admits exactly those two.
        """
        if self.kind != "identity_center":
            return [self._web_statement()]
        account = "arn:${AWS::Partition}:iam::${AWS::AccountId}"
        statements = []
        for name in self.permission_sets:
            statements.append({
                "Effect": "Allow",
                "Principal": {"AWS": f"{account}:root"},
                "Action": "sts:AssumeRole",
                "Condition": permission_set_role_condition(account, name),
            })
        return statements

    def describe(self) -> str:
        """A short human description (used in the role's description)."""
        if self.kind == "saml":
            return f"SAML provider {self.name}"
        if self.kind == "oidc":
            return f"OIDC provider {self.issuer}"
        return f"IAM Identity Center permission sets {', '.join(self.permission_sets)}"
