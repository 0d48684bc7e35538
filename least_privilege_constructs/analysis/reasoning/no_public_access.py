"""``check_no_public_access``: can a resource policy grant access to anyone outside a bounded set?

Public means: some request is allowed whose caller is *anyone* — an anonymous caller, an AWS principal of
an account the policy never names, or the holder of a web-identity token (Cognito, Google, any OIDC
provider) — with every identity-restricting context key holding a value the policy does not single out.
The solver chooses every value, constrained only by what the IAM User Guide documents about the key
(:mod:`least_privilege_constructs.analysis.iam.condition_keys`), never a fixed sample:

* **who carries which key**: an anonymous caller carries ``aws:userid = anonymous`` and
  ``aws:PrincipalType = Anonymous`` and no other principal key (*Variables and tags*, "Principal key
  values"); an AWS principal always carries ``aws:PrincipalArn``, ``aws:PrincipalAccount``,
  ``aws:userid``, ``aws:PrincipalType``, but ``aws:PrincipalOrgID``/``aws:PrincipalOrgPaths`` only when
  its account is in an organization (so ``...IfExists`` on them admits every standalone account);
* **accounts**: the caller's account, ``aws:PrincipalAccount``, ``aws:SourceAccount``,
  ``kms:CallerAccount`` ... are any 12-digit id other than the 12-digit numbers written in the policy; the
  account segment of ``aws:PrincipalArn``/``aws:SourceArn``/``aws:SourceVpcArn`` likewise, so an ARN
  pattern with a wildcard account (``arn:aws:iam::1*:role/*``) restricts nothing;
* **identifiers** (organization ids and paths, VPC and endpoint ids, ``aws:userid``,
  ``aws:PrincipalType``, web-identity ``aud``/``sub``): any value of the documented format that starts
  with none of the literal prefixes the policy compares the key with — except prefixes every value of
  the format has (``o-*``, ``vpce-*``, ``AROA*``, ``o-*/*`` restrict nothing);
* web-identity audience / app-id keys and every ``cognito-identity.amazonaws.com:`` key: any value but
  the *fixed* values of the policy (a pattern such as ``us-east-1:*`` names other customers' pools), and
  an audience every customer shares (``sts.amazonaws.com``) is no restriction;
* S3's own rules, for S3 bucket and access point policies only (S3 User Guide, "The meaning of public";
  elsewhere the documentation is silent, so these conditions restrict nothing): ``aws:SourceIp``/
  ``aws:VpcSourceIp`` lie outside every CIDR of at least /8 (IPv4) or /32 (IPv6) in the policy, broader
  ranges are public; a fixed ``s3:x-amz-server-side-encryption-aws-kms-key-id`` restricts; in an access
  point policy ``s3:DataAccessPointArn`` restricts nothing;
* ``aws:PrincipalIsAWSService`` is true exactly when the caller is a service principal.

A web-identity trust (``Federated``: ``cognito-identity.amazonaws.com``, ``accounts.google.com``, an
OIDC provider) without an audience/subject condition is public: anyone with a token of that provider
(*Available keys for AWS OIDC federation*). SAML providers and service principals the policy names are
not public; an AWS service no statement names, acting for any customer (no ``aws:SourceAccount``/
``aws:SourceArn``), is (*The confused deputy problem*).

Example::

    >>> doc = {"Statement": {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
    ...                      "Resource": "arn:aws:s3:::b/*"}}
    >>> check_no_public_access(doc, "AWS::S3::Bucket").verdict.value
    'FAIL'
"""

from __future__ import annotations

import functools
import json
import re
import time
from typing import Any

import z3

