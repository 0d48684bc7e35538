"""Operations whose IAM actions depend on the request: DynamoDB PartiQL statements and transactions.

A data-file row with ``per_call`` names the kind; :func:`split_call` reads the CloudTrail record's
``requestParameters`` and says which action each part of the call needs, on which table:

* ``partiql`` (``ExecuteStatement``, ``BatchExecuteStatement``, ``ExecuteTransaction``): each statement
  needs the PartiQL action of its verb on its table or index: ``SELECT`` -> ``dynamodb:PartiQLSelect``,
  ``INSERT`` -> ``PartiQLInsert``, ``UPDATE`` -> ``PartiQLUpdate``, ``DELETE`` -> ``PartiQLDelete``
  ("IAM security policies with PartiQL for DynamoDB",
  https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ql-iam.html). CloudTrail records the
  statement text with non-key values redacted ("Understanding DynamoDB log file entries",
  https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/understanding-ddb-log-entries.html);
* ``transact-write`` (``TransactWriteItems``): a ``Put``, ``Update``, ``Delete`` or ``ConditionCheck``
  item needs ``PutItem``, ``UpdateItem``, ``DeleteItem`` or ``ConditionCheckItem`` on its table;
  ``transact-get`` (``TransactGetItems``): each ``Get`` item needs ``GetItem`` ("Using IAM with DynamoDB
  transactions", https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html).
  Items are read in CloudTrail's shape (``{"operation": "Put", "tableName": ...}``) and in the API's
  (``{"put": {"tableName": ...}}``, any letter case).

When the record does not show a statement or an item (or a statement is not one of the four verbs, e.g.
``EXISTS(...)`` in a transaction), that part gets every action of the row (the PartiQL four, the four
write actions) on the event's resources, and a note says so: broader, never narrower.

Example::

    >>> parts, note = split_call("partiql", {"statement": 'SELECT * FROM "Music" WHERE Artist=?'},
    ...                          ("dynamodb:PartiQLSelect",))
    >>> [(p.action, p.request) for p in parts], note
    ([('dynamodb:PartiQLSelect', {'tableName': 'Music'})], None)
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

KINDS = ("partiql", "transact-write", "transact-get")

_IDENT = r'(?:"((?:[^"]|"")+)"|([A-Za-z0-9_-]+))'
_STATEMENT = re.compile(
    r"^\s*(?:(?P<select>SELECT)\b.*?\bFROM\s+|(?P<insert>INSERT)\s+INTO\s+|(?P<update>UPDATE)\s+"
    r"|(?P<delete>DELETE)\s+FROM\s+)" + _IDENT + r"(?:\s*\.\s*" + _IDENT + r")?",
    re.IGNORECASE | re.DOTALL,
)
PARTIQL_ACTIONS = {"select": "dynamodb:PartiQLSelect", "insert": "dynamodb:PartiQLInsert",
                   "update": "dynamodb:PartiQLUpdate", "delete": "dynamodb:PartiQLDelete"}
WRITE_ACTIONS = {"put": "dynamodb:PutItem", "update": "dynamodb:UpdateItem", "delete": "dynamodb:DeleteItem",
                 "conditioncheck": "dynamodb:ConditionCheckItem"}
_ITEM_KINDS = (*WRITE_ACTIONS, "get")
_MAX_PARTS = 200  # statements or items read from one call (a transaction holds at most 100)


@dataclass(frozen=True)
class CallPart:
    """One action a part of the call needs; ``request`` is what its resource is resolved from
    (``{"tableName": ..., "indexName": ...}``), or None for the whole event's request and resources."""

    action: str
    request: Mapping[str, str] | None = None


def _norm(key: str) -> str:
    return re.sub(r"[^a-z0-9]", "", key.lower())


def statements(request: Any) -> list[str]:
    """PartiQL statement texts anywhere in ``request`` (values of keys named ``statement``), in order."""
    found: list[str] = []

    def walk(value: Any, key: str, depth: int) -> None:
        if depth > 8 or len(found) >= _MAX_PARTS:
            return
        if isinstance(value, Mapping):
            for k, v in value.items():
                walk(v, str(k), depth + 1)
        elif isinstance(value, list):
            for v in value:
                walk(v, key, depth + 1)
        elif isinstance(value, str) and _norm(key) in ("statement", "statements"):
            found.append(value)

    walk(request, "", 0)
    return found


