"""Fixtures for the backend tests (helpers live in aa_fakes.py)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import botocore.endpoint
import pytest
from botocore.stub import Stubber

from tests.access_analyzer.aa_fakes import Sleeps, make_client


@pytest.fixture
def stubbed() -> Iterator[tuple[Any, Stubber]]:
    """A client whose every request is checked against the service model by botocore's Stubber."""
    client = make_client()
    with Stubber(client) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


@pytest.fixture
def botocore_sleeps(monkeypatch: pytest.MonkeyPatch) -> Sleeps:
    """botocore's retry back-off sleeps (endpoint.time.sleep) are recorded, not slept."""
    sleeps = Sleeps()

    class _Time:
        def __getattr__(self, name: str) -> Any:
            return getattr(time, name)

        sleep = staticmethod(sleeps)

    monkeypatch.setattr(botocore.endpoint, "time", _Time())
    return sleeps


