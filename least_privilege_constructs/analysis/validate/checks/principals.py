"""Principals: where Principal is allowed, principal formats, and NotPrincipal."""

from __future__ import annotations

import re

from least_privilege_constructs.analysis.findings import FindingType, PolicyType
from least_privilege_constructs.analysis.iam.arn import Arn, is_account_id, partitions
from least_privilege_constructs.analysis.iam.condition_keys import ABSENT_FOR_SERVICE_PRINCIPAL_KEYS
from least_privilege_constructs.analysis.validate.registry import Context, check, code

FAMILY = "principals"
PRINCIPAL_KEYS = ("AWS", "Service", "Federated", "CanonicalUser")
_IAM_PRINCIPAL_TYPES = ("user", "role", "federated-user")
_STS_PRINCIPAL_TYPES = ("assumed-role", "federated-user")


def is_principal_arn(value: str) -> bool:
    """Whether ``value`` is an ARN an AWS principal can name (IAM User Guide, "AWS JSON policy elements:
    Principal", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html):
    an account root, IAM user, role or federated user, or an STS assumed-role or federated-user session, in
    a partition of botocore's endpoint data (parsed by analysis.iam.Arn)."""
    arn = Arn.parse(value)
    if arn is None or arn.region or arn.partition not in partitions():
        return False
    if arn.service == "iam":
        if not (is_account_id(arn.account) or arn.account == "aws"):
            return False
        return arn.resource == "root" or (arn.resource_type in _IAM_PRINCIPAL_TYPES and bool(arn.resource_id))
    if arn.service == "sts" and is_account_id(arn.account):
        if arn.resource_type == "assumed-role":
            role, _, session = arn.resource_id.partition("/")
            return bool(role) and bool(session)
        return arn.resource_type == "federated-user" and bool(arn.resource_id)
    return False

_UNIQUE_ID = re.compile(r"A[A-Z]{3}[A-Z0-9]{12,}")
_SERVICE = re.compile(r"[a-z0-9][a-z0-9.-]*\.(amazonaws\.com(\.cn)?|amazon\.com|aws\.internal)")
_CANONICAL = re.compile(r"[0-9a-f]{64}")


@check(
    "UNSUPPORTED_PRINCIPAL",
    FindingType.ERROR,
    family=FAMILY,
    title="Unsupported principal",
    short="Principal or NotPrincipal in an identity policy.",
    long="Identity-based policies apply to the identity they are attached to; Principal belongs in "
    "resource-based policies and role trust policies only.",
    also=[
        code(
            "MISSING_PRINCIPAL",
            FindingType.ERROR,
            family=FAMILY,
            title="Missing principal",
            short="A resource-based policy statement without Principal or NotPrincipal.",
            long="Resource-based policies (and RCPs) must say whom a statement applies to.",
        ),
    ],
)
def principal_presence(ctx: Context) -> None:
    for s in ctx.object_statements:
        element = s.principal_element
        if ctx.is_identity and element:
            ctx.emit(
                "UNSUPPORTED_PRINCIPAL",
                f"The {element} element is not supported for identity policy. Delete the {element} element.",
                [s.element_path(element)],
            )
        elif (ctx.is_resource or ctx.is_rcp) and element is None:
            ctx.emit("MISSING_PRINCIPAL", "Add a Principal element to the policy statement.", [s.path])


