"""Boundary- and SCP-aware effective permissions of a principal.

``effective_permissions(principal)`` returns a :class:`PolicySet`: identity policies ∩ permissions
boundary (∩ SCPs when given), minus every Deny. The custom checks and the evaluator accept it wherever a
"policy" is expected, so ``check_access_not_granted(effective_permissions(role), ["iam:CreateUser"])``
asks what the role can *really* do — unlike cfn-policy-validator, which ignores the boundary.

It accepts:

* the ``Principal`` object of ``least_privilege_constructs.analysis.extract`` or anything shaped like
  it: attributes ``identity_policies`` (documents or objects with ``.document``) and ``boundary``
  (a document, an object with ``.document``, or None); optional ``scps``/``arn``;
* a mapping ``{"identity": [...], "boundary": doc | None, "scps": [...]}``;
* a :class:`PolicySet` (returned with ``scps`` added when given).

Example::

    >>> role = {"identity": [{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}],
    ...         "boundary": {"Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}}
    >>> from least_privilege_constructs.analysis.reasoning.access_not_granted import check_access_not_granted
    >>> check_access_not_granted(effective_permissions(role), ["iam:CreateUser"]).verdict.value
    'PASS'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from least_privilege_constructs.analysis.reasoning.policy_set import PolicySet


def _resolve(arn: str, managed_policies: Any) -> Any:
    if managed_policies is None:
        return None
    if callable(managed_policies):
        return managed_policies(arn)
    return managed_policies.get(arn)


def effective_permissions(
    principal: Any,
    scps: Sequence[Any] | None = None,
    *,
    identity: Sequence[Any] | None = None,
    managed_policies: Mapping[str, Any] | Callable[[str], Any] | None = None,
) -> PolicySet:
    """The :class:`PolicySet` of what ``principal`` can do (identity ∩ boundary ∩ SCPs − denies).

    ``scps`` (documents, or a list of levels each a list of documents) override any the principal
    carries; ``identity`` overrides its identity policies (pass ``extraction.all_identity_policies(user)``
    to include a user's group policies). Managed policies attached by ARN only (``managed_policy_arns``,
    a ``boundary_arn`` without a document) are looked up in ``managed_policies`` (a mapping or a function
    ARN -> document); those that stay unknown are listed in ``PolicySet.unresolved`` and make the checks
    report UNKNOWN rather than PASS. Raises ``TypeError`` for an object of another shape and
    ``PolicyError`` for a bad document.
    """
    if isinstance(principal, PolicySet):
        if scps is None and identity is None:
            return principal
        extra = PolicySet.build(identity=list(identity or ()), scps=list(scps or ()))
        return PolicySet(
            extra.identity if identity is not None else principal.identity,
            principal.boundary,
            extra.scps if scps is not None else principal.scps,
            principal.rcps,
            principal.resource,
            principal.principal,
            principal.unresolved,
        )
    unresolved: list[str] = []
    if isinstance(principal, Mapping):
        own_identity = principal.get("identity", principal.get("identity_policies", ()))
        boundary = principal.get("boundary")
        own_scps = principal.get("scps", ())
        arn = principal.get("arn")
        managed_arns: Sequence[str] = principal.get("managed_policy_arns", ())
        boundary_arn = principal.get("boundary_arn")
    elif hasattr(principal, "identity_policies"):
        own_identity = principal.identity_policies
        if callable(own_identity):  # analysis.extract.Principal.identity_policies()
            own_identity = own_identity()
        boundary = getattr(principal, "boundary", None)
        own_scps = getattr(principal, "scps", ()) or ()
        arn = getattr(principal, "arn", None)
        managed_arns = list(getattr(principal, "managed_policy_arns", ()) or ())
        boundary_arn = getattr(principal, "boundary_arn", None)
    else:
        raise TypeError(
            f"effective_permissions expects a Principal (identity_policies, boundary), a mapping or a "
            f"PolicySet; got {type(principal).__name__}"
        )
    docs = list(identity if identity is not None else (own_identity or ()))
    for policy_arn in managed_arns:
        found = _resolve(policy_arn, managed_policies)
        if found is None:
            unresolved.append(policy_arn)
        else:
            docs.append(found)
    if boundary is None and boundary_arn:
        boundary = _resolve(str(boundary_arn), managed_policies)
        if boundary is None:
            unresolved.append(f"permissions boundary {boundary_arn}")
    name = getattr(principal, "name", None) or getattr(principal, "logical_id", None)
    return PolicySet.build(
        identity=docs,
        boundary=boundary,
        scps=list(scps if scps is not None else own_scps),
        principal=str(arn or name) if (arn or name) else None,
        unresolved=unresolved,
    )