from least_privilege_constructs.analysis.iam.condition_keys import (
    ACCOUNT_FORMAT,
    ARN_IDENTITY_KEYS,
    S3_ACCESS_POINT_RESOURCE_TYPES,
    S3_FIXED_VALUE_KEYS,
    S3_PUBLIC_RULE_RESOURCE_TYPES,
    SAML_PROVIDER_MARK,
    SHARED_AUDIENCE_VALUES,
    SOURCE_IP_KEYS,
    SOURCE_IP_PUBLIC_PREFIX,
    WEB_IDENTITY_AUDIENCE_SUFFIXES,
    anonymous_value,
    identifier_format,
    presence,
    web_identity_fixed_only,
)
from least_privilege_constructs.analysis.iam.variables import Lit, Token, Var, Wild, tokenize
from least_privilege_constructs.analysis.iam.wildcards import arn_segments
from least_privilege_constructs.analysis.outcome import UNDETERMINED, UNDETERMINED_STATEMENTS
from least_privilege_constructs.analysis.reasoning.arns import SEG_STAR, arn_steps
from least_privilege_constructs.analysis.reasoning.conditions import OPERATORS, parse_network
from least_privilege_constructs.analysis.reasoning.policy import Statement, parse_policy
from least_privilege_constructs.analysis.reasoning.policy_set import PolicySet
from least_privilege_constructs.analysis.reasoning.resource_types import SUPPORTED_RESOURCE_TYPES
from least_privilege_constructs.analysis.reasoning.result import CheckResult, Reason, Verdict
from least_privilege_constructs.analysis.reasoning.smt import (
    _IPV6_OFFSET,
    UNNAMED_SERVICE,
    Encoding,
    Unsupported,
    account_glob,
    request_from_model,
    solve_by,
    unsupported_principal,
)
from least_privilege_constructs.analysis.reasoning.strings import Glob, find_witness
from least_privilege_constructs.analysis.reasoning.target import Target

CHECK = "check-no-public-access"
PASS_MESSAGE = "The resource policy does not grant public access for the given resource type."
FAIL_MESSAGE = "The resource policy grants public access for the given resource type."
UNKNOWN_MESSAGE = (
    "Whether the resource policy grants public access could not be determined ({why}); failing closed."
)
DEFAULT_TIMEOUT_MS = 10_000


_DIGITS12 = re.compile(r"(?<!\d)\d{12}(?!\d)")
_CALLER_ARN = Glob.from_tokens(
    [Lit("arn:"), SEG_STAR, Lit(":"), SEG_STAR, Lit(":"), SEG_STAR, Lit(":"), *Glob.format(ACCOUNT_FORMAT).steps,
     Lit(":"), Wild("*")]
)
"""An ARN in some account: ``arn:<partition>:<service>:<region>:<12 digits>:<anything>``."""
_NO_ACCOUNT_ARN = Glob.from_tokens(
    [Lit("arn:"), SEG_STAR, Lit(":"), SEG_STAR, Lit(":"), SEG_STAR, Lit("::"), Wild("*")]
)
"""An ARN without an account (an S3 bucket ``arn:aws:s3:::name``)."""


def _prefixed(prefix: str, glob: Glob) -> Glob:
    return Glob(tuple(("c", ch) for ch in prefix) + glob.steps, glob.ignore_case)


def _literal_prefix(value: str, variables: bool = True) -> str:
    out = ""
    for t in tokenize(value, variables=variables):
        if not isinstance(t, Lit):
            break
        out += t.text
    return out


@functools.lru_cache(maxsize=4096)
def _covers(prefix: str, alternative: Glob) -> bool:
    """Whether every value of the format alternative starts with ``prefix`` (then the prefix restricts
    nothing)."""
    return find_witness([alternative], [Glob.from_tokens([Lit(prefix), Wild("*")])]) is None


def _policy_values(statements: list[Statement]) -> dict[str, list[tuple[str, bool, str, str]]]:
    """Policy values per key: (value, variables enabled, operator family, base operator)."""
    out: dict[str, list[tuple[str, bool, str, str]]] = {}
    for s in statements:
        for c in s.conditions:
            fam = OPERATORS[c.base].family
            out.setdefault(c.key.lower(), []).extend((v, c.variables, fam, c.base) for v in c.values)
    return out


