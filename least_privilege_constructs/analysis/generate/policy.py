"""Generate a least-privilege identity policy from recorded CloudTrail activity, offline.

:func:`generate_policy` streams the records (:mod:`.records`), keeps the calls the principal made itself
in the time window, maps each operation to IAM actions (:mod:`.mapping`) and each action to resource
ARNs (:mod:`.resources`), infers ``iam:PassRole`` from role-ARN parameters, and builds a deterministic
policy: statements grouped by service and resource, split under the managed-policy size limit, checked
by the offline validator (no ERROR) before anything is returned. :func:`replay` evaluates every allowed
event of a trail against the result with the policy evaluator.

Rules, and the pages they follow:

* calls with ``userIdentity.invokedBy`` (or an ``AWSService`` identity) are made by a service on the
  principal's behalf, not by the principal ("CloudTrail userIdentity element",
  https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html):
  they are counted, never granted;
* calls that failed with an access-denied error code (``errorCode``: ``AccessDenied``,
  ``Client.UnauthorizedOperation``, ``AuthorizationError`` ...) go into the ``missing`` list, never into the
  policy; calls that failed otherwise (``NoSuchKey``, throttling) are granted, as the application makes
  them, and counted as ``allowed-with-error`` (``include_failed=False`` leaves them out);
* only ``eventType: AwsApiCall`` records are calls (Insights and service events are not);
* ``iam:PassRole`` is needed to hand a role to a service; ``iam:PassedToService`` names that service
  ("Granting a user permissions to pass a role to an AWS service",
  https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html);
* managed policy size: 6,144 characters, white space not counted ("IAM and AWS STS quotas",
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html).

Example::

    >>> import json, pathlib, tempfile
    >>> event = {"eventVersion": "1.09", "eventType": "AwsApiCall", "eventID": "e1",
    ...   "eventTime": "2026-01-05T10:00:00Z", "eventSource": "sqs.amazonaws.com", "eventName": "SendMessage",
    ...   "awsRegion": "eu-west-1", "recipientAccountId": "111122223333",
    ...   "userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::111122223333:assumed-role/app/s",
    ...     "accountId": "111122223333", "sessionContext": {"sessionIssuer": {"type": "Role",
    ...     "arn": "arn:aws:iam::111122223333:role/app"}}},
    ...   "requestParameters": {"queueUrl": "https://sqs.eu-west-1.amazonaws.com/111122223333/orders"}}
    >>> trail = pathlib.Path(tempfile.mkdtemp()) / "trail.json"
    >>> _ = trail.write_text(json.dumps({"Records": [event]}))
    >>> result = generate_policy([trail], principal="arn:aws:iam::111122223333:role/app")
    >>> result.documents[0]["Statement"][0]["Action"], result.documents[0]["Statement"][0]["Resource"]
    (['sqs:SendMessage'], ['arn:aws:sqs:eu-west-1:111122223333:orders'])
    >>> replay([trail], result).allowed_fraction
    1.0
"""

from __future__ import annotations

import heapq
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from least_privilege_constructs.analysis.catalog import get_catalog
from least_privilege_constructs.analysis.generate.errors import GenerateError
from least_privilege_constructs.analysis.generate.mapping import OperationMapper, OperationMapping, Unmapped
from least_privilege_constructs.analysis.generate.per_call import CallPart, split_call
from least_privilege_constructs.analysis.generate.records import Progress, iter_records
from least_privilege_constructs.analysis.generate.resources import ResolvedResource, resources_for
from least_privilege_constructs.analysis.iam.arn import Arn, role_arn_of_session
from least_privilege_constructs.analysis.iam.wildcards import split_action

MANAGED_POLICY_SIZE = 6144
SAMPLE_EVENT_IDS = 10
_DENIED = re.compile(r"accessdenied|unauthorized|authorizationerror", re.IGNORECASE)
_ROLE_KEY = re.compile(r"role(arn)?$", re.IGNORECASE)
_NO_PASSROLE_SOURCES = ("iam.amazonaws.com", "sts.amazonaws.com")

PathLike = str | os.PathLike[str]


