"""The refine errors: one type, stable codes, a location (a file and a JSON path, or an entity).

======================  ========================================================================
code                    cause
======================  ========================================================================
``LPC-REFINE-001``      the evidence bundle is not JSON, or does not follow the bundle schema
``LPC-REFINE-002``      the evidence is older than the allowed age (``max_evidence_age_days``)
``LPC-REFINE-003``      the window is not 1-400 days (IAM's last-accessed tracking period is 400 days)
``LPC-REFINE-004``      the SCPs of unused services need more policies than a target may have
``LPC-REFINE-005``      a generated SCP does not pass the offline validator as SERVICE_CONTROL_POLICY
``LPC-REFINE-006``      an option is out of range (ages, prefixes, allow-list entries)
======================  ========================================================================
"""

from __future__ import annotations

from least_privilege_constructs.errors import LeastPrivilegeError

ERROR_CODES: dict[str, str] = {
    "LPC-REFINE-001": "the evidence bundle is not JSON, or does not follow the bundle schema",
    "LPC-REFINE-002": "the evidence is older than the allowed age (max_evidence_age_days)",
    "LPC-REFINE-003": "the window is not 1-400 days (IAM's last-accessed tracking period is 400 days)",
    "LPC-REFINE-004": "the SCPs of unused services need more policies than a target may have",
    "LPC-REFINE-005": "a generated SCP does not pass the offline validator as SERVICE_CONTROL_POLICY",
    "LPC-REFINE-006": "an option is out of range (ages, prefixes, allow-list entries)",
}


class RefineError(LeastPrivilegeError):
    """A bad evidence bundle or option. ``code`` is one of :data:`ERROR_CODES`; ``where`` locates it."""
