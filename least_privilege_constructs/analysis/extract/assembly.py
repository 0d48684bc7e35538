"""Read a cloud assembly (``cdk.out``): its stack artifacts, nested cloud assemblies (stages) and the
file assets that hold nested stack and StackSet templates.

    >>> stacks, nested, problems = read_manifest(Path("cdk.out"))      # doctest: +SKIP
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from least_privilege_constructs.analysis.extract.loader import LoadError, load_file


@dataclass(frozen=True)
class StackArtifact:
    """One ``aws:cloudformation:stack`` artifact of a manifest."""

    artifact_id: str
    display_name: str
    stack_name: str
    template_file: Path
    account: str | None
    region: str | None
    construct_paths: dict[str, str] = field(default_factory=dict)
    """logical id -> construct path, from the manifest's ``aws:cdk:logicalId`` metadata (used when the
    template has no ``aws:cdk:path`` metadata)."""


@dataclass
class AssetIndex:
    """File assets of an assembly: ``objectKey``/hash -> local file, to find a ``TemplateURL``'s template."""

    directory: Path
    by_key: dict[str, Path] = field(default_factory=dict)

    def find(self, raw_url: Any) -> Path | None:
        """The local file of the asset a (possibly unresolved) ``TemplateURL`` points at."""
        text = raw_url if isinstance(raw_url, str) else json.dumps(raw_url, default=str)
        best: Path | None = None
        best_len = 0
        for key, path in self.by_key.items():
            if key and key in text and len(key) > best_len:
                best, best_len = path, len(key)
        return best


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


_ENV = re.compile(r"^aws://([^/]*)/(.*)$")


def _env(environment: Any) -> tuple[str | None, str | None]:
    match = _ENV.match(environment) if isinstance(environment, str) else None
    if not match:
        return None, None
    account, region = match.groups()
    return (None if account.startswith("unknown") else account), (None if region.startswith("unknown") else region)


def tree_logical_paths(tree: Any, stack_paths: set[str]) -> dict[tuple[str, str], str]:
    """(stack construct path, logical id) -> construct path, from a ``tree.json``'s ``tree`` node.

    The tree records each L1's logical id even when the templates and the manifest carry no path metadata
    (an app synthesized by ``app.synth()`` outside the CDK CLI). Resources are attributed to the nearest
    enclosing stack of ``stack_paths``."""
    out: dict[tuple[str, str], str] = {}
    todo: list[tuple[Any, str]] = [(tree, "")]
    while todo:
        node, stack = todo.pop()
        if not isinstance(node, dict):
            continue
        path = node.get("path") or ""
        if path in stack_paths:
            stack = path
        logical_id = as_dict(node.get("attributes")).get("aws:cdk:cloudformation:logicalId")
        if isinstance(logical_id, str) and stack:
            out.setdefault((stack, logical_id), path)
        todo.extend((child, stack) for child in as_dict(node.get("children")).values())
    return out


def _tree_file(directory: Path, artifacts: dict[str, Any]) -> Path | None:
    for artifact in artifacts.values():
        if isinstance(artifact, dict) and artifact.get("type") == "cdk:tree":
            name = as_dict(artifact.get("properties")).get("file")
            if isinstance(name, str):
                return directory / name
    return None


def read_manifest(directory: Path) -> tuple[list[StackArtifact], list[Path], list[str]]:
    """Stack artifacts, nested assembly directories and problems (messages) of one assembly."""
    manifest_path = directory / "manifest.json"
    manifest = load_file(manifest_path)
    if not isinstance(manifest, dict) or not isinstance(manifest.get("artifacts", {}), dict):
        raise LoadError("INVALID_MANIFEST", f"{manifest_path}: not a cloud assembly manifest")
    stacks: list[StackArtifact] = []
    nested: list[Path] = []
    problems: list[str] = []
    for artifact_id, artifact in (manifest.get("artifacts") or {}).items():
        if not isinstance(artifact, dict):
            problems.append(f"{manifest_path}: artifacts.{artifact_id} is not an object")
            continue
        props = as_dict(artifact.get("properties"))
        atype = artifact.get("type")
        if atype == "aws:cloudformation:stack":
            template = props.get("templateFile")
            if not isinstance(template, str):
                problems.append(f"{manifest_path}: artifacts.{artifact_id}.properties.templateFile is missing")
                continue
            account, region = _env(artifact.get("environment"))
            paths: dict[str, str] = {}
            metadata = artifact.get("metadata")
            for cpath, entries in (metadata.items() if isinstance(metadata, dict) else ()):
                for entry in entries if isinstance(entries, list) else ():
                    if isinstance(entry, dict) and entry.get("type") == "aws:cdk:logicalId" and isinstance(
                            entry.get("data"), str):
                        paths.setdefault(entry["data"], str(cpath).lstrip("/"))
            stacks.append(StackArtifact(
                artifact_id=artifact_id,
                display_name=str(artifact.get("displayName") or artifact_id),
                stack_name=str(props.get("stackName") or artifact_id),
                template_file=directory / template,
                account=account,
                region=region,
                construct_paths=paths,
            ))
        elif atype == "cdk:cloud-assembly":
            sub = props.get("directoryName")
            if isinstance(sub, str):
                nested.append(directory / sub)
            else:
                problems.append(f"{manifest_path}: artifacts.{artifact_id}.properties.directoryName is missing")
    # no path metadata in the manifest: the construct tree still knows every L1's logical id
    bare = [s for s in stacks if not s.construct_paths]
    tree_file = _tree_file(directory, manifest.get("artifacts") or {}) if bare else None
    if tree_file is not None and tree_file.is_file():
        try:
            tree = json.loads(tree_file.read_text(encoding="utf-8")).get("tree")
        except (OSError, ValueError, AttributeError):
            tree = None  # an unreadable tree only costs construct paths, never a policy
        by_stack = tree_logical_paths(tree, {s.display_name for s in bare}) if tree else {}
        for stack in bare:
            stack.construct_paths.update((lid, p) for (sp, lid), p in by_stack.items() if sp == stack.display_name)
    return stacks, nested, problems


def read_assets(directory: Path) -> AssetIndex:
    """Index the file assets of every ``*.assets.json`` in an assembly directory."""
    index = AssetIndex(directory)
    for manifest in sorted(directory.glob("*.assets.json")):
        try:
            data = load_file(manifest)
        except LoadError:
            continue  # an unreadable asset manifest only matters if a template points into it
        files = data.get("files") if isinstance(data, dict) else None
        if not isinstance(files, dict):
            continue
        for asset_hash, entry in files.items():
            if not isinstance(entry, dict):
                continue
            source = as_dict(entry.get("source"))
            path = source.get("path")
            if not isinstance(path, str) or source.get("packaging", "file") != "file":
                continue
            local = directory / path
            index.by_key[str(asset_hash)] = local
            for dest in (entry.get("destinations") or {}).values():
                if isinstance(dest, dict) and isinstance(dest.get("objectKey"), str):
                    index.by_key[dest["objectKey"]] = local
    return index
