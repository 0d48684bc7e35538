"""The one reader of a CDK cloud assembly (``cdk.out``): every other module reads assemblies through it.

What it reads, once per directory (cached by the manifest's path, size and modification time), into
immutable values:

- ``manifest.json``: the ``aws:cloudformation:stack`` artifacts (template file, stack name, display name,
  deployment roles) and the ``cdk:cloud-assembly`` artifacts (stages: nested assembly directories);
- each stack's **environment**, ``aws://ACCOUNT/REGION``, parsed once with the CDK's own grammar
  (``AWS_ENV_REGEX`` of aws-cdk ``packages/@aws-cdk/cx-api/lib/environment.ts``:
  ``aws://([a-z0-9A-Z-@._]+)/([a-z-0-9]+)``); ``unknown-account`` / ``unknown-region`` (an
  environment-agnostic stack, cx-api's ``UNKNOWN_ACCOUNT``/``UNKNOWN_REGION``) become ``None``;
- each stack's **metadata** (the manifest's ``metadata`` plus its ``additionalMetadataFile``): logical ids
  (``aws:cdk:logicalId``) and acknowledgments by construct path; without path metadata (an app synthesized
  by ``app.synth()`` outside the CDK CLI) the construct tree (``tree.json``) gives the logical ids;
- the **file assets** of ``*.assets.json`` (asset hash and S3 object key -> local file);
- **nested stack and StackSet templates**: one way, :func:`child_template_file` — the resource's
  ``aws:asset:path`` metadata, else the file asset its ``TemplateURL`` names (hash or object key); a
  StackSet may instead carry its template inline (``TemplateBody``): :func:`stack_set_template`.

A missing or malformed manifest raises :class:`AssemblyError` naming the file and the JSON path; a bad
artifact inside a readable manifest is an :class:`AssemblyProblem` in :attr:`CloudAssembly.problems`
(the rest of the assembly is still read; callers report every problem — nothing is dropped silently).

Example::

    >>> Environment.parse("aws://111122223333/eu-west-1")
    Environment(account='111122223333', region='eu-west-1')
    >>> Environment.parse("aws://unknown-account/unknown-region")
    Environment(account=None, region=None)
    >>> Environment.parse("eu-west-1", file="cdk.out/manifest.json", json_path="artifacts.App.environment")
    Traceback (most recent call last):
    ...
    least_privilege_constructs.analysis.assembly.AssemblyError: cdk.out/manifest.json: artifacts.App.environment: 'eu-west-1' is not an environment of the form aws://ACCOUNT/REGION
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

MANIFEST_FILE = "manifest.json"
UNKNOWN_ACCOUNT = "unknown-account"
UNKNOWN_REGION = "unknown-region"
STACK_ARTIFACT = "aws:cloudformation:stack"
NESTED_ASSEMBLY_ARTIFACT = "cdk:cloud-assembly"
TREE_ARTIFACT = "cdk:tree"
MAX_NESTING = 8
"""Stages nest assemblies; deeper than this is treated as a loop."""

# aws-cdk packages/@aws-cdk/cx-api/lib/environment.ts (AWS_ENV_REGEX), anchored
_ENVIRONMENT = re.compile(r"aws://([a-z0-9A-Z\-@._]+)/([a-z\-0-9]+)")
_NESTED_STACK_RESOURCE = ".NestedStack/"


class AssemblyError(Exception):
    """A cloud assembly that cannot be read: names the file and, when known, the JSON path.

    ``code`` is the extraction issue code (``INVALID_MANIFEST``, or ``FILE_NOT_FOUND`` when there is no
    ``manifest.json``)."""

    def __init__(self, code: str, file: str | os.PathLike[str], json_path: str, problem: str) -> None:
        where = f"{file}: {json_path}" if json_path else str(file)
        self.code = code
        self.message = f"{where}: {problem}"
        super().__init__(self.message)
        self.file = str(file)
        self.json_path = json_path
        self.problem = problem


@dataclass(frozen=True)
class AssemblyProblem:
    """A bad artifact of a readable manifest (the other artifacts are still read)."""

    file: str
    json_path: str
    message: str
    code: str = "INVALID_MANIFEST"

    def __str__(self) -> str:
        return f"{self.file}: {self.json_path}: {self.message}"


@dataclass(frozen=True)
class Environment:
    """A stack's target environment; ``None`` where the stack is environment-agnostic."""

    account: str | None
    region: str | None

    @classmethod
    def parse(cls, value: Any, *, file: str | os.PathLike[str] = MANIFEST_FILE,
              json_path: str = "environment") -> Environment:
        """Parse ``aws://ACCOUNT/REGION``; raises :class:`AssemblyError` for anything else."""
        match = _ENVIRONMENT.fullmatch(value) if isinstance(value, str) else None
        if match is None:
            raise AssemblyError("INVALID_MANIFEST", file, json_path,
                                f"{value!r} is not an environment of the form aws://ACCOUNT/REGION")
        account, region = match.groups()
        return cls(None if account == UNKNOWN_ACCOUNT else account, None if region == UNKNOWN_REGION else region)

    def or_default(self, account: str, region: str) -> tuple[str, str]:
        """(account, region), with the given defaults where the stack is environment-agnostic."""
        return self.account or account, self.region or region


