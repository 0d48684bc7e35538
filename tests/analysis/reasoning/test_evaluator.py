"""IAM's evaluation logic across policy kinds, and the explanation of which statement decided."""

from __future__ import annotations

from typing import Any

import pytest

from least_privilege_constructs.analysis.reasoning import Outcome, PolicySet, Request, evaluate

ACCT = "111122223333"
USER = f"arn:aws:iam::{ACCT}:user/alice"
ROLE = f"arn:aws:iam::{ACCT}:role/app"
SESSION = f"arn:aws:sts::{ACCT}:assumed-role/app/s1"
OBJ = "arn:aws:s3:::bucket/key"


def doc(*stmts: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(stmts)}


def allow(action: str = "s3:GetObject", resource: str = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: str = "s3:GetObject", resource: str = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


SCENARIOS = [
    ("identity-allow", dict(identity=[doc(allow())]), USER, Outcome.ALLOWED),
    ("no-statement-implicit-deny", dict(identity=[doc(allow("s3:PutObject"))]), USER, Outcome.IMPLICITLY_DENIED),
    ("explicit-deny-wins", dict(identity=[doc(allow(), deny())]), USER, Outcome.EXPLICITLY_DENIED),
    ("deny-in-other-policy", dict(identity=[doc(allow()), doc(deny("s3:*"))]), USER, Outcome.EXPLICITLY_DENIED),
    ("not-action-allow", dict(identity=[doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})]), USER,
     Outcome.ALLOWED),
    ("not-resource-excludes", dict(identity=[doc({"Effect": "Allow", "Action": "*", "NotResource": "arn:aws:s3:::bucket/*"})]),
     USER, Outcome.IMPLICITLY_DENIED),
    ("boundary-allows", dict(identity=[doc(allow())], boundary=doc(allow("s3:*"))), USER, Outcome.ALLOWED),
    ("boundary-blocks", dict(identity=[doc(allow())], boundary=doc(allow("ec2:*"))), USER, Outcome.IMPLICITLY_DENIED),
    ("boundary-deny", dict(identity=[doc(allow())], boundary=doc(allow("*"), deny())), USER, Outcome.EXPLICITLY_DENIED),
    ("scp-allows", dict(identity=[doc(allow())], scps=[doc(allow("*"))]), USER, Outcome.ALLOWED),
    ("scp-no-allow", dict(identity=[doc(allow())], scps=[doc(allow("ec2:*"))]), USER, Outcome.IMPLICITLY_DENIED),
    ("scp-deny", dict(identity=[doc(allow())], scps=[doc(allow("*"), deny())]), USER, Outcome.EXPLICITLY_DENIED),
    ("scp-levels-all-must-allow", dict(identity=[doc(allow())], scps=[[doc(allow("*"))], [doc(allow("ec2:*"))]]), USER,
     Outcome.IMPLICITLY_DENIED),
    ("rcp-deny", dict(identity=[doc(allow())], rcps=[doc(deny(Principal="*"))]), USER, Outcome.EXPLICITLY_DENIED),
    ("rcp-allow-only-is-neutral", dict(identity=[doc(allow("s3:PutObject"))], rcps=[doc(allow("*", Principal="*"))]),
     USER, Outcome.IMPLICITLY_DENIED),
    ("resource-policy-grants-user", dict(resource=doc(allow(Principal={"AWS": USER}))), USER, Outcome.ALLOWED),
    ("resource-policy-account-only-delegates", dict(resource=doc(allow(Principal={"AWS": ACCT}))), USER,
     Outcome.IMPLICITLY_DENIED),
    ("resource-policy-deny", dict(identity=[doc(allow())], resource=doc(deny(Principal="*"))), USER,
     Outcome.EXPLICITLY_DENIED),
    ("resource-policy-role-covers-session", dict(resource=doc(allow(Principal={"AWS": ROLE}))), SESSION, Outcome.ALLOWED),
    ("boundary-bypass-user-arn", dict(boundary=doc(allow("ec2:*")), resource=doc(allow(Principal={"AWS": USER}))), USER,
     Outcome.ALLOWED),
    ("boundary-limits-role-arn-grant", dict(boundary=doc(allow("ec2:*")), resource=doc(allow(Principal={"AWS": ROLE}))),
     SESSION, Outcome.IMPLICITLY_DENIED),
    ("not-principal-excludes", dict(resource=doc({**allow(), "NotPrincipal": {"AWS": USER}})), USER,
     Outcome.IMPLICITLY_DENIED),
    ("anonymous-needs-resource-policy", dict(identity=[doc(allow())]), "*", Outcome.IMPLICITLY_DENIED),
    ("anonymous-public-bucket", dict(resource=doc(allow(Principal="*"))), "*", Outcome.ALLOWED),
    ("service-principal", dict(resource=doc(allow(Principal={"Service": "lambda.amazonaws.com"}))),
     "lambda.amazonaws.com", Outcome.ALLOWED),
]


