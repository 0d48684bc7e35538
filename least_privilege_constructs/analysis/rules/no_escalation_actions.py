"""LP-IAM3: identity policies grant no permissions-management or privilege-escalation actions."""

from __future__ import annotations

import functools

from least_privilege_constructs.analysis.escalation.methods import (
    METHODS,
    PERMISSIONS_BOUNDARY_CONDITION_ACTIONS,
    Scope,
)
from least_privilege_constructs.analysis.iam.arn import Arn
from least_privilege_constructs.analysis.rules._policy import (
    IDENTITY_POLICY_TYPES,
    access_level,
    condition_values,
    expand,
    grant_documents,
    is_allow,
    is_unscoped,
    statements,
    strings,
)
from least_privilege_constructs.analysis.rules.base import (
    NOT_APPLICABLE,
    NagFinding,
    RuleInput,
    RuleResult,
    add_finding,
    first,
    rule,
    statement_path,
)

PASS_ROLE = "iam:passrole"  # LP-IAM4's business


@functools.lru_cache(maxsize=1)
def _single_step() -> tuple[frozenset[str], frozenset[str]]:
    """(actions that escalate on any resource, actions that escalate when granted on unscoped resources)."""
    anywhere: set[str] = set()
    unscoped: set[str] = set()
    for m in METHODS:
        if m.single_step:
            (anywhere if m.scope is Scope.ANY else unscoped).update(m.actions)
    return frozenset(anywhere - {PASS_ROLE}), frozenset(unscoped - {PASS_ROLE})


@functools.lru_cache(maxsize=4096)
def _flagged(pattern: str, unscoped_resources: bool) -> tuple[str, ...]:
    """The actions granted by ``pattern`` that this rule flags (sorted)."""
    if pattern in ("*", "*:*"):
        return ("every action",)
    anywhere, when_unscoped = _single_step()
    granted = expand(pattern)
    out = []
    for action in granted:
        lower = action.lower()
        if lower == PASS_ROLE:
            continue
        if (
            "Permissions management" in access_level(action)
            or lower in anywhere
            or (unscoped_resources and lower in when_unscoped)
        ):
            out.append(action)
    return tuple(sorted(out))


def _boundary_pinned(stmt: dict, resource: RuleInput) -> bool:
    """The statement is conditioned on ``iam:PermissionsBoundary`` equal to the approved boundary."""
    values = condition_values(stmt, "iam:PermissionsBoundary")
    name = resource.config.boundary_name
    return bool(values) and all(
        "*" not in v and "?" not in v and v.rsplit("/", 1)[-1] == name for v in values
    )


def _iam_under_application_path(resources: list[str], application_path: str) -> bool:
    """Every resource is an IAM role, policy or instance profile ARN under the application path (closes B4,
    B5 and the path half of B6: the boundary and the guardrail policies live elsewhere)."""
    if not resources:
        return False
    for res in resources:
        arn = Arn.parse(res)
        if not arn or arn.service != "iam":
            return False
        kind, _, rest = arn.resource.partition("/")
        prefix = application_path[1:]
        if kind not in ("role", "policy", "instance-profile") or not rest.startswith(prefix):
            return False
        if "*" in rest[: len(prefix)] or "?" in rest[: len(prefix)]:
            return False
    return True


def granted_only_to_bounded_developer_roles(resource: RuleInput) -> bool:
    """Every principal that receives this identity policy is a role under one of ``developerRolePaths``
    carrying the approved boundary (LP-IAM1's test). False when any recipient is unknown, a user or a group.

    Such a role's job is to manage its services' resources (resource policies included); what it can
    reach through them is capped by the boundary's Deny statements and checked by the escalation analysis
    of the role's effective permissions (identity ∩ boundary), not by this per-action rule, which is about
    application roles.
    """
    from least_privilege_constructs.analysis.rules.permissions_boundary import approved_boundary

    stack = resource.stack
    paths = resource.config.developer_role_paths
    if stack is None or not paths:
        return False
    if resource.resource_type == "AWS::IAM::Role":
        roles = [resource.logical_id]
    else:
        raw = stack.resources.get(resource.logical_id)
        props = raw.get("Properties") if isinstance(raw, dict) else None
        if not isinstance(props, dict) or props.get("Users") or props.get("Groups"):
            return False
        refs = props.get("Roles")
        refs = refs if isinstance(refs, list) else []
        roles = [r["Ref"] for r in refs if isinstance(r, dict) and isinstance(r.get("Ref"), str)]
        if not roles or len(roles) != len(refs):
            return False
    for logical_id in roles:
        role = stack.rule_input(logical_id)
        if role is None or role.resource_type != "AWS::IAM::Role" or role.problems:
            return False
        path = role.properties.get("Path", "/")
        if not isinstance(path, str) or not any(path.startswith(p) for p in paths):
            return False
        if approved_boundary(role) != []:
            return False
    return True


