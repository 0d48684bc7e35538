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

_TOKEN = re.compile(
    r"""(?P<space>\s+)
      | (?P<comment>--[^\n]*|/\*.*?\*/)
      | (?P<quoted>"(?:[^"]|"")*")
      | (?P<string>'(?:[^']|'')*')
      | (?P<bad>["']|/\*)
      | (?P<word>[A-Za-z0-9_$]+)
      | (?P<other>.)""",
    re.VERBOSE | re.DOTALL,
)
"""PartiQL's lexical elements: ``"..."`` identifiers and ``'...'`` strings (a doubled quote escapes one),
``--`` and ``/* */`` comments, words, any other character; ``bad`` is an unterminated quote or comment."""
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


def _tokens(text: str) -> list[tuple[str, str]] | None:
    """The significant tokens of ``text`` as ``(kind, value)``: ``quoted`` (the identifier, unescaped),
    ``string``, ``word`` or ``other``; comments and white space dropped. None when a quote or a comment is
    not closed."""
    out: list[tuple[str, str]] = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "other"
        if kind == "bad":
            return None
        if kind == "quoted":
            out.append((kind, m.group()[1:-1].replace('""', '"')))
        elif kind not in ("space", "comment"):
            out.append((kind, m.group()))
    return out


def _is_word(token: tuple[str, str] | None, word: str) -> bool:
    return token is not None and token[0] == "word" and token[1].lower() == word


def parse_statement(text: str) -> tuple[str, str, str | None] | None:
    """``(verb, table, index or None)`` of a PartiQL for DynamoDB statement, or None when it is not a
    plain SELECT / INSERT / UPDATE / DELETE on a named table.

    The statement is read token by token, so that ``FROM``, ``INTO`` or a table name inside a quoted
    identifier, a string or a comment is never taken for the statement's own: the grammar is
    ``SELECT expression FROM table[.index] ...``, ``INSERT INTO table VALUE item``, ``UPDATE table
    SET|REMOVE ...`` and ``DELETE FROM table WHERE ...`` (DynamoDB's PartiQL reference,
    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ql-reference.statements.html). Anything
    unexpected after the table (a second name, an unclosed quote) answers None: the caller then grants every
    PartiQL action of the row, never fewer.
    """
    tokens = _tokens(text)
    if not tokens or tokens[0][0] != "word":
        return None
    verb = tokens[0][1].lower()
    at: int | None = None
    if verb == "select":
        depth = 0
        for i, (kind, value) in enumerate(tokens[1:], start=1):
            if kind == "other" and value in "([{":
                depth += 1
            elif kind == "other" and value in ")]}":
                depth -= 1
            elif depth == 0 and _is_word((kind, value), "from"):
                at = i + 1
                break
    elif verb in ("insert", "delete"):
        at = 2 if len(tokens) > 1 and _is_word(tokens[1], "into" if verb == "insert" else "from") else None
    elif verb == "update":
        at = 1
    if at is None or at >= len(tokens) or tokens[at][0] not in ("quoted", "word") or not tokens[at][1]:
        return None
    table = tokens[at][1]
    rest = tokens[at + 1:]
    index = None
    if verb == "select" and len(rest) >= 2 and rest[0] == ("other", ".") and rest[1][0] in ("quoted", "word"):
        index, rest = rest[1][1] or None, rest[2:]
        if index is None:
            return None
    if rest and rest[0][0] != "word":  # a clause keyword (WHERE, VALUE, SET, ORDER, ...) or the end
        return None
    return verb, table, index


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
