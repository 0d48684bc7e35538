"""Bad template files give clear errors naming the file, the template and the place."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from least_privilege_constructs.templates.catalog import TemplateCatalog
from least_privilege_constructs.templates.errors import TemplateError
from least_privilege_constructs.templates.provenance import Provenance
from least_privilege_constructs.templates.repository import TemplateRepository
from least_privilege_constructs.templates.template import PolicyTemplate
from tests.templates.helpers import minimal_template

ST = minimal_template()["statements"][0]

BAD_TEMPLATES: list[tuple[str, dict[str, Any], str, str | None]] = [
    # (id, template fields to override, message fragment, JSON path fragment)
    ("unknown-placeholder", {"statements": [{**ST, "Resource": "arn:aws:s3:::{{bucket}}/*"}]},
     "unknown placeholder {{bucket}} (declared parameters: bucket_name)", "statements[0].Resource"),
    ("malformed-placeholder", {"statements": [{**ST, "Resource": "arn:aws:s3:::{{bucket_name}/*"}]},
     "malformed placeholder", "statements[0].Resource"),
    ("unknown-pseudo", {"statements": [{**ST, "Resource": "arn:{{AWS::Partitio}}:s3:::{{bucket_name}}/*"}]},
     "unknown pseudo parameter {{AWS::Partitio}}", "statements[0].Resource"),
    ("unused-parameter", {"parameters": {"bucket_name": {"type": "bucket_name"}, "extra": {"type": "string"}}},
     "declared but never used: extra", "parameters"),
    ("unknown-parameter-type", {"parameters": {"bucket_name": {"type": "bucket"}}},
     "unknown type 'bucket'", "parameters.bucket_name"),
    ("bad-version", {"version": "1.0"}, "is not a semantic version", "version"),
    ("unknown-audience", {"audience": "robot"}, "audience must be one of", "audience"),
    ("bad-id", {"id": "Acme Reports"}, "id must be lower-case words", "id"),
    ("missing-fields", {"justification": None}, "justification must be a non-empty string", "justification"),
    ("services-not-list", {"services": "s3"}, "services must be a non-empty list", "services"),
    ("action-outside-services", {"services": ["sqs"]}, "action 's3:GetObject' is of service 's3'",
     "statements[0].Action[0]"),
    ("list-param-in-string",
     {"parameters": {"bucket_name": {"type": "bucket_name", "list": True}}},
     "is a list of bucket_name parameter; it must be the whole value", "statements[0].Resource"),
    ("principal-in-identity", {"statements": [{**ST, "Principal": "*"}]},
     "identity-policy statements must not have a Principal", "statements[0]"),
    ("resource-policy-without-type", {"audience": "resource-policy", "statements": [{**ST, "Principal": "*"}]},
     "needs resource_type", "resource_type"),
    ("bad-effect", {"statements": [{**ST, "Effect": "allow"}]}, "Effect must be Allow or Deny",
     "statements[0].Effect"),
    ("duplicate-sid", {"statements": [ST, ST]}, "duplicate Sid 'Read'", "statements[1].Sid"),
    ("unknown-statement-key", {"statements": [{**ST, "Actions": ["s3:GetObject"]}]},
     "unknown statement key(s) ['Actions']", "statements[0]"),
    ("unknown-field", {"owner": "me"}, "unknown field(s) ['owner']", None),
    ("empty-statements", {"statements": []}, "statements must be a non-empty list", "statements"),
]


@pytest.mark.parametrize(("case", "overrides", "message", "path"), BAD_TEMPLATES, ids=[b[0] for b in BAD_TEMPLATES])
def test_bad_template_is_a_clear_error(
    write_repo: Callable[..., Path], case: str, overrides: dict[str, Any], message: str, path: str | None
) -> None:
    data = minimal_template(**overrides)
    data = {k: v for k, v in data.items() if v is not None} | (
        {"justification": ""} if overrides.get("justification", 1) is None else {}
    )
    repo = write_repo("org", {f"{case}.yaml": data})
    with pytest.raises(TemplateError) as info:
        TemplateCatalog.empty().add_repository(repo)
    text = str(info.value)
    assert message in text
    assert f"org:{case}.yaml" in text, "the error names the file"
    if path is not None:
        assert path in text, "the error names the place in the template"


def test_missing_required_fields_are_listed() -> None:
    with pytest.raises(TemplateError, match="missing required field\\(s\\): justification, services"):
        PolicyTemplate.from_dict({k: v for k, v in minimal_template().items() if k not in ("justification", "services")})


def test_duplicate_id_and_version_in_one_repository(write_repo: Callable[..., Path]) -> None:
    repo = write_repo("org", {"a.yaml": minimal_template(), "nested/b.yaml": minimal_template()})
    with pytest.raises(TemplateError) as info:
        TemplateRepository.directory(repo).load()
    assert "duplicate template acme.reports-read@1.0.0: also defined in a.yaml" in str(info.value)
    assert "nested/b.yaml" in str(info.value)


def test_yaml_syntax_error_names_the_file(write_repo: Callable[..., Path]) -> None:
    repo = write_repo("org", {"broken.yaml": "id: [unclosed\n"})
    with pytest.raises(TemplateError, match=r"org:broken.yaml: not valid YAML"):
        TemplateRepository.directory(repo).load()


def test_json_templates_and_non_mapping_files(write_repo: Callable[..., Path]) -> None:
    import json

    repo = write_repo("org", {"t.json": json.dumps(minimal_template())})
    assert [t.ref for t in TemplateRepository.directory(repo).load()] == ["acme.reports-read@1.0.0"]
    repo2 = write_repo("org2", {"list.yaml": "- 1\n- 2\n"})
    with pytest.raises(TemplateError, match="must hold a mapping, got list"):
        TemplateRepository.directory(repo2).load()


def test_hidden_directories_and_other_files_are_skipped(write_repo: Callable[..., Path]) -> None:
    repo = write_repo("org", {"t.yaml": minimal_template(), ".github/ci.yaml": "on: push\n", "README.md": "# x"})
    assert len(TemplateRepository.directory(repo).load()) == 1


def test_repository_must_exist(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="is not a directory"):
        TemplateCatalog.empty().add_repository(tmp_path / "nope")
    with pytest.raises(TemplateError, match="is not a git repository"):
        TemplateCatalog.empty().add_repository(tmp_path, ref="HEAD")


def test_from_dict_without_file_has_inline_provenance() -> None:
    t = PolicyTemplate.from_dict(minimal_template())
    assert t.provenance == Provenance()
    assert t.ref == "acme.reports-read@1.0.0"
    assert t.policy_type == "IDENTITY_POLICY"


def test_duplicate_key_in_a_template_file_is_an_error(tmp_path: Path) -> None:
    """Two ``statements`` keys would keep the last one silently (the strict loader of analysis/extract)."""
    from least_privilege_constructs.analysis.templates.provenance import Provenance
    from least_privilege_constructs.analysis.templates.repository import parse_template_text

    text = "id: acme.x\nversion: 1.0.0\nstatements: []\nstatements: []\n"
    with pytest.raises(TemplateError, match=r"not valid YAML: .*4:1: duplicate key 'statements' at statements"):
        parse_template_text(text, Provenance(repository="acme", path="x.yaml"))