# -- selecting events --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Selector:
    """Which events are the principal's own calls in the window.

    ``principal`` is a role or user ARN: it matches the session issuer ARN, the identity ARN, or an
    assumed-role session of the same account and role name (session ARNs carry no role path).
    ``session_issuer`` matches ``userIdentity.sessionContext.sessionIssuer.arn`` exactly.
    """

    principal: str | None = None
    session_issuer: str | None = None
    start: datetime | None = None
    end: datetime | None = None

    def __post_init__(self) -> None:
        if not self.principal and not self.session_issuer:
            raise GenerateError("LPC-GEN-003", "principal", "give the principal: a role or user ARN, or a session issuer ARN")
        for name, value in (("principal", self.principal), ("session_issuer", self.session_issuer)):
            if value and Arn.parse(value) is None:
                raise GenerateError("LPC-GEN-003", name, f"{value!r} is not an ARN")
        if self.start and self.end and self.start > self.end:
            raise GenerateError("LPC-GEN-006", "time window", "the start is after the end")

    @property
    def label(self) -> str:
        return str(self.principal or self.session_issuer)

    def matches(self, event: Mapping[str, Any]) -> bool:
        ui = event.get("userIdentity")
        if not isinstance(ui, Mapping):
            return False
        issuer = ((ui.get("sessionContext") or {}).get("sessionIssuer") or {}).get("arn")
        if self.session_issuer is not None:
            return bool(issuer == self.session_issuer)
        p = str(self.principal)
        arn = ui.get("arn")
        if issuer == p or arn == p:
            return True
        if isinstance(arn, str) and ":assumed-role/" in arn:
            role = role_arn_of_session(arn)
            want = Arn.parse(p)
            got = Arn.parse(role) if role else None
            return (want is not None and got is not None and want.resource_type == "role"
                    and got.account == want.account and got.name == want.name)
        return False

    def in_window(self, event: Mapping[str, Any]) -> bool:
        if self.start is None and self.end is None:
            return True
        t = parse_time(event.get("eventTime"))
        if t is None:
            return False
        return (self.start is None or t >= self.start) and (self.end is None or t <= self.end)


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 time (``2026-01-05T10:00:00Z``) as an aware datetime; None when not one."""
    if not isinstance(value, str):
        return None
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    return t


def classify(event: Mapping[str, Any], selector: Selector) -> str:
    """``allowed``, ``denied``, ``service-invoked``, ``other-principal``, ``out-of-window`` or
    ``not-a-call``."""
    if event.get("eventType", "AwsApiCall") != "AwsApiCall":
        return "not-a-call"
    if not selector.matches(event):
        return "other-principal"
    if not selector.in_window(event):
        return "out-of-window"
    ui = event.get("userIdentity") or {}
    if ui.get("invokedBy") or ui.get("type") == "AWSService":
        return "service-invoked"
    code = event.get("errorCode")
    if isinstance(code, str) and _DENIED.search(code):
        return "denied"
    return "allowed"


# -- requests of one event ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Need:
    """One (action, resource) an event needed, with the condition context it was made under."""

    action: str
    resource: ResolvedResource
    passed_to_service: str | None = None
    mapping: str = ""
    note: str | None = None  # why the event's actions are broader than it showed (see .per_call)

    @property
    def context(self) -> dict[str, str]:
        return {"iam:PassedToService": self.passed_to_service} if self.passed_to_service else {}


def needs_of(event: Mapping[str, Any], mapping: OperationMapping) -> list[Need]:
    """What ``event`` needed: each mapped action on each of its resources, and ``iam:PassRole`` on each
    role ARN the request hands to the service."""
    catalog = get_catalog()
    hints = {h.action: h.template for h in mapping.resource_hints}
    label = f"{mapping.label} -> {mapping.source}"
    out: list[Need] = []
    parts, note = (split_call(mapping.per_call, event.get("requestParameters"), mapping.actions)
                   if mapping.per_call else ([CallPart(a) for a in mapping.actions], None))
    for part in parts:
        info = catalog.action(part.action)
        if info is None:  # checked by the mapper; kept for type narrowing
            continue
        if part.request is None:
            found = resources_for(info, event, hints.get(part.action))
        else:  # one statement or item of the call: its own table, not every table the call touched
            found = resources_for(info, {**event, "requestParameters": dict(part.request),
                                         "responseElements": None, "resources": None})
        for r in found:
            out.append(Need(info.full_name, r, None, label, note))
    source = str(event.get("eventSource") or "")
    if source not in _NO_PASSROLE_SOURCES:
        passed_to = mapping.passed_to_service or source
        for role in passed_roles(event.get("requestParameters")):
            out.append(Need("iam:PassRole", ResolvedResource(role, "role", (), None, "parameter"), passed_to,
                            f"{mapping.label} -> role parameter (iam:PassRole)"))
    return out


def passed_roles(request: Any) -> list[str]:
    """Role ARNs under parameters named ``...Role`` / ``...RoleArn`` (``Role``, ``RoleArn``,
    ``ExecutionRoleArn``, ``ServiceRoleArn`` ...), anywhere in the request."""
    found: list[str] = []

    def walk(value: Any, key: str, depth: int) -> None:
        if depth > 12:
            return
        if isinstance(value, Mapping):
            for k, v in value.items():
                walk(v, str(k), depth + 1)
        elif isinstance(value, list):
            for v in value[:200]:
                walk(v, key, depth + 1)
        elif isinstance(value, str) and _ROLE_KEY.search(key):
            arn = Arn.parse(value)
            if arn is not None and arn.service == "iam" and arn.resource.startswith("role/") and "${" not in value:
                if value not in found:
                    found.append(value)

    walk(request, "", 0)
    return sorted(found)


class NeedsCache:
    """:func:`needs_of` memoized on what it reads (source, name, region, account, request, resources,
    response): trails repeat the same calls on the same resources. Bounded (oldest half dropped when
    full), so memory stays flat on any input size."""

    def __init__(self, size: int = 20000) -> None:
        self.size = size
        self._cache: dict[str, list[Need]] = {}
        self.hits = 0

    def needs(self, event: Mapping[str, Any], mapping: OperationMapping) -> list[Need]:
        try:
            key = json.dumps([event.get("eventSource"), event.get("eventName"), event.get("awsRegion"),
                              event.get("recipientAccountId"), (event.get("userIdentity") or {}).get("accountId"),
                              event.get("requestParameters"), event.get("resources"), event.get("responseElements")],
                             separators=(",", ":"), default=str)
        except (TypeError, ValueError):
            return needs_of(event, mapping)
        hit = self._cache.get(key)
        if hit is not None:
            self.hits += 1
            return hit
        if len(self._cache) >= self.size:
            for old in list(self._cache)[: self.size // 2]:
                del self._cache[old]
        value = self._cache[key] = needs_of(event, mapping)
        return value


# -- aggregation ---------------------------------------------------------------------------------------
@dataclass
class Seen:
    """How often and when a grant was needed, with a bounded, order-independent sample of event ids."""

    count: int = 0
    first: str = ""
    last: str = ""
    sample: list[tuple[str, str]] = field(default_factory=list)  # the smallest (time, event id) pairs
    mappings: set[str] = field(default_factory=set)

    def add(self, time: str, event_id: str, mapping: str) -> None:
        self.count += 1
        if time and (not self.first or time < self.first):
            self.first = time
        if time and time > self.last:
            self.last = time
        item = (time, event_id)
        if len(self.sample) < SAMPLE_EVENT_IDS:
            if item not in self.sample:
                self.sample.append(item)
        elif item < max(self.sample) and item not in self.sample:
            self.sample.remove(max(self.sample))
            self.sample.append(item)
        if mapping:
            self.mappings.add(mapping)

    def merge(self, other: Seen) -> None:
        self.count += other.count
        for t in (other.first, other.last):
            if t and (not self.first or t < self.first):
                self.first = t
            if t and t > self.last:
                self.last = t
        self.sample = heapq.nsmallest(SAMPLE_EVENT_IDS, set(self.sample) | set(other.sample))
        self.mappings |= other.mappings

    def to_json(self) -> dict[str, Any]:
        return {"count": self.count, "first_seen": self.first, "last_seen": self.last,
                "event_ids": [e for _t, e in sorted(self.sample)], "mappings": sorted(self.mappings)}


Key = tuple[str, str, str]  # (action, resource ARN, passed-to service or "")


@dataclass
class _Group:
    members: set[str] = field(default_factory=set)
    wildcard: str | None = None  # the folded suffix (ends with "*") once members overflow


class Aggregator:
    """Grants seen so far, bounded: more than ``max_per_group`` resources of one action under one parent
    (objects of a bucket, tables of an account ...) fold into one ARN ending in ``*`` at a ``/`` or ``:``
    boundary of their common prefix (broader, never narrower: replay still allows every event)."""

    def __init__(self, max_per_group: int) -> None:
        self.max_per_group = max_per_group
        self.grants: dict[Key, Seen] = {}
        self.groups: dict[tuple[str, str, str], _Group] = {}
        self.unresolved: dict[tuple[str, str, tuple[str, ...]], int] = {}
        self.folded: dict[Key, int] = {}

    def add(self, need: Need, time: str, event_id: str) -> None:
        r = need.resource
        if r.unresolved:
            k = (need.action, r.arn, r.unresolved)
            self.unresolved[k] = self.unresolved.get(k, 0) + 1
        arn = r.arn
        cond = need.passed_to_service or ""
        if r.group is not None and self.max_per_group > 0:
            gkey = (need.action, r.group, cond)
            g = self.groups.setdefault(gkey, _Group())
            suffix = arn[len(r.group):]
            if g.wildcard is not None:
                if not suffix.startswith(g.wildcard[:-1]):
                    self._refold(gkey, g, _fold_prefix(g.wildcard[:-1], suffix))
                arn = r.group + str(g.wildcard)
            elif suffix not in g.members:
                g.members.add(suffix)
                if len(g.members) > self.max_per_group:
                    prefix = os.path.commonprefix(sorted(g.members))  # noqa: RUF071 - strings, not paths
                    self._refold(gkey, g, _fold_prefix(prefix, prefix))
                    arn = r.group + str(g.wildcard)
        key = (need.action, arn, cond)
        seen = self.grants.get(key)
        if seen is None:
            seen = self.grants[key] = Seen()
        seen.add(time, event_id, need.mapping)

    def _refold(self, gkey: tuple[str, str, str], g: _Group, prefix: str) -> None:
        action, group, cond = gkey
        wildcard = prefix + "*"
        target = (action, group + wildcard, cond)
        merged = self.grants.pop(target, None) or Seen()
        old = [g.wildcard] if g.wildcard else []
        for suffix in [*sorted(g.members), *old]:
            seen = self.grants.pop((action, group + suffix, cond), None)
            if seen is not None:
                merged.merge(seen)
        self.grants[target] = merged
        carried = self.folded.pop((action, group + g.wildcard, cond), 0) if g.wildcard else 0
        self.folded[target] = self.folded.get(target, 0) + len(g.members) + carried
        g.members = set()
        g.wildcard = wildcard


def _fold_prefix(a: str, b: str) -> str:
    """The common prefix of ``a`` and ``b`` cut back to just after its last ``/`` or ``:``."""
    prefix = os.path.commonprefix([a, b])  # noqa: RUF071 - strings, not paths
    cut = max(prefix.rfind("/"), prefix.rfind(":"))
    return prefix[: cut + 1] if cut >= 0 else ""


# -- the result ------------------------------------------------------------------------------------------
@dataclass
class GeneratedPolicy:
    """The generated policy documents and the side report (provenance, missing, unmapped, unresolved)."""

    principal: str
    documents: list[dict[str, Any]]
    provenance: dict[str, dict[str, Any]]
    missing: list[dict[str, Any]]
    unmapped: list[dict[str, Any]]
    unresolved: list[dict[str, Any]]
    folded: list[dict[str, Any]]
    counts: dict[str, int]
    findings: list[dict[str, Any]]
    options: dict[str, Any]
    notes: list[dict[str, Any]] = field(default_factory=list)  # calls granted more than they showed, and why

    def policy_json(self) -> str:
        """The policy: one document, or a JSON array of documents when it was split (byte-identical for
        the same input)."""
        value: Any = self.documents[0] if len(self.documents) == 1 else self.documents
        return json.dumps(value, indent=2, ensure_ascii=False) + "\n"

    def report(self) -> dict[str, Any]:
        """The side report: counts, each statement's provenance, what is missing, unmapped, unresolved."""
        pairs = [p for p in self.provenance.values() for p in p["resources"]]
        scoped = [p for p in pairs if p["arn"] != "*"]
        concrete = [p for p in scoped if p["concrete"]]
        return {
            "principal": self.principal,
            "options": self.options,
            "counts": self.counts,
            "policies": len(self.documents),
            "resource_scoped_pairs": len(scoped),
            "concrete_arn_pairs": len(concrete),
            "statements": self.provenance,
            "missing": self.missing,
            "unmapped": self.unmapped,
            "unresolved": self.unresolved,
            "folded": self.folded,
            "notes": self.notes,
            "findings": self.findings,
        }

    def report_json(self) -> str:
        return json.dumps(self.report(), indent=2, ensure_ascii=False) + "\n"

    @property
    def statements(self) -> list[dict[str, Any]]:
        return [s for d in self.documents for s in d["Statement"]]

    def template(self, template_id: str = "generated.policy", title: str | None = None) -> dict[str, Any]:
        """The policy as a template of the catalog (``lpc templates``), checked by its loader."""
        from least_privilege_constructs.analysis.templates.template import PolicyTemplate

        services = sorted({split_action(a)[0] for s in self.statements for a in s["Action"]})
        data = {
            "id": template_id,
            "version": "1.0.0",
            "audience": "application",
            "title": title or f"Generated from CloudTrail activity of {self.principal}",
            "description": f"The actions and resources {self.principal} used in the recorded activity "
                           f"({self.counts.get('allowed', 0)} allowed calls).",
            "justification": "Generated by lpc generate-policy from CloudTrail records: every statement "
                             "is backed by recorded calls (see the provenance report).",
            "services": services,
            "keywords": ["generated", "cloudtrail"],
            "statements": self.statements,
        }
        PolicyTemplate.from_dict(data)
        return data

    def template_yaml(self, template_id: str = "generated.policy") -> str:
        import yaml

        return str(yaml.safe_dump(self.template(template_id), sort_keys=False, allow_unicode=True, width=1000))

    def cdk_snippet(self) -> str:
        """Python CDK code building the statements (``aws_iam.PolicyStatement``)."""
        lines = ["from aws_cdk import aws_iam as iam", "", "# generated by lpc generate-policy for "
                 + self.principal, "statements = ["]
        for s in self.statements:
            lines.append("    iam.PolicyStatement(")
            lines.append(f"        sid={json.dumps(s['Sid'])},")
            lines.append(f"        actions={json.dumps(s['Action'])},")
            lines.append(f"        resources={json.dumps(s['Resource'])},")
            if "Condition" in s:
                lines.append(f"        conditions={json.dumps(s['Condition'], sort_keys=True)},")
            lines.append("    ),")
        lines.append("]")
        return "\n".join(lines) + "\n"


