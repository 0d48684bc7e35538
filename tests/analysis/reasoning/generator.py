"""Random (policy set, request) cases for the differential and property tests.

Every element and operator of the issue is drawn: Action/NotAction with wildcards and odd case,
Resource/NotResource with globs and policy variables, Principal/NotPrincipal, every condition operator
family with ``IfExists`` and ``ForAllValues:``/``ForAnyValue:``, policy variables, permissions
boundaries, SCPs, RCPs and same-account resource policies; and the shapes of issue 12: anonymous callers
(with ``aws:userid``/``aws:PrincipalType``), missing keys, negated operators on variables with no value,
ARN patterns with wildcard and short segments (``arn:aws:iam::1*:role/*``, ``arn:aws:sqs:*:queue1``),
and policies without ``"Version": "2012-10-17"`` (variables are then literal text). The vocabularies are small on purpose so that
patterns, values and requests collide often (most cases exercise a match, not a miss).
"""

from __future__ import annotations

import random
from typing import Any

ACCOUNT = "111122223333"
OTHER_ACCOUNT = "444455556666"

ACTIONS = [
    "s3:GetObject",
    "s3:PutObject",
    "s3:ListBucket",
    "s3:DeleteObject",
    "iam:PassRole",
    "iam:CreateUser",
    "ec2:RunInstances",
    "sqs:SendMessage",
    "dynamodb:GetItem",
    "kms:Decrypt",
]
RCP_SERVICES = ("s3", "sqs", "dynamodb", "kms")  # those of ACTIONS that RCPs restrict (differential D5)
ACTION_PATTERNS = [
    *ACTIONS,
    "S3:getobject",
    "s3:Get*",
    "s3:*Object",
    "s3:*",
    "*",
    "s3:?etObject",
    "iam:*User",
    "iam:Pass*",
    "ec2:Run*",
    "sqs:*",
    "dynamodb:Get*",
    "kms:*",
]
RESOURCES = [
    "arn:aws:s3:::bucket-a/key1",
    "arn:aws:s3:::bucket-a/home/alice/notes.txt",
    "arn:aws:s3:::bucket-b/Key",
    "arn:aws:s3:::bucket-a",
    "arn:aws:iam::111122223333:role/app",
    "arn:aws:iam::111122223333:user/alice",
    "arn:aws:sqs:us-east-1:111122223333:queue1",
    "arn:aws:dynamodb:us-east-1:111122223333:table/dev",
    "arn:aws:kms:us-east-1:111122223333:key/1234",
]
RESOURCE_PATTERNS = [
    "*",
    *RESOURCES,
    "arn:aws:s3:::bucket-a/*",
    "arn:aws:s3:::bucket-?/*",
    "arn:aws:s3:::bucket-b/key",
    "arn:aws:s3:::*",
    "arn:aws:s3:::bucket-a/home/${aws:username}/*",
    "arn:aws:iam::111122223333:role/*",
    "arn:aws:iam::*:user/${aws:username}",
    "arn:aws:sqs:*:111122223333:queue1",
    "arn:aws:dynamodb:us-east-1:111122223333:table/${aws:PrincipalTag/team}",
    "arn:aws:kms:*:*:key/*",
    "arn:aws:iam::1*:role/*",
    "arn:aws:sqs:*:queue1",
    "arn:aws:sqs:us-*:111122223333:queue1",
    "arn:aws:s3:*",
    "arn:aws:*:*:111122223333:*",
]
PRINCIPALS = [
    "arn:aws:iam::111122223333:user/alice",
    "arn:aws:iam::111122223333:user/bob",
    "arn:aws:iam::111122223333:role/app",
    "arn:aws:sts::111122223333:assumed-role/app/session1",
]
POLICY_PRINCIPALS: list[Any] = [
    "*",
    {"AWS": "*"},
    {"AWS": ACCOUNT},
    {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
    {"AWS": "arn:aws:iam::111122223333:user/alice"},
    {"AWS": "arn:aws:iam::111122223333:role/app"},
    {"AWS": "arn:aws:sts::111122223333:assumed-role/app/session1"},
    {"AWS": ["arn:aws:iam::111122223333:user/bob", OTHER_ACCOUNT]},
    {"Service": "lambda.amazonaws.com"},
]

# (operator base, key, candidate policy values, candidate request values)
STRING_KEYS = ["aws:PrincipalTag/team", "aws:RequestedRegion", "s3:prefix"]
# principal key values (IAM User Guide, Variables and tags, "Principal key values")
PRINCIPAL_KEY_VALUES = {
    "aws:userid": ["anonymous", "AROA*", "AIDA*", "AIDAEXAMPLEALICE", "*:session1"],
    "aws:PrincipalType": ["Anonymous", "User", "AssumedRole", "Anon*"],
}
STRING_VALUES = [
    "dev",
    "Dev",
    "ops",
    "d*",
    "?ev",
    "us-east-1",
    "us-*",
    "home/${aws:username}/*",
    "${aws:PrincipalTag/team}",
    "home/alice/*",
]
STRING_REQUEST = ["dev", "Dev", "ops", "us-east-1", "eu-west-1", "home/alice/x", "home/bob/", "dev"]
NUM_VALUES = ["0", "300", "3600", "10.5"]
NUM_REQUEST = ["0", "299", "300", "3600", "7200", "10.5"]
DATE_VALUES = ["2024-01-01T00:00:00Z", "2025-06-30T12:00:00Z", "2030-01-01"]
DATE_REQUEST = [
    "2023-12-31T23:59:59Z",
    "2024-01-01T00:00:00Z",
    "2026-03-01T10:00:00Z",
    "2031-01-01T00:00:00Z",
]
IP_VALUES = ["10.0.0.0/8", "192.168.1.0/24", "203.0.113.5/32", "2001:db8::/32", "203.0.113.5"]
IP_REQUEST = ["10.1.2.3", "192.168.1.77", "192.168.2.1", "203.0.113.5", "198.51.100.1", "2001:db8::1"]
ARN_VALUES = [
    "arn:aws:iam::111122223333:role/app",
    "arn:aws:iam::111122223333:*",
    "arn:aws:iam::*:user/alice",
    "arn:aws:sts::111122223333:assumed-role/app/*",
    "arn:aws:iam::444455556666:role/?pp",
    "arn:aws:iam::1*:role/*",
    "arn:aws:iam::*:*",
    "arn:aws:sts::*:assumed-role/*",
    "arn:aws:iam::111122223333:user/${aws:username}",
]
ARN_REQUEST = [
    "arn:aws:iam::111122223333:role/app",
    "arn:aws:iam::111122223333:user/alice",
    "arn:aws:iam::444455556666:role/app",
    "arn:aws:sts::111122223333:assumed-role/app/s1",
]
TAG_KEYS = ["team", "env", "owner", "Team"]
BIN_VALUES = ["QmluYXJ5", "dGVzdA=="]

STRING_OPS = [
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
]
NUM_OPS = [
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
]
DATE_OPS = [
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
]
ARN_OPS = ["ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"]
ALL_BASE_OPS = [
    *STRING_OPS,
    *NUM_OPS,
    *DATE_OPS,
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    *ARN_OPS,
    "Null",
]


def _pick(rng: random.Random, items: list[Any], k_max: int = 2) -> Any:
    k = rng.randint(1, k_max)
    chosen = rng.sample(items, min(k, len(items)))
    return chosen[0] if len(chosen) == 1 and rng.random() < 0.6 else chosen


def random_condition(rng: random.Random, base: str | None = None) -> dict[str, Any]:
    """One condition block with one operator (possibly qualified) and one key."""
    base = base or rng.choice(ALL_BASE_OPS)
    set_op = ""
    suffix = "IfExists" if base != "Null" and rng.random() < 0.2 else ""
    if base in STRING_OPS:
        if rng.random() < 0.3:
            key, values = "aws:TagKeys", TAG_KEYS
            set_op = rng.choice(["ForAllValues:", "ForAnyValue:", "ForAnyValue:"])
        elif rng.random() < 0.25:
            key = rng.choice(sorted(PRINCIPAL_KEY_VALUES))
            values = PRINCIPAL_KEY_VALUES[key]
        else:
            key, values = rng.choice(STRING_KEYS), STRING_VALUES
    elif base in NUM_OPS:
        key, values = "aws:MultiFactorAuthAge", NUM_VALUES
    elif base in DATE_OPS:
        key, values = "aws:CurrentTime", DATE_VALUES
    elif base == "Bool":
        key, values = rng.choice(["aws:SecureTransport", "aws:MultiFactorAuthPresent"]), ["true", "false"]
    elif base == "BinaryEquals":
        key, values = "aws:BinaryCustom", BIN_VALUES
    elif base in ("IpAddress", "NotIpAddress"):
        key, values = "aws:SourceIp", IP_VALUES
    elif base in ARN_OPS:
        key, values = rng.choice(["aws:PrincipalArn", "aws:SourceArn"]), ARN_VALUES
    else:  # Null
        key = rng.choice(["aws:PrincipalTag/team", "aws:SourceIp", "aws:TagKeys", "aws:MultiFactorAuthAge"])
        return {"Null": {key: rng.choice(["true", "false"])}}
    return {f"{set_op}{base}{suffix}": {key: _pick(rng, values)}}


def principal_keys(principal: str) -> dict[str, Any]:
    """The principal keys of a caller (IAM User Guide, Variables and tags, "Principal key values")."""
    if principal == "*":
        return {"aws:userid": "anonymous", "aws:PrincipalType": "Anonymous"}
    ctx: dict[str, Any] = {"aws:PrincipalArn": principal, "aws:PrincipalAccount": ACCOUNT}
    if ":user/" in principal:
        name = principal.rsplit("/", 1)[-1]
        ctx.update({"aws:username": name, "aws:userid": f"AIDAEXAMPLE{name.upper()}", "aws:PrincipalType": "User"})
    elif ":assumed-role/" in principal:
        ctx.update({"aws:userid": "AROAEXAMPLEAPP:" + principal.rsplit("/", 1)[-1], "aws:PrincipalType": "AssumedRole"})
    return ctx


def random_context(rng: random.Random, principal: str) -> dict[str, Any]:
    ctx = principal_keys(principal)
    pool: list[tuple[str, Any]] = [
        ("aws:PrincipalTag/team", lambda: rng.choice(["dev", "Dev", "ops"])),
        ("aws:RequestedRegion", lambda: rng.choice(["us-east-1", "eu-west-1"])),
        ("s3:prefix", lambda: rng.choice(STRING_REQUEST)),
        ("aws:TagKeys", lambda: rng.sample(TAG_KEYS, rng.randint(0, 3))),
        ("aws:MultiFactorAuthAge", lambda: rng.choice(NUM_REQUEST)),
        ("aws:CurrentTime", lambda: rng.choice(DATE_REQUEST)),
        ("aws:SecureTransport", lambda: rng.choice(["true", "false"])),
        ("aws:MultiFactorAuthPresent", lambda: rng.choice(["true", "false"])),
        ("aws:BinaryCustom", lambda: rng.choice(BIN_VALUES)),
        ("aws:SourceIp", lambda: rng.choice(IP_REQUEST)),
        ("aws:SourceArn", lambda: rng.choice(ARN_REQUEST)),
    ]
    for key, make in pool:
        if rng.random() < 0.6:
            ctx[key] = make()
    return ctx


def random_statement(
    rng: random.Random, effect: str | None = None, *, principal: bool = False
) -> dict[str, Any]:
    s: dict[str, Any] = {"Effect": effect or ("Allow" if rng.random() < 0.7 else "Deny")}
    if rng.random() < 0.3:
        s["Sid"] = f"S{rng.randint(0, 99)}"
    if rng.random() < 0.15:
        s["NotAction"] = _pick(rng, ACTION_PATTERNS, 3)
    else:
        s["Action"] = _pick(rng, ACTION_PATTERNS, 3)
    if rng.random() < 0.12:
        s["NotResource"] = _pick(rng, RESOURCE_PATTERNS[1:], 2)
    else:
        s["Resource"] = _pick(rng, RESOURCE_PATTERNS, 2)
    if principal:
        if rng.random() < 0.1:
            s["NotPrincipal"] = rng.choice(POLICY_PRINCIPALS[2:])
        else:
            s["Principal"] = rng.choice(POLICY_PRINCIPALS)
    if rng.random() < 0.55:
        cond: dict[str, Any] = {}
        for _ in range(rng.randint(1, 2)):
            for op, block in random_condition(rng).items():
                cond.setdefault(op, {}).update(block)
        s["Condition"] = cond
    return s


def random_policy(
    rng: random.Random, n_max: int = 3, *, principal: bool = False, allow_bias: float = 0.7
) -> dict[str, Any]:
    stmts = [
        random_statement(rng, "Allow" if rng.random() < allow_bias else "Deny", principal=principal)
        for _ in range(rng.randint(1, n_max))
    ]
    roll = rng.random()
    if roll < 0.06:
        return {"Statement": stmts}  # no Version: 2008-10-17, variables are literal text
    if roll < 0.1:
        return {"Version": "2008-10-17", "Statement": stmts}
    return {"Version": "2012-10-17", "Statement": stmts}


def random_case(rng: random.Random, case_id: int) -> dict[str, Any]:
    """One differential case: a policy set and a request (the harness's input shape)."""
    anonymous = rng.random() < 0.08
    principal = "*" if anonymous else rng.choice(PRINCIPALS)
    case: dict[str, Any] = {
        "id": case_id,
        "principal": principal,
        "action": rng.choice(ACTIONS),
        "resource": rng.choice(RESOURCES),
        "accountId": ACCOUNT,
        "context": random_context(rng, principal),
        "identity": [] if anonymous else [random_policy(rng) for _ in range(rng.randint(0, 2))],
        "boundary": None,
        "scps": [],
        "rcps": [],
        "resourcePolicy": None,
    }
    if not anonymous and rng.random() < 0.25:
        case["boundary"] = random_policy(rng, 2, allow_bias=0.85)
    if not anonymous and rng.random() < 0.2:
        case["scps"] = [
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
        ]
        if rng.random() < 0.7:
            case["scps"].append(random_policy(rng, 2, allow_bias=0.3))
    if rng.random() < 0.15:
        pol = random_policy(rng, 2, principal=True, allow_bias=0.0)
        for st in pol["Statement"]:  # RCPs require Principal "*" (AWS Organizations User Guide, RCP syntax)
            st.pop("NotPrincipal", None)
            st["Principal"] = "*"
            for element in ("Resource", "NotResource"):  # full ARNs only (iam-simulate rejects short ones)
                if element in st:
                    values = [st[element]] if isinstance(st[element], str) else st[element]
                    st[element] = [v for v in values if v == "*" or v.count(":") >= 5] or ["arn:aws:s3:::bucket-a/*"]
        case["rcps"] = [pol]
        # mostly an action of a service RCPs restrict (analysis/iam/organizations.py); drawn from a side
        # generator so that the main stream, and with it every other case, stays as it was
        side = random.Random(case_id)
        if side.random() < 0.8:
            case["action"] = side.choice([a for a in ACTIONS if a.split(":")[0] in RCP_SERVICES])
    if rng.random() < (0.9 if anonymous else 0.35):
        case["resourcePolicy"] = random_policy(rng, 2, principal=True, allow_bias=0.75)
    return case


def generate(n: int, seed: int = 20261128) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [random_case(rng, i) for i in range(n)]
