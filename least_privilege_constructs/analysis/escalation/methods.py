"""Privilege-escalation methods as pure data: which actions open which path, and what closes it.

The table reproduces ``shared/reference/escalation-paths.md``: the boundary-delegation paths B1–B15 (a
developer who may create roles and policies under a permissions boundary) and the classic methods of the
public catalogs (self-escalation, principal access, new PassRole, existing PassRole).

Each :class:`EscalationMethod` names the actions it needs as *all-of* a tuple of *any-of* groups::

    requires=(("iam:PassRole",), ("lambda:CreateFunction",), ("lambda:InvokeFunction", "lambda:AddPermission"))

reads "``iam:PassRole`` AND ``lambda:CreateFunction`` AND (``InvokeFunction`` OR ``AddPermission``)".
Nothing here evaluates a policy: the nag pack (:mod:`least_privilege_constructs.nag`) and the escalation
analysis read this table. Pure Python, no imports beyond the standard library.

Example::

    >>> m = method("B1")
    >>> m.requires
    (('iam:CreateRole', 'iam:CreateUser'),)
    >>> m.enabled_by({"iam:CreateRole"})
    True
    >>> "iam:createpolicyversion" in escalation_actions()   # lower-case keys: IAM action names ignore case
    True
    >>> [m.id for m in methods_using("IAM:CreatePolicyVersion")][:1]
    ['B4']
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from least_privilege_constructs.analysis.iam.wildcards import action_matches


class MethodCategory(StrEnum):
    """Where a method comes from (the section of ``escalation-paths.md``)."""

    BOUNDARY_DELEGATION = "boundary-delegation"
    SELF_ESCALATION = "self-escalation"
    PRINCIPAL_ACCESS = "principal-access"
    NEW_PASSROLE = "new-passrole"
    EXISTING_PASSROLE = "existing-passrole"


class Scope(StrEnum):
    """What the method's actions must reach for the path to open."""

    ANY = "any"
    """The actions escalate whatever resource they are granted on (e.g. ``iam:CreateAccessKey``)."""
    FOREIGN = "foreign"
    """The path opens only when the actions reach resources outside the developer's own, bounded ones
    (the application role path, name prefix or tag); scoping them to developer-owned resources closes it."""


ActionGroup = tuple[str, ...]
"""Any one of these actions satisfies the group (IAM action names, case-insensitive)."""


@dataclass(frozen=True)
class EscalationMethod:
    """One escalation path: what it needs and what closes it."""

    id: str
    title: str
    category: MethodCategory
    requires: tuple[ActionGroup, ...]
    """All groups must be satisfied; one action of a group suffices."""
    closed_by: str
    """What closes the path (the control a platform team puts in place)."""
    fix: str
    """How to fix a policy that opens the path."""
    scope: Scope = Scope.ANY
    closing_condition_keys: tuple[str, ...] = ()
    """Condition keys whose pinning on the granting statement closes the path (e.g. ``iam:PermissionsBoundary``
    equal to the exact boundary ARN). Empty when no condition key can close it."""

    @property
    def actions(self) -> frozenset[str]:
        """Every action named by the method (lower-case)."""
        return frozenset(a.lower() for group in self.requires for a in group)

    @property
    def single_step(self) -> bool:
        """True when one action alone opens the path (a single any-of group)."""
        return len(self.requires) == 1

    def enabled_by(self, allowed: Iterable[str]) -> bool:
        """Whether a set of allowed actions (names or IAM wildcards such as ``iam:*``) satisfies every group."""
        patterns = list(allowed)
        return all(any(action_matches(p, a) for a in group for p in patterns) for group in self.requires)


_BOUNDARY = ("iam:PermissionsBoundary",)
_B = MethodCategory.BOUNDARY_DELEGATION
_SELF = MethodCategory.SELF_ESCALATION
_ACCESS = MethodCategory.PRINCIPAL_ACCESS
_NEW = MethodCategory.NEW_PASSROLE
_EXISTING = MethodCategory.EXISTING_PASSROLE

