"""``PermissionSetRollout``: an Identity Center permission set assigned only where the StackSet put its policies.

Example (in the management or the delegated-administrator account's stack)::

    from aws_cdk import App, Environment, Stack
    from least_privilege_constructs import (
        AccountAssignment, DefaultPolicies, DeveloperPermissionSet, OrganizationRollout, PermissionSetRollout,
    )

    app = App()
    management = Stack(app, "OrgManagement", env=Environment(account="111111111111", region="eu-west-1"))
    defaults = DefaultPolicies(management, "DefaultPolicies", security_account_id="222222222222",
                               boundary_options={"allowed_services": ["s3", "lambda", "logs"]})
    rollout = OrganizationRollout(management, "DefaultPoliciesRollout", template=defaults,
                                  organizational_unit_ids=["ou-a1b2-c3d4e5f6"], regions=["eu-west-1"])
    developers = DeveloperPermissionSet(management, "Developers",
                                        instance_arn="arn:aws:sso:::instance/ssoins-1234567890abcdef",
                                        name="Developers", boundary=defaults.boundary,
                                        aws_managed_policies=["ReadOnlyAccess"])
    PermissionSetRollout(
        management, "DevelopersRollout",
        rollout=rollout,
        permission_set=developers,
        assignments=[AccountAssignment(group_id="9067a0d5c1-1b2c3d4e-5f60-7a8b-9c0d-1e2f3a4b5c6d",
                                       accounts=["444444444444"])],
        # the StackSet targets OUs: say which accounts are in them (or unverifiable_accounts_reason=...)
        ou_accounts={"ou-a1b2-c3d4e5f6": ["444444444444", "555555555555"]},
    )

**Why.** Identity Center refers to the boundary and every customer managed policy of a permission set by
name and path, and "you must have an IAM policy that matches the name and path in each AWS account where
you want to deploy your permission set"
(https://docs.aws.amazon.com/singlesignon/latest/APIReference/API_CustomerManagedPolicyReference.html,
https://docs.aws.amazon.com/singlesignon/latest/userguide/permissionsboundary.html). An assignment
(``AWS::SSO::Assignment``, https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/
aws-resource-sso-assignment.html) provisions the permission set into its account; a missing policy there
makes the provisioning fail. So this construct

* creates one ``AWS::SSO::Assignment`` per (principal, account), each with ``DependsOn`` the StackSet, so
  CloudFormation provisions the permission set only after the StackSet has created the policies;
* fails ``cdk synth`` (a CDK validation on this construct: ``[LPC-ROLLOUT-05x]`` with its construct path,
  no traceback through :func:`least_privilege_constructs.synth`) when a referenced customer managed policy
  (the boundary included) is not a named ``AWS::IAM::ManagedPolicy`` of the StackSet's template with the
  same name and path, or when an assignment targets an account the StackSet does not reach.

**Which accounts a StackSet reaches** (``DeploymentTargets``,
https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DeploymentTargets.html): self-managed,
exactly its ``accounts``; service-managed, the accounts of its OUs (child OUs included) minus
``exclude_accounts`` (``DIFFERENCE``) or plus ``accounts`` (``UNION``), and never the organization's
management account (the rollout's own account, unless it is deployed from a delegated administrator).
Which accounts are in an OU is not in the app: give it as ``ou_accounts`` (OU id -> accounts), or the
account is *unverifiable* and synthesis fails (fail closed) unless ``unverifiable_accounts_reason`` says
why it is fine (kept in the construct's metadata). The root ``r-xxxx`` reaches every member account but
the management account: "StackSets doesn't deploy stack instances to the organization management account,
even if the organization management account is in your organization or in an OU in your organization"
(https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DeploymentTargets.html).
From a delegated administrator (or an environment-agnostic stack) the management account is not the stack's
account, so ``management_account_id`` is required (LPC-ROLLOUT-050 otherwise).

**Conditioned policies.** A policy resource with a CloudFormation ``Condition``
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/conditions-section-structure.html) is created
only in the stack instances where the condition is true. Which accounts those are cannot be told at synthesis,
so a referenced policy whose every matching resource is conditioned fails (``LPC-ROLLOUT-054``) unless
``condition_accounts`` says, for the condition's logical id, in which accounts it holds (an assignment outside
them fails too), or ``unverifiable_conditions_reason`` says why it is fine. The check runs on the constructs
(``cfn_options.condition``) at validation and again on the written template (a ``Condition`` added by an
override).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import jsii
from aws_cdk import FileAssetSource, Stack, Token
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sso as sso
from constructs import Construct, IValidation

from least_privilege_constructs.errors import LeastPrivilegeError, construct_path
from least_privilege_constructs.identity_center.developer_permission_set import DeveloperPermissionSet
from least_privilege_constructs.rollout.organization_rollout import OrganizationRollout
from least_privilege_constructs.rollout.synthesizer import StackSetTemplateSynthesizer
from least_privilege_constructs.rollout.targets import ROOT_ID_RE, check_account_ids, check_ou_ids, is_token

PrincipalType = Literal["GROUP", "USER"]

UNVERIFIABLE_METADATA_KEY = "least-privilege:unverifiable-accounts-reason"
UNVERIFIABLE_CONDITIONS_METADATA_KEY = "least-privilege:unverifiable-conditions-reason"


@dataclass(frozen=True)
class AccountAssignment:
    """An Identity Center group (``group_id``) or user (``user_id``) given the permission set in ``accounts``.

    The ids are Identity Center's principal ids (the identity store's group or user id, a GUID).
    """

    accounts: Sequence[str]
    group_id: str | None = None
    user_id: str | None = None

    @property
    def principal(self) -> tuple[PrincipalType, str]:
        if self.group_id is not None:
            return "GROUP", self.group_id
        return "USER", str(self.user_id)


@dataclass(frozen=True)
class _Reference:
    name: str
    path: str
    what: str


class PermissionSetRollout(Construct):
    """Assigns a :class:`DeveloperPermissionSet` to accounts after, and only where, the StackSet of an
    :class:`OrganizationRollout` has created the policies the permission set refers to.

    :param rollout: the StackSet rollout whose template creates the boundary and the customer managed policies.
    :param permission_set: the permission set (its boundary and customer managed policies are checked).
    :param assignments: who gets the permission set in which accounts.
    :param ou_accounts: for a service-managed StackSet: the accounts in each target OU (child OUs included).
    :param unverifiable_accounts_reason: accept assignments to accounts whose membership of the target OUs
        is not given in ``ou_accounts`` (otherwise synthesis fails).
    :param management_account_id: the organization's management account, to which a service-managed StackSet
        never deploys; required from a delegated administrator and from an environment-agnostic stack.
    :param condition_accounts: for a CloudFormation condition (its logical id in the StackSet template) on a
        referenced policy: the accounts in which it is true.
    :param unverifiable_conditions_reason: accept referenced policies whose conditions are not covered by
        ``condition_accounts`` (otherwise synthesis fails).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        rollout: OrganizationRollout,
        permission_set: DeveloperPermissionSet,
        assignments: Sequence[AccountAssignment],
        ou_accounts: Mapping[str, Sequence[str]] | None = None,
        unverifiable_accounts_reason: str | None = None,
        management_account_id: str | None = None,
        condition_accounts: Mapping[str, Sequence[str]] | None = None,
        unverifiable_conditions_reason: str | None = None,
    ) -> None:
        where = construct_path(scope, construct_id)
        if not isinstance(rollout, OrganizationRollout):
            raise LeastPrivilegeError("LPC-ROLLOUT-050", where, "rollout must be an OrganizationRollout")
        if not isinstance(permission_set, DeveloperPermissionSet):
            raise LeastPrivilegeError("LPC-ROLLOUT-050", where, "permission_set must be a DeveloperPermissionSet")
        if isinstance(assignments, (str, Mapping)) or not list(assignments):
            raise LeastPrivilegeError("LPC-ROLLOUT-050", where, "assignments must be a non-empty list of "
                                      "AccountAssignment")
        checked: list[tuple[PrincipalType, str, list[str]]] = []
        for index, assignment in enumerate(assignments):
            if not isinstance(assignment, AccountAssignment):
                raise LeastPrivilegeError("LPC-ROLLOUT-050", where,
                                          f"assignments[{index}] must be an AccountAssignment")
            if (assignment.group_id is None) == (assignment.user_id is None):
                raise LeastPrivilegeError("LPC-ROLLOUT-050", where,
                                          f"assignments[{index}]: give group_id or user_id (exactly one)")
            kind, principal_id = assignment.principal
            if not isinstance(principal_id, str) or not principal_id.strip() or len(principal_id) > 47:
                raise LeastPrivilegeError("LPC-ROLLOUT-050", where,
                                          f"assignments[{index}]: {kind.lower()} id {principal_id!r} must be an "
                                          "Identity Center principal id (1-47 characters)")
            accounts = check_account_ids(where, f"assignments[{index}].accounts", assignment.accounts)
            if not accounts:
                raise LeastPrivilegeError("LPC-ROLLOUT-050", where, f"assignments[{index}].accounts is empty")
            checked.append((kind, principal_id, accounts))
        membership: dict[str, list[str]] = {}
        for ou, members in (ou_accounts or {}).items():
            check_ou_ids(where, "ou_accounts", [ou])
            membership[ou] = check_account_ids(where, f"ou_accounts[{ou!r}]", members)
        unknown = sorted(set(membership) - set(rollout.organizational_unit_ids))
        if unknown:
            raise LeastPrivilegeError("LPC-ROLLOUT-050", where,
                                      f"ou_accounts names {unknown}, which the StackSet does not target "
                                      f"({list(rollout.organizational_unit_ids)})")
        for argument, reason in (("unverifiable_accounts_reason", unverifiable_accounts_reason),
                                 ("unverifiable_conditions_reason", unverifiable_conditions_reason)):
            if reason is not None and (not isinstance(reason, str) or not reason.strip()):
                raise LeastPrivilegeError("LPC-ROLLOUT-050", where, f"{argument} must say why")
        if isinstance(condition_accounts, (str, Sequence)):
            raise LeastPrivilegeError("LPC-ROLLOUT-050", where, "condition_accounts must map condition logical "
                                      "ids to account lists")
        holds: dict[str, list[str]] = {}
        for condition, members in (condition_accounts or {}).items():
            if not isinstance(condition, str) or not condition.strip():
                raise LeastPrivilegeError("LPC-ROLLOUT-050", where,
                                          f"condition_accounts: {condition!r} must be a condition's logical id")
            holds[condition] = check_account_ids(where, f"condition_accounts[{condition!r}]", members)
        management = _management_account(where, rollout, management_account_id)
        super().__init__(scope, construct_id)
        self.rollout = rollout
        self.permission_set = permission_set
        self._membership = membership
        self._unverifiable_reason = unverifiable_accounts_reason
        self._management = management
        self._condition_accounts = holds
        self._conditions_reason = unverifiable_conditions_reason
        if unverifiable_accounts_reason:
            self.node.add_metadata(UNVERIFIABLE_METADATA_KEY, unverifiable_accounts_reason)
        if unverifiable_conditions_reason:
            self.node.add_metadata(UNVERIFIABLE_CONDITIONS_METADATA_KEY, unverifiable_conditions_reason)

        self.assignments: list[sso.CfnAssignment] = []
        """The ``AWS::SSO::Assignment`` resources, each depending on the StackSet."""
        for kind, principal_id, accounts in checked:
            for account in accounts:
                cfn_assignment = sso.CfnAssignment(
                    self,
                    f"{kind.title()}{len(self.assignments)}",
                    instance_arn=permission_set.cfn.instance_arn,
                    permission_set_arn=permission_set.permission_set_arn,
                    principal_id=principal_id,
                    principal_type=kind,
                    target_id=account,
                    target_type="AWS_ACCOUNT",
                )
                # the policies must exist in the account before Identity Center provisions the permission set
                cfn_assignment.node.add_dependency(rollout.stack_set)
                self.assignments.append(cfn_assignment)
        self._accounts = sorted({a for _, _, accounts in checked for a in accounts})
        self.node.add_validation(_RolloutValidation(self))
        synthesizer = rollout.template.synthesizer
        if isinstance(synthesizer, StackSetTemplateSynthesizer):
            synthesizer.on_template(self._check_written_template)

    # -- the checks (run by CDK's validation phase, after aspects, before the templates are written) -------

    def references(self) -> list[_Reference]:
        """The customer managed policies the permission set refers to, by name and path (boundary first)."""
        ps = self.permission_set
        out: list[_Reference] = []
        if ps.boundary is not None:
            out.append(_Reference(ps.boundary.boundary_name, ps.boundary.boundary_path, "the permissions boundary"))
        out += [_Reference(r.name, r.path, "the customer managed policy") for r in ps.customer_managed_policies]
        return out

    def template_policies(self) -> tuple[set[tuple[str, str]], list[str]]:
        """(name, path) of every named ``AWS::IAM::ManagedPolicy`` in the StackSet's template, and the
        construct paths of managed policies whose name or path is not known at synthesis."""
        found = {(name, path) for name, path, _, _ in self._named_policies()[0]}
        return found, self._named_policies()[1]

    def _named_policies(self) -> tuple[list[_PolicyResource], list[str]]:
        """Each named managed policy of the template's constructs (name, path, where, condition logical id)
        and the construct paths of those whose name or path is not known at synthesis."""
        template = self.rollout.template
        named: list[_PolicyResource] = []
        unnamed: list[str] = []
        for child in template.node.find_all():
            if not isinstance(child, iam.CfnManagedPolicy):
                continue
            name = template.resolve(child.managed_policy_name)
            path = template.resolve(child.path) if child.path is not None else "/"
            condition = child.cfn_options.condition
            condition_id = template.resolve(condition.logical_id) if condition is not None else None
            if isinstance(name, str) and isinstance(path, str) and not is_token(name) and not is_token(path):
                named.append((name, path, child.node.path, str(condition_id) if condition_id else None))
            else:
                unnamed.append(child.node.path)
        return named, unnamed

    def conditioned_policies(self, policies: Sequence[_PolicyResource] | None = None) -> list[str]:
        """Messages for references whose policy exists only where a CloudFormation condition holds
        (LPC-ROLLOUT-054): the condition is not known to hold in an assigned account."""
        resources = self._named_policies()[0] if policies is None else policies
        out = []
        for ref in self.references():
            matches = [(where, cond) for name, path, where, cond in resources if (name, path) == (ref.name, ref.path)]
            if not matches or any(cond is None for _, cond in matches):
                continue  # missing (051) or created in every stack instance
            conditions = sorted({cond for _, cond in matches if cond is not None})
            unstated = [c for c in conditions if c not in self._condition_accounts]
            if unstated and self._conditions_reason:
                continue
            covered = {a for c in conditions for a in self._condition_accounts.get(c, ())}
            lacking = [a for a in self._accounts if a not in covered]
            if not lacking:
                continue
            resources_text = ", ".join(f"{where} (Condition {cond})" for where, cond in matches)
            if unstated:
                fix = (f"say in which accounts {' and '.join(repr(c) for c in unstated)} holds with "
                       "condition_accounts={'<condition>': ['<account>', ...]}, or pass "
                       "unverifiable_conditions_reason='why'")
            else:
                fix = "the condition does not hold there (condition_accounts); remove the assignment or the condition"
            out.append(
                f"[LPC-ROLLOUT-054] {self.node.path}: {ref.what} {ref.path}{ref.name} of the permission set "
                f"{self.permission_set.name!r} is created by the StackSet template only where a CloudFormation "
                f"condition holds ({resources_text}), and it is not known to hold in the assigned account(s) "
                f"{lacking}: {fix}")
        return out

    def _check_written_template(self, path: Path, source: FileAssetSource) -> None:
        """Re-check the conditions on the written template (a ``Condition`` set by an override)."""
        template = json.loads(path.read_text(encoding="utf-8"))
        resources = template.get("Resources", {}) if isinstance(template, dict) else {}
        policies: list[_PolicyResource] = []
        for logical_id, resource in resources.items():
            if not isinstance(resource, dict) or resource.get("Type") != "AWS::IAM::ManagedPolicy":
                continue
            props = resource.get("Properties") or {}
            name, policy_path = props.get("ManagedPolicyName"), props.get("Path", "/")
            condition = resource.get("Condition")
            if isinstance(name, str) and isinstance(policy_path, str):
                policies.append((name, policy_path, f"{source.file_name}#/Resources/{logical_id}",
                                 str(condition) if condition is not None else None))
        problems = self.conditioned_policies(policies)
        if problems:
            raise RuntimeError("\n".join(problems))

    def missing_policies(self) -> list[str]:
        """Messages for the references the StackSet's template does not create (LPC-ROLLOUT-051)."""
        found, unnamed = self.template_policies()
        out = []
        for ref in self.references():
            if (ref.name, ref.path) in found:
                continue
            same_name = sorted(p for n, p in found if n == ref.name)
            hint = (f" (it has {ref.name!r} under the path {same_name[0]!r})" if same_name else
                    f" (policies without a fixed name: {', '.join(unnamed)})" if unnamed else "")
            out.append(
                f"[LPC-ROLLOUT-051] {self.node.path}: {ref.what} {ref.path}{ref.name} of the permission set "
                f"{self.permission_set.name!r} is not created by the StackSet template "
                f"{self.rollout.template.node.path}{hint}; Identity Center needs a policy with that name and "
                "path in every assigned account")
        return out

    def reach(self, account: str) -> bool | None:
        """Whether the StackSet deploys to ``account``: True, False, or None when it cannot be told."""
        rollout = self.rollout
        if is_token(account):
            return None
        if rollout.permission_model == "SELF_MANAGED":
            return account in rollout.target_accounts
        # StackSets never deploys to the management account, even when it is in a target OU or under the
        # root (API_DeploymentTargets); its id is known (checked at construction)
        management = self._management
        if management is None or is_token(management):
            return None
        if account == management:
            return False
        if account in rollout.excluded_accounts:
            return False
        if account in rollout.target_accounts:  # UNION
            return True
        ous = rollout.organizational_unit_ids
        if any(ROOT_ID_RE.match(ou) for ou in ous):
            return True
        if any(account in self._membership.get(ou, ()) for ou in ous):
            return True
        if all(ou in self._membership for ou in ous) and not any(is_token(ou) for ou in ous):
            return False  # every target OU's accounts are given and none holds it
        return None

    def unreached_accounts(self) -> list[str]:
        """Messages for accounts the StackSet does not reach (052) or not verifiably (053)."""
        out = []
        for account in self._accounts:
            reached = self.reach(account)
            if reached is False:
                out.append(
                    f"[LPC-ROLLOUT-052] {self.node.path}: the permission set {self.permission_set.name!r} is "
                    f"assigned in account {account}, which the StackSet {self.rollout.node.path} does not deploy "
                    f"to ({self._targets_text()}); its policies would be missing there")
            elif reached is None and not self._unverifiable_reason:
                out.append(
                    f"[LPC-ROLLOUT-053] {self.node.path}: cannot tell whether the StackSet "
                    f"{self.rollout.node.path} deploys to account {account} ({self._targets_text()}): list "
                    "the OUs' accounts in ou_accounts, or pass unverifiable_accounts_reason='why'")
        return out

    def _targets_text(self) -> str:
        r = self.rollout
        if r.permission_model == "SELF_MANAGED":
            return f"self-managed, accounts {list(r.target_accounts)}"
        parts = [f"OUs {list(r.organizational_unit_ids)}"]
        if r.excluded_accounts:
            parts.append(f"except {list(r.excluded_accounts)}")
        if r.target_accounts:
            parts.append(f"plus {list(r.target_accounts)}")
        if self._membership:
            parts.append(f"OU accounts given: {self._membership}")
        return ", ".join(parts) + "; never the organization's management account"