# -- building statements ---------------------------------------------------------------------------------
def _sid_base(service: str) -> str:
    return "".join(p[:1].upper() + p[1:] for p in re.split(r"[^A-Za-z0-9]+", service) if p) or "Stmt"


def build_statements(grants: Mapping[Key, Seen]) -> list[tuple[dict[str, Any], list[Key]]]:
    """Statements grouped by service, then by the set of actions sharing the same resources (and
    condition); each with the grant keys it covers. Deterministic order."""
    by_resource: dict[tuple[str, str, str], set[str]] = {}
    for action, arn, cond in grants:
        by_resource.setdefault((split_action(action)[0], arn, cond), set()).add(action)
    by_actions: dict[tuple[str, tuple[str, ...], str], list[str]] = {}
    for (service, arn, cond), acts in by_resource.items():
        by_actions.setdefault((service, tuple(sorted(acts)), cond), []).append(arn)
    out: list[tuple[dict[str, Any], list[Key]]] = []
    counters: dict[str, int] = {}
    for (service, actions, cond), found in sorted(by_actions.items(),
                                                  key=lambda kv: (kv[0][0], kv[0][1], kv[0][2], sorted(kv[1]))):
        arns = ["*"] if "*" in found else sorted(found)
        base = _sid_base(service)
        counters[base] = counters.get(base, 0) + 1
        stmt: dict[str, Any] = {"Sid": f"{base}{counters[base]}", "Effect": "Allow", "Action": list(actions),
                                "Resource": arns}
        if cond:
            stmt["Condition"] = {"StringEquals": {"iam:PassedToService": cond}}
        keys = [(a, r, cond) for a in actions for r in (arns if arns != ["*"] else by_arn(grants, a, cond))]
        out.append((stmt, [k for k in keys if k in grants]))
    return out


