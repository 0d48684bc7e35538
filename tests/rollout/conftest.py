"""Fixtures of the rollout tests: a moto server on 127.0.0.1 (started here, one per session) and a
synthesized management app whose StackSet template the deployment tests roll out."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """A moto server on 127.0.0.1 (its own thread), stopped at the end of the session."""
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture(scope="session")
def rollout_cdk_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The rollout test apps (``rollout_apps.py``), synthesized once per session (per xdist worker)."""
    from tests.rollout.rollout_apps import synth_rollout_apps

    return synth_rollout_apps(tmp_path_factory.mktemp("rollout") / "cdk.out")
