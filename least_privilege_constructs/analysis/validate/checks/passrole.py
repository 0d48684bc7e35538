"""iam:PassRole and iam:CreateServiceLinkedRole granted on every role (security and general warnings)."""

from __future__ import annotations

from dataclasses import dataclass

from least_privilege_constructs.analysis.findings import FindingType, JsonPath
from least_privilege_constructs.analysis.iam.wildcards import glob_match, pattern_covers
from least_privilege_constructs.analysis.model.policy import Statement
from least_privilege_constructs.analysis.validate.keys import parse_operator
from least_privilege_constructs.analysis.validate.registry import Context, check, code

FAMILY = "pass-role"
_ANY_ROLE = "arn:aws:iam::*:role/*"


@dataclass(frozen=True)
class _Target:
    action: str
    prefix: str
    noun: str
    guard_keys: tuple[str, ...]
    recommend: str
    finding_type: FindingType


PASS_ROLE = _Target(
    "iam:passrole",
    "PASS_ROLE",
    "iam:PassRole",
    ("iam:passedtoservice", "iam:associatedresourcearn"),
    "We recommend that you specify resource ARNs or add the iam:PassedToService condition key to your statement.",
    FindingType.SECURITY_WARNING,
)
CREATE_SLR = _Target(
    "iam:createservicelinkedrole",
    "CREATE_SLR",
    "iam:CreateServiceLinkedRole",
    ("iam:awsservicename",),
    "We recommend that you specify resource ARNs instead.",
    FindingType.WARNING,
)

_VARIANTS = {
    "WITH_STAR_IN_RESOURCE": ("star in resource", "the {noun} action with wildcards (*) in the resource"),
    "WITH_STAR_IN_ACTION_AND_RESOURCE": (
        "star in action and resource",
        "wildcards (*) in the action and the resource",
    ),
    "WITH_STAR_IN_RESOURCE_AND_NOT_ACTION": (
        "star in resource and NotAction",
        "a resource with wildcards (*) and NotAction",
    ),
    "WITH_NOT_RESOURCE": ("NotResource", "the {noun} action with NotResource"),
    "WITH_STAR_IN_ACTION_AND_NOT_RESOURCE": (
        "star in action and NotResource",
        "an action with a wildcard (*) and NotResource",
    ),
    "WITH_NOT_ACTION_AND_NOT_RESOURCE": ("NotAction and NotResource", "NotAction with NotResource"),
}


def _specs(target: _Target) -> list:
    out = []
    for suffix, (title, _) in _VARIANTS.items():
        name = "Pass role" if target is PASS_ROLE else "Create SLR"
        out.append(
            code(
                f"{target.prefix}_{suffix}",
                target.finding_type,
                family=FAMILY,
                title=f"{name} with {title}",
                short=f"Allow {target.noun} with {title}.",
                long=f"Allowing {target.noun} on every role lets the principal "
                + (
                    "hand any role (including administrator roles) to a service it controls, a classic "
                    "privilege escalation."
                    if target is PASS_ROLE
                    else "create service-linked roles for any service."
                )
                + f" Name the role ARNs in Resource, or restrict with the {target.guard_keys[0]} condition key.",
            )
        )
    return out


def _guarded(st: Statement, keys: tuple[str, ...]) -> bool:
    """A positive, non-IfExists condition on a guard key, with values that do not start with a wildcard.

    Access Analyzer's recommendation is to "add the iam:PassedToService condition key to your statement"
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html
    #access-analyzer-reference-policy-checks-security-warning-pass-role-with-star-in-resource). An
    ``...IfExists`` form is also true when the key is absent, so it is not a restriction the check can
    rely on: Access Analyzer reports ``StringEqualsIfExists`` on iam:PassedToService (two AWS managed
    policies of the corpus's dev half), and so does this check. Negated operators (every service but
    one) and ``Null`` restrict nothing useful either. The set qualifiers do not matter for this single-
    valued key (operator case is folded by parse_operator)."""
    for e in st.conditions():
        if e.key.lower() not in keys:
            continue
        op = parse_operator(e.operator)
        if not op.valid or op.if_exists or op.is_negated or op.base == "Null":
            continue
        values = [v.value for v in e.values]
        if values and all(isinstance(v, str) and v[:1] not in ("*", "?") for v in values):
            return True
    return False


