"""The table of resources that run with a role, and compact action lists for statements made from it.

``data/role_runners.json`` (validated by ``data/role_runners.schema.json``) has one row per resource
type whose code, definition, image, document, script, parameter, target, layer or user data runs with an
IAM role: how the role is bound, the actions that change *what* runs, those that start it, whether changing
it checks ``iam:PassRole`` again, how application resources are recognized, and the AWS documentation or
public escalation catalog each row follows. The permissions boundary's takeover protection
(:mod:`least_privilege_constructs.boundary.boundary_document`) and the escalation analysis (B9 in
:mod:`.checks`) are both made from this one table: a new row closes a path in the boundary and teaches the
analysis in one change.

Example::

    >>> row = runner("states-state-machine")
    >>> row.changes, row.starts
    (('states:UpdateStateMachine',), ('states:StartExecution', 'states:StartSyncExecution'))
    >>> row.application_arns("app-", partition="aws", account="111122223333")
    ('arn:aws:states:*:111122223333:stateMachine:app-*',)
    >>> compact_actions(["iam:PutRolePolicy", "iam:PutRolePermissionsBoundary", "iam:CreateRole"])
    ['iam:PutRole*', 'iam:CreateRole']
    >>> compact_actions(["ssm:UpdateDocument", "ssm:UpdateDocumentDefaultVersion"])  # UpdateDocumentMetadata too
    ['ssm:UpdateDocument', 'ssm:UpdateDocumentDefaultVersion']
    >>> compact_actions(["ssm:UpdateDocument", "ssm:UpdateDocumentDefaultVersion"], extra_resource_types={"document"})
    ['ssm:UpdateDocument*']
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from least_privilege_constructs.analysis.iam.wildcards import action_matches, split_action

DATA_DIR = Path(__file__).resolve().parent / "data"
TABLE_PATH = DATA_DIR / "role_runners.json"
SCHEMA_PATH = DATA_DIR / "role_runners.schema.json"

_READ_LEVELS = frozenset({"List", "Read"})


class RunnerTableError(ValueError):
    """The table does not follow its schema (the message names the row and field)."""


@dataclass(frozen=True)
class CfnBinding:
    """How a CloudFormation resource of this kind names its role (and its name, for its ARN)."""

    type: str
    role: str
    name: str | None = None


@dataclass(frozen=True)
class Source:
    title: str
    url: str


@dataclass(frozen=True)
class RoleRunner:
    """One row of the table (see the module docstring and the schema for the fields)."""

    id: str
    title: str
    service: str
    resource_type: str
    role_binding: str
    changes: tuple[str, ...]
    starts: tuple[str, ...]
    reads: tuple[str, ...]
    pass_role_rechecked: str
    scope: str
    application_arn_templates: tuple[str, ...]
    condition_key: str | None
    probe_arn_template: str
    interactive: bool
    condition: str | None
    classic: dict[str, str]
    cloudformation: tuple[CfnBinding, ...]
    sources: tuple[Source, ...]

    @property
    def actions(self) -> tuple[str, ...]:
        """Every action of the row: changes, then starts, then reads."""
        return tuple(dict.fromkeys((*self.changes, *self.starts, *self.reads)))

    @property
    def guarded(self) -> bool:
        """Whether the boundary and the analysis must guard the row: it has actions, and they do not all
        check ``iam:PassRole`` again (``always`` rows are closed by the PassRole statements, B8)."""
        return bool(self.actions) and self.pass_role_rechecked != "always"

    @property
    def conditional(self) -> bool:
        """A data-plane row: the path opens only if :attr:`condition` holds (reported as a warning)."""
        return self.condition is not None

    def kind_of(self, action: str) -> str:
        """``change``, ``start`` or ``read`` (case-insensitive); KeyError when the row lacks the action."""
        for kind, group in (("change", self.changes), ("start", self.starts), ("read", self.reads)):
            if any(a.lower() == action.lower() for a in group):
                return kind
        raise KeyError(f"{self.id} has no action {action}")

    def application_arns(self, prefix: str, *, partition: str = "${AWS::Partition}",
                         account: str = "${AWS::AccountId}") -> tuple[str, ...]:
        """The ARN patterns of application resources (``{prefix}`` filled in)."""
        return tuple(_fill(t, partition=partition, account=account, prefix=prefix)
                     for t in self.application_arn_templates)

    def probe_arn(self, name: str, *, partition: str, region: str, account: str) -> str:
        """A concrete ARN of a resource of this kind named ``name`` (for the analysis' questions)."""
        return _fill(self.probe_arn_template, partition=partition, region=region, account=account, name=name)


def _fill(template: str, **values: str) -> str:
    out = template
    for key, value in values.items():
        out = out.replace("{" + key + "}", value)
    return out


@lru_cache(maxsize=4)
def load_runners(path: str | None = None) -> tuple[RoleRunner, ...]:
    """The rows of the table (validated against its JSON schema; every action must exist in the IAM
    service reference, every row must cite at least one source)."""
    import jsonschema

    table_path = Path(path) if path else TABLE_PATH
    try:
        data = json.loads(table_path.read_text(encoding="utf-8"))
        schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise RunnerTableError(f"{table_path}: cannot read the role-runner table: {exc}") from None
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path) or "(root)"
        raise RunnerTableError(f"{table_path}: {where}: {first.message}")
    return tuple(_row(raw, table_path) for raw in data["runners"])