def by_arn(grants: Mapping[Key, Seen], action: str, cond: str) -> list[str]:
    return sorted(arn for (a, arn, c) in grants if a == action and c == cond)


def _size(value: Any) -> int:
    """Characters IAM counts toward the policy size: the JSON without white space outside strings."""
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False))


def split_documents(statements: Sequence[dict[str, Any]], limit: int) -> list[list[dict[str, Any]]]:
    """Pack statements, in order, into documents under ``limit`` characters; a statement too large alone
    is split by resources (then actions)."""
    overhead = _size({"Version": "2012-10-17", "Statement": []})
    pieces: list[dict[str, Any]] = []
    for s in statements:
        pieces.extend(_split_statement(s, limit - overhead))
    docs: list[list[dict[str, Any]]] = [[]]
    used = overhead
    for p in pieces:
        size = _size(p) + 1
        if docs[-1] and used + size > limit:
            docs.append([])
            used = overhead
        docs[-1].append(p)
        used += size
    return docs


def _split_statement(s: dict[str, Any], room: int) -> list[dict[str, Any]]:
    if _size(s) + 1 <= room:
        return [s]
    for key in ("Resource", "Action"):
        values = s[key]
        if len(values) > 1:
            half = len(values) // 2
            a, b = dict(s, **{key: values[:half]}), dict(s, **{key: values[half:]})
            parts = _split_statement(a, room) + _split_statement(b, room)
            return [dict(p, Sid=f"{s['Sid']}Part{i + 1}") for i, p in enumerate(parts)]
    raise GenerateError("LPC-GEN-006", str(s.get("Sid")), f"one statement is larger than the size limit ({room})")


