"""The one error type of policy generation, with stable codes (``LPC-GEN-001`` ...)."""

from __future__ import annotations

from least_privilege_constructs.errors import LeastPrivilegeError

#: stable codes: what each means
CODES: dict[str, str] = {
    "LPC-GEN-001": "an input file or directory cannot be read",
    "LPC-GEN-002": "an input file is not CloudTrail JSON (records, LookupEvents or Lake output)",
    "LPC-GEN-003": "the principal to generate for is missing or ambiguous",
    "LPC-GEN-004": "a mapping data file or Service Reference snapshot is invalid",
    "LPC-GEN-005": "the generated policy has validator ERROR findings (nothing was written)",
    "LPC-GEN-006": "a bad option value (time window, size limit ...)",
}


class GenerateError(LeastPrivilegeError):
    """A policy-generation error: ``code`` is one of :data:`CODES`, ``where`` names the file or option."""

    def __init__(self, code: str, where: str, message: str) -> None:
        assert code in CODES, code
        super().__init__(code, where, message)
