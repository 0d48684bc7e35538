"""Role trust policies (resource type AWS::IAM::AssumeRolePolicyDocument), OIDC and GitHub federation."""

from __future__ import annotations

import re

from least_privilege_constructs.analysis.findings import FindingType, PolicyType
from least_privilege_constructs.analysis.iam.arn import Arn, is_account_id, partitions
from least_privilege_constructs.analysis.iam.wildcards import glob_match
from least_privilege_constructs.analysis.model.policy import Located, Statement
from least_privilege_constructs.analysis.validate.registry import Context, check, code

FAMILY = "trust"
_SAML_NAME = re.compile(r"[\w+=,.@-]+")


def _iam_arn(value: str, resource_type: str) -> Arn | None:
    """``value`` when it is an IAM ARN of ``resource_type`` in a known partition with a 12-digit account
    (parsed by analysis.iam.Arn)."""
    arn = Arn.parse(value)
    if (
        arn is None
        or arn.service != "iam"
        or arn.region
        or arn.partition not in partitions()
        or not is_account_id(arn.account)
        or arn.resource_type != resource_type
        or not arn.resource_id
    ):
        return None
    return arn


def _is_saml_provider(value: str) -> bool:
    arn = _iam_arn(value, "saml-provider")
    return arn is not None and _SAML_NAME.fullmatch(arn.resource_id) is not None
WEB_IDENTITY_PROVIDERS = (
    "cognito-identity.amazonaws.com",
    "accounts.google.com",
    "graph.facebook.com",
    "www.amazon.com",
)
GITHUB = "token.actions.githubusercontent.com"
ROLES_ANYWHERE = "rolesanywhere.amazonaws.com"
ROLES_ANYWHERE_ACTIONS = ("sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity")
_SESSION = ("sts:tagsession", "sts:setsourceidentity", "sts:setcontext")
_ALLOWED = {
    "saml": ("sts:assumerolewithsaml", *_SESSION),
    "web": ("sts:assumerolewithwebidentity", *_SESSION),
    "aws": ("sts:assumerole", *_SESSION),
}

_TRUST = [PolicyType.RESOURCE_POLICY]


def provider_host(value: str) -> str | None:
    """The OIDC provider host of a Federated principal (``token.actions.githubusercontent.com``)."""
    arn = _iam_arn(value, "oidc-provider")
    if arn is not None:
        return arn.resource_id.lower()
    if value.lower() in WEB_IDENTITY_PROVIDERS:
        return value.lower()
    return None


def _kinds(st: Statement) -> dict[str, list[Located]]:
    out: dict[str, list[Located]] = {}
    for ptype, loc in st.principals("Principal"):
        if not isinstance(loc.value, str):
            continue
        if ptype == "Federated":
            kind = "saml" if _is_saml_provider(loc.value) else "web" if provider_host(loc.value) else "bad"
        elif ptype in ("AWS", "Service", None):
            kind = "aws"
        else:
            continue
        out.setdefault(kind, []).append(loc)
    return out


