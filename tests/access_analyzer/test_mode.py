"""Backend selection: auto goes online only when credentials resolve, and says which it used."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from least_privilege_constructs.access_analyzer.cache import CacheLocationError
from least_privilege_constructs.access_analyzer.mode import BackendSelectionError, select_backend
from least_privilege_constructs.access_analyzer.offline import OfflineBackend
from least_privilege_constructs.access_analyzer.online import AccessAnalyzerBackend
from least_privilege_constructs.access_analyzer.settings import resolve_settings


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                "AWS_DEFAULT_PROFILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN",
                "AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def env_credentials(no_credentials: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")


def settings(tmp_path: Path, **context: object):
    return resolve_settings({"cacheDir": str(tmp_path / "cache"), **context}, env={})


def test_offline_mode(tmp_path: Path, env_credentials: None) -> None:
    backend, reason = select_backend(settings(tmp_path, mode="offline"))
    assert isinstance(backend.inner, OfflineBackend)
    assert reason.startswith("offline (embedded analyzer): mode 'offline' (cdk.json context least-privilege.mode)")
    assert backend.cache is None and "not cached on disk" in reason


def test_offline_answers_cached_on_disk_when_asked(tmp_path: Path, env_credentials: None) -> None:
    from least_privilege_constructs.access_analyzer.settings import resolve_settings

    s = resolve_settings({"mode": "offline", "cacheOffline": True, "cacheDir": str(tmp_path / "cache")})
    backend, reason = select_backend(s)
    assert backend.cache is not None and str(tmp_path / "cache") in reason


def test_auto_without_credentials_goes_offline(tmp_path: Path, no_credentials: None) -> None:
    started = time.monotonic()
    backend, reason = select_backend(settings(tmp_path))
    assert time.monotonic() - started < 3  # no hang on the metadata endpoint
    assert isinstance(backend.inner, OfflineBackend)
    assert reason.startswith("offline (embedded analyzer): mode 'auto' (default) and no AWS credentials resolve")


def test_auto_with_credentials_goes_online(tmp_path: Path, env_credentials: None) -> None:
    backend, reason = select_backend(settings(tmp_path, region="eu-central-1", maxConcurrency=3))
    inner = backend.inner
    assert isinstance(inner, AccessAnalyzerBackend)
    assert reason.startswith("online (IAM Access Analyzer, eu-central-1): mode 'auto' (default) "
                             "and AWS credentials resolve (from env)")
    assert inner.max_concurrency == 3 and inner.region == "eu-central-1"
    config = inner.client.meta.config
    assert config.retries == {"mode": "adaptive", "total_max_attempts": 5}
    assert config.max_pool_connections == 3


def test_online_without_credentials_is_an_error(tmp_path: Path, no_credentials: None) -> None:
    with pytest.raises(BackendSelectionError, match=r"mode 'online' .* no AWS credentials resolve"):
        select_backend(settings(tmp_path, mode="online"))


def test_unknown_profile_is_reported(tmp_path: Path, no_credentials: None) -> None:
    _, reason = select_backend(settings(tmp_path, profile="nope"))
    assert reason.startswith("offline") and "ProfileNotFound" in reason


def test_region_defaults_to_us_east_1(tmp_path: Path, env_credentials: None) -> None:
    backend, reason = select_backend(settings(tmp_path, mode="online"))
    assert "us-east-1" in reason and backend.inner.region == "us-east-1"  # type: ignore[attr-defined]


def test_cache_can_be_disabled(tmp_path: Path, no_credentials: None) -> None:
    backend, reason = select_backend(settings(tmp_path, cache=False))
    assert backend.cache is None and reason.endswith("cache disabled")


def test_cache_in_cdk_out_is_refused(tmp_path: Path, no_credentials: None) -> None:
    with pytest.raises(CacheLocationError):
        select_backend(resolve_settings({"cacheDir": str(tmp_path / "cdk.out" / "cache")}, env={}))
