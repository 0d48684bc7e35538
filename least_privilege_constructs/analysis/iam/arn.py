"""ARNs: one value type over ``botocore.utils.ArnParser``, and partitions from botocore's endpoint data.

ARN format (IAM User Guide, "Identify AWS resources with Amazon Resource Names (ARNs)",
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html)::

    arn:partition:service:region:account-id:resource-id
    arn:partition:service:region:account-id:resource-type/resource-id
    arn:partition:service:region:account-id:resource-type:resource-id

:class:`Arn` also accepts what policies and templates put into ARNs: CloudFormation pseudo parameters and
CDK tokens (``${AWS::AccountId}``, ``${Token[TOKEN.12]}``), the extractor's ``{{unresolved: ...}}``
placeholders, dynamic references, policy variables (``${aws:username}``) and the wildcards ``*``/``?``.
A ``:`` inside ``${...}`` or ``{{...}}`` does not cut a segment.

Partitions come from botocore's ``endpoints`` data: a region belongs to the partition that lists it, else
to the partition whose ``regionRegex`` matches it; the DNS suffix is the partition's ``dnsSuffix``. No table
of prefixes here, so new partitions arrive with botocore.

Examples::

    >>> arn = Arn.parse("arn:${AWS::Partition}:iam::${AWS::AccountId}:role/app/deploy")
    >>> arn.account, arn.resource_type, arn.resource_id
    ('${AWS::AccountId}', 'role', 'app/deploy')
    >>> account_of("arn:aws:s3:::bucket") is None, account_of("arn:aws:iam::123456789012:root")
    (True, '123456789012')
    >>> role_arn_of_session("arn:aws:sts::111122223333:assumed-role/Admin/alice")
    'arn:aws:iam::111122223333:role/Admin'
    >>> partition_of("eu-isoe-west-1"), partition_of("us-isof-south-1"), dns_suffix("aws-cn")
    ('aws-iso-e', 'aws-iso-f', 'amazonaws.com.cn')
    >>> is_service_principal("lambda.amazonaws.com"), is_service_principal("accounts.google.com")
    (True, False)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

_PROTECTED = re.compile(r"\$\{[^}]*\}|\{\{.*?\}\}", re.DOTALL)
_ACCOUNT_ID = re.compile(r"^\d{12}$")


class ArnError(ValueError):
    """A string that is not an ARN, where one is required (stable code ``LPC-ARN-001``)."""

    code = "LPC-ARN-001"

    def __init__(self, text: str, reason: str) -> None:
        self.text = text
        self.reason = reason
        super().__init__(f"{self.code}: not an ARN ({reason}): {text!r}")


@dataclass(frozen=True)
class Arn:
    """A parsed ARN; fields hold the text as written (tokens, variables and wildcards included)."""

    partition: str
    service: str
    region: str
    account: str
    resource: str

    @classmethod
    def parse(cls, text: Any) -> Arn | None:
        """The ARN ``text`` denotes, or None when it is not one (not a string, no ``arn:`` prefix, fewer
        than six segments).

            >>> Arn.parse("arn:aws:lambda:us-east-1:123456789012:function:f:1").resource
            'function:f:1'
            >>> Arn.parse("bucket/key") is None, Arn.parse("arn:aws:s3") is None
            (True, True)
        """
        return _parse(text) if isinstance(text, str) else None

    @classmethod
    def from_string(cls, text: str) -> Arn:
        """Like :meth:`parse` but raising :class:`ArnError` (code ``LPC-ARN-001``).

            >>> Arn.from_string("role/x")
            Traceback (most recent call last):
            ...
            least_privilege_constructs.analysis.iam.arn.ArnError: LPC-ARN-001: not an ARN (expected arn:partition:service:region:account:resource): 'role/x'
        """
        arn = cls.parse(text)
        if arn is None:
            raise ArnError(str(text), "expected arn:partition:service:region:account:resource")
        return arn

    def __str__(self) -> str:
        return f"arn:{self.partition}:{self.service}:{self.region}:{self.account}:{self.resource}"

    @property
    def account_id(self) -> str | None:
        """The account segment, None when empty (S3 buckets, AWS managed policies)."""
        return self.account or None

    @property
    def resource_type(self) -> str:
        """The resource part before its first ``/`` or ``:`` (``role/a/b`` -> ``role``; ``""`` when there is
        no separator, e.g. an SNS topic ``arn:aws:sns:r:1:topic``). For S3 buckets and objects
        (``arn:aws:s3:::bucket/key``: no region, no account) the type is ``""`` and the whole resource
        part is the id (the bucket is a name, not a type; iam-simulate's ``getResourceSegments`` does
        the same)."""
        return self._split_resource()[0]

    @property
    def resource_id(self) -> str:
        """The resource part after the resource type and its separator (``role/a/b`` -> ``a/b``)."""
        return self._split_resource()[1]

    def _split_resource(self) -> tuple[str, str]:
        if self.service == "s3" and not self.region and not self.account:
            return "", self.resource
        m = re.search(r"[/:]", _mask(self.resource))
        if m is None:
            return "", self.resource
        return self.resource[: m.start()], self.resource[m.end() :]

    @property
    def path(self) -> str:
        """The IAM path of a path-bearing resource id (``role/app/deploy`` -> ``/app/``; ``/`` when none).

            >>> Arn.from_string("arn:aws:iam::1:policy/a/b/name").path
            '/a/b/'
        """
        rid = self.resource_id
        return "/" + rid.rsplit("/", 1)[0] + "/" if "/" in rid else "/"

    @property
    def name(self) -> str:
        """The last ``/``-separated element of the resource id (``role/app/deploy`` -> ``deploy``)."""
        return self.resource_id.rsplit("/", 1)[-1]

    @property
    def has_wildcards(self) -> bool:
        """Whether a ``*`` or ``?`` appears outside ``${...}``/``{{...}}``."""
        masked = _mask(str(self))
        return "*" in masked or "?" in masked

    @property
    def has_placeholders(self) -> bool:
        """Whether a CloudFormation token, dynamic reference or policy variable appears."""
        return _PROTECTED.search(str(self)) is not None

    def with_partition(self, partition: str) -> Arn:
        return replace(self, partition=partition)

    def with_account(self, account: str) -> Arn:
        return replace(self, account=account)


def _mask(text: str) -> str:
    """``text`` with every ``${...}``/``{{...}}`` span replaced by as many ``_`` (same length)."""
    return _PROTECTED.sub(lambda m: "_" * len(m.group(0)), text)


@lru_cache(maxsize=65536)
def _parse(text: str) -> Arn | None:
    if not text.startswith("arn:"):
        return None
    spans: list[str] = []

    def protect(m: re.Match[str]) -> str:
        spans.append(m.group(0))
        return f"\ue000{len(spans) - 1}\ue001"

    protected = _PROTECTED.sub(protect, text) if "${" in text or "{{" in text else text
    from botocore.utils import (  # imported on first use (botocore is slow to load)
        ArnParser,
        InvalidArnException,
    )

    try:
        parts = ArnParser().parse_arn(protected)
    except InvalidArnException:
        return None

    def restore(value: str) -> str:
        if not spans:
            return value
        return re.sub("\ue000(\\d+)\ue001", lambda m: spans[int(m.group(1))], value)

    return Arn(
        restore(parts["partition"]),
        restore(parts["service"]),
        restore(parts["region"]),
        restore(parts["account"]),
        restore(parts["resource"]),
    )


def is_arn(text: Any) -> bool:
    """Whether ``text`` parses as an ARN (see :meth:`Arn.parse`)."""
    return Arn.parse(text) is not None


def account_of(arn: str) -> str | None:
    """The account id of an ARN; None when ``arn`` is not an ARN or has no account (the one answer).

        >>> account_of("arn:aws:iam::123456789012:role/x"), account_of("123456789012"), account_of("arn:aws:s3:::b")
        ('123456789012', None, None)
    """
    parsed = Arn.parse(arn)
    return parsed.account_id if parsed else None


def is_account_id(text: str) -> bool:
    """Whether ``text`` is a 12-digit account id."""
    return _ACCOUNT_ID.match(text) is not None


def role_arn_of_session(arn: str) -> str | None:
    """The role ARN of an STS assumed-role session ARN (session ARNs carry no role path).

    ``arn:aws:sts::1:assumed-role/R/s`` -> ``arn:aws:iam::1:role/R`` (IAM User Guide, "IAM identifiers",
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns).
    """
    parsed = Arn.parse(arn)
    if parsed is None or parsed.service != "sts" or not parsed.resource.startswith("assumed-role/"):
        return None
    segs = parsed.resource.split("/")
    if len(segs) < 3:
        return None
    return str(Arn(parsed.partition, "iam", "", parsed.account, f"role/{segs[1]}"))


def is_session_of_role(session_arn: str, role_arn: str) -> bool:
    """Whether an STS assumed-role session ARN is a session of the role ``role_arn``, path or no path.

    A session ARN drops the role's path (``assumed-role/NAME/SESSION``), while a trust or resource policy
    may name the role with it (``role/app/NAME``). IAM does not compare the two texts: a role ARN in a
    ``Principal`` element is resolved to the role's unique ID when the policy is saved, and the session is
    matched by that ID (IAM User Guide, "AWS JSON policy elements: Principal", IAM role principals,
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-roles;
    unique IDs: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids).
    Role names are unique within an account whatever their path (IAM User Guide, "IAM identifiers",
    friendly names and paths, https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html),
    so the session's partition, account and role name identify that role: a policy IAM accepted naming
    ``role/app/NAME`` names the role whose sessions are ``assumed-role/NAME/...``. Names are compared
    exactly (IAM resolves the ARN as written).

        >>> is_session_of_role("arn:aws:sts::1:assumed-role/deploy/s", "arn:aws:iam::1:role/app/deploy")
        True
        >>> is_session_of_role("arn:aws:sts::1:assumed-role/deploy/s", "arn:aws:iam::1:role/app/other")
        False
    """
    bare = role_arn_of_session(session_arn)
    if bare is None:
        return False
    role = Arn.parse(role_arn)
    if role is None or role.service != "iam" or role.resource_type != "role":
        return False
    name = role.resource_id.rsplit("/", 1)[-1]
    return bare == str(Arn(role.partition, "iam", "", role.account, f"role/{name}"))


# -- partitions --------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _endpoint_data() -> dict[str, Any]:
    from botocore.loaders import create_loader

    data: dict[str, Any] = create_loader().load_data("endpoints")
    return data


def partitions() -> tuple[str, ...]:
    """The partition names botocore knows (``aws``, ``aws-cn``, ``aws-us-gov``, ``aws-iso``...)."""
    return tuple(p["partition"] for p in _endpoint_data()["partitions"])


@lru_cache(maxsize=1024)
def partition_of(region: str) -> str | None:
    """The partition of a region from botocore's endpoint data; None for a region botocore does not know.

    A region listed explicitly by a partition wins over another partition's ``regionRegex``.

        >>> partition_of("cn-north-1"), partition_of("us-gov-west-1"), partition_of("mars-1") is None
        ('aws-cn', 'aws-us-gov', True)
    """
    for p in _endpoint_data()["partitions"]:
        if region in p.get("regions", {}):
            return str(p["partition"])
    from botocore.exceptions import UnknownRegionError
    from botocore.regions import EndpointResolver

    try:
        return str(EndpointResolver(_endpoint_data()).get_partition_for_region(region))
    except UnknownRegionError:
        return None


@lru_cache(maxsize=64)
def dns_suffix(partition: str) -> str | None:
    """The partition's DNS suffix (``aws`` -> ``amazonaws.com``; the CloudFormation ``AWS::URLSuffix``);
    None for an unknown partition."""
    for p in _endpoint_data()["partitions"]:
        if p["partition"] == partition:
            return str(p["dnsSuffix"])
    return None


@lru_cache(maxsize=1)
def _service_suffixes() -> tuple[str, ...]:
    return tuple(sorted({"." + str(p["dnsSuffix"]) for p in _endpoint_data()["partitions"]}))


def is_service_principal(principal: str) -> bool:
    """Whether a principal string names an AWS service (``lambda.amazonaws.com``): a host name under one
    of the partitions' DNS suffixes (IAM User Guide, "AWS JSON policy elements: Principal", service
    principals, https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html)."""
    return not principal.startswith("arn:") and principal.endswith(_service_suffixes())
