"""Automated reasoning over IAM policies, offline: a concrete-request evaluator and the three custom
policy checks of IAM Access Analyzer (no new access, access not granted, no public access) decided by an
SMT encoding (z3), plus boundary- and SCP-aware effective permissions.

Names are loaded lazily (z3 is imported on first use of a check), so importing this package is cheap.

Example::

    >>> from least_privilege_constructs.analysis.reasoning import Request, evaluate, check_no_new_access
    >>> doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}]}
    >>> evaluate(Request("arn:aws:iam::111122223333:role/r", "s3:GetObject", "arn:aws:s3:::b/k"), doc).allowed
    True
    >>> check_no_new_access(doc, doc, "IDENTITY_POLICY").verdict.value
    'PASS'

See docs/reasoning.md.
"""

from __future__ import annotations

from least_privilege_constructs._lazy import lazy_exports

_P = "least_privilege_constructs.analysis.reasoning."
_EXPORTS: dict[str, str] = {
    "SUPPORTED_RESOURCE_TYPES": _P + "resource_types",
    "AccessBatch": _P + "access_not_granted",
    "check_access_not_granted": _P + "access_not_granted",
    "plan_access_batches": _P + "access_not_granted",
    "effective_permissions": _P + "effective",
    "evaluate": _P + "evaluator",
    "check_no_new_access": _P + "no_new_access",
    "check_no_public_access": _P + "no_public_access",
    "PolicyError": _P + "policy",
    "PolicySet": _P + "policy_set",
    "Decision": _P + "request",
    "Outcome": _P + "request",
    "Request": _P + "request",
    "StatementRef": _P + "request",
    "CheckResult": _P + "result",
    "Reason": _P + "result",
    "Verdict": _P + "result",
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
