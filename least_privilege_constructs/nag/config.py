"""The nag pack's configuration: :class:`NagConfig` and :class:`PolicyQuotas` live in the analysis core
(:mod:`least_privilege_constructs.analysis.rules.config`, shared with ``lpc gate``); imported here for
the pack's users."""

from least_privilege_constructs.analysis.rules.config import (
    CONTEXT_KEY,
    DEFAULT_APPLICATION_PATH,
    DEFAULT_BOUNDARY_NAME,
    NagConfig,
    PolicyQuotas,
)

__all__ = ["CONTEXT_KEY", "DEFAULT_APPLICATION_PATH", "DEFAULT_BOUNDARY_NAME", "NagConfig", "PolicyQuotas"]
