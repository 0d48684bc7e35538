"""SARIF 2.1.0 for GitHub code scanning and other SARIF consumers.

One rule per issue code (``tool.driver.rules``, with a ``security-severity`` for GitHub), one result per
finding: ``level`` from the finding type and the blocking set (blocking -> ``error``, WARNING ->
``warning``, SUGGESTION -> ``note``), a physical location in the template file and a logical location
naming the construct path.

The physical location is exact: the line and column the loader recorded for the finding's path (the
policy's path in the template plus the finding's location inside the policy, or its nearest ancestor in
the file: a value built by an intrinsic function points at the function). An origin built by hand, with
no recorded location, points at its resource (``Resources.<logical id>``, or the StackSet's resource for
a policy of an inline StackSet template), read with the same loader.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from least_privilege_constructs.analysis.findings import (
    DEFAULT_BLOCKING,
    Finding,
    FindingType,
    PolicyOrigin,
    blocks,
    sort_findings,
)
from least_privilege_constructs.analysis.model.spans import Position, SourceSpans
from least_privilege_constructs.analysis.report.grouping import (
    TOOL_NAME,
    TOOL_URI,
    catalog_snapshot,
    rule_name,
    rule_title,
)

if TYPE_CHECKING:
    from least_privilege_constructs.analysis.extract.model import ExtractedPolicy

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_HELP = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html"
_SECURITY_SEVERITY = {
    FindingType.ERROR: "7.0",
    FindingType.SECURITY_WARNING: "8.0",
    FindingType.WARNING: "4.0",
    FindingType.SUGGESTION: "1.0",
}


def _level(finding: Finding, blocking: frozenset[FindingType]) -> str:
    if blocks(finding, blocking):
        return "error"
    if finding.finding_type is FindingType.SUGGESTION:
        return "note"
    return "warning"


def _uri(source: str, base: Path | None) -> str:
    path = Path(source)
    if base is not None:
        try:
            return Path(os.path.relpath(path.resolve(), base.resolve())).as_posix()
        except ValueError:  # another drive on Windows
            pass
    return path.as_posix()


def _spans(source: str) -> SourceSpans | None:
    try:
        stat = os.stat(source)
    except OSError:
        return None
    return _spans_of(source, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=64)
def _spans_of(source: str, mtime_ns: int, size: int) -> SourceSpans | None:
    """Keyed by modification time and size too: a long-lived process (``cdk watch``) re-renders changed files."""
    from least_privilege_constructs.analysis.extract.loader import LoadError, load_file_with_spans

    try:
        return load_file_with_spans(Path(source))[1]
    except LoadError:
        return None


def _position(finding: Finding, origin: PolicyOrigin) -> Position | None:
    """The finding's line and column: recorded by the loader, else the line of the origin's resource."""
    position = origin.position(finding.locations[0] if finding.locations else ())
    if position is not None:
        return position
    spans = _spans(origin.source) if origin.source else None
    if spans is None:
        return None
    for logical_id in (origin.logical_id, _outer_logical_id(origin.json_path)):
        if logical_id:
            position = spans.position(["Resources", logical_id])
            if position is not None:
                return position
    return None


def _region(finding: Finding, origin: PolicyOrigin) -> dict[str, int]:
    position = _position(finding, origin)
    if position is None:
        return {"startLine": 1}
    return {"startLine": position.line, "startColumn": position.column}


def _outer_logical_id(json_path: str | None) -> str | None:
    """For a policy inside a StackSet's inline template: the StackSet's logical id."""
    if not json_path or " > " not in json_path or not json_path.startswith("Resources."):
        return None
    return json_path.split(".", 2)[1]


def sarif_dict(findings: Sequence[Finding], *, policies: Sequence[ExtractedPolicy] | None = None,
               blocking: Iterable[FindingType | str] = DEFAULT_BLOCKING, base_dir: str | Path | None = None,
               tool_version: str | None = None) -> dict[str, Any]:
    """The SARIF log as a dict. ``base_dir`` makes artifact URIs relative (default: the working directory)."""
    blocking_set = frozenset(FindingType(str(b)) for b in blocking)
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    ordered = sort_findings(findings)
    rules: list[dict[str, Any]] = []
    rule_index: dict[str, int] = {}
    for f in ordered:
        if f.issue_code in rule_index:
            continue
        rule_index[f.issue_code] = len(rules)
        rules.append({
            "id": f.issue_code,
            "name": rule_name(f.issue_code),
            "shortDescription": {"text": rule_title(f.issue_code)},
            "fullDescription": {"text": f"{rule_title(f.issue_code)} ({f.finding_type.value}, check {f.check})"},
            "helpUri": f.learn_more_link or _HELP,
            "defaultConfiguration": {"level": _level(f, blocking_set)},
            "properties": {
                "tags": ["security", "iam", f.check],
                "security-severity": _SECURITY_SEVERITY[f.finding_type],
                "findingType": f.finding_type.value,
            },
        })
    results = []
    for f in ordered:
        origin = f.origin
        location: dict[str, Any] = {}
        if origin is not None and origin.source:
            location["physicalLocation"] = {
                "artifactLocation": {"uri": _uri(origin.source, base)},
                "region": _region(f, origin),
            }
        logical_name = origin.label() if origin is not None else None
        if logical_name:
            location["logicalLocations"] = [{
                "fullyQualifiedName": logical_name,
                "name": origin.logical_id or logical_name if origin else logical_name,
                "kind": "resource",
            }]
        where = ", ".join(f.location_strings())
        text = f.message + (f" [{where}]" if where else "")
        fingerprint = hashlib.sha256(
            "|".join([f.issue_code, logical_name or "", origin.json_path or "" if origin else "", where]).encode()
        ).hexdigest()
        result: dict[str, Any] = {
            "ruleId": f.issue_code,
            "ruleIndex": rule_index[f.issue_code],
            "level": _level(f, blocking_set),
            "message": {"text": text},
            "locations": [location] if location else [],
            "partialFingerprints": {"lpcFindingHash/v1": fingerprint},
            "properties": {
                "findingType": f.finding_type.value,
                "check": f.check,
                "policyLocations": f.location_strings(),
                **({"origin": origin.to_dict()} if origin is not None else {}),
            },
        }
        results.append(result)
    driver: dict[str, Any] = {"name": TOOL_NAME, "informationUri": TOOL_URI, "rules": rules}
    version = tool_version or _package_version()
    if version:
        driver["version"] = version
        driver["semanticVersion"] = version
    run: dict[str, Any] = {"tool": {"driver": driver}, "results": results, "columnKind": "unicodeCodePoints"}
    run["properties"] = {"iamCatalog": catalog_snapshot()}
    if policies is not None:
        run["properties"]["policiesChecked"] = len(policies)
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def _package_version() -> str | None:
    """The installed distribution's version (the core never imports the package root, which is the CDK
    layer's entry point)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("least-privilege-constructs")
    except PackageNotFoundError:  # pragma: no cover - run from a source tree that was never installed
        return None


def render_sarif(findings: Sequence[Finding], *, policies: Sequence[ExtractedPolicy] | None = None,
                 blocking: Iterable[FindingType | str] = DEFAULT_BLOCKING, base_dir: str | Path | None = None) -> str:
    return json.dumps(sarif_dict(findings, policies=policies, blocking=blocking, base_dir=base_dir), indent=2) + "\n"
