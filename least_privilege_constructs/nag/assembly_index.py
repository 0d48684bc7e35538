"""Map construct paths to (template file, logical id) from a cloud assembly, without jsii.

CDK records each resource's logical id under its construct path in the stack artifact's metadata
(``manifest.json`` or the artifact's ``additionalMetadataFile``). Resources of nested stacks are recorded
under the top-level artifact; their template is found through the nested-stack resource's ``TemplateURL``
(the asset hash) and the asset manifest. With this index the pack identifies a resource by the one string
``CfnResource.toString()`` returns (``"Stack/Role/Resource [AWS::IAM::Role]"``) — one jsii call.

Example::

    >>> StackEntry("Stack.template.json", "Stack", "${AWS::AccountId}", "us-east-1").template_file
    'Stack.template.json'
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_HASH = re.compile(r"([0-9a-f]{64})\.json")
_NESTED = ".NestedStackResource"


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
    paths: dict[str, str]
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
        self.stack_roots: list[str] = []
        self.problems: list[str] = []
        self._manifests: dict[Path, dict[str, Any]] = {}
        self._assets: dict[Path, dict[str, str]] = {}

    def add_stack_template(self, template_path: str, stack_construct_path: str) -> None:
        """Index the stack whose template is ``template_path`` (and its nested stacks)."""
        path = Path(template_path)
        directory = path.parent
        try:
            manifest = self._manifest(directory)
            artifact = next(
                (a for a in (manifest.get("artifacts") or {}).values()
                 if isinstance(a, dict) and (a.get("properties") or {}).get("templateFile") == path.name),
                None,
            )
            if artifact is None:
                self.problems.append(f"{directory}/manifest.json: no stack artifact for {path.name}")
                return
            metadata = artifact.get("metadata") or {}
            extra = artifact.get("additionalMetadataFile")
            if extra:
                metadata = {**metadata, **_read_json(directory / extra)}
            self._index_stack(directory, artifact, path.name, metadata, "/" + stack_construct_path.strip("/"))
        except (OSError, ValueError) as exc:
            self.problems.append(f"{template_path}: {exc}")

    # -- internals -----------------------------------------------------------------------------------
    def _manifest(self, directory: Path) -> dict[str, Any]:
        if directory not in self._manifests:
            self._manifests[directory] = _read_json(directory / "manifest.json")
        return self._manifests[directory]

    def _asset_sources(self, directory: Path) -> dict[str, str]:
        """Asset hash -> source file name, over every asset manifest of the directory."""
        if directory not in self._assets:
            sources: dict[str, str] = {}
            for file in sorted(directory.glob("*.assets.json")):
                for asset_hash, asset in (_read_json(file).get("files") or {}).items():
                    src = (asset.get("source") or {}).get("path") if isinstance(asset, dict) else None
                    if isinstance(src, str):
                        sources[asset_hash] = src
            self._assets[directory] = sources
        return self._assets[directory]

    def _index_stack(self, directory: Path, artifact: dict[str, Any], template_file: str,
                     metadata: dict[str, Any], root: str) -> None:
        env = str(artifact.get("environment") or "")
        account, region = self._account, self._region
        m = re.match(r"^aws://([^/]*)/(.*)$", env)
        if m:
            if m.group(1).isdigit():
                account = m.group(1)
            if m.group(2) and m.group(2) != "unknown-region":
                region = m.group(2)
        name = str((artifact.get("properties") or {}).get("stackName") or artifact.get("displayName")
                   or template_file.split(".")[0])
        logical_ids: dict[str, str] = {}
        template_files: dict[str, str] = {}
        for construct_path, entries in metadata.items():
            for entry in entries if isinstance(entries, list) else []:
                if not isinstance(entry, dict):
                    continue
                kind, data = entry.get("type"), entry.get("data")
                if kind == "aws:cdk:logicalId" and isinstance(data, str):
                    logical_ids[construct_path] = data
                elif kind == "aws:cdk:templateFile" and isinstance(data, str):
                    template_files[construct_path] = data
                elif kind == "aws:cdk:acknowledged-rules" and isinstance(data, dict):
                    self.acknowledgments.setdefault(construct_path, []).append(data)
        self.stack_roots.append(root)
        # prefixes: the stack itself, then each nested stack (found through its TemplateURL asset hash)
        prefixes: list[tuple[str, StackEntry]] = [(root, StackEntry(template_file, name, account, region))]
        templates: dict[str, dict[str, Any]] = {template_file: _read_json(directory / template_file)}
        for construct_path in sorted((p for p in logical_ids if p.endswith(_NESTED)), key=len):
            parent = _owner(construct_path, prefixes)
            if parent is None:
                continue
            marker = construct_path.rfind(".NestedStack/")
            nested_path = construct_path[:marker]
            nested_file = template_files.get(nested_path)
            if nested_file is None:  # older CDK: follow the TemplateURL's asset hash
                parent_template = templates.get(parent.template_file) or {}
                resource = (parent_template.get("Resources") or {}).get(logical_ids[construct_path]) or {}
                found = _HASH.search(json.dumps((resource.get("Properties") or {}).get("TemplateURL")))
                nested_file = self._asset_sources(directory).get(found.group(1)) if found else None
            if not nested_file:
                self.problems.append(f"{template_file}: template of nested stack {construct_path} not found")
                continue
            templates[nested_file] = _read_json(directory / nested_file)
            prefixes.append((nested_path,
                             StackEntry(nested_file, f"{name}-{nested_file.split('.')[0]}", account, region)))
        indexed = {entry.template_file: IndexedTemplate(str(directory), entry, prefix, {})
                   for prefix, entry in prefixes}
        self.templates.extend(indexed.values())
        for construct_path, logical_id in logical_ids.items():
            owner = _owner(construct_path, prefixes)
            if owner is not None:
                self.by_path[construct_path] = ResourceLocation(str(directory), owner, logical_id)
                indexed[owner.template_file].paths[logical_id] = construct_path


def _owner(construct_path: str, prefixes: list[tuple[str, StackEntry]]) -> StackEntry | None:
    best: tuple[int, StackEntry] | None = None
    for prefix, entry in prefixes:
        if construct_path.startswith(prefix + "/") and (best is None or len(prefix) > best[0]):
            best = (len(prefix), entry)
    return best[1] if best else None


def _read_json(path: Path) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a JSON object")
    return data
