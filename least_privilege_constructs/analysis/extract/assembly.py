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
