"""``PermissionsBoundaryPolicy``: a reusable, self-protecting permissions boundary.

Example::

    from aws_cdk import App, Stack, aws_iam as iam
    from least_privilege_constructs import PermissionsBoundaryPolicy

    app = App()
    stack = Stack(app, "Guardrails")
    boundary = PermissionsBoundaryPolicy(
        stack, "Boundary",
        allowed_services=["s3", "dynamodb", "lambda", "logs", "sqs"],
        allowed_regions=["eu-west-1"],
    )
    iam.PermissionsBoundary.of(stack).apply(boundary)

The policy has a fixed, account-independent name and path (``/boundaries/lpc-developer-boundary`` by
default), so the same boundary ARN is valid in every account: in apps, in StackSets rolled out to an
organization, and in the ``iam:PermissionsBoundary`` conditions of the developer roles.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import Fn, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from least_privilege_constructs.boundary.boundary_document import (
    DEFAULT_PASSABLE_SERVICES,
    MANAGED_POLICY_MAX_CHARS,
    BoundarySpec,
    build_boundary_document,
    iam_arn,
    policy_size,
    statement_sizes,
)
from least_privilege_constructs.errors import LeastPrivilegeError, construct_path

DEFAULT_BOUNDARY_NAME = "lpc-developer-boundary"
DEFAULT_BOUNDARY_PATH = "/boundaries/"
DEFAULT_APPLICATION_PATH = "/app/"


_POLICY_VARIABLE = re.compile(r"\$\{(?!AWS::)")


def to_cdk_json(value: Any) -> Any:
    """Replace strings holding ``${AWS::...}`` pseudo parameters by ``Fn::Sub`` tokens (recursively).

    IAM policy variables in such strings (``${aws:username}``) are escaped as ``${!aws:username}`` so that
    ``Fn::Sub`` leaves them to IAM.
    """
    if isinstance(value, str):
        return Fn.sub(_POLICY_VARIABLE.sub("${!", value)) if "${AWS::" in value else value
    if isinstance(value, list):
        return [to_cdk_json(v) for v in value]
    if isinstance(value, dict):
        return {k: to_cdk_json(v) for k, v in value.items()}
    return value


def statement_to_json(statement: iam.PolicyStatement | Mapping[str, Any], scope: Construct) -> dict[str, Any]:
    """A PolicyStatement or dict as plain JSON (tokens resolved once through the stack)."""
    if isinstance(statement, Mapping):
        return copy.deepcopy(dict(statement))
    resolved = Stack.of(scope).resolve(statement.to_statement_json())
    return dict(resolved)


class PermissionsBoundaryPolicy(iam.ManagedPolicy):
    """A customer-managed policy meant to be attached as a permissions boundary.

    It allows at most ``allowed_services`` / ``allowed_actions`` / ``statements`` and protects itself
    (see :mod:`least_privilege_constructs.boundary.boundary_document` for the statement that closes each
    escalation path B1–B14).

    :param managed_policy_name: fixed name (default ``lpc-developer-boundary``).
    :param path: IAM path of the guardrail policies (default ``/boundaries/``); every policy under it is
        protected from edits by bounded principals.
    :param application_path: the IAM path under which bounded principals may create roles, policies and
        instance profiles (default ``/app/``).
    :param allowed_services: service prefixes whose actions are allowed (``s3`` → ``s3:*``).
    :param allowed_actions: individual actions or patterns allowed (``ssm:GetParameter``).
    :param statements: further Allow statements (``iam.PolicyStatement`` or JSON dicts) of the maximum.
    :param additional_statements: extra statements appended after the guardrails (e.g. organization denies).
    :param allowed_regions: if given, deny every regional action outside these regions.
    :param passable_to_services: ``iam:PassedToService`` values allowed for PassRole.
    :param service_linked_role_services: services (``elasticbeanstalk.amazonaws.com``) for which service-linked
        roles may be created; none by default.
    :param assumable_role_arns: roles outside the application path that bounded principals may assume.
    :param protected_policy_arns: other guardrail policies (outside ``path``) to protect from edits.
    :param application_resource_prefix: name prefix of the application's own resources (functions, state
        machines, stacks, ECS services, task definitions and clusters, repositories, documents, parameters,
        rules, buckets, secrets, ... : every row of the table of resources that run with a role that is
        scoped by name) that bounded principals may change and start; others may run with privileged roles
        (B9). Resources without an application-chosen name (instances, associations, maintenance windows,
        StackSets) are denied outright.
    :param allow_interactive_access: allow SSM sessions/commands, ECS exec, EC2 instance connect, Glue dev
        endpoint keys and notebook URLs (B9); denied by default since the target may run with any role.
    :param allow_developer_iam: IAM on roles and policies under ``application_path`` and the IAM inventory
        reads join the maximum, so that a ``DeveloperRole`` carrying this boundary can do what its own IAM
        statements grant (without copying them into ``allowed_actions``); the Deny statements still pin the
        boundary, the paths and the passed-to services. Default ``True``; ``False`` for a boundary that no
        developer role carries.
    :param templates: ``(template id, parameters)`` pairs from the policy template catalog whose statements
        join the maximum permissions.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        managed_policy_name: str = DEFAULT_BOUNDARY_NAME,
        path: str = DEFAULT_BOUNDARY_PATH,
        application_path: str = DEFAULT_APPLICATION_PATH,
        allowed_services: Sequence[str] = (),
        allowed_actions: Sequence[str] = (),
        statements: Sequence[iam.PolicyStatement | Mapping[str, Any]] = (),
        additional_statements: Sequence[iam.PolicyStatement | Mapping[str, Any]] = (),
        allowed_regions: Sequence[str] = (),
        passable_to_services: Sequence[str] = DEFAULT_PASSABLE_SERVICES,
        service_linked_role_services: Sequence[str] = (),
        assumable_role_arns: Sequence[str] = (),
        protected_policy_arns: Sequence[str] = (),
        application_resource_prefix: str = "app-",
        allow_interactive_access: bool = False,
        templates: Sequence[tuple[str, Mapping[str, Any]]] = (),
        description: str | None = None,
        allow_developer_iam: bool = True,
    ) -> None:
        where = construct_path(scope, construct_id)
        spec, document = _build(
            scope,
            where,
            managed_policy_name=managed_policy_name,
            path=path,
            application_path=application_path,
            allowed_services=allowed_services,
            allowed_actions=allowed_actions,
            statements=statements,
            additional_statements=additional_statements,
            allowed_regions=allowed_regions,
            passable_to_services=passable_to_services,
            service_linked_role_services=service_linked_role_services,
            assumable_role_arns=assumable_role_arns,
            protected_policy_arns=protected_policy_arns,
            application_resource_prefix=application_resource_prefix,
            allow_interactive_access=allow_interactive_access,
            templates=templates,
            allow_developer_iam=allow_developer_iam,
        )
        super().__init__(
            scope,
            construct_id,
            managed_policy_name=managed_policy_name,
            path=path,
            description=description
            or f"Permissions boundary: the maximum for principals created under {application_path}",
            document=iam.PolicyDocument.from_json(to_cdk_json(document)),
        )
        self._spec = spec
        self._document_json = document

    @property
    def spec(self) -> BoundarySpec:
        """The inputs that determine this boundary."""
        return self._spec

    @property
    def document_json(self) -> dict[str, Any]:
        """The boundary document as JSON with ``${AWS::AccountId}``/``${AWS::Partition}`` placeholders."""
        return copy.deepcopy(self._document_json)

    @property
    def size(self) -> int:
        """Characters IAM counts for this policy (whitespace excluded)."""
        return policy_size(self._document_json)

    @property
    def application_path(self) -> str:
        return self._spec.application_path

    @property
    def boundary_path(self) -> str:
        return self._spec.path

    @property
    def boundary_name(self) -> str:
        return self._spec.name

    @property
    def boundary_arn_template(self) -> str:
        """The ARN with pseudo parameters, e.g. for ``Fn::Sub`` or conditions in other templates."""
        return iam_arn("policy", self._spec.path, self._spec.name)

    def boundary_arn_for(self, account: str, partition: str = "aws") -> str:
        """The concrete boundary ARN in one account."""
        return f"arn:{partition}:iam::{account}:policy{self._spec.path}{self._spec.name}"

    @classmethod
    def reference(cls, scope: Construct, construct_id: str, **kwargs: Any) -> BoundaryReference:
        """The boundary that another stack (typically the organization's StackSet) deploys with ``kwargs``.

        Takes the constructor's keyword arguments and validates them the same way, but creates nothing:
        use it in workload accounts that receive the boundary from the organization's rollout::

            boundary = PermissionsBoundaryPolicy.reference(self, "Boundary", allowed_services=["s3"])
            DeveloperRole(self, "Devs", boundary=boundary, trust=...)
        """
        where = construct_path(scope, construct_id)
        defaults: dict[str, Any] = {
            "managed_policy_name": DEFAULT_BOUNDARY_NAME,
            "path": DEFAULT_BOUNDARY_PATH,
            "application_path": DEFAULT_APPLICATION_PATH,
            "allowed_services": (),
            "allowed_actions": (),
            "statements": (),
            "additional_statements": (),
            "allowed_regions": (),
            "passable_to_services": DEFAULT_PASSABLE_SERVICES,
            "service_linked_role_services": (),
            "assumable_role_arns": (),
            "protected_policy_arns": (),
            "application_resource_prefix": "app-",
            "allow_interactive_access": False,
            "templates": (),
            "allow_developer_iam": True,
        }
        unknown = sorted(set(kwargs) - set(defaults))
        if unknown:
            raise LeastPrivilegeError("LPC-BOUNDARY-004", where, f"unknown argument(s): {', '.join(unknown)}")
        spec, document = _build(scope, where, **{**defaults, **kwargs})
        policy = iam.ManagedPolicy.from_managed_policy_arn(
            scope, construct_id, Fn.sub(iam_arn("policy", spec.path, spec.name))
        )
        return BoundaryReference(policy, spec, document)

    @classmethod
    def imported(
        cls,
        scope: Construct,
        construct_id: str,
        *,
        managed_policy_name: str = DEFAULT_BOUNDARY_NAME,
        path: str = DEFAULT_BOUNDARY_PATH,
    ) -> iam.IManagedPolicy:
        """The boundary deployed elsewhere (e.g. by the organization's StackSet), in the current account.

        Unlike ``ManagedPolicy.from_managed_policy_name`` this keeps the policy's path in the ARN.
        """
        return iam.ManagedPolicy.from_managed_policy_arn(
            scope, construct_id, Fn.sub(iam_arn("policy", path, managed_policy_name))
        )

    def pinned_arn(self) -> str:
        """The ARN as a token pinned to the deploying account (``Fn::Sub``), usable in conditions."""
        return Fn.sub(self.boundary_arn_template)