@pytest.mark.parametrize("kwargs,principal,expected", [s[1:] for s in SCENARIOS], ids=[s[0] for s in SCENARIOS])
def test_scenario(kwargs: dict[str, Any], principal: str, expected: Outcome) -> None:
    ps = PolicySet.build(**kwargs)
    assert evaluate(Request(principal, "s3:GetObject", OBJ), ps).outcome is expected


def test_kms_key_needs_key_policy() -> None:
    key = f"arn:aws:kms:us-east-1:{ACCT}:key/1"
    identity = [doc(allow("kms:Decrypt"))]
    req = Request(ROLE, "kms:Decrypt", key)
    assert evaluate(req, PolicySet.build(identity=identity)).outcome is Outcome.IMPLICITLY_DENIED
    delegating = doc(allow("kms:*", Principal={"AWS": f"arn:aws:iam::{ACCT}:root"}))
    assert evaluate(req, PolicySet.build(identity=identity, resource=delegating)).allowed


def test_cross_account_needs_both_sides() -> None:
    req = Request("arn:aws:iam::444455556666:role/x", "s3:GetObject", OBJ, resource_account=ACCT)
    rp = doc(allow(Principal={"AWS": "444455556666"}))
    assert not evaluate(req, PolicySet.build(resource=rp)).allowed
    assert evaluate(req, PolicySet.build(identity=[doc(allow())], resource=rp)).allowed


def test_explanation_names_deciding_statement() -> None:
    d = evaluate(Request(USER, "s3:GetObject", OBJ), doc(allow(Sid="Read"), deny(Sid="NoRead")))
    assert d.outcome is Outcome.EXPLICITLY_DENIED
    assert [(r.index, r.sid, r.effect) for r in d.deciding] == [(1, "NoRead", "Deny")]
    assert "Statement[1] (NoRead)" in d.explain()
    d2 = evaluate(Request(USER, "s3:GetObject", OBJ), doc(allow(Sid="Read")))
    assert d2.allowed and d2.deciding[0].sid == "Read"


def test_policy_variable_in_resource() -> None:
    pol = doc(allow("s3:*", "arn:aws:s3:::home/${aws:username}/*"))
    assert evaluate(Request(USER, "s3:GetObject", "arn:aws:s3:::home/alice/f", {"aws:username": "alice"}), pol).allowed
    assert not evaluate(Request(USER, "s3:GetObject", "arn:aws:s3:::home/bob/f", {"aws:username": "alice"}), pol).allowed
    assert not evaluate(Request(ROLE, "s3:GetObject", "arn:aws:s3:::home/alice/f"), pol).allowed


def test_malformed_policy_names_the_path() -> None:
    from least_privilege_constructs.analysis.reasoning import PolicyError

    with pytest.raises(PolicyError, match=r"Statement\[0\]\.Effect"):
        evaluate(Request(USER, "s3:GetObject", OBJ), doc({"Effect": "Permit", "Action": "*", "Resource": "*"}))


def test_statements_keep_the_json_path_of_the_policy_model() -> None:
    from least_privilege_constructs.analysis.reasoning.policy import PolicyError, parse_policy

    p = parse_policy('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"},'
                     ' {"Effect": "Deny", "Action": "s3:Delete*", "Resource": "*"}]}')
    assert [s.path for s in p.statements] == [("Statement", 0), ("Statement", 1)]
    single = parse_policy({"Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}})
    assert single.statements[0].path == ("Statement",)
    with pytest.raises(PolicyError, match=r"not valid JSON .*line 1 column"):
        parse_policy('{"Statement": [')