def _fixed_values(values: list[tuple[str, bool, str, str]]) -> list[Glob]:
    """The *fixed* values among a key's policy values, as literal globs: "values that don't contain a
    wildcard or an AWS Identity and Access Management Policy Variable" (S3 User Guide, "The meaning of
    public"). A ``StringEquals`` value is literal text (its ``*`` is no wildcard); a ``StringLike`` value
    is fixed when it holds no ``*``/``?``; ``...IgnoreCase`` compares without case."""
    out: list[Glob] = []
    for value, variables, fam, base in values:
        if fam not in ("String", "Arn"):
            continue
        equals = base.startswith(("StringEquals", "StringNotEquals", "ArnEquals", "ArnNotEquals"))
        tokens = tokenize(value, wildcards=not equals, variables=variables)
        if all(isinstance(t, Lit) for t in tokens):
            out.append(Glob.literal("".join(t.text for t in tokens if isinstance(t, Lit)), base.endswith("IgnoreCase")))
    return out


def _no_account_restrictions(values: list[tuple[str, bool, str, str]]) -> list[Glob]:
    """For an ARN key whose value has no account: the patterns that name a specific resource (a literal
    start of the resource part, all five first segments free of variables), as ``<pattern prefix>*``."""
    out: list[Glob] = []
    for value, variables, _, _ in values:
        segments = arn_segments(value, variables=variables)
        if len(segments) < 6 or any(isinstance(t, Var) for seg in segments[:5] for t in seg):
            continue
        res = segments[5]
        head = res[0].text if res and isinstance(res[0], Lit) else ""
        if not head:
            continue
        # the steps of the core's ARN rule up to the fifth ":" (the first five segments), then "<head>*"
        prefix: list[Token | tuple[str, str]] = []
        colons = 0
        for step in arn_steps(value, variables=variables):
            if isinstance(step, Lit) and colons + step.text.count(":") >= 5:
                cut = -1
                for _ in range(5 - colons):
                    cut = step.text.index(":", cut + 1)
                prefix.append(Lit(step.text[: cut + 1]))
                break
            colons += step.text.count(":") if isinstance(step, Lit) else 0
            prefix.append(step)  # type: ignore[arg-type]  # no variables in the first five segments here
        out.append(Glob.from_tokens([*prefix, Lit(head), Wild("*")]))
    return out


