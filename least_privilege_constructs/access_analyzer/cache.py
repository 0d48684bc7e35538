"""A content-addressed, on-disk cache of analysis results, and the backend wrapper that uses it.

The key is the SHA-256 of the canonical JSON of everything the answer depends on: the check, the
policy document, the policy type, the resource type, the reference policy (no-new-access), the
actions and resources (access-not-granted), and the backend's name and version (for the offline
backend that includes the IAM catalog's data version and a digest of the analyzer's code). The
policy's origin is not part of the key: the same policy in two constructs is one entry.

- Re-synthesizing an unchanged app answers everything from the cache: **zero** API calls.
- Only complete answers are stored: a failed or inconclusive analysis is asked again next time.
- Writes are atomic (temporary file + ``os.replace``), so concurrent synths never read half an
  entry; an unreadable entry counts as ``corrupt``, is ignored and re-fetched.
- The cache never lives inside a cloud assembly (``cdk.out``): that is rejected with a clear error.
- With a key (``cacheHmacKey``, from the pipeline's environment), every entry is written with an
  HMAC-SHA256 of its content and read only when it verifies (:func:`hmac.compare_digest`): an entry
  without a valid one (planted in the repository, written without the key, edited) is ignored, asked
  again, overwritten, and listed in :attr:`ResultCache.unauthenticated` (the gate reports each as a
  ``LPC-CACHE-UNAUTHENTICATED`` finding naming the file). The content-hash key alone authenticates
  nothing: anyone can compute it.
- In pipeline mode (``ci``), a cache directory inside the source tree (:func:`source_tree_roots`: every
  checkout of the build and the git working tree of ``cdk.json``) is refused (``LPC-CACHE-001``) unless
  entries are authenticated: a commit could otherwise ship its own answers (:func:`check_ci_cache_location`).
  Without a key, the disk cache is used only where the platform's settings put it (``cacheDir`` is a
  platform-owned setting in ``ci`` mode); otherwise it is not used at all (in-run de-duplication only).

Example::

    cache = ResultCache(default_cache_dir(), max_age=7 * 24 * 3600)
    backend = CachingBackend(AccessAnalyzerBackend(), cache)
    results = backend.run(requests)
    print(backend.stats)   # CacheStats(hits=..., misses=..., api_calls=...)
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from least_privilege_constructs.access_analyzer.backend import Backend, fail_closed_outcome
from least_privilege_constructs.analysis.assembly import is_cloud_assembly
from least_privilege_constructs.analysis.findings import Finding, FindingType, PolicyOrigin, PolicyType
from least_privilege_constructs.analysis.outcome import (
    ANALYSIS_FAILED,
    CheckOutcome,
    analysis_failed,
)
from least_privilege_constructs.analysis.request import AnalysisRequest, AnalysisResult, PolicyDocument

CACHE_SCHEMA = 1
_LOCK = threading.Lock()
APP_DIR_NAME = "least-privilege-constructs"


IN_SOURCE_TREE = "LPC-CACHE-001"
"""A cache directory inside the source tree in pipeline mode, without an HMAC key."""
UNAUTHENTICATED = "LPC-CACHE-UNAUTHENTICATED"
"""Issue code of a cache entry whose HMAC is missing or wrong (ignored, asked again)."""
HMAC_FIELD = "hmac"


class CacheLocationError(ValueError):
    """The cache directory is not acceptable (e.g. inside ``cdk.out``)."""


CHECKOUT_VARIABLES = ("CODEBUILD_SRC_DIR", "GITHUB_WORKSPACE")
"""The CI's checkout folders; CodeBuild also places every further input at ``CODEBUILD_SRC_DIR_<artifact>``
(https://docs.aws.amazon.com/codebuild/latest/userguide/sample-multi-in-out.html)."""


def git_top_level(directory: str | os.PathLike[str]) -> Path | None:
    """The top level of the git working tree holding ``directory`` (``git rev-parse --show-toplevel``); without a
    usable ``git``, the nearest folder at or above it holding a ``.git`` entry (a folder, or the file of a worktree
    or submodule). None when ``directory`` is in no working tree (e.g. a CodePipeline source artifact, which is
    unpacked without ``.git``)."""
    start = Path(directory).expanduser().resolve()
    if not start.is_dir():
        return None
    git = shutil.which("git")
    if git is not None:
        try:
            proc = subprocess.run([git, "-C", str(start), "rev-parse", "--show-toplevel"], capture_output=True,
                                  text=True, check=False, timeout=10)
        except (OSError, subprocess.SubprocessError):
            proc = None
        if proc is not None and proc.returncode == 0 and proc.stdout.strip():
            return Path(proc.stdout.strip()).resolve()
    for candidate in (start, *start.parents):  # git missing or refusing (e.g. dubious ownership): the layout
        if (candidate / ".git").exists():
            return candidate
    return None


def source_tree_roots(base_dir: str | os.PathLike[str] | None = None,
                      env: Mapping[str, str] | None = None) -> list[Path]:
    """The directories the commit under review controls in a pipeline: the directory of ``cdk.json`` and the git
    working tree holding it (:func:`git_top_level`: a ``cdk.json`` in a subfolder of a monorepo), the working
    directory, and every CI checkout (``CODEBUILD_SRC_DIR``, each ``CODEBUILD_SRC_DIR_<artifact>`` of a further
    input, ``GITHUB_WORKSPACE``)."""
    environment = os.environ if env is None else env
    roots: list[str | os.PathLike[str] | None] = [base_dir, os.getcwd()]
    roots += [environment.get(name) for name in CHECKOUT_VARIABLES]
    roots += [value for name, value in sorted(environment.items()) if name.startswith("CODEBUILD_SRC_DIR_")]
    for folder in (base_dir, os.getcwd()):
        top = git_top_level(folder) if folder else None
        if top is not None:
            roots.append(top)
    out: list[Path] = []
    for root in roots:
        if root and (path := Path(root).expanduser().resolve()) not in out:
            out.append(path)
    return out


def check_ci_cache_location(directory: Path, roots: Sequence[Path], authenticated: bool) -> None:
    """Pipeline mode: refuse a cache directory inside one of ``roots`` unless its entries are authenticated."""
    path = Path(directory).expanduser().resolve()
    for root in roots:
        if not authenticated and (path == root or root in path.parents):
            raise CacheLocationError(
                f"{IN_SOURCE_TREE}: cache directory {path} is inside the source tree {root}, which the commit under "
                "review controls (an entry planted there would be trusted). In pipeline mode (ci), set cacheDir "
                "outside the source tree (LEAST_PRIVILEGE_CACHE_DIR), or give the pipeline an HMAC key "
                "(LEAST_PRIVILEGE_CACHE_HMAC_KEY) so that every entry is authenticated, or use --no-cache"
            )


def _mac(key: bytes, data: dict[str, Any]) -> str:
    body = {k: v for k, v in data.items() if k != HMAC_FIELD}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/least-privilege-constructs``, else ``~/.cache/least-privilege-constructs``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / APP_DIR_NAME


def check_cache_location(directory: Path, cdk_out: Path | str | None = None) -> Path:
    """Resolve ``directory`` and reject any place inside a cloud assembly: a directory named
    ``cdk.out``, the ``CDK_OUTDIR`` of the running synth, ``cdk_out``, or a directory holding a
    cloud assembly ``manifest.json`` (:func:`~least_privilege_constructs.analysis.assembly.is_cloud_assembly`)."""
    path = Path(directory).expanduser().resolve()
    outdirs = [Path(p).expanduser().resolve() for p in (cdk_out, os.environ.get("CDK_OUTDIR")) if p]
    for candidate in (path, *path.parents):
        if candidate.name == "cdk.out" or candidate in outdirs:
            raise CacheLocationError(
                f"cache directory {path} is inside the cloud assembly {candidate}; the cache must live "
                "outside cdk.out (set 'cacheDir' in the least-privilege context or LEAST_PRIVILEGE_CACHE_DIR)"
            )
        if is_cloud_assembly(candidate):
            raise CacheLocationError(f"cache directory {path} is inside the cloud assembly {candidate}")
    return path


def content_key(identity: Any) -> str:
    """SHA-256 of the canonical JSON of ``identity`` (sorted keys, no whitespace, UTF-8)."""
    text = json.dumps(identity, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def request_key(request: AnalysisRequest, backend_name: str, backend_version: str) -> str:
    return content_key(
        {
            "schema": CACHE_SCHEMA,
            "backend": backend_name,
            "backendVersion": backend_version,
            **request.cache_identity(),
        }
    )


# -- (de)serialization of results, without origins ---------------------------------------------------
def _finding_to_json(f: Finding) -> dict[str, Any]:
    return {
        "findingType": f.finding_type.value,
        "issueCode": f.issue_code,
        "message": f.message,
        "check": f.check,
        "locations": [list(p) for p in f.locations],
        "learnMoreLink": f.learn_more_link,
        "details": f.details,
    }


def _finding_from_json(d: dict[str, Any], origin: PolicyOrigin | None) -> Finding:
    locations = d["locations"]
    if not isinstance(locations, list) or not all(isinstance(p, list) for p in locations):
        raise ValueError("bad locations")
    return Finding(
        FindingType(d["findingType"]),
        str(d["issueCode"]),
        str(d["message"]),
        locations=locations,
        origin=origin,
        check=str(d["check"]),
        learn_more_link=d.get("learnMoreLink"),
        details=dict(d.get("details") or {}),
    )


def _rebind(result: AnalysisResult, request: AnalysisRequest, cached: bool) -> AnalysisResult:
    """The same answer for another request with the same content (another origin)."""
    findings: list[Finding] = []
    for f in result.findings:
        if f.issue_code == ANALYSIS_FAILED:
            reason = str(f.details.get("reason", f.message))
            extra = {k: v for k, v in f.details.items() if k != "reason"}
            findings.append(analysis_failed(request.check, request.origin, reason, **extra))
        else:
            findings.append(f.with_origin(request.origin) if request.origin is not None else f)
    return AnalysisResult(
        request=request,
        findings=findings,
        backend=result.backend,
        outcome=result.outcome,
        complete=result.complete,
        cached=cached,
        api_calls=0,
    )


class ResultCache:
    """Entries under ``<directory>/v1/<2 hex>/<sha256>.json``. ``max_age`` (seconds) expires entries
    (``None``: never)."""

    def __init__(
        self,
        directory: Path | str | None = None,
        *,
        max_age: float | None = None,
        cdk_out: Path | str | None = None,
        clock: Callable[[], float] = time.time,
        hmac_key: bytes | str | None = None,
    ) -> None:
        self.directory = check_cache_location(Path(directory) if directory else default_cache_dir(), cdk_out)
        self.max_age = max_age
        self._clock = clock
        self._key = hmac_key.encode("utf-8") if isinstance(hmac_key, str) else hmac_key
        self.corrupt = 0
        self.expired = 0
        self.unauthenticated: list[Path] = []
        """Entries ignored because their HMAC is missing or wrong (only with a key)."""

    @property
    def authenticated(self) -> bool:
        """Whether entries are written with, and read only with, a valid HMAC."""
        return bool(self._key)

    def integrity_findings(self) -> list[Finding]:
        """One ``LPC-CACHE-UNAUTHENTICATED`` warning per entry ignored for a missing or wrong HMAC."""
        return [
            Finding(FindingType.WARNING, UNAUTHENTICATED,
                    f"cache entry {path} has no valid HMAC (planted, edited, or written without the pipeline's key): "
                    "it was ignored and the question asked again", check="cache",
                    origin=PolicyOrigin(source=str(path)), details={"file": str(path)})
            for path in sorted(set(self.unauthenticated))
        ]

    def path_for(self, key: str) -> Path:
        return self.directory / f"v{CACHE_SCHEMA}" / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored payload, or ``None`` (absent, expired, or unreadable: counted in ``corrupt``)."""
        path = self.path_for(key)
        try:
            with open(path, encoding="utf-8") as fh:
                payload = json.load(fh)
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            self.corrupt += 1
            return None
        if self._key is not None and not (
            isinstance(payload, dict) and isinstance(payload.get(HMAC_FIELD), str)
            and hmac.compare_digest(payload[HMAC_FIELD], _mac(self._key, payload))
        ):
            with _LOCK:
                self.unauthenticated.append(path)
            return None
        if not isinstance(payload, dict) or payload.get("schema") != CACHE_SCHEMA or payload.get("key") != key:
            self.corrupt += 1
            return None
        created = payload.get("created")
        if self.max_age is not None and (
            not isinstance(created, int | float) or self._clock() - created > self.max_age
        ):
            self.expired += 1
            return None
        return payload

    def put(self, key: str, payload: dict[str, Any]) -> None:
        """Atomically store ``payload`` (best effort: an unwritable cache never fails the analysis)."""
        path = self.path_for(key)
        data = {**payload, "schema": CACHE_SCHEMA, "key": key, "created": self._clock()}
        if self._key is not None:
            data[HMAC_FIELD] = _mac(self._key, data)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{key[:8]}.", suffix=".tmp", dir=path.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    json.dump(data, fh, separators=(",", ":"), ensure_ascii=False, default=str)
                os.replace(tmp, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        except OSError:
            pass

    def clear(self) -> int:
        """Remove every entry of this schema; returns how many were removed."""
        removed = 0
        root = self.directory / f"v{CACHE_SCHEMA}"
        if root.exists():
            for p in root.rglob("*.json"):
                with contextlib.suppress(OSError):
                    p.unlink()
                    removed += 1
        return removed


@dataclass
class CacheStats:
    hits: int = 0
    """Requests answered from the disk cache."""
    misses: int = 0
    """Requests the inner backend had to answer."""
    deduplicated: int = 0
    """Requests answered by an identical request of the same run (same content, another origin)."""
    stored: int = 0
    api_calls: int = 0
    """Access Analyzer calls made by the inner backend for the misses."""
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)


class CachingBackend(Backend):
    """Wraps a backend with the result cache (``cache=None``: only de-duplication within a run).

    Requests with the same content in one :meth:`run` are asked once; complete answers are stored;
    everything else is passed through to ``inner.run`` (keeping its bounded concurrency)."""

    def __init__(self, inner: Backend, cache: ResultCache | None) -> None:
        self.inner = inner
        self.cache = cache
        self.name = inner.name
        self.max_concurrency = inner.max_concurrency
        self.stats = CacheStats()

    @property
    def version(self) -> str:
        return self.inner.version

    def unsupported(self, request: AnalysisRequest) -> str | None:
        return self.inner.unsupported(request)

    def describe(self) -> str:
        where = f"cache {self.cache.directory}" if self.cache else "no cache"
        return f"{self.inner.describe()}, {where}"

    # -- batch API -----------------------------------------------------------------------------------
    def run(self, requests: Iterable[AnalysisRequest]) -> list[AnalysisResult]:
        reqs = list(requests)
        version = self.inner.version
        keys = [request_key(r, self.inner.name, version) for r in reqs]
        results: list[AnalysisResult | None] = [None] * len(reqs)
        first_of: dict[str, int] = {}
        to_ask: list[int] = []
        hits = 0
        for i, (req, key) in enumerate(zip(reqs, keys)):
            if key in first_of:
                continue
            first_of[key] = i
            payload = self.cache.get(key) if self.cache is not None else None
            restored = self._restore(req, payload) if payload is not None else None
            if restored is not None:
                results[i] = restored
                hits += 1
            else:
                to_ask.append(i)
        answered = self.inner.run([reqs[i] for i in to_ask]) if to_ask else []
        stored = 0
        for i, res in zip(to_ask, answered):
            results[i] = res
            if self.cache is not None and res.complete:
                self.cache.put(keys[i], self._payload(res))
                stored += 1
        dedup = 0
        for i, (req, key) in enumerate(zip(reqs, keys)):
            if results[i] is None:
                source = results[first_of[key]]
                assert source is not None
                results[i] = _rebind(source, req, cached=source.cached)
                dedup += 1
        with self.stats.lock:
            self.stats.hits += hits
            self.stats.misses += len(to_ask)
            self.stats.deduplicated += dedup
            self.stats.stored += stored
            self.stats.api_calls += sum(r.api_calls for r in answered)
        return [r for r in results if r is not None]

    def answer(self, request: AnalysisRequest) -> AnalysisResult:
        return self.run([request])[0]

    def _payload(self, res: AnalysisResult) -> dict[str, Any]:
        return {
            "backend": self.inner.name,
            "check": res.check.value,
            "findings": [_finding_to_json(f) for f in res.findings],
            "outcome": res.outcome.to_dict() if res.outcome is not None else None,
        }

    def _restore(self, req: AnalysisRequest, payload: dict[str, Any]) -> AnalysisResult | None:
        try:
            if payload.get("check") != req.check.value:
                raise ValueError("check mismatch")
            findings = [_finding_from_json(d, req.origin) for d in payload["findings"]]
            raw_outcome = payload.get("outcome")
            outcome = CheckOutcome.from_dict(req.check, raw_outcome) if raw_outcome is not None else None
        except (KeyError, TypeError, ValueError, AttributeError):
            if self.cache is not None:
                self.cache.corrupt += 1
            return None
        return AnalysisResult(req, findings, self.inner.name, outcome, complete=True, cached=True)

    # -- the four questions, through the cache ------------------------------------------------------
    def validate_policy(
        self,
        document: PolicyDocument,
        policy_type: PolicyType | str,
        resource_type: str | None = None,
        origin: PolicyOrigin | None = None,
    ) -> list[Finding]:
        return self.answer(AnalysisRequest.validate_policy(document, policy_type, resource_type, origin)).findings

    def _outcome(self, request: AnalysisRequest) -> CheckOutcome:
        res = self.answer(request)
        if res.outcome is not None:
            return res.outcome
        reasons = [str(f.details.get("reason", f.message)) for f in res.findings if f.issue_code == ANALYSIS_FAILED]
        return fail_closed_outcome(request.check, "; ".join(reasons) or "no answer")

    def check_no_new_access(
        self,
        new: PolicyDocument,
        existing: PolicyDocument,
        policy_type: PolicyType | str,
        origin: PolicyOrigin | None = None,
    ) -> CheckOutcome:
        return self._outcome(AnalysisRequest.no_new_access(new, existing, policy_type, origin))

    def check_access_not_granted(
        self,
        document: PolicyDocument,
        actions: Sequence[str],
        resources: Sequence[str],
        policy_type: PolicyType | str,
        origin: PolicyOrigin | None = None,
    ) -> CheckOutcome:
        return self._outcome(AnalysisRequest.access_not_granted(document, actions, resources, policy_type, origin))

    def check_no_public_access(
        self, document: PolicyDocument, resource_type: str, origin: PolicyOrigin | None = None
    ) -> CheckOutcome:
        return self._outcome(AnalysisRequest.no_public_access(document, resource_type, origin))

