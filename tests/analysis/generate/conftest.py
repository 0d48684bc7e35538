"""The fixture trail (tests/data/cloudtrail/make_trail.py), written once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.data.cloudtrail.make_trail import APP_ROLE, write_trail


@pytest.fixture(scope="session")
def trail(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("trail")
    write_trail(root)
    return root


@pytest.fixture(scope="session")
def generated(trail: Path):  # type: ignore[no-untyped-def]
    from least_privilege_constructs.analysis.generate import generate_policy

    return generate_policy([trail], principal=APP_ROLE)
