"""The backend interface: the same four questions, asked of the embedded analyzer or of IAM Access
Analyzer, answered in the same finding model.

Implementations: :class:`~least_privilege_constructs.access_analyzer.offline.OfflineBackend`,
:class:`~least_privilege_constructs.access_analyzer.online.AccessAnalyzerBackend`, and the
:class:`~least_privilege_constructs.access_analyzer.cache.CachingBackend` wrapper. Use
:func:`~least_privilege_constructs.access_analyzer.mode.select_backend` to get the configured one.

Contract (every implementation):

- ``validate_policy`` returns findings; ``check_*`` return a :class:`CheckOutcome`. Neither raises for
  a failed analysis: an API failure after retries, a malformed response or an internal error becomes
  an ``ANALYSIS_FAILED`` blocking finding naming the policy (fail closed), next to whatever was
  obtained before the failure.
- :meth:`Backend.run` answers a batch of requests with at most ``max_concurrency`` in flight and
  returns the results in request order.

Example::

    backend, why = select_backend(resolve_settings(cdk_json="cdk.json"))
    results = backend.run([AnalysisRequest.validate_policy(doc, "IDENTITY_POLICY", origin=origin)])
    findings = [f for r in results for f in r.findings]
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor

from least_privilege_constructs.analysis.findings import Finding, PolicyOrigin, PolicyType
from least_privilege_constructs.analysis.outcome import (
    ANALYSIS_FAILED,
    Check,
    CheckOutcome,
    CheckStatus,
    analysis_failed,
)
from least_privilege_constructs.analysis.request import AnalysisRequest, AnalysisResult, PolicyDocument

log = logging.getLogger(__name__)


class Backend(ABC):
    """Answers validate-policy and the three custom checks. Subclasses implement the four methods."""

    name: str = "backend"
    max_concurrency: int = 1

    @property
    @abstractmethod
    def version(self) -> str:
        """Changes whenever answers may change (part of every cache key)."""

    # -- the four questions -------------------------------------------------------------------------
    @abstractmethod
    def validate_policy(
        self,
        document: PolicyDocument,
        policy_type: PolicyType | str,
        resource_type: str | None = None,
        origin: PolicyOrigin | None = None,
    ) -> list[Finding]:
        """ValidatePolicy: grammar, best-practice and security findings, each with ``origin`` set."""

    @abstractmethod
    def check_no_new_access(
        self,
        new: PolicyDocument,
        existing: PolicyDocument,
        policy_type: PolicyType | str,
        origin: PolicyOrigin | None = None,
    ) -> CheckOutcome:
        """CheckNoNewAccess: does ``new`` grant anything ``existing`` does not?"""

    @abstractmethod
    def check_access_not_granted(
        self,
        document: PolicyDocument,
        actions: Sequence[str],
        resources: Sequence[str],
        policy_type: PolicyType | str,
        origin: PolicyOrigin | None = None,
    ) -> CheckOutcome:
        """CheckAccessNotGranted: does the policy grant any of ``actions`` on any of ``resources``?
        (only actions: on any resource; only resources: any action)."""

    @abstractmethod
    def check_no_public_access(
        self, document: PolicyDocument, resource_type: str, origin: PolicyOrigin | None = None
    ) -> CheckOutcome:
        """CheckNoPublicAccess: does the resource policy grant public access?"""

    # -- optional hooks ------------------------------------------------------------------------------
    def unsupported(self, request: AnalysisRequest) -> str | None:
        """Why this backend cannot answer ``request`` (``None`` when it can). An unsupported request
        is answered with ``ANALYSIS_FAILED`` by :meth:`answer`; callers may filter with it first."""
        return None

    def _start_request(self) -> None:
        """Called before answering a request on the current thread (online: reset the call count)."""
        return None

    def _api_calls_of_request(self) -> int:
        """API calls made for the request answered on the current thread."""
        return 0

    # -- batch API -----------------------------------------------------------------------------------
    def answer(self, request: AnalysisRequest) -> AnalysisResult:
        """Answer one request; never raises (an unexpected error fails closed)."""
        self._start_request()
        outcome: CheckOutcome | None = None
        try:
            why_not = self.unsupported(request)
            if why_not is not None:
                findings = [analysis_failed(request.check, request.origin, why_not, backend=self.name)]
            elif request.check is Check.VALIDATE_POLICY:
                findings = self.validate_policy(
                    request.policy, request.policy_type, request.resource_type, request.origin
                )
            else:
                outcome = self._answer_check(request)
                findings = outcome.to_findings(request.origin)
        except Exception as exc:  # fail closed on anything unexpected, naming the policy
            log.exception("%s failed for %s", request.check.value, request.label())
            outcome = None
            findings = [
                analysis_failed(
                    request.check, request.origin, f"internal error: {type(exc).__name__}: {exc}",
                    backend=self.name,
                )
            ]
        complete = not any(f.issue_code == ANALYSIS_FAILED for f in findings)
        if outcome is not None and outcome.result in (CheckStatus.UNKNOWN, CheckStatus.ERROR):
            complete = False
        return AnalysisResult(
            request=request,
            findings=findings,
            backend=self.name,
            outcome=outcome,
            complete=complete,
            api_calls=self._api_calls_of_request(),
        )

    def _answer_check(self, request: AnalysisRequest) -> CheckOutcome:
        if request.check is Check.NO_NEW_ACCESS:
            if request.reference is None:
                raise ValueError("check-no-new-access needs a reference (existing) policy")
            return self.check_no_new_access(request.policy, request.reference, request.policy_type, request.origin)
        if request.check is Check.ACCESS_NOT_GRANTED:
            return self.check_access_not_granted(
                request.policy, request.actions, request.resources, request.policy_type, request.origin
            )
        if request.check is Check.NO_PUBLIC_ACCESS:
            if not request.resource_type:
                raise ValueError("check-no-public-access needs a resource type")
            return self.check_no_public_access(request.policy, request.resource_type, request.origin)
        raise ValueError(f"unknown check {request.check!r}")

    def run(self, requests: Iterable[AnalysisRequest]) -> list[AnalysisResult]:
        """Answer every request, at most ``max_concurrency`` at a time, results in request order.

        A request that fails is answered with an ``ANALYSIS_FAILED`` finding; the other results are
        unaffected (nothing obtained is lost)."""
        reqs = list(requests)
        workers = max(1, min(self.max_concurrency, len(reqs)))
        if workers == 1:
            return [self.answer(r) for r in reqs]
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"lpc-{self.name}") as pool:
            return list(pool.map(self.answer, reqs))

    def describe(self) -> str:
        return f"{self.name} ({self.version})"


def fail_closed_outcome(check: Check, reason: str) -> CheckOutcome:
    """An ``ERROR`` outcome carrying ``reason`` (becomes one ``ANALYSIS_FAILED`` finding)."""
    return CheckOutcome(check, CheckStatus.ERROR, errors=(reason,))