def _fresh_constraints(
    enc: Encoding, statements: list[Statement], policy_text: str, resource_type: str
) -> list[z3.BoolRef]:
    """The caller is anyone (anonymous, an AWS principal of an account the policy does not name, a
    web-identity token holder, or an AWS service the policy does not name, acting for any customer) and
    every identity key holds a value the policy does not single out."""
    t = enc.theory
    literal_accounts = sorted(set(_DIGITS12.findall(policy_text)))
    anon = t.atom(enc.prin, Glob.literal("Anonymous:"))
    aws = z3.And(
        t.atom(enc.prin, _prefixed("AWS:", _CALLER_ARN)),
        *[z3.Not(t.atom(enc.prin, account_glob("AWS:arn:", a))) for a in literal_accounts],
    )
    web_identity = z3.And(
        t.atom(enc.prin, Glob.parse("Federated:*")),
        z3.Not(t.atom(enc.prin, Glob.parse("Federated:*" + SAML_PROVIDER_MARK + "*"))),
    )
    # An AWS service acting for some customer: Principal "*" admits it, and with no aws:SourceAccount /
    # aws:SourceArn naming the customer, any customer's request through the service ("The confused deputy
    # problem", https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html). A service the policy
    # names is a fixed principal (S3 User Guide, "The meaning of public": the CloudTrail example), so this
    # caller is a service no statement names.
    service = t.atom(enc.prin, Glob.literal(UNNAMED_SERVICE))
    out: list[z3.BoolRef] = [z3.Or(anon, aws, web_identity, service)]
    values_by_key = _policy_values(statements)
    s3_rules = resource_type in S3_PUBLIC_RULE_RESOURCE_TYPES
    for key, kv in enc.keys.items():
        facts = presence(key)
        if facts.principal_key:
            value = anonymous_value(key)
            if value is None:
                out.append(z3.Implies(anon, z3.Not(kv.present)))
            else:
                fixed = [kv.present]
                if kv.vtype == "str":
                    fixed.append(t.atom(str(kv.values[0]), Glob.literal(value)))
                    if kv.multivalued:
                        fixed.append(z3.Not(kv.is_list))
                out.append(z3.Implies(anon, z3.And(*fixed)))
        if facts.always_for_signed:
            out.append(z3.Implies(aws, kv.present))
        if key == "aws:principalisawsservice" and kv.vtype == "str":
            # true exactly when the caller is a service principal (global-keys page)
            is_true = t.atom(str(kv.values[0]), Glob.literal("true", ignore_case=True))
            is_false = t.atom(str(kv.values[0]), Glob.literal("false", ignore_case=True))
            out.append(z3.Implies(kv.present, z3.If(service, is_true, is_false)))
        # a principal key of an anonymous caller is fixed above, not fresh
        guard = z3.Not(anon) if facts.principal_key else z3.BoolVal(True)
        if kv.vtype == "str":
            for active, slot in zip(kv.active, kv.values, strict=False):
                texts = [x for x in values_by_key.get(key, []) if x[2] in ("String", "Arn")]
                fresh = _fresh_value(enc, key, str(slot), texts, literal_accounts, resource_type)
                if fresh is not None:
                    out.append(z3.Implies(z3.And(active, guard), fresh))
        elif kv.vtype == "ip" and key in SOURCE_IP_KEYS and s3_rules:
            # S3 only: a fixed CIDR of aws:SourceIp makes a bucket policy non-public unless broader than
            # /8 (IPv4) or /32 (IPv6); for any other resource type the documentation is silent
            for active, ip in zip(kv.active, kv.values, strict=False):
                for v, _, _, _ in values_by_key.get(key, []):
                    net = parse_network(v)
                    if net is None or net.prefixlen < SOURCE_IP_PUBLIC_PREFIX[net.version]:
                        continue
                    lo = int(net.network_address) + (_IPV6_OFFSET if net.version == 6 else 0)
                    hi = lo + net.num_addresses - 1
                    out.append(z3.Implies(active, z3.Or(ip < lo, ip > hi)))
    return out


def _fresh_value(
    enc: Encoding,
    key: str,
    var: str,
    values: list[tuple[str, bool, str, str]],
    literal_accounts: list[str],
    resource_type: str,
) -> z3.BoolRef | None:
    """What a value of ``key`` that the policy does not single out satisfies (None: no constraint)."""
    t = enc.theory
    if key == "aws:principalarn":  # aliased to the caller, constrained by the caller's kind
        return None
    if key == "s3:dataaccesspointarn" and resource_type in S3_ACCESS_POINT_RESOURCE_TYPES:
        return None  # an access point policy granting by s3:DataAccessPointArn is public (S3 User Guide)
    s3_fixed = key in S3_FIXED_VALUE_KEYS and resource_type in S3_PUBLIC_RULE_RESOURCE_TYPES
    if web_identity_fixed_only(key) or s3_fixed:
        # only an exact value names the application / key; any pattern restricts nothing
        shared = SHARED_AUDIENCE_VALUES if web_identity_fixed_only(key) else ()
        fixed = [z3.Not(t.atom(var, g)) for g in _fixed_values(values) if g.text().lower() not in shared]
        return z3.And(*fixed) if fixed else None
    if key in ARN_IDENTITY_KEYS:
        in_account = z3.And(
            t.atom(var, _CALLER_ARN), *[z3.Not(t.atom(var, account_glob("arn:", a))) for a in literal_accounts]
        )
        no_account = z3.And(
            t.atom(var, _NO_ACCOUNT_ARN), *[z3.Not(t.atom(var, g)) for g in _no_account_restrictions(values)]
        )
        return z3.Or(in_account, no_account)
    fmt = identifier_format(key)
    if fmt is not None and fmt.exact_accounts:
        return z3.And(
            t.atom(var, Glob.format(ACCOUNT_FORMAT)), *[z3.Not(t.atom(var, Glob.literal(a))) for a in literal_accounts]
        )
    alternatives = [Glob.format(a) for a in fmt.alternatives] if fmt is not None else None
    if alternatives is None:
        if not key.endswith(WEB_IDENTITY_AUDIENCE_SUFFIXES) or key.startswith("aws:"):
            return None
        alternatives = [Glob.parse("*")]
    prefixes = sorted({_literal_prefix(v, variables) for v, variables, _, _ in values} - {""})
    options: list[z3.BoolRef] = []
    for alt in alternatives:
        restricting = [p for p in prefixes if not _covers(p, alt)]
        options.append(
            z3.And(
                t.atom(var, alt),
                *[z3.Not(t.atom(var, Glob.from_tokens([Lit(p), Wild("*")]))) for p in restricting],
            )
        )
    return z3.Or(*options)


