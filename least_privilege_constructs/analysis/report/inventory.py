"""The principals of an assembly with their boundary and their permissions by service and access level: the
``inventory`` of the gate's JSON report, which the HTML report draws.

For each role and user (groups and external principals are not granted anything themselves), per service
and access level of the IAM service reference (:mod:`least_privilege_constructs.analysis.catalog`):

- ``granted``: the actions an Allow statement of its identity policies names (``Action`` expanded, or every
  action but ``NotAction``), less those an unconditional ``Deny`` on ``*`` of those policies removes;
- ``effective``: of those, the actions its permissions boundary also names in an Allow statement and does not
  deny unconditionally on ``*``: an identity-based policy and a boundary must both allow a request
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html);
- ``cutAway``: granted but certainly never allowed, because of the boundary.

These are statements about actions, not about every resource and condition: "effective" means *may* be
allowed (on the resources and under the conditions the statements name), "cut away" means *never* allowed.
When the boundary or a managed policy is not known (attached by ARN, not in the assembly nor the packaged
snapshot), ``effective`` is ``None`` (unknown) or the entry lists the unanalyzed policies: never a guess.

Example::

    >>> from least_privilege_constructs.analysis.report.inventory import permission_rows
    >>> rows = permission_rows(
    ...     [{"Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "sqs:SendMessage"], "Resource": "*"}]}],
    ...     {"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]})
    >>> [(r["service"], r["accessLevel"], r["granted"], r["effective"], r["cutAway"]) for r in rows]
    [('s3', 'Read', 1, 1, 0), ('sqs', 'Write', 1, 0, 1)]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from least_privilege_constructs.analysis.catalog import ACCESS_LEVELS, get_catalog
from least_privilege_constructs.analysis.iam.wildcards import service_of
from least_privilege_constructs.analysis.reasoning.policy import Policy, PolicyError, Statement, parse_policy

SAMPLE_ACTIONS = 12
"""How many of the actions cut away one row names (the counts are complete)."""

UNKNOWN_ACCOUNT = "account of the deployment"
"""The account of a principal whose template does not name one (environment-agnostic stack)."""


def _expand(patterns: Iterable[str]) -> set[str]:
    catalog = get_catalog()
    out: set[str] = set()
    for pattern in patterns:
        out |= catalog.expand_action(pattern)
    return out


def _named(statement: Statement) -> set[str]:
    """The catalog actions a statement applies to (``Action`` expanded, or all but ``NotAction``)."""
    if statement.actions is not None:
        return _expand(statement.actions)
    if statement.not_actions is not None:
        return set(get_catalog().all_actions()) - _expand(statement.not_actions)
    return set()


def _unconditional_deny(statement: Statement) -> bool:
    """A Deny on every resource with no condition: whatever it names is denied for every request."""
    return (not statement.is_allow and not statement.conditions and statement.not_resources is None
            and statement.resources is not None and "*" in statement.resources)


def _allowed(policies: Sequence[Policy]) -> set[str]:
    allowed: set[str] = set()
    denied: set[str] = set()
    for policy in policies:
        for statement in policy.statements:
            if statement.is_allow:
                allowed |= _named(statement)
            elif _unconditional_deny(statement):
                denied |= _named(statement)
    return allowed - denied


def permission_rows(identity: Sequence[Any], boundary: Any | None, *, bounded: bool | None = None
                    ) -> list[dict[str, Any]]:
    """Rows ``{service, accessLevel, granted, effective, cutAway, cutAwayActions}`` for identity policy
    documents and a boundary document (``None``: no boundary, or, with ``bounded=True``, an unknown one:
    ``effective`` and ``cutAway`` are then ``None``). Raises :class:`PolicyError` for a bad document."""
    granted = _allowed([parse_policy(doc) for doc in identity])
    if boundary is not None:
        effective: set[str] | None = granted & _allowed([parse_policy(boundary)])
    elif bounded:
        effective = None
    else:
        effective = set(granted)
    catalog = get_catalog()
    cells: dict[tuple[str, str], dict[str, Any]] = {}
    for action in sorted(granted):
        service = service_of(action)
        level = catalog.access_level(action) or "Unknown"
        cell = cells.setdefault((service, level), {"service": service, "accessLevel": level, "granted": 0,
                                                   "effective": 0 if effective is not None else None,
                                                   "cutAway": 0 if effective is not None else None,
                                                   "cutAwayActions": []})
        cell["granted"] += 1
        if effective is None:
            continue
        if action in effective:
            cell["effective"] += 1
        else:
            cell["cutAway"] += 1
            if len(cell["cutAwayActions"]) < SAMPLE_ACTIONS:
                cell["cutAwayActions"].append(action)
    order = {level: i for i, level in enumerate(ACCESS_LEVELS)}
    return sorted(cells.values(), key=lambda c: (c["service"], order.get(c["accessLevel"], 99)))


def principal_entries(extraction: Any, managed_policy_documents: Mapping[str, Any] | None = None
                      ) -> list[dict[str, Any]]:
    """One entry per role and user of an :class:`~least_privilege_constructs.analysis.extract.Extraction`:
    where it is (account, stack, construct path), its boundary, and :func:`permission_rows`."""
    from least_privilege_constructs.analysis.iam.arn import account_of
    from least_privilege_constructs.analysis.managed_policies import ManagedPolicyResolver

    resolver = ManagedPolicyResolver(managed_policy_documents)
    accounts = {(t.source, t.stack): t.account for t in extraction.templates if t.account}
    out: list[dict[str, Any]] = []
    for principal in extraction.principals:
        if principal.external or principal.kind.value not in ("role", "user"):
            continue
        documents = [p.document for p in extraction.all_identity_policies(principal)]
        arns = list(principal.managed_policy_arns)
        if principal.kind.value == "user":
            for key in principal.groups:
                group = extraction.principal(key)
                arns += [a for a in (group.managed_policy_arns if group else ()) if a not in arns]
        unanalyzed: list[str] = []
        for arn in arns:
            found = resolver(arn)
            if found is None:
                unanalyzed.append(arn)
            else:
                documents.append(found)
        boundary_doc = principal.boundary.document if principal.boundary is not None else None
        if boundary_doc is None and principal.boundary_arn:
            boundary_doc = resolver(principal.boundary_arn)
        entry: dict[str, Any] = {
            "key": principal.key,
            "label": principal.label,
            "kind": principal.kind.value,
            "name": principal.name,
            "arn": principal.arn,
            "account": accounts.get((principal.source, principal.stack)) or account_of(principal.arn)
            or UNKNOWN_ACCOUNT,
            "stack": principal.stack or principal.source,
            "source": principal.source,
            "constructPath": principal.construct_path,
            "boundary": None,
            "unanalyzedPolicies": unanalyzed,
        }
        if principal.boundary_arn:
            entry["boundary"] = {
                "arn": principal.boundary_arn,
                "name": principal.boundary.name if principal.boundary is not None else principal.boundary_arn,
                "known": boundary_doc is not None,
            }
        try:
            entry["permissions"] = permission_rows(documents, boundary_doc,
                                                   bounded=bool(principal.boundary_arn))
        except PolicyError as exc:  # fail closed: say so, claim nothing
            entry["permissions"] = []
            entry["permissionsError"] = str(exc)
        out.append(entry)
    return out


def build_inventory(extraction: Any, managed_policy_documents: Mapping[str, Any] | None = None
                    ) -> dict[str, Any]:
    """The ``inventory`` of the gate's JSON report: ``{"principals": [...]}`` (see :func:`principal_entries`)."""
    return {"principals": principal_entries(extraction, managed_policy_documents)}