# -- the API -----------------------------------------------------------------------------------------------
def generate_policy(
    paths: Iterable[PathLike],
    principal: str | None = None,
    *,
    session_issuer: str | None = None,
    start: datetime | str | None = None,
    end: datetime | str | None = None,
    service_reference: Sequence[PathLike] = (),
    mapping_file: PathLike | None = None,
    max_policy_size: int = MANAGED_POLICY_SIZE,
    max_resources_per_group: int = 25,
    include_failed: bool = True,
    progress: Progress | None = None,
) -> GeneratedPolicy:
    """Generate the identity policy ``principal`` needs for the calls recorded in ``paths``.

    Raises :class:`~least_privilege_constructs.analysis.generate.errors.GenerateError` (stable
    ``LPC-GEN-*`` codes) on unreadable input, a missing principal, or a policy the validator rejects.
    """
    paths = list(paths)
    selector = Selector(principal, session_issuer, _time(start, "start"), _time(end, "end"))
    if max_policy_size < 200:
        raise GenerateError("LPC-GEN-006", "max_policy_size", "must be at least 200 characters")
    mapper = OperationMapper(tuple(str(p) for p in service_reference),
                             str(mapping_file) if mapping_file is not None else None)
    agg = Aggregator(max_resources_per_group)
    cache = NeedsCache()
    missing: dict[tuple[str, str, str], Seen] = {}
    missing_codes: dict[tuple[str, str, str], set[str]] = {}
    unmapped: dict[tuple[str, str, str], int] = {}
    notes: dict[tuple[str, str, str], int] = {}
    counts: dict[str, int] = {"records": 0}
    for _file, event in iter_records(paths, progress):
        counts["records"] += 1
        kind = classify(event, selector)
        counts[kind] = counts.get(kind, 0) + 1
        if kind not in ("allowed", "denied"):
            continue
        source, name = str(event.get("eventSource") or ""), str(event.get("eventName") or "")
        mapping = mapper.map(source, name)
        if isinstance(mapping, Unmapped):
            k = (source, name, mapping.reason)
            unmapped[k] = unmapped.get(k, 0) + 1
            continue
        if kind == "allowed" and event.get("errorCode"):
            if not include_failed:
                counts["failed-left-out"] = counts.get("failed-left-out", 0) + 1
                continue
            counts["allowed-with-error"] = counts.get("allowed-with-error", 0) + 1
        time, event_id = str(event.get("eventTime") or ""), str(event.get("eventID") or "")
        needs = cache.needs(event, mapping)
        for note in sorted({n.note for n in needs if n.note}):
            nk = (source, name, note)
            notes[nk] = notes.get(nk, 0) + 1
        for need in needs:
            if kind == "allowed":
                agg.add(need, time, event_id)
            else:
                mk = (need.action, need.resource.arn, need.passed_to_service or "")
                missing.setdefault(mk, Seen()).add(time, event_id, need.mapping)
                missing_codes.setdefault(mk, set()).add(str(event.get("errorCode")))
    result = _finish(selector, agg, missing, missing_codes, unmapped, counts, max_policy_size, {
        "principal": principal, "session_issuer": session_issuer,
        "start": selector.start.isoformat() if selector.start else None,
        "end": selector.end.isoformat() if selector.end else None,
        "max_policy_size": max_policy_size, "max_resources_per_group": max_resources_per_group,
        "include_failed": include_failed,
        "service_reference": [os.path.basename(str(p)) for p in service_reference],
    })
    result.notes = [{"event_source": s, "event_name": n, "note": note, "count": c}
                    for (s, n, note), c in sorted(notes.items())]
    return result


