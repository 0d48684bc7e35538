"""Resource ARNs: prefix, fields, partition, service case, Region and account fields, resource part."""

from __future__ import annotations

import functools
import re

from least_privilege_constructs.analysis.catalog import Catalog
from least_privilege_constructs.analysis.findings import FindingType
from least_privilege_constructs.analysis.iam.arn import Arn, is_account_id, partition_of, partitions
from least_privilege_constructs.analysis.iam.wildcards import has_wildcards
from least_privilege_constructs.analysis.validate.checks.actions import retired_services
from least_privilege_constructs.analysis.validate.registry import Context, check, code

FAMILY = "resources"
_VARIABLE = re.compile(r"\$\{[^}]*\}")
_WILD_LAST_FIELD = re.compile(r"[*?][^:]*$")


def _open(text: str) -> bool:
    """A field that a wildcard or a policy variable may fill with anything (not judged)."""
    return has_wildcards(text) or "${" in text


@functools.lru_cache(maxsize=1024)
def _service_arn_shapes(catalog: Catalog, service: str) -> tuple[tuple[str, str], ...]:
    """(region field, account field) of every ARN format of the service (parsed by analysis.iam.Arn)."""
    out: list[tuple[str, str]] = []
    for rt in catalog.resource_types_of(service).values():
        for pattern in rt.arn_patterns:
            arn = Arn.parse(pattern)
            if arn is not None:
                out.append((arn.region, arn.account))
    return tuple(out)


@functools.lru_cache(maxsize=4)
def arn_namespaces(catalog: Catalog) -> frozenset[str]:
    """Every service namespace that appears in an ARN format of the catalog (some differ from the action
    prefix: ``arn:aws:execute-api``, ``arn:aws:s3-object-lambda`` ...), read once, on first need."""
    out: set[str] = set()
    for service in catalog.services:
        for rt in catalog.resource_types_of(service).values():
            for pattern in rt.arn_patterns:
                arn = Arn.parse(pattern)
                if arn is not None and arn.service and "${" not in arn.service:
                    out.add(arn.service.lower())
    return frozenset(out)


def _known_service(cat: Catalog, service: str) -> bool:
    return cat.service_exists(service) or service.lower() in arn_namespaces(cat)


@check(
    "INVALID_ARN_PREFIX",
    FindingType.ERROR,
    family=FAMILY,
    title="Invalid ARN prefix",
    short='A resource is neither "*" nor an ARN starting with arn:.',
    long='Resource and NotResource values are "*" or ARNs (arn:partition:service:region:account:resource).',
    also=[
        code(
            "MISSING_ARN_FIELD",
            FindingType.ERROR,
            family=FAMILY,
            title="Missing ARN field",
            short="The ARN has fewer than six colon-separated fields.",
            long="ARNs have the form arn:partition:service:region:account:resource; empty fields are "
            "written as nothing between two colons, never left out.",
        ),
        code(
            "INVALID_PARTITION",
            FindingType.ERROR,
            family=FAMILY,
            title="Invalid partition",
            short="The ARN partition is not an AWS partition.",
            long="Partitions are the ones botocore's endpoint data lists (aws, aws-cn, aws-us-gov, the "
            "ISO partitions, aws-eusc ...) or a wildcard.",
        ),
        code(
            "INVALID_ARN_SERVICE_CASE",
            FindingType.ERROR,
            family=FAMILY,
            title="Invalid ARN service case",
            short="The service in the ARN has upper-case letters.",
            long="ARN service namespaces are lower case (s3, not S3).",
        ),
        code(
            "INVALID_ARN_ACCOUNT",
            FindingType.ERROR,
            family=FAMILY,
            title="Invalid ARN account",
            short="The account field is not a 12-digit account ID.",
            long="The account field of an ARN is empty, a wildcard, a 12-digit account ID, or aws (AWS "
            "managed resources such as managed policies).",
        ),
        code(
            "INVALID_ARN_REGION",
            FindingType.ERROR,
            family=FAMILY,
            title="Invalid ARN Region",
            short="The Region field is not a Region code.",
            long="The Region field is empty, a wildcard, or a Region of botocore's endpoint data (listed by a "
            "partition or matching its Region pattern, so Regions newer than botocore still pass). The "
            "Region table of each service is not checked.",
        ),
        code(
            "ARN_REGION_NOT_ALLOWED",
            FindingType.ERROR,
            family=FAMILY,
            title="ARN Region not allowed",
            short="The service's ARNs have no Region but one is given.",
            long="Global services (IAM, S3 buckets, CloudFront, Route 53...) leave the Region field empty; "
            "a Region there matches nothing.",
        ),
        code(
            "ARN_ACCOUNT_NOT_ALLOWED",
            FindingType.ERROR,
            family=FAMILY,
            title="ARN account not allowed",
            short="The service's ARNs have no account but one is given.",
            long="Some ARNs (S3 buckets and objects, for example) have an empty account field; an "
            "account there matches nothing.",
        ),
        code(
            "MISSING_ARN_REGION",
            FindingType.ERROR,
            family=FAMILY,
            title="Missing ARN Region",
            short="The service's ARNs all need a Region but the field is empty.",
            long="Regional services need the Region field (or a wildcard) in their ARNs.",
        ),
        code(
            "INVALID_ARN_RESOURCE",
            FindingType.ERROR,
            family=FAMILY,
            title="Invalid ARN resource",
            short="The resource part of the ARN is empty.",
            long="The part after the account names the resource and cannot be empty. Access Analyzer does "
            "not match resource parts against the Service Authorization Reference ARN formats (AWS managed "
            "policies with resource parts no documented format matches pass), so neither does this check. "
            "An ARN with a wildcard in any earlier field (arn:aws:organizations::*:) is not reported: IAM "
            "matches a Resource value as a whole string, so the wildcard can stand for the separators and "
            "the resource too (https://docs.aws.amazon.com/IAM/latest/UserGuide/"
            "reference_policies_elements_resource.html#reference_policies_elements_resource_wildcards).",
        ),
    ],
)
def arns(ctx: Context) -> None:
    cat = ctx.catalog
    for s in ctx.object_statements:
        for element in ("Resource", "NotResource"):
            for loc in s.strings(element):
                _check_arn(ctx, cat, loc.value, loc.path)