@dataclass(frozen=True)
class StackArtifact:
    """One ``aws:cloudformation:stack`` artifact of a manifest."""

    artifact_id: str
    display_name: str
    """The stack's construct path (``Stage/Stack``), as the CDK displays it."""
    stack_name: str
    template_file: Path
    environment: Environment
    execution_role_arn: str | None = None
    """``cloudFormationExecutionRoleArn`` as written (may hold ``${AWS::Partition}``)."""
    deploy_role_arn: str | None = None
    """``assumeRoleArn`` as written."""
    metadata: Mapping[str, tuple[Mapping[str, Any], ...]] = field(default_factory=dict, repr=False, compare=False)
    """Construct path (``/Stack/Role/Resource``) -> metadata entries (manifest and additional file)."""
    logical_ids: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)
    """Construct path without the leading ``/`` -> logical id, for the stack and its nested stacks (from
    the ``aws:cdk:logicalId`` metadata, else ``tree.json``)."""

    @property
    def account(self) -> str | None:
        return self.environment.account

    @property
    def region(self) -> str | None:
        return self.environment.region

    @property
    def nested_stack_paths(self) -> tuple[str, ...]:
        """Construct paths of the nested stacks (``Stack/Nested``), from their resources' paths
        (``Stack/Nested.NestedStack/Nested.NestedStackResource``)."""
        return tuple(sorted({p[:p.rfind(_NESTED_STACK_RESOURCE)] for p in self.logical_ids
                             if _NESTED_STACK_RESOURCE in p}))

    @property
    def construct_paths(self) -> dict[str, str]:
        """Logical id -> construct path of the resources of the stack's own template (not of its nested
        stacks: their logical ids are per template)."""
        prefixes = [self.display_name, *self.nested_stack_paths]
        return {lid: path for path, lid in self.logical_ids.items()
                if _owner_prefix(path, prefixes) == self.display_name}

    def entries(self, kind: str) -> Iterator[tuple[str, Any]]:
        """(construct path, data) of every metadata entry of ``kind`` (``aws:cdk:acknowledged-rules``, ...)."""
        for path, entries in self.metadata.items():
            for entry in entries:
                if entry.get("type") == kind:
                    yield path, entry.get("data")


@dataclass(frozen=True)
class AssetIndex:
    """File assets of an assembly directory: asset hash or S3 object key -> local file."""

    directory: Path
    by_key: Mapping[str, Path] = field(default_factory=dict, compare=False)

    def find(self, raw_url: Any) -> Path | None:
        """The local file of the asset a (possibly unresolved) ``TemplateURL`` names (longest key found)."""
        text = raw_url if isinstance(raw_url, str) else json.dumps(raw_url, default=str)
        best: Path | None = None
        best_len = 0
        for key, path in self.by_key.items():
            if key and key in text and len(key) > best_len:
                best, best_len = path, len(key)
        return best


@dataclass(frozen=True)
class StackTemplate:
    """A stack's template or one of its nested stacks' templates, with the resources' construct paths."""

    file: Path
    stack: StackArtifact
    construct_path: str
    """``Stack`` for the stack itself, ``Stack/Nested`` for a nested stack (no leading ``/``)."""
    parent: Path | None = None
    logical_id: str | None = None
    """The nested stack resource's logical id in ``parent``."""
    construct_paths: Mapping[str, str] = field(default_factory=dict, repr=False)
    """Logical id -> construct path of the resources of this template."""