def _time(value: datetime | str | None, name: str) -> datetime | None:
    if value is None or isinstance(value, datetime):
        if isinstance(value, datetime) and value.tzinfo is None:
            raise GenerateError("LPC-GEN-006", name, "give a time zone (e.g. 2026-01-05T00:00:00Z)")
        return value
    t = parse_time(value)
    if t is None:
        raise GenerateError("LPC-GEN-006", name, f"{value!r} is not an ISO 8601 time (2026-01-05T00:00:00Z)")
    return t


def _finish(selector: Selector, agg: Aggregator, missing: Mapping[tuple[str, str, str], Seen],
            missing_codes: Mapping[tuple[str, str, str], set[str]],
            unmapped: Mapping[tuple[str, str, str], int], counts: dict[str, int], limit: int,
            options: dict[str, Any]) -> GeneratedPolicy:
    from least_privilege_constructs.analysis.validate import validate_policy

    unresolved_arns = {(a, arn) for (a, arn, _v) in agg.unresolved}
    statements = build_statements(agg.grants)
    provenance: dict[str, dict[str, Any]] = {}
    for stmt, keys in statements:
        total = Seen()
        for k in keys:
            total.merge(agg.grants[k])
        entry = total.to_json()
        entry["resources"] = [
            {"action": a, "arn": r, "concrete": r != "*" and "*" not in r.replace("-??????", "")
             and (a, r) not in unresolved_arns, "count": agg.grants[(a, r, c)].count}
            for a, r, c in sorted(keys)
        ]
        provenance[stmt["Sid"]] = entry
    docs: list[dict[str, Any]] = [{"Version": "2012-10-17", "Statement": part}
            for part in split_documents([s for s, _k in statements], limit)] if statements else []
    if not docs:
        docs = [{"Version": "2012-10-17", "Statement": []}]
    for sid in list(provenance):  # statements split by size share their provenance
        parts = [s["Sid"] for d in docs for s in d["Statement"] if s["Sid"].startswith(sid + "Part")]
        for p in parts:
            provenance[p] = provenance[sid]
        if parts:
            del provenance[sid]
    findings: list[dict[str, Any]] = []
    errors: list[str] = []
    for i, doc in enumerate(docs):
        if not doc["Statement"]:
            continue
        for f in validate_policy(doc, "IDENTITY_POLICY"):
            item = {"policy": i, **f.to_access_analyzer()}
            findings.append(item)
            if f.finding_type.value == "ERROR":
                errors.append(f"{f.issue_code} at {', '.join(f.location_strings())}")
    if errors:
        raise GenerateError("LPC-GEN-005", selector.label,
                            "the generated policy does not validate: " + "; ".join(errors[:10]))
    return GeneratedPolicy(
        principal=selector.label,
        documents=docs,
        provenance=dict(sorted(provenance.items(), key=lambda kv: _sid_order(docs, kv[0]))),
        missing=[{"action": a, "resource": r, **({"passed_to_service": c} if c else {}),
                  "error_codes": sorted(missing_codes[(a, r, c)]), **s.to_json()}
                 for (a, r, c), s in sorted(missing.items())],
        unmapped=[{"event_source": s, "event_name": n, "reason": why, "count": c}
                  for (s, n, why), c in sorted(unmapped.items())],
        unresolved=[{"action": a, "arn": arn, "unresolved": list(v), "count": c}
                    for (a, arn, v), c in sorted(agg.unresolved.items())],
        folded=[{"action": a, "arn": arn, **({"passed_to_service": c} if c else {}), "resources_folded_at_least": n}
                for (a, arn, c), n in sorted(agg.folded.items())],
        counts=dict(sorted(counts.items())),
        findings=findings,
        options=options,
    )


