"""IAM's policy evaluation logic for one concrete request.

Order (IAM User Guide, "Policy evaluation logic" and "Determining whether a request is allowed or denied
within an account"):

1. any matching Deny statement, in any policy of the set, is an explicit deny;
2. SCPs (for principals of the organization): every level must have a matching Allow;
3. RCPs: only their Deny statements matter (``RCPFullAWSAccess`` is implicit);
4. same account: the request is allowed by a matching identity Allow, or by a resource policy Allow
   whose principal names the caller (a grant to the *account* only delegates to identity policies);
5. a permissions boundary must also allow, except that a resource-policy Allow granting to an IAM
   user, an assumed-role session or a federated user caller itself (its ARN, ``*`` or a ``NotPrincipal``
   that does not exclude it) is not limited by the boundary ("Permissions boundaries for IAM entities");
6. cross account: both the identity policies and the resource policy must allow;
7. anonymous and service principals are decided by the resource policy alone; an anonymous request
   carries ``aws:userid = anonymous`` and ``aws:PrincipalType = Anonymous`` ("Principal key values");
8. AWS KMS keys: identity policies count only when the key policy delegates to the account (a statement
   whose principal is the account), as the AWS KMS Developer Guide requires ("Key policies in AWS KMS").

Example::

    >>> from least_privilege_constructs.analysis.reasoning.request import Request
    >>> doc = {"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
    ...                      {"Sid": "NoDelete", "Effect": "Deny", "Action": "s3:Delete*", "Resource": "*"}]}
    >>> evaluate(Request("arn:aws:iam::111122223333:user/a", "s3:DeleteObject", "arn:aws:s3:::b/k"), doc).explain()
    'ExplicitlyDenied: an explicit Deny matched\\n  - identity policy identity0 Statement[1] (NoDelete)'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from least_privilege_constructs.analysis.iam.arn import Arn
from least_privilege_constructs.analysis.iam.wildcards import action_matches, service_of
from least_privilege_constructs.analysis.reasoning.conditions import condition_matches
from least_privilege_constructs.analysis.reasoning.matching import (
    principal_kind,
    principal_match_level,
    resources_apply,
)
from least_privilege_constructs.analysis.reasoning.policy import Policy, Statement, parse_policy
from least_privilege_constructs.analysis.reasoning.policy_set import PolicySet
from least_privilege_constructs.analysis.reasoning.request import Decision, Outcome, Request, StatementRef

_BYPASS_KINDS = (":user/", ":assumed-role/", ":federated-user/")


def as_policy_set(policies: Any, policy_type: str = "IDENTITY_POLICY") -> PolicySet:
    """Coerce what callers pass as "policies" into a :class:`PolicySet`: a PolicySet as is; a document,
    JSON text or :class:`Policy` as the single policy of ``policy_type``; a list as identity policies."""
    if isinstance(policies, PolicySet):
        return policies
    if hasattr(policies, "identity_policies") or hasattr(policies, "boundary"):
        from least_privilege_constructs.analysis.reasoning.effective import effective_permissions

        return effective_permissions(policies)
    if isinstance(policies, (Mapping, Policy, str, bytes)):
        pt = str(policy_type).upper()
        if pt == "RESOURCE_POLICY":
            return PolicySet(resource=parse_policy(policies, "resource"))
        if pt == "SERVICE_CONTROL_POLICY":
            return PolicySet(scps=((parse_policy(policies, "scp"),),))
        if pt == "RESOURCE_CONTROL_POLICY":
            return PolicySet(rcps=((parse_policy(policies, "rcp"),),))
        return PolicySet(identity=(parse_policy(policies, "identity0"),))
    if isinstance(policies, Sequence):
        return PolicySet.build(identity=list(policies))
    raise TypeError(f"cannot evaluate against {type(policies).__name__}")


def statement_applies(stmt: Statement, request: Request, *, check_principal: bool) -> str | None:
    """Whether a statement applies to the request. Returns the principal match level (``"n/a"`` when the
    statement has no principal element or principals are not checked; ``"not-principal"`` for a
    ``NotPrincipal`` that does not exclude the caller) or None when it does not apply.

    ARN patterns (``Resource``, ``ArnLike`` ...) follow the core's rule
    (:func:`~least_privilege_constructs.analysis.iam.wildcards.arn_matches`), including its rule 6: a policy
    variable whose value holds ``:`` inside one of the first five segments (``"${aws:PrincipalArn}"``) is
    decided by the cut-first reading and matches nothing. The documentation leaves that case open, so the
    checks do not rely on it (they answer UNKNOWN where only this reading would give PASS); a concrete
    decision of this evaluator on such a request is the core's reading, not a documented fact.
    RCP statements apply only to actions of the services RCPs restrict (``Statement.action_services``)."""
    if stmt.actions is not None:
        if not any(action_matches(p, request.action) for p in stmt.actions):
            return None
    elif stmt.not_actions is not None and any(action_matches(p, request.action) for p in stmt.not_actions):
        return None
    if stmt.action_services is not None and service_of(request.action) not in stmt.action_services:
        return None  # an RCP statement and an action of a service RCPs do not restrict
    ctx = request.context
    if not resources_apply(stmt.resources, stmt.not_resources, request.resource, ctx, variables=stmt.variables):
        return None
    level = "n/a"
    if check_principal:
        if stmt.principals is not None:
            levels = [principal_match_level(e, request.principal) for e in stmt.principals]
            found = [lv for lv in levels if lv is not None]
            if not found:
                return None
            order = ("exact", "wildcard", "session", "account")
            level = min(found, key=order.index)
        elif stmt.not_principals is not None:
            if any(principal_match_level(e, request.principal) for e in stmt.not_principals):
                return None
            level = "not-principal"
    if not all(condition_matches(c, ctx) for c in stmt.conditions):
        return None
    return level


def _is_kms_key_request(request: Request) -> bool:
    """A KMS action on a KMS key (its key policy is required: AWS KMS Developer Guide, "Key policies in
    AWS KMS")."""
    arn = Arn.parse(request.resource)
    return (
        request.action.lower().startswith("kms:")
        and arn is not None
        and arn.service == "kms"
        and arn.resource.startswith("key/")
    )


def _with_anonymous_keys(request: Request) -> Request:
    """An anonymous request carries ``aws:userid = anonymous`` and ``aws:PrincipalType = Anonymous``
    (IAM User Guide, *Variables and tags*, "Principal key values"); values the caller passed win."""
    given = {k.lower() for k in request.context}
    extra = {k: v for k, v in _anonymous_values().items() if k.lower() not in given}
    if not extra:
        return request
    return replace(request, context={**extra, **request.context})


def _anonymous_values() -> dict[str, str]:
    from least_privilege_constructs.analysis.iam.condition_keys import ANONYMOUS_VALUES, key_info

    out: dict[str, str] = {}
    for key, value in ANONYMOUS_VALUES.items():
        info = key_info(key)
        out[info.name if info is not None else key] = value
    return out


def _ref(kind: str, policy: Policy, stmt: Statement) -> StatementRef:
    return StatementRef(kind, policy.name or kind, stmt.index, stmt.sid, stmt.effect)


def evaluate(request: Request, policies: Any, policy_type: str = "IDENTITY_POLICY") -> Decision:
    """Decide one request against a policy set (or a single document of ``policy_type``).

    Returns a :class:`Decision` naming the statements that decided it.
    """
    ps = as_policy_set(policies, policy_type)
    kind_of_principal = principal_kind(request.principal)
    authenticated = kind_of_principal == "AWS"
    if kind_of_principal == "Anonymous":
        request = _with_anonymous_keys(request)

    # 1. explicit denies everywhere (principal-side policies only for authenticated AWS principals)
    denies: list[StatementRef] = []
    for kind, policy, stmt in ps.statements():
        if stmt.is_allow:
            continue
        if kind in ("identity", "boundary", "scp") and not authenticated:
            continue
        if statement_applies(stmt, request, check_principal=kind in ("resource", "rcp")) is not None:
            denies.append(_ref(kind, policy, stmt))
    if denies:
        return Decision(Outcome.EXPLICITLY_DENIED, "an explicit Deny matched", tuple(denies))

    # resource policy allows, with how the principal was matched
    resource_allows: list[tuple[StatementRef, str]] = []
    if ps.resource is not None:
        for stmt in ps.resource.allows:
            level = statement_applies(stmt, request, check_principal=True)
            if level is not None:
                resource_allows.append((_ref("resource", ps.resource, stmt), level))

    if not authenticated:
        granting = tuple(r for r, lv in resource_allows if lv != "account")
        if granting:
            return Decision(Outcome.ALLOWED, "the resource policy allows this principal", granting)
        return Decision(Outcome.IMPLICITLY_DENIED, "no resource policy statement allows this principal")

    # 2. SCPs
    for li, scp_level in enumerate(ps.scps):
        if not any(
            statement_applies(s, request, check_principal=False) is not None for p in scp_level for s in p.allows
        ):
            return Decision(Outcome.IMPLICITLY_DENIED, f"no SCP at level {li} allows the action")

    identity_allows = tuple(
        _ref("identity", p, s)
        for p in ps.identity
        for s in p.allows
        if statement_applies(s, request, check_principal=False) is not None
    )
    boundary_allows: tuple[StatementRef, ...] = ()
    if ps.boundary is not None:
        boundary_allows = tuple(
            _ref("boundary", ps.boundary, s)
            for s in ps.boundary.allows
            if statement_applies(s, request, check_principal=False) is not None
        )
    boundary_blocks = ps.boundary is not None and not boundary_allows

    if not request.same_account:
        if not identity_allows:
            return Decision(Outcome.IMPLICITLY_DENIED, "cross-account: no identity policy allows the request")
        if not resource_allows:
            return Decision(Outcome.IMPLICITLY_DENIED, "cross-account: the resource policy does not allow it")
        if boundary_blocks:
            return Decision(Outcome.IMPLICITLY_DENIED, "the permissions boundary does not allow the action")
        return Decision(
            Outcome.ALLOWED,
            "identity and resource policies allow the cross-account request",
            identity_allows + tuple(r for r, _ in resource_allows) + boundary_allows,
        )

    direct = tuple(r for r, lv in resource_allows if lv != "account")
    if _is_kms_key_request(request) and not any(lv == "account" for _, lv in resource_allows):
        # AWS KMS: identity policies grant access to a key only when the key policy delegates to the account
        identity_allows = ()
        if not direct:
            return Decision(
                Outcome.IMPLICITLY_DENIED,
                "the KMS key policy neither allows the principal nor delegates to the account's IAM policies",
            )
    if boundary_blocks:
        bypass_ok = any(k in request.principal for k in _BYPASS_KINDS)
        # IAM User Guide, Permissions boundaries for IAM entities: a resource-based policy that grants to
        # the IAM user or role session itself is not limited by the boundary; a grant to a role ARN or to
        # the account is
        bypass = tuple(
            r for r, lv in resource_allows if bypass_ok and lv in ("exact", "wildcard", "not-principal")
        )
        if bypass:
            return Decision(
                Outcome.ALLOWED,
                "a resource policy naming the principal allows it (not limited by the permissions boundary)",
                bypass,
            )
        return Decision(Outcome.IMPLICITLY_DENIED, "the permissions boundary does not allow the action")
    if identity_allows or direct:
        return Decision(Outcome.ALLOWED, "allowed", identity_allows + direct + boundary_allows)
    if ps.resource is not None and not ps.identity:
        return Decision(Outcome.IMPLICITLY_DENIED, "no resource policy statement allows this principal")
    return Decision(Outcome.IMPLICITLY_DENIED, "no identity or resource policy statement allows the request")
