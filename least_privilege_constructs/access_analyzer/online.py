"""IAM Access Analyzer backend: the four questions asked of the real service through boto3.

- **Retries**: botocore's retry modes (``adaptive`` by default: client-side rate limiting plus
  exponential back-off; or ``standard``) retry throttling, 5xx and connection/read time-outs up to
  ``max_attempts``. A call still throttled after that is retried again by this backend with
  exponential back-off and full jitter (``throttle_retries`` times, honouring ``retryAfterSeconds``).
- **Bounded concurrency**: at most ``max_concurrency`` calls are in flight at any time, whether they
  come from :meth:`run` (which answers requests on a thread pool of that size) or from callers'
  own threads; the HTTP connection pool has the same size.
- **Batching**: CheckAccessNotGranted is split into at most 100 actions x 100 resources per call, covering
  the cross product exactly once (:mod:`.batching`); the batches of one check run concurrently
  (within the same global bound) and their answers are combined. ValidatePolicy is paginated with ``nextToken``.
- **Fail closed**: a call that still fails, a response that does not parse, or a document over
  ``max_policy_chars`` becomes an ``ANALYSIS_FAILED`` blocking finding naming the policy; findings and
  batch answers obtained before the failure are kept.

Example::

    backend = AccessAnalyzerBackend(region="eu-west-1", max_concurrency=4)
    outcome = backend.check_no_public_access(bucket_policy, "AWS::S3::Bucket", origin=origin)
    findings = outcome.to_findings(origin)
"""

from __future__ import annotations

import functools
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from least_privilege_constructs.access_analyzer.backend import Backend, fail_closed_outcome
from least_privilege_constructs.access_analyzer.batching import combine_outcomes, plan_access_batches
from least_privilege_constructs.analysis.findings import (
    Finding,
    FindingType,
    JsonPath,
    PolicyOrigin,
    PolicyType,
)
from least_privilege_constructs.analysis.outcome import (
    Check,
    CheckOutcome,
    MalformedResponseError,
    analysis_failed,
)
from least_privilege_constructs.analysis.request import AnalysisRequest, PolicyDocument, policy_text

ADAPTER_VERSION = "1"
"""Bumped whenever this module changes how it asks or reads answers (part of the cache key)."""

THROTTLING_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "RequestThrottledException",
        "SlowDown",
    }
)

DEFAULT_MAX_POLICY_CHARS = 262_144
"""Documents longer than this are not sent (a finding says so). The largest AWS managed policy is
about 135,000 characters of compact JSON."""

ACCESS_CHECK_POLICY_TYPES = frozenset({PolicyType.IDENTITY_POLICY, PolicyType.RESOURCE_POLICY})
MAX_PAGES = 1000


@functools.cache
def _enum(shape: str) -> frozenset[str]:
    import botocore.session

    model = botocore.session.get_session().get_service_model("accessanalyzer")
    return frozenset(model.shape_for(shape).enum)


def public_access_resource_types() -> frozenset[str]:
    """Resource types CheckNoPublicAccess accepts (from the installed botocore service model)."""
    return _enum("AccessCheckResourceType")


def validate_policy_resource_types() -> frozenset[str]:
    """Values of ValidatePolicy's ``validatePolicyResourceType`` (from the service model)."""
    return _enum("ValidatePolicyResourceType")


class CallFailed(Exception):
    """An API call that failed for good (after botocore's retries and our throttling back-off)."""


@dataclass
class CallStats:
    """Counters of one backend instance (thread-safe updates under ``lock``)."""

    api_calls: int = 0
    """Calls issued by this backend (one per page / batch / retry of a throttled call)."""
    http_attempts: int = 0
    """HTTP requests actually sent, botocore's retries included (not counted under a Stubber)."""
    throttle_backoffs: int = 0
    failed_calls: int = 0
    in_flight: int = 0
    peak_in_flight: int = 0

    def __post_init__(self) -> None:
        self.lock = threading.Lock()


