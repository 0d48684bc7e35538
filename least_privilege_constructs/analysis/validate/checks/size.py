"""Policy size quotas (characters excluding whitespace) per policy type."""

from __future__ import annotations

from least_privilege_constructs.analysis.findings import FindingType
from least_privilege_constructs.analysis.validate.registry import Context, check, code

FAMILY = "size"

IDENTITY_QUOTA = 10_240
"""Characters (whitespace excluded) Access Analyzer allows an identity policy (measured on the corpus:
policies of 10,155 characters pass, 10,409 are flagged; IAM's inline-policy quota for roles)."""
RESOURCE_QUOTA = 20_480
TRUST_QUOTA = 2_048
SCP_QUOTA = 5_120


def policy_size(ctx: Context) -> int:
    """Characters of the document without whitespace, as IAM counts them."""
    text = ctx.text
    return len(text) - sum(text.count(c) for c in " \t\n\r\f\v")


@check(
    "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA",
    FindingType.WARNING,
    family=FAMILY,
    title="Policy size exceeds identity policy quota",
    short=f"An identity policy longer than {IDENTITY_QUOTA:,} characters (whitespace excluded).",
    long="IAM rejects identity policies over the character quota; split the policy into several "
    "granular policies.",
    also=[
        code(
            "POLICY_SIZE_EXCEEDS_RESOURCE_POLICY_QUOTA",
            FindingType.WARNING,
            family=FAMILY,
            title="Policy size exceeds resource policy quota",
            short=f"A resource policy longer than {RESOURCE_QUOTA:,} characters (whitespace excluded).",
            long="Services reject resource policies over their quota (S3 bucket policies: 20 KB).",
        ),
        code(
            "POLICY_SIZE_EXCEEDS_ROLE_TRUST_POLICY_QUOTA",
            FindingType.WARNING,
            family=FAMILY,
            title="Policy size exceeds role trust policy quota",
            short=f"A role trust policy longer than {TRUST_QUOTA:,} characters (whitespace excluded).",
            long="The default role trust policy quota is 2,048 characters (it can be raised to 8,192).",
        ),
        code(
            "POLICY_SIZE_EXCEEDS_SCP_QUOTA",
            FindingType.ERROR,
            family=FAMILY,
            title="Policy size exceeds SCP quota",
            short=f"An SCP or RCP longer than {SCP_QUOTA:,} characters.",
            long="AWS Organizations rejects service and resource control policies over 5,120 characters.",
        ),
    ],
)
def size(ctx: Context) -> None:
    n = policy_size(ctx)
    if ctx.is_org_policy:
        if n > SCP_QUOTA:
            kind = "service control policy (SCP)" if ctx.is_scp else "resource control policy (RCP)"
            ctx.emit(
                "POLICY_SIZE_EXCEEDS_SCP_QUOTA",
                f"The characters in the {kind} exceed the character maximum ({n} > {SCP_QUOTA}). We recommend "
                "that you use multiple granular policies.",
                [[]],
                size=n,
            )
    elif ctx.is_trust:
        if n > TRUST_QUOTA:
            ctx.emit(
                "POLICY_SIZE_EXCEEDS_ROLE_TRUST_POLICY_QUOTA",
                f"The characters in the role trust policy, excluding whitespace, exceed the character maximum "
                f"({n} > {TRUST_QUOTA}).",
                [[]],
                size=n,
            )
    elif ctx.is_resource:
        if n > RESOURCE_QUOTA:
            ctx.emit(
                "POLICY_SIZE_EXCEEDS_RESOURCE_POLICY_QUOTA",
                f"The characters in the resource policy, excluding whitespace, exceed the character maximum "
                f"({n} > {RESOURCE_QUOTA}). We recommend that you use multiple granular policies.",
                [[]],
                size=n,
            )
    elif n > IDENTITY_QUOTA:
        ctx.emit(
            "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA",
            "The characters in the identity policy, excluding whitespace, exceed the character maximum for "
            f"inline and managed policies ({n} > {IDENTITY_QUOTA}). We recommend that you use multiple granular "
            "policies.",
            [[]],
            size=n,
        )
