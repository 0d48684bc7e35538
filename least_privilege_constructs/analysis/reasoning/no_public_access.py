"""``check_no_public_access``: can a resource policy grant access to anyone outside a bounded set?

Public means: some request is allowed whose caller is *anyone* — an anonymous caller or an AWS principal
of an account the policy never names — with every identity-restricting context key holding a value the
policy does not single out (a *fresh* value). The solver chooses the fresh values symbolically:

* the caller's account is a 12-digit string equal to no 12-digit number written in the policy;
  ``aws:PrincipalAccount``, ``aws:SourceAccount``, ``aws:SourceOwner``, ``kms:CallerAccount`` and
  ``s3:DataAccessPointAccount`` hold it, and ``aws:PrincipalArn``/``aws:SourceArn`` are ARNs in it;
* organization, VPC, endpoint and user-id keys (``aws:PrincipalOrgID``, ``aws:PrincipalOrgPaths``,
  ``aws:SourceVpc``, ``aws:SourceVpce``, ``aws:userid`` ...) start with none of the literal prefixes the
  policy compares them with (so ``o-abc*`` restricts, ``*`` does not);
* ``aws:SourceIp``/``aws:VpcSourceIp`` lie outside every IPv4 CIDR of at least /8 (IPv6: /16) in the
  policy; broader ranges do not make a policy private, as for S3's "The meaning of public";
* the caller is not an AWS service (``aws:PrincipalIsAWSService`` is false or absent).

So ``Principal: "*"`` with ``aws:PrincipalOrgID = o-123`` passes, ``Principal: {"AWS": "*"}`` with
``aws:PrincipalArn`` like ``arn:aws:iam::*:role/Admin`` fails (any account's Admin role). Grants to
service principals are not public. The verdict holds for all requests.

Example::

    >>> doc = {"Statement": {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
    ...                      "Resource": "arn:aws:s3:::b/*"}}
    >>> check_no_public_access(doc, "AWS::S3::Bucket").verdict.value
    'FAIL'
"""

from __future__ import annotations

import re
import time
from typing import Any

import z3

from least_privilege_constructs.analysis.iam.variables import Lit, Wild, tokenize
from least_privilege_constructs.analysis.reasoning.conditions import parse_network
from least_privilege_constructs.analysis.reasoning.policy import parse_policy
from least_privilege_constructs.analysis.reasoning.policy_set import PolicySet
from least_privilege_constructs.analysis.reasoning.resource_types import SUPPORTED_RESOURCE_TYPES
from least_privilege_constructs.analysis.reasoning.result import CheckResult, Reason, Verdict
from least_privilege_constructs.analysis.reasoning.smt import (
    _IPV6_OFFSET,
    Encoding,
    Unsupported,
    account_glob,
    request_from_model,
    solve,
)
from least_privilege_constructs.analysis.reasoning.strings import Glob
from least_privilege_constructs.analysis.reasoning.target import Target

CHECK = "check-no-public-access"
PASS_MESSAGE = "The resource policy does not grant public access for the given resource type."
FAIL_MESSAGE = "The resource policy grants public access for the given resource type."
UNKNOWN_MESSAGE = (
    "Whether the resource policy grants public access could not be determined ({why}); failing closed."
)
DEFAULT_TIMEOUT_MS = 10_000


ACCOUNT_KEYS = (
    "aws:principalaccount",
    "aws:sourceaccount",
    "aws:sourceowner",
    "kms:calleraccount",
    "s3:dataaccesspointaccount",
)
ARN_KEYS = ("aws:principalarn", "aws:sourcearn")
ID_KEYS = (
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourcevpcarn",
    "aws:userid",
    "s3:dataaccesspointarn",
    "aws:principalserviceorgid",
)
IP_KEYS = ("aws:sourceip", "aws:vpcsourceip")
PRINCIPAL_KEYS = (
    "aws:principalarn",
    "aws:principalaccount",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:userid",
    "aws:principaltype",
)
_DIGITS12 = re.compile(r"(?<!\d)\d{12}(?!\d)")


def _literal_prefix(value: str) -> str:
    out = ""
    for t in tokenize(value):
        if not isinstance(t, Lit):
            break
        out += t.text
    return out


def fresh_accounts(statements: list[Any], policy_text: str, limit: int = 4) -> list[str]:
    """Account ids the policy does not single out: one that matches no account written in the policy,
    plus one instance of each account pattern with wildcards (``1234*``), which names unboundedly many
    accounts and so is public."""
    literals = set(_DIGITS12.findall(policy_text))
    out: list[str] = []
    base = 999_999_999_999
    while len(out) < 1:
        cand = str(base)
        if cand not in literals:
            out.append(cand)
        base -= 111_111_111
    for s in statements:
        for c in s.conditions:
            if c.key.lower() not in ACCOUNT_KEYS:
                continue
            for v in c.values:
                if "*" in v or "?" in v:
                    digits = v.replace("?", "7")
                    star = digits.find("*")
                    if star >= 0:
                        stem = digits.replace("*", "")
                        digits = digits[:star] + "7" * max(0, 12 - len(stem)) + digits[star + 1 :].replace("*", "")
                    if digits.isdigit() and digits not in literals and digits not in out:
                        out.append(digits)
    return out[:limit]