def _exempt(action: str, pinned: bool, app_scoped: bool) -> bool:
    lower = action.lower()
    if not lower.startswith("iam:") or not app_scoped:
        return False
    # actions that support iam:PermissionsBoundary also need the boundary condition (B1/B2/B6/B7)
    return pinned or lower not in PERMISSIONS_BOUNDARY_CONDITION_ACTIONS


@rule(
    title="No permissions-management or escalation actions",
    checks="No Allow statement of an identity policy grants an action of access level *Permissions management* "
    "(IAM service reference), or an action that opens an escalation path on its own (B1–B15 and the classic "
    "methods: `iam:CreateAccessKey`, `lambda:UpdateFunctionCode` on `*`, `sts:AssumeRole` on `*`, ...). "
    "Allowed: actions that support `iam:PermissionsBoundary` when the statement pins it to the approved boundary; "
    "other IAM role/policy writes when every resource is under the application path (`role/app/*`, "
    "`policy/app/*`: the boundary and guardrail policies live elsewhere). `iam:PassRole` is LP-IAM4's. "
    "Not applicable to policies granted only to developer roles (under `developerRolePaths`, carrying the "
    "approved boundary): managing their services' resources is their job, capped by the boundary's Deny "
    "statements and checked by the escalation analysis.",
    why="Application roles that can write IAM, resource policies or other principals' code can grant themselves "
    "(or a role they control) more than their boundary intends (`../shared/reference/escalation-paths.md`).",
    fix="Remove the action, scope it to the application's own resources, or (role/user creation) condition it "
    "on `iam:PermissionsBoundary` = the approved boundary ARN. Acknowledge the single action "
    "(`LP-IAM3[Action::kms:CreateGrant]`) with a reason when it is intended.",
    resource_types=IDENTITY_POLICY_TYPES,
)
def no_escalation_actions(resource: RuleInput) -> RuleResult:
    if resource.resource_type not in IDENTITY_POLICY_TYPES:
        return NOT_APPLICABLE
    if granted_only_to_bounded_developer_roles(resource):
        return NOT_APPLICABLE
    findings: dict[str, NagFinding] = {}
    for doc in grant_documents(resource):
        for i, stmt in statements(doc):
            if not is_allow(stmt):
                continue
            resources = strings(stmt.get("Resource"))
            unscoped = "NotResource" in stmt or any(is_unscoped(r) for r in resources)
            pinned = _boundary_pinned(stmt, resource)
            app_scoped = "NotResource" not in stmt and _iam_under_application_path(
                resources, resource.config.application_path)
            for pattern in strings(stmt.get("Action")):
                hits = [a for a in _flagged(pattern.lower(), unscoped)
                        if not (pinned and a.lower() in PERMISSIONS_BOUNDARY_CONDITION_ACTIONS)
                        and not _exempt(a, pinned, app_scoped)]
                if hits:
                    # "iam:CreateRole grants iam:CreateRole" says nothing: name the resources instead
                    same = [h.lower() for h in hits] == [pattern.lower()]
                    where = ", ".join(resources) if resources else "NotResource"
                    add_finding(findings, f"Action::{pattern}",
                                f"{pattern} on {where}" if same else f"{pattern} grants {first(hits)}",
                                statement=statement_path(doc.where, i), actions=[pattern])
    return list(findings.values())
