"""Configuration of the least-privilege nag pack (pure Python).

Defaults come from the ``least-privilege`` key of the CDK context (``cdk.json``) and the environment, read
by the one settings reader (:mod:`least_privilege_constructs.analysis.settings`; keys ``boundaryName``,
``boundaryArn``, ``applicationPath``, ``kmsAdministrators``, ``quotas.*``)::

    {"context": {"least-privilege": {"boundaryName": "lpc-developer-boundary", "applicationPath": "/app/"}}}

and every field can be given explicitly to :class:`~least_privilege_constructs.nag.pack.LeastPrivilegeChecks`.

Example::

    >>> cfg = NagConfig.from_context({"boundaryName": "b", "applicationPath": "/svc/"})
    >>> (cfg.boundary_name, cfg.application_path)
    ('b', '/svc/')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from least_privilege_constructs.analysis.iam.arn import Arn
from least_privilege_constructs.analysis.settings import CONTEXT_KEY, ResolvedSettings, resolve

__all__ = ["CONTEXT_KEY", "DEFAULT_APPLICATION_PATH", "DEFAULT_BOUNDARY_NAME", "NagConfig", "PolicyQuotas"]
DEFAULT_BOUNDARY_NAME = "lpc-developer-boundary"
DEFAULT_APPLICATION_PATH = "/app/"


@dataclass(frozen=True)
class PolicyQuotas:
    """IAM quotas on policy sizes (characters, whitespace not counted) and attachments (IAM defaults)."""

    managed_policy_size: int = 6144
    role_inline_size: int = 10240
    user_inline_size: int = 2048
    group_inline_size: int = 5120
    trust_policy_size: int = 2048
    managed_policies_per_principal: int = 10


@dataclass(frozen=True)
class NagConfig:
    """What the rules need to know about the organization.

    ``boundary`` is the approved permissions boundary: a policy name (``lpc-developer-boundary``) or an ARN
    (``arn:aws:iam::123456789012:policy/boundaries/lpc-developer-boundary``; the account may be
    ``${AWS::AccountId}``). ``application_path`` is the IAM path of application roles (``/app/``).
    ``kms_administrators`` are principal ARN patterns (``*`` wildcards) allowed ``kms:*`` in key policies
    besides the account root.
    """

    boundary: str = DEFAULT_BOUNDARY_NAME
    application_path: str = DEFAULT_APPLICATION_PATH
    kms_administrators: tuple[str, ...] = ()
    quotas: PolicyQuotas = field(default_factory=PolicyQuotas)
    developer_role_paths: tuple[str, ...] = ("/developers/",)
    """IAM paths of developer roles (``developerRolePaths``, the setting check-access-not-granted reads)."""

    def __post_init__(self) -> None:
        if not isinstance(self.boundary, str) or not self.boundary.strip():
            raise ValueError("least-privilege nag pack: boundary must be a non-empty policy name or ARN")
        path = self.application_path
        if not isinstance(path, str) or not path.startswith("/") or not path.endswith("/") or "*" in path:
            raise ValueError(
                f"least-privilege nag pack: applicationPath {path!r} must be an IAM path such as '/app/' "
                "(starting and ending with '/', no wildcard)"
            )
        if isinstance(self.kms_administrators, str):
            object.__setattr__(self, "kms_administrators", (self.kms_administrators,))
        if isinstance(self.developer_role_paths, str):
            object.__setattr__(self, "developer_role_paths", (self.developer_role_paths,))

    @property
    def boundary_name(self) -> str:
        """The approved boundary's policy name (the last segment of its ARN)."""
        return self.boundary.rsplit("/", 1)[-1] if self.boundary.startswith("arn:") else self.boundary

    @property
    def boundary_path(self) -> str | None:
        """The approved boundary's IAM path when it is given as an ARN, else None (any path)."""
        arn = Arn.parse(self.boundary)
        return arn.path if arn is not None else None

    @classmethod
    def from_context(cls, context: Mapping[str, Any] | None, *, env: Mapping[str, str] | None = None,
                     **overrides: Any) -> NagConfig:
        """Build from the ``least-privilege`` context object and the environment, through the one settings
        reader (:func:`least_privilege_constructs.analysis.settings.resolve`: a bad value raises its
        ``SettingsError`` naming the key); explicit ``overrides`` (not None) win."""
        return cls.from_settings(resolve(context, env=env), **overrides)

    @classmethod
    def from_settings(cls, resolved: ResolvedSettings, **overrides: Any) -> NagConfig:
        """The pack's configuration out of the one resolved settings."""
        values: dict[str, Any] = {
            "boundary": resolved["boundaryArn"] or resolved["boundaryName"],
            "application_path": resolved["applicationPath"],
            "kms_administrators": tuple(resolved["kmsAdministrators"]),
            "developer_role_paths": tuple(resolved["developerRolePaths"]),
            "quotas": PolicyQuotas(**{f.name: resolved[f"quotas.{_camel(f.name)}"] for f in fields(PolicyQuotas)}),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return replace(cls(), **values)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)
