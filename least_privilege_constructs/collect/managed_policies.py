"""Managed policy documents online: ``iam:GetPolicy`` for the default version, then ``iam:GetPolicyVersion``.

The fallback of :class:`least_privilege_constructs.analysis.managed_policies.ManagedPolicyResolver` for
policies the packaged snapshot lacks (a policy AWS added since, or a customer managed policy of another
stack). The API returns the document URL-encoded (RFC 3986,
https://docs.aws.amazon.com/IAM/latest/APIReference/API_PolicyVersion.html); botocore decodes it, and a
string that is still encoded is decoded here. A policy that does not exist, or that the caller may not
read, resolves to None (the analysis then treats it as unknown, never as empty).

Example (any client with ``get_policy`` and ``get_policy_version``)::

    >>> class FakeIam:
    ...     def get_policy(self, PolicyArn):
    ...         return {"Policy": {"DefaultVersionId": "v2"}}
    ...     def get_policy_version(self, PolicyArn, VersionId):
    ...         return {"PolicyVersion": {"Document": "%7B%22Statement%22%3A%5B%5D%7D"}}
    >>> OnlinePolicyResolver(FakeIam())("arn:aws:iam::aws:policy/New")
    {'Statement': []}
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from least_privilege_constructs.collect.calls import Caller, CollectError, client_config


class OnlinePolicyResolver:
    """ARN -> the default version's document, read with ``client`` (an IAM client); answers are cached.

    ``errors`` keeps the failures other than "not found" (access denied, throttling after retries) as
    ``(arn, CollectError)`` so callers can report why a document stayed unknown.
    """

    def __init__(self, client: Any, *, sleep: Callable[[float], None] | None = None) -> None:
        self.caller = Caller(client) if sleep is None else Caller(client, sleep=sleep)
        self.cache: dict[str, dict[str, Any] | None] = {}
        self.errors: list[tuple[str, CollectError]] = []

    def __call__(self, arn: str) -> dict[str, Any] | None:
        if arn not in self.cache:
            self.cache[arn] = self._fetch(arn)
        return self.cache[arn]

    def _fetch(self, arn: str) -> dict[str, Any] | None:
        try:
            policy = self.caller("get_policy", PolicyArn=arn)["Policy"]
            version = self.caller("get_policy_version", PolicyArn=arn, VersionId=policy["DefaultVersionId"])
        except CollectError as exc:
            if not exc.not_found:
                self.errors.append((arn, exc))
            return None
        document = version["PolicyVersion"].get("Document")
        if isinstance(document, str):
            try:
                document = json.loads(unquote(document))
            except ValueError:
                self.errors.append((arn, CollectError("GetPolicyVersion", "UNREADABLE_DOCUMENT",
                                                      "the policy document is not JSON")))
                return None
        return document if isinstance(document, dict) else None


def online_resolver(session: Any | None = None) -> OnlinePolicyResolver | None:
    """An :class:`OnlinePolicyResolver` over ``session`` (default: a new boto3 session) when its
    credentials resolve, else None (stay offline)."""
    if session is None:
        import boto3

        session = boto3.Session()
    try:
        credentials = session.get_credentials()
    except Exception:  # a broken profile or credential process: offline, as with no credentials
        return None
    if credentials is None:
        return None
    return OnlinePolicyResolver(session.client("iam", config=client_config()))