def _build(scope: Construct, where: str, *, templates: Sequence[tuple[str, Mapping[str, Any]]],
           statements: Sequence[iam.PolicyStatement | Mapping[str, Any]],
           additional_statements: Sequence[iam.PolicyStatement | Mapping[str, Any]],
           managed_policy_name: str, path: str, application_path: str, allowed_services: Sequence[str],
           allowed_actions: Sequence[str], allowed_regions: Sequence[str], passable_to_services: Sequence[str],
           service_linked_role_services: Sequence[str], assumable_role_arns: Sequence[str],
           protected_policy_arns: Sequence[str], application_resource_prefix: str,
           allow_interactive_access: bool, allow_developer_iam: bool = True
           ) -> tuple[BoundarySpec, dict[str, Any]]:
    """The validated spec and document of a boundary (errors name the construct ``where``)."""
    template_statements = render_templates(templates, where, scope)
    developer_iam = developer_iam_statements(
        application_path, already_allowed=[*allowed_actions, *(f"{s}:*" for s in allowed_services)]) if allow_developer_iam else []
    spec = BoundarySpec(
        name=managed_policy_name,
        path=path,
        application_path=application_path,
        allowed_services=list(allowed_services),
        allowed_actions=list(allowed_actions),
        statements=[*(statement_to_json(s, scope) for s in statements), *template_statements],
        additional_statements=[*developer_iam, *(statement_to_json(s, scope) for s in additional_statements)],
        allowed_regions=list(allowed_regions),
        passable_to_services=list(passable_to_services),
        service_linked_role_services=list(service_linked_role_services),
        assumable_role_arns=list(assumable_role_arns),
        protected_policy_arns=list(protected_policy_arns),
        application_resource_prefix=application_resource_prefix,
        allow_interactive_access=allow_interactive_access,
    )
    try:
        document = build_boundary_document(spec)
    except ValueError as exc:
        raise LeastPrivilegeError("LPC-BOUNDARY-001", where, str(exc)) from None
    size = policy_size(document)
    if size > MANAGED_POLICY_MAX_CHARS:
        raise LeastPrivilegeError(
            "LPC-BOUNDARY-002",
            where,
            f"the boundary policy would be {size} characters, over IAM's managed-policy limit of "
            f"{MANAGED_POLICY_MAX_CHARS} (whitespace excluded; largest statements: "
            f"{', '.join(f'{sid} {n}' for sid, n in statement_sizes(document)[:3])}); allow whole services "
            "instead of long action lists, grant fewer services whose resources run with a role (each adds "
            "its takeover protection), or move statements into SCPs",
        )
    return spec, document


