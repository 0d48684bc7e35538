"""Map construct paths to (template file, logical id) from a cloud assembly, without jsii.

A thin view over the analysis core's assembly reader (:mod:`least_privilege_constructs.analysis.assembly`):
it reads the stack artifact's metadata (logical ids and acknowledgments by construct path), environment and
nested stack templates; this module only keys them the way the pack looks resources up. With this index the pack identifies a resource by the one string
``CfnResource.toString()`` returns (``"Stack/Role/Resource [AWS::IAM::Role]"``) — one jsii call.

Example::

    >>> StackEntry("Stack.template.json", "Stack", "${AWS::AccountId}", "us-east-1").template_file
    'Stack.template.json'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from least_privilege_constructs.analysis.acknowledgments import ACKNOWLEDGED_RULES, above_stack
from least_privilege_constructs.analysis.assembly import AssemblyError, read_assembly


@dataclass(frozen=True)
class StackEntry:
    """One template of an assembly directory and the environment of the stack that owns it."""

    template_file: str
    stack_name: str
    account: str
    region: str


@dataclass(frozen=True)
class ResourceLocation:
    directory: str
    stack: StackEntry
    logical_id: str


@dataclass
class IndexedTemplate:
    """One (stack or nested stack) template: its directory, entry, construct path and resources' paths."""

    directory: str
    entry: StackEntry
    construct_path: str
    paths: dict[str, str] = field(default_factory=dict)
    """Logical id -> construct path (``/Stack/Role/Resource``)."""


class AssemblyIndex:
    """Construct path (``/Stack/Role/Resource``) -> where the synthesized resource is."""

    def __init__(self, env_agnostic_account: str, default_region: str) -> None:
        self._account = env_agnostic_account
        self._region = default_region
        self.by_path: dict[str, ResourceLocation] = {}
        self.templates: list[IndexedTemplate] = []
        self.acknowledgments: dict[str, list[dict[str, Any]]] = {}
        """Construct path -> ``aws:cdk:acknowledged-rules`` data of that construct (constructs inside stacks)."""
        self.above: dict[str, dict[str, dict[str, str]]] = {}
        """Stack construct path -> the acknowledgments of the constructs above it (the app, stages) that the
        stack records (:func:`~least_privilege_constructs.analysis.acknowledgments.above_stack`): ancestor path
        (``/Prod``, ``/``) -> id -> reason, valid for that stack's resources only."""
        self.stack_roots: list[str] = []
        self.problems: list[str] = []

    def add_stack_template(self, template_path: str, stack_construct_path: str) -> None:
        """Index the stack whose template is ``template_path`` (and its nested stacks)."""
        path = Path(template_path)
        directory = path.parent
        try:
            assembly = read_assembly(directory)
        except AssemblyError as exc:
            self.problems.append(exc.message)
            return
        stack = assembly.stack_for_template(path.name)
        if stack is None:
            self.problems.append(f"{assembly.manifest_file}: no stack artifact for {path.name}")
            return
        templates, problems = assembly.templates(stack)
        self.problems.extend(str(p) for p in problems)
        root = "/" + stack_construct_path.strip("/")
        account, region = stack.environment.or_default(self._account, self._region)
        for construct_path, data in stack.entries(ACKNOWLEDGED_RULES):
            if isinstance(data, dict):
                self.acknowledgments.setdefault(construct_path, []).append(data)
        self.above[root] = above_stack(stack)
        self.stack_roots.append(root)

        def rooted(construct_path: str) -> str:  # the reader's paths start at the display name
            rest = construct_path[len(stack.display_name):] if construct_path.startswith(stack.display_name) \
                else "/" + construct_path
            return root + rest if rest.startswith("/") or not rest else root + "/" + rest

        for template in templates:
            name = template.file.name
            stack_name = stack.stack_name if template.parent is None else f"{stack.stack_name}-{name.split('.')[0]}"
            entry = StackEntry(name, stack_name, account, region)
            indexed = IndexedTemplate(str(directory), entry, rooted(template.construct_path))
            self.templates.append(indexed)
            for logical_id, construct_path in template.construct_paths.items():
                full = rooted(construct_path)
                indexed.paths[logical_id] = full
                self.by_path[full] = ResourceLocation(str(directory), entry, logical_id)
