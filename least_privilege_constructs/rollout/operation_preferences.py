"""``OperationPreferences``: how fast a StackSet operation fans out, checked before deployment (no CDK import).

Example::

    from least_privilege_constructs import OperationPreferences

    prefs = OperationPreferences(
        max_concurrent_percentage=25,       # a quarter of the accounts of a region at a time
        failure_tolerance_percentage=10,    # stop the region once more than 10 % failed
        region_concurrency="SEQUENTIAL",
        region_order=["eu-west-1"],
    )

CloudFormation's rules, enforced here at construction with a message naming the construct:

* give the concurrency and the failure tolerance each as a count *or* a percentage, not both;
* counts are non-negative integers (the concurrency at least 1), percentages 0–100 (concurrency 1–100);
* the failure tolerance may not exceed the concurrency (counts with counts, percentages with
  percentages): a rollout that tolerates more failures than it runs at once has no working stop;
* in ``STRICT_FAILURE_TOLERANCE`` mode (CloudFormation's default) ``MaxConcurrentCount`` is at most
  ``FailureToleranceCount + 1`` (the API rejects more);
* ``region_order`` names only regions the rollout deploys to, each once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from least_privilege_constructs.errors import LeastPrivilegeError
from least_privilege_constructs.rollout.targets import check_regions

RegionConcurrency = Literal["SEQUENTIAL", "PARALLEL"]
ConcurrencyMode = Literal["STRICT_FAILURE_TOLERANCE", "SOFT_FAILURE_TOLERANCE"]


@dataclass(frozen=True)
class OperationPreferences:
    """StackSet operation preferences (``AWS::CloudFormation::StackSet.OperationPreferences``).

    :param max_concurrent_count: accounts per region deployed at the same time.
    :param max_concurrent_percentage: the same, as a percentage of the target accounts (1–100).
    :param failure_tolerance_count: failed accounts per region after which the operation stops in that region.
    :param failure_tolerance_percentage: the same, as a percentage (0–100).
    :param region_concurrency: ``SEQUENTIAL`` (default of CloudFormation) or ``PARALLEL`` regions.
    :param region_order: the order of regions for sequential deployments.
    :param concurrency_mode: ``STRICT_FAILURE_TOLERANCE`` (CloudFormation's default) or
        ``SOFT_FAILURE_TOLERANCE`` (keeps the concurrency regardless of failures).
    """

    max_concurrent_count: int | None = None
    max_concurrent_percentage: int | None = None
    failure_tolerance_count: int | None = None
    failure_tolerance_percentage: int | None = None
    region_concurrency: RegionConcurrency | None = None
    region_order: Sequence[str] = field(default_factory=tuple)
    concurrency_mode: ConcurrencyMode | None = None

    def validated(self, where: str, regions: Sequence[str]) -> OperationPreferences:
        """Check the preferences against CloudFormation's rules and the rollout's regions; returns self."""

        def fail(message: str) -> LeastPrivilegeError:
            return LeastPrivilegeError("LPC-ROLLOUT-010", where, f"operation_preferences: {message}")

        pairs = (
            ("max_concurrent_count", "max_concurrent_percentage"),
            ("failure_tolerance_count", "failure_tolerance_percentage"),
        )
        for count_name, pct_name in pairs:
            if getattr(self, count_name) is not None and getattr(self, pct_name) is not None:
                raise fail(f"give {count_name} or {pct_name}, not both")
        for name, low, high in (
            ("max_concurrent_count", 1, None),
            ("failure_tolerance_count", 0, None),
            ("max_concurrent_percentage", 1, 100),
            ("failure_tolerance_percentage", 0, 100),
        ):
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int):
                raise fail(f"{name} must be an integer, got {value!r}")
            if value < low or (high is not None and value > high):
                bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
                raise fail(f"{name} is {value}; it must be {bounds}")
        if (
            self.failure_tolerance_count is not None
            and self.max_concurrent_count is not None
            and self.failure_tolerance_count > self.max_concurrent_count
        ):
            raise fail(
                f"failure_tolerance_count ({self.failure_tolerance_count}) is above max_concurrent_count "
                f"({self.max_concurrent_count}): more accounts may fail than are deployed at once, so the "
                "operation can never stop on failures; lower the tolerance or raise the concurrency"
            )
        if (
            self.failure_tolerance_percentage is not None
            and self.max_concurrent_percentage is not None
            and self.failure_tolerance_percentage > self.max_concurrent_percentage
        ):
            raise fail(
                f"failure_tolerance_percentage ({self.failure_tolerance_percentage}%) is above "
                f"max_concurrent_percentage ({self.max_concurrent_percentage}%); lower the tolerance or "
                "raise the concurrency"
            )
        mode = self.concurrency_mode or "STRICT_FAILURE_TOLERANCE"
        if mode not in ("STRICT_FAILURE_TOLERANCE", "SOFT_FAILURE_TOLERANCE"):
            raise fail(
                f"concurrency_mode {mode!r} must be 'STRICT_FAILURE_TOLERANCE' or 'SOFT_FAILURE_TOLERANCE'"
            )
        if (
            mode == "STRICT_FAILURE_TOLERANCE"
            and self.max_concurrent_count is not None
            and self.failure_tolerance_percentage is None
        ):
            tolerance = self.failure_tolerance_count or 0
            if self.max_concurrent_count > tolerance + 1:
                raise fail(
                    f"max_concurrent_count ({self.max_concurrent_count}) is more than failure_tolerance_count "
                    f"+ 1 ({tolerance + 1}), which CloudFormation rejects in STRICT_FAILURE_TOLERANCE mode; "
                    "raise failure_tolerance_count, use percentages, or concurrency_mode="
                    "'SOFT_FAILURE_TOLERANCE'"
                )
        if self.region_concurrency is not None and self.region_concurrency not in ("SEQUENTIAL", "PARALLEL"):
            raise fail(f"region_concurrency {self.region_concurrency!r} must be 'SEQUENTIAL' or 'PARALLEL'")
        order = check_regions(where, "operation_preferences.region_order", self.region_order, required=False)
        unknown = [region for region in order if region not in regions]
        if unknown:
            raise fail(
                f"region_order names {unknown} which the rollout does not deploy to (regions: {list(regions)})"
            )
        return self

    def to_cfn(self) -> dict[str, Any]:
        """The ``OperationPreferences`` property in CloudFormation's JSON shape (keys only when set)."""
        out: dict[str, Any] = {
            "MaxConcurrentCount": self.max_concurrent_count,
            "MaxConcurrentPercentage": self.max_concurrent_percentage,
            "FailureToleranceCount": self.failure_tolerance_count,
            "FailureTolerancePercentage": self.failure_tolerance_percentage,
            "RegionConcurrencyType": self.region_concurrency,
            "RegionOrder": list(self.region_order) or None,
            "ConcurrencyMode": self.concurrency_mode,
        }
        return {key: value for key, value in out.items() if value is not None}