def developer_iam_statements(application_path: str, already_allowed: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Allow statements of the maximum that cover the ``DeveloperRole``'s own IAM statements.

    IAM on roles and policies under the application path, and the IAM inventory reads. Compact on purpose
    (IAM's 6,144-character limit on the boundary): the boundary's Deny statements, not these allowances,
    pin the boundary on created roles (B1/B2), the paths (B5/B6), the passed-to services (B8) and the
    guardrail policies (B4). A statement whose actions ``already_allowed`` covers is left out.
    """
    from least_privilege_constructs.analysis.iam.wildcards import action_matches
    from least_privilege_constructs.boundary.developer_role import ACCOUNT_READ_ACTIONS

    statements: list[dict[str, Any]] = [
        {"Sid": "DeveloperIam", "Effect": "Allow", "Action": ["iam:*"],
         "Resource": [iam_arn("role", application_path), iam_arn("policy", application_path)]},
        {"Sid": "DeveloperIamList", "Effect": "Allow", "Action": list(ACCOUNT_READ_ACTIONS), "Resource": "*"},
    ]
    out = []
    for statement in statements:
        missing = [a for a in statement["Action"] if not any(action_matches(p, a) for p in already_allowed)]
        if missing:
            out.append({**statement, "Action": missing})
    return out


class BoundaryReference:
    """A boundary deployed elsewhere (by the organization's StackSet), known by its inputs.

    Made by :meth:`PermissionsBoundaryPolicy.reference` with the same arguments as the deployed boundary, so
    that developer roles pin the same ARN and the tests and analyses know what it allows. It creates no
    resource: ``managed_policy`` is the ARN in the current account (path included).
    """

    def __init__(self, managed_policy: iam.IManagedPolicy, spec: BoundarySpec, document: dict[str, Any]) -> None:
        self.managed_policy = managed_policy
        self.spec = spec
        self._document_json = document

    @property
    def document_json(self) -> dict[str, Any]:
        return copy.deepcopy(self._document_json)

    @property
    def application_path(self) -> str:
        return self.spec.application_path

    @property
    def boundary_path(self) -> str:
        return self.spec.path

    @property
    def boundary_name(self) -> str:
        return self.spec.name

    @property
    def boundary_arn_template(self) -> str:
        return iam_arn("policy", self.spec.path, self.spec.name)


def render_templates(
    templates: Sequence[tuple[str, Mapping[str, Any]]], where: str, scope: Construct,
    code: str = "LPC-BOUNDARY-003",
) -> list[dict[str, Any]]:
    """Statements of ``(template id, parameters)`` pairs from the scope's template catalog; a bad template id
    or parameter is an error with ``code`` naming the construct ``where``."""
    if not templates:
        return []
    from least_privilege_constructs.templates.catalog import TemplateCatalog

    catalog = TemplateCatalog.from_context(scope)
    out: list[dict[str, Any]] = []
    for template_id, params in templates:
        try:
            out.extend(catalog.get(template_id).render_statements(dict(params)))
        except Exception as exc:  # the catalog's errors name the template and parameter
            raise LeastPrivilegeError(code, where, str(exc)) from None
    return out
