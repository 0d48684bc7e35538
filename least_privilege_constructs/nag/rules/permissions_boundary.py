"""LP-IAM1: every role and user carries the approved permissions boundary (read from the synthesized template)."""

from __future__ import annotations

from least_privilege_constructs.analysis.iam.arn import Arn
from least_privilege_constructs.nag.rules.base import NOT_APPLICABLE, NagFinding, RuleInput, RuleResult, rule


@rule(
    title="Approved permissions boundary",
    checks="Every `AWS::IAM::Role` and `AWS::IAM::User` has a `PermissionsBoundary` naming the approved boundary "
    "policy (`boundaryName`/ARN from the `least-privilege` context).",
    why="The boundary caps what an application or developer-created principal can ever do; a missing or "
    "different boundary (a policy the developer wrote) removes the cap (escalation path B1/B2). CDK's boundary "
    "aspect applies late, so only the synthesized template is trusted.",
    fix="Apply the boundary to the scope (`BoundaryEnforcement`, or `PermissionsBoundary.of(scope).apply(...)`) "
    "or set `permissions_boundary=` on the role.",
    resource_types=("AWS::IAM::Role", "AWS::IAM::User"),
)
def approved_boundary(resource: RuleInput) -> RuleResult:
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