@check(
    "INVALID_PRINCIPAL_KEY",
    FindingType.ERROR,
    family=FAMILY,
    title="Invalid principal key",
    short="A principal type other than AWS, Service, Federated or CanonicalUser.",
    long="Principal objects have the keys AWS, Service, Federated and CanonicalUser (case-sensitive).",
    also=[
        code(
            "INVALID_PRINCIPAL_FORMAT",
            FindingType.ERROR,
            family=FAMILY,
            title="Invalid principal format",
            short="A principal value that is not a valid account, ARN, service or provider.",
            long='AWS principals are "*", a 12-digit account ID, or an IAM/STS ARN of an account root, '
            "user, role, assumed-role session or federated user (groups are not principals); Service "
            "principals are service.amazonaws.com; CanonicalUser is a 64-hex-digit ID; a Principal string "
            'can only be "*".',
        ),
        code(
            "UNSUPPORTED_WILDCARD_IN_PRINCIPAL",
            FindingType.ERROR,
            family=FAMILY,
            title="Unsupported wildcard in principal",
            short="A wildcard inside a principal value.",
            long='Principal values match exactly; "*" alone means everyone, but wildcards inside an ARN or '
            'service name are not supported. Use Principal "*" with an aws:PrincipalArn condition.',
        ),
        code(
            "ROLE_TRUST_POLICY_UNSUPPORTED_WILDCARD_IN_PRINCIPAL",
            FindingType.ERROR,
            family=FAMILY,
            title="Role trust policy unsupported wildcard in principal",
            short="A wildcard inside a principal value of a role trust policy.",
            long='Role trust policies do not accept wildcards inside principal values; use "*" with an '
            "aws:PrincipalArn condition.",
        ),
        code(
            "INVALID_USER_REFERENCE",
            FindingType.WARNING,
            family=FAMILY,
            title="Invalid user reference",
            short="A principal given as an IAM user unique ID (AIDA...).",
            long="IAM stores a user principal as its unique ID; after the user is re-created the policy no "
            "longer matches it. Write the user ARN.",
        ),
        code(
            "INVALID_ROLE_REFERENCE",
            FindingType.WARNING,
            family=FAMILY,
            title="Invalid role reference",
            short="A principal given as an IAM role unique ID (AROA...).",
            long="IAM stores a role principal as its unique ID; after the role is re-created the policy no "
            "longer matches it. Write the role ARN.",
        ),
        code(
            "FEDERATED_PRINCIPAL_NOT_SUPPORTED",
            FindingType.ERROR,
            family=FAMILY,
            title="Federated principal not supported",
            short="A Federated principal outside a role trust policy.",
            long="Federated principals can only assume roles; other resource policies cannot name them.",
        ),
    ],
)
def principal_values(ctx: Context) -> None:
    if ctx.is_identity or ctx.is_scp:
        return
    wildcard_code = (
        "ROLE_TRUST_POLICY_UNSUPPORTED_WILDCARD_IN_PRINCIPAL"
        if ctx.is_trust
        else "UNSUPPORTED_WILDCARD_IN_PRINCIPAL"
    )
    for s in ctx.object_statements:
        for element in ("Principal", "NotPrincipal"):
            raw = s.get(element)
            if raw is None:
                continue
            if isinstance(raw, str):
                if raw != "*":
                    ctx.emit(
                        "INVALID_PRINCIPAL_FORMAT",
                        "The Principal element contents are not valid. Specify a key-value pair in the Principal "
                        "element.",
                        [s.element_path(element)],
                    )
                continue
            if not isinstance(raw, dict):
                continue
            for ptype in raw:
                if ptype not in PRINCIPAL_KEYS:
                    ctx.emit(
                        "INVALID_PRINCIPAL_KEY",
                        f"The principal key {ptype} is not valid.",
                        [[*s.element_path(element), ptype]],
                    )
            for ptype, loc in s.principals(element):
                value = loc.value
                if not isinstance(value, str) or ptype not in PRINCIPAL_KEYS or "${" in value:
                    continue
                if ptype == "AWS":
                    if value == "*" or is_account_id(value):
                        continue
                    if "*" in value or "?" in value:
                        ctx.emit(
                            wildcard_code,
                            "Wildcards (*, ?) are not supported with the principal key AWS. Replace the wildcard "
                            "with a valid principal value.",
                            [loc.path],
                        )
                    elif _UNIQUE_ID.fullmatch(value) and value.startswith("AIDA"):
                        ctx.emit(
                            "INVALID_USER_REFERENCE",
                            "The Principal element includes the IAM user ID. We recommend that you use a user ARN "
                            "instead.",
                            [loc.path],
                        )
                    elif _UNIQUE_ID.fullmatch(value) and value.startswith("AROA"):
                        ctx.emit(
                            "INVALID_ROLE_REFERENCE",
                            "The Principal element includes the IAM role ID. We recommend that you use a role ARN "
                            "instead.",
                            [loc.path],
                        )
                    elif not is_principal_arn(value):
                        ctx.emit(
                            "INVALID_PRINCIPAL_FORMAT",
                            f"The AWS principal {value} is not valid: use *, an account ID or an IAM ARN.",
                            [loc.path],
                        )
                elif ptype == "Service":
                    if value == "*":
                        continue
                    if "*" in value or "?" in value:
                        ctx.emit(
                            wildcard_code,
                            "Wildcards (*, ?) are not supported with the principal key Service. Replace the "
                            "wildcard with a valid principal value.",
                            [loc.path],
                        )
                    elif not _SERVICE.fullmatch(value):
                        ctx.emit(
                            "INVALID_PRINCIPAL_FORMAT",
                            f"The service principal {value} is not valid: use the format service-name.amazonaws.com.",
                            [loc.path],
                        )
                elif ptype == "CanonicalUser":
                    if value != "*" and not _CANONICAL.fullmatch(value):
                        ctx.emit(
                            "INVALID_PRINCIPAL_FORMAT",
                            f"The canonical user {value} is not valid: use the 64-character canonical user ID.",
                            [loc.path],
                        )
                elif ptype == "Federated" and ctx.is_resource and not ctx.is_trust:
                    ctx.emit(
                        "FEDERATED_PRINCIPAL_NOT_SUPPORTED",
                        "Federated principals are supported only in role trust policies.",
                        [loc.path],
                    )


