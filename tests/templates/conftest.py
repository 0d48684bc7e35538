"""Fixtures for the policy-template tests: a writer of template repositories in tmp_path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml


@pytest.fixture
def write_repo(tmp_path: Path) -> Callable[..., Path]:
    """write_repo(name, {relative_path: template_dict_or_text}) -> the repository directory."""

    def _write(name: str, files: dict[str, Any]) -> Path:
        root = tmp_path / name
        for rel, content in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content if isinstance(content, str) else yaml.safe_dump(content), encoding="utf-8")
        root.mkdir(parents=True, exist_ok=True)
        return root

    return _write