METHODS: tuple[EscalationMethod, ...] = (
    # -- boundary delegation (B1-B15) -------------------------------------------------------------------
    EscalationMethod(
        "B1", "Create a role or user with no boundary or a weaker one", _B,
        (("iam:CreateRole", "iam:CreateUser"),),
        "Deny unless iam:PermissionsBoundary equals the exact boundary ARN (account pinned; no wildcard a "
        "developer-created policy could match).",
        "Condition the statement on iam:PermissionsBoundary = the approved boundary ARN.",
        closing_condition_keys=_BOUNDARY,
    ),
    EscalationMethod(
        "B2", "Swap a role's or user's boundary for a weaker one", _B,
        (("iam:PutRolePermissionsBoundary", "iam:PutUserPermissionsBoundary"),),
        "Same condition as B1: iam:PermissionsBoundary equals the exact boundary ARN.",
        "Condition the statement on iam:PermissionsBoundary = the approved boundary ARN.",
        closing_condition_keys=_BOUNDARY,
    ),
    EscalationMethod(
        "B3", "Remove a boundary", _B,
        (("iam:DeleteRolePermissionsBoundary", "iam:DeleteUserPermissionsBoundary"),),
        "Explicit Deny on iam:Delete{Role,User}PermissionsBoundary.",
        "Do not grant boundary deletion; deny it in the boundary itself.",
    ),
    EscalationMethod(
        "B4", "Edit or delete the boundary policy itself", _B,
        (("iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:DeletePolicyVersion",
          "iam:DeletePolicy"),),
        "Explicit Deny of policy writes on the boundary ARN and on every guardrail policy.",
        "Deny policy-version writes on the boundary and guardrail policy ARNs.",
        scope=Scope.FOREIGN,
    ),
    EscalationMethod(
        "B5", "Edit a customer-managed policy attached to the developer's own role", _B,
        (("iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion"),),
        "Scope policy writes to a path used only by bounded application roles.",
        "Restrict policy-version writes to arn:...:policy/<application path>*.",
        scope=Scope.FOREIGN,
    ),
    EscalationMethod(
        "B6", "Attach or put an admin policy on an existing unbounded role", _B,
        (("iam:AttachRolePolicy", "iam:PutRolePolicy"),),
        "Condition on the target's iam:PermissionsBoundary AND scope to the application role path.",
        "Condition on iam:PermissionsBoundary and restrict Resource to arn:...:role/<application path>*.",
        scope=Scope.FOREIGN, closing_condition_keys=_BOUNDARY,
    ),
    EscalationMethod(
        "B7", "Rewrite a trust policy to assume a privileged role", _B,
        (("iam:UpdateAssumeRolePolicy",), ("sts:AssumeRole",)),
        "Do not grant iam:UpdateAssumeRolePolicy, or condition it on the boundary and the path.",
        "Remove iam:UpdateAssumeRolePolicy or condition it on iam:PermissionsBoundary and the role path.",
        scope=Scope.FOREIGN, closing_condition_keys=_BOUNDARY,
    ),
    EscalationMethod(
        "B8", "Pass a privileged existing role to a service", _B,
        (("iam:PassRole",),),
        "PassRole only on the bounded-role path, with iam:PassedToService.",
        "Restrict iam:PassRole to arn:...:role/<application path>* and add iam:PassedToService.",
        scope=Scope.FOREIGN,
    ),
    EscalationMethod(
        "B9", "Take over resources that run with unbounded roles", _B,
        (("lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration", "cloudformation:UpdateStack",
          "cloudformation:ExecuteChangeSet", "codebuild:StartBuild", "ssm:SendCommand", "ssm:StartSession",
          "ecs:ExecuteCommand", "ec2:ModifyInstanceAttribute", "glue:UpdateDevEndpoint",
          "sagemaker:CreatePresignedNotebookInstanceUrl"),),
        "Scope to developer-owned resources (path, name prefix or tag).",
        "Grant these actions only on the application's own resources, never on *.",
        scope=Scope.FOREIGN,
    ),
    EscalationMethod(
        "B10", "Users and groups (groups cannot carry a boundary)", _B,
        (("iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile", "iam:AddUserToGroup",
          "iam:AttachGroupPolicy", "iam:PutGroupPolicy"),),
        "Deny outright for developers.",
        "Remove user and group management from application and developer policies.",
    ),
    EscalationMethod(
        "B11", "Assume roles that trust the account root (CDK cfn-exec role)", _B,
        (("sts:AssumeRole",),),
        "Restrict sts:AssumeRole to named roles; bound the cfn-exec role.",
        "Grant sts:AssumeRole only on specific role ARNs, never on *.",
        scope=Scope.FOREIGN,
    ),
    EscalationMethod(
        "B12", "Service-linked roles carry no boundary", _B,
        (("iam:CreateServiceLinkedRole",),),
        "Restrict with iam:AWSServiceName.",
        "Condition iam:CreateServiceLinkedRole on iam:AWSServiceName.",
        closing_condition_keys=("iam:AWSServiceName",),
    ),
    EscalationMethod(
        "B13", "Retag to slip out of tag-based guardrails", _B,
        (("iam:TagRole", "iam:UntagRole", "iam:TagUser", "iam:UntagUser"),),
        "Deny tag changes on protected principals when policies key on tags.",
        "Restrict IAM tagging to the application role path.",
        scope=Scope.FOREIGN,
    ),
    EscalationMethod(
        "B14", "Instance profiles holding unbounded roles", _B,
        (("iam:CreateInstanceProfile", "iam:AddRoleToInstanceProfile"), ("iam:PassRole",)),
        "Path-restrict the instance profile and the role.",
        "Restrict instance-profile writes and iam:PassRole to the application path.",
        scope=Scope.FOREIGN,
    ),
    EscalationMethod(
        "B15", "Resource policy naming a user or role-session ARN bypasses the boundary", _B,
        (("s3:PutBucketPolicy", "sqs:SetQueueAttributes", "sns:SetTopicAttributes", "kms:PutKeyPolicy",
          "lambda:AddPermission", "secretsmanager:PutResourcePolicy", "ecr:SetRepositoryPolicy",
          "iam:UpdateAssumeRolePolicy"),),
        "Restrict resource-policy writes; analyze resource policies with the boundary in mind.",
        "Grant resource-policy writes only on the application's own resources.",
        scope=Scope.FOREIGN,
    ),
    # -- classic: self-escalation ----------------------------------------------------------------------
    EscalationMethod(
        "CreatePolicyVersion", "Create a new default version of an attached policy", _SELF,
        (("iam:CreatePolicyVersion",),),
        "Do not grant policy-version writes on policies attached to the principal.",
        "Remove iam:CreatePolicyVersion or scope it to policies no privileged principal uses.",
        scope=Scope.FOREIGN,
    ),
    EscalationMethod(
        "SetDefaultPolicyVersion", "Roll an attached policy back to a more permissive version", _SELF,
        (("iam:SetDefaultPolicyVersion",),),
        "Do not grant iam:SetDefaultPolicyVersion.",
        "Remove iam:SetDefaultPolicyVersion.",
        scope=Scope.FOREIGN,
    ),
    EscalationMethod(
        "AttachPolicy", "Attach a managed policy (e.g. AdministratorAccess) to a principal", _SELF,
        (("iam:AttachUserPolicy", "iam:AttachGroupPolicy", "iam:AttachRolePolicy"),),
        "Condition on iam:PermissionsBoundary and restrict iam:PolicyARN.",
        "Remove policy attachment or condition it on the boundary and an allow-list of policy ARNs.",
        scope=Scope.FOREIGN, closing_condition_keys=("iam:PermissionsBoundary", "iam:PolicyARN"),
    ),
    EscalationMethod(
        "PutInlinePolicy", "Write an inline policy on a principal", _SELF,
        (("iam:PutUserPolicy", "iam:PutGroupPolicy", "iam:PutRolePolicy"),),
        "Condition on iam:PermissionsBoundary and the application path.",
        "Remove inline-policy writes or condition them on the boundary.",
        scope=Scope.FOREIGN, closing_condition_keys=_BOUNDARY,
    ),
    EscalationMethod(
        "AddUserToGroup", "Join a more privileged group", _SELF,
        (("iam:AddUserToGroup",),),
        "Do not grant iam:AddUserToGroup.",
        "Remove iam:AddUserToGroup.",
    ),
    # -- classic: principal access ---------------------------------------------------------------------
    EscalationMethod(
        "CreateAccessKey", "Create an access key for another user", _ACCESS,
        (("iam:CreateAccessKey",),),
        "Do not grant iam:CreateAccessKey beyond ${aws:username}.",
        "Remove iam:CreateAccessKey or restrict it to the caller's own user.",
    ),
    EscalationMethod(
        "CreateLoginProfile", "Set a console password for a user that has none", _ACCESS,
        (("iam:CreateLoginProfile",),),
        "Do not grant iam:CreateLoginProfile.",
        "Remove iam:CreateLoginProfile.",
    ),
    EscalationMethod(
        "UpdateLoginProfile", "Reset another user's console password", _ACCESS,
        (("iam:UpdateLoginProfile",),),
        "Do not grant iam:UpdateLoginProfile.",
        "Remove iam:UpdateLoginProfile.",
    ),
    EscalationMethod(
        "UpdateAssumeRolePolicy", "Rewrite a role's trust policy, then assume it", _ACCESS,
        (("iam:UpdateAssumeRolePolicy",), ("sts:AssumeRole",)),
        "Do not grant iam:UpdateAssumeRolePolicy.",
        "Remove iam:UpdateAssumeRolePolicy.",
        scope=Scope.FOREIGN,
    ),
    EscalationMethod(
        "AssumeRole", "Assume a more privileged role", _ACCESS,
        (("sts:AssumeRole",),),
        "Grant sts:AssumeRole only on specific, equally bounded roles.",
        "Replace Resource * with the ARNs of the roles the principal must assume.",
        scope=Scope.FOREIGN,
    ),
    # -- classic: new PassRole -------------------------------------------------------------------------
    EscalationMethod(
        "PassRole-EC2", "Launch an instance with a privileged instance profile", _NEW,
        (("iam:PassRole",), ("ec2:RunInstances", "ec2:RequestSpotInstances")),
        "PassRole only on the application path.", "Restrict iam:PassRole to the application path.",
        scope=Scope.FOREIGN,
    ),
    EscalationMethod(
        "PassRole-Lambda", "Create and run a function with a privileged role", _NEW,
        (("iam:PassRole",), ("lambda:CreateFunction",),
         ("lambda:InvokeFunction", "lambda:CreateEventSourceMapping", "lambda:AddPermission")),
        "PassRole only on the application path.", "Restrict iam:PassRole to the application path.",
        scope=Scope.FOREIGN,
    ),
    EscalationMethod(
        "PassRole-CloudFormation", "Deploy a stack with a privileged service role", _NEW,
        (("iam:PassRole",),
         ("cloudformation:CreateStack", "cloudformation:CreateStackSet", "cloudformation:UpdateStackSet")),
        "PassRole only on the application path.", "Restrict iam:PassRole to the application path.",
        scope=Scope.FOREIGN,
    ),
    EscalationMethod(
        "PassRole-CodeBuild", "Create and start a build project with a privileged role", _NEW,
        (("iam:PassRole",), ("codebuild:CreateProject",), ("codebuild:StartBuild", "codebuild:StartBuildBatch")),
        "PassRole only on the application path.", "Restrict iam:PassRole to the application path.",
        scope=Scope.FOREIGN,
    ),
    EscalationMethod(
        "PassRole-ECS", "Run a task with a privileged task role", _NEW,
        (("iam:PassRole",), ("ecs:RegisterTaskDefinition",),
         ("ecs:CreateService", "ecs:RunTask", "ecs:StartTask")),
        "PassRole only on the application path.", "Restrict iam:PassRole to the application path.",
        scope=Scope.FOREIGN,
    ),
    EscalationMethod(
        "PassRole-Glue", "Run Glue code with a privileged role", _NEW,
        (("iam:PassRole",),
         ("glue:CreateDevEndpoint", "glue:CreateJob", "glue:UpdateJob"),
         ("glue:CreateDevEndpoint", "glue:StartJobRun", "glue:CreateTrigger")),
        "PassRole only on the application path.", "Restrict iam:PassRole to the application path.",
        scope=Scope.FOREIGN,
    ),
    EscalationMethod(
        "PassRole-SageMaker", "Run a notebook or job with a privileged role", _NEW,
        (("iam:PassRole",),
         ("sagemaker:CreateNotebookInstance", "sagemaker:CreateTrainingJob", "sagemaker:CreateProcessingJob")),
        "PassRole only on the application path.", "Restrict iam:PassRole to the application path.",
        scope=Scope.FOREIGN,
    ),
    EscalationMethod(
        "PassRole-DataPipeline", "Run a pipeline with a privileged role", _NEW,
        (("iam:PassRole",), ("datapipeline:CreatePipeline",), ("datapipeline:PutPipelineDefinition",)),
        "PassRole only on the application path.", "Restrict iam:PassRole to the application path.",
        scope=Scope.FOREIGN,
    ),
    EscalationMethod(
        "PassRole-AppRunner", "Create an App Runner service with a privileged role", _NEW,
        (("iam:PassRole",), ("apprunner:CreateService",)),
        "PassRole only on the application path.", "Restrict iam:PassRole to the application path.",
        scope=Scope.FOREIGN,
    ),
    # -- classic: existing PassRole (a resource already runs with a role) ------------------------------
    EscalationMethod(
        "Lambda-UpdateCode", "Replace the code of a function that runs with a privileged role", _EXISTING,
        (("lambda:UpdateFunctionCode",),),
        "Scope to the application's own functions.", "Grant lambda:UpdateFunctionCode only on own functions.",
        scope=Scope.FOREIGN,
    ),
    EscalationMethod(
        "Lambda-UpdateConfiguration", "Add a malicious layer to a privileged function", _EXISTING,
        (("lambda:UpdateFunctionConfiguration",),),
        "Scope to the application's own functions.",
        "Grant lambda:UpdateFunctionConfiguration only on own functions.",
        scope=Scope.FOREIGN,
    ),
    EscalationMethod(
        "CloudFormation-UpdateStack", "Update a stack that deploys with a privileged role", _EXISTING,
        (("cloudformation:UpdateStack", "cloudformation:ExecuteChangeSet"),),
        "Scope to the application's own stacks.", "Grant stack updates only on own stacks.",
        scope=Scope.FOREIGN,
    ),
    EscalationMethod(
        "CodeBuild-StartBuild", "Start a build with an overridden buildspec", _EXISTING,
        (("codebuild:StartBuild", "codebuild:StartBuildBatch"),),
        "Scope to the application's own projects.", "Grant codebuild:StartBuild only on own projects.",
        scope=Scope.FOREIGN,
    ),
    EscalationMethod(
        "Glue-UpdateDevEndpoint", "Add an SSH key to a privileged dev endpoint", _EXISTING,
        (("glue:UpdateDevEndpoint",),),
        "Scope to own endpoints.", "Grant glue:UpdateDevEndpoint only on own endpoints.",
        scope=Scope.FOREIGN,
    ),
    EscalationMethod(
        "SageMaker-PresignedUrl", "Open a privileged notebook instance", _EXISTING,
        (("sagemaker:CreatePresignedNotebookInstanceUrl",),),
        "Scope to own notebooks.", "Grant the presigned-URL action only on own notebook instances.",
        scope=Scope.FOREIGN,
    ),
    EscalationMethod(
        "SSM-SendCommand", "Run commands on an instance with a privileged profile", _EXISTING,
        (("ssm:SendCommand",),),
        "Scope to own instances (tag condition).", "Grant ssm:SendCommand only on own instances.",
        scope=Scope.FOREIGN,
    ),
    EscalationMethod(
        "SSM-StartSession", "Open a shell on an instance with a privileged profile", _EXISTING,
        (("ssm:StartSession",),),
        "Scope to own instances (tag condition).", "Grant ssm:StartSession only on own instances.",
        scope=Scope.FOREIGN,
    ),
    EscalationMethod(
        "EC2InstanceConnect", "Push an SSH key to an instance with a privileged profile", _EXISTING,
        (("ec2-instance-connect:SendSSHPublicKey",),),
        "Scope to own instances.", "Grant SendSSHPublicKey only on own instances.",
        scope=Scope.FOREIGN,
    ),
    EscalationMethod(
        "EC2-UserData", "Rewrite the user data of a stopped privileged instance", _EXISTING,
        (("ec2:ModifyInstanceAttribute",), ("ec2:StopInstances",), ("ec2:StartInstances",)),
        "Scope to own instances.", "Grant ec2:ModifyInstanceAttribute only on own instances.",
        scope=Scope.FOREIGN,
    ),
    EscalationMethod(
        "EC2-LaunchTemplate", "Point a launch template at malicious user data", _EXISTING,
        (("ec2:CreateLaunchTemplateVersion",), ("ec2:ModifyLaunchTemplate",)),
        "Scope to own launch templates.", "Grant launch-template writes only on own templates.",
        scope=Scope.FOREIGN,
    ),
    EscalationMethod(
        "AppRunner-UpdateService", "Update an App Runner service that runs with a privileged role", _EXISTING,
        (("apprunner:UpdateService",),),
        "Scope to own services.", "Grant apprunner:UpdateService only on own services.",
        scope=Scope.FOREIGN,
    ),
)
"""Every method, boundary paths first, in the order of ``escalation-paths.md``."""

