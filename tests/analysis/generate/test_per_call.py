"""DynamoDB PartiQL and transactions: the actions of each call come from its statements and items.

Pages followed: "IAM security policies with PartiQL for DynamoDB"
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ql-iam.html), "Using IAM with DynamoDB
transactions" (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html),
"Understanding DynamoDB log file entries" (record shapes,
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/understanding-ddb-log-entries.html).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from least_privilege_constructs.analysis.generate import OperationMapper, Unmapped, generate_policy
from least_privilege_constructs.analysis.generate.per_call import parse_statement, split_call
from least_privilege_constructs.analysis.generate.policy import needs_of, replay

PARTIQL = ("dynamodb:PartiQLSelect", "dynamodb:PartiQLInsert", "dynamodb:PartiQLUpdate", "dynamodb:PartiQLDelete")
WRITES = ("dynamodb:ConditionCheckItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem")
ROLE = "arn:aws:iam::111122223333:role/app"
TABLE = "arn:aws:dynamodb:eu-west-1:111122223333:table/"


@pytest.mark.parametrize("text, parsed", [
    ('SELECT * FROM "Music" WHERE Artist = ?', ("select", "Music", None)),
    ("select Artist from Music", ("select", "Music", None)),
    ('SELECT * FROM "Music"."ArtistIndex" WHERE Artist = ?', ("select", "Music", "ArtistIndex")),
    ("INSERT INTO \"Music\" VALUE {'Artist': ?}", ("insert", "Music", None)),
    ('UPDATE "Music" SET AwardsWon = 1 WHERE Artist = ?', ("update", "Music", None)),
    ('DELETE FROM "Music" WHERE Artist = ?', ("delete", "Music", None)),
    ('  delete from "my-table.v2" where pk = ?', ("delete", "my-table.v2", None)),
    ('EXISTS(SELECT * FROM "Music" WHERE Artist = ?)', None),
    ("", None),
])
def test_statement_verb_and_table(text: str, parsed: tuple[str, str, str | None] | None) -> None:
    assert parse_statement(text) == parsed


# Statements from DynamoDB's PartiQL reference: "PartiQL select statements for DynamoDB"
# (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ql-reference.select.html), "PartiQL insert
# statements" (.../ql-reference.insert.html), "PartiQL update statements" (.../ql-reference.update.html), "PartiQL
# delete statements" (.../ql-reference.delete.html). Identifiers are "double-quoted" and strings 'single-quoted'
# (a doubled quote escapes one); a FROM, INTO or table name inside them, or inside a -- or /* */ comment, is text.
@pytest.mark.parametrize("text, parsed", [
    # the pages' own examples
    ('SELECT OrderID, Total FROM "Orders" WHERE OrderID = 1', ("select", "Orders", None)),
    ('SELECT OrderID, Total FROM "Orders" WHERE OrderID IN [1, 2, 3] ORDER BY OrderID DESC',
     ("select", "Orders", None)),
    ("SELECT * FROM \"Orders\" WHERE OrderID = 100 and Address='some address'", ("select", "Orders", None)),
    ('SELECT * FROM "TableName"."IndexName"', ("select", "TableName", "IndexName")),
    ("INSERT INTO \"Music\" value {'Artist' : 'Acme Band','SongTitle' : 'PartiQL Rocks'}", ("insert", "Music", None)),
    ("UPDATE \"Music\" SET AwardsWon=1 SET AwardDetail={'Grammys':[2020, 2018]} WHERE Artist='Acme Band' "
     "AND SongTitle='PartiQL Rocks'", ("update", "Music", None)),
    ("UPDATE \"Music\" REMOVE AwardDetail.Grammys[2] WHERE Artist='Acme Band' AND SongTitle='PartiQL Rocks'",
     ("update", "Music", None)),
    ("DELETE FROM \"Music\" WHERE \"Artist\" = 'Acme Band' AND \"SongTitle\" = 'PartiQL Rocks' RETURNING ALL OLD *",
     ("delete", "Music", None)),
    # a quoted identifier is never a keyword: the projection "FROM Secrets" is an attribute
    ('SELECT "FROM Secrets" FROM "Music"', ("select", "Music", None)),
    ('SELECT "a""FROM" FROM "T""q"', ("select", 'T"q', None)),
    # nor is a string, with its escaped quote
    ("SELECT * FROM \"Music\" WHERE Artist = 'it''s FROM \"Secrets\"'", ("select", "Music", None)),
    ("SELECT * FROM \"Music\" WHERE Artist IN ['FROM \"Secrets\"']", ("select", "Music", None)),
    # nor a comment, before or inside the statement
    ('-- SELECT * FROM "Secrets"\nSELECT * FROM "Music"', ("select", "Music", None)),
    ('SELECT * /* FROM "Secrets" */ FROM "Music"', ("select", "Music", None)),
    ('/* INSERT INTO "Secrets" */ INSERT INTO "Music" VALUE {\'Artist\': ?}', ("insert", "Music", None)),
    ('UPDATE /* "Secrets" */ "Music" SET x = ? WHERE pk = ?', ("update", "Music", None)),
    ('DELETE -- "Secrets"\n FROM "Music" WHERE pk = ?', ("delete", "Music", None)),
    # unreadable: unclosed quote or comment, a second name after the table, no table -> None (every action)
    ('SELECT * FROM "Music', None),
    ("SELECT * FROM \"Music\" WHERE a = 'x", None),
    ('SELECT * FROM "Music" /* x', None),
    ('SELECT * FROM "Music", "Secrets"', None),
    ('SELECT "FROM Secrets"', None),
    ('INSERT "Music" VALUE {}', None),
])
def test_statement_reads_identifiers_strings_and_comments(
        text: str, parsed: tuple[str, str, str | None] | None) -> None:
    # given a statement from the PartiQL reference (or a variant hiding keywords in quotes or comments)
    # when parsed, then its verb and its own table (and index) only
    assert parse_statement(text) == parsed


@pytest.mark.parametrize("kind, params, parts, noted", [
    # given the statement, when split, then the one action of its verb on its table
    ("partiql", {"statement": 'UPDATE "Music" SET x = ? WHERE pk = ?'},
     [("dynamodb:PartiQLUpdate", {"tableName": "Music"})], False),
    ("partiql", {"requests": [{"statement": 'INSERT INTO "A" VALUE {\'pk\': ?}'},
                              {"statement": 'SELECT * FROM "B"."idx"'}]},
     [("dynamodb:PartiQLInsert", {"tableName": "A"}),
      ("dynamodb:PartiQLSelect", {"tableName": "B", "indexName": "idx"})], False),
    ("partiql", {"statements": ['SELECT * FROM "A"', 'DELETE FROM "B" WHERE pk = ?']},
     [("dynamodb:PartiQLSelect", {"tableName": "A"}), ("dynamodb:PartiQLDelete", {"tableName": "B"})], False),
    ("partiql", {"transactStatements": [{"statement": 'DELETE FROM "A" WHERE pk = ?'},
                                        {"statement": 'DELETE FROM "A" WHERE pk = ?'}]},
     [("dynamodb:PartiQLDelete", {"tableName": "A"})], False),
    # no statement in the record: the four PartiQL actions on the event's resources, noted
    ("partiql", None, [(a, None) for a in PARTIQL], True),
    ("partiql", {"transactStatements": [{"statement": 'EXISTS(SELECT * FROM "A" WHERE pk = ?)'}]},
     [(a, None) for a in PARTIQL], True),
    # CloudTrail's item shape and the API's
    ("transact-write", {"requestItems": [{"operation": "Put", "tableName": "A"},
                                         {"operation": "ConditionCheck", "tableName": "B"},
                                         {"operation": "Delete", "tableName": "A"}]},
     [("dynamodb:PutItem", {"tableName": "A"}), ("dynamodb:ConditionCheckItem", {"tableName": "B"}),
      ("dynamodb:DeleteItem", {"tableName": "A"})], False),
    ("transact-write", {"TransactItems": [{"Update": {"TableName": "A", "Key": {}}}]},
     [("dynamodb:UpdateItem", {"tableName": "A"})], False),
    ("transact-write", {"transactItems": [{"put": {"item": {}}}]}, [(a, None) for a in WRITES], True),
    ("transact-write", {}, [(a, None) for a in WRITES], True),
    ("transact-get", {"transactItems": [{"get": {"tableName": "A"}}, {"get": {"tableName": "B"}}]},
     [("dynamodb:GetItem", {"tableName": "A"}), ("dynamodb:GetItem", {"tableName": "B"})], False),
])
def test_split_call(kind: str, params: Any, parts: list[tuple[str, dict[str, str] | None]], noted: bool) -> None:
    fallback = PARTIQL if kind == "partiql" else WRITES if kind == "transact-write" else ("dynamodb:GetItem",)
    got, note = split_call(kind, params, fallback)
    assert [(p.action, dict(p.request) if p.request is not None else None) for p in got] == parts
    assert (note is not None) == noted


def _event(name: str, request: Any, tables: tuple[str, ...]) -> dict[str, Any]:
    return {"eventVersion": "1.10", "eventType": "AwsApiCall", "eventID": f"e-{name}", "eventTime": "2026-01-05T10:00:00Z",
            "eventSource": "dynamodb.amazonaws.com", "eventName": name, "awsRegion": "eu-west-1",
            "recipientAccountId": "111122223333",
            "userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::111122223333:assumed-role/app/s",
                             "accountId": "111122223333",
                             "sessionContext": {"sessionIssuer": {"type": "Role", "arn": ROLE}}},
            "requestParameters": request,
            "resources": [{"accountId": "111122223333", "type": "AWS::DynamoDB::Table", "ARN": TABLE + t}
                          for t in tables]}


def _needs(event: dict[str, Any]) -> set[tuple[str, str]]:
    mapping = OperationMapper().map(event["eventSource"], event["eventName"])
    assert not isinstance(mapping, Unmapped)
    return {(n.action, n.resource.arn) for n in needs_of(event, mapping)}


def test_transaction_items_get_their_own_table() -> None:
    event = _event("TransactWriteItems", {"requestItems": [{"operation": "Put", "tableName": "Orders"},
                                                           {"operation": "ConditionCheck", "tableName": "Customers"}]},
                   ("Orders", "Customers"))
    assert _needs(event) == {("dynamodb:PutItem", TABLE + "Orders"),
                             ("dynamodb:ConditionCheckItem", TABLE + "Customers")}


def test_statement_on_an_index_and_a_statement_missing() -> None:
    select = _event("ExecuteStatement", {"statement": 'SELECT * FROM "Orders"."byCustomer" WHERE c = ?'}, ("Orders",))
    assert ("dynamodb:PartiQLSelect", TABLE + "Orders/index/byCustomer") in _needs(select)
    assert {a for a, _r in _needs(select)} == {"dynamodb:PartiQLSelect"}
    hidden = _event("ExecuteStatement", None, ("Orders",))
    assert _needs(hidden) == {(a, TABLE + "Orders") for a in PARTIQL}


def test_generated_policy_grants_the_verbs_used_and_reports_the_fallback(tmp_path: Path) -> None:
    events = [
        _event("ExecuteStatement", {"statement": 'SELECT * FROM "Orders" WHERE pk = ?'}, ("Orders",)),
        _event("BatchExecuteStatement", {"requests": [{"statement": 'UPDATE "Customers" SET t = ? WHERE pk = ?'}]},
               ("Customers",)),
        _event("ExecuteStatement", None, ("Audit",)),
        _event("TransactGetItems", {"requestItems": [{"operation": "Get", "tableName": "Orders"}]}, ("Orders",)),
    ]
    trail = tmp_path / "trail.json"
    trail.write_text(json.dumps({"Records": events}))
    result = generate_policy([trail], principal=ROLE)
    granted = {(a, r) for s in result.statements for a in s["Action"] for r in s["Resource"]}
    assert ("dynamodb:PartiQLSelect", TABLE + "Orders") in granted
    assert ("dynamodb:PartiQLUpdate", TABLE + "Customers") in granted
    assert ("dynamodb:GetItem", TABLE + "Orders") in granted
    assert not {(a, r) for a, r in granted if r == TABLE + "Orders" and a in PARTIQL[1:]}  # no verb not used
    assert {a for a, r in granted if r == TABLE + "Audit"} == set(PARTIQL)
    assert [(n["event_name"], n["count"]) for n in result.report()["notes"]] == [("ExecuteStatement", 1)]
    assert replay([trail], result).allowed_fraction == 1.0
