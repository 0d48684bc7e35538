"""LP-IAM1: every role and user carries the approved permissions boundary (read from the synthesized template)."""

from __future__ import annotations

from least_privilege_constructs.analysis.iam.arn import Arn
from least_privilege_constructs.analysis.rules.base import (
    NOT_APPLICABLE,
    NagFinding,
    RuleInput,
    RuleResult,
    rule,
)

PERMISSION_SET = "AWS::SSO::PermissionSet"


@rule(
    title="Approved permissions boundary",
    checks="Every `AWS::IAM::Role` and `AWS::IAM::User` has a `PermissionsBoundary` naming the approved boundary "
    "policy (`boundaryName`/ARN from the `least-privilege` context); every `AWS::SSO::PermissionSet` references "
    "it by name and path (`PermissionsBoundary.CustomerManagedPolicyReference`).",
    why="The boundary caps what an application or developer-created principal can ever do; a missing or "
    "different boundary (a policy the developer wrote) removes the cap (escalation path B1/B2). CDK's boundary "
    "aspect applies late, so only the synthesized template is trusted.",
    fix="Apply the boundary to the scope (`BoundaryEnforcement`, or `PermissionsBoundary.of(scope).apply(...)`) "
    "or set `permissions_boundary=` on the role.",
    resource_types=("AWS::IAM::Role", "AWS::IAM::User", PERMISSION_SET),
)
def approved_boundary(resource: RuleInput) -> RuleResult:
    if resource.resource_type == PERMISSION_SET:
        return _permission_set_boundary(resource)
    if resource.resource_type not in ("AWS::IAM::Role", "AWS::IAM::User"):
        return NOT_APPLICABLE
    resource.require("PermissionsBoundary")
    boundary = resource.properties.get("PermissionsBoundary")
    cfg = resource.config
    if not boundary:
        return [NagFinding("Boundary::missing", f"no permissions boundary; expected {cfg.boundary}")]
    if not isinstance(boundary, str):
        return [NagFinding("Boundary::invalid", f"PermissionsBoundary is not an ARN string: {boundary!r}")]
    arn = Arn.parse(boundary)
    if not arn or arn.service != "iam" or arn.resource_type != "policy":
        return [NagFinding("Boundary::invalid", f"PermissionsBoundary {boundary!r} is not an IAM policy ARN")]
    name, path, account = arn.name, arn.path, arn.account
    problems = []
    if "*" in boundary or "?" in boundary:
        problems.append("contains a wildcard")
    if name != cfg.boundary_name:
        problems.append(f"policy {name!r} is not the approved boundary {cfg.boundary_name!r}")
    if cfg.boundary_path is not None and path != cfg.boundary_path:
        problems.append(f"path {path!r} is not the approved boundary's path {cfg.boundary_path!r}")
    if account.isdigit() and resource.account.isdigit() and account != resource.account:
        problems.append(f"account {account} is not the stack's account {resource.account}")
    if problems:
        return [NagFinding(f"Boundary::{name}", f"boundary {boundary}: " + "; ".join(problems))]
    return []


def _permission_set_boundary(resource: RuleInput) -> list[NagFinding]:
    """A permission set's boundary: a customer managed policy referenced by name and path, which Identity
    Center looks up in each assigned account
    (https://docs.aws.amazon.com/singlesignon/latest/userguide/permissionsboundary.html), or an AWS managed
    policy ARN (never the approved boundary)."""
    resource.require("PermissionsBoundary")
    boundary = resource.properties.get("PermissionsBoundary")
    cfg = resource.config
    if not boundary:
        return [NagFinding("Boundary::missing", f"no permissions boundary; expected {cfg.boundary}")]
    ref = boundary.get("CustomerManagedPolicyReference") if isinstance(boundary, dict) else None
    if not isinstance(ref, dict) or not isinstance(ref.get("Name"), str):
        where = boundary.get("ManagedPolicyArn") if isinstance(boundary, dict) else boundary
        return [NagFinding("Boundary::invalid", f"PermissionsBoundary {where!r} is not a customer managed policy "
                           "reference to the approved boundary")]
    name, path = ref["Name"], ref.get("Path", "/")
    problems = []
    if name != cfg.boundary_name:
        problems.append(f"policy {name!r} is not the approved boundary {cfg.boundary_name!r}")
    if cfg.boundary_path is not None and path != cfg.boundary_path:
        problems.append(f"path {path!r} is not the approved boundary's path {cfg.boundary_path!r}")
    if problems:
        return [NagFinding(f"Boundary::{name}", f"boundary {path}{name}: " + "; ".join(problems))]
    return []
