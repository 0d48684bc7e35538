"""Authenticated cache entries and pipeline mode's refusal of an unauthenticated cache in the source tree
(issue 20): the content-hash key is computable by anyone, so in a pipeline only an HMAC with the pipeline's key
makes an entry trustworthy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from least_privilege_constructs.access_analyzer.cache import (
    HMAC_FIELD,
    IN_SOURCE_TREE,
    UNAUTHENTICATED,
    CacheLocationError,
    ResultCache,
    check_ci_cache_location,
)
from least_privilege_constructs.access_analyzer.mode import wrap_with_cache
from least_privilege_constructs.access_analyzer.offline import OfflineBackend
from least_privilege_constructs.access_analyzer.settings import Settings

KEY = "0" * 64
ANSWER = {"backend": "offline", "check": "validate-policy", "findings": [], "outcome": None}


def entry_path(cache: ResultCache) -> Path:
    return cache.path_for(KEY)


def test_given_a_key_when_an_entry_is_written_then_it_carries_an_hmac_and_reads_back(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path / "c", hmac_key="pipeline-secret")
    cache.put(KEY, dict(ANSWER))
    assert len(json.loads(entry_path(cache).read_text())[HMAC_FIELD]) == 64
    assert cache.get(KEY) is not None and cache.unauthenticated == []


@pytest.mark.parametrize("tamper", ["edit the answer", "drop the hmac", "written without the key",
                                    "written with another key"])
def test_given_a_key_when_an_entry_fails_the_check_then_it_is_ignored_and_reported(tmp_path: Path, tamper: str) -> None:
    # given an entry that does not carry a valid HMAC under the pipeline's key
    directory = tmp_path / "c"
    writer = ResultCache(directory, hmac_key={"written without the key": None,
                                              "written with another key": "developer-laptop"}.get(tamper, "k"))
    writer.put(KEY, {**ANSWER, "findings": [{"findingType": "ERROR"}]})
    path = entry_path(writer)
    data = json.loads(path.read_text())
    if tamper == "edit the answer":
        data["findings"] = []
    if tamper == "drop the hmac":
        data.pop(HMAC_FIELD)
    path.write_text(json.dumps(data))
    # when the pipeline reads it
    reader = ResultCache(directory, hmac_key="k")
    # then it is not used, and it is reported naming the file
    assert reader.get(KEY) is None
    [finding] = reader.integrity_findings()
    assert finding.issue_code == UNAUTHENTICATED and str(path) in finding.message


def test_given_no_key_then_entries_without_hmac_are_read_as_before(tmp_path: Path) -> None:
    # outside pipeline mode nothing changes for users: old entries stay readable
    cache = ResultCache(tmp_path / "c")
    cache.put(KEY, dict(ANSWER))
    assert HMAC_FIELD not in json.loads(entry_path(cache).read_text())
    assert cache.get(KEY) is not None and cache.integrity_findings() == []


@pytest.mark.parametrize("where, authenticated, refused", [
    ("repo/.lpc-cache", False, True),
    ("repo", False, True),
    ("repo/.lpc-cache", True, False),
    ("elsewhere/cache", False, False),
])
def test_ci_cache_location(tmp_path: Path, where: str, authenticated: bool, refused: bool) -> None:
    roots = [tmp_path / "repo"]
    if refused:
        with pytest.raises(CacheLocationError, match=IN_SOURCE_TREE):
            check_ci_cache_location(tmp_path / where, roots, authenticated)
    else:
        check_ci_cache_location(tmp_path / where, roots, authenticated)


def test_given_ci_mode_when_the_cache_in_the_source_tree_is_used_then_it_is_refused_unless_authenticated(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings(mode="offline", cache_offline=True, cache_dir=".lpc-cache", base_dir=str(tmp_path), ci=True)
    with pytest.raises(CacheLocationError, match=IN_SOURCE_TREE):
        wrap_with_cache(OfflineBackend(), settings)
    keyed = Settings(mode="offline", cache_offline=True, cache_dir=".lpc-cache", base_dir=str(tmp_path), ci=True,
                     cache_hmac_key="k")
    wrapped = wrap_with_cache(OfflineBackend(), keyed)
    assert wrapped.cache is not None and wrapped.cache.authenticated
    # offline answers that are not cached on disk (no cacheOffline) read nothing from the tree: not refused
    assert wrap_with_cache(OfflineBackend(), Settings(mode="offline", cache_dir=".lpc-cache",
                                                      base_dir=str(tmp_path), ci=True)).cache is None
    # outside ci mode, unchanged
    assert wrap_with_cache(OfflineBackend(), Settings(mode="offline", cache_offline=True, cache_dir=".lpc-cache",
                                                      base_dir=str(tmp_path))).cache is not None
