"""The stable error codes of the rollout constructs (``[LPC-ROLLOUT-nnn] <construct path>: <message>``).

:func:`render_error_table` renders the table of ``docs/rollout.md``; ``python -m
least_privilege_constructs.rollout.error_codes`` prints it, and a test keeps the document and the code in
step (every code raised in ``rollout/`` is listed here, and the document holds the current table).
"""

from __future__ import annotations

ERROR_CODES: dict[str, tuple[str, str]] = {
    "LPC-ROLLOUT-001": ("construction", "a list argument is a string, holds a non-string or a duplicate"),
    "LPC-ROLLOUT-002": ("construction", "an account id is not 12 digits (as a string)"),
    "LPC-ROLLOUT-003": ("construction", "an OU id is neither `ou-xxxx-xxxxxxxx` nor a root id `r-xxxx`"),
    "LPC-ROLLOUT-004": ("construction", "no regions, or a region name of the wrong shape"),
    "LPC-ROLLOUT-005": ("construction", "an organization id is not `o-` + 10-32 characters"),
    "LPC-ROLLOUT-006": ("construction", "the StackSet name is not valid for CloudFormation"),
    "LPC-ROLLOUT-007": ("construction", "`template_delivery` is not `auto`, `inline` or `url`"),
    "LPC-ROLLOUT-008": (
        "construction",
        "service-managed: no OUs, exclusions together with additions, self-managed roles, retain without "
        "auto-deployment, or an unknown permission model",
    ),
    "LPC-ROLLOUT-009": (
        "construction",
        "self-managed: OUs or exclusions, no accounts, auto-deployment or delegated admin requested",
    ),
    "LPC-ROLLOUT-010": (
        "construction",
        "operation preferences: count and percentage both given, out of range, failure tolerance above the "
        "concurrency, concurrency above tolerance + 1 in strict mode, region order outside the regions",
    ),
    "LPC-ROLLOUT-011": (
        "construction",
        "the template is no StackSet template stack, is outside the rollout's stack, or has an environment",
    ),
    "LPC-ROLLOUT-012": ("construction", "more than one region for a template holding (global) IAM resources"),
    "LPC-ROLLOUT-020": (
        "construction",
        "a federation provider (SAML name, OIDC issuer/audience/subjects, permission sets)",
    ),
    "LPC-ROLLOUT-021": (
        "construction",
        "a `DefaultPolicies` argument (names, paths, ARNs, external id, boundary options)",
    ),
    "LPC-ROLLOUT-030": ("construction", "an asset (file or Docker image) added to a StackSet template stack"),
    "LPC-ROLLOUT-050": (
        "construction",
        "a `PermissionSetRollout` argument (rollout, permission set, assignments, principal ids, accounts, "
        "`ou_accounts` naming an OU the StackSet does not target, an empty reason, `condition_accounts`, "
        "`management_account_id` missing from a delegated administrator or an environment-agnostic stack, or "
        "contradicting the stack's account)",
    ),
    "LPC-ROLLOUT-051": (
        "synthesis (validation)",
        "the permission set refers to a customer managed policy (boundary included) by a name and path that "
        "the StackSet template does not create",
    ),
    "LPC-ROLLOUT-052": (
        "synthesis (validation)",
        "an assignment targets an account the StackSet does not deploy to (excluded, not in its accounts or "
        "OUs, or the management account)",
    ),
    "LPC-ROLLOUT-053": (
        "synthesis (validation)",
        "an assignment targets an account whose membership of the StackSet's OUs is not given "
        "(`ou_accounts`) and no `unverifiable_accounts_reason` accepts it",
    ),
    "LPC-ROLLOUT-054": (
        "synthesis (validation, and on the written template)",
        "a referenced policy exists only where a CloudFormation `Condition` holds, and `condition_accounts` "
        "does not say it holds in an assigned account (and no `unverifiable_conditions_reason` accepts it)",
    ),
    "LPC-ROLLOUT-040": ("synthesis", "the StackSet template was needed before its stack was synthesized"),
    "LPC-ROLLOUT-041": ("synthesis", "the template is above CloudFormation's 1 MB limit for templates in S3"),
    "LPC-ROLLOUT-042": ("synthesis", "`template_delivery='inline'` but the template is above 51,200 bytes"),
    "LPC-ROLLOUT-043": (
        "synthesis",
        "the template must be a file asset but the stack's synthesizer has no assets",
    ),
}
"""code -> (when it is raised, what is wrong)."""


def render_error_table() -> str:
    """The Markdown table of the error codes (as in ``docs/rollout.md``)."""
    lines = ["| code | raised at | cause |", "|---|---|---|"]
    lines += [f"| `{code}` | {when} | {cause} |" for code, (when, cause) in ERROR_CODES.items()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover - documentation helper
    print(render_error_table(), end="")