def _row(raw: dict[str, Any], where: Path) -> RoleRunner:
    from least_privilege_constructs.analysis.catalog import get_catalog

    catalog = get_catalog()
    row = RoleRunner(
        id=raw["id"], title=raw["title"], service=raw["service"], resource_type=raw["resourceType"],
        role_binding=raw["roleBinding"], changes=tuple(raw["changes"]), starts=tuple(raw["starts"]),
        reads=tuple(raw.get("reads", ())), pass_role_rechecked=raw["passRoleRechecked"], scope=raw["scope"],
        application_arn_templates=tuple(raw.get("applicationArns", ())), condition_key=raw.get("conditionKey"),
        probe_arn_template=raw["probeArn"], interactive=bool(raw.get("interactive", False)),
        condition=raw.get("condition"), classic=dict(raw.get("classic", {})),
        cloudformation=tuple(CfnBinding(c["type"], c["role"], c.get("name")) for c in raw.get("cloudFormation", ())),
        sources=tuple(Source(s["title"], s["url"]) for s in raw["sources"]),
    )
    for action in row.actions:
        if not catalog.action_exists(action):
            raise RunnerTableError(f"{where}: {row.id}: {action} is not an action of the IAM service reference")
    if row.condition_key:
        for action in row.actions:
            info = catalog.action(action)
            assert info is not None
            keys = {k.lower() for k in (*info.condition_keys, *info.resource_condition_keys)}
            if row.condition_key.lower() not in keys:
                raise RunnerTableError(f"{where}: {row.id}: {action} does not support {row.condition_key}: a Deny "
                                       "conditioned on it would deny the action everywhere")
    for action in row.classic:
        if action not in row.actions:
            raise RunnerTableError(f"{where}: {row.id}: classic id given for {action}, which the row does not list")
    return row


def runner(runner_id: str) -> RoleRunner:
    """The row with this id; KeyError names the known ids."""
    for row in load_runners():
        if row.id == runner_id:
            return row
    raise KeyError(f"unknown role-runner row {runner_id!r}; known: {', '.join(r.id for r in load_runners())}")


def rows_allowed_by(allowed: Iterable[str] | None) -> tuple[RoleRunner, ...]:
    """The guarded rows with an action that some pattern of ``allowed`` names (None: every guarded row).

    A boundary needs no statement for a row whose actions its Allow statements never grant: the boundary
    denies them implicitly already."""
    rows = tuple(r for r in load_runners() if r.guarded)
    if allowed is None:
        return rows
    patterns = list(allowed)
    return tuple(r for r in rows if any(action_matches(p, a) for a in r.actions for p in patterns))


# -- compact action lists -----------------------------------------------------------------------------------


