"""``BoundaryEnforcement``: every role and user under a scope carries the boundary — verified at synth.

Example::

    from least_privilege_constructs import BoundaryEnforcement

    BoundaryEnforcement.of(app).apply(boundary)            # aspect + synth-time verification
    BoundaryEnforcement.of(app).exempt(break_glass_role, reason="break-glass role, reviewed by SecOps")

``apply`` does two things:

1. applies CDK's ``PermissionsBoundary.of(scope).apply(...)`` aspect, which also reaches the roles CDK
   creates implicitly (custom-resource providers, log retention, bucket deployments). Every stack gets
   **its own account's** boundary ARN, ``arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/boundaries/<name>``
   (the boundary's fixed name and path exist for that): no cross-stack export, no other account's id, the
   path kept. Only the stack that defines the boundary refers to it (``Ref``), so its roles wait for it;
   other stacks need the boundary deployed in their account first (the organization's StackSet, or the
   platform stack deployed before them);
2. registers a validation plugin that reads the **synthesized** templates (nested stacks included) and
   fails synthesis, naming the construct path of every role or user that has no boundary or another one.

An exemption is a CDK acknowledgment of the rule ``LeastPrivilege-BoundaryEnforcement::LPC-BOUNDARY-MISSING``
on the construct (or a parent), and it requires a reason; the acknowledgment is recorded in the
validation report, so exemptions stay reviewable.
"""

from __future__ import annotations

import os
import weakref
from typing import Any

import jsii
from aws_cdk import (
    Acknowledgment,
    Fn,
    IPolicyValidationContext,
    IPolicyValidationPlugin,
    IResolveContext,
    IStringProducer,
    Lazy,
    PolicyValidationPluginReport,
    PolicyViolatingResource,
    PolicyViolation,
    Stack,
    Stage,
    Validations,
)
from aws_cdk import aws_iam as iam
from constructs import IConstruct

from least_privilege_constructs import __version__
from least_privilege_constructs.analysis.acknowledgments import Acknowledgments
from least_privilege_constructs.analysis.assembly import assembly_root
from least_privilege_constructs.analysis.boundary_verification import (
    ConstructIndex,
    find_unbounded_principals,
    load_template,
    with_nested_templates,
)
from least_privilege_constructs.boundary.permissions_boundary_policy import (
    BoundaryReference,
    PermissionsBoundaryPolicy,
)
from least_privilege_constructs.errors import LeastPrivilegeError

PLUGIN_NAME = "LeastPrivilege-BoundaryEnforcement"
RULE_ID = "LPC-BOUNDARY-MISSING"
ACKNOWLEDGMENT_ID = f"{PLUGIN_NAME}::{RULE_ID}"