@check(
    "ROLE_TRUST_POLICY_SYNTAX_ERROR_RESOURCE",
    FindingType.ERROR,
    family=FAMILY,
    title="Role trust policy syntax error resource",
    short="Resource or NotResource in a role trust policy.",
    long="A trust policy's resource is the role itself; IAM rejects Resource and NotResource there.",
    policy_types=_TRUST,
    also=[
        code(
            "ROLE_TRUST_POLICY_SYNTAX_ERROR_NOTPRINCIPAL",
            FindingType.ERROR,
            family=FAMILY,
            title="Role trust policy syntax error notprincipal",
            short="NotPrincipal in a role trust policy.",
            long="Role trust policies do not support NotPrincipal; name the principals that may assume the role.",
            policy_types=_TRUST,
        ),
        code(
            "INVALID_FEDERATED_PRINCIPAL_SYNTAX_IN_ROLE_TRUST_POLICY",
            FindingType.ERROR,
            family=FAMILY,
            title="Invalid federated principal syntax in role trust policy",
            short="A Federated principal that is neither a SAML/OIDC provider ARN nor a known web identity provider.",
            long="Federated principals are arn:aws:iam::<account>:saml-provider/<name>, "
            "arn:aws:iam::<account>:oidc-provider/<host>, or one of cognito-identity.amazonaws.com, "
            "accounts.google.com, graph.facebook.com, www.amazon.com.",
            policy_types=_TRUST,
        ),
        code(
            "MISMATCHED_ACTION_FOR_PRINCIPAL",
            FindingType.ERROR,
            family=FAMILY,
            title="Mismatched action for principal",
            short="The assume-role action does not fit the principal type.",
            long="SAML providers use sts:AssumeRoleWithSAML, OIDC/web identity providers "
            "sts:AssumeRoleWithWebIdentity, AWS and service principals sts:AssumeRole (each with "
            "sts:TagSession, sts:SetSourceIdentity, sts:SetContext).",
            policy_types=_TRUST,
        ),
        code(
            "MISSING_ACTION_FOR_ROLES_ANYWHERE_TRUST_POLICY",
            FindingType.ERROR,
            family=FAMILY,
            title="Missing action for roles anywhere trust policy",
            short="A trust for rolesanywhere.amazonaws.com without sts:AssumeRole, sts:TagSession and sts:SetSourceIdentity.",
            long="IAM Roles Anywhere needs all three actions to create sessions.",
            policy_types=_TRUST,
        ),
        code(
            "REDUNDANT_PRINCIPAL_IN_ROLE_TRUST_POLICY",
            FindingType.SUGGESTION,
            family=FAMILY,
            title="Redundant principal in role trust policy",
            short="The same principal listed twice in a trust statement.",
            long="An account ID and its :root ARN are the same principal; duplicates add nothing.",
            policy_types=_TRUST,
        ),
    ],
)
def trust_policy(ctx: Context) -> None:
    if not ctx.is_trust:
        return
    for s in ctx.object_statements:
        for element in ("Resource", "NotResource"):
            if s.has(element):
                ctx.emit(
                    "ROLE_TRUST_POLICY_SYNTAX_ERROR_RESOURCE",
                    f"Role trust policies do not support the {element} element. Remove the {element} element.",
                    [s.element_path(element)],
                )
        if s.has("NotPrincipal"):
            ctx.emit(
                "ROLE_TRUST_POLICY_SYNTAX_ERROR_NOTPRINCIPAL",
                "Role trust policies do not support NotPrincipal. Update the policy to use a Principal element instead.",
                [s.element_path("NotPrincipal")],
            )
        kinds = _kinds(s)
        for loc in kinds.get("bad", []):
            ctx.emit(
                "INVALID_FEDERATED_PRINCIPAL_SYNTAX_IN_ROLE_TRUST_POLICY",
                f"The federated principal {loc.value} is not valid: use a SAML or OIDC provider ARN or a supported "
                "web identity provider.",
                [loc.path],
            )
        actions = [a for a in s.strings("Action")]
        if s.effect == "Allow" and actions:
            for kind in ("saml", "web", "aws"):
                if kind not in kinds:
                    continue
                allowed = _ALLOWED[kind]
                for a in actions:
                    name = a.value.lower()
                    if "*" in name or "?" in name:
                        if not any(glob_match(name, x) for x in allowed):
                            ctx.emit(
                                "MISMATCHED_ACTION_FOR_PRINCIPAL",
                                f"The action {a.value} does not match any assume-role action of the principal.",
                                [a.path, kinds[kind][0].path],
                            )
                    elif name not in allowed and name.startswith("sts:") and len(kinds) == 1:
                        ctx.emit(
                            "MISMATCHED_ACTION_FOR_PRINCIPAL",
                            f"The action {a.value} is not valid for the principal {kinds[kind][0].value}.",
                            [a.path, kinds[kind][0].path],
                        )
        services = [loc for ptype, loc in s.principals("Principal") if ptype == "Service"]
        if s.effect == "Allow" and any(loc.value == ROLES_ANYWHERE for loc in services):
            names = [a.value.lower() for a in actions]
            missing = [x for x in ROLES_ANYWHERE_ACTIONS if not any(glob_match(n, x.lower()) for n in names)]
            if missing:
                ctx.emit(
                    "MISSING_ACTION_FOR_ROLES_ANYWHERE_TRUST_POLICY",
                    f"The trust policy for IAM Roles Anywhere must allow {', '.join(ROLES_ANYWHERE_ACTIONS)}; "
                    f"add {', '.join(missing)}.",
                    [s.element_path("Action") if s.has("Action") else s.path],
                )
        seen: dict[str, Located] = {}
        for ptype, loc in s.principals("Principal"):
            if not isinstance(loc.value, str):
                continue
            norm = loc.value
            if ptype == "AWS":
                arn = Arn.parse(norm)
                if arn is not None and arn.service == "iam" and arn.resource == "root" and is_account_id(arn.account):
                    norm = arn.account  # arn:aws:iam::111122223333:root and 111122223333 are one principal
            key = f"{ptype}:{norm}"
            if key in seen:
                ctx.emit(
                    "REDUNDANT_PRINCIPAL_IN_ROLE_TRUST_POLICY",
                    f"The principal {loc.value} is redundant because it is already listed as {seen[key].value}.",
                    [seen[key].path, loc.path],
                )
            else:
                seen[key] = loc


