"""Helpers for the backend tests: sample policies, a client factory, and a fake HTTP layer that
answers below botocore's retry logic (so botocore's real retry modes run against injected faults)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse

from least_privilege_constructs.analysis.findings import PolicyOrigin

ALLOW_S3_READ = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
}
ALLOW_S3_ALL = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "All", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
}
PUBLIC_BUCKET = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "Public", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
         "Resource": "arn:aws:s3:::example-bucket/*"}
    ],
}


def origin(name: str = "Role") -> PolicyOrigin:
    return PolicyOrigin(
        source="cdk.out/AppStack.template.json",
        stack="AppStack",
        logical_id=f"{name}DefaultPolicy",
        construct_path=f"AppStack/{name}/DefaultPolicy/Resource",
    )


def make_client(retry_mode: str = "standard", max_attempts: int = 3, pool: int = 10) -> Any:
    from botocore.config import Config

    return boto3.client(
        "accessanalyzer",
        region_name="eu-west-1",
        aws_access_key_id="AKIDTEST",
        aws_secret_access_key="secret",
        config=Config(retries={"mode": retry_mode, "total_max_attempts": max_attempts}, max_pool_connections=pool,
                      connect_timeout=1, read_timeout=1),
    )


class Sleeps:
    """Records the delays asked for instead of sleeping."""

    def __init__(self) -> None:
        self.delays: list[float] = []
        self.lock = threading.Lock()

    def __call__(self, seconds: float) -> None:
        with self.lock:
            self.delays.append(seconds)


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


Reply = Callable[[str, dict[str, Any]], Any]
"""(operation, request JSON) -> (status, body dict|bytes) or an exception to raise."""


@dataclass
class FakeHttp:
    """Answers HTTP requests of a real client at ``before-send`` (below botocore's retries).

    ``script`` is consumed one item per HTTP attempt; each item is ``(status, body)`` (a dict is
    JSON-encoded; bytes are sent as is) or an exception instance (e.g. ReadTimeoutError) to raise.
    ``reply``, if set, computes the answer from the request instead."""

    script: list[Any] = field(default_factory=list)
    reply: Reply | None = None
    delay: float = 0.0
    attempts: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    in_flight: int = 0
    peak: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def attach(self, client: Any) -> FakeHttp:
        client.meta.events.register(f"before-send.{client.meta.service_model.service_id.hyphenize()}", self)
        return self

    def __call__(self, request: Any, **_: Any) -> AWSResponse:
        operation = request.url.rsplit("/", 1)[-1]
        body = json.loads(request.body or b"{}")
        with self.lock:
            self.attempts.append((operation, body))
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            item = self.reply(operation, body) if self.reply else self.script.pop(0)
        try:
            if self.delay:
                time.sleep(self.delay)
            if isinstance(item, BaseException):
                raise item
            status, payload = item
            headers: dict[str, str] = {"content-type": "application/json"}
            if isinstance(payload, dict) and "__type" in payload:
                headers["x-amzn-ErrorType"] = payload["__type"]
            raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            return AWSResponse(request.url, status, headers, _Raw(raw))
        finally:
            with self.lock:
                self.in_flight -= 1


def error_body(code: str, message: str = "boom", **extra: Any) -> dict[str, Any]:
    return {"__type": code, "message": message, **extra}
