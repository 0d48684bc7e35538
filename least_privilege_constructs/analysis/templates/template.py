"""A policy template: a versioned, typed, justified policy with placeholders (pure Python, no CDK import).

Templates are data files (YAML or JSON), not code; see ``docs/templates.md`` for the format. A template
renders to raw JSON here; the CDK methods (:meth:`PolicyTemplate.grant`,
:meth:`PolicyTemplate.to_policy_document`, :meth:`PolicyTemplate.to_managed_policy`, ...) delegate to the
CDK layer's adapter (:mod:`least_privilege_constructs.templates.cdk`), which that layer registers with
:func:`register_cdk_adapter` when ``least_privilege_constructs.templates`` is imported (the core never
imports the CDK layer: the layers are checked by import-linter). ``aws_cdk`` is loaded only when one of
them is called.

Example::

    >>> from least_privilege_constructs.analysis.templates.catalog import TemplateCatalog
    >>> t = TemplateCatalog.builtin().get("app.sqs-send")
    >>> doc = t.render(queue_arn="arn:aws:sqs:eu-west-1:111122223333:orders").document
    >>> doc["Statement"][0]["Resource"]
    'arn:aws:sqs:eu-west-1:111122223333:orders'

In a CDK app::

    role = iam.Role(self, "Worker", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    TemplateCatalog.builtin().get("app.sqs-consume").grant(role, queue_arn=queue.queue_arn)
"""

from __future__ import annotations

import copy
import importlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Any

from least_privilege_constructs.analysis.templates.errors import ParameterError, TemplateError
from least_privilege_constructs.analysis.templates.parameters import ParameterSpec
from least_privilege_constructs.analysis.templates.provenance import Provenance
from least_privilege_constructs.analysis.templates.render import (
    PSEUDO_PARAMETERS,
    RenderContext,
    iter_placeholders,
    render_value,
)
from least_privilege_constructs.analysis.templates.version import Version
from least_privilege_constructs.analysis.validate.registry import (
    RESOURCE_TYPES as VALIDATE_POLICY_RESOURCE_TYPES,
)

if TYPE_CHECKING:  # pragma: no cover
    from aws_cdk import aws_iam
    from constructs import Construct

_cdk_adapter: str | None = None


def register_cdk_adapter(module: str) -> None:
    """Name the module that implements :class:`PolicyTemplate`'s CDK methods (``to_policy_statements``,
    ``to_policy_document``, ``to_managed_policy``, ``to_inline_policy``, ``grant``,
    ``add_to_resource_policy``); the CDK layer registers ``least_privilege_constructs.templates.cdk``."""
    global _cdk_adapter
    _cdk_adapter = module


def _cdk() -> ModuleType:
    if _cdk_adapter is None:
        raise TemplateError(
            "the CDK methods of a policy template need the CDK layer: import least_privilege_constructs.templates "
            "(or least_privilege_constructs) before calling them"
        )
    return importlib.import_module(_cdk_adapter)


AUDIENCES = ("application", "developer", "resource-policy", "boundary", "default")
"""Who a template is for. ``application``: a workload's data-plane access; ``developer``: a human or
pipeline managing resources; ``resource-policy``: a policy attached to a resource; ``boundary``: a
permissions-boundary fragment; ``default``: organization-wide default roles (federation, audit)."""

ACCESS_ANALYZER_RESOURCE_TYPES = frozenset(VALIDATE_POLICY_RESOURCE_TYPES)
"""The resource types ValidatePolicy accepts as ``validatePolicyResourceType`` (one list, in
:mod:`least_privilege_constructs.analysis.validate.registry`)."""
"""The ``validatePolicyResourceType`` values Access Analyzer accepts for resource policies."""

_ID_RE = re.compile(r"[a-z0-9]+(?:[.-][a-z0-9]+)*")
_TEMPLATE_KEYS = frozenset(
    {"id", "version", "audience", "title", "description", "justification", "services", "keywords",
     "resource_type", "parameters", "statements"}
)
_REQUIRED_KEYS = ("id", "version", "audience", "title", "description", "justification", "services", "statements")
_STATEMENT_KEYS = frozenset(
    {"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Principal", "NotPrincipal", "Condition"}
)


