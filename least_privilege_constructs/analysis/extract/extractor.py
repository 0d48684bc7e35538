"""Walk inputs (cloud assemblies, templates, policy files) and build an :class:`Extraction`.

Three phases over every template found (top-level stacks, nested stacks, StackSet templates, stages):

1. principals: every ``AWS::IAM::Role`` / ``User`` / ``Group``, with names and ARNs resolved;
2. policies: every policy of :func:`~.resources.policy_specs`, resolved, attached to the principals
   it names (by ``Ref`` to the logical id or by resolved name, across stacks);
3. links: managed policy ARNs and permissions boundaries matched to the managed policies of the
   input by ARN (AWS managed and external ones are kept by ARN), users matched to their groups.

Every problem becomes an extraction finding (a blocking ERROR naming file, stack, logical id and JSON
path); nothing raises for bad input.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from least_privilege_constructs.analysis.assembly import (
    MANIFEST_FILE,
    AssemblyError,
    AssetIndex,
    child_template_file,
    is_cloud_assembly,
    read_assembly,
    read_assets,
    stack_set_template,
)
from least_privilege_constructs.analysis.extract.identities import generated_name
from least_privilege_constructs.analysis.extract.intrinsics import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    AssemblyContext,
    StackContext,
    Unresolvable,
)
from least_privilege_constructs.analysis.extract.loader import (
    DEFAULT_MAX_BYTES,
    LoadError,
    load_file_with_spans,
    parse_text,
)
from least_privilege_constructs.analysis.extract.model import (
    ExtractedPolicy,
    Extraction,
    PolicyKind,
    Principal,
    PrincipalKind,
    SkippedItem,
    TemplateInfo,
)
from least_privilege_constructs.analysis.extract.resources import PolicySpec, policy_specs
from least_privilege_constructs.analysis.findings import (
    Finding,
    FindingType,
    JsonPath,
    PathElement,
    PolicyOrigin,
    PolicyType,
    format_path,
)
from least_privilege_constructs.analysis.iam.arn import Arn
from least_privilege_constructs.analysis.iam.identity_center import SSO_ROLE_PATH, SSO_ROLE_PREFIX
from least_privilege_constructs.analysis.model.spans import SourceLocation, SourceSpans

CHECK = "extraction"
TEMPLATE_SUFFIXES = (".json", ".yaml", ".yml", ".template")
_MAX_NESTING = 16
_PRINCIPAL_TYPES = {
    "AWS::IAM::Role": PrincipalKind.ROLE,
    "AWS::IAM::User": PrincipalKind.USER,
    "AWS::IAM::Group": PrincipalKind.GROUP,
    # the role IAM Identity Center provisions for a permission set in each assigned account (below)
    "AWS::SSO::PermissionSet": PrincipalKind.ROLE,
}


@dataclass
class ExtractionOptions:
    """How to read the inputs.

    ``account``/``region`` stand in for ``AWS::AccountId``/``AWS::Region`` when a stack's environment is
    not known (CDK's environment-agnostic stacks); a stack artifact with a concrete environment uses
    its own. StackSet templates are deployed elsewhere: ``stack_set_account``/``stack_set_region``
    (default: ``account`` and the parent's region). ``parameters`` gives values for template parameters
    (by name, for every top-level template). ``document_policy_type`` is the policy type of plain policy
    files (default: ``RESOURCE_POLICY`` when a statement names a ``Principal``, else ``IDENTITY_POLICY``).
    """

    account: str = DEFAULT_ACCOUNT
    region: str = DEFAULT_REGION
    parameters: dict[str, Any] = field(default_factory=dict)
    stack_set_account: str | None = None
    stack_set_region: str | None = None
    document_policy_type: PolicyType | str | None = None
    document_resource_type: str | None = None
    max_file_bytes: int = DEFAULT_MAX_BYTES
    exports: dict[str, str] = field(default_factory=dict)
    """Values of ``Fn::ImportValue`` exports no stack of the input defines (the ``exports`` setting)."""


@dataclass
class _Unit:
    ctx: StackContext
    source: str
    stack: str | None
    kind: str
    base_dir: Path | None
    assets: AssetIndex | None
    json_prefix: str = ""
    ancestry: tuple[str, ...] = ()
    construct_paths: dict[str, str] = field(default_factory=dict)
    spans: SourceSpans | None = None
    """Line and column of everything in the file, by JSON path (``span_prefix`` + the template's path)."""
    span_prefix: tuple[PathElement, ...] = ()


def _load_error_origin(origin: PolicyOrigin, exc: LoadError) -> PolicyOrigin:
    """``origin`` pointing at the line and column of a parse error or a duplicate key, when known."""
    if exc.line is None or origin.source not in exc.message:
        return origin
    return dataclasses.replace(origin, location=SourceLocation.at(exc.line, exc.column or 1))


@dataclass
class _Pending:
    principal: Principal
    unit: _Unit
    logical_id: str
    managed_arns: Any = None
    boundary: Any = None
    groups: Any = None


class Extractor:
    """Accumulates templates from any number of inputs, then :meth:`finish` builds the extraction."""

    def __init__(self, options: ExtractionOptions | None = None) -> None:
        self.options = options or ExtractionOptions()
        self.result = Extraction()
        self.assembly = AssemblyContext(self.options.exports)
        self.units: list[_Unit] = []
        self._seen: set[str] = set()
        self._by_lid: dict[tuple[int, str], Principal] = {}
        self._by_name: dict[tuple[PrincipalKind, str], Principal] = {}
        self._external: dict[tuple[PrincipalKind, str], Principal] = {}
        self._pending: list[_Pending] = []
        self._exists_cache: dict[tuple[int, str], bool] = {}
        self._deferred: list[Path] = []

    # --- findings ---------------------------------------------------------------------------------------------
    def _finding(self, code: str, message: str, origin: PolicyOrigin, locations: list[JsonPath] | None = None) -> None:
        self.result.findings.append(
            Finding(FindingType.ERROR, code, message, locations=locations or [], origin=origin, check=CHECK)
        )

    def _origin(self, unit: _Unit, logical_id: str | None = None, path: Sequence[PathElement] | None = None,
                **extra: Any) -> PolicyOrigin:
        construct_path = None
        if logical_id is not None:
            resource = unit.ctx.resources.get(logical_id)
            meta = resource.get("Metadata") if isinstance(resource, dict) else None
            if isinstance(meta, dict) and isinstance(meta.get("aws:cdk:path"), str):
                construct_path = meta["aws:cdk:path"]
            else:
                construct_path = unit.construct_paths.get(logical_id)
        json_path = format_path(path) if path else None
        if json_path and unit.json_prefix:
            json_path = f"{unit.json_prefix} > {json_path}"
        elif unit.json_prefix and not json_path:
            json_path = unit.json_prefix
        descend = bool(extra.pop("descend", True))
        location = SourceLocation(unit.spans, (*unit.span_prefix, *(path or ())), descend=descend) \
            if unit.spans is not None else None
        return PolicyOrigin(source=unit.source, stack=unit.stack, logical_id=logical_id,
                            construct_path=construct_path, json_path=json_path, location=location, **extra)

    # --- inputs -----------------------------------------------------------------------------------------------
    def add_path(self, path: str | os.PathLike[str]) -> None:
        """Add a ``cdk.out`` directory, a directory of templates, a template or a policy file."""
        p = Path(path)
        if not p.exists():
            self._finding("FILE_NOT_FOUND", f"{p}: no such file or directory", PolicyOrigin(source=str(p)))
        elif p.is_dir():
            if is_cloud_assembly(p):
                self.add_assembly(p)
            else:
                self._add_directory(p)
        elif p.name == MANIFEST_FILE:
            self.add_assembly(p.parent)
        elif p.name.endswith(".nested.template.json"):
            # a nested stack's template: read through its parent when the parent is an input too (its
            # parameters come from the parent); alone only if no parent includes it
            self._deferred.append(p)
        else:
            self.add_file(p)

    def _add_directory(self, directory: Path) -> None:
        found = False
        for root, dirs, files in os.walk(directory):
            root_path = Path(root)
            if is_cloud_assembly(root_path):
                self.add_assembly(root_path)
                dirs[:] = []
                found = True
                continue
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "node_modules")
            for name in sorted(files):
                if name.lower().endswith(TEMPLATE_SUFFIXES) and not name.startswith("."):
                    self.add_file(root_path / name, explicit=False)
                    found = True
        if not found:
            self._finding("NO_INPUT_FOUND", f"{directory}: no cloud assembly, template or policy file in it",
                          PolicyOrigin(source=str(directory)))

    def add_assembly(self, directory: Path, depth: int = 0) -> None:
        key = os.path.realpath(directory)
        if key in self._seen:
            return
        self._seen.add(key)
        origin = PolicyOrigin(source=str(directory / MANIFEST_FILE))
        if depth > _MAX_NESTING:
            self._finding("INVALID_MANIFEST", f"{directory}: cloud assemblies nested too deep", origin)
            return
        try:
            assembly = read_assembly(directory)
        except AssemblyError as exc:
            self._finding(exc.code, exc.message, dataclasses.replace(origin, json_path=exc.json_path or None))
            return
        for problem in assembly.problems:
            self._finding(problem.code, str(problem), dataclasses.replace(origin, json_path=problem.json_path or None))
        assets = assembly.assets
        for stack in assembly.stacks:
            try:
                template, spans = load_file_with_spans(stack.template_file, self.options.max_file_bytes)
            except LoadError as exc:
                self._finding(exc.code, exc.message, _load_error_origin(
                    PolicyOrigin(source=str(stack.template_file), stack=stack.display_name), exc))
                continue
            self._seen.add(os.path.realpath(stack.template_file))
            unit = self.add_template(
                template, source=str(stack.template_file), stack=stack.display_name, stack_name=stack.stack_name,
                account=stack.account or self.options.account, region=stack.region or self.options.region,
                kind="stack", base_dir=directory, assets=assets, parameters=dict(self.options.parameters),
                spans=spans,
            )
            if unit is not None:
                unit.construct_paths = stack.construct_paths
        for sub in assembly.nested_directories:
            self.add_assembly(sub, depth + 1)

    def add_file(self, path: Path, explicit: bool = True) -> None:
        """Add a template or policy file. A file found by walking a directory (``explicit=False``) that is
        neither (``package.json``, ``tsconfig.json``, ...) is recorded as skipped, not as a finding."""
        key = os.path.realpath(path)
        if key in self._seen:
            return
        self._seen.add(key)
        origin = PolicyOrigin(source=str(path))
        try:
            data, spans = load_file_with_spans(path, self.options.max_file_bytes)
        except LoadError as exc:
            self._finding(exc.code, exc.message, _load_error_origin(origin, exc))
            return
        if isinstance(data, dict) and ("Resources" in data or "AWSTemplateFormatVersion" in data):
            stem = path.name.split(".template.")[0] if ".template." in path.name else path.stem
            assets = read_assets(path.parent) if any(path.parent.glob("*.assets.json")) else None
            self.add_template(data, source=str(path), stack=stem, stack_name=_stack_name(stem),
                              account=self.options.account, region=self.options.region, kind="template",
                              base_dir=path.parent, assets=assets, parameters=dict(self.options.parameters),
                              spans=spans)
        elif isinstance(data, dict) and "Statement" in data:
            self.add_document(data, source=str(path), spans=spans)
        elif isinstance(data, dict) and "artifacts" in data and "version" in data:
            self.add_assembly(path.parent)
        elif not explicit:
            self.result.skipped.append(SkippedItem(origin, "neither a CloudFormation template nor a policy document"))
        else:
            what = type(data).__name__ if not isinstance(data, dict) else "object without Resources or Statement"
            self._finding("INVALID_TEMPLATE",
                          f"{path}: neither a CloudFormation template nor a policy document (top level is "
                          f"{'a ' + what if not isinstance(data, dict) else 'an ' + what})", origin)

    def add_document(self, document: dict[str, Any], source: str, spans: SourceSpans | None = None) -> None:
        """Add a plain policy document (no template around it); ``spans`` locates it in ``source``."""
        if self.options.document_policy_type:
            ptype = PolicyType.parse(self.options.document_policy_type)
        else:
            ptype = PolicyType.RESOURCE_POLICY if _names_principal(document) else PolicyType.IDENTITY_POLICY
        origin = PolicyOrigin(source=source, policy_type=ptype.value, resource_type=self.options.document_resource_type,
                              policy_name=Path(source).stem,
                              location=SourceLocation(spans) if spans is not None else None)
        self.result.templates.append(TemplateInfo(source=source, stack=None, kind="policy"))
        self.result.policies.append(ExtractedPolicy(document=document, policy_type=ptype, origin=origin,
                                                    kind=PolicyKind.DOCUMENT,
                                                    resource_type=self.options.document_resource_type,
                                                    account=self.options.account))

    def add_template(self, template: Any, *, source: str, stack: str | None, stack_name: str, account: str,
                     region: str, kind: str, base_dir: Path | None, assets: AssetIndex | None,
                     parameters: dict[str, Any], json_prefix: str = "", parent: str | None = None,
                     ancestry: tuple[str, ...] = (), spans: SourceSpans | None = None,
                     span_prefix: tuple[PathElement, ...] = ()) -> _Unit | None:
        """Add one template (a parsed dict) and every nested stack / StackSet template it carries.
        ``spans`` (with ``span_prefix``, the template's path in that file) gives findings their line and
        column."""
        origin = PolicyOrigin(source=source, stack=stack, json_path=json_prefix or None)
        if not isinstance(template, dict):
            self._finding("INVALID_TEMPLATE", f"{source}: the template is a {type(template).__name__}, "
                          "expected an object", origin)
            return None
        resources = template.get("Resources")
        if resources is not None and not isinstance(resources, dict):
            self._finding("INVALID_TEMPLATE", f"{source}: Resources is a {type(resources).__name__}, expected an "
                          "object", PolicyOrigin(source=source, stack=stack, json_path="Resources"))
            return None
        transforms = template.get("Transform")
        for transform in transforms if isinstance(transforms, list) else [transforms]:
            if transform is not None and transform != "AWS::LanguageExtensions":
                self._finding("UNSUPPORTED_TRANSFORM",
                              f"{source}: Transform {_short(transform)} is not expanded offline; resources it "
                              "creates (and their policies) are not analysed. Validate the processed template "
                              "(aws cloudformation get-template --template-stage Processed) instead.",
                              PolicyOrigin(source=source, stack=stack, json_path="Transform"))
        for key in (resources or {}):
            if str(key).startswith("Fn::ForEach"):
                self._finding("UNRESOLVABLE_INTRINSIC",
                              f"{source}: Resources.{key}: Fn::ForEach is not expanded offline; the resources it "
                              "creates are not analysed", PolicyOrigin(source=source, stack=stack,
                                                                       json_path=f"Resources.{key}"))
        for key, resource in (resources or {}).items():
            if str(key).startswith("Fn::ForEach") or not isinstance(resource, dict):
                continue
            if resource_type(resource) is None:
                rtype_value = resource.get("Type")
                what = "missing" if rtype_value is None else f"a {_json_kind(rtype_value)}"
                hint = (" (a Rain module reference: run `rain pkg` and analyse the packaged template)"
                        if isinstance(rtype_value, dict) else "")
                self._finding("UNSUPPORTED_TEMPLATE_CONSTRUCT",
                              f"{source}: Resources.{key}.Type is {what}, expected a resource type string"
                              f"{hint}; the resource is not analysed",
                              PolicyOrigin(source=source, stack=stack,
                                           json_path=_joined(json_prefix, f"Resources.{key}.Type")))
        try:
            ctx = StackContext(template, stack_name=stack_name, account=account, region=region,
                               parameters=parameters, assembly=self.assembly)
        except Exception as exc:  # fail closed: an unreadable template is a finding, never a crash
            self._finding("UNSUPPORTED_TEMPLATE_CONSTRUCT",
                          f"{source}: the template cannot be read ({type(exc).__name__}: {exc}); its policies are "
                          "not analysed", origin)
            return None
        unit = _Unit(ctx, source, stack, kind, base_dir, assets, json_prefix, (*ancestry, source), spans=spans,
                     span_prefix=span_prefix)
        self.units.append(unit)
        self.result.templates.append(TemplateInfo(source=source, stack=stack, kind=kind, parent=parent,
                                                  account=account, region=region))
        for logical_id, resource in ctx.resources.items():
            if not isinstance(resource, dict):
                continue
            rtype = resource.get("Type")
            if rtype not in ("AWS::CloudFormation::Stack", "AWS::CloudFormation::StackSet"):
                continue
            try:
                if not self._exists(unit, logical_id):
                    continue
                if rtype == "AWS::CloudFormation::Stack":
                    self._add_nested_stack(unit, logical_id, resource)
                else:
                    self._add_stack_set(unit, logical_id, resource)
            except Exception as exc:  # fail closed, never crash on a strange template
                self._finding("EXTRACTION_FAILED", f"{logical_id}: could not read the child template: {exc!r}",
                              self._origin(unit, logical_id, ["Resources", logical_id]))
        return unit

    def _exists(self, unit: _Unit, logical_id: str) -> bool:
        """Whether a resource is created (its Condition holds); records skipped resources once."""
        key = (id(unit), logical_id)
        if key not in self._exists_cache:
            self._exists_cache[key] = self._evaluate_exists(unit, logical_id)
        return self._exists_cache[key]

    def _evaluate_exists(self, unit: _Unit, logical_id: str) -> bool:
        try:
            exists = unit.ctx.resource_exists(logical_id)
        except Unresolvable as exc:
            self._finding("UNRESOLVABLE_CONDITION", f"{logical_id}: its Condition cannot be evaluated: {exc}",
                          self._origin(unit, logical_id, ["Resources", logical_id, "Condition"]))
            return True  # fail closed: analyse it as if it existed
        if not exists:
            resource = unit.ctx.resources[logical_id]
            self.result.skipped.append(SkippedItem(
                self._origin(unit, logical_id, ["Resources", logical_id]),
                f"condition {resource.get('Condition')} is false: the resource is not created"))
        return exists

    def _child_file(self, unit: _Unit, resource: dict[str, Any], url: Any) -> Path | None:
        return child_template_file(resource, unit.base_dir, unit.assets) if url is not None else None

    def _add_nested_stack(self, unit: _Unit, logical_id: str, resource: dict[str, Any]) -> None:
        props = as_dict(resource.get("Properties"))
        url = props.get("TemplateURL")
        path = ["Resources", logical_id, "Properties", "TemplateURL"]
        file = self._child_file(unit, resource, url)
        if file is None:
            self._finding("NESTED_TEMPLATE_NOT_FOUND",
                          f"{logical_id}: the nested stack's template ({_short(url)}) is not in the input; its "
                          "policies cannot be analysed", self._origin(unit, logical_id, path))
            return
        if str(file) in unit.ancestry or len(unit.ancestry) > _MAX_NESTING:
            self._finding("CIRCULAR_REFERENCE", f"{logical_id}: nested stack template {file} includes itself",
                          self._origin(unit, logical_id, path))
            return
        try:
            template, spans = load_file_with_spans(file, self.options.max_file_bytes)
        except LoadError as exc:
            self._finding(exc.code, exc.message, self._origin(unit, logical_id, path))
            return
        self._seen.add(os.path.realpath(file))
        raw_params = as_dict(props.get("Parameters"))
        parameters = {name: _lazy(unit.ctx, value) for name, value in raw_params.items()}
        label = f"{unit.stack}/{logical_id}" if unit.stack else logical_id
        child = self.add_template(
            template, source=str(file), stack=label, stack_name=generated_name(unit.ctx, logical_id, 128),
            account=unit.ctx.account, region=unit.ctx.region, kind="nested-stack", base_dir=unit.base_dir,
            assets=unit.assets, parameters=parameters, parent=label, ancestry=unit.ancestry, spans=spans)
        if child is not None:
            unit.ctx.nested_stacks[logical_id] = child.ctx

    def _add_stack_set(self, unit: _Unit, logical_id: str, resource: dict[str, Any]) -> None:
        props = as_dict(resource.get("Properties"))
        child_template = stack_set_template(logical_id, resource, unit.base_dir, unit.assets)
        body = child_template.body
        url = props.get("TemplateURL")
        base = ["Resources", logical_id, "Properties"]
        source = unit.source
        json_prefix = ""
        # an inline body is located in the parent's file (a string body: at the TemplateBody value)
        spans, span_prefix = unit.spans, (*unit.span_prefix, *base, "TemplateBody")
        if body is not None:
            where = [*base, "TemplateBody"]
            json_prefix = format_path(where) if not unit.json_prefix else f"{unit.json_prefix} > {format_path(where)}"
            if isinstance(body, dict) and len(body) == 1 and (next(iter(body)) == "Ref" or
                                                              str(next(iter(body))).startswith("Fn::")):
                try:
                    body = unit.ctx.eval_strict(body)
                except Unresolvable as exc:
                    self._finding("UNRESOLVABLE_INTRINSIC", f"{logical_id}: TemplateBody: {exc}",
                                  self._origin(unit, logical_id, where))
                    return
            if len(unit.ancestry) > _MAX_NESTING:
                self._finding("CIRCULAR_REFERENCE", f"{logical_id}: StackSet templates nested too deep",
                              self._origin(unit, logical_id, where))
                return
            if isinstance(body, str):
                try:
                    template = parse_text(body, f"{unit.source} ({format_path(where)})")
                except LoadError as exc:
                    self._finding(exc.code, exc.message, self._origin(unit, logical_id, where))
                    return
            else:
                template = body
        elif url is not None:
            file = child_template.file
            if file is None:
                self._finding("STACK_SET_TEMPLATE_NOT_FOUND",
                              f"{logical_id}: the StackSet's template ({_short(url)}) is not in the input; its "
                              "policies cannot be analysed", self._origin(unit, logical_id, [*base, "TemplateURL"]))
                return
            if str(file) in unit.ancestry or len(unit.ancestry) > _MAX_NESTING:
                self._finding("CIRCULAR_REFERENCE", f"{logical_id}: StackSet template {file} includes itself",
                              self._origin(unit, logical_id, [*base, "TemplateURL"]))
                return
            try:
                template, spans = load_file_with_spans(file, self.options.max_file_bytes)
            except LoadError as exc:
                self._finding(exc.code, exc.message, self._origin(unit, logical_id, [*base, "TemplateURL"]))
                return
            span_prefix = ()
            self._seen.add(os.path.realpath(file))
            source = str(file)
        else:
            self._finding("STACK_SET_TEMPLATE_NOT_FOUND", f"{logical_id}: the StackSet has neither TemplateBody nor "
                          "TemplateURL", self._origin(unit, logical_id, base))
            return
        parameters: dict[str, Any] = {}
        raw_params = props.get("Parameters")
        if isinstance(raw_params, list):
            for item in raw_params:
                if isinstance(item, dict) and isinstance(item.get("ParameterKey"), str):
                    parameters[item["ParameterKey"]] = _lazy(unit.ctx, item.get("ParameterValue"))
        name = props.get("StackSetName")
        set_name = name if isinstance(name, str) else logical_id
        label = f"{unit.stack}/{logical_id}" if unit.stack else logical_id
        self.add_template(
            template, source=source, stack=label, stack_name=f"StackSet-{set_name}"[:100],
            account=self.options.stack_set_account or self.options.account,
            region=self.options.stack_set_region or unit.ctx.region, kind="stack-set", base_dir=unit.base_dir,
            assets=unit.assets, parameters=parameters, json_prefix=json_prefix, parent=label,
            ancestry=unit.ancestry, spans=spans, span_prefix=span_prefix)

    # --- phases -----------------------------------------------------------------------------------------------
    def finish(self) -> Extraction:
        """Index exports, build principals, extract policies, link them; returns the extraction."""
        for path in self._deferred:
            self.add_file(path)
        self._deferred = []
        self._index_exports()
        additions: list[tuple[_Unit, str, dict[str, Any]]] = []
        for unit in self.units:
            for logical_id, resource in unit.ctx.resources.items():
                if isinstance(resource, dict) and resource_type(resource) in _PRINCIPAL_TYPES:
                    self._guarded(unit, logical_id, lambda u=unit, lid=logical_id, r=resource:
                                  self._add_principal(u, lid, r))
                elif isinstance(resource, dict) and resource_type(resource) == "AWS::IAM::UserToGroupAddition":
                    additions.append((unit, logical_id, resource))
        for unit in self.units:
            for logical_id, resource in unit.ctx.resources.items():
                if str(logical_id).startswith("Fn::ForEach"):
                    continue  # reported when the template was added
                if not isinstance(resource, dict):
                    self._finding("INVALID_TEMPLATE", f"{logical_id}: the resource is not an object",
                                  self._origin(unit, None, ["Resources", logical_id]))
                    continue
                if resource_type(resource) is None:
                    continue  # reported when the template was added
                self._guarded(unit, logical_id, lambda u=unit, lid=logical_id, r=resource:
                              self._add_policies(u, lid, r))
        self._link()
        for unit, logical_id, resource in additions:
            self._guarded(unit, logical_id, lambda u=unit, lid=logical_id, r=resource:
                          self._add_user_to_group(u, lid, r))
        return self.result

    def _add_user_to_group(self, unit: _Unit, logical_id: str, resource: dict[str, Any]) -> None:
        """``AWS::IAM::UserToGroupAddition``: users join a group (the group's policies apply to them)."""
        if not self._exists(unit, logical_id):
            return
        props = as_dict(resource.get("Properties"))
        origin = self._origin(unit, logical_id, ["Resources", logical_id, "Properties"])
        group = self._principal_for(unit, PrincipalKind.GROUP, props.get("GroupName"), origin)
        users = props.get("Users")
        for raw_user in users if isinstance(users, list) else [users]:
            user = self._principal_for(unit, PrincipalKind.USER, raw_user, origin)
            if group is None or user is None:
                continue
            if group.key not in user.groups:
                user.groups.append(group.key)
            if user.key not in group.members:
                group.members.append(user.key)

    def _guarded(self, unit: _Unit, logical_id: str, fn: Any) -> None:
        try:
            fn()
        except Exception as exc:  # fail closed: a bug or a strange template is a finding, not a crash
            self._finding("EXTRACTION_FAILED", f"{logical_id}: could not be analysed: {exc!r}",
                          self._origin(unit, logical_id, ["Resources", logical_id]))

    def _index_exports(self) -> None:
        from least_privilege_constructs.analysis.extract.intrinsics import ExportEntry

        for unit in self.units:
            for output_id, output in unit.ctx.section("Outputs").items():
                export = output.get("Export") if isinstance(output, dict) else None
                if not isinstance(export, dict) or "Name" not in export:
                    continue
                try:
                    name = unit.ctx.eval_strict(export["Name"])
                except (Unresolvable, RecursionError) as exc:
                    self.result.skipped.append(SkippedItem(
                        self._origin(unit, None, ["Outputs", output_id, "Export", "Name"]),
                        f"export name cannot be resolved ({exc}); imports of it cannot be resolved"))
                    continue
                self.assembly.exports[str(name)] = ExportEntry(unit.ctx, output_id)
        for name, entry in self.assembly.exports.items():
            try:
                value = self.assembly.import_value(name)
            except (Unresolvable, RecursionError) as exc:
                self.result.skipped.append(SkippedItem(PolicyOrigin(stack=entry.context.stack_name,
                                                                    json_path=f"Outputs.{entry.output_id}"),
                                                       f"export {name}: value cannot be resolved ({exc})"))
                continue
            self.result.exports[name] = value if isinstance(value, str) else json.dumps(value)

    def _resolve_quiet(self, unit: _Unit, value: Any) -> tuple[Any, list[tuple[JsonPath, str]]]:
        resolution = unit.ctx.resolve(value)
        return resolution.value, resolution.problems

    def _add_principal(self, unit: _Unit, logical_id: str, resource: dict[str, Any]) -> None:
        if not self._exists(unit, logical_id):
            return
        kind = _PRINCIPAL_TYPES[str(resource_type(resource))]
        props = as_dict(resource.get("Properties"))
        if resource_type(resource) == "AWS::SSO::PermissionSet":
            self._add_permission_set(unit, logical_id, props)
            return
        problems: list[str] = []
        try:
            name = str(unit.ctx.ref(logical_id))
        except Unresolvable as exc:
            problems.append(f"name: {exc}")
            name = logical_id
        try:
            arn = str(unit.ctx.get_att(logical_id, "Arn"))
        except Unresolvable as exc:
            problems.append(f"ARN: {exc}")
            arn = f"arn:{unit.ctx.partition}:iam::{unit.ctx.account}:{kind.value}/{name}"
        path_value, _ = self._resolve_quiet(unit, props.get("Path", "/"))
        principal = Principal(kind=kind, name=name, arn=arn, path=str(path_value or "/"), source=unit.source,
                              stack=unit.stack, logical_id=logical_id,
                              construct_path=self._origin(unit, logical_id).construct_path,
                              has_login_profile=kind is PrincipalKind.USER and props.get("LoginProfile") is not None)
        for problem in problems:
            self._finding("UNRESOLVABLE_INTRINSIC", f"{logical_id}: {problem}",
                          self._origin(unit, logical_id, ["Resources", logical_id, "Properties"]))
        tags, tag_problems = self._resolve_quiet(unit, props.get("Tags", []))
        if isinstance(tags, list) and not tag_problems:
            principal.tags = {str(t["Key"]): str(t["Value"]) for t in tags
                              if isinstance(t, dict) and "Key" in t and "Value" in t}
        self.result.principals.append(principal)
        self._by_lid[(id(unit), logical_id)] = principal
        self._by_name.setdefault((kind, name), principal)
        self._pending.append(_Pending(principal, unit, logical_id, props.get("ManagedPolicyArns"),
                                      props.get("PermissionsBoundary"), props.get("Groups")))

    def _add_permission_set(self, unit: _Unit, logical_id: str, props: dict[str, Any]) -> None:
        """An IAM Identity Center permission set, as the role it provisions in an assigned account:
        ``AWSReservedSSO_<name>_<suffix>`` under ``/aws-reserved/sso.amazonaws.com/``
        (https://docs.aws.amazon.com/singlesignon/latest/userguide/referencingpermissionsets.html), with
        the inline policy, the AWS managed policies, the customer managed policies and the boundary
        referenced by name and path in that account
        (https://docs.aws.amazon.com/singlesignon/latest/userguide/permissionsboundary.html).

        The assigned accounts are not in the permission set: the role is modelled in the template's
        account, and its ARN lacks the random suffix."""
        origin = self._origin(unit, logical_id, ["Resources", logical_id, "Properties"])
        name, problems = self._resolve_quiet(unit, props.get("Name"))
        if problems or not isinstance(name, str):
            self._finding("UNRESOLVABLE_INTRINSIC", f"{logical_id}: the permission set's name", origin)
            name = logical_id
        prefix = f"arn:{unit.ctx.partition}:iam::{unit.ctx.account}:"
        role_name = f"{SSO_ROLE_PREFIX}{name}"
        principal = Principal(kind=PrincipalKind.ROLE, name=role_name, arn=f"{prefix}role{SSO_ROLE_PATH}{role_name}",
                              path=SSO_ROLE_PATH, source=unit.source, stack=unit.stack, logical_id=logical_id,
                              construct_path=origin.construct_path)

        def policy_arn(ref: Any) -> str | None:
            value, ref_problems = self._resolve_quiet(unit, ref)
            if ref_problems or not isinstance(value, dict) or not isinstance(value.get("Name"), str):
                self._finding("UNRESOLVABLE_INTRINSIC", f"{logical_id}: a customer managed policy reference", origin)
                return None
            path = value.get("Path") if isinstance(value.get("Path"), str) else "/"
            return f"{prefix}policy{path}{value['Name']}"

        managed: list[Any] = list(props.get("ManagedPolicies") or [])
        managed.extend(a for a in map(policy_arn, props.get("CustomerManagedPolicyReferences") or []) if a)
        boundary: Any = None
        raw_boundary = props.get("PermissionsBoundary")
        if isinstance(raw_boundary, dict):
            if "CustomerManagedPolicyReference" in raw_boundary:
                boundary = policy_arn(raw_boundary["CustomerManagedPolicyReference"])
            else:
                boundary = raw_boundary.get("ManagedPolicyArn")
        self.result.principals.append(principal)
        self._by_lid[(id(unit), logical_id)] = principal
        self._by_name.setdefault((PrincipalKind.ROLE, role_name), principal)
        self._pending.append(_Pending(principal, unit, logical_id, managed, boundary, None))

    def _add_policies(self, unit: _Unit, logical_id: str, resource: dict[str, Any]) -> None:
        specs = policy_specs(logical_id, resource)
        if not specs:
            if resource.get("Type") == "AWS::Organizations::Policy" and self._exists(unit, logical_id):
                props = as_dict(resource.get("Properties"))
                self.result.skipped.append(SkippedItem(
                    self._origin(unit, logical_id, ["Resources", logical_id]),
                    f"organization policy of type {props.get('Type')} is not an IAM policy"))
            return
        if not self._exists(unit, logical_id):
            return
        for index, spec in enumerate(specs):
            self._add_policy(unit, logical_id, resource, spec, index)

    def _add_policy(self, unit: _Unit, logical_id: str, resource: dict[str, Any], spec: PolicySpec,
                    index: int) -> None:
        template_path: JsonPath = ["Resources", logical_id, *spec.path]
        name_value, name_problems = self._resolve_quiet(unit, spec.name) if spec.name is not None else (None, [])
        policy_name = str(name_value) if name_value is not None and not name_problems else None
        origin = self._origin(unit, logical_id, template_path, policy_type=spec.policy_type.value,
                              policy_name=policy_name, resource_type=spec.resource_type,
                              descend=spec.build is None)
        raw: Any = resource
        for step in spec.path:
            if isinstance(step, str) and isinstance(raw, dict) and step in raw:
                raw = raw[step]
            elif isinstance(step, int) and isinstance(raw, list) and 0 <= step < len(raw):
                raw = raw[step]
            else:
                self._finding("INVALID_POLICY_DOCUMENT",
                              f"{format_path(template_path)}: missing (the resource has no policy document there)",
                              origin)
                return
        unresolved: list[JsonPath] = []
        if spec.build is not None:
            props, problems = self._resolve_quiet(unit, raw)
            pseudo = {"partition": unit.ctx.partition, "region": unit.ctx.region, "account": unit.ctx.account}
            document: Any = spec.build(props if isinstance(props, dict) else {}, logical_id, pseudo)
            if problems:
                unresolved.append([])
        else:
            document, problems = self._resolve_quiet(unit, raw)
            unresolved.extend(p for p, _ in problems)
        for path, message in problems:
            code = "CIRCULAR_REFERENCE" if "cycle" in message else "UNRESOLVABLE_INTRINSIC"
            where = format_path([*template_path, *path])
            self._finding(code, f"{where}: {message}", origin,
                          locations=[path] if spec.build is None else [])
        if isinstance(document, str):
            try:
                document = parse_text(document, format_path(template_path), "json")
            except LoadError as exc:
                if exc.code == "DUPLICATE_KEY":  # in the string: its line and column are the string's own
                    self._finding(exc.code, f"the policy (a JSON string) has a duplicate key: {exc.message}", origin)
                else:
                    self._finding("INVALID_POLICY_DOCUMENT", f"{format_path(template_path)}: the policy is a "
                                  f"string that is not valid JSON ({exc.message})", origin)
                return
            except RecursionError as exc:
                self._finding("INVALID_POLICY_DOCUMENT",
                              f"{format_path(template_path)}: the policy is a string that is not valid JSON ({exc})",
                              origin)
                return
        if not isinstance(document, dict):
            self._finding("INVALID_POLICY_DOCUMENT",
                          f"{format_path(template_path)}: the policy is a {type(document).__name__}, expected an "
                          "object", origin)
            return
        resources: list[str] = []
        for raw_resource in spec.resources:
            value, res_problems = self._resolve_quiet(unit, raw_resource)
            if not res_problems and value is not None:
                resources.extend(str(v) for v in (value if isinstance(value, list) else [value]))
        policy = ExtractedPolicy(document=document, policy_type=spec.policy_type, origin=origin, kind=spec.kind,
                                 resource_type=spec.resource_type, governed_resource_type=spec.governed_resource_type,
                                 resources=resources, unresolved=unresolved, cfn_type=str(resource.get("Type")),
                                 account=unit.ctx.account)
        if spec.kind is PolicyKind.MANAGED:
            try:
                policy.policy_arn = str(unit.ctx.get_att(logical_id, "PolicyArn"))
            except Unresolvable as exc:
                self._finding("UNRESOLVABLE_INTRINSIC", f"{logical_id}: the managed policy's ARN: {exc}", origin)
        self.result.policies.append(policy)
        owner = self._by_lid.get((id(unit), logical_id))
        if owner is not None:
            if spec.kind is PolicyKind.TRUST:
                owner.trust_policy = policy
            else:
                owner.inline_policies.append(policy)
            policy.attached_to.append(owner.key)
        for kind_name, raw_target in spec.attach:
            target = self._principal_for(unit, PrincipalKind(kind_name), raw_target, origin)
            if target is None:
                continue
            (target.managed_policies if spec.kind is PolicyKind.MANAGED else target.inline_policies).append(policy)
            if target.key not in policy.attached_to:
                policy.attached_to.append(target.key)

    def _principal_for(self, unit: _Unit, kind: PrincipalKind, raw: Any, origin: PolicyOrigin) -> Principal | None:
        if isinstance(raw, dict) and set(raw) == {"Ref"} and isinstance(raw["Ref"], str):
            found = self._by_lid.get((id(unit), raw["Ref"]))
            if found is not None and found.kind is kind:
                return found
        value, problems = self._resolve_quiet(unit, raw)
        if problems or not isinstance(value, str | int) or not str(value):
            self._finding("UNRESOLVABLE_INTRINSIC",
                          f"{origin.logical_id}: the {kind.value} it attaches to cannot be resolved: "
                          f"{problems[0][1] if problems else _short(raw)}", origin)
            return None
        name = str(value)
        if name.startswith("arn:"):
            name = name.rsplit("/", 1)[-1]
        found = self._by_name.get((kind, name))
        if found is not None:
            return found
        return self._external_principal(kind, name, unit)

    def _external_principal(self, kind: PrincipalKind, name: str, unit: _Unit) -> Principal:
        key = (kind, name)
        if key not in self._external:
            arn = f"arn:{unit.ctx.partition}:iam::{unit.ctx.account}:{kind.value}/{name}"
            principal = Principal(kind=kind, name=name, arn=arn, external=True)
            self._external[key] = principal
            self.result.principals.append(principal)
        return self._external[key]

    def _in_account(self, policy: ExtractedPolicy, account: str) -> ExtractedPolicy:
        """A StackSet-deployed policy as deployed in ``account``: the template was resolved for a stand-in
        account, whose id is replaced by ``account`` in every string of the document (its ARNs)."""
        stand_in = policy.account
        if not stand_in or stand_in == account:
            return policy
        cache = self.__dict__.setdefault("_copies", {})
        key = (policy.key, account)
        if key not in cache:
            def swap(value: Any) -> Any:
                if isinstance(value, str):
                    return value.replace(stand_in, account)
                if isinstance(value, list):
                    return [swap(v) for v in value]
                if isinstance(value, dict):
                    return {k: swap(v) for k, v in value.items()}
                return value

            cache[key] = dataclasses.replace(
                policy, document=swap(policy.document), account=account,
                policy_arn=swap(policy.policy_arn), attached_to=[], boundary_of=[],
            )
        return cache[key]  # type: ignore[no-any-return]

    def _link(self) -> None:
        managed_by_arn: dict[str, ExtractedPolicy] = {}
        # a StackSet template deploys the same policy into every target account: it is found by its path and
        # name ("policy/boundaries/x"), whatever the account the template was resolved for
        stack_set_stacks = {t.stack for t in self.result.templates if t.kind == "stack-set"}
        deployed_everywhere: dict[str, ExtractedPolicy] = {}
        for policy in self.result.policies:
            if policy.kind is PolicyKind.MANAGED and policy.policy_arn:
                managed_by_arn.setdefault(policy.policy_arn, policy)
                if policy.origin.stack in stack_set_stacks:
                    deployed_everywhere.setdefault(_account_free(policy.policy_arn), policy)
        for pending in self._pending:
            principal, unit = pending.principal, pending.unit
            origin = self._origin(unit, pending.logical_id, ["Resources", pending.logical_id, "Properties"])
            if pending.managed_arns is not None:
                arns, problems = self._resolve_quiet(unit, pending.managed_arns)
                for path, message in problems:
                    self._finding("UNRESOLVABLE_INTRINSIC",
                                  f"{format_path(['Resources', pending.logical_id, 'Properties', 'ManagedPolicyArns', *path])}: "
                                  f"{message}", origin)
                for arn in arns if isinstance(arns, list) else [arns]:
                    if not isinstance(arn, str) or arn.startswith("{{unresolved"):
                        continue
                    linked = managed_by_arn.get(arn)
                    if linked is None and not _is_aws_managed(arn) and _account_free(arn) in deployed_everywhere:
                        # a customer managed policy the StackSet creates in every account (e.g. one a permission
                        # set refers to by name and path), as deployed in the principal's account
                        linked = self._in_account(deployed_everywhere[_account_free(arn)], unit.ctx.account)
                    if linked is None:
                        principal.managed_policy_arns.append(arn)
                    else:
                        if linked not in principal.managed_policies:
                            principal.managed_policies.append(linked)
                        if principal.key not in linked.attached_to:
                            linked.attached_to.append(principal.key)
            if pending.boundary is not None:
                value, problems = self._resolve_quiet(unit, pending.boundary)
                if problems or not isinstance(value, str):
                    self._finding("UNRESOLVABLE_INTRINSIC",
                                  f"Resources.{pending.logical_id}.Properties.PermissionsBoundary: "
                                  f"{problems[0][1] if problems else 'not a string'}", origin)
                else:
                    principal.boundary_arn = value
                    boundary = managed_by_arn.get(value)
                    if boundary is None and _account_free(value) in deployed_everywhere:
                        boundary = self._in_account(deployed_everywhere[_account_free(value)], unit.ctx.account)
                    if boundary is not None:
                        principal.boundary = boundary
                        boundary.boundary_of.append(principal.key)
            if pending.groups is not None:
                groups, problems = self._resolve_quiet(unit, pending.groups)
                for _path, message in problems:
                    self._finding("UNRESOLVABLE_INTRINSIC",
                                  f"Resources.{pending.logical_id}.Properties.Groups: {message}", origin)
                for group_name in groups if isinstance(groups, list) else []:
                    if not isinstance(group_name, str) or group_name.startswith("{{unresolved"):
                        continue
                    group = self._by_name.get((PrincipalKind.GROUP, group_name)) or self._external_principal(
                        PrincipalKind.GROUP, group_name, unit)
                    principal.groups.append(group.key)
                    group.members.append(principal.key)
        for policy in self.result.policies:
            if policy.kind is PolicyKind.MANAGED and policy.boundary_of and not policy.attached_to:
                policy.kind = PolicyKind.BOUNDARY


def _is_aws_managed(arn: str) -> bool:
    """``arn:aws:iam::aws:policy/...``: an AWS managed policy (account ``aws``)."""
    parsed = Arn.parse(arn)
    return parsed is not None and parsed.account_id == "aws"


def _account_free(arn: str) -> str:
    """``arn:aws:iam::111:policy/p/n`` -> ``policy/p/n`` (the part that names the policy in any account)."""
    parsed = Arn.parse(arn)
    return parsed.resource if parsed is not None and parsed.service == "iam" else arn


def resource_type(resource: dict[str, Any]) -> str | None:
    """A resource's ``Type`` when it is a string (a Rain module's mapping, a list or a number is not a
    resource type and is reported once as UNSUPPORTED_TEMPLATE_CONSTRUCT)."""
    rtype = resource.get("Type")
    return rtype if isinstance(rtype, str) else None


def _json_kind(value: Any) -> str:
    return {dict: "mapping", list: "list", str: "string", bool: "boolean", int: "number",
            float: "number"}.get(type(value), type(value).__name__)


def _joined(prefix: str, path: str) -> str:
    return f"{prefix} > {path}" if prefix else path


def as_dict(value: Any) -> dict[str, Any]:
    """``value`` if it is a dict, else an empty dict (templates are untrusted input)."""
    return value if isinstance(value, dict) else {}


def _lazy(ctx: StackContext, value: Any) -> Any:
    def thunk() -> Any:
        return ctx.eval_strict(value)

    return thunk


def _names_principal(document: dict[str, Any]) -> bool:
    statements = document.get("Statement")
    statements = statements if isinstance(statements, list) else [statements]
    return any(isinstance(s, dict) and ("Principal" in s or "NotPrincipal" in s) for s in statements)


def _stack_name(stem: str) -> str:
    cleaned = "".join(c if c.isalnum() or c == "-" else "-" for c in stem).strip("-")
    return cleaned or "Stack"


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= 100 else text[:97] + "..."


def extract_policies(paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
                     options: ExtractionOptions | None = None) -> Extraction:
    """Every policy in the given cloud assemblies, template files, directories and policy files.

    >>> ex = extract_policies(["cdk.out"])                                    # doctest: +SKIP
    >>> [(p.kind.value, p.origin.construct_path) for p in ex.policies][:1]   # doctest: +SKIP
    [('trust', 'App/DeployRole/Resource')]

    Problems are in ``extraction.findings`` (blocking ERRORs with ``check='extraction'``); this function
    does not raise for bad input.
    """
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    extractor = Extractor(options)
    for path in paths:
        extractor.add_path(path)
    return extractor.finish()