@jsii.implements(IPolicyValidationPlugin)
class BoundaryVerificationPlugin:
    """CDK validation plugin: every enforced scope's roles and users carry their boundary."""

    def __init__(self, root: Any = None) -> None:
        # (construct path of the scope, boundary path, boundary name)
        self.rules: list[tuple[str, str, str]] = []
        self._root = weakref.ref(root) if root is not None else None

    @property
    def name(self) -> str:
        return PLUGIN_NAME

    @property
    def version(self) -> str:
        return __version__

    @property
    def rule_ids(self) -> list[str]:
        return [RULE_ID]

    def validate(self, context: IPolicyValidationContext) -> PolicyValidationPluginReport:
        from least_privilege_constructs.validation.registry import deferred, gate_for

        root = self._root() if self._root is not None else None
        if gate_for(root) is not None:
            deferred(root, PLUGIN_NAME)
            # the gate plugin verifies these scopes itself, merged with LP-IAM1 (one finding per mistake)
            return PolicyValidationPluginReport(success=True, violations=[])
        try:
            templates = dict(with_nested_templates(list(context.template_paths)))
        except ValueError as exc:  # fail closed: an unreadable template is a violation
            return PolicyValidationPluginReport(
                success=False,
                violations=[
                    PolicyViolation(
                        rule_name=RULE_ID,
                        description=f"could not verify permissions boundaries: {exc}",
                        violating_resources=[PolicyViolatingResource(locations=["/"])],
                        severity="error",
                    )
                ],
            )
        index = ConstructIndex.load(os.path.dirname(context.template_paths[0])) if context.template_paths else None
        acks = _acknowledgments(list(context.template_paths))
        violations: list[PolicyViolation] = []
        for scope_path, path, name in self.rules:
            expected = f"arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:policy{path}{name}"
            found = find_unbounded_principals(
                templates, path, name, scope_prefixes=(scope_path,), index=index
            )
            for v in found:
                blank = acks.lookup(v.construct_path, ACKNOWLEDGMENT_ID)
                rule_name, description = RULE_ID, v.describe(expected)
                if blank is not None and not blank[1]:
                    # CDK would suppress it whatever the reason: a blank acknowledgment acknowledges nothing
                    rule_name = f"LP-ACK[{RULE_ID}]"
                    description = (f"the acknowledgment of '{ACKNOWLEDGMENT_ID}' on {blank[0]} gives no reason, "
                                   f"so it acknowledges nothing; {description}")
                violations.append(
                    PolicyViolation(
                        rule_name=rule_name,
                        description=description,
                        fix=(
                            "Attach the boundary (BoundaryEnforcement.of(scope).apply(boundary) covers "
                            "implicit roles too), or exempt the construct with a reason: "
                            f"Validations.of(construct).acknowledge(Acknowledgment(id='{ACKNOWLEDGMENT_ID}', "
                            "reason='...'))"
                        ),
                        severity="error",
                        violating_resources=[
                            PolicyViolatingResource(
                                locations=["Properties/PermissionsBoundary"],
                                resource_logical_id=v.logical_id,
                                template_path=v.template_path,
                                **({"construct_path": v.construct_path} if v.construct_path else {}),
                            )
                        ],
                    )
                )
        from least_privilege_constructs.validation.registry import blocked

        blocked(root, PLUGIN_NAME, violations)  # CDK drops one whose name is acknowledged (LP-ACK[...])
        return PolicyValidationPluginReport(success=not violations, violations=violations)


@jsii.implements(IStringProducer)
class _AccountLocalBoundaryArn:
    """The boundary's ARN as seen from the stack being synthesized: ``Ref`` in the boundary's own stack,
    ``Fn::Sub`` of the account-independent ARN (path included) in every other stack."""

    def __init__(self, policy: PermissionsBoundaryPolicy) -> None:
        self._policy = policy
        self._stack_path = Stack.of(policy).node.path
        self._template = policy.boundary_arn_template

    def produce(self, context: IResolveContext) -> str | None:
        if Stack.of(context.scope).node.path == self._stack_path:
            return self._policy.managed_policy_arn
        return Fn.sub(self._template)


def account_local_boundary(policy: PermissionsBoundaryPolicy) -> iam.IManagedPolicy:
    """``policy`` as an ``IManagedPolicy`` whose ARN each stack resolves in its own account (see module doc)."""
    node_id = "AccountLocalBoundaryArn"
    existing = policy.node.try_find_child(node_id)
    if existing is not None:
        return existing  # type: ignore[return-value]
    return iam.ManagedPolicy.from_managed_policy_arn(
        policy, node_id, Lazy.uncached_string(_AccountLocalBoundaryArn(policy)))


def _acknowledgments(template_paths: list[str]) -> Acknowledgments:
    if not template_paths:
        return Acknowledgments()
    try:
        return Acknowledgments.read(assembly_root(os.path.dirname(template_paths[0])))
    except Exception:  # an unreadable manifest is reported by the verification itself
        return Acknowledgments()


_PLUGINS: weakref.WeakKeyDictionary[Any, BoundaryVerificationPlugin] = weakref.WeakKeyDictionary()


