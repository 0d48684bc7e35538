"""Verify on synthesized templates that every role and user carries the expected permissions boundary.

Pure Python over CloudFormation JSON (no CDK import): used by ``BoundaryEnforcement``'s synth-time plugin
and usable on any ``cdk.out``. Construct props are never trusted: CDK's boundary aspect mutates late, and
roles created implicitly by CDK (custom-resource providers, log retention, bucket deployments) appear only
in the templates — often as raw ``AWS::IAM::Role`` resources.

Example::

    >>> template = {"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {}}}}
    >>> [v.logical_id for v in find_unbounded_principals({"t.json": template}, "/boundaries/", "b")]
    ['R']
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from least_privilege_constructs.analysis.assembly import (
    AssemblyError,
    AssetIndex,
    child_template_file,
    read_assembly,
    read_assets,
)

PRINCIPAL_TYPES = ("AWS::IAM::Role", "AWS::IAM::User")


@dataclass(frozen=True)
class BoundaryViolation:
    """One principal without the expected boundary."""

    template_path: str
    logical_id: str
    resource_type: str
    construct_path: str | None
    actual: str | None
    """What the principal carries instead (rendered), or None when it has no boundary."""

    def describe(self, expected: str) -> str:
        what = "role" if self.resource_type.endswith("Role") else "user"
        where = self.construct_path or f"{os.path.basename(self.template_path)}:{self.logical_id}"
        if self.actual is None:
            return f"{where}: {what} has no permissions boundary (expected {expected})"
        return f"{where}: {what} carries boundary {self.actual}, not {expected}"


def load_template(path: str) -> dict[str, Any]:
    """Read a JSON template, with a clear error naming the file."""
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: cannot read CloudFormation template: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a CloudFormation template must be a JSON object")
    return data


def with_nested_templates(template_paths: list[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each template and, recursively, its nested-stack templates, found by the assembly reader
    (:func:`~least_privilege_constructs.analysis.assembly.child_template_file`)."""
    seen: set[str] = set()
    queue = list(template_paths)
    assets_of: dict[Path, AssetIndex] = {}
    while queue:
        path = os.path.abspath(queue.pop(0))
        if path in seen:
            continue
        seen.add(path)
        template = load_template(path)
        yield path, template
        directory = Path(path).parent
        assets = assets_of.get(directory) or assets_of.setdefault(directory, read_assets(directory))
        for logical_id, resource in _resources(template).items():
            if resource.get("Type") == "AWS::CloudFormation::Stack":
                child = child_template_file(resource, directory, assets)
                if child is None:
                    raise ValueError(f"{path}: Resources.{logical_id}: the nested stack's template is not in the "
                                     "cloud assembly; its roles cannot be verified")
                queue.append(str(child))


