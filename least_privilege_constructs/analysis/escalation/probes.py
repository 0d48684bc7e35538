"""Witness resources: concrete ARNs to ask the evaluator about.

A policy's wildcard resource is reasoned about through *witnesses*: one concrete ARN for every resource
pattern that mentions the action (in the principal's Allow statements, and in the NotResource of Deny
statements, which carve out where the action stays possible), with every ``*`` replaced by a probe
name, account and region wildcards by the principal's, and policy variables by the request's values.
A request on a region where some Allow matches is therefore always among the witnesses, unless the
region it stands for is cut by a Deny on a pattern the witnesses do not reach (``*`` against a Deny on
``app-*``: the witness of the NotResource pattern covers it). Fixed probes add the cases that matter
whatever the policies say: a role outside the application path, the principal's own role, the CDK
bootstrap roles.

Example::

    >>> instantiate("arn:aws:iam::*:role/app1*", account="111122223333", region="us-east-1")
    'arn:aws:iam::111122223333:role/app1lpc-probe'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from least_privilege_constructs.analysis.iam.arn import Arn
from least_privilege_constructs.analysis.iam.variables import Lit, Var, Wild, lookup, tokenize
from least_privilege_constructs.analysis.iam.wildcards import has_wildcards

PROBE = "lpc-probe"


def instantiate(pattern: str, *, account: str, region: str, partition: str = "aws",
                context: Mapping[str, str | list[str]] | None = None) -> str:
    """A concrete string the resource pattern matches (wildcards filled with :data:`PROBE`)."""
    if pattern == "*":
        return PROBE
    arn = Arn.parse(pattern)
    if arn is not None:
        if has_wildcards(arn.partition):
            arn = arn.with_partition(partition)
        if arn.region in ("*", "?"):
            arn = replace(arn, region=region)
        if has_wildcards(arn.account):
            arn = arn.with_account(account if arn.service != "s3" else "")
        pattern = str(arn)
    out: list[str] = []
    for token in tokenize(pattern):
        if isinstance(token, Lit):
            out.append(token.text)
        elif isinstance(token, Wild):
            out.append(PROBE if token.char == "*" else "x")
        elif isinstance(token, Var):
            value = lookup(context or {}, token.key)
            if isinstance(value, str):
                out.append(value)
            elif token.default is not None:
                out.append(token.default)
            else:
                out.append(PROBE)
    return "".join(out)