@dataclass(frozen=True)
class ChildTemplate:
    """Where a nested stack's or a StackSet's template is: a local ``file``, an inline ``body`` (StackSet
    ``TemplateBody``, possibly an intrinsic), or neither (``file`` and ``body`` both None)."""

    file: Path | None = None
    body: Any = None
    json_path: tuple[str, ...] = ()
    """Where the reference is in the parent template (``Resources.X.Properties.TemplateURL``)."""

    @property
    def found(self) -> bool:
        return self.file is not None or self.body is not None


@dataclass(frozen=True)
class CloudAssembly:
    """One cloud assembly directory, read once (see :func:`read_assembly`)."""

    directory: Path
    version: str | None
    stacks: tuple[StackArtifact, ...]
    nested_directories: tuple[Path, ...]
    assets: AssetIndex
    problems: tuple[AssemblyProblem, ...] = ()
    _templates: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def manifest_file(self) -> Path:
        return self.directory / MANIFEST_FILE

    def stack_for_template(self, template_file: str | os.PathLike[str]) -> StackArtifact | None:
        """The artifact whose template is ``template_file`` (a file name or a path in the directory)."""
        name = Path(template_file).name
        return next((s for s in self.stacks if s.template_file.name == name), None)

    def environments(self) -> dict[str, Environment]:
        """Template file name -> environment of its stack."""
        return {s.template_file.name: s.environment for s in self.stacks}

    def nested(self) -> Iterator[CloudAssembly]:
        """The nested assemblies (stages), read; a bad one raises :class:`AssemblyError`."""
        for directory in self.nested_directories:
            yield read_assembly(directory)

    def templates(self, stack: StackArtifact) -> tuple[tuple[StackTemplate, ...], tuple[AssemblyProblem, ...]]:
        """The stack's template and its nested stacks' templates (found by :func:`child_template_file`),
        with the problems met (a template that cannot be read or found)."""
        return _stack_templates(self, stack)


# -- reading -------------------------------------------------------------------------------------------------
def _load(path: Path) -> Any:
    """Parse a JSON/YAML file with the extraction loader (imported here: the extract package imports this
    module); its ``LoadError`` becomes an :class:`AssemblyError` with the same code and message."""
    from least_privilege_constructs.analysis.extract.loader import LoadError, load_file

    try:
        return load_file(path)
    except LoadError as exc:
        raise AssemblyError(exc.code, path, "", exc.message.removeprefix(f"{path}: ")) from None


def is_cloud_assembly(directory: str | os.PathLike[str]) -> bool:
    """Whether ``directory`` holds a ``manifest.json``."""
    return (Path(directory) / MANIFEST_FILE).is_file()


def assembly_root(directory: str | os.PathLike[str]) -> Path:
    """The outermost directory holding a ``manifest.json`` at or above ``directory`` (the templates of a
    stage live in a nested assembly; its parents are assemblies too)."""
    root = current = Path(directory)
    while current.parent != current and is_cloud_assembly(current.parent):
        root = current = current.parent
    return root


def read_assembly(directory: str | os.PathLike[str]) -> CloudAssembly:
    """Read the cloud assembly at ``directory`` (cached until its ``manifest.json`` changes)."""
    path = Path(directory)
    manifest = path / MANIFEST_FILE
    try:
        stat = manifest.stat()
    except OSError:
        raise AssemblyError("FILE_NOT_FOUND", manifest, "", "not found: the directory is not a cloud assembly") from None
    return _read_assembly(os.path.realpath(path), stat.st_mtime_ns, stat.st_size)


def walk_assemblies(directory: str | os.PathLike[str]) -> Iterator[CloudAssembly]:
    """The assembly at ``directory`` and its nested assemblies (stages), depth first; bounded depth."""

    def walk(assembly: CloudAssembly, depth: int) -> Iterator[CloudAssembly]:
        yield assembly
        if depth >= MAX_NESTING:
            raise AssemblyError("INVALID_MANIFEST", assembly.manifest_file, "",
                                "cloud assemblies nested too deep")
        for child in assembly.nested():
            yield from walk(child, depth + 1)

    yield from walk(read_assembly(directory), 0)


