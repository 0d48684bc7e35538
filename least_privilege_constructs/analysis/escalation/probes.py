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

from least_privilege_constructs.analysis.iam.variables import Lit, Var, Wild, lookup, tokenize

PROBE = "lpc-probe"


def instantiate(pattern: str, *, account: str, region: str, partition: str = "aws",
                context: Mapping[str, str | list[str]] | None = None) -> str:
    """A concrete string the resource pattern matches (wildcards filled with :data:`PROBE`)."""
    if pattern == "*":
        return PROBE
    if pattern.startswith("arn:"):
        parts = pattern.split(":", 5)
        if len(parts) == 6:
            if "*" in parts[1] or "?" in parts[1]:
                parts[1] = partition
            if parts[3] in ("*", "?"):
                parts[3] = region
            if "*" in parts[4] or "?" in parts[4]:
                parts[4] = account if parts[2] not in ("s3",) else ""
            pattern = ":".join(parts)
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