def _resources(template: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    resources = template.get("Resources")
    if not isinstance(resources, dict):
        return {}
    return {k: v for k, v in resources.items() if isinstance(v, dict)}


@dataclass
class ConstructIndex:
    """Construct paths of resources, from the assembly's ``manifest.json`` and ``tree.json``.

    Templates carry ``aws:cdk:path`` metadata only when path metadata is on (the CDK CLI's default);
    an app synthesized by ``app.synth()`` alone has none, so the tree is the fallback.
    """

    stack_of_template: dict[str, str]
    by_logical_id: dict[tuple[str, str], str]

    @classmethod
    def load(cls, assembly_dir: str) -> ConstructIndex:
        """The index of one assembly directory (empty when it cannot be read: the paths are then unknown,
        and every unbounded principal is reported against its template)."""
        stack_of_template: dict[str, str] = {}
        by_logical_id: dict[tuple[str, str], str] = {}
        try:
            assembly = read_assembly(assembly_dir)
        except AssemblyError:
            return cls(stack_of_template, by_logical_id)
        for stack in assembly.stacks:
            templates, _problems = assembly.templates(stack)
            for template in templates:
                stack_of_template[os.path.abspath(template.file)] = template.construct_path
                for logical_id, path in template.construct_paths.items():
                    by_logical_id[(template.construct_path, logical_id)] = path
        return cls(stack_of_template, by_logical_id)

    def construct_path(self, template_path: str, logical_id: str) -> str | None:
        stack = self.stack_of_template.get(os.path.abspath(template_path))
        if stack is None:
            return None
        return self.by_logical_id.get((stack, logical_id))

    def stack_path(self, template_path: str) -> str | None:
        return self.stack_of_template.get(os.path.abspath(template_path))


def render_boundary(value: Any, template: Mapping[str, Any], templates: Mapping[str, Mapping[str, Any]]) -> str:
    """Render a PermissionsBoundary value to an ARN-like string, following Ref/ImportValue to the policy."""
    resources = _resources(template)
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        (fn, arg), = value.items()
        if fn == "Ref" and isinstance(arg, str):
            if arg == "AWS::AccountId":
                return "${AWS::AccountId}"
            if arg == "AWS::Partition":
                return "${AWS::Partition}"
            target = resources.get(arg)
            if target and target.get("Type") == "AWS::IAM::ManagedPolicy":
                props = target.get("Properties") or {}
                name = props.get("ManagedPolicyName")
                path = props.get("Path", "/")
                if isinstance(name, str) and isinstance(path, str):
                    return f"arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:policy{path}{name}"
                return f"<unnamed managed policy {arg}>"
            params = template.get("Parameters") or {}
            if arg in params and isinstance(params[arg], dict) and "Default" in params[arg]:
                return str(params[arg]["Default"])
            return f"<Ref {arg}>"
        if fn == "Fn::Sub":
            text = arg if isinstance(arg, str) else (arg[0] if isinstance(arg, list) and arg else "")
            return str(text)
        if fn == "Fn::Join" and isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], list):
            return str(arg[0]).join(render_boundary(p, template, templates) for p in arg[1])
        if fn == "Fn::ImportValue":
            export = render_boundary(arg, template, templates)
            for other in templates.values():
                for output in (other.get("Outputs") or {}).values():
                    if not isinstance(output, dict):
                        continue
                    name = (output.get("Export") or {}).get("Name")
                    if isinstance(name, dict):
                        name = render_boundary(name, other, templates)
                    if name == export:
                        return render_boundary(output.get("Value"), other, templates)
            return f"<ImportValue {export}>"
    return json.dumps(value, sort_keys=True)


def boundary_matches(rendered: str, path: str, name: str) -> bool:
    """True when a rendered ARN names exactly ``policy{path}{name}`` (any account token, any partition)."""
    return rendered.endswith(f":policy{path}{name}") and rendered.startswith("arn:")


def find_unbounded_principals(
    templates: Mapping[str, Mapping[str, Any]],
    path: str,
    name: str,
    *,
    scope_prefixes: tuple[str, ...] = ("",),
    index: ConstructIndex | None = None,
) -> list[BoundaryViolation]:
    """Roles and users under ``scope_prefixes`` (construct paths) lacking the boundary ``policy{path}{name}``.

    A resource whose construct path is unknown (no path metadata, not in the tree) is attributed to its
    stack: it is checked when a scope covers the whole stack.
    """

    def in_scope(cpath: str) -> bool:
        return any(p == "" or cpath == p or cpath.startswith(p.rstrip("/") + "/") for p in scope_prefixes)

    violations: list[BoundaryViolation] = []
    for template_path, template in templates.items():
        stack_path = index.stack_path(template_path) if index else None
        for logical_id, resource in _resources(template).items():
            rtype = resource.get("Type")
            if rtype not in PRINCIPAL_TYPES:
                continue
            cpath = (resource.get("Metadata") or {}).get("aws:cdk:path")
            cpath = cpath if isinstance(cpath, str) else None
            if cpath is None and index is not None:
                cpath = index.construct_path(template_path, logical_id)
            if cpath is not None:
                if not in_scope(cpath):
                    continue
            elif stack_path is not None and not in_scope(stack_path):
                continue
            value = (resource.get("Properties") or {}).get("PermissionsBoundary")
            if value is None:
                violations.append(BoundaryViolation(template_path, logical_id, rtype, cpath, None))
                continue
            rendered = render_boundary(value, template, templates)
            if not boundary_matches(rendered, path, name):
                violations.append(BoundaryViolation(template_path, logical_id, rtype, cpath, rendered))
    return violations