def _check_arn(ctx: Context, cat: Catalog, text: str, path: list) -> None:
    """One Resource/NotResource value, field by field (ARN format: IAM User Guide, "Identify AWS resources
    with Amazon Resource Names", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html; parsed
    by analysis.iam.Arn over botocore's ArnParser, partitions and Regions from botocore's endpoint data)."""
    if text == "*" or _VARIABLE.sub("*", text) in ("*", "**"):
        return
    if not text.startswith("arn:"):
        if has_wildcards(text[:4]) or text.startswith("${"):
            return
        ctx.emit("INVALID_ARN_PREFIX", f"Add the required prefix (arn) to the resource ARN {text}.", [path])
        return
    arn = Arn.parse(text)
    if arn is None:
        if _WILD_LAST_FIELD.search(text):
            return  # arn:aws:s3* style: a wildcard may span the missing separators
        ctx.emit(
            "MISSING_ARN_FIELD",
            "Resource ARNs must include at least 6 fields in the following structure: "
            "arn:partition:service:region:account:resource",
            [path],
        )
        return
    partition, service, region, account = arn.partition, arn.service, arn.region, arn.account
    if not _open(partition) and partition not in partitions():
        ctx.emit(
            "INVALID_PARTITION",
            f"The resource ARN for the service {service} does not support the partition {partition}. "
            f"Use the supported values: {', '.join(partitions())}",
            [path],
        )
        return
    if service != service.lower():
        ctx.emit(
            "INVALID_ARN_SERVICE_CASE",
            "Update the service name in the resource ARN to use all lowercase letters.",
            [path],
        )
        return
    if region and not _open(region) and partition_of(region) is None:
        ctx.emit(
            "INVALID_ARN_REGION",
            f"The Region {region} is not valid for this resource. Update the resource ARN to include a "
            "supported Region.",
            [path],
        )
        return
    if account and not _open(account) and account != "aws" and not is_account_id(account):
        ctx.emit(
            "INVALID_ARN_ACCOUNT",
            f"The resource ARN account ID {account} is not valid. Provide a 12-digit account ID.",
            [path],
        )
        return
    if _open(service):
        return
    if not _known_service(cat, service):
        # Access Analyzer's "Invalid service" check covers resource ARNs as well as condition keys:
        # https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html
        # #access-analyzer-reference-policy-checks-error-invalid-service
        retired = retired_services().get(service.lower())
        ctx.emit(
            "INVALID_SERVICE",
            f"The service {service} does not exist. Use a valid service name."
            + (
                f" ({retired['name']} was discontinued, {retired['retired']}: the ARN matches nothing.)"
                if retired
                else ""
            ),
            [path],
            service=service,
        )
        return
    if not cat.service_exists(service):
        return
    shapes = _service_arn_shapes(cat, service)
    if not shapes:
        return
    if region and not _open(region) and all(r == "" for r, _ in shapes):
        ctx.emit(
            "ARN_REGION_NOT_ALLOWED",
            f"The service {service} does not support specifying a Region in the resource ARN.",
            [path],
        )
        return
    if account and not _open(account) and all(a == "" for _, a in shapes):
        ctx.emit(
            "ARN_ACCOUNT_NOT_ALLOWED",
            f"The service {service} does not support specifying an account ID in the resource ARN.",
            [path],
        )
        return
    if not region and all(r != "" for r, _ in shapes):
        ctx.emit("MISSING_ARN_REGION", f"Add a Region to the {service} resource ARN.", [path])
        return
    if not arn.resource.strip() and not any(has_wildcards(f) for f in (partition, service, region, account)):
        ctx.emit(
            "INVALID_ARN_RESOURCE",
            f"Resource ARN {text} does not match the expected ARN format. Update the resource portion of the ARN.",
            [path],
        )
