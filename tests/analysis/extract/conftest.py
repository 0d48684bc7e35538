from __future__ import annotations

import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
sys.path.insert(0, str(FIXTURES / "cdk_app"))

from synth import synthesized_cdk_out  # noqa: E402


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def cdk_app_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny CDK app of tests/fixtures/cdk_app, synthesized once per session."""
    return synthesized_cdk_out(tmp_path_factory)