def _star_resources(st: Statement) -> list[JsonPath]:
    return [
        loc.path
        for loc in st.strings("Resource")
        if loc.value == "*" or pattern_covers(loc.value.lower(), _ANY_ROLE)
    ]


def _run(ctx: Context, target: _Target) -> None:
    for st in ctx.object_statements:
        if st.effect != "Allow":
            continue
        if not st.has("NotAction") and not any(
            "*" in a.value or "?" in a.value or a.value[:4].lower() == "iam:" for a in st.strings("Action")
        ):
            continue
        if _guarded(st, target.guard_keys):
            continue
        explicit: list[JsonPath] = []
        wildcard: list[JsonPath] = []
        not_action = False
        if st.has("NotAction"):
            excluded = any(glob_match(a.value.lower(), target.action) for a in st.strings("NotAction"))
            if excluded:
                continue
            not_action = True
        else:
            for loc in st.strings("Action"):
                a = loc.value.lower()
                if a == target.action:
                    explicit.append(loc.path)
                elif ("*" in a or "?" in a) and glob_match(a, target.action):
                    wildcard.append(loc.path)
            if not explicit and not wildcard:
                continue
        if st.has("NotResource"):
            res_paths = [st.element_path("NotResource")]
            if not_action:
                variant = "WITH_NOT_ACTION_AND_NOT_RESOURCE"
                act_paths = [st.element_path("NotAction")]
            elif explicit:
                variant, act_paths = "WITH_NOT_RESOURCE", explicit
            else:
                variant, act_paths = "WITH_STAR_IN_ACTION_AND_NOT_RESOURCE", wildcard
        else:
            res_paths = _star_resources(st)
            if not res_paths:
                continue
            if not_action:
                variant, act_paths = "WITH_STAR_IN_RESOURCE_AND_NOT_ACTION", [st.element_path("NotAction")]
            elif explicit:
                variant, act_paths = "WITH_STAR_IN_RESOURCE", explicit
            else:
                variant, act_paths = "WITH_STAR_IN_ACTION_AND_RESOURCE", wildcard
        _, phrase = _VARIANTS[variant]
        consequence = (
            "can be overly permissive because it can allow iam:PassRole permissions on multiple resources."
            if target is PASS_ROLE
            else "can allow creation of unintended service-linked roles."
        )
        ctx.emit(
            f"{target.prefix}_{variant}",
            f"Using {phrase.format(noun=target.noun)} {consequence} {target.recommend}",
            [*act_paths, *res_paths],
        )


@check(
    "PASS_ROLE_WITH_STAR_IN_RESOURCE",
    FindingType.SECURITY_WARNING,
    family=FAMILY,
    title="Pass role with star in resource",
    short='Allow iam:PassRole on Resource "*" without iam:PassedToService.',
    long="Allowing iam:PassRole on every role lets the principal hand any role (including administrator "
    "roles) to a service it controls, a classic privilege escalation. Name the role ARNs in Resource, or "
    "restrict with the iam:PassedToService condition key (IfExists and negated operators do not count).",
    also=[s for s in _specs(PASS_ROLE) if s.code != "PASS_ROLE_WITH_STAR_IN_RESOURCE"],
)
def pass_role(ctx: Context) -> None:
    _run(ctx, PASS_ROLE)


@check(
    "CREATE_SLR_WITH_STAR_IN_RESOURCE",
    FindingType.WARNING,
    family=FAMILY,
    title="Create SLR with star in resource",
    short='Allow iam:CreateServiceLinkedRole on Resource "*" without iam:AWSServiceName.',
    long="Allowing iam:CreateServiceLinkedRole on every role lets the principal create service-linked roles "
    "for any service. Name the role ARNs in Resource, or restrict with the iam:AWSServiceName condition key.",
    also=[s for s in _specs(CREATE_SLR) if s.code != "CREATE_SLR_WITH_STAR_IN_RESOURCE"],
)
def create_slr(ctx: Context) -> None:
    _run(ctx, CREATE_SLR)
