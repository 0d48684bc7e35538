"""Collector test fixtures: real botocore clients under botocore's Stubber (every request validated against
the API model), and a moto server on 127.0.0.1 for the credential report."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import botocore.session
import pytest
from botocore.stub import Stubber

from least_privilege_constructs.collect.calls import Caller, client_config


def make_client(service: str, region: str = "us-east-1", endpoint_url: str | None = None) -> Any:
    session = botocore.session.get_session()
    return session.create_client(service, region_name=region, aws_access_key_id="testing",
                                 aws_secret_access_key="testing", endpoint_url=endpoint_url,
                                 config=client_config())


class StubSession:
    """A boto3-like session handing out the given (stubbed) botocore clients by service name."""

    def __init__(self, clients: dict[str, Any]) -> None:
        self.clients = clients
        self.region_name = "us-east-1"

    def client(self, service: str, **_: Any) -> Any:
        return self.clients[service]


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def iam(sleeps: list[float]) -> Iterator[tuple[Caller, Stubber]]:
    client = make_client("iam")
    with Stubber(client) as stub:
        yield Caller(client, sleep=sleeps.append, jitter=lambda: 1.0), stub
        stub.assert_no_pending_responses()


@pytest.fixture
def aa(sleeps: list[float]) -> Iterator[tuple[Caller, Stubber]]:
    client = make_client("accessanalyzer", "eu-west-1")
    with Stubber(client) as stub:
        yield Caller(client, sleep=sleeps.append, jitter=lambda: 1.0), stub
        stub.assert_no_pending_responses()


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