@functools.lru_cache(maxsize=64)
def _read_assembly(directory: str, _mtime: int, _size: int) -> CloudAssembly:
    base = Path(directory)
    manifest_path = base / MANIFEST_FILE
    try:
        manifest = _load(manifest_path)
    except AssemblyError as exc:
        raise AssemblyError("INVALID_MANIFEST", manifest_path, "", exc.problem) from None
    if not isinstance(manifest, dict):
        raise AssemblyError("INVALID_MANIFEST", manifest_path, "",
                            f"a cloud assembly manifest is an object, not a {type(manifest).__name__}")
    artifacts = manifest.get("artifacts", {})
    if not isinstance(artifacts, dict):
        raise AssemblyError("INVALID_MANIFEST", manifest_path, "artifacts",
                            f"expected an object of artifacts, got a {type(artifacts).__name__}")
    problems: list[AssemblyProblem] = []
    raw_stacks: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
    nested: list[Path] = []
    tree_file: Path | None = None
    for artifact_id, artifact in artifacts.items():
        where = f"artifacts.{artifact_id}"
        if not isinstance(artifact, dict):
            problems.append(AssemblyProblem(str(manifest_path), where, "is not an object"))
            continue
        props = artifact.get("properties")
        props = {} if props is None else props
        if not isinstance(props, dict):
            problems.append(AssemblyProblem(str(manifest_path), f"{where}.properties", "is not an object"))
            continue
        kind = artifact.get("type")
        if kind == STACK_ARTIFACT:
            if not isinstance(props.get("templateFile"), str):
                problems.append(AssemblyProblem(str(manifest_path), f"{where}.properties.templateFile", "is missing"))
                continue
            raw_stacks.append((str(artifact_id), artifact, props))
        elif kind == NESTED_ASSEMBLY_ARTIFACT:
            sub = props.get("directoryName")
            if isinstance(sub, str):
                nested.append(base / sub)
            else:
                problems.append(AssemblyProblem(str(manifest_path), f"{where}.properties.directoryName",
                                                "is missing"))
        elif kind == TREE_ARTIFACT and isinstance(props.get("file"), str):
            tree_file = base / props["file"]
    stacks: list[StackArtifact] = []
    for artifact_id, artifact, props in raw_stacks:
        where = f"artifacts.{artifact_id}"
        try:
            environment = Environment.parse(artifact.get("environment"), file=manifest_path,
                                            json_path=f"{where}.environment")
        except AssemblyError as exc:
            problems.append(AssemblyProblem(str(manifest_path), exc.json_path, exc.problem))
            continue
        metadata, problem = _metadata(base, artifact, manifest_path, where)
        if problem is not None:
            problems.append(problem)
        display = str(artifact.get("displayName") or artifact_id)
        logical_ids = {path.lstrip("/"): str(entry["data"]) for path, entries in metadata.items()
                       for entry in entries
                       if entry.get("type") == "aws:cdk:logicalId" and isinstance(entry.get("data"), str)}
        stacks.append(StackArtifact(
            artifact_id=artifact_id,
            display_name=display,
            stack_name=str(props.get("stackName") or artifact_id),
            template_file=base / props["templateFile"],
            environment=environment,
            execution_role_arn=_text(props.get("cloudFormationExecutionRoleArn")),
            deploy_role_arn=_text(props.get("assumeRoleArn")),
            metadata=MappingProxyType(metadata),
            logical_ids=MappingProxyType(logical_ids),
        ))
    # no path metadata: the construct tree still knows every L1's logical id
    bare = {s.display_name for s in stacks if not s.logical_ids}
    if bare and tree_file is not None and tree_file.is_file():
        try:
            tree = json.loads(tree_file.read_text(encoding="utf-8")).get("tree")
        except (OSError, ValueError, AttributeError):
            tree = None  # an unreadable tree only costs construct paths, never a policy
        by_stack = tree_logical_ids(tree, bare) if tree else {}
        stacks = [s if s.logical_ids else _with_logical_ids(s, by_stack.get(s.display_name, {})) for s in stacks]
    return CloudAssembly(
        directory=base,
        version=_text(manifest.get("version")),
        stacks=tuple(stacks),
        nested_directories=tuple(nested),
        assets=read_assets(base),
        problems=tuple(problems),
    )


def _with_logical_ids(stack: StackArtifact, logical_ids: dict[str, str]) -> StackArtifact:
    from dataclasses import replace

    return replace(stack, logical_ids=MappingProxyType(logical_ids))