PERMISSIONS_BOUNDARY_CONDITION_ACTIONS: frozenset[str] = frozenset(
    a.lower()
    for a in (
        "iam:CreateRole", "iam:CreateUser", "iam:PutRolePermissionsBoundary", "iam:PutUserPermissionsBoundary",
        "iam:DeleteRolePermissionsBoundary", "iam:DeleteUserPermissionsBoundary", "iam:AttachRolePolicy",
        "iam:AttachUserPolicy", "iam:DetachRolePolicy", "iam:DetachUserPolicy", "iam:PutRolePolicy",
        "iam:PutUserPolicy", "iam:DeleteRolePolicy", "iam:DeleteUserPolicy", "iam:UpdateAssumeRolePolicy",
        "iam:UpdateRole", "iam:UpdateRoleDescription", "iam:DeleteRole",
    )
)
"""Actions (lower-case) that support the ``iam:PermissionsBoundary`` condition key. A condition on that key
does nothing for any other action (PassRole, CreatePolicyVersion, AttachGroupPolicy, CreateAccessKey, ...)."""

_BY_ID = {m.id: m for m in METHODS}


def method(method_id: str) -> EscalationMethod:
    """The method with this id (``B1`` ... ``B15`` or a classic name); KeyError names the known ids."""
    try:
        return _BY_ID[method_id]
    except KeyError:
        raise KeyError(f"unknown escalation method {method_id!r}; known: {', '.join(_BY_ID)}") from None


def escalation_actions(*, single_step_only: bool = False) -> frozenset[str]:
    """Every action (lower-case) that takes part in some method; only one-action methods if asked."""
    return frozenset(
        a for m in METHODS if (m.single_step or not single_step_only) for a in m.actions
    )


def methods_using(action: str) -> tuple[EscalationMethod, ...]:
    """The methods that name ``action`` (case-insensitive)."""
    key = action.lower()
    return tuple(m for m in METHODS if key in m.actions)
