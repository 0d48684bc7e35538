"""IAM semantics, once: policy variables, the IAM wildcard and ARN matcher, and the ``Arn`` value type.

Every other module (validation, reasoning, escalation, nag rules, extraction, boundary verification)
calls these; none re-implements them. Pure Python (botocore's data and parsers only; no boto3, no
``aws_cdk``). Names load lazily from their modules, so importing this package costs nothing.

Example::

    >>> from least_privilege_constructs.analysis.iam import Arn, action_matches, arn_matches, partition_of
    >>> action_matches("iam:Pass*", "iam:PassRole"), arn_matches("arn:aws:iam::*:role/*", "arn:aws:iam::1:role/r")
    (True, True)
    >>> Arn.parse("arn:aws-cn:s3:::bucket/key").partition == partition_of("cn-north-1")
    True

The rules and the documentation pages they follow are in the docstrings of
:mod:`~least_privilege_constructs.analysis.iam.wildcards` (matching, including the ARN segment rule) and
:mod:`~least_privilege_constructs.analysis.iam.arn` (ARN parsing, partitions).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from least_privilege_constructs._lazy import lazy_exports

if TYPE_CHECKING:  # the names, for type checkers; at run time they load on first access
    from least_privilege_constructs.analysis.iam.arn import (
        Arn,
        ArnError,
        account_of,
        dns_suffix,
        is_account_id,
        is_arn,
        is_service_principal,
        is_session_of_role,
        partition_of,
        partitions,
        role_arn_of_session,
    )
    from least_privilege_constructs.analysis.iam.variables import (
        Lit,
        Token,
        Var,
        Wild,
        lookup,
        resolve,
        tokenize,
    )
    from least_privilege_constructs.analysis.iam.wildcards import (
        action_matches,
        arn_could_match,
        arn_matches,
        compile_glob,
        could_match,
        cover_counterexample,
        glob_match,
        glob_match_resolved,
        has_wildcards,
        literal_prefix,
        pattern_covers,
        service_of,
        split_action,
    )

__all__ = [
    "Arn",
    "ArnError",
    "Lit",
    "Token",
    "Var",
    "Wild",
    "account_of",
    "action_matches",
    "arn_could_match",
    "arn_matches",
    "compile_glob",
    "could_match",
    "cover_counterexample",
    "dns_suffix",
    "glob_match",
    "glob_match_resolved",
    "has_wildcards",
    "is_account_id",
    "is_arn",
    "is_service_principal",
    "is_session_of_role",
    "literal_prefix",
    "lookup",
    "partition_of",
    "partitions",
    "pattern_covers",
    "resolve",
    "role_arn_of_session",
    "service_of",
    "split_action",
    "tokenize",
]

_ARN = (
    "Arn",
    "ArnError",
    "account_of",
    "dns_suffix",
    "is_account_id",
    "is_arn",
    "is_service_principal",
    "is_session_of_role",
    "partition_of",
    "partitions",
    "role_arn_of_session",
)
_VARIABLES = ("Lit", "Token", "Var", "Wild", "lookup", "resolve", "tokenize")
_EXPORTS: dict[str, str] = {
    name: "least_privilege_constructs.analysis.iam." + module
    for module, names in (("arn", _ARN), ("variables", _VARIABLES))
    for name in names
}
_EXPORTS.update(
    {name: "least_privilege_constructs.analysis.iam.wildcards" for name in __all__ if name not in _EXPORTS}
)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