def _metadata(base: Path, artifact: dict[str, Any], manifest_path: Path, where: str
              ) -> tuple[dict[str, tuple[Mapping[str, Any], ...]], AssemblyProblem | None]:
    merged: dict[str, list[Mapping[str, Any]]] = {}
    problem: AssemblyProblem | None = None
    sources: list[Any] = [artifact.get("metadata")]
    extra = artifact.get("additionalMetadataFile")
    if isinstance(extra, str):
        try:
            sources.append(_load(base / extra))
        except AssemblyError as exc:
            problem = AssemblyProblem(str(manifest_path), f"{where}.additionalMetadataFile", exc.message)
    for source in sources:
        for path, entries in (source.items() if isinstance(source, dict) else ()):
            for entry in entries if isinstance(entries, list) else ():
                if isinstance(entry, dict):
                    merged.setdefault(str(path), []).append(entry)
    return {k: tuple(v) for k, v in merged.items()}, problem


def tree_logical_ids(tree: Any, stack_paths: set[str]) -> dict[str, dict[str, str]]:
    """Stack construct path -> {construct path -> logical id}, from a ``tree.json``'s ``tree`` node.

    The tree records each L1's logical id (``aws:cdk:cloudformation:logicalId``) even when the templates
    and the manifest carry no path metadata. Resources are attributed to the nearest enclosing stack of
    ``stack_paths`` (their nested stacks' resources included)."""
    out: dict[str, dict[str, str]] = {}
    todo: list[tuple[Any, str]] = [(tree, "")]
    while todo:
        node, stack = todo.pop()
        if not isinstance(node, dict):
            continue
        path = node.get("path") or ""
        if path in stack_paths:
            stack = path
        attributes = node.get("attributes")
        logical_id = attributes.get("aws:cdk:cloudformation:logicalId") if isinstance(attributes, dict) else None
        if isinstance(logical_id, str) and stack:
            out.setdefault(stack, {}).setdefault(path, logical_id)
        children = node.get("children")
        todo.extend((child, stack) for child in (children.values() if isinstance(children, dict) else ()))
    return out


def read_assets(directory: str | os.PathLike[str]) -> AssetIndex:
    """Index the file assets of every ``*.assets.json`` in a directory (hash and object key -> file)."""
    base = Path(directory)
    by_key: dict[str, Path] = {}
    for manifest in sorted(base.glob("*.assets.json")):
        try:
            data = _load(manifest)
        except AssemblyError:
            continue  # an unreadable asset manifest only matters if a template points into it (then: not found)
        files = data.get("files") if isinstance(data, dict) else None
        for asset_hash, entry in (files.items() if isinstance(files, dict) else ()):
            source = entry.get("source") if isinstance(entry, dict) else None
            path = source.get("path") if isinstance(source, dict) else None
            if not isinstance(path, str) or source.get("packaging", "file") != "file":  # type: ignore[union-attr]
                continue
            local = base / path
            by_key[str(asset_hash)] = local
            destinations = entry.get("destinations")
            for dest in (destinations.values() if isinstance(destinations, dict) else ()):
                if isinstance(dest, dict) and isinstance(dest.get("objectKey"), str):
                    by_key[dest["objectKey"]] = local
    return AssetIndex(base, MappingProxyType(by_key))


# -- child templates (nested stacks, StackSets) ---------------------------------------------------------------
def child_template_file(resource: Mapping[str, Any], base_dir: Path | None, assets: AssetIndex | None
                        ) -> Path | None:
    """The local template of a nested stack (``AWS::CloudFormation::Stack``) or StackSet resource given
    by ``TemplateURL``: its ``aws:asset:path`` metadata, else the file asset the URL names, else the URL
    itself when it is a relative local path. ``None`` when the template is not in the input."""
    meta = resource.get("Metadata")
    asset_path = meta.get("aws:asset:path") if isinstance(meta, dict) else None
    if isinstance(asset_path, str) and base_dir is not None and (base_dir / asset_path).is_file():
        return base_dir / asset_path
    props = resource.get("Properties")
    url = props.get("TemplateURL") if isinstance(props, dict) else None
    if assets is not None and url is not None:
        found = assets.find(url)
        if found is not None and found.is_file():
            return found
    if isinstance(url, str) and "://" not in url and base_dir is not None and (base_dir / url).is_file():
        return base_dir / url
    return None