def _sid_order(docs: Sequence[Mapping[str, Any]], sid: str) -> int:
    order = [s["Sid"] for d in docs for s in d["Statement"]]
    return order.index(sid) if sid in order else len(order)


# -- replay ------------------------------------------------------------------------------------------------
@dataclass
class ReplayResult:
    """How the recorded calls fare against a generated policy: allowed counts and the requests denied."""

    allowed_events: int = 0
    denied_events: list[dict[str, Any]] = field(default_factory=list)
    granted_not_allowed: list[dict[str, Any]] = field(default_factory=list)
    requests: int = 0

    @property
    def allowed_fraction(self) -> float:
        total = self.allowed_events + len(self.denied_events)
        return 1.0 if total == 0 else self.allowed_events / total


def iter_needs(paths: Iterable[PathLike], selector: Selector, mapper: OperationMapper,
               kinds: tuple[str, ...] = ("allowed",)) -> Iterator[tuple[str, dict[str, Any], list[Need]]]:
    """``(kind, event, needs)`` for each selected event of ``paths`` whose kind is in ``kinds``."""
    for _f, event in iter_records(paths):
        kind = classify(event, selector)
        if kind not in kinds:
            continue
        mapping = mapper.map(str(event.get("eventSource") or ""), str(event.get("eventName") or ""))
        if isinstance(mapping, Unmapped):
            continue
        yield kind, event, needs_of(event, mapping)