def _fresh_constraints(enc: Encoding, account: str, statements: list[Any]) -> list[z3.BoolRef]:
    """The caller is anonymous or in the fresh ``account``; identity keys hold fresh values."""
    t = enc.theory
    anon = t.atom(enc.prin, Glob.literal("Anonymous:"))
    aws = t.atom(enc.prin, account_glob("AWS:arn:", account))
    out: list[z3.BoolRef] = [z3.Or(anon, aws)]
    values_by_key: dict[str, list[str]] = {}
    for s in statements:
        for c in s.conditions:
            values_by_key.setdefault(c.key.lower(), []).extend(c.values)
    for key, kv in enc.keys.items():
        elems = list(zip(kv.active, kv.values, strict=False))
        if key in PRINCIPAL_KEYS:
            out.append(z3.Implies(anon, z3.Not(kv.present)))
            out.append(z3.Implies(aws, kv.present))
        if key == "aws:principalisawsservice" and kv.vtype == "str":
            out.append(z3.Implies(kv.present, t.atom(str(kv.values[0]), Glob.literal("false", ignore_case=True))))
        if kv.vtype == "str":
            for active, value in elems:
                var = str(value)
                if key in ACCOUNT_KEYS:
                    out.append(z3.Implies(active, t.atom(var, Glob.literal(account))))
                elif key in ARN_KEYS and key != "aws:principalarn":
                    out.append(z3.Implies(active, t.atom(var, account_glob("arn:", account))))
                elif key in ID_KEYS:
                    for v in values_by_key.get(key, []):
                        pre = _literal_prefix(v)
                        if pre:
                            glob = Glob.from_tokens([Lit(pre), Wild("*")])
                            out.append(z3.Implies(active, z3.Not(t.atom(var, glob))))
        elif kv.vtype == "ip" and key in IP_KEYS:
            for active, value in elems:
                for v in values_by_key.get(key, []):
                    net = parse_network(v)
                    if net is None or net.prefixlen < (8 if net.version == 4 else 16):
                        continue
                    lo = int(net.network_address) + (_IPV6_OFFSET if net.version == 6 else 0)
                    hi = lo + net.num_addresses - 1
                    out.append(z3.Implies(active, z3.Or(value < lo, value > hi)))
    return out


def check_no_public_access(
    policy: Any, resource_type: str, *, timeout_ms: int = DEFAULT_TIMEOUT_MS
) -> CheckResult:
    """Whether a resource policy (document or JSON text) grants public access to ``resource_type``.

    Raises ``ValueError`` for a resource type Access Analyzer does not support (see
    :data:`SUPPORTED_RESOURCE_TYPES`).
    """
    start = time.perf_counter()
    if resource_type not in SUPPORTED_RESOURCE_TYPES:
        choices = ", ".join(SUPPORTED_RESOURCE_TYPES)
        raise ValueError(f"unsupported resource type {resource_type!r}; expected one of {choices}")
    parsed = parse_policy(policy, "resource")
    target = Target.of(PolicySet(resource=parsed))
    statements = target.statements()
    text = str(parsed.document)
    reasons: list[Reason] = []
    unknown: list[str] = []
    queries = 0
    deadline = start + timeout_ms / 1000.0
    accounts = fresh_accounts(list(statements), text)
    for member in target.candidates():
        _, _, stmt = member
        status, model, enc = "unsat", None, None
        for account in accounts:
            try:
                enc = Encoding.for_statements(statements, None, aliases={"k:aws:principalarn:0": ("prin", "AWS:")})
                body = [target.allowed(enc, member), *_fresh_constraints(enc, account, statements)]
                constraints = [*enc.domain(), *body]
            except Unsupported as exc:
                status = "unsupported"
                unknown.append(str(exc))
                break
            remaining = int((deadline - time.perf_counter()) * 1000)
            if remaining <= 0:
                status = "unknown"
                break
            queries += 1
            status, model = solve(constraints, remaining, enc.theory)
            if status != "unsat":
                break
        if status == "sat" and enc is not None:
            assert model is not None
            reasons.append(
                Reason(
                    f"Public access granted in the following statement with index: {stmt.index}.",
                    stmt.index,
                    stmt.sid,
                    example=request_from_model(enc, model, "*"),
                )
            )
        elif status == "unknown":
            unknown.append("solver timeout or incomplete theory")
    elapsed = (time.perf_counter() - start) * 1000.0
    details = {"resourceType": resource_type, "solver_queries": queries}
    if reasons:
        return CheckResult(CHECK, Verdict.FAIL, FAIL_MESSAGE, tuple(reasons), elapsed, details)
    if unknown:
        why = "; ".join(sorted(set(unknown)))
        return CheckResult(
            CHECK, Verdict.UNKNOWN, UNKNOWN_MESSAGE.format(why=why), (Reason(why),), elapsed, details
        )
    return CheckResult(CHECK, Verdict.PASS, PASS_MESSAGE, (), elapsed, details)