def stack_set_template(logical_id: str, resource: Mapping[str, Any], base_dir: Path | None,
                       assets: AssetIndex | None) -> ChildTemplate:
    """A StackSet's template: inline (``TemplateBody``, returned as written) or the ``TemplateURL`` file."""
    props = resource.get("Properties")
    props = props if isinstance(props, dict) else {}
    base = ("Resources", logical_id, "Properties")
    if props.get("TemplateBody") is not None:
        return ChildTemplate(body=props["TemplateBody"], json_path=(*base, "TemplateBody"))
    if props.get("TemplateURL") is not None:
        return ChildTemplate(file=child_template_file(resource, base_dir, assets), json_path=(*base, "TemplateURL"))
    return ChildTemplate(json_path=base)


def _stack_templates(assembly: CloudAssembly, stack: StackArtifact
                     ) -> tuple[tuple[StackTemplate, ...], tuple[AssemblyProblem, ...]]:
    cached = assembly._templates.get(stack.artifact_id)
    if cached is None:
        cached = assembly._templates[stack.artifact_id] = _read_stack_templates(assembly, stack)
    return cached  # type: ignore[no-any-return]


def _read_stack_templates(assembly: CloudAssembly, stack: StackArtifact
                          ) -> tuple[tuple[StackTemplate, ...], tuple[AssemblyProblem, ...]]:
    problems: list[AssemblyProblem] = []
    root = stack.display_name
    # the nested stack resources' construct paths name the nested stacks: Stack/Nested.NestedStack/
    # Nested.NestedStackResource is the resource of nested stack Stack/Nested
    resource_paths = sorted((p for p in stack.logical_ids if _NESTED_STACK_RESOURCE in p), key=len)
    prefixes = [root]
    nodes: list[StackTemplate] = []
    pending: list[tuple[Path, str, Path | None, str | None]] = [(stack.template_file, root, None, None)]
    seen: set[Path] = set()
    while pending:
        file, prefix, parent, logical_id = pending.pop(0)
        if file in seen or len(seen) > 1000:
            continue
        seen.add(file)
        nodes.append(StackTemplate(file, stack, prefix, parent, logical_id))
        try:
            template = _load(file)
        except AssemblyError as exc:
            problems.append(AssemblyProblem(str(file), "", exc.message, exc.code))
            continue
        resources = template.get("Resources") if isinstance(template, dict) else None
        for path in resource_paths:
            if _owner_prefix(path, prefixes) != prefix:
                continue
            nested_logical_id = stack.logical_ids[path]
            resource = resources.get(nested_logical_id) if isinstance(resources, dict) else None
            nested_prefix = path[:path.rfind(_NESTED_STACK_RESOURCE)]
            child = child_template_file(resource, assembly.directory, assembly.assets) \
                if isinstance(resource, dict) else None
            if child is None:
                problems.append(AssemblyProblem(str(file), f"Resources.{nested_logical_id}.Properties.TemplateURL",
                                                f"the template of nested stack {nested_prefix} is not in the assembly",
                                                "NESTED_TEMPLATE_NOT_FOUND"))
                continue
            prefixes.append(nested_prefix)
            pending.append((child, nested_prefix, file, nested_logical_id))
    by_prefix: dict[str, dict[str, str]] = {node.construct_path: {} for node in nodes}
    for path, logical_id in stack.logical_ids.items():
        owner = _owner_prefix(path, list(by_prefix))
        if owner is not None:
            by_prefix[owner].setdefault(logical_id, path)
    from dataclasses import replace

    return tuple(replace(n, construct_paths=MappingProxyType(by_prefix[n.construct_path])) for n in nodes), \
        tuple(problems)


def _owner_prefix(path: str, prefixes: list[str]) -> str | None:
    best: str | None = None
    for prefix in prefixes:
        if path.startswith(prefix + "/") and (best is None or len(prefix) > len(best)):
            best = prefix
    return best


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


__all__ = [
    "AssemblyError",
    "AssemblyProblem",
    "AssetIndex",
    "ChildTemplate",
    "CloudAssembly",
    "Environment",
    "StackArtifact",
    "StackTemplate",
    "assembly_root",
    "child_template_file",
    "is_cloud_assembly",
    "read_assembly",
    "read_assets",
    "stack_set_template",
    "tree_logical_ids",
    "walk_assemblies",
]