@dataclass(frozen=True)
class RenderedPolicy:
    """A rendered template: the policy document plus what produced it (for review and metadata)."""

    document: dict[str, Any]
    template_id: str
    version: str
    audience: str
    policy_type: str
    resource_type: str | None
    parameters: dict[str, Any]
    provenance: Provenance

    @property
    def statements(self) -> list[dict[str, Any]]:
        return self.document["Statement"]

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.document, indent=indent, sort_keys=False)

    def metadata(self) -> dict[str, Any]:
        """The provenance record written into CDK metadata: template, version, repository, commit."""
        return {
            "template": self.template_id,
            "version": self.version,
            "audience": self.audience,
            **self.provenance.to_dict(),
            "parameters": self.parameters,
        }


@dataclass(frozen=True)
class PolicyTemplate:
    """One policy template (see the module docstring and ``docs/templates.md``)."""

    id: str
    version: Version
    audience: str
    title: str
    description: str
    justification: str
    services: tuple[str, ...]
    statements: tuple[dict[str, Any], ...]
    parameters: dict[str, ParameterSpec] = field(default_factory=dict)
    keywords: tuple[str, ...] = ()
    resource_type: str | None = None
    provenance: Provenance = field(default_factory=Provenance)

    def __hash__(self) -> int:
        return hash((self.id, self.version, self.provenance))

    # -- identity ---------------------------------------------------------------------------------
    @property
    def ref(self) -> str:
        """``id@version``."""
        return f"{self.id}@{self.version}"

    @property
    def policy_type(self) -> str:
        """``RESOURCE_POLICY`` for the ``resource-policy`` audience, else ``IDENTITY_POLICY``."""
        return "RESOURCE_POLICY" if self.audience == "resource-policy" else "IDENTITY_POLICY"

    @property
    def validation_resource_type(self) -> str | None:
        """The resource type passed to ValidatePolicy (only those Access Analyzer accepts)."""
        return self.resource_type if self.resource_type in ACCESS_ANALYZER_RESOURCE_TYPES else None

    # -- loading ----------------------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: Any, provenance: Provenance | None = None) -> PolicyTemplate:
        """Build and check a template from its parsed file; raises :class:`TemplateError` naming the
        file, the template and the field."""
        prov = provenance or Provenance()
        source = prov.label() if prov.path else None
        if not isinstance(data, Mapping):
            raise TemplateError(f"a template file must hold a mapping, got {type(data).__name__}", source=source)
        ref = f"{data.get('id', '<no id>')}@{data.get('version', '<no version>')}"

        def fail(message: str, path: str | None = None) -> TemplateError:
            return TemplateError(message, template=ref, source=source, path=path)

        missing = [k for k in _REQUIRED_KEYS if k not in data]
        if missing:
            raise fail(f"missing required field(s): {', '.join(missing)}")
        unknown = sorted(set(data) - _TEMPLATE_KEYS)
        if unknown:
            raise fail(f"unknown field(s) {unknown}; allowed: {sorted(_TEMPLATE_KEYS)}")
        tid = data["id"]
        if not isinstance(tid, str) or not _ID_RE.fullmatch(tid):
            raise fail("id must be lower-case words joined by '.' or '-' (e.g. app.s3-read)", "id")
        try:
            version = Version.parse(data["version"])
        except ValueError as exc:
            raise fail(str(exc), "version") from None
        audience = data["audience"]
        if audience not in AUDIENCES:
            raise fail(f"audience must be one of {', '.join(AUDIENCES)}, got {audience!r}", "audience")
        for key in ("title", "description", "justification"):
            if not isinstance(data[key], str) or not data[key].strip():
                raise fail(f"{key} must be a non-empty string", key)
        services = data["services"]
        if (
            not isinstance(services, list)
            or not services
            or not all(isinstance(s, str) and re.fullmatch(r"[a-z0-9-]+", s) for s in services)
        ):
            raise fail("services must be a non-empty list of service prefixes (e.g. [s3, kms])", "services")
        keywords = data.get("keywords", [])
        if not isinstance(keywords, list) or not all(isinstance(k, str) for k in keywords):
            raise fail("keywords must be a list of strings", "keywords")
        resource_type = data.get("resource_type")
        if audience == "resource-policy":
            if not isinstance(resource_type, str) or not re.fullmatch(r"AWS::\w+::\w+", resource_type):
                raise fail(
                    "a resource-policy template needs resource_type, the CloudFormation type it is attached "
                    "to (e.g. AWS::S3::Bucket)",
                    "resource_type",
                )
        elif resource_type is not None:
            raise fail("resource_type is only allowed for the resource-policy audience", "resource_type")

        raw_params = data.get("parameters") or {}
        if not isinstance(raw_params, Mapping):
            raise fail("parameters must be a mapping of name to parameter", "parameters")
        params: dict[str, ParameterSpec] = {}
        for name, spec in raw_params.items():
            try:
                params[str(name)] = ParameterSpec.from_dict(str(name), spec)
            except ValueError as exc:
                raise fail(str(exc), f"parameters.{name}") from None

        statements = data["statements"]
        if not isinstance(statements, list) or not statements:
            raise fail("statements must be a non-empty list", "statements")
        sids: set[str] = set()
        used: set[str] = set()
        for i, st in enumerate(statements):
            where = f"statements[{i}]"
            if not isinstance(st, Mapping):
                raise fail("a statement must be a mapping", where)
            bad = sorted(set(st) - _STATEMENT_KEYS)
            if bad:
                raise fail(f"unknown statement key(s) {bad}", where)
            if st.get("Effect") not in ("Allow", "Deny"):
                raise fail("Effect must be Allow or Deny", f"{where}.Effect")
            if ("Action" in st) == ("NotAction" in st):
                raise fail("a statement needs exactly one of Action / NotAction", where)
            sid = st.get("Sid")
            if sid is not None:
                if not isinstance(sid, str) or not re.fullmatch(r"[A-Za-z0-9]+", sid):
                    raise fail("Sid must be alphanumeric", f"{where}.Sid")
                if sid in sids:
                    raise fail(f"duplicate Sid {sid!r}", f"{where}.Sid")
                sids.add(sid)
            is_resource_policy = audience == "resource-policy"
            if is_resource_policy != ("Principal" in st or "NotPrincipal" in st):
                raise fail(
                    "resource-policy statements need a Principal"
                    if is_resource_policy
                    else "identity-policy statements must not have a Principal",
                    where,
                )
            for use in iter_placeholders(dict(st), where):
                if use.pseudo:
                    if use.name not in PSEUDO_PARAMETERS:
                        raise fail(
                            f"unknown pseudo parameter {{{{{use.name}}}}}; known: "
                            + ", ".join(f"{{{{{p}}}}}" for p in PSEUDO_PARAMETERS),
                            use.path,
                        )
                    continue
                spec = params.get(use.name)
                if spec is None:
                    hint = (
                        "malformed placeholder"
                        if "{{" in use.name or "}}" in use.name
                        else "unknown placeholder {{" + use.name + "}}"
                    )
                    declared = ", ".join(sorted(params)) or "none"
                    raise fail(f"{hint} (declared parameters: {declared})", use.path)
                used.add(use.name)
                if spec.kind in ("list", "map") and (use.in_key or not use.whole):
                    raise fail(
                        f"{{{{{use.name}}}}} is a {spec.type_label()} parameter; it must be the whole value, "
                        "not part of a string or key",
                        use.path,
                    )
            for key in ("Action", "NotAction"):
                for j, action in enumerate(_as_list(st.get(key))):
                    if not isinstance(action, str):
                        raise fail("actions must be strings", f"{where}.{key}[{j}]")
                    prefix = action.partition(":")[0].lower()
                    if action != "*" and "{{" not in action and prefix not in services:
                        raise fail(
                            f"action {action!r} is of service {prefix!r}, which is not in services {services}",
                            f"{where}.{key}[{j}]",
                        )
        unused = sorted(set(params) - used)
        if unused:
            raise fail(f"parameter(s) declared but never used: {', '.join(unused)}", "parameters")

        return cls(
            id=tid,
            version=version,
            audience=audience,
            title=data["title"].strip(),
            description=" ".join(data["description"].split()),
            justification=" ".join(data["justification"].split()),
            services=tuple(services),
            statements=tuple(copy.deepcopy(dict(s)) for s in statements),
            parameters=params,
            keywords=tuple(keywords),
            resource_type=resource_type,
            provenance=prov,
        )

    # -- parameters -----------------------------------------------------------------------------------
    def example_parameters(self) -> dict[str, Any]:
        """A value for every parameter (declared examples, else the type's example)."""
        return {name: spec.example_value() for name, spec in self.parameters.items()}

    def resolve_parameters(self, values: Mapping[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
        """Check values against the declared parameters (defaults applied); raises :class:`ParameterError`
        naming the template and the parameter."""
        given = {**(values or {}), **kwargs}
        unknown = sorted(set(given) - set(self.parameters))
        if unknown:
            raise ParameterError(
                f"unknown parameter; {self.ref} takes: {', '.join(sorted(self.parameters)) or 'no parameters'}",
                template=self.ref,
                parameter=unknown[0],
            )
        out: dict[str, Any] = {}
        for name, spec in self.parameters.items():
            if name not in given or given[name] is None:
                if spec.default is not None:
                    out[name] = copy.deepcopy(spec.default)
                    continue
                raise ParameterError(
                    f"missing required parameter ({spec.type_label()}: {spec.description or spec.type})",
                    template=self.ref,
                    parameter=name,
                )
            try:
                out[name] = spec.validate(given[name])
            except ValueError as exc:
                raise ParameterError(str(exc), template=self.ref, parameter=name) from None
        return out

    # -- rendering (raw JSON) -----------------------------------------------------------------------
    def render(
        self,
        parameters: Mapping[str, Any] | None = None,
        *,
        context: RenderContext | Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> RenderedPolicy:
        """Fill the parameters and return the policy document with its provenance.

        ``context`` gives the pseudo parameters: a :class:`RenderContext` (raw JSON, default partition
        ``aws`` and account ``123456789012``) or a mapping ``{"AWS::Partition": ..., ...}`` (the CDK glue
        passes the stack's tokens).
        """
        values = self.resolve_parameters(parameters, **kwargs)
        pseudo = (context or RenderContext())
        pseudo_map = pseudo.pseudo() if isinstance(pseudo, RenderContext) else dict(pseudo)
        try:
            statements = [render_value(copy.deepcopy(st), values, pseudo_map) for st in self.statements]
        except KeyError as exc:
            raise TemplateError(f"no value for placeholder {{{{{exc.args[0]}}}}}", template=self.ref) from None
        return RenderedPolicy(
            document={"Version": "2012-10-17", "Statement": statements},
            template_id=self.id,
            version=str(self.version),
            audience=self.audience,
            policy_type=self.policy_type,
            resource_type=self.resource_type,
            parameters=values,
            provenance=self.provenance,
        )

    def render_statements(
        self,
        parameters: Mapping[str, Any] | None = None,
        *,
        context: RenderContext | Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> list[dict[str, Any]]:
        """The rendered statements only, to merge into another policy (a boundary, a developer role).

        Unlike :meth:`render`, the default ``context`` is :meth:`RenderContext.cloudformation`: pseudo
        parameters stay ``${AWS::Partition}``/``${AWS::AccountId}``/... so the statements are right in any
        account once wrapped in ``Fn::Sub`` (:func:`~least_privilege_constructs.analysis.templates.render.to_cloudformation`
        or ``Fn.sub``), never silently bound to the example account.
        """
        ctx = RenderContext.cloudformation() if context is None else context
        return self.render(parameters, context=ctx, **kwargs).statements

    def render_example(self, context: RenderContext | None = None) -> RenderedPolicy:
        """Render with :meth:`example_parameters` (what ``lint`` and the docs use)."""
        return self.render(self.example_parameters(), context=context)

    # -- CDK (the CDK layer's adapter: imports aws_cdk only when called) ------------------------------
    def to_policy_statements(
        self, scope: Construct, parameters: Mapping[str, Any] | None = None, **kwargs: Any
    ) -> list[aws_iam.PolicyStatement]:
        """The rendered statements as ``aws_iam.PolicyStatement`` objects, pseudo parameters as the
        stack's tokens."""
        return _cdk().to_policy_statements(self, scope, parameters, **kwargs)

    def to_policy_document(
        self, scope: Construct, parameters: Mapping[str, Any] | None = None, **kwargs: Any
    ) -> aws_iam.PolicyDocument:
        """An ``aws_iam.PolicyDocument`` (for a role's inline policies, a resource policy, a boundary)."""
        return _cdk().to_policy_document(self, scope, parameters, **kwargs)

    def to_managed_policy(
        self,
        scope: Construct,
        construct_id: str,
        parameters: Mapping[str, Any] | None = None,
        *,
        managed_policy_name: str | None = None,
        **kwargs: Any,
    ) -> aws_iam.ManagedPolicy:
        """A customer-managed policy with the template's provenance in its CloudFormation metadata."""
        return _cdk().to_managed_policy(
            self, scope, construct_id, parameters, managed_policy_name=managed_policy_name, **kwargs
        )

    def to_inline_policy(
        self,
        scope: Construct,
        construct_id: str,
        parameters: Mapping[str, Any] | None = None,
        *,
        policy_name: str | None = None,
        **kwargs: Any,
    ) -> aws_iam.Policy:
        """An inline ``aws_iam.Policy`` (attach it with ``role.attach_inline_policy``)."""
        return _cdk().to_inline_policy(self, scope, construct_id, parameters, policy_name=policy_name, **kwargs)

    def grant(
        self, grantee: aws_iam.IRole | aws_iam.IUser | aws_iam.IGroup,
        parameters: Mapping[str, Any] | None = None, **kwargs: Any,
    ) -> aws_iam.Policy:
        """Grant this template to a role, user or group as its own inline policy (named after the
        template, with provenance metadata) and return that policy."""
        return _cdk().grant(self, grantee, parameters, **kwargs)

    def add_to_resource_policy(
        self, resource: Any, parameters: Mapping[str, Any] | None = None, **kwargs: Any
    ) -> list[Any]:
        """Add this resource-policy template to a bucket's, queue's, topic's or key's policy, with the
        provenance recorded on the policy resource (``res.*`` templates)."""
        return _cdk().add_to_resource_policy(self, resource, parameters, **kwargs)

    # -- description -------------------------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "version": str(self.version),
            "audience": self.audience,
            "services": list(self.services),
            "title": self.title,
            "repository": self.provenance.repository,
        }

    def to_dict(self) -> dict[str, Any]:
        """The template in its file format (plus provenance), for ``lpc templates show``."""
        out: dict[str, Any] = {
            "id": self.id,
            "version": str(self.version),
            "audience": self.audience,
            "title": self.title,
            "description": self.description,
            "justification": self.justification,
            "services": list(self.services),
        }
        if self.keywords:
            out["keywords"] = list(self.keywords)
        if self.resource_type:
            out["resource_type"] = self.resource_type
        out["parameters"] = {n: p.to_dict() for n, p in self.parameters.items()}
        out["statements"] = [copy.deepcopy(s) for s in self.statements]
        out["provenance"] = self.provenance.to_dict()
        return out

    def search_text(self) -> str:
        actions = [str(a) for st in self.statements for key in ("Action", "NotAction") for a in _as_list(st.get(key))]
        parts = [self.id, self.audience, self.title, self.description, self.justification,
                 *self.services, *self.keywords, *self.parameters, *actions]
        return " ".join(parts).lower()


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]
