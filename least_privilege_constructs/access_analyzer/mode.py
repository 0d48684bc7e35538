"""Choosing the backend: ``auto | online | offline``, and saying which was used and why.

``auto`` goes online only when AWS credentials resolve through the SDK's usual chain (environment,
profile, SSO, container or EC2 instance role). The instance-metadata lookup is bounded by
``credential_timeout`` with a single attempt, so ``auto`` never hangs on a laptop or a CI runner
without metadata endpoint. No AWS call is made to decide.

Example::

    backend, reason = select_backend(resolve_settings(cdk_json="cdk.json"))
    print(reason)  # "offline: mode 'auto' (default) and no AWS credentials resolve"
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from least_privilege_constructs.access_analyzer.backend import Backend
from least_privilege_constructs.access_analyzer.cache import (
    CachingBackend,
    ResultCache,
    check_cache_location,
    check_ci_cache_location,
    source_tree_roots,
)
from least_privilege_constructs.access_analyzer.settings import Settings


class BackendSelectionError(RuntimeError):
    """``mode`` is ``online`` but the online backend cannot be used (no credentials, bad profile)."""


@dataclass(frozen=True)
class CredentialCheck:
    resolved: bool
    method: str | None
    """Where the credentials came from (botocore's ``method``: ``env``, ``shared-credentials-file``,
    ``sso``, ``container-role``, ``iam-role``, ...)."""
    problem: str | None
    session: Any | None
    """The botocore session the credentials were resolved with (reused by the online backend)."""


def resolve_credentials(settings: Settings) -> CredentialCheck:
    """Whether credentials resolve, without any AWS call and with a bounded metadata look-up."""
    try:
        import botocore.session
        from botocore.exceptions import BotoCoreError

        session = botocore.session.Session(profile=settings.profile)
        session.set_config_variable("metadata_service_timeout", settings.credential_timeout)
        session.set_config_variable("metadata_service_num_attempts", 1)
        try:
            creds = session.get_credentials()
        except BotoCoreError as exc:
            return CredentialCheck(False, None, f"{type(exc).__name__}: {exc}", session)
        if creds is None:
            return CredentialCheck(False, None, "no AWS credentials resolve", session)
        return CredentialCheck(True, getattr(creds, "method", None), None, session)
    except Exception as exc:  # a broken config file must not crash the synth: report it
        return CredentialCheck(False, None, f"{type(exc).__name__}: {exc}", None)


def _source(settings: Settings, name: str) -> str:
    return settings.source_of(name)


def build_online(settings: Settings, botocore_session: Any | None = None) -> Backend:
    """The Access Analyzer backend configured from ``settings`` (no cache wrapper)."""
    import boto3

    from least_privilege_constructs.access_analyzer.online import AccessAnalyzerBackend

    session = boto3.Session(botocore_session=botocore_session) if botocore_session is not None else (
        boto3.Session(profile_name=settings.profile)
    )
    region = settings.region or session.region_name or "us-east-1"
    return AccessAnalyzerBackend(
        session=session,
        region=region,
        max_concurrency=settings.max_concurrency,
        retry_mode=settings.retry_mode,
        max_attempts=settings.max_attempts,
        throttle_retries=settings.throttle_retries,
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
        max_policy_chars=settings.max_policy_chars,
    )


def build_offline(settings: Settings) -> Backend:
    from least_privilege_constructs.access_analyzer.offline import OfflineBackend

    return OfflineBackend()


PLATFORM_SOURCES = ("platform settings", "environment variable", "--")
"""How a setting's source starts when the pipeline chose it (its platform settings, environment or flags)."""


def ci_cache_unused(settings: Settings) -> str | None:
    """Why pipeline mode leaves the disk cache unused, or None: without an HMAC key an entry cannot be
    authenticated, so it is read only from a ``cacheDir`` the platform chose (its settings, the pipeline's
    environment or flags), never from the default folder nor from one a ``cdk.json`` names."""
    if not settings.ci or settings.cache_hmac_key:
        return None
    source = settings.source_of("cache_dir")
    if source.startswith(PLATFORM_SOURCES):
        return None
    return (f"disk cache not used: pipeline mode without LEAST_PRIVILEGE_CACHE_HMAC_KEY and cacheDir not chosen "
            f"by the platform ({source})")


def wrap_with_cache(backend: Backend, settings: Settings, cdk_out: str | None = None) -> CachingBackend:
    """The cache wrapper the settings ask for (``cache: false`` keeps only in-run de-duplication; the offline
    analyzer's answers go to disk only with ``cacheOffline``)."""
    offline = backend.name == "offline"
    if not settings.cache:
        return CachingBackend(backend, None)
    if offline and not settings.cache_offline:
        check_cache_location(settings.cache_path(), cdk_out)  # a misplaced cache is refused all the same
        return CachingBackend(backend, None)
    max_age = settings.cache_max_age_hours * 3600 if settings.cache_max_age_hours > 0 else None
    if ci_cache_unused(settings) is not None:
        check_cache_location(settings.cache_path(), cdk_out)
        return CachingBackend(backend, None)
    if settings.ci:  # the commit under review controls the source tree: no unauthenticated answers from there
        check_ci_cache_location(settings.cache_path(), source_tree_roots(settings.base_dir),
                                authenticated=bool(settings.cache_hmac_key))
    return CachingBackend(backend, ResultCache(settings.cache_path(), max_age=max_age, cdk_out=cdk_out,
                                               hmac_key=settings.cache_hmac_key))


def select_backend(settings: Settings, *, cdk_out: str | None = None) -> tuple[CachingBackend, str]:
    """The backend to use and a one-line reason naming it and why (for logs and the report).

    Raises :class:`BackendSelectionError` when ``mode`` is ``online`` and credentials do not resolve,
    and :class:`~least_privilege_constructs.access_analyzer.cache.CacheLocationError` for a cache
    directory inside ``cdk.out``."""
    mode_src = _source(settings, "mode")
    if settings.mode == "offline":
        backend = build_offline(settings)
        reason = f"offline (embedded analyzer): mode 'offline' ({mode_src})"
    else:
        check = resolve_credentials(settings)
        if settings.mode == "online" and not check.resolved:
            raise BackendSelectionError(
                f"mode 'online' ({mode_src}) but Access Analyzer cannot be used: {check.problem}. "
                "Configure AWS credentials, or set mode to 'auto' or 'offline'."
            )
        if check.resolved:
            backend = build_online(settings, check.session)
            region = getattr(backend, "region", settings.region)
            reason = (
                f"online (IAM Access Analyzer, {region}): mode '{settings.mode}' ({mode_src})"
                + (f" and AWS credentials resolve (from {check.method})" if settings.mode == "auto" else "")
            )
        else:
            backend = build_offline(settings)
            reason = f"offline (embedded analyzer): mode 'auto' ({mode_src}) and {check.problem}"
    wrapped = wrap_with_cache(backend, settings, cdk_out)
    if wrapped.cache:
        where = f"cache {wrapped.cache.directory}" + (
            " (entries authenticated)" if wrapped.cache.authenticated
            else " (entries not authenticated: no LEAST_PRIVILEGE_CACHE_HMAC_KEY)" if settings.ci else "")
    elif settings.cache and backend.name == "offline" and not settings.cache_offline:
        where = "offline answers not cached on disk (cacheOffline)"
    elif settings.cache and (unused := ci_cache_unused(settings)) is not None:
        where = unused
    else:
        where = "cache disabled"
    return wrapped, f"{reason}; {where}"