def parse_statement(text: str) -> tuple[str, str, str | None] | None:
    """``(verb, table, index or None)`` of a PartiQL for DynamoDB statement, or None when it is not a
    plain SELECT / INSERT / UPDATE / DELETE on a named table."""
    m = _STATEMENT.match(text)
    if m is None:
        return None
    verb = next(v for v in PARTIQL_ACTIONS if m.group(v))
    groups = m.groups()[4:]
    table = (groups[0] or "").replace('""', '"') or groups[1]
    index = (groups[2] or "").replace('""', '"') or groups[3]
    if not table:
        return None
    return verb, table, index if verb == "select" and index else None


def transact_items(request: Any) -> Iterator[tuple[str, str | None]]:
    """``(item kind, table name or None)`` of each transaction item in ``request``: ``put``, ``update``,
    ``delete``, ``conditioncheck`` or ``get`` (anything else as given, lower case)."""
    count = 0

    def walk(value: Any, depth: int) -> Iterator[tuple[str, str | None]]:
        nonlocal count
        if depth > 8 or count >= _MAX_PARTS:
            return
        if isinstance(value, list):
            for v in value:
                yield from walk(v, depth + 1)
            return
        if not isinstance(value, Mapping):
            return
        keys = {_norm(str(k)): k for k in value}
        if "operation" in keys and isinstance(value[keys["operation"]], str):  # CloudTrail's shape
            kind = _norm(value[keys["operation"]]).removesuffix("item")
            table = value.get(keys["tablename"]) if "tablename" in keys else None
            count += 1
            yield kind, table if isinstance(table, str) and table else None
            return
        inner = [k for k in keys if k in _ITEM_KINDS and isinstance(value[keys[k]], Mapping)]
        if len(keys) == 1 and inner:  # the API's shape: {"Put": {"TableName": ...}}
            body = value[keys[inner[0]]]
            table = next((v for k, v in body.items() if _norm(str(k)) == "tablename"), None)
            count += 1
            yield inner[0], table if isinstance(table, str) and table else None
            return
        for v in value.values():
            if isinstance(v, list | Mapping):
                yield from walk(v, depth + 1)

    yield from walk(request, 0)


def split_call(kind: str, request: Any, fallback: Sequence[str]) -> tuple[list[CallPart], str | None]:
    """The actions the parts of one call need, and a note when some part fell back to ``fallback`` (the
    row's actions on the whole event's resources)."""
    whole = [CallPart(a) for a in fallback]
    if kind == "partiql":
        texts = statements(request)
        if not texts:
            return whole, "the record shows no PartiQL statement: every PartiQL action of the row is granted"
        parts: list[CallPart] = []
        unread = 0
        for text in texts:
            parsed = parse_statement(text)
            if parsed is None:
                unread += 1
                parts.extend(whole)
                continue
            verb, table, index = parsed
            req = {"tableName": table, **({"indexName": index} if index else {})}
            parts.append(CallPart(PARTIQL_ACTIONS[verb], req))
        note = (f"{unread} statement(s) not a plain SELECT/INSERT/UPDATE/DELETE on a named table: every "
                "PartiQL action of the row is granted for them") if unread else None
        return _unique(parts), note
    if kind in ("transact-write", "transact-get"):
        items = list(transact_items(request))
        if not items:
            return whole, "the record shows no transaction item: every action of the row is granted"
        parts = []
        unread = 0
        for item_kind, item_table in items:
            action = "dynamodb:GetItem" if kind == "transact-get" else WRITE_ACTIONS.get(item_kind)
            if action is None or item_table is None:
                unread += 1
                parts.extend(whole)
                continue
            parts.append(CallPart(action, {"tableName": item_table}))
        note = (f"{unread} transaction item(s) without a known type or table: every action of the row is "
                "granted for them") if unread else None
        return _unique(parts), note
    return whole, None


def _unique(parts: list[CallPart]) -> list[CallPart]:
    out: list[CallPart] = []
    seen: set[tuple[str, tuple[tuple[str, str], ...] | None]] = set()
    for p in parts:
        key = (p.action, tuple(sorted(p.request.items())) if p.request is not None else None)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out
