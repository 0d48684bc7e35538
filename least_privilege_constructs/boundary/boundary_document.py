"""The permissions-boundary document, built as plain JSON (no CDK import).

The construct :class:`~least_privilege_constructs.boundary.permissions_boundary_policy.PermissionsBoundaryPolicy`
turns this document into a managed policy; the escalation analysis and the tests read the same document.
Strings may contain the CloudFormation pseudo parameters ``${AWS::Partition}`` and ``${AWS::AccountId}``
(rendered with ``Fn::Sub``) so that the same boundary works in every account (apps and StackSets).

Each self-protection statement closes paths of ``shared/reference/escalation-paths.md``:

==========================  ===========================================================================
Sid                         closes
==========================  ===========================================================================
DenyPrincipalWritesWithout  B1, B2, B6, B7: creating/changing roles and users (and their policies, trust)
BoundaryAttached            is denied unless the *exact* boundary ARN (account pinned) is attached
DenyBoundaryRemoval         B3: deleting any role's or user's permissions boundary
DenyGuardrailPolicyEdits    B4: editing, deleting or re-versioning this boundary or any guardrail policy
DenyPolicyWritesOutside     B5: customer-managed policy writes outside the application path
ApplicationPath
DenyRoleWritesOutside       B6, B7: role writes (attach/put policies, trust, delete) outside the
ApplicationPath             application path, so CDK bootstrap and admin roles cannot be touched
DenyPassRoleOutside         B8, B14: PassRole only for application-path roles, and only to the listed
ApplicationPath             services
DenyUserAndGroupManagement  B10: users, groups, credentials (groups cannot carry a boundary)
DenyAssumeRoleOutside       B11: AssumeRole only into application-path roles (plus allow-listed ARNs)
ApplicationPath
DenyServiceLinkedRoles      B12: service-linked roles only for allow-listed services
DenyTaggingOutside          B13: tag changes on principals and policies outside the application path
ApplicationPath
DenyInstanceProfilesOutside B14: instance profiles only under the application path
ApplicationPath
DenyTakeover...             B9: generated from the table of resources that run with a role
                            (:mod:`least_privilege_constructs.analysis.escalation.runners`), see
                            :func:`takeover_statements`
DenyCdkBootstrapAssetWrites B9: the CDK asset stores, where the takeover statement does not cover them
==========================  ===========================================================================

Action lists are written with compact wildcards (``iam:PutRole*``) checked against the IAM service
reference (:func:`~least_privilege_constructs.analysis.escalation.runners.compact_actions`), so the
boundary stays under IAM's 6,144-character limit for managed policies.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from least_privilege_constructs.analysis.escalation.runners import compact_actions
from least_privilege_constructs.analysis.templates.audience import IAM_CREDENTIAL_ACTIONS

ACCOUNT = "${AWS::AccountId}"
PARTITION = "${AWS::Partition}"

POLICY_NAME_RE = re.compile(r"^[\w+=,.@-]{1,128}$")
PATH_RE = re.compile(r"^/$|^/[\x21-\x7E]{1,510}/$")
MANAGED_POLICY_MAX_CHARS = 6144
"""IAM quota: a managed policy may hold at most 6,144 characters, whitespace not counted."""

# iam actions that support the iam:PermissionsBoundary condition key (IAM service reference)
BOUNDARY_CONDITION_ACTIONS: tuple[str, ...] = (
    "iam:CreateRole",
    "iam:CreateUser",
    "iam:PutRolePermissionsBoundary",
    "iam:PutUserPermissionsBoundary",
    "iam:AttachRolePolicy",
    "iam:DetachRolePolicy",
    "iam:PutRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:AttachUserPolicy",
    "iam:DetachUserPolicy",
    "iam:PutUserPolicy",
    "iam:DeleteUserPolicy",
    "iam:UpdateAssumeRolePolicy",
    "iam:UpdateRole",
    "iam:UpdateRoleDescription",
    "iam:DeleteRole",
)

ROLE_WRITE_ACTIONS: tuple[str, ...] = (
    "iam:CreateRole",
    "iam:DeleteRole",
    "iam:UpdateRole",
    "iam:UpdateRoleDescription",
    "iam:UpdateAssumeRolePolicy",
    "iam:AttachRolePolicy",
    "iam:DetachRolePolicy",
    "iam:PutRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:PutRolePermissionsBoundary",
)

POLICY_WRITE_ACTIONS: tuple[str, ...] = (
    "iam:CreatePolicy",
    "iam:CreatePolicyVersion",
    "iam:DeletePolicy",
    "iam:DeletePolicyVersion",
    "iam:SetDefaultPolicyVersion",
)

USER_AND_GROUP_ACTIONS: tuple[str, ...] = (
    *IAM_CREDENTIAL_ACTIONS,
    "iam:EnableMFADevice",
    "iam:CreateGroup",
    "iam:AddUserToGroup",
    "iam:AttachGroupPolicy",
    "iam:PutGroupPolicy",
    "iam:DetachGroupPolicy",
    "iam:DeleteGroupPolicy",
    "iam:UpdateGroup",
)

TAG_ACTIONS: tuple[str, ...] = (
    "iam:TagRole",
    "iam:UntagRole",
    "iam:TagUser",
    "iam:UntagUser",
    "iam:TagPolicy",
    "iam:UntagPolicy",
    "iam:TagInstanceProfile",
    "iam:UntagInstanceProfile",
)

INSTANCE_PROFILE_ACTIONS: tuple[str, ...] = (
    "iam:CreateInstanceProfile",
    "iam:DeleteInstanceProfile",
    "iam:AddRoleToInstanceProfile",
    "iam:RemoveRoleFromInstanceProfile",
)

# services whose control plane is global (us-east-1); exempt from a region guardrail
GLOBAL_SERVICE_ACTIONS: tuple[str, ...] = (
    "iam:*",
    "sts:*",
    "organizations:*",
    "account:*",
    "cloudfront:*",
    "route53:*",
    "route53domains:*",
    "globalaccelerator:*",
    "waf:*",
    "shield:*",
    "support:*",
    "health:*",
    "trustedadvisor:*",
    "budgets:*",
    "ce:*",
    "cur:*",
    "pricing:*",
    "s3:ListAllMyBuckets",
    "s3:GetAccountPublicAccessBlock",
)

DEFAULT_PASSABLE_SERVICES: tuple[str, ...] = (
    "lambda.amazonaws.com",
    "ecs-tasks.amazonaws.com",
    "states.amazonaws.com",
)

# B9: writes to the CDK bootstrap asset bucket and repository
CDK_ASSET_WRITE_ACTIONS: tuple[str, ...] = (
    "s3:Put*",
    "s3:Delete*",
    "s3:Replicate*",
    "s3:RestoreObject",
    "ecr:Put*",
    "ecr:BatchDeleteImage",
    "ecr:InitiateLayerUpload",
    "ecr:UploadLayerPart",
    "ecr:CompleteLayerUpload",
    "ecr:Delete*",
    "ecr:Set*",
)

IAM_TAGGABLE_RESOURCE_TYPES = frozenset({
    "role", "user", "policy", "instance-profile", "mfa", "oidc-provider", "saml-provider", "server-certificate",
})
"""IAM resource types whose tagging the boundary denies outside the application path (the ones without a
path, MFA devices and identity providers, are never under it: tagging them is denied outright)."""


def iam_arn(kind: str, path: str, name: str = "*") -> str:
    """``arn:${AWS::Partition}:iam::${AWS::AccountId}:<kind><path><name>``."""
    return f"arn:{PARTITION}:iam::{ACCOUNT}:{kind}{path}{name}"


@dataclass(frozen=True)
class BoundarySpec:
    """Everything that determines a boundary document. Validated by :func:`build_boundary_document`."""

    name: str
    path: str = "/boundaries/"
    application_path: str = "/app/"
    allowed_services: Sequence[str] = ()
    allowed_actions: Sequence[str] = ()
    statements: Sequence[Mapping[str, Any]] = ()
    additional_statements: Sequence[Mapping[str, Any]] = ()
    allowed_regions: Sequence[str] = ()
    passable_to_services: Sequence[str] = DEFAULT_PASSABLE_SERVICES
    service_linked_role_services: Sequence[str] = ()
    assumable_role_arns: Sequence[str] = ()
    protected_policy_arns: Sequence[str] = ()
    protect_tags: bool = True
    application_resource_prefix: str = "app-"
    allow_interactive_access: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def arn(self) -> str:
        return iam_arn("policy", self.path, self.name)


def check_name(name: str) -> str | None:
    """A problem with a managed-policy name, or None."""
    if not isinstance(name, str) or not name:
        return "the boundary name must be a non-empty string"
    if not POLICY_NAME_RE.match(name):
        return (
            f"invalid managed policy name {name!r}: 1-128 characters of letters, digits and +=,.@_- "
            "(IAM's pattern [\\w+=,.@-]+)"
        )
    return None


def check_path(path: str, what: str = "path") -> str | None:
    """A problem with an IAM path, or None."""
    if not isinstance(path, str) or not PATH_RE.match(path):
        return f"{what} {path!r} must start and end with '/' (e.g. '/app/') and hold printable ASCII only"
    return None


def _as_list(value: str | Iterable[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def build_boundary_document(spec: BoundarySpec) -> dict[str, Any]:
    """The boundary policy document for ``spec`` (raises ``ValueError`` with a precise message).

    Example::

        >>> doc = build_boundary_document(BoundarySpec(name="dev-boundary", allowed_services=["s3"]))
        >>> [s["Sid"] for s in doc["Statement"]][:2]
        ['AllowedMaximum', 'DenyPrincipalWritesWithoutBoundaryAttached']
    """
    from least_privilege_constructs.analysis.catalog import get_catalog

    problem = check_name(spec.name) or check_path(spec.path) or check_path(
        spec.application_path, "application_path"
    )
    if problem:
        raise ValueError(problem)
    if spec.path == spec.application_path:
        raise ValueError(
            f"the boundary path {spec.path!r} must differ from the application path: developers may write "
            "policies under the application path and must not be able to touch guardrail policies"
        )
    catalog = get_catalog()
    unknown = sorted({s for s in spec.allowed_services if not catalog.service_exists(s)})
    if unknown:
        raise ValueError(
            f"unknown service prefix(es) in allowed_services: {', '.join(unknown)} "
            "(use IAM service prefixes such as 's3', 'dynamodb', 'lambda')"
        )
    bad_actions = sorted(
        a
        for a in spec.allowed_actions
        if not isinstance(a, str) or ":" not in a or not catalog.expand_action(a)
    )
    if bad_actions:
        raise ValueError(f"unknown or malformed action(s) in allowed_actions: {', '.join(map(str, bad_actions))}")
    for region in spec.allowed_regions:
        if not re.fullmatch(r"[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d", region):
            raise ValueError(f"invalid region {region!r} in allowed_regions (expected e.g. 'eu-west-1')")
    if not (spec.allowed_services or spec.allowed_actions or spec.statements):
        raise ValueError(
            "a boundary needs its maximum permissions: give allowed_services, allowed_actions or statements"
        )

    boundary_arn = spec.arn
    app = spec.application_path
    statements: list[dict[str, Any]] = []
    allowed = sorted({f"{s.lower()}:*" for s in spec.allowed_services} | set(spec.allowed_actions))
    # PassRole is only ever allowed on application roles: its own statement, scoped, so the boundary itself
    # never holds iam:PassRole on "*" (Access Analyzer's PASS_ROLE_WITH_STAR_IN_RESOURCE)
    pass_role = [a for a in allowed if a.lower() == "iam:passrole"]
    allowed = [a for a in allowed if a.lower() != "iam:passrole"]
    if allowed:
        statements.append({"Sid": "AllowedMaximum", "Effect": "Allow", "Action": allowed, "Resource": "*"})
    if pass_role:
        statements.append(
            {
                "Sid": "AllowedPassRoleOfApplicationRoles",
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": iam_arn("role", spec.application_path),
            }
        )
    statements.extend(dict(s) for s in spec.statements)

    statements.append(
        {
            "Sid": "DenyPrincipalWritesWithoutBoundaryAttached",
            "Effect": "Deny",
            "Action": compact_actions(BOUNDARY_CONDITION_ACTIONS),  # exact: no action without the key
            "Resource": "*",
            "Condition": {"StringNotEquals": {"iam:PermissionsBoundary": boundary_arn}},
        }
    )
    statements.append(
        {
            "Sid": "DenyBoundaryRemoval",
            "Effect": "Deny",
            "Action": ["iam:DeleteRolePermissionsBoundary", "iam:DeleteUserPermissionsBoundary"],
            "Resource": "*",
        }
    )
    guardrails = [iam_arn("policy", spec.path, "*"), *spec.protected_policy_arns]
    statements.append(
        {
            "Sid": "DenyGuardrailPolicyEdits",
            "Effect": "Deny",
            "Action": compact_actions([*POLICY_WRITE_ACTIONS, "iam:TagPolicy", "iam:UntagPolicy"], extra_resource_types={"policy"}),
            "Resource": guardrails,
        }
    )
    statements.append(
        {
            "Sid": "DenyPolicyWritesOutsideApplicationPath",
            "Effect": "Deny",
            "Action": compact_actions(POLICY_WRITE_ACTIONS, extra_resource_types={"policy"}),
            "NotResource": iam_arn("policy", app),
        }
    )
    statements.append(
        {
            "Sid": "DenyRoleWritesOutsideApplicationPath",
            "Effect": "Deny",
            "Action": compact_actions(ROLE_WRITE_ACTIONS, extra_resource_types={"role"}),
            "NotResource": iam_arn("role", app),
        }
    )
    statements.append(
        {
            "Sid": "DenyPassRoleOutsideApplicationPath",
            "Effect": "Deny",
            "Action": "iam:PassRole",
            "NotResource": iam_arn("role", app),
        }
    )
    if spec.passable_to_services:
        statements.append(
            {
                "Sid": "DenyPassRoleToUnlistedServices",
                "Effect": "Deny",
                "Action": "iam:PassRole",
                "Resource": "*",
                "Condition": {"StringNotEquals": {"iam:PassedToService": list(spec.passable_to_services)}},
            }
        )
    statements.append(
        {
            "Sid": "DenyUserAndGroupManagement",
            "Effect": "Deny",
            "Action": compact_actions(USER_AND_GROUP_ACTIONS, extra_resource_types={"user", "group"}),
            "Resource": "*",
        }
    )
    statements.append(
        {
            "Sid": "DenyAssumeRoleOutsideApplicationPath",
            "Effect": "Deny",
            "Action": ["sts:AssumeRole"],
            "NotResource": [iam_arn("role", app), *spec.assumable_role_arns],
        }
    )
    slr: dict[str, Any] = {
        "Sid": "DenyServiceLinkedRoles",
        "Effect": "Deny",
        "Action": "iam:CreateServiceLinkedRole",
        "Resource": "*",
    }
    if spec.service_linked_role_services:
        slr["Condition"] = {"StringNotEquals": {"iam:AWSServiceName": list(spec.service_linked_role_services)}}
    statements.append(slr)
    if spec.protect_tags:
        statements.append(
            {
                "Sid": "DenyTaggingOutsideApplicationPath",
                "Effect": "Deny",
                "Action": compact_actions(TAG_ACTIONS, extra_resource_types=IAM_TAGGABLE_RESOURCE_TYPES),
                "NotResource": [
                    iam_arn("role", app),
                    iam_arn("policy", app),
                    iam_arn("instance-profile", app),
                ],
            }
        )
    statements.append(
        {
            "Sid": "DenyInstanceProfilesOutsideApplicationPath",
            "Effect": "Deny",
            "Action": list(INSTANCE_PROFILE_ACTIONS),
            "NotResource": iam_arn("instance-profile", app),
        }
    )
    prefix = spec.application_resource_prefix
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,62}", prefix or ""):
        raise ValueError(
            f"application_resource_prefix {prefix!r} must be 1-63 letters, digits, '_', '.' or '-' "
            "(it scopes the resources bounded principals may take over)"
        )
    statements.extend(takeover_statements(spec, [*statements, *spec.additional_statements]))
    # B9 via the CDK bootstrap asset stores: cdk-assets skips uploading an object or image that already
    # exists, so a planted or overwritten asset would be deployed by the (privileged) execution role. The
    # takeover statement already denies object and image writes outside application resources; this one is
    # needed only where it does not (S3 or ECR granted while their rows are not, or a prefix matching cdk-*)
    if _cdk_assets_exposed(statements, prefix):
        statements.append(
            {
                "Sid": "DenyCdkBootstrapAssetWrites",
                "Effect": "Deny",
                "Action": list(CDK_ASSET_WRITE_ACTIONS),
                "Resource": [
                    f"arn:{PARTITION}:s3:::cdk-*-assets-{ACCOUNT}-*",  # the bucket and (the * spans /) its objects
                    f"arn:{PARTITION}:ecr:*:{ACCOUNT}:repository/cdk-*-container-assets-*",
                ],
            }
        )
    if spec.allowed_regions:
        statements.append(
            {
                "Sid": "DenyOutsideAllowedRegions",
                "Effect": "Deny",
                "NotAction": list(GLOBAL_SERVICE_ACTIONS),
                "Resource": "*",
                "Condition": {"StringNotEquals": {"aws:RequestedRegion": list(spec.allowed_regions)}},
            }
        )
    statements.extend(dict(s) for s in spec.additional_statements)
    sids = [str(s["Sid"]) for s in statements if s.get("Sid")]
    duplicates = sorted({s for s in sids if sids.count(s) > 1})
    if duplicates:
        raise ValueError(f"duplicate statement Sid(s) in the boundary: {', '.join(duplicates)}")
    return {"Version": "2012-10-17", "Statement": statements}


def takeover_statements(spec: BoundarySpec, maximum: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """B9: the Deny statements made from the table of resources that run with a role
    (:mod:`least_privilege_constructs.analysis.escalation.runners`), for the rows whose actions the
    boundary's Allow statements ``maximum`` grant (the boundary denies the others implicitly already):

    * ``DenyTakeoverOutsideApplicationResources``: rows whose application resources are recognized by name
      (``application_resource_prefix``): their actions on every other resource. One statement: an action
      only ever targets its own service's ARNs, so one ``NotResource`` list of every service's application
      ARNs is equivalent to one statement per service;
    * ``DenyTakeoverOfUnscopedResources``: rows whose resources carry no name the application chooses
      (instances, associations, maintenance windows, StackSets, ...): their actions everywhere;
    * ``DenyTakeoverOutsideApplication<Key>``: rows scoped by a condition key (the ECS cluster a task runs
      on), with ``ArnNotLike``, so a request without the key is denied too.

    Rows marked interactive (shells and commands on running compute) are left out when
    ``allow_interactive_access`` is set.
    """
    from least_privilege_constructs.analysis.escalation.runners import compact_actions, rows_allowed_by

    allowed: list[str] | None = []
    for st in maximum:
        if st.get("Effect") != "Allow":
            continue
        if "NotAction" in st:
            allowed = None  # everything but some actions: every row may be granted
            break
        assert allowed is not None
        allowed.extend(_as_list(st.get("Action", [])))
    rows = [r for r in rows_allowed_by(allowed) if not (r.interactive and spec.allow_interactive_access)]
    prefix = spec.application_resource_prefix
    out: list[dict[str, Any]] = []

    def actions_of(group: Sequence[Any]) -> list[str]:
        by_service: dict[str, list[Any]] = {}
        for r in group:
            by_service.setdefault(r.service, []).append(r)
        result: list[str] = []
        for service_rows in by_service.values():
            actions = [a for r in service_rows for a in r.actions]
            result.extend(compact_actions(actions, extra_resource_types={r.resource_type for r in service_rows}))
        return list(dict.fromkeys(result))

    named = [r for r in rows if r.scope == "name"]
    if named:
        out.append({
            "Sid": "DenyTakeoverOutsideApplicationResources",
            "Effect": "Deny",
            "Action": actions_of(named),
            "NotResource": sorted({arn for r in named for arn in r.application_arns(prefix)}),
        })
    unscoped = [r for r in rows if r.scope == "none"]
    if unscoped:
        out.append({
            "Sid": "DenyTakeoverOfUnscopedResources",
            "Effect": "Deny",
            "Action": actions_of(unscoped),
            "Resource": "*",
        })
    by_key: dict[str, list[Any]] = {}
    for r in rows:
        if r.scope == "condition" and r.condition_key:
            by_key.setdefault(r.condition_key, []).append(r)
    for key, group in sorted(by_key.items()):
        words = re.split(r"[^A-Za-z0-9]+", key)
        out.append({
            "Sid": "DenyTakeoverOutsideApplication" + "".join(w[:1].upper() + w[1:] for w in words),
            "Effect": "Deny",
            # no wildcards: an action without the condition key would be denied everywhere
            "Action": list(dict.fromkeys(a for r in group for a in r.actions)),
            "Resource": "*",
            "Condition": {"ArnNotLike": {key: sorted({a for r in group for a in r.application_arns(prefix)})}},
        })
    return out


def _cdk_assets_exposed(statements: Sequence[Mapping[str, Any]], prefix: str) -> bool:
    """Whether a developer could still write to the CDK bootstrap asset stores past the takeover statement."""
    from least_privilege_constructs.analysis.iam import arn_matches
    from least_privilege_constructs.analysis.iam.wildcards import action_matches

    takeover = next((s for s in statements if s.get("Sid") == "DenyTakeoverOutsideApplicationResources"), None)
    allows = [a for s in statements if s.get("Effect") == "Allow" for a in _as_list(s.get("Action", "*"))]
    allows += ["*" for s in statements if s.get("Effect") == "Allow" and "NotAction" in s]
    for action, asset in (("s3:PutObject", "arn:aws:s3:::cdk-hnb659fds-assets-123456789012-us-east-1/x.json"),
                          ("ecr:PutImage", "arn:aws:ecr:us-east-1:123456789012:repository/"
                                           "cdk-hnb659fds-container-assets-123456789012-us-east-1")):
        if not any(action_matches(p, action) for p in allows):
            continue
        if takeover is None or not any(action_matches(p, action) for p in takeover["Action"]):
            return True
        spared = [str(a).replace(PARTITION, "aws").replace(ACCOUNT, "123456789012") for a in takeover["NotResource"]]
        if any(arn_matches(p, asset) for p in spared):
            return True
    return False


def statement_sizes(document: Mapping[str, Any]) -> list[tuple[str, int]]:
    """(Sid or index, characters IAM counts) of each statement, largest first."""
    out = []
    for i, st in enumerate(document.get("Statement", [])):
        out.append((str(st.get("Sid") or f"Statement[{i}]"), policy_size(st)))
    return sorted(out, key=lambda item: -item[1])


def policy_size(document: Mapping[str, Any], account: str = "123456789012", partition: str = "aws") -> int:
    """Characters IAM counts for a managed policy (whitespace excluded), pseudo parameters substituted."""
    text = json.dumps(document, separators=(",", ":"))
    text = text.replace(ACCOUNT, account).replace(PARTITION, partition)
    return len(re.sub(r"\s", "", text))
