"""Authenticated cache entries and pipeline mode's refusal of an unauthenticated cache in the source tree
(issue 20): the content-hash key is computable by anyone, so in a pipeline only an HMAC with the pipeline's key
makes an entry trustworthy."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from least_privilege_constructs.access_analyzer.cache import (
    HMAC_FIELD,
    IN_SOURCE_TREE,
    UNAUTHENTICATED,
    CacheLocationError,
    ResultCache,
    check_ci_cache_location,
    git_top_level,
    source_tree_roots,
)
from least_privilege_constructs.access_analyzer.mode import select_backend, wrap_with_cache
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


PLATFORM_SOURCE = {"cache_dir": "platform settings context least-privilege.cacheDir"}


def test_given_ci_mode_when_the_platform_puts_the_cache_in_the_source_tree_then_it_is_refused_unless_authenticated(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings(mode="offline", cache_offline=True, cache_dir=".lpc-cache", base_dir=str(tmp_path), ci=True,
                        sources=PLATFORM_SOURCE)
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


@pytest.mark.parametrize("source, used", [
    ("platform settings context least-privilege.cacheDir", True),
    ("environment variable LEAST_PRIVILEGE_CACHE_DIR", True),
    ("--cache-dir", True),
    ("cdk.json context least-privilege.cacheDir", False),   # the commit's choice (e.g. the synth plugin in ci)
    ("default", False),                                      # nobody chose it: it cannot be vouched for
])
def test_given_ci_mode_without_a_key_then_the_disk_cache_is_used_only_where_the_platform_put_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str, used: bool) -> None:
    # given a build whose checkout is elsewhere, and a cache folder outside it, chosen by `source`
    monkeypatch.chdir(tmp_path)
    (tmp_path / "checkout").mkdir()
    settings = Settings(mode="offline", cache_offline=True, cache_dir=str(tmp_path / "platform-cache"),
                        base_dir=str(tmp_path / "checkout"), ci=True, sources={"cache_dir": source})
    monkeypatch.chdir(tmp_path / "checkout")
    # when the backend is wrapped, then the disk cache is used only for the platform's choice
    backend, reason = select_backend(settings)
    assert (backend.cache is not None) is used
    assert ("disk cache not used" in reason) is not used


def test_source_tree_roots_cover_every_codebuild_input_and_the_git_working_tree_of_cdk_json(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # given a monorepo checked out as a further CodeBuild input, cdk.json in its infra/ subfolder
    repo, primary = tmp_path / "repo", tmp_path / "primary"
    (repo / "infra").mkdir(parents=True)
    primary.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    env = {"CODEBUILD_SRC_DIR": str(primary), "CODEBUILD_SRC_DIR_repo": str(repo)}
    monkeypatch.chdir(primary)
    # when the source tree's roots are listed
    roots = source_tree_roots(repo / "infra", env=env)
    # then the primary input, the further input and the repository's top level are all in it
    assert {primary.resolve(), repo.resolve(), (repo / "infra").resolve()} <= set(roots)
    # and a cache the repository's cdk.json points at (infra/../.lpc-cache) is inside the source tree
    with pytest.raises(CacheLocationError, match=IN_SOURCE_TREE):
        check_ci_cache_location(repo / "infra" / ".." / ".lpc-cache", roots, authenticated=False)


@pytest.mark.parametrize("layout", ["git folder", "worktree file"])
def test_git_top_level_without_git_falls_back_to_the_nearest_dot_git(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, layout: str) -> None:
    # given a checkout whose .git is a folder (a clone) or a file (a worktree, a submodule), and no git on PATH
    (tmp_path / "infra").mkdir()
    if layout == "git folder":
        (tmp_path / ".git").mkdir()
    else:
        (tmp_path / ".git").write_text("gitdir: /elsewhere\n")
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))
    # when its top level is asked from the subfolder, then it is the folder holding .git
    assert git_top_level(tmp_path / "infra") == tmp_path.resolve()


def test_git_top_level_of_a_folder_outside_any_working_tree_is_none(tmp_path: Path) -> None:
    # a CodePipeline source artifact is unpacked without .git: no extra root (the checkout variables cover it)
    if any((p / ".git").exists() for p in (tmp_path, *tmp_path.parents)):
        pytest.skip("the temporary folder is inside a git working tree on this machine")
    assert git_top_level(tmp_path) is None
