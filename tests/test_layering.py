"""The layers of DESIGN.md, checked statically: the import-linter contracts in pyproject.toml (the analysis
core imports no CDK, jsii or boto3; boto3 only in access_analyzer; the CLI imports no CDK, directly or
through any module it imports; CLI and CDK layer -> access_analyzer -> analysis, never upward). This
replaces the per-package ``sys.modules`` subprocess tests; one runtime smoke test stays (cheap)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CDK_MODULES = ("aws_cdk", "jsii", "constructs", "cdk_nag")


def _lint_imports() -> str:
    found = Path(sys.executable).with_name("lint-imports")
    if found.is_file():
        return str(found)
    on_path = shutil.which("lint-imports")
    if on_path is None:
        pytest.fail("import-linter is not installed (it is a dev extra: pip install -e '.[dev]')")
    return on_path


def test_import_linter_contracts_are_kept() -> None:
    proc = subprocess.run([_lint_imports(), "--no-cache", "pyproject.toml"], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # every contract ran (a contract removed from the configuration would silently check nothing)
    assert "Contracts: 5 kept, 0 broken." in proc.stdout, proc.stdout


def test_the_core_never_imports_the_package_root() -> None:
    """The package root is the CDK layer's entry point (lazy exports of the constructs); the layers contract
    cannot see imports of it (the root is in no layer), so this checks the import graph directly."""
    import grimp

    graph = grimp.build_graph("least_privilege_constructs", exclude_type_checking_imports=True)
    importers = graph.find_modules_that_directly_import("least_privilege_constructs")
    assert sorted(m for m in importers if m.startswith("least_privilege_constructs.analysis")) == []


def test_lpc_validate_help_does_not_load_the_cdk() -> None:
    code = ("import sys\n"
            "from least_privilege_constructs.cli.main import main\n"
            "try:\n    main(['validate', '--help'])\nexcept SystemExit as exc:\n    assert exc.code == 0, exc.code\n"
            f"print(sorted(m for m in sys.modules if m.split('.')[0] in {CDK_MODULES!r}))\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "[]"


def test_template_cdk_methods_need_the_cdk_layer(monkeypatch: pytest.MonkeyPatch) -> None:
    """The core's PolicyTemplate reaches its CDK methods only through the adapter the CDK layer registers."""
    import least_privilege_constructs.templates  # noqa: F401  (registers the adapter)
    from least_privilege_constructs.analysis.templates import TemplateCatalog, TemplateError
    from least_privilege_constructs.analysis.templates import template as core

    assert core._cdk_adapter == "least_privilege_constructs.templates.cdk"
    monkeypatch.setattr(core, "_cdk_adapter", None)
    with pytest.raises(TemplateError, match="need the CDK layer"):
        TemplateCatalog.builtin().get("app.sns-publish").to_policy_document(object())