@check(
    "MISSING_CONDITION_KEY_FOR_OIDC_PRINCIPAL",
    FindingType.SECURITY_WARNING,
    family=FAMILY,
    title="Missing condition key for oidc principal",
    short="An OIDC provider may assume the role with no condition on its claims.",
    long="Without a condition on <provider>:aud or <provider>:sub any identity the provider issues tokens to "
    "(for public providers: anyone) can assume the role.",
    policy_types=_TRUST,
    also=[
        code(
            "MISSING_GITHUB_REPO_CONDITION_KEY",
            FindingType.SECURITY_WARNING,
            family=FAMILY,
            title="Missing github repo condition key",
            short="GitHub Actions OIDC trust without a token.actions.githubusercontent.com:sub condition.",
            long="Without a :sub condition every GitHub repository (of any owner) can assume the role.",
            policy_types=_TRUST,
        ),
        code(
            "SPECIFIC_GITHUB_REPO_AND_BRANCH_RECOMMENDED",
            FindingType.WARNING,
            family=FAMILY,
            title="Specific github repo and branch recommended",
            short="The GitHub :sub condition uses wildcards.",
            long="Name the repository and branch or environment (repo:org/repo:ref:refs/heads/main) instead of "
            "a wildcard, so other repositories or branches cannot assume the role.",
            policy_types=_TRUST,
        ),
    ],
)
def oidc(ctx: Context) -> None:
    if not ctx.is_trust:
        return
    for s in ctx.object_statements:
        if s.effect != "Allow":
            continue
        hosts = {}
        for ptype, loc in s.principals("Principal"):
            if ptype == "Federated" and isinstance(loc.value, str):
                host = provider_host(loc.value)
                if host:
                    hosts[host] = loc
        for host, loc in hosts.items():
            keys = [e for e in s.conditions() if e.key.lower().startswith(host + ":")]
            if host == GITHUB:
                subs = [e for e in keys if e.key.lower() == f"{GITHUB}:sub"]
                if not subs:
                    ctx.emit(
                        "MISSING_GITHUB_REPO_CONDITION_KEY",
                        f"Granting a federated GitHub principal permissions without a condition key can allow more "
                        f"sources to assume the role than you intended. Add the {GITHUB}:sub condition key and "
                        "specify the branch and repository name in the value.",
                        [loc.path],
                    )
                    continue
                for e in subs:
                    for v in e.values:
                        if isinstance(v.value, str) and ("*" in v.value or "?" in v.value):
                            ctx.emit(
                                "SPECIFIC_GITHUB_REPO_AND_BRANCH_RECOMMENDED",
                                f"Using a wildcard in the {GITHUB}:sub condition value {v.value} can allow more "
                                "repositories or branches to assume the role than you intended. Specify the "
                                "repository and branch name.",
                                [v.path],
                            )
            elif not keys:
                ctx.emit(
                    "MISSING_CONDITION_KEY_FOR_OIDC_PRINCIPAL",
                    f"Using an Open ID Connect principal {loc.value} without a condition can be overly permissive. "
                    f"Add condition keys with the prefix {host}: to ensure that only the intended identities "
                    "assume the role.",
                    [loc.path],
                )
