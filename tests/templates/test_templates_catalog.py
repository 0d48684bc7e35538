"""The catalog: built-ins, organization repositories (directory and git), versions, overrides, search."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from least_privilege_constructs.templates.catalog import TemplateCatalog
from least_privilege_constructs.templates.errors import TemplateError, TemplateNotFoundError
from least_privilege_constructs.templates.template import AUDIENCES
from tests.templates.helpers import git, minimal_template


@pytest.fixture(scope="module")
def builtin() -> TemplateCatalog:
    return TemplateCatalog.builtin()


def test_builtin_catalog_covers_the_use_cases(builtin: TemplateCatalog) -> None:
    assert len(builtin) >= 25
    by_audience = {a: {t.id for t in builtin.list(audience=a)} for a in AUDIENCES}
    assert {
        "app.s3-read", "app.s3-read-write-prefix", "app.dynamodb-crud", "app.sqs-consume", "app.sqs-send",
        "app.sns-publish", "app.lambda-invoke", "app.kms-decrypt-via-service", "app.secretsmanager-read-secret",
        "app.cloudwatch-logs-write", "app.xray-write", "app.eventbridge-put-events", "app.stepfunctions-start",
    } <= by_audience["application"]
    assert {
        "dev.s3-bucket-admin", "dev.dynamodb-table-admin", "dev.lambda-deploy", "dev.ecr-push",
        "dev.cloudformation-deploy", "dev.logs-log-group-admin",
    } <= by_audience["developer"]
    assert {
        "res.s3-bucket-org-tls", "res.sqs-queue-named-principals", "res.sns-topic-named-principals",
        "res.kms-key-admins-users",
    } <= by_audience["resource-policy"]
    assert {"default.read-only-federation", "default.security-audit"} <= by_audience["default"]
    for t in builtin:
        assert t.provenance.repository == "builtin"
        assert t.provenance.path.endswith(".yaml")
        assert len(t.justification) > 80, f"{t.ref} needs a real justification"


def test_list_and_search(builtin: TemplateCatalog) -> None:
    assert {t.id for t in builtin.list(service="sqs", audience="application")} == {"app.sqs-consume", "app.sqs-send"}
    assert [t.id for t in builtin.search("queue", audience="application")] == ["app.sqs-consume", "app.sqs-send"]
    hits = [t.id for t in builtin.search("KMS key")]
    assert hits[0] in {"app.kms-decrypt-via-service", "res.kms-key-admins-users"}
    assert builtin.search("no such words anywhere") == []
    with pytest.raises(ValueError, match="unknown audience"):
        builtin.list(audience="robots")


def test_get_unknown_template_suggests(builtin: TemplateCatalog) -> None:
    with pytest.raises(TemplateNotFoundError, match=r"no template 'app\.s3-reed'"):
        builtin.get("app.s3-reed")
    with pytest.raises(TemplateNotFoundError, match=r"did you mean .*app\.sqs-send"):
        builtin.get("sqs-send")
    with pytest.raises(TemplateNotFoundError, match=r"no version of app\.s3-read matches 9; available: 1\.0\.0"):
        builtin.get("app.s3-read@9")
    assert "app.s3-read@1" in builtin
    assert "app.s3-read@2" not in builtin


def _versions_repo(write_repo: Callable[..., Path], name: str, versions: list[str]) -> Path:
    return write_repo(name, {f"reports-{v}.yaml": minimal_template(version=v, title=f"v{v}") for v in versions})


def test_versions_coexist_and_can_be_pinned(write_repo: Callable[..., Path]) -> None:
    repo = _versions_repo(write_repo, "org", ["1.0.0", "1.2.0", "1.10.1", "2.0.0", "3.0.0-rc.1"])
    catalog = TemplateCatalog.builtin().add_repository(repo)
    assert [str(v) for v in catalog.versions("acme.reports-read")] == ["1.0.0", "1.2.0", "1.10.1", "2.0.0", "3.0.0-rc.1"]
    assert str(catalog.get("acme.reports-read").version) == "2.0.0"  # latest release, not the pre-release
    assert str(catalog.get("acme.reports-read@1").version) == "1.10.1"
    assert str(catalog.get("acme.reports-read@1.2").version) == "1.2.0"
    assert str(catalog.get("acme.reports-read", version="1.0.0").version) == "1.0.0"
    assert str(catalog.get("acme.reports-read@3.0.0-rc.1").version) == "3.0.0-rc.1"
    assert [str(t.version) for t in catalog.list(all_versions=True) if t.id == "acme.reports-read"] == [
        "1.0.0", "1.2.0", "1.10.1", "2.0.0", "3.0.0-rc.1"
    ]
    assert [t.id for t in catalog.search("reports")] == ["acme.reports-read"]


def test_later_repository_overrides_and_records_it(write_repo: Callable[..., Path]) -> None:
    first = _versions_repo(write_repo, "platform", ["1.0.0", "1.1.0"])
    second = write_repo("team", {"override.yaml": minimal_template(version="1.1.0", title="team's copy")})
    catalog = TemplateCatalog.empty().add_repository(first).add_repository(second)
    t = catalog.get("acme.reports-read@1.1.0")
    assert t.title == "team's copy"
    assert t.provenance.repository == "team"
    assert catalog.get("acme.reports-read@1.0.0").provenance.repository == "platform"
    assert len(catalog.overrides) == 1
    o = catalog.overrides[0]
    assert (o.ref, o.replaced, o.by) == (
        "acme.reports-read@1.1.0", "platform:reports-1.1.0.yaml", "team:override.yaml"
    )


def test_organization_can_override_a_builtin(write_repo: Callable[..., Path]) -> None:
    repo = write_repo("acme", {"s3.yaml": minimal_template(id="app.s3-read", title="ACME's own")})
    catalog = TemplateCatalog.builtin().add_repository(repo, name="acme-policies")
    assert catalog.get("app.s3-read@1.0.0").title == "ACME's own"
    assert catalog.overrides[0].replaced == "builtin:application/s3-read.yaml"
    assert catalog.get("app.s3-read").render(bucket_name="abc").provenance.repository == "acme-policies"


def test_git_repository_at_a_ref_records_the_commit(tmp_path: Path, write_repo: Callable[..., Path]) -> None:
    repo = write_repo("gitrepo", {"templates/reports.yaml": minimal_template(version="1.0.0")})
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "v1")
    git(repo, "tag", "v1")
    first_sha = git(repo, "rev-parse", "HEAD")
    (repo / "templates" / "reports.yaml").write_text(
        (repo / "templates" / "reports.yaml").read_text().replace("version: 1.0.0", "version: 1.1.0")
    )
    git(repo, "commit", "-q", "-am", "v1.1")
    head_sha = git(repo, "rev-parse", "HEAD")

    at_tag = TemplateCatalog.empty().add_repository(repo, ref="v1")
    t = at_tag.get("acme.reports-read")
    assert str(t.version) == "1.0.0"
    assert t.provenance.commit == first_sha
    assert t.provenance.ref == "v1"
    assert t.provenance.path == "templates/reports.yaml"
    assert t.render(bucket_name="abc").metadata()["commit"] == first_sha

    # a sub-directory of a git repository, at HEAD
    sub = TemplateCatalog.empty().add_repository(repo / "templates", ref="HEAD")
    assert str(sub.get("acme.reports-read").version) == "1.1.0"
    assert sub.get("acme.reports-read").provenance.path == "reports.yaml"

    # a directory inside a work tree: files on disk, HEAD commit recorded, dirty flag
    clean = TemplateCatalog.empty().add_repository(repo).get("acme.reports-read")
    assert clean.provenance.commit == head_sha and not clean.provenance.dirty
    (repo / "templates" / "extra.yaml").write_text("id: x\n")  # untracked and invalid: loaded from disk
    with pytest.raises(TemplateError, match=r"extra\.yaml"):
        TemplateCatalog.empty().add_repository(repo)
    # ... but not at a ref, where only committed files count
    assert len(TemplateCatalog.empty().add_repository(repo, ref="HEAD")) == 1

    with pytest.raises(TemplateError, match=r"git rev-parse .* failed"):
        TemplateCatalog.empty().add_repository(repo, ref="no-such-tag")


def test_dirty_work_tree_is_flagged(write_repo: Callable[..., Path]) -> None:
    repo = write_repo("dirty", {"reports.yaml": minimal_template()})
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "init")
    (repo / "reports.yaml").write_text((repo / "reports.yaml").read_text().replace("Read the", "Read  the"))
    t = TemplateCatalog.empty().add_repository(repo).get("acme.reports-read")
    assert t.provenance.dirty
    assert t.provenance.label().endswith("+dirty")


def test_configuration_from_context_and_environment(
    write_repo: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from types import SimpleNamespace

    from least_privilege_constructs.templates.catalog import (
        ENV_VAR,
        configured_repositories,
        parse_repository_spec,
    )

    repo = write_repo("org", {"r.yaml": minimal_template()})
    other = write_repo("other", {"r.yaml": minimal_template(version="2.0.0")})
    assert parse_repository_spec("templates#v1", "/base") == (Path("/base/templates"), "v1")
    assert parse_repository_spec("/abs/t") == (Path("/abs/t"), None)
    with pytest.raises(TemplateError, match="empty git ref"):
        parse_repository_spec("templates#")
    with pytest.raises(TemplateError, match="must be a list of paths"):
        configured_repositories({"templateRepositories": [1]}, environ={})
    assert configured_repositories({"templateRepositories": "x#v2"}, base_dir="/b", environ={}) == ["/b/x#v2"]

    scope = SimpleNamespace(node=SimpleNamespace(
        try_get_context=lambda key: {"templateRepositories": [str(repo)]} if key == "least-privilege" else None))
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert str(TemplateCatalog.from_context(scope).get("acme.reports-read").version) == "1.0.0"
    monkeypatch.setenv(ENV_VAR, str(other))  # the environment overrides the context
    catalog = TemplateCatalog.from_context(scope, builtin=False)
    assert [t.ref for t in catalog] == ["acme.reports-read@2.0.0"]


def test_search_by_action_and_templates_are_hashable(builtin: TemplateCatalog) -> None:
    assert {t.id for t in builtin.search("sqs:SendMessage")} == {"app.sqs-send", "res.sqs-queue-named-principals"}
    assert len(set(builtin) | set(builtin)) == len(builtin)