class AccessAnalyzerBackend(Backend):
    """Asks IAM Access Analyzer through a boto3 ``accessanalyzer`` client.

    Pass ``client`` to use your own (e.g. one wrapped in a botocore ``Stubber``); otherwise one is
    created from ``session`` (or ``boto3.Session(profile_name=profile, region_name=region)``) with
    ``Config(retries={"mode": retry_mode, "total_max_attempts": max_attempts},
    max_pool_connections=max_concurrency, connect_timeout=..., read_timeout=...)``.
    ``sleep`` and ``jitter`` are injectable for tests.
    """

    name = "access-analyzer"

    def __init__(
        self,
        client: Any | None = None,
        *,
        region: str | None = None,
        profile: str | None = None,
        session: Any | None = None,
        max_concurrency: int = 8,
        retry_mode: str = "adaptive",
        max_attempts: int = 5,
        throttle_retries: int = 4,
        backoff_base: float = 1.0,
        backoff_cap: float = 20.0,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        max_policy_chars: int = DEFAULT_MAX_POLICY_CHARS,
        locale: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        if retry_mode not in ("standard", "adaptive", "legacy"):
            raise ValueError(f"retry_mode must be 'standard', 'adaptive' or 'legacy', not {retry_mode!r}")
        self.max_concurrency = max_concurrency
        self.throttle_retries = throttle_retries
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.max_policy_chars = max_policy_chars
        self.locale = locale
        self._sleep = sleep
        self._jitter = jitter
        self.stats = CallStats()
        self._slots = threading.BoundedSemaphore(max_concurrency)
        self._local = threading.local()
        if client is None:
            import boto3
            from botocore.config import Config

            config = Config(
                retries={"mode": retry_mode, "total_max_attempts": max_attempts},
                max_pool_connections=max_concurrency,
                connect_timeout=connect_timeout,
                read_timeout=read_timeout,
                user_agent_extra="least-privilege-constructs",
            )
            session = session or boto3.Session(profile_name=profile, region_name=region)
            client = session.client("accessanalyzer", region_name=region or session.region_name or "us-east-1",
                                    config=config)
        self.client = client
        client.meta.events.register(
            f"request-created.{client.meta.service_model.service_id.hyphenize()}", self._count_http_attempt
        )

    # -- identity ------------------------------------------------------------------------------------
    @property
    def version(self) -> str:
        api = self.client.meta.service_model.api_version
        partition = getattr(self.client.meta, "partition", "aws")
        return f"access-analyzer/{api}/adapter-{ADAPTER_VERSION}/{partition}"

    @property
    def region(self) -> str:
        return str(self.client.meta.region_name)

    def unsupported(self, request: AnalysisRequest) -> str | None:
        if request.check in (Check.NO_NEW_ACCESS, Check.ACCESS_NOT_GRANTED):
            if request.policy_type not in ACCESS_CHECK_POLICY_TYPES:
                return (
                    f"{request.check.operation} accepts only IDENTITY_POLICY or RESOURCE_POLICY, "
                    f"not {request.policy_type.value}"
                )
        if request.check is Check.NO_PUBLIC_ACCESS:
            types = public_access_resource_types()
            if request.resource_type not in types:
                return (
                    f"CheckNoPublicAccess does not support resource type {request.resource_type!r} "
                    f"(supported: {', '.join(sorted(types))})"
                )
        return None

    # -- call machinery ----------------------------------------------------------------------------
    def _count_http_attempt(self, **_: Any) -> None:
        with self.stats.lock:
            self.stats.http_attempts += 1

    def _start_request(self) -> None:
        self._local.calls = 0

    def _api_calls_of_request(self) -> int:
        return int(getattr(self._local, "calls", 0))

    def _call(self, operation: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """One API call with bounded concurrency; throttling back-off beyond botocore's retries."""
        from botocore.exceptions import BotoCoreError, ClientError

        method = getattr(self.client, operation)
        attempt = 0
        while True:
            with self._slots:
                with self.stats.lock:
                    self.stats.api_calls += 1
                    self.stats.in_flight += 1
                    self.stats.peak_in_flight = max(self.stats.peak_in_flight, self.stats.in_flight)
                self._local.calls = getattr(self._local, "calls", 0) + 1
                try:
                    response = method(**params)
                except ClientError as exc:
                    error = exc.response.get("Error", {}) if isinstance(exc.response, Mapping) else {}
                    code = str(error.get("Code", "Unknown"))
                    message = str(error.get("Message", "")) or str(exc)
                    if code in THROTTLING_CODES and attempt < self.throttle_retries:
                        delay = self._backoff(attempt, exc.response.get("retryAfterSeconds"))
                        attempt += 1
                        with self.stats.lock:
                            self.stats.throttle_backoffs += 1
                    else:
                        with self.stats.lock:
                            self.stats.failed_calls += 1
                        retries = exc.response.get("ResponseMetadata", {}).get("RetryAttempts", 0)
                        extra = f" after {retries} botocore retries" if retries else ""
                        if code in THROTTLING_CODES:
                            extra += f" and {attempt} back-offs"
                        raise CallFailed(f"{_pascal(operation)} failed{extra}: {code}: {message}") from exc
                except BotoCoreError as exc:  # time-outs, connection errors, bad parameters, no creds
                    with self.stats.lock:
                        self.stats.failed_calls += 1
                    raise CallFailed(f"{_pascal(operation)} failed: {type(exc).__name__}: {exc}") from exc
                else:
                    if not isinstance(response, dict):
                        raise CallFailed(f"{_pascal(operation)} returned {type(response).__name__}")
                    return response
                finally:
                    with self.stats.lock:
                        self.stats.in_flight -= 1
            self._sleep(delay)  # outside the slot: a sleeping call does not hold a concurrency slot

    def _backoff(self, attempt: int, retry_after: Any) -> float:
        delay = float(min(self.backoff_cap, self.backoff_base * (2**attempt)) * self._jitter())
        if isinstance(retry_after, int | float) and retry_after > 0:
            delay = max(delay, min(float(retry_after), self.backoff_cap))
        return delay

    def _too_large(self, text: str) -> str | None:
        if len(text) > self.max_policy_chars:
            return (
                f"the policy document has {len(text)} characters, over the limit of "
                f"{self.max_policy_chars} for an Access Analyzer request"
            )
        return None

    # -- the four questions -------------------------------------------------------------------------
    def validate_policy(
        self,
        document: PolicyDocument,
        policy_type: PolicyType | str,
        resource_type: str | None = None,
        origin: PolicyOrigin | None = None,
    ) -> list[Finding]:
        ptype = PolicyType.parse(policy_type)
        text = policy_text(document)
        too_large = self._too_large(text)
        if too_large:
            return [analysis_failed(Check.VALIDATE_POLICY, origin, too_large, backend=self.name)]
        params: dict[str, Any] = {"policyDocument": text, "policyType": ptype.value}
        if (
            resource_type
            and ptype is PolicyType.RESOURCE_POLICY
            and resource_type in validate_policy_resource_types()
        ):
            params["validatePolicyResourceType"] = resource_type
        if self.locale:
            params["locale"] = self.locale
        findings: list[Finding] = []
        token: str | None = None
        seen_tokens: set[str] = set()
        pages = 0
        try:
            while True:
                page_params = {**params, "nextToken": token} if token else params
                page = self._call("validate_policy", page_params)
                pages += 1
                raw = page.get("findings")
                if not isinstance(raw, list):
                    raise MalformedResponseError("ValidatePolicy response has no 'findings' list")
                findings.extend(finding_from_access_analyzer(f, origin) for f in raw)
                token = page.get("nextToken")
                if not token:
                    return findings
                if not isinstance(token, str) or token in seen_tokens or pages >= MAX_PAGES:
                    raise MalformedResponseError("ValidatePolicy pagination does not terminate")
                seen_tokens.add(token)
        except (CallFailed, MalformedResponseError) as exc:
            reason = str(exc)
            if pages:
                reason += f" (after {pages} page(s); their {len(findings)} finding(s) are kept)"
            return [*findings, analysis_failed(Check.VALIDATE_POLICY, origin, reason, backend=self.name)]

    def _check(self, check: Check, operation: str, params: Mapping[str, Any]) -> CheckOutcome:
        try:
            return CheckOutcome.from_response(check, self._call(operation, params))
        except (CallFailed, MalformedResponseError) as exc:
            return fail_closed_outcome(check, str(exc))

    def check_no_new_access(
        self,
        new: PolicyDocument,
        existing: PolicyDocument,
        policy_type: PolicyType | str,
        origin: PolicyOrigin | None = None,
    ) -> CheckOutcome:
        ptype = PolicyType.parse(policy_type)
        if ptype not in ACCESS_CHECK_POLICY_TYPES:
            return fail_closed_outcome(
                Check.NO_NEW_ACCESS, f"CheckNoNewAccess does not accept {ptype.value}"
            )
        new_text, old_text = policy_text(new), policy_text(existing)
        for text in (new_text, old_text):
            if self._too_large(text):
                return fail_closed_outcome(Check.NO_NEW_ACCESS, str(self._too_large(text)))
        return self._check(
            Check.NO_NEW_ACCESS,
            "check_no_new_access",
            {"newPolicyDocument": new_text, "existingPolicyDocument": old_text, "policyType": ptype.value},
        )

    def check_access_not_granted(
        self,
        document: PolicyDocument,
        actions: Sequence[str],
        resources: Sequence[str],
        policy_type: PolicyType | str,
        origin: PolicyOrigin | None = None,
    ) -> CheckOutcome:
        check = Check.ACCESS_NOT_GRANTED
        ptype = PolicyType.parse(policy_type)
        if ptype not in ACCESS_CHECK_POLICY_TYPES:
            return fail_closed_outcome(check, f"CheckAccessNotGranted does not accept {ptype.value}")
        text = policy_text(document)
        if self._too_large(text):
            return fail_closed_outcome(check, str(self._too_large(text)))
        try:
            batches = plan_access_batches(actions, resources)
        except ValueError as exc:
            return fail_closed_outcome(check, str(exc))
        def ask(access: dict[str, list[str]]) -> tuple[CheckOutcome, int]:
            self._local.calls = 0
            out = self._check(
                check,
                "check_access_not_granted",
                {"policyDocument": text, "access": [access], "policyType": ptype.value},
            )
            return out, self._local.calls

        if len(batches) > 1 and self.max_concurrency > 1:
            # batches of one request run concurrently too; the semaphore in _call keeps the global bound
            outer_calls = self._api_calls_of_request()
            workers = min(len(batches), self.max_concurrency)
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lpc-batch") as pool:
                answers = list(pool.map(ask, batches))
            self._local.calls = outer_calls + sum(n for _, n in answers)
        else:
            outer_calls = self._api_calls_of_request()
            answers = []
            for access in batches:
                answers.append(ask(access))
                self._local.calls = outer_calls = outer_calls + answers[-1][1]
        outcomes: list[CheckOutcome | None] = []
        errors: list[str] = []
        for i, (access, (out, _)) in enumerate(zip(batches, answers)):
            if out.errors:
                outcomes.append(None)
                errors.extend(
                    f"batch {i + 1}/{len(batches)} ({_describe_access(access)}): {e}" if len(batches) > 1 else e
                    for e in out.errors
                )
            else:
                outcomes.append(out)
        return combine_outcomes(check, outcomes, errors, len(batches))

    def check_no_public_access(
        self, document: PolicyDocument, resource_type: str, origin: PolicyOrigin | None = None
    ) -> CheckOutcome:
        text = policy_text(document)
        if self._too_large(text):
            return fail_closed_outcome(Check.NO_PUBLIC_ACCESS, str(self._too_large(text)))
        return self._check(
            Check.NO_PUBLIC_ACCESS,
            "check_no_public_access",
            {"policyDocument": text, "resourceType": resource_type},
        )


def _describe_access(access: Mapping[str, Sequence[str]]) -> str:
    parts = [f"{len(access[k])} {k}" for k in ("actions", "resources") if k in access]
    return " x ".join(parts)


def _pascal(operation: str) -> str:
    return "".join(p.capitalize() for p in operation.split("_"))


_FINDING_TYPES = {t.value for t in FindingType}


def finding_from_access_analyzer(raw: Any, origin: PolicyOrigin | None = None) -> Finding:
    """One item of ValidatePolicy's ``findings`` as a :class:`Finding` (raises MalformedResponseError).

    Paths map ``{"value": "Statement"}`` -> ``"Statement"``, ``{"index": 0}`` -> ``0``, ``{"key": k}``
    -> ``None`` (the finding model's marker for "the key, not its value"); a trailing ``substring``
    element is dropped (the path to the string is kept)."""
    if not isinstance(raw, Mapping):
        raise MalformedResponseError("a ValidatePolicy finding is not an object")
    ftype, code, text = raw.get("findingType"), raw.get("issueCode"), raw.get("findingDetails")
    if ftype not in _FINDING_TYPES:
        raise MalformedResponseError(f"a ValidatePolicy finding has an invalid findingType {ftype!r}")
    if not isinstance(code, str) or not code:
        raise MalformedResponseError("a ValidatePolicy finding has no issueCode")
    if not isinstance(text, str):
        raise MalformedResponseError(f"ValidatePolicy finding {code} has no findingDetails")
    locations: list[JsonPath] = []
    raw_locations = raw.get("locations", [])
    if not isinstance(raw_locations, list):
        raise MalformedResponseError(f"ValidatePolicy finding {code} has invalid locations")
    for loc in raw_locations:
        path = loc.get("path") if isinstance(loc, Mapping) else None
        if not isinstance(path, list):
            raise MalformedResponseError(f"ValidatePolicy finding {code} has a location without a path")
        steps: JsonPath = []
        for step in path:
            if not isinstance(step, Mapping):
                raise MalformedResponseError(f"ValidatePolicy finding {code} has an invalid path element")
            if "index" in step and isinstance(step["index"], int):
                steps.append(step["index"])
            elif "value" in step and isinstance(step["value"], str):
                steps.append(step["value"])
            elif "key" in step:
                steps.append(None)
            elif "substring" in step:
                continue
            else:
                raise MalformedResponseError(f"ValidatePolicy finding {code} has an unknown path element")
        locations.append(steps)
    link = raw.get("learnMoreLink")
    return Finding(
        FindingType(ftype),
        code,
        text,
        locations=locations,
        origin=origin,
        check=Check.VALIDATE_POLICY.value,
        learn_more_link=link if isinstance(link, str) else None,
    )
