"""PermissionSetRollout: assignments after the StackSet, only where the StackSet put the policies.

Identity Center finds the boundary and the customer managed policies of a permission set by name and path
in each assigned account: "You must have an IAM policy that matches the name and path in each AWS account
where you want to deploy your permission set"
(https://docs.aws.amazon.com/singlesignon/latest/APIReference/API_CustomerManagedPolicyReference.html,
https://docs.aws.amazon.com/singlesignon/latest/userguide/permissionsboundary.html). Assignments are
``AWS::SSO::Assignment`` (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/
aws-resource-sso-assignment.html); a service-managed StackSet never deploys to the management account
(https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DeploymentTargets.html: "StackSets
doesn't deploy stack instances to the organization management account, even if the organization management
account is in your organization or in an OU in your organization"). A resource with a ``Condition`` is created
only in the stacks where the condition is true
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/conditions-section-structure.html).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Aws, CfnCondition, Environment, Fn, Stack
from aws_cdk import aws_iam as iam

from least_privilege_constructs import (
    AccountAssignment,
    CustomerManagedPolicyName,
    DefaultPolicies,
    DeveloperPermissionSet,
    OrganizationRollout,
    PermissionSetRollout,
)
from least_privilege_constructs.errors import LeastPrivilegeError
from least_privilege_constructs.validation.synth import synth

MANAGEMENT = "111111111111"
MEMBER = "444444444444"
OTHER = "555555555555"
OU = "ou-a1b2-c3d4e5f6"
GROUP = "9067a0d5c1-1b2c3d4e-5f60-7a8b-9c0d-1e2f3a4b5c6d"
INSTANCE = "arn:aws:sso:::instance/ssoins-1234567890abcdef"


def _build(outdir: str | None = None, *, rollout: dict[str, Any] | None = None,
           permission_set: dict[str, Any] | None = None, condition_on: str | None = None,
           by_override: bool = False, env: Environment | None = None, **kwargs: Any) -> PermissionSetRollout:
    app = App(outdir=outdir) if outdir else App()
    stack = Stack(app, "Mgmt", env=env or Environment(account=MANAGEMENT, region="eu-west-1"))
    defaults = DefaultPolicies(stack, "Defaults", security_account_id="222222222222",
                               boundary_options={"allowed_services": ["s3", "lambda"]},
                               additional_managed_policies={"team-extra": [
                                   {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]})
    if condition_on:  # the StackSet creates the policy named condition_on only where OnlyOther holds
        condition = CfnCondition(defaults, "OnlyOther", expression=Fn.condition_equals(Aws.ACCOUNT_ID, OTHER))
        [policy] = [c for c in defaults.node.find_all() if isinstance(c, iam.CfnManagedPolicy)
                    and defaults.resolve(c.managed_policy_name) == condition_on]
        if by_override:
            policy.add_override("Condition", "OnlyOther")
        else:
            policy.cfn_options.condition = condition
    org = OrganizationRollout(stack, "Rollout", template=defaults, regions=["eu-west-1"],
                              **(rollout or {"organizational_unit_ids": [OU]}))
    ps = DeveloperPermissionSet(stack, "Devs", instance_arn=INSTANCE, name="Devs", boundary=defaults.boundary,
                                **(permission_set or {}))
    args: dict[str, Any] = {"assignments": [AccountAssignment(group_id=GROUP, accounts=[MEMBER])],
                            "ou_accounts": {OU: [MEMBER, OTHER]}}
    args.update(kwargs)
    return PermissionSetRollout(stack, "DevsRollout", rollout=org, permission_set=ps, **args)


def _codes(construct: PermissionSetRollout) -> list[str]:
    return [m.split("]")[0].lstrip("[") for m in construct.node.validate()]


def test_assignments_depend_on_the_stackset(tmp_path: Path) -> None:
    # given a permission set assigned to a member account of the StackSet's OU
    construct = _build(str(tmp_path / "cdk.out"))
    # when synthesized
    assembly = Stack.of(construct).node.root.synth()  # type: ignore[attr-defined]
    template = json.loads((Path(assembly.directory) / "Mgmt.template.json").read_text())
    # then one assignment, of the group, in the account, after the StackSet (and the permission set)
    stack_set = next(k for k, r in template["Resources"].items() if r["Type"] == "AWS::CloudFormation::StackSet")
    [assignment] = [r for r in template["Resources"].values() if r["Type"] == "AWS::SSO::Assignment"]
    assert stack_set in assignment["DependsOn"]
    props = assignment["Properties"]
    assert (props["PrincipalId"], props["PrincipalType"], props["TargetId"], props["TargetType"]) == (
        GROUP, "GROUP", MEMBER, "AWS_ACCOUNT")
    assert props["InstanceArn"] == INSTANCE and "Fn::GetAtt" in props["PermissionSetArn"]


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({}, []),
    # the boundary and a customer managed policy the StackSet creates (name and path)
    ({"permission_set": {"customer_managed_policies": [CustomerManagedPolicyName("team-extra", "/lpc/")]}}, []),
    # right name, wrong path: Identity Center looks for /team-extra in each account
    ({"permission_set": {"customer_managed_policies": [CustomerManagedPolicyName("team-extra")]}},
     ["LPC-ROLLOUT-051"]),
    ({"permission_set": {"customer_managed_policies": [CustomerManagedPolicyName("not-deployed", "/lpc/")]}},
     ["LPC-ROLLOUT-051"]),
    # the account is in a given OU, or added to the OUs (UNION)
    ({"rollout": {"organizational_unit_ids": [OU], "accounts": ["666666666666"]},
      "assignments": [AccountAssignment(group_id=GROUP, accounts=["666666666666"])]}, []),
    # the root reaches every member account
    ({"rollout": {"organizational_unit_ids": ["r-a1b2"]}, "ou_accounts": None}, []),
    # excluded from the OU (DIFFERENCE)
    ({"rollout": {"organizational_unit_ids": [OU], "exclude_accounts": [MEMBER]}}, ["LPC-ROLLOUT-052"]),
    # not among the OU's accounts
    ({"assignments": [AccountAssignment(user_id="u-1", accounts=["777777777777"])]}, ["LPC-ROLLOUT-052"]),
    # the management account: never a StackSet target, even under the root
    ({"rollout": {"organizational_unit_ids": ["r-a1b2"]}, "ou_accounts": None,
      "assignments": [AccountAssignment(group_id=GROUP, accounts=[MANAGEMENT])]}, ["LPC-ROLLOUT-052"]),
    # from a delegated administrator, the stack's own account is a member account like the others
    ({"rollout": {"organizational_unit_ids": ["r-a1b2"], "delegated_admin": True}, "ou_accounts": None,
      "management_account_id": "999999999999",
      "assignments": [AccountAssignment(group_id=GROUP, accounts=[MANAGEMENT])]}, []),
    # ... and the organization's management account, given, is never reached, not even under the root
    ({"rollout": {"organizational_unit_ids": ["r-a1b2"], "delegated_admin": True}, "ou_accounts": None,
      "management_account_id": "999999999999",
      "assignments": [AccountAssignment(group_id=GROUP, accounts=["999999999999"])]}, ["LPC-ROLLOUT-052"]),
    # ... nor through an OU that holds it
    ({"rollout": {"organizational_unit_ids": [OU], "delegated_admin": True}, "ou_accounts": {OU: [MEMBER]},
      "management_account_id": MEMBER}, ["LPC-ROLLOUT-052"]),
    # an environment-agnostic management stack, given the management account
    ({"env": Environment(), "rollout": {"organizational_unit_ids": ["r-a1b2"]}, "ou_accounts": None,
      "management_account_id": MANAGEMENT,
      "assignments": [AccountAssignment(group_id=GROUP, accounts=[MANAGEMENT, MEMBER])]}, ["LPC-ROLLOUT-052"]),
    # self-managed: exactly its accounts
    ({"rollout": {"permission_model": "SELF_MANAGED", "accounts": [OTHER]}, "ou_accounts": None},
     ["LPC-ROLLOUT-052"]),
    ({"rollout": {"permission_model": "SELF_MANAGED", "accounts": [MEMBER]}, "ou_accounts": None}, []),
    # OU membership unknown: fail closed, unless the caller says why not
    ({"ou_accounts": None}, ["LPC-ROLLOUT-053"]),
    ({"ou_accounts": None, "unverifiable_accounts_reason": "the workloads OU holds every workload account"}, []),
])
def test_validation_at_synth(kwargs: dict[str, Any], expected: list[str]) -> None:
    # given a rollout, when CDK validates the construct, then the expected codes
    assert _codes(_build(**kwargs)) == expected


@pytest.mark.parametrize(("kwargs", "expected"), [
    # the policy is created only where OnlyOther holds, and nobody said where that is: fail closed
    ({"condition_on": "team-extra"}, ["LPC-ROLLOUT-054"]),
    ({"condition_on": "lpc-developer-boundary"}, ["LPC-ROLLOUT-054"]),
    # it holds in the assigned account
    ({"condition_on": "team-extra", "condition_accounts": {"OnlyOther": [MEMBER, OTHER]}}, []),
    # it holds only elsewhere: the policy is missing in the assigned account
    ({"condition_on": "team-extra", "condition_accounts": {"OnlyOther": [OTHER]}}, ["LPC-ROLLOUT-054"]),
    # a condition on another policy does not cover this one
    ({"condition_on": "team-extra", "condition_accounts": {"Other": [MEMBER]}}, ["LPC-ROLLOUT-054"]),
    # the caller opts out with a reason
    ({"condition_on": "team-extra", "unverifiable_conditions_reason": "OnlyOther holds in every workload account"},
     []),
    # a conditioned policy the permission set does not refer to is none of its business
    ({"condition_on": "team-extra", "permission_set": {}}, []),
])
def test_conditioned_policies(kwargs: dict[str, Any], expected: list[str]) -> None:
    # given a StackSet template whose policy has a CloudFormation Condition
    kwargs.setdefault("permission_set", {"customer_managed_policies": [CustomerManagedPolicyName("team-extra", "/lpc/")]})
    # when CDK validates the construct, then the expected codes
    assert _codes(_build(**kwargs)) == expected


def test_conditioned_policy_message_names_the_policy_and_the_condition() -> None:
    construct = _build(condition_on="team-extra",
                       permission_set={"customer_managed_policies": [CustomerManagedPolicyName("team-extra", "/lpc/")]})
    [message] = construct.node.validate()
    assert message.startswith("[LPC-ROLLOUT-054] Mgmt/DevsRollout: the customer managed policy /lpc/team-extra")
    assert "(Condition OnlyOther)" in message and "['444444444444']" in message
    assert "condition_accounts" in message and "unverifiable_conditions_reason" in message


def test_condition_set_by_override_fails_synthesis(tmp_path: Path) -> None:
    # given a Condition the constructs do not show (a raw override), so validation passes
    construct = _build(str(tmp_path / "cdk.out"), condition_on="team-extra", by_override=True,
                       permission_set={"customer_managed_policies": [CustomerManagedPolicyName("team-extra", "/lpc/")]})
    assert construct.node.validate() == []
    # when synthesized, then the written StackSet template is checked and synthesis fails naming the resource
    with pytest.raises(RuntimeError, match=r"LPC-ROLLOUT-054.*/lpc/team-extra.*#/Resources/\w+ \(Condition OnlyOther\)"):
        Stack.of(construct).node.root.synth()  # type: ignore[attr-defined]


def test_messages_name_the_construct_and_the_policy() -> None:
    construct = _build(permission_set={"customer_managed_policies": [CustomerManagedPolicyName("team-extra")]},
                       assignments=[AccountAssignment(group_id=GROUP, accounts=["777777777777"])])
    missing, unreached = construct.node.validate()
    assert missing.startswith("[LPC-ROLLOUT-051] Mgmt/DevsRollout: the customer managed policy /team-extra")
    assert "it has 'team-extra' under the path '/lpc/'" in missing
    assert unreached.startswith("[LPC-ROLLOUT-052] Mgmt/DevsRollout:") and "777777777777" in unreached


def test_synth_fails_with_the_code_and_no_traceback(tmp_path: Path) -> None:
    # given a policy the StackSet does not create and an assignment it cannot be shown to reach
    construct = _build(str(tmp_path / "cdk.out"), ou_accounts=None,
                       permission_set={"customer_managed_policies": [CustomerManagedPolicyName("team-extra")]})
    lines: list[str] = []
    # when synthesized through the library's synth(), then exit 1, each error with the construct path and code
    with pytest.raises(SystemExit) as exit_info:
        synth(construct.node.root, printer=lines.append)
    assert exit_info.value.code == 1
    assert [line.split("] [")[1][:15] for line in lines] == ["LPC-ROLLOUT-051", "LPC-ROLLOUT-053"]
    assert all(line.startswith("least-privilege: synthesis blocked: [Mgmt/DevsRollout]") for line in lines)


@pytest.mark.parametrize(("kwargs", "text"), [
    ({"assignments": []}, "non-empty list"),
    ({"assignments": [AccountAssignment(accounts=[MEMBER])]}, "exactly one"),
    ({"assignments": [AccountAssignment(group_id=GROUP, user_id="u", accounts=[MEMBER])]}, "exactly one"),
    ({"assignments": [AccountAssignment(group_id="", accounts=[MEMBER])]}, "principal id"),
    ({"assignments": [AccountAssignment(group_id=GROUP, accounts=[])]}, "is empty"),
    ({"ou_accounts": {"ou-a1b2-ffffffff": [MEMBER]}}, "does not target"),
    ({"ou_accounts": None, "unverifiable_accounts_reason": " "}, "must say why"),
    ({"condition_accounts": {"OnlyOther": [MEMBER]}, "unverifiable_conditions_reason": ""}, "must say why"),
    ({"condition_accounts": [MEMBER]}, "condition_accounts must map"),
    # from a delegated administrator the management account is not the stack's: it must be given
    ({"rollout": {"organizational_unit_ids": ["r-a1b2"], "delegated_admin": True}, "ou_accounts": None},
     "give management_account_id"),
    ({"rollout": {"organizational_unit_ids": [OU], "delegated_admin": True}, "management_account_id": MANAGEMENT},
     "delegated administrator, which is a member account"),
    # without delegated_admin the stack is in the management account
    ({"management_account_id": OTHER}, "is not the stack's account"),
    ({"env": Environment(), "rollout": {"organizational_unit_ids": ["r-a1b2"]}, "ou_accounts": None},
     "environment-agnostic"),
])
def test_bad_arguments(kwargs: dict[str, Any], text: str) -> None:
    with pytest.raises(LeastPrivilegeError, match="LPC-ROLLOUT-050") as info:
        _build(**kwargs)
    assert text in str(info.value) and "Mgmt/DevsRollout" in str(info.value)


def test_bad_account_id_names_the_assignment() -> None:
    with pytest.raises(LeastPrivilegeError, match=r"LPC-ROLLOUT-002.*assignments\[0\]\.accounts\[0\]"):
        _build(assignments=[AccountAssignment(group_id=GROUP, accounts=["4444-4444-4444"])])
