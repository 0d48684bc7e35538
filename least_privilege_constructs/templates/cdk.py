"""CDK glue for policy templates: statements, documents, managed and inline policies, grants.

Imported lazily by the CDK methods of :class:`~least_privilege_constructs.templates.template.PolicyTemplate`
(``grant``, ``to_policy_document``, ``to_managed_policy``, ``to_inline_policy``,
``to_policy_statements``), so ``lpc templates`` never loads jsii.

Pseudo placeholders become the stack's tokens (``{{AWS::AccountId}}`` -> ``${AWS::AccountId}`` in the
synthesized template) and parameters may be tokens (``bucket.bucket_name``, ``table.table_arn``).
Every policy construct made here records the template's provenance (id, version, repository, commit,
parameters) in its construct metadata and in the CloudFormation resource's ``Metadata`` under
``LeastPrivilegeTemplates``, so reviewers of the synthesized template see which template produced it.

Example::

    from least_privilege_constructs import TemplateCatalog

    catalog = TemplateCatalog.builtin()
    catalog.get("app.dynamodb-crud").grant(handler.role, table_arn=table.table_arn)
    doc = catalog.get("res.s3-bucket-org-tls").to_policy_document(self, bucket_name=bucket.bucket_name,
                                                                  org_id="o-a1b2c3d4e5")
    for statement in doc.to_json()["Statement"]:
        bucket.add_to_resource_policy(iam.PolicyStatement.from_json(statement))
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from aws_cdk import CfnResource, Fn, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from least_privilege_constructs.analysis.templates.errors import TemplateError
from least_privilege_constructs.analysis.templates.render import fn_sub_body
from least_privilege_constructs.analysis.templates.template import PolicyTemplate, RenderedPolicy

METADATA_KEY = "LeastPrivilegeTemplates"
"""CloudFormation ``Metadata`` key (a list: one entry per template rendered into the resource)."""

NODE_METADATA_TYPE = "least-privilege:template"
"""Construct-tree metadata type (visible in ``manifest.json``)."""


def stack_context(scope: Construct) -> dict[str, str]:
    """The pseudo-parameter values of ``scope``'s stack (tokens unless the stack has a concrete env)."""
    stack = Stack.of(scope)
    return {
        "AWS::Partition": stack.partition,
        "AWS::AccountId": stack.account,
        "AWS::Region": stack.region,
        "AWS::URLSuffix": stack.url_suffix,
    }


def render_for(
    template: PolicyTemplate, scope: Construct, parameters: Mapping[str, Any] | None, **kwargs: Any
) -> RenderedPolicy:
    """Render with ``scope``'s stack tokens for the pseudo parameters."""
    return template.render(parameters, context=stack_context(scope), **kwargs)


