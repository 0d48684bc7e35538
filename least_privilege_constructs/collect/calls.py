"""The call machinery of the collectors: client configuration, throttling back-off, job polling, sessions.

Clients use botocore's ``standard`` retry mode (``Config(retries={"mode": "standard", ...})``:
https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html). A throttling error that
survives botocore's retries is retried here with exponential back-off (``throttle_retries`` times); any
other error is a :class:`CollectError` with the operation, the AWS error code and the message.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

THROTTLING_CODES = frozenset({"Throttling", "ThrottlingException", "TooManyRequestsException",
                              "RequestLimitExceeded", "RequestThrottled", "RequestThrottledException"})
NOT_FOUND_CODES = frozenset({"NoSuchEntity", "NoSuchEntityException", "ResourceNotFoundException"})


class CollectError(Exception):
    """A read that failed for good. ``code`` is the AWS error code (or ``JOB_FAILED``, ``JOB_TIMEOUT``)."""

    def __init__(self, operation: str, code: str, message: str) -> None:
        self.operation = operation
        self.code = code
        self.message = message
        super().__init__(f"{operation}: {code}: {message}")

    @property
    def not_found(self) -> bool:
        return self.code in NOT_FOUND_CODES


def client_config(max_attempts: int = 5, retry_mode: str = "standard") -> Any:
    """The botocore ``Config`` of every collector client."""
    from botocore.config import Config

    return Config(retries={"mode": retry_mode, "total_max_attempts": max_attempts},
                  user_agent_extra="least-privilege-constructs-collect")


@dataclass
class Caller:
    """Calls one client's operations with throttling back-off and polls report jobs."""

    client: Any
    sleep: Callable[[float], None] = time.sleep
    throttle_retries: int = 4
    backoff_base: float = 0.5
    backoff_cap: float = 20.0
    poll_interval: float = 2.0
    poll_timeout: float = 900.0
    jitter: Callable[[], float] = field(default=random.random)
    throttle_backoffs: int = 0

    def __call__(self, operation: str, **params: Any) -> dict[str, Any]:
        from botocore.exceptions import BotoCoreError, ClientError
        from botocore.parsers import ResponseParserError

        method = getattr(self.client, operation)
        attempt = 0
        while True:
            try:
                response = method(**params)
                return dict(response)
            except ClientError as exc:
                error = exc.response.get("Error", {}) if isinstance(exc.response, Mapping) else {}
                code = str(error.get("Code", "Unknown"))
                if code in THROTTLING_CODES and attempt < self.throttle_retries:
                    self.sleep(min(self.backoff_cap, self.backoff_base * 2 ** attempt) * (0.5 + self.jitter() / 2))
                    attempt += 1
                    self.throttle_backoffs += 1
                    continue
                raise CollectError(_pascal(operation), code, str(error.get("Message", "")) or str(exc)) from exc
            except (BotoCoreError, ResponseParserError) as exc:  # time-outs, no credentials, an unreadable answer
                raise CollectError(_pascal(operation), type(exc).__name__, str(exc).splitlines()[0]) from exc

    def pages(self, operation: str, token_in: str, token_out: str, *, truncated: str | None = None,
              **params: Any) -> Iterator[dict[str, Any]]:
        """Every page of a ``Marker``/``nextToken`` operation."""
        token: str | None = None
        for _ in range(10_000):
            page = self(operation, **params, **({token_in: token} if token else {}))
            yield page
            token = page.get(token_out)
            if not token or (truncated is not None and not page.get(truncated)):
                return
        raise CollectError(_pascal(operation), "TOO_MANY_PAGES", "more than 10,000 pages")

    def poll(self, operation: str, status_key: str, done: Callable[[str], bool], **params: Any) -> dict[str, Any]:
        """Call ``operation`` until ``done(response[status_key])``; the final response."""
        waited = 0.0
        while True:
            response = self(operation, **params)
            status = str(response.get(status_key, ""))
            if done(status):
                return response
            if waited >= self.poll_timeout:
                raise CollectError(_pascal(operation), "JOB_TIMEOUT",
                                   f"still {status} after {waited:.0f} s")
            self.sleep(self.poll_interval)
            waited += self.poll_interval


def _pascal(operation: str) -> str:
    return "".join(p.capitalize() for p in operation.split("_"))


def assume_role_session(base: Any, account_id: str, role_name: str, *, partition: str = "aws",
                        session_name: str = "lpc-collect", external_id: str | None = None) -> Any:
    """A boto3 session in ``account_id`` through ``sts:AssumeRole`` of ``role_name`` (read-only role such as
    one granting ``SecurityAudit`` + ``iam:GenerateServiceLastAccessedDetails``)."""
    import boto3

    sts = Caller(base.client("sts", config=client_config()))
    params: dict[str, Any] = {"RoleArn": f"arn:{partition}:iam::{account_id}:role/{role_name}",
                              "RoleSessionName": session_name}
    if external_id:
        params["ExternalId"] = external_id
    creds = sts("assume_role", **params)["Credentials"]
    return boto3.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                         aws_session_token=creds["SessionToken"], region_name=base.region_name)


def new_session(profile: str | None = None, region: str | None = None) -> Any:
    """A boto3 session (``profile`` or the environment's credentials); a missing profile is a
    :class:`CollectError` (``ProfileNotFound``)."""
    import boto3
    import botocore.exceptions

    try:
        return boto3.Session(profile_name=profile, region_name=region)
    except botocore.exceptions.ProfileNotFound as exc:
        raise CollectError("Session", "ProfileNotFound", str(exc)) from None
