"""Typed template parameters: the declared types, their validation and their example values.

A template declares its parameters in its ``parameters`` mapping; each has a ``type`` from
:data:`PARAMETER_TYPES` (``account_id``, ``principal_arn``, ``bucket_name``, ``table_arn``,
``kms_key_arn``, ``ou_id``, ``tags``, ...), may be a list (``list: true``), may have a ``default``, a
stricter ``pattern``, ``allowed`` values and an ``example`` (used by ``lpc templates lint``).

A value that is a CDK token (``${Token[...]}``, e.g. ``bucket.bucket_arn``) cannot be checked before
synthesis; it is accepted as a string and the synthesized policy is checked by the analysis instead.

Example::

    >>> spec = ParameterSpec.from_dict("bucket_name", {"type": "bucket_name"})
    >>> spec.validate("my-data-bucket")
    'my-data-bucket'
    >>> spec.validate("My_Bucket")
    Traceback (most recent call last):
    ...
    ValueError: expected an S3 bucket name (3-63 lower-case letters, digits, dots and hyphens), got 'My_Bucket'
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

TOKEN_RE = re.compile(r"\$\{Token\[[^\]]+\]\}|#\{Token\[[^\]]+\]\}|\[\"?#\{Token")
"""CDK token markers in strings (string and list tokens); such values are resolved at synthesis."""

ParameterValue = str | bool | int | list[str] | dict[str, str]

_ARN_HEAD = r"arn:aws[a-z-]*:"
_ACCOUNT = r"\d{12}"
_REGION = r"[a-z]{2}(?:-[a-z]+)+-\d"


def is_token(value: object) -> bool:
    """True when ``value`` is (or contains) an unresolved CDK token."""
    return isinstance(value, str) and bool(TOKEN_RE.search(value))


@dataclass(frozen=True)
class ParameterType:
    """One parameter type: its check, a human description of what it accepts, and an example."""

    name: str
    description: str
    example: ParameterValue
    check: Callable[[Any], bool]
    kind: str = "string"  # string | boolean | integer | map

    def accepts(self, value: Any) -> bool:
        if self.kind == "string" and is_token(value):
            return True
        try:
            return bool(self.check(value))
        except (TypeError, ValueError):
            return False


def _regex(pattern: str, flags: int = 0) -> Callable[[Any], bool]:
    rx = re.compile(pattern, flags)
    return lambda v: isinstance(v, str) and rx.fullmatch(v) is not None


def _bucket_name(v: Any) -> bool:
    if not isinstance(v, str) or not re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", v):
        return False
    if ".." in v or v.startswith("xn--") or v.endswith("-s3alias") or v.startswith("sthree-"):
        return False
    try:
        ipaddress.ip_address(v)
        return False
    except ValueError:
        return True


def _s3_prefix(v: Any) -> bool:
    # a key prefix: no wildcards (they would widen the grant), no leading slash, no empty segments
    return (
        isinstance(v, str)
        and 0 < len(v) <= 1000
        and not v.startswith("/")
        and "//" not in v
        and not any(c in v for c in "*?${}")
    )


def _tags(v: Any) -> bool:
    return (
        isinstance(v, Mapping)
        and len(v) > 0
        and all(
            isinstance(k, str) and isinstance(x, str) and 0 < len(k) <= 128 and len(x) <= 256
            for k, x in v.items()
        )
    )


def _arn(service: str, resource: str) -> Callable[[Any], bool]:
    return _regex(_ARN_HEAD + service + ":" + resource)


PARAMETER_TYPES: dict[str, ParameterType] = {
    t.name: t
    for t in [
        ParameterType("string", "a non-empty string", "example", lambda v: isinstance(v, str) and v != ""),
        ParameterType("boolean", "true or false", True, lambda v: isinstance(v, bool), kind="boolean"),
        ParameterType(
            "integer",
            "an integer",
            1,
            lambda v: isinstance(v, int) and not isinstance(v, bool),
            kind="integer",
        ),
        ParameterType("account_id", "a 12-digit AWS account id", "123456789012", _regex(_ACCOUNT)),
        ParameterType("region", "an AWS region code such as eu-west-1", "us-east-1", _regex(_REGION)),
        ParameterType(
            "arn",
            "an ARN (arn:partition:service:region:account:resource)",
            "arn:aws:s3:::example-bucket",
            _regex(r"arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(?:\d{12}|aws)?:.+"),
        ),
        ParameterType(
            "principal_arn",
            "an IAM principal ARN (account root, role, user or assumed-role session)",
            "arn:aws:iam::123456789012:role/app/example-role",
            _regex(
                _ARN_HEAD
                + r"(?:iam::\d{12}:(?:root|role/[\w+=,.@/-]+|user/[\w+=,.@/-]+)"
                + r"|sts::\d{12}:assumed-role/[\w+=,.@-]+/[\w+=,.@-]+)"
            ),
        ),
        ParameterType(
            "role_arn",
            "an IAM role ARN",
            "arn:aws:iam::123456789012:role/app/example-role",
            _arn("iam", r":\d{12}:role/[\w+=,.@/-]+"),
        ),
        ParameterType(
            "service_principal",
            "an AWS service principal such as lambda.amazonaws.com",
            "lambda.amazonaws.com",
            _regex(r"[a-z0-9.-]+\.amazonaws\.com(?:\.cn)?"),
        ),
        ParameterType(
            "iam_path",
            "an IAM path that starts and ends with / (e.g. /app/)",
            "/app/",
            _regex(r"/(?:[\x21-\x2e\x30-\x7e]+/)*"),
        ),
        ParameterType(
            "name",
            "a resource name (letters, digits and +=,.@_-)",
            "example",
            _regex(r"[\w+=,.@-]{1,128}"),
        ),
        ParameterType(
            "bucket_name",
            "an S3 bucket name (3-63 lower-case letters, digits, dots and hyphens)",
            "example-bucket",
            _bucket_name,
        ),
        ParameterType(
            "s3_prefix",
            "an S3 key prefix without wildcards or a leading slash (e.g. reports/)",
            "reports/",
            _s3_prefix,
        ),
        ParameterType(
            "table_arn",
            "a DynamoDB table ARN",
            "arn:aws:dynamodb:us-east-1:123456789012:table/example-table",
            _arn("dynamodb", _REGION + ":" + _ACCOUNT + r":table/[A-Za-z0-9_.-]{3,255}"),
        ),
        ParameterType(
            "kms_key_arn",
            "a KMS key ARN (arn:...:kms:region:account:key/key-id)",
            "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            _arn("kms", _REGION + ":" + _ACCOUNT + r":key/[A-Za-z0-9-]+"),
        ),
        ParameterType(
            "queue_arn",
            "an SQS queue ARN",
            "arn:aws:sqs:us-east-1:123456789012:example-queue",
            _arn("sqs", _REGION + ":" + _ACCOUNT + r":[A-Za-z0-9_-]{1,80}(?:\.fifo)?"),
        ),
        ParameterType(
            "topic_arn",
            "an SNS topic ARN",
            "arn:aws:sns:us-east-1:123456789012:example-topic",
            _arn("sns", _REGION + ":" + _ACCOUNT + r":[A-Za-z0-9_-]{1,256}(?:\.fifo)?"),
        ),
        ParameterType(
            "function_arn",
            "a Lambda function ARN (optionally with a version or alias)",
            "arn:aws:lambda:us-east-1:123456789012:function:example-function",
            _arn("lambda", _REGION + ":" + _ACCOUNT + r":function:[A-Za-z0-9_-]{1,64}(?::[A-Za-z0-9$_-]+)?"),
        ),
        ParameterType(
            "secret_arn",
            "a Secrets Manager secret ARN (with its 6-character suffix, or -?????? for a name)",
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:example/secret-AbCdEf",
            _arn(
                "secretsmanager",
                _REGION + ":" + _ACCOUNT + r":secret:[\w/+=.@-]+-(?:[A-Za-z0-9]{6}|\?{6})",
            ),
        ),
        ParameterType(
            "state_machine_arn",
            "a Step Functions state machine ARN",
            "arn:aws:states:us-east-1:123456789012:stateMachine:example-workflow",
            _arn("states", _REGION + ":" + _ACCOUNT + r":stateMachine:[\w-]{1,80}"),
        ),
        ParameterType(
            "event_bus_arn",
            "an EventBridge event bus ARN",
            "arn:aws:events:us-east-1:123456789012:event-bus/example-bus",
            _arn("events", _REGION + ":" + _ACCOUNT + r":event-bus/[\w./-]{1,256}"),
        ),
        ParameterType(
            "log_group_name",
            "a CloudWatch Logs log group name (no wildcards)",
            "/aws/lambda/example-function",
            _regex(r"[\w./#-]{1,512}"),
        ),
        ParameterType(
            "ecr_repository_name",
            "an ECR repository name",
            "example/service",
            _regex(r"(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*"),
        ),
        ParameterType(
            "name_prefix",
            "a resource-name prefix without wildcards (letters, digits and _.-)",
            "example-",
            _regex(r"[A-Za-z0-9][\w.-]{0,62}"),
        ),
        ParameterType(
            "org_id",
            "an AWS Organizations id (o-...)",
            "o-a1b2c3d4e5",
            _regex(r"o-[a-z0-9]{10,32}"),
        ),
        ParameterType(
            "ou_id",
            "an organizational unit id (ou-...)",
            "ou-ab12-cd34ef56",
            _regex(r"ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}"),
        ),
        ParameterType(
            "tag_key",
            "a tag key (1-128 characters)",
            "team",
            _regex(r"[\w .:/=+@-]{1,128}"),
        ),
        ParameterType(
            "tag_value",
            "a tag value (0-256 characters)",
            "payments",
            _regex(r"[\w .:/=+@-]{0,256}"),
        ),
        ParameterType("tags", "a non-empty mapping of tag key to tag value", {"team": "payments"}, _tags, "map"),
    ]
}


@dataclass(frozen=True)
class ParameterSpec:
    """One declared template parameter."""

    name: str
    type: str
    description: str = ""
    list: bool = False
    required: bool = True
    default: ParameterValue | None = None
    example: ParameterValue | None = None
    pattern: str | None = None
    allowed: tuple[str, ...] = ()
    min_items: int = 1
    max_items: int | None = None

    _KEYS = frozenset(
        {"type", "description", "list", "required", "default", "example", "pattern", "allowed",
         "min_items", "max_items"}
    )

    @classmethod
    def from_dict(cls, name: str, data: Any) -> ParameterSpec:
        """Parse one entry of a template's ``parameters`` mapping; raises ``ValueError`` on bad input."""
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", str(name)):
            raise ValueError(f"parameter name {name!r} must be an identifier (letters, digits, _)")
        if isinstance(data, str):
            data = {"type": data}
        if not isinstance(data, Mapping):
            raise ValueError(f"parameter {name!r} must be a mapping with a 'type', got {type(data).__name__}")
        unknown = set(data) - cls._KEYS
        if unknown:
            raise ValueError(
                f"parameter {name!r} has unknown field(s) {sorted(unknown)}; allowed: {sorted(cls._KEYS)}"
            )
        ptype = data.get("type")
        if ptype not in PARAMETER_TYPES:
            raise ValueError(
                f"parameter {name!r} has unknown type {ptype!r}; known types: {', '.join(sorted(PARAMETER_TYPES))}"
            )
        is_list = data.get("list", False)
        if not isinstance(is_list, bool):
            raise ValueError(f"parameter {name!r}: 'list' must be true or false")
        pattern = data.get("pattern")
        if pattern is not None:
            if not isinstance(pattern, str):
                raise ValueError(f"parameter {name!r}: 'pattern' must be a string")
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"parameter {name!r}: invalid pattern {pattern!r}: {exc}") from None
        allowed = data.get("allowed") or ()
        if not isinstance(allowed, list | tuple) or not all(isinstance(a, str) for a in allowed):
            raise ValueError(f"parameter {name!r}: 'allowed' must be a list of strings")
        for key in ("min_items", "max_items"):
            if key in data and (not isinstance(data[key], int) or isinstance(data[key], bool) or data[key] < 0):
                raise ValueError(f"parameter {name!r}: {key!r} must be a non-negative integer")
        has_default = "default" in data
        spec = cls(
            name=name,
            type=ptype,
            description=str(data.get("description", "")).strip(),
            list=is_list,
            required=bool(data.get("required", not has_default)),
            default=data.get("default"),
            example=data.get("example"),
            pattern=pattern,
            allowed=tuple(allowed),
            min_items=int(data.get("min_items", 1)),
            max_items=data.get("max_items"),
        )
        if has_default:
            try:
                spec.validate(spec.default)
            except ValueError as exc:
                raise ValueError(f"parameter {name!r}: invalid default: {exc}") from None
        if spec.example is not None:
            try:
                spec.validate(spec.example)
            except ValueError as exc:
                raise ValueError(f"parameter {name!r}: invalid example: {exc}") from None
        return spec

    @property
    def param_type(self) -> ParameterType:
        return PARAMETER_TYPES[self.type]

    @property
    def kind(self) -> str:
        """``list``, ``map``, ``string``, ``boolean`` or ``integer`` — how the value renders."""
        return "list" if self.list else self.param_type.kind

    def type_label(self) -> str:
        return f"list of {self.type}" if self.list else self.type

    def example_value(self) -> ParameterValue:
        """The example used by lint and the docs (the declared one, else the type's)."""
        if self.example is not None:
            return self.example
        if self.default is not None:
            return self.default
        if self.allowed:
            return [self.allowed[0]] if self.list else self.allowed[0]
        value = self.param_type.example
        return [value] if self.list and isinstance(value, str) else value  # type: ignore[list-item]

    def validate(self, value: Any) -> ParameterValue:
        """Return ``value`` when it fits this parameter; raise ``ValueError`` saying what was expected."""
        if self.list:
            if isinstance(value, str) and is_token(value):
                raise ValueError(
                    "expected a list; pass a Python list (a CDK list token cannot be inspected here)"
                )
            if not isinstance(value, list | tuple):
                raise ValueError(f"expected a list of {self.type}, got {type(value).__name__} {value!r}")
            if len(value) < self.min_items:
                raise ValueError(f"expected at least {self.min_items} item(s), got {len(value)}")
            if self.max_items is not None and len(value) > self.max_items:
                raise ValueError(f"expected at most {self.max_items} item(s), got {len(value)}")
            out = []
            for i, item in enumerate(value):
                try:
                    out.append(self._validate_one(item))
                except ValueError as exc:
                    raise ValueError(f"item {i}: {exc}") from None
            if len(set(map(str, out))) != len(out):
                raise ValueError(f"list has duplicate items: {list(value)!r}")
            return out  # type: ignore[return-value]
        return self._validate_one(value)

    def _validate_one(self, value: Any) -> Any:
        ptype = self.param_type
        if not ptype.accepts(value):
            raise ValueError(f"expected {ptype.description}, got {value!r}")
        if isinstance(value, str) and not is_token(value):
            if self.pattern is not None and re.fullmatch(self.pattern, value) is None:
                raise ValueError(f"{value!r} does not match the pattern {self.pattern!r}")
            if self.allowed and value not in self.allowed:
                raise ValueError(f"{value!r} is not one of {list(self.allowed)}")
        if isinstance(value, Mapping):
            return dict(value)
        return value

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type}
        if self.list:
            out["list"] = True
        if self.description:
            out["description"] = self.description
        if not self.required:
            out["required"] = False
        if self.default is not None:
            out["default"] = self.default
        if self.example is not None:
            out["example"] = self.example
        if self.pattern:
            out["pattern"] = self.pattern
        if self.allowed:
            out["allowed"] = list(self.allowed)
        return out