@jsii.implements(IValidation)
class _RolloutValidation:
    def __init__(self, owner: PermissionSetRollout) -> None:
        self._owner = owner

    def validate(self) -> list[str]:
        owner = self._owner
        return [*owner.missing_policies(), *owner.unreached_accounts(), *owner.conditioned_policies()]


_PolicyResource = tuple[str, str, str, str | None]
"""A named managed policy of the StackSet template: name, path, where (construct path or template location),
and the logical id of its CloudFormation condition (None when created in every stack instance)."""


def _management_account(where: str, rollout: OrganizationRollout, given: str | None) -> str | None:
    """The organization's management account, which a service-managed StackSet never deploys to."""
    if given is not None:
        given = check_account_ids(where, "management_account_id", [given])[0]
    if rollout.permission_model == "SELF_MANAGED":
        return given  # exactly its accounts: the management account is not special
    stack_account = Stack.of(rollout).account
    delegated = rollout.stack_set.call_as == "DELEGATED_ADMIN"
    doc = ("StackSets doesn't deploy stack instances to the organization management account, even under the root "
           "or in a target OU (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/"
           "API_DeploymentTargets.html)")
    if delegated:
        if given is None:
            raise LeastPrivilegeError(
                "LPC-ROLLOUT-050", where,
                f"the StackSet {rollout.node.path} is deployed from a delegated administrator and targets "
                f"{list(rollout.organizational_unit_ids)}: give management_account_id, the organization's "
                f"management account, which no assignment may rely on; {doc}")
        if not Token.is_unresolved(stack_account) and given == stack_account:
            raise LeastPrivilegeError(
                "LPC-ROLLOUT-050", where,
                f"management_account_id {given} is the stack's own account, but the StackSet is deployed from a "
                "delegated administrator, which is a member account")
        return given
    if Token.is_unresolved(stack_account):
        if given is None:
            raise LeastPrivilegeError(
                "LPC-ROLLOUT-050", where,
                f"the stack of {rollout.node.path} is environment-agnostic: give management_account_id (the "
                f"account it deploys to, the organization's management account); {doc}")
        return given
    if given is not None and given != stack_account:
        raise LeastPrivilegeError(
            "LPC-ROLLOUT-050", where,
            f"management_account_id {given} is not the stack's account {stack_account}: without "
            "delegated_admin the StackSet is deployed from the management account")
    return stack_account
