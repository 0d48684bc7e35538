"""Service control policies (SCPs) and resource control policies (RCPs)."""

from __future__ import annotations

from least_privilege_constructs.analysis.findings import FindingType, PolicyType
from least_privilege_constructs.analysis.iam.arn import Arn
from least_privilege_constructs.analysis.iam.wildcards import has_wildcards, service_of
from least_privilege_constructs.analysis.validate.registry import Context, check, code, unsupported

FAMILY = "organizations"
_SCP_FULL_LANGUAGE = (
    "Since September 2025 SCPs accept the full IAM policy language (Allow with Condition, Resource or "
    "NotAction; NotResource; wildcards anywhere in actions), so Access Analyzer no longer raises this error "
    "for current SCPs; reproducing it would report valid policies."
)


@check(
    "SCP_SYNTAX_ERROR_PRINCIPAL",
    FindingType.ERROR,
    family=FAMILY,
    title="SCP syntax error principal",
    short="Principal or NotPrincipal in an SCP.",
    long="SCPs apply to every principal of the accounts they are attached to; to single out principals "
    "use the aws:PrincipalArn condition key.",
    policy_types=[PolicyType.SERVICE_CONTROL_POLICY],
)
def scp_principal(ctx: Context) -> None:
    if not ctx.is_scp:
        return
    for s in ctx.object_statements:
        element = s.principal_element
        if element:
            ctx.emit(
                "SCP_SYNTAX_ERROR_PRINCIPAL",
                "SCPs do not support specifying principals. Remove the Principal or NotPrincipal element.",
                [s.element_path(element)],
            )


@check(
    "UNSUPPORTED_ACTION_IN_POLICY",
    FindingType.ERROR,
    family=FAMILY,
    title="Unsupported action in policy",
    short="An RCP action of a service that RCPs do not support.",
    long="Resource control policies apply only to the services listed in the AWS Organizations "
    "documentation (S3, STS, KMS, SQS, Secrets Manager, ...); actions of other services are rejected. "
    'RCP statements must also name every principal with Principal "*".',
    policy_types=[PolicyType.RESOURCE_CONTROL_POLICY],
    also=[
        code(
            "UNSUPPORTED_RESOURCE_ARN_IN_POLICY",
            FindingType.ERROR,
            family=FAMILY,
            title="Unsupported resource ARN in policy",
            short="An RCP resource ARN of a service that RCPs do not support.",
            long="RCP resources must belong to the services RCPs support.",
            policy_types=[PolicyType.RESOURCE_CONTROL_POLICY],
        ),
    ],
)
def rcp(ctx: Context) -> None:
    if not ctx.is_rcp:
        return
    supported = {s.lower() for s in ctx.catalog.rcp_supported_services}
    for s in ctx.object_statements:
        for element in ("Action", "NotAction"):
            for loc in s.strings(element):
                if loc.value == "*":
                    continue
                service = service_of(loc.value)
                if service and "*" not in service and service not in supported:
                    ctx.emit(
                        "UNSUPPORTED_ACTION_IN_POLICY",
                        f"The action {loc.value} is not supported in resource control policies. Supported "
                        f"services: {', '.join(sorted(supported))}.",
                        [loc.path],
                    )
        for element in ("Resource", "NotResource"):
            for loc in s.strings(element):
                arn = Arn.parse(loc.value)
                if arn is not None and arn.service and not has_wildcards(arn.service):
                    if arn.service.lower() not in supported:
                        ctx.emit(
                            "UNSUPPORTED_RESOURCE_ARN_IN_POLICY",
                            f"The resource {loc.value} is of a service that resource control policies do not "
                            "support.",
                            [loc.path],
                        )


for _code, _title in (
    ("SCP_SYNTAX_ERROR_ACTION_WILDCARD", "SCP syntax error action wildcard"),
    ("SCP_SYNTAX_ERROR_ALLOW_CONDITION", "SCP syntax error allow condition"),
    ("SCP_SYNTAX_ERROR_ALLOW_NOTACTION", "SCP syntax error allow NotAction"),
    ("SCP_SYNTAX_ERROR_ALLOW_RESOURCE", "SCP syntax error allow resource"),
    ("SCP_SYNTAX_ERROR_NOTRESOURCE", "SCP syntax error NotResource"),
):
    unsupported(_code, FindingType.ERROR, family=FAMILY, title=_title, reason=_SCP_FULL_LANGUAGE)