@check(
    "ALLOW_WITH_NOT_PRINCIPAL",
    FindingType.SECURITY_WARNING,
    family=FAMILY,
    title="Allow with NotPrincipal",
    short="Allow with NotPrincipal.",
    long="Allow with NotPrincipal grants access to every principal not listed, anonymous users included. "
    "List the principals in Principal instead, or use NotPrincipal only with Deny.",
)
def allow_not_principal(ctx: Context) -> None:
    for s in ctx.object_statements:
        if s.effect == "Allow" and s.has("NotPrincipal"):
            ctx.emit(
                "ALLOW_WITH_NOT_PRINCIPAL",
                "Using Allow with NotPrincipal can be overly permissive. We recommend that you use Principal instead.",
                [s.element_path("NotPrincipal")],
            )


_SERVICE_SOURCE_KEYS = {"aws:sourcearn", "aws:sourceaccount", "aws:sourceorgid", "aws:sourceorgpaths"}
_PRINCIPAL_ONLY_KEYS = frozenset(ABSENT_FOR_SERVICE_PRINCIPAL_KEYS)


@check(
    "RECOMMENDED_CONDITION_KEY_FOR_SERVICE_PRINCIPAL",
    FindingType.SUGGESTION,
    family=FAMILY,
    title="Recommended condition key for service principal",
    short="A resource policy allows a service principal without aws:SourceArn/aws:SourceAccount.",
    long="Without aws:SourceArn, aws:SourceAccount, aws:SourceOrgID or aws:SourceOrgPaths any customer's "
    "use of the service can reach the resource (the confused deputy problem).",
    policy_types=[PolicyType.RESOURCE_POLICY],
    also=[
        code(
            "UNSUPPORTED_CONDITION_KEY_FOR_SERVICE_PRINCIPAL",
            FindingType.ERROR,
            family=FAMILY,
            title="Unsupported condition key for service principal",
            short="A statement for a service principal conditions on keys of IAM principals.",
            long="aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalOrgID and similar keys are not in the "
            "request context when a service principal calls; the condition never matches.",
            policy_types=[PolicyType.RESOURCE_POLICY],
        ),
    ],
)
def service_principal_conditions(ctx: Context) -> None:
    if not ctx.is_resource or ctx.is_trust:
        return
    for s in ctx.object_statements:
        services = [loc for ptype, loc in s.principals("Principal") if ptype == "Service"]
        if not services or s.effect != "Allow":
            continue
        others = [ptype for ptype, _ in s.principals("Principal") if ptype != "Service"]
        keys = s.condition_keys()
        if not others:
            for e in s.conditions():
                if e.key.lower() in _PRINCIPAL_ONLY_KEYS:
                    ctx.emit(
                        "UNSUPPORTED_CONDITION_KEY_FOR_SERVICE_PRINCIPAL",
                        f"The condition key {e.key} is not supported for service principals.",
                        [e.key_path],
                        key=e.key,
                    )
        if not keys & _SERVICE_SOURCE_KEYS:
            ctx.emit(
                "RECOMMENDED_CONDITION_KEY_FOR_SERVICE_PRINCIPAL",
                "To restrict access to the service principal "
                f"{services[0].value} operating on your behalf, we recommend aws:SourceArn, aws:SourceAccount, "
                "aws:SourceOrgID, or aws:SourceOrgPaths instead of other condition keys.",
                [services[0].path],
            )