def compact_actions(actions: Iterable[str], *, extra_resource_types: Iterable[str] | None = None) -> list[str]:
    """A shorter list of action patterns that matches every action of ``actions`` and, per service, nothing
    else, except (when ``extra_resource_types`` is given) write actions (access level not List or Read)
    whose required resource types are all among ``extra_resource_types``: in a Deny scoped to those
    resources they are the same kind of write, and a read never becomes denied. Matching is checked
    against the IAM service reference (:mod:`~least_privilege_constructs.analysis.catalog`). A Deny made
    from this list stays a superset of ``actions`` when the catalog grows (fail closed).
    """
    ordered = list(dict.fromkeys(actions))
    by_service: dict[str, list[str]] = {}
    for action in ordered:
        service, _ = split_action(action)
        by_service.setdefault(service.lower(), []).append(action)
    extras = frozenset(extra_resource_types) if extra_resource_types is not None else None
    out: list[str] = []
    for service, group in by_service.items():
        out.extend(_compact_service(service, tuple(group), extras))
    return out


@lru_cache(maxsize=512)
def _compact_service(service: str, actions: tuple[str, ...], extras: frozenset[str] | None) -> tuple[str, ...]:
    from least_privilege_constructs.analysis.catalog import get_catalog

    catalog = get_catalog()
    known = catalog.actions_of(service)
    names: list[str] = []
    literal: list[str] = []
    for action in actions:
        info = catalog.action(action)
        if info is None or any(c in action for c in "*?"):
            literal.append(action)  # an unknown action or a pattern stays as given
        else:
            names.append(info.name)
    if len(names) < 2:
        return (*literal, *(f"{service}:{n}" for n in names))
    targets = frozenset(n.lower() for n in names)
    allowed = set(targets)
    if extras is not None:
        for lower, info in known.items():
            if (info.access_level not in _READ_LEVELS and info.required_resource_types
                    and set(info.required_resource_types) <= extras):
                allowed.add(lower)
    candidates: dict[str, frozenset[str]] = {}
    # wildcards only at word boundaries of the CamelCase names (UpdateStack*, *LayerUpload, Start*Execution):
    # readable, and a future action matches only when it shares whole words
    for name in names:
        for k in _word_starts(name):
            if k >= 3:
                candidates.setdefault(name[:k] + "*", frozenset())
            if len(name) - k >= 3:
                candidates.setdefault("*" + name[k:], frozenset())
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            pre = _common_prefix(a, b)
            pre = pre[:max([k for k in _word_starts(a) if k <= len(pre)], default=0)]
            suf = _common_prefix(a[len(pre):][::-1], b[len(pre):][::-1])[::-1]
            starts = [k for k in _word_starts(a) if k >= len(a) - len(suf)]
            suf = a[starts[0]:] if starts else ""
            if len(pre) + len(suf) >= 3 and pre + suf not in (a, b):
                candidates.setdefault(pre + "*" + suf, frozenset())
    valid: dict[str, frozenset[str]] = {}
    for pattern in candidates:
        matched = frozenset(split_action(a)[1].lower() for a in catalog.expand_action(f"{service}:{pattern}"))
        covered = matched & targets
        if len(covered) >= 2 and matched <= allowed:
            valid[pattern] = covered
    chosen: list[str] = []
    uncovered = set(targets)
    by_lower = {n.lower(): n for n in names}
    while True:
        best, best_gain = None, 0
        for pattern, covered in sorted(valid.items()):
            new = covered & uncovered
            gain = sum(len(service) + len(by_lower[n]) + 4 for n in new) - (len(service) + len(pattern) + 4)
            if gain > best_gain:
                best, best_gain = pattern, gain
        if best is None:
            break
        chosen.append(best)
        uncovered -= valid.pop(best)
    rest = [by_lower[n] for n in sorted(uncovered, key=lambda n: [x.lower() for x in names].index(n))]
    return (*literal, *(f"{service}:{p}" for p in chosen), *(f"{service}:{n}" for n in rest))


def _word_starts(name: str) -> list[int]:
    """Indexes where a CamelCase word of ``name`` starts (after the first)."""
    return [i for i in range(1, len(name)) if name[i].isupper() and not name[i - 1].isupper()]


def _common_prefix(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]