class BoundaryEnforcement:
    """Boundary enforcement for a construct scope. Obtain it with :meth:`of`."""

    def __init__(self, scope: IConstruct) -> None:
        self._scope = scope

    @classmethod
    def of(cls, scope: IConstruct) -> BoundaryEnforcement:
        return cls(scope)

    def apply(self, boundary: PermissionsBoundaryPolicy | BoundaryReference | iam.IManagedPolicy, *,
              name: str | None = None, path: str | None = None) -> None:
        """Attach ``boundary`` to every role and user under the scope and verify it at synth.

        For an imported boundary (``PermissionsBoundaryPolicy.imported(...)``) give ``name`` and ``path``
        (defaults: the library's defaults) so that the verification knows what to look for.
        """
        where = self._scope.node.path or "<app>"
        if isinstance(boundary, PermissionsBoundaryPolicy | BoundaryReference):
            b_name, b_path = boundary.boundary_name, boundary.boundary_path
            if isinstance(boundary, BoundaryReference):
                boundary = boundary.managed_policy
            else:
                boundary = account_local_boundary(boundary)
        else:
            from least_privilege_constructs.boundary.permissions_boundary_policy import (
                DEFAULT_BOUNDARY_NAME,
                DEFAULT_BOUNDARY_PATH,
            )

            b_name, b_path = name or DEFAULT_BOUNDARY_NAME, path or DEFAULT_BOUNDARY_PATH
        iam.PermissionsBoundary.of(self._scope).apply(boundary)
        stage = self._scope if Stage.is_stage(self._scope) else Stage.of(self._scope)
        if stage is None:
            raise LeastPrivilegeError(
                "LPC-ENFORCE-001", where, "BoundaryEnforcement needs a scope inside an App or Stage"
            )
        plugin = _PLUGINS.get(stage)
        if plugin is None:
            plugin = BoundaryVerificationPlugin(stage.node.root)
            _PLUGINS[stage] = plugin
            Validations.of(stage).add_plugins(plugin)
        rule = (self._scope.node.path, b_path, b_name)
        if rule not in plugin.rules:
            plugin.rules.append(rule)
        from least_privilege_constructs.validation.acknowledgments_above import record_acknowledgments_above

        record_acknowledgments_above(stage)  # exemptions on the app or a stage, into cdk.out

    def exempt(self, construct: IConstruct, *, reason: str, remove_boundary: bool = False) -> None:
        """Exempt ``construct`` (and its children) from the verification, with a reason.

        With ``remove_boundary=True`` the boundary is also cleared from the construct's roles and users
        (e.g. a break-glass role); otherwise only a missing boundary is tolerated.
        """
        if not isinstance(reason, str) or len(reason.strip()) < 10:
            raise LeastPrivilegeError(
                "LPC-ENFORCE-002",
                construct.node.path,
                "an exemption needs a reason of at least 10 characters (it is recorded in the validation report)",
            )
        Validations.of(construct).acknowledge(Acknowledgment(id=ACKNOWLEDGMENT_ID, reason=reason.strip()))
        if remove_boundary:
            iam.PermissionsBoundary.of(construct).clear()


def enforcement_rules(root: Any) -> list[tuple[str, str, str]]:
    """``(scope path, boundary path, boundary name)`` of every ``BoundaryEnforcement`` applied under the app
    ``root`` (the gate plugin verifies them itself when it is attached)."""
    return [rule for stage, plugin in list(_PLUGINS.items()) if stage.node.root is root for rule in plugin.rules]


def verify_cdk_out(cdk_out: str, path: str, name: str) -> list[str]:
    """Verify a ``cdk.out`` without CDK: the descriptions of every unbounded role/user (empty when clean)."""
    from least_privilege_constructs.analysis.assembly import walk_assemblies

    paths = [str(stack.template_file) for assembly in walk_assemblies(cdk_out) for stack in assembly.stacks]
    templates = dict(with_nested_templates(paths))
    expected = f"policy{path}{name}"
    index = ConstructIndex.load(cdk_out)
    return [v.describe(expected) for v in find_unbounded_principals(templates, path, name, index=index)]


__all__ = ["ACKNOWLEDGMENT_ID", "BoundaryEnforcement", "BoundaryVerificationPlugin", "load_template"]
