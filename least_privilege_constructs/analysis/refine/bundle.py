"""The evidence bundle: one versioned JSON format for what the collectors read from AWS.

The format is ``schema/evidence-bundle.v1.json`` (JSON Schema 2020-12, checked with ``jsonschema``). Its
fields keep the AWS API's own names and shapes, so a bundle can be written by hand from the API reference:

* ``accounts[].roles[].lastAccessed`` is ``GetServiceLastAccessedDetails`` (``ACTION_LEVEL`` or
  ``SERVICE_LEVEL``, every ``Marker`` page joined) for the role
  (https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetServiceLastAccessedDetails.html);
* ``organizationsAccessReports[]`` is ``GetOrganizationsAccessReport`` for one entity path
  (https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetOrganizationsAccessReport.html);
* ``accounts[].credentialReport.rows`` are the rows of the credential report CSV
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html);
* ``accounts[].unusedAccessFindings`` are ``GetFindingV2`` results of an unused-access analyzer, with
  ``recommendation`` from ``GetFindingRecommendation``
  (https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_GetFindingV2.html).

Timestamps are ISO 8601 strings with a zone. Example::

    >>> bundle = load_bundle({"format": "lpc-evidence-bundle", "version": 1,
    ...                       "generatedAt": "2026-12-01T00:00:00Z", "accounts": []})
    >>> bundle["version"]
    1
    >>> try:
    ...     load_bundle({"format": "lpc-evidence-bundle", "version": 2, "generatedAt": "2026-12-01T00:00:00Z",
    ...                  "accounts": []})
    ... except RefineError as exc:
    ...     print(exc)
    [LPC-REFINE-001] <bundle>: $.version: 1 was expected
"""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from least_privilege_constructs.analysis.refine.errors import RefineError

FORMAT = "lpc-evidence-bundle"
VERSION = 1


@functools.lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    """The bundle's JSON Schema (version 1)."""
    text = (resources.files(__package__) / "schema" / "evidence-bundle.v1.json").read_text(encoding="utf-8")
    return dict(json.loads(text))


@functools.lru_cache(maxsize=1)
def _validator() -> Any:
    import jsonschema

    full = schema()

    def inline(node: Any) -> Any:  # the schema has no recursion: inlining the $defs makes validation faster
        if isinstance(node, dict):
            if "$ref" in node:
                return inline(full["$defs"][node["$ref"].rsplit("/", 1)[-1]])
            return {k: inline(v) for k, v in node.items() if k != "$defs"}
        return [inline(x) for x in node] if isinstance(node, list) else node

    return jsonschema.Draft202012Validator(inline(full))


def _json_path(path: Any) -> str:
    out = "$"
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else f".{step}"
    return out


def validation_errors(bundle: Any) -> list[str]:
    """Every schema violation of ``bundle``, as ``$.json.path: message`` (empty when it is valid)."""
    if _validator().is_valid(bundle):
        return []
    errors = sorted(_validator().iter_errors(bundle), key=lambda e: list(map(str, e.absolute_path)))
    return [f"{_json_path(e.absolute_path)}: {e.message}" for e in errors]


def load_bundle(source: str | Path | dict[str, Any], where: str | None = None) -> dict[str, Any]:
    """A validated bundle from a dict or a JSON file. Raises :class:`RefineError` (``LPC-REFINE-001``)
    naming the file and the first JSON path that is wrong."""
    if isinstance(source, dict):
        data: Any = source
        where = where or "<bundle>"
    else:
        path = Path(source)
        where = where or str(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8-sig"))
        except FileNotFoundError:
            raise RefineError("LPC-REFINE-001", where, "no such file") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise RefineError("LPC-REFINE-001", where, f"cannot read: {exc}") from None
        except json.JSONDecodeError as exc:
            raise RefineError("LPC-REFINE-001", where,
                              f"not valid JSON (line {exc.lineno} column {exc.colno}: {exc.msg})") from None
    errors = validation_errors(data)
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise RefineError("LPC-REFINE-001", where, errors[0] + more)
    return dict(data)


def new_bundle(generated_at: datetime | None = None, organization_id: str | None = None) -> dict[str, Any]:
    """An empty bundle (the collectors fill it)."""
    bundle: dict[str, Any] = {"format": FORMAT, "version": VERSION,
                              "generatedAt": iso(generated_at or datetime.now(UTC)), "accounts": []}
    if organization_id:
        bundle["organizationId"] = organization_id
    return bundle


def merge_bundles(bundles: list[dict[str, Any]]) -> dict[str, Any]:
    """One bundle from several (accounts and reports concatenated; the oldest ``generatedAt`` is kept, so
    the age guardrail judges the oldest evidence)."""
    if not bundles:
        return new_bundle()
    out = new_bundle(min(parse_time(b["generatedAt"]) for b in bundles))
    org = {b.get("organizationId") for b in bundles} - {None}
    if len(org) == 1:
        out["organizationId"] = org.pop()
    for b in bundles:
        out["accounts"].extend(b.get("accounts", []))
        for key in ("organizationsAccessReports", "errors"):
            if b.get(key):
                out.setdefault(key, []).extend(b[key])
        if b.get("managedPolicies"):
            out.setdefault("managedPolicies", {}).update(b["managedPolicies"])
    return out


def parse_time(value: str | datetime) -> datetime:
    """An ISO 8601 timestamp (``Z`` or an offset) as an aware datetime."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def iso(value: datetime) -> str:
    """An aware datetime as the bundle's timestamp text (UTC, ``Z``)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