def replay(paths: Iterable[PathLike], generated: GeneratedPolicy, *,
           service_reference: Sequence[PathLike] = (),
           check: Callable[[str, dict[str, Any]], bool] | None = None) -> ReplayResult:
    """Evaluate every allowed call of ``paths`` (for the principal and window the policy was generated
    for) against the generated documents with the policy evaluator; each event's every (action, resource)
    must be allowed."""
    from least_privilege_constructs.analysis.reasoning.evaluator import evaluate
    from least_privilege_constructs.analysis.reasoning.policy_set import PolicySet
    from least_privilege_constructs.analysis.reasoning.request import Request

    o = generated.options
    selector = Selector(o.get("principal"), o.get("session_issuer"), _time(o.get("start"), "start"),
                        _time(o.get("end"), "end"))
    mapper = OperationMapper(tuple(str(p) for p in service_reference))
    policies = PolicySet.build(identity=generated.documents)
    with_key_policy: dict[str, PolicySet] = {}
    caller = generated.principal
    result = ReplayResult()
    for _kind, event, needs in iter_needs(paths, selector, mapper):
        if event.get("errorCode") and o.get("include_failed") is False:
            continue
        bad = []
        for need in needs:
            result.requests += 1
            ps = policies
            arn = Arn.parse(need.resource.arn)
            if arn is not None and arn.service == "kms" and arn.resource.startswith("key/") and arn.account:
                # KMS keys need their key policy to delegate to IAM: replay assumes the default key policy
                # ("Default key policy", https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html)
                if arn.account not in with_key_policy:
                    with_key_policy[arn.account] = PolicySet.build(
                        identity=generated.documents, resource=default_key_policy(arn.partition, arn.account))
                ps = with_key_policy[arn.account]
            decision = evaluate(Request(caller, need.action, need.resource.arn, need.context), ps)
            if not decision.allowed:
                bad.append({"action": need.action, "resource": need.resource.arn, "reason": decision.reason})
        if bad:
            result.denied_events.append({"event_id": event.get("eventID"), "denied": bad})
        else:
            result.allowed_events += 1
    return result


def default_key_policy(partition: str, account: str) -> dict[str, Any]:
    """The default KMS key policy: the account's IAM policies govern access to the key."""
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "Enable IAM User Permissions", "Effect": "Allow",
        "Principal": {"AWS": f"arn:{partition}:iam::{account}:root"}, "Action": "kms:*", "Resource": "*"}]}
