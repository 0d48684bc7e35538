"""LP-IAM6: role trust policies are scoped (no ``*``, no bare account root, pinned OIDC and SAML trust)."""

from __future__ import annotations

import re

from least_privilege_constructs.analysis.iam.arn import Arn
from least_privilege_constructs.analysis.rules._policy import (
    PolicyDoc,
    condition_keys,
    condition_values,
    is_allow,
    load_document,
    principals,
    root_account,
    statements,
    strings,
)
from least_privilege_constructs.analysis.rules.base import (
    NOT_APPLICABLE,
    NagFinding,
    RuleInput,
    RuleResult,
    add_finding,
    rule,
    statement_path,
)

_GITHUB = "token.actions.githubusercontent.com"


def _provider_host(federated: str) -> tuple[str, str] | None:
    """``("oidc"|"saml", host-or-name)`` for a Federated principal, None when it cannot be told."""
    arn = Arn.parse(federated)
    if arn:
        if arn.resource_type in ("oidc-provider", "saml-provider"):
            return arn.resource_type[: -len("-provider")], arn.resource_id
        return None
    if federated.startswith("{{unresolved"):
        return None
    return "oidc", federated  # accounts.google.com, cognito-identity.amazonaws.com, graph.facebook.com ...


def _broad_subject(host: str, value: str) -> bool:
    if value.strip() in ("", "*") or value.startswith("*"):
        return True
    if host == _GITHUB:
        # repo:<org>/<repo>:<ref>; the organization (and repository) must be literal
        return not re.match(r"^repo:[^*?/]+/[^*?/:]+", value)
    return False


def _oidc_findings(host: str | None, stmt: dict) -> list[NagFinding]:
    hosts = [host] if host else sorted({k.rsplit(":", 1)[0] for k in condition_keys(stmt) if k.endswith(":aud")})
    if not hosts:
        return [NagFinding("OIDC::unknown-provider::aud",
                           "web-identity trust without a resolvable provider and without an audience condition")]
    out = []
    for h in hosts:
        aud = condition_values(stmt, f"{h}:aud")
        if not aud or any("*" in v or "?" in v for v in aud):
            out.append(NagFinding(f"OIDC::{h}::aud", f"trust of {h} does not pin the audience ({h}:aud)"))
        if h == "cognito-identity.amazonaws.com":
            if not condition_values(stmt, f"{h}:amr"):
                out.append(NagFinding(f"OIDC::{h}::amr", f"trust of {h} does not restrict {h}:amr"))
            continue
        sub = condition_values(stmt, f"{h}:sub")
        if not sub or any(_broad_subject(h, v) for v in sub):
            out.append(NagFinding(f"OIDC::{h}::sub", f"trust of {h} does not pin the subject ({h}:sub)"))
    return out


@rule(
    title="Trust policy scoped",
    checks="A role's trust policy allows no `*` principal, no account root (`arn:aws:iam::<account>:root` or a bare "
    "account id) without a condition, and pins web-identity (OIDC) trust to an audience (`<provider>:aud`) and a "
    "subject (`<provider>:sub`; for GitHub at least `repo:<org>/<repo>`) and SAML trust to `SAML:aud`.",
    why="The trust policy decides who becomes the role. `*` or an unconditioned account root lets any principal "
    "(of any account, or any principal of that account with sts:AssumeRole on `*`) assume it; an OIDC trust "
    "without `sub` trusts every repository or workload of the identity provider.",
    fix="Name the principals (role ARNs, service principals), add conditions (`aws:PrincipalArn`, `sts:ExternalId`, "
    "`aws:PrincipalOrgID`) to account-root trust, and pin `aud` and `sub` for OIDC providers.",
    resource_types=("AWS::IAM::Role",),
)
def trust_policy_scoped(resource: RuleInput) -> RuleResult:
    if resource.resource_type != "AWS::IAM::Role":
        return NOT_APPLICABLE
    resource.require("AssumeRolePolicyDocument")
    raw = resource.properties.get("AssumeRolePolicyDocument")
    if raw is None:
        return [NagFinding("Trust::missing", "the role has no trust policy")]
    doc = PolicyDoc("trust", load_document(raw, f"{resource.logical_id}.AssumeRolePolicyDocument"),
                    "AssumeRolePolicyDocument")
    findings: dict[str, NagFinding] = {}
    for i, stmt in statements(doc):
        if not is_allow(stmt):
            continue
        where = statement_path(doc.where, i)  # each finding names its statements (one finding per mistake)

        def add(key: str, detail: str, where: str = where) -> None:
            add_finding(findings, key, detail, statement=where)

        actions = [a.lower() for a in strings(stmt.get("Action"))]
        has_condition = bool(condition_keys(stmt))
        if "NotPrincipal" in stmt:
            add("Principal::NotPrincipal", "an Allow with NotPrincipal trusts everyone but the listed principals")
        for kind, value in principals(stmt):
            if value == "*" and kind in ("*", "AWS"):
                add("Principal::*", "the trust policy allows any principal")
                continue
            if kind == "AWS":
                account = root_account(value, resource.account)
                if account is not None and not has_condition:
                    label = "own-account" if account in (resource.account, "${AWS::AccountId}") else account
                    add(f"Root::{label}", f"trusts the root of account {account} without a condition")
            elif kind == "Federated":
                provider = _provider_host(value)
                web_identity = any(a in ("sts:assumerolewithwebidentity", "sts:*", "*") for a in actions)
                saml = any(a in ("sts:assumerolewithsaml", "sts:*", "*") for a in actions)
                if provider and provider[0] == "saml":
                    if not condition_values(stmt, "SAML:aud"):
                        add(f"SAML::{provider[1]}::aud", f"SAML trust of {provider[1]} does not pin SAML:aud")
                elif web_identity or (provider is None and not saml):
                    for f in _oidc_findings(provider[1] if provider else None, stmt):
                        add(f.key, f.detail)
    return list(findings.values())