def _sub_pseudo(value: Any) -> Any:
    if isinstance(value, str):
        body = fn_sub_body(value)
        return value if body is None else Fn.sub(body)
    if isinstance(value, list):
        return [_sub_pseudo(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _sub_pseudo(v) for k, v in value.items()}
    return value


def statements_to_cdk(statements: list[dict[str, Any]]) -> list[iam.PolicyStatement]:
    """Rendered JSON statements -> ``aws_iam.PolicyStatement`` objects. Strings that still hold
    ``${AWS::...}`` pseudo parameters (:meth:`PolicyTemplate.render_statements`' default) become
    ``Fn::Sub`` tokens, with IAM policy variables escaped."""
    return [iam.PolicyStatement.from_json(_sub_pseudo(st)) for st in statements]


def to_policy_statements(
    template: PolicyTemplate, scope: Construct, parameters: Mapping[str, Any] | None = None, **kwargs: Any
) -> list[iam.PolicyStatement]:
    return statements_to_cdk(render_for(template, scope, parameters, **kwargs).statements)


def to_policy_document(
    template: PolicyTemplate, scope: Construct, parameters: Mapping[str, Any] | None = None, **kwargs: Any
) -> iam.PolicyDocument:
    rendered = render_for(template, scope, parameters, **kwargs)
    return iam.PolicyDocument(statements=statements_to_cdk(rendered.statements))


def record_provenance(construct: Construct, rendered: RenderedPolicy) -> None:
    """Write the rendering's provenance into the construct's metadata and its CFN resource's Metadata."""
    meta = rendered.metadata()
    construct.node.add_metadata(NODE_METADATA_TYPE, meta)
    child = construct.node.default_child
    if isinstance(child, CfnResource):
        existing = child.get_metadata(METADATA_KEY)
        entries = list(existing) if isinstance(existing, list) else []
        entries.append(meta)
        child.add_metadata(METADATA_KEY, entries)


def _identity_only(template: PolicyTemplate, what: str) -> None:
    if template.policy_type != "IDENTITY_POLICY":
        raise TemplateError(
            f"{what} needs an identity-policy template; this one is a {template.audience} template "
            "(use to_policy_document and attach it to the resource)",
            template=template.ref,
        )


def to_managed_policy(
    template: PolicyTemplate,
    scope: Construct,
    construct_id: str,
    parameters: Mapping[str, Any] | None = None,
    *,
    managed_policy_name: str | None = None,
    **kwargs: Any,
) -> iam.ManagedPolicy:
    _identity_only(template, "a managed policy")
    rendered = render_for(template, scope, parameters, **kwargs)
    policy = iam.ManagedPolicy(
        scope,
        construct_id,
        managed_policy_name=managed_policy_name,
        description=f"{template.ref}: {template.title}"[:1000],
        document=iam.PolicyDocument(statements=statements_to_cdk(rendered.statements)),
    )
    record_provenance(policy, rendered)
    return policy


def to_inline_policy(
    template: PolicyTemplate,
    scope: Construct,
    construct_id: str,
    parameters: Mapping[str, Any] | None = None,
    *,
    policy_name: str | None = None,
    **kwargs: Any,
) -> iam.Policy:
    _identity_only(template, "an inline policy")
    rendered = render_for(template, scope, parameters, **kwargs)
    policy = iam.Policy(
        scope,
        construct_id,
        policy_name=policy_name,
        document=iam.PolicyDocument(statements=statements_to_cdk(rendered.statements)),
    )
    record_provenance(policy, rendered)
    return policy


def _construct_id(template: PolicyTemplate, scope: Construct) -> str:
    base = "Template" + "".join(p.capitalize() for p in re.split(r"[^A-Za-z0-9]+", template.id) if p)
    candidate, n = base, 2
    while scope.node.try_find_child(candidate) is not None:
        candidate, n = f"{base}{n}", n + 1
    return candidate


def grant(
    template: PolicyTemplate,
    grantee: iam.IRole | iam.IUser | iam.IGroup,
    parameters: Mapping[str, Any] | None = None,
    **kwargs: Any,
) -> iam.Policy:
    """Attach the rendered template to ``grantee`` as its own inline policy (one per grant)."""
    _identity_only(template, "grant")
    if not isinstance(grantee, Construct) or not hasattr(grantee, "attach_inline_policy"):
        raise TemplateError(
            f"grant needs an aws_iam role, user or group, got {type(grantee).__name__}", template=template.ref
        )
    policy = to_inline_policy(template, grantee, _construct_id(template, grantee), parameters, **kwargs)
    grantee.attach_inline_policy(policy)
    return policy


def add_to_resource_policy(
    template: PolicyTemplate, resource: Any, parameters: Mapping[str, Any] | None = None, **kwargs: Any
) -> list[Any]:
    """Add a ``resource-policy`` template's statements to a resource's policy (``s3.Bucket``,
    ``sqs.Queue``, ``sns.Topic``, ``kms.Key`` and anything with ``add_to_resource_policy``) and record the
    provenance on the policy resource; returns the ``AddToResourcePolicyResult`` of each statement."""
    if template.policy_type != "RESOURCE_POLICY":
        raise TemplateError(
            f"add_to_resource_policy needs a resource-policy template; this one is a {template.audience} "
            "template (use grant)",
            template=template.ref,
        )
    if not isinstance(resource, Construct) or not hasattr(resource, "add_to_resource_policy"):
        raise TemplateError(
            f"{type(resource).__name__} has no resource policy (add_to_resource_policy)", template=template.ref
        )
    child = resource.node.default_child
    actual = child.cfn_resource_type if isinstance(child, CfnResource) else None
    if actual is not None and template.resource_type and actual != template.resource_type:
        raise TemplateError(
            f"the template is for {template.resource_type}, not {actual} ({resource.node.path})",
            template=template.ref,
        )
    rendered = render_for(template, resource, parameters, **kwargs)
    results = [resource.add_to_resource_policy(st) for st in statements_to_cdk(rendered.statements)]
    # the policy construct the statements went to: Bucket.policy, the Queue/Topic "Policy" child, or the
    # resource itself (a KMS key keeps its policy inline)
    policy = getattr(resource, "policy", None)
    if not isinstance(policy, Construct):
        policy = resource.node.try_find_child("Policy")
    record_provenance(policy if isinstance(policy, Construct) else resource, rendered)
    return results