def _unencodable_principal(stmt: Statement) -> str | None:
    for entry in (*(stmt.principals or ()), *(stmt.not_principals or ())):
        why = unsupported_principal(entry)
        if why is not None:
            return why
    return None


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
    text = json.dumps(parsed.document, default=str)
    reasons: list[Reason] = []
    unknown: list[str] = []
    # statements whose own principal cannot be encoded: an UNKNOWN that comes only from them is theirs
    unencodable = {s.index: why for s in statements if (why := _unencodable_principal(s)) is not None}
    denies_unencodable = any(s.effect == "Deny" and s.index in unencodable for s in statements)
    undetermined: list[tuple[int, str | None, str]] = []
    queries = 0
    deadline = start + timeout_ms / 1000.0
    for member in target.candidates():
        _, _, stmt = member
        status, model, enc = "unsat", None, None
        try:
            enc = Encoding.for_statements(statements, None, aliases={"k:aws:principalarn:0": ("prin", "AWS:")})
            body = [target.allowed(enc, member), *_fresh_constraints(enc, list(statements), text, resource_type)]
            constraints = [*enc.domain(), *body]
        except Unsupported as exc:
            unknown.append(str(exc))
            if not denies_unencodable and unencodable.get(stmt.index) == str(exc):
                undetermined.append((stmt.index, stmt.sid, str(exc)))
            continue
        result = solve_by(deadline, constraints, enc.theory, unknown)
        if result is None:
            break
        queries += 1
        status, model = result
        if status == "sat":
            assert model is not None
            reasons.append(
                Reason(
                    f"Public access granted in the following statement with index: {stmt.index}.",
                    stmt.index,
                    stmt.sid,
                    example=request_from_model(enc, model, "*"),
                )
            )
    elapsed = (time.perf_counter() - start) * 1000.0
    details: dict[str, Any] = {"resourceType": resource_type, "solver_queries": queries}
    if reasons:
        if unknown:  # public, and some other statements undecided: they are reported too (fail closed)
            details[UNDETERMINED] = sorted(set(unknown))
            if len(undetermined) == len(unknown):
                details[UNDETERMINED_STATEMENTS] = [i for i, _, _ in undetermined]
        return CheckResult(CHECK, Verdict.FAIL, FAIL_MESSAGE, tuple(reasons), elapsed, details)
    if unknown:
        why = "; ".join(sorted(set(unknown)))
        # every other statement was decided: name the undecided ones, so the finding points at them
        located = len(undetermined) == len(unknown)
        why_reasons = tuple(Reason(w, i, sid) for i, sid, w in undetermined) if located else (Reason(why),)
        return CheckResult(
            CHECK, Verdict.UNKNOWN, UNKNOWN_MESSAGE.format(why=why), why_reasons, elapsed, details
        )
    return CheckResult(CHECK, Verdict.PASS, PASS_MESSAGE, (), elapsed, details)
