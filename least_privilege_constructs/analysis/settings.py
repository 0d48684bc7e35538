"""The one reader of the library's settings, from one table (:data:`SETTINGS`).

Every setting lives in ``cdk.json`` under the context key ``least-privilege`` (nested keys such as
``checks.escalation`` are objects in the file), and most can be overridden by an environment variable
and a CLI flag. Precedence: **flags > environment > cdk.json > defaults**. Parsing, validation, that
precedence, the README's settings table (:func:`settings_table_markdown`) and the backend's CLI flags are
all derived from the table; the backend (``access_analyzer.settings``), the gate (``analysis.gate``), the
nag pack (``analysis.rules.config``) and the template catalog read through :func:`resolve`.

A bad setting raises :class:`SettingsError` with a stable code and the source of the value (the
``cdk.json`` file and key path, the environment variable, or the flag):

==================  ===================================================================================
code                meaning
==================  ===================================================================================
``LPC-SETTINGS-001`` the ``cdk.json`` file cannot be read
``LPC-SETTINGS-002`` the ``cdk.json`` file is not valid JSON
``LPC-SETTINGS-003`` the ``least-privilege`` context (or a nested group such as ``checks``) is not an object
``LPC-SETTINGS-004`` a value of the wrong type or out of range
``LPC-SETTINGS-005`` an unknown key (a typo would otherwise be ignored silently: fail closed)
``LPC-SETTINGS-006`` a file a setting names (a reference policy) cannot be read or is not a policy
``LPC-SETTINGS-007`` a pipeline-only setting (``ci``, ``platformSettings``, ``cacheHmacKey``) in ``cdk.json``
==================  ===================================================================================

Example::

    >>> s = resolve({"mode": "offline", "checks": {"escalation": False}},
    ...             env={"LEAST_PRIVILEGE_MAX_CONCURRENCY": "2"}, flags={"mode": "online"})
    >>> s["mode"], s["checks.escalation"], s["maxConcurrency"], s["reportPath"]
    ('online', False, 2, '.lpc-reports/validation-report.json')
    >>> s.source_of("mode"), s.source_of("maxConcurrency"), s.source_of("checks.escalation")
    ('--mode', 'environment variable LEAST_PRIVILEGE_MAX_CONCURRENCY', 'cdk.json context least-privilege.checks.escalation')
    >>> resolve({"mode": "sometimes"}, env={})
    Traceback (most recent call last):
    ...
    least_privilege_constructs.analysis.settings.SettingsError: LPC-SETTINGS-004 cdk.json context least-privilege.mode: invalid value 'sometimes' (expected one of auto, online, offline)
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

CONTEXT_KEY = "least-privilege"

CANNOT_READ = "LPC-SETTINGS-001"
INVALID_JSON = "LPC-SETTINGS-002"
NOT_AN_OBJECT = "LPC-SETTINGS-003"
INVALID_VALUE = "LPC-SETTINGS-004"
UNKNOWN_KEY = "LPC-SETTINGS-005"
BAD_FILE = "LPC-SETTINGS-006"
PIPELINE_ONLY = "LPC-SETTINGS-007"

ERROR_CODES: dict[str, str] = {
    CANNOT_READ: "the cdk.json file cannot be read",
    INVALID_JSON: "the cdk.json file is not valid JSON",
    NOT_AN_OBJECT: "the least-privilege context (or a group such as checks) is not an object",
    INVALID_VALUE: "a value of the wrong type or out of range",
    UNKNOWN_KEY: "an unknown key (a typo would otherwise be ignored silently)",
    BAD_FILE: "a file a setting names cannot be read or is not a policy",
    PIPELINE_ONLY: "a pipeline-only setting (ci, platformSettings, cacheHmacKey) in cdk.json: the commit must not "
                   "choose how it is checked",
}


class SettingsError(ValueError):
    """A bad setting: ``code`` (``LPC-SETTINGS-00x``), ``source`` (where the value came from), ``problem``."""

    def __init__(self, code: str, source: str, problem: str) -> None:
        self.code = code
        self.source = source
        self.problem = problem
        super().__init__(f"{code} {source}: {problem}")


# -- value types ---------------------------------------------------------------------------------------------
class _At(ValueError):
    """A bad element of a list value: ``path`` (``[0]``) is appended to the source's key path."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower() if isinstance(value, str) else None
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError("expected true or false")


def _int(minimum: int) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ValueError("expected an integer")
        try:
            number = value if isinstance(value, int) else int(value.strip())
        except ValueError:
            raise ValueError("expected an integer") from None
        if number < minimum:
            raise ValueError(f"expected an integer >= {minimum}")
        return number

    return parse


def _float(minimum: float) -> Callable[[Any], float]:
    def parse(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ValueError("expected a number")
        try:
            number = float(value)
        except ValueError:
            raise ValueError("expected a number") from None
        if number < minimum:
            raise ValueError(f"expected a number >= {minimum}")
        return number

    return parse


def _choice(choices: tuple[str, ...]) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        text = value.strip().lower() if isinstance(value, str) else None
        if text not in choices:
            raise ValueError(f"expected one of {', '.join(choices)}")
        return text

    return parse


def _optional_text(value: Any) -> str | None:
    if not isinstance(value, str):
        raise ValueError("expected a string")
    return value.strip() or None


def _path(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("expected a non-empty path")
    return value


def _strings(separator: str = ",") -> Callable[[Any], tuple[str, ...]]:
    def parse(value: Any) -> tuple[str, ...]:
        if isinstance(value, str):
            return tuple(v.strip() for v in value.split(separator) if v.strip())
        if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
            return tuple(value)
        what = "an os.pathsep-separated" if separator != "," else "a comma-separated"
        raise ValueError(f"expected a list of strings or {what} string")

    return parse


def _finding_types(value: Any) -> frozenset[Any]:
    from least_privilege_constructs.analysis.pipeline import parse_blocking

    if not isinstance(value, str | list | tuple | frozenset | set):
        raise ValueError("expected a list of finding types or a comma-separated string")
    return parse_blocking(value)


def _object(value: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise ValueError("expected an object")
    return dict(value)


def _references(value: Any) -> tuple[dict[str, str], ...]:
    if not isinstance(value, list):
        raise ValueError('expected a list of {"scope": "Stack/Path", "policy": "file.json"} objects')
    out: list[dict[str, str]] = []
    for index, item in enumerate(value):
        if not isinstance(item, Mapping) or not isinstance(item.get("policy"), str) or \
                not isinstance(item.get("scope", ""), str):
            raise _At(f"[{index}]", 'expected {"scope": "Stack/Path", "policy": "file.json"}')
        out.append({"scope": str(item.get("scope", "")), "policy": str(item["policy"])})
    return tuple(out)


def _exports(value: Any) -> tuple[tuple[str, str], ...]:
    """``{"Name": "value"}``, or ``NAME=VALUE`` strings (a list, or comma-separated: the variable, the flag)."""
    if isinstance(value, Mapping):
        items = list(value.items())
    else:
        texts = [value] if isinstance(value, str) else value
        if not isinstance(texts, list | tuple) or not all(isinstance(t, str) for t in texts):
            raise ValueError('expected an object {"ExportName": "value"} or NAME=VALUE strings')
        items = []
        for text in (part.strip() for t in texts for part in t.split(",")):
            if not text:
                continue
            name, eq, val = text.partition("=")
            if not eq or not name.strip():
                raise ValueError(f"expected NAME=VALUE, got {text!r}")
            items.append((name.strip(), val))
    if not all(isinstance(k, str) and k and isinstance(v, str) for k, v in items):
        raise ValueError('expected export names mapped to string values: {"ExportName": "value"}')
    return tuple((str(k), str(v)) for k, v in items)


def _iam_path(value: Any) -> str:
    if not isinstance(value, str) or not value.startswith("/") or not value.endswith("/") or "*" in value:
        raise ValueError("expected an IAM path such as '/app/' (starting and ending with '/', no wildcard)")
    return value


def _non_empty(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("expected a non-empty string")
    return value.strip()


# -- the table -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Setting:
    """One row of the settings table."""

    key: str
    """Key path under ``least-privilege`` in ``cdk.json`` (``checks.escalation`` is ``{"checks": {...}}``)."""
    type: str
    """What the value is, as the README shows it."""
    default: Any
    description: str
    parse: Callable[[Any], Any] = field(repr=False, compare=False)
    env: str | None = None
    flag: str | None = None
    """The CLI flag(s) as documented (``--cache / --no-cache``); ``None`` when there is none."""
    section: str = "gate"
    """Who reads it: ``backend``, ``gate``, ``nag`` or ``templates``."""
    field: str = ""
    """The Python name of the value in the reader's dataclass (``max_concurrency``)."""
    metavar: str = "VALUE"
    accumulate: bool = False
    """A flag adds to the value from lower-precedence sources instead of replacing it."""
    in_cdk_json: bool = True
    """False for the pipeline's own settings: only an environment variable or a flag may set them (a ``cdk.json``
    value is :data:`PIPELINE_ONLY`, since the commit under review controls that file)."""

    @property
    def flag_names(self) -> tuple[str, ...]:
        return tuple(f.strip() for f in (self.flag or "").split("/") if f.strip())


def _row(key: str, type_: str, default: Any, description: str, parse: Callable[[Any], Any], *,
         env: str | None = None, flag: str | None = None, section: str = "gate", name: str = "",
         metavar: str = "VALUE", accumulate: bool = False, in_cdk_json: bool = True) -> Setting:
    snake = name or "".join("_" + c.lower() if c.isupper() else c for c in key.split(".")[-1])
    return Setting(key, type_, default, description, parse, env, flag, section, snake, metavar, accumulate,
                   in_cdk_json)


DEFAULT_REPORT_PATH = ".lpc-reports/validation-report.json"
MODES = ("auto", "online", "offline")
RETRY_MODES = ("adaptive", "standard", "legacy")

SETTINGS: tuple[Setting, ...] = (
    # -- the analysis backend (access_analyzer.settings) ----------------------------------------------------
    _row("mode", "`auto` \\| `online` \\| `offline`", "auto",
         "`offline`: the embedded analyzer; `online`: IAM Access Analyzer (fails if no credentials resolve); "
         "`auto`: online when AWS credentials resolve, else offline.",
         _choice(MODES), env="LEAST_PRIVILEGE_MODE", flag="--mode", section="backend",
         metavar="{auto,online,offline}"),
    _row("region", "string", None,
         "Region of the Access Analyzer endpoint (default: the AWS SDK's region, else us-east-1).",
         _optional_text, env="LEAST_PRIVILEGE_REGION", flag="--region", section="backend", metavar="REGION"),
    _row("profile", "string", None,
         "AWS named profile for the online backend (default: the SDK's credential chain).",
         _optional_text, env="LEAST_PRIVILEGE_PROFILE", flag="--profile", section="backend", metavar="PROFILE"),
    _row("cache", "boolean", True,
         "Cache results on disk by content hash (an unchanged app makes zero API calls).",
         _bool, env="LEAST_PRIVILEGE_CACHE", flag="--cache / --no-cache", section="backend"),
    _row("cacheOffline", "boolean", False,
         "Also cache the offline analyzer's answers on disk. Off by default: it recomputes a 300-role app in "
         "about 0.3 s, faster than writing and reading one cache file per answer.",
         _bool, env="LEAST_PRIVILEGE_CACHE_OFFLINE", flag="--cache-offline / --no-cache-offline", section="backend"),
    _row("cacheDir", "path", "~/.cache/least-privilege-constructs",
         "Cache directory (relative to the directory of cdk.json; never inside cdk.out). "
         "Default honours XDG_CACHE_HOME.",
         _optional_text, env="LEAST_PRIVILEGE_CACHE_DIR", flag="--cache-dir", section="backend", metavar="DIR"),
    _row("cacheMaxAgeHours", "number >= 0", 168.0,
         "Entries older than this are asked again (Access Analyzer's answers can change).",
         _float(0.0), env="LEAST_PRIVILEGE_CACHE_MAX_AGE_HOURS", flag="--cache-max-age-hours", section="backend",
         metavar="HOURS"),
    _row("maxConcurrency", "integer >= 1", 8,
         "At most this many Access Analyzer calls in flight (also the HTTP pool size).",
         _int(1), env="LEAST_PRIVILEGE_MAX_CONCURRENCY", flag="--max-concurrency", section="backend", metavar="N"),
    _row("retryMode", "`adaptive` \\| `standard` \\| `legacy`", "adaptive",
         "botocore retry mode: `adaptive` (client-side rate limiting) or `standard`.",
         _choice(RETRY_MODES), env="LEAST_PRIVILEGE_RETRY_MODE", flag="--retry-mode", section="backend",
         metavar="{adaptive,standard,legacy}"),
    _row("maxAttempts", "integer >= 1", 5,
         "botocore attempts per call (first try included) on throttling, 5xx and time-outs.",
         _int(1), env="LEAST_PRIVILEGE_MAX_ATTEMPTS", flag="--max-attempts", section="backend", metavar="N"),
    _row("throttleRetries", "integer >= 0", 4,
         "Further tries, with exponential back-off and jitter, of a call still throttled after botocore's retries.",
         _int(0), env="LEAST_PRIVILEGE_THROTTLE_RETRIES", flag="--throttle-retries", section="backend", metavar="N"),
    _row("connectTimeout", "number >= 0.1", 5.0, "Seconds to open a connection to Access Analyzer.",
         _float(0.1), env="LEAST_PRIVILEGE_CONNECT_TIMEOUT", flag="--connect-timeout", section="backend",
         metavar="SECONDS"),
    _row("readTimeout", "number >= 0.1", 30.0,
         "Seconds to wait for a response (a time-out is retried, then fails closed).",
         _float(0.1), env="LEAST_PRIVILEGE_READ_TIMEOUT", flag="--read-timeout", section="backend",
         metavar="SECONDS"),
    _row("credentialTimeout", "number >= 0.1", 1.0,
         "Seconds `auto` waits for the EC2/container metadata credential endpoints (one attempt).",
         _float(0.1), env="LEAST_PRIVILEGE_CREDENTIAL_TIMEOUT", flag="--credential-timeout", section="backend",
         metavar="SECONDS"),
    _row("maxPolicyChars", "integer >= 1", 262_144,
         "Longer documents are not sent; they get an ANALYSIS_FAILED finding.",
         _int(1), env="LEAST_PRIVILEGE_MAX_POLICY_CHARS", flag="--max-policy-chars", section="backend", metavar="N"),
    # -- the gate (analysis.gate) -------------------------------------------------------------------------
    _row("checks.validatePolicy", "boolean", True, "Run validate-policy on every policy.",
         _bool, env="LEAST_PRIVILEGE_CHECK_VALIDATE"),
    _row("checks.noNewAccess", "boolean", True,
         "Bounded roles' policies grant nothing beyond the reference: their boundary, or a policy file from "
         "`references`.", _bool, env="LEAST_PRIVILEGE_CHECK_NO_NEW"),
    _row("checks.accessNotGranted", "boolean", True,
         "`sensitiveActions` are not granted to roles outside `developerRolePaths`.",
         _bool, env="LEAST_PRIVILEGE_CHECK_NOT_GRANTED"),
    _row("checks.noPublicAccess", "boolean", True, "Resource policies are not public.",
         _bool, env="LEAST_PRIVILEGE_CHECK_PUBLIC"),
    _row("checks.escalation", "boolean", True, "The escalation analysis (paths B1–B15 and the classic ones).",
         _bool, env="LEAST_PRIVILEGE_CHECK_ESCALATION", flag="--no-escalation"),
    _row("treatAsBlocking", "finding types", ("ERROR", "SECURITY_WARNING"),
         "Finding types that fail synth (and make `lpc gate` exit 2); `NONE`: nothing blocks.",
         _finding_types, env="LEAST_PRIVILEGE_TREAT_AS_BLOCKING", flag="--treat-as-blocking", metavar="TYPES"),
    _row("ignoreFindings", "list of strings", (),
         "Findings to ignore: `CODE`, `RESOURCE` or `RESOURCE.CODE` (the flag adds to the list).",
         _strings(), env="LEAST_PRIVILEGE_IGNORE_FINDINGS", flag="--ignore-finding", accumulate=True),
    _row("allowExternalPrincipals", "list of strings", (),
         "Accounts, ARNs or identity providers resource and trust policies may name (the flag adds to the list).",
         _strings(), env="LEAST_PRIVILEGE_ALLOW_EXTERNAL_PRINCIPALS", flag="--allow-external-principals",
         accumulate=True),
    _row("sensitiveActions", "list of strings", "(built-in list)",
         "Actions for check-access-not-granted (default: permissions management, organization guardrails, "
         "data-perimeter breakers).", _strings(), env="LEAST_PRIVILEGE_SENSITIVE_ACTIONS"),
    _row("developerRolePaths", "list of strings", ("/developers/",),
         "Role paths exempt from check-access-not-granted.", _strings(), env="LEAST_PRIVILEGE_DEVELOPER_ROLE_PATHS"),
    _row("references", "list of objects", (),
         'Reference policies for check-no-new-access: `[{"scope": "Stack/Path", "policy": "ref.json"}]` (files '
         "relative to cdk.json).", _references),
    _row("escalationContext", "object", None,
         "What templates cannot show: existing unbounded roles, SCPs (docs/escalation.md).", _object),
    _row("exports", "object", {},
         "Values of `Fn::ImportValue` exports that no stack of the input defines (stacks deployed elsewhere), "
         '`{"SharedVpcId": "vpc-0abc"}`; without a value such an import fails closed (the flag adds '
         "`NAME=VALUE`).",
         _exports, env="LEAST_PRIVILEGE_EXPORTS", flag="--export", metavar="NAME=VALUE", accumulate=True),
    _row("managedPolicies.documents", "path", None,
         "Managed policy documents to use instead of (or beyond) the packaged AWS managed policy snapshot: "
         'a JSON object `{"arn": document}` or JSON lines `{"arn" or "name", "document"}` (relative to '
         "cdk.json).", _path, env="LEAST_PRIVILEGE_MANAGED_POLICIES"),
    _row("reportPath", "path", DEFAULT_REPORT_PATH,
         "The full JSON report of the gate (never inside cdk.out).",
         _path, env="LEAST_PRIVILEGE_REPORT_PATH"),
    _row("htmlReport", "boolean", True,
         "Also write a self-contained HTML report beside the JSON report (`reportPath` with `.html`): "
         "principals, boundaries, effective permissions, findings and the escalation graph.",
         _bool, env="LEAST_PRIVILEGE_HTML_REPORT", flag="--no-html-report"),
    # -- the nag pack (analysis.rules.config) --------------------------------------------------------------------------
    _row("boundaryName", "string", "lpc-developer-boundary", "Name of the approved permissions boundary policy.",
         _non_empty, env="LEAST_PRIVILEGE_BOUNDARY_NAME", section="nag"),
    _row("boundaryArn", "string", None,
         "ARN of the approved permissions boundary (wins over `boundaryName`; the account may be "
         "`${AWS::AccountId}`).", _non_empty, env="LEAST_PRIVILEGE_BOUNDARY_ARN", section="nag"),
    _row("applicationPath", "IAM path", "/app/", "IAM path of application roles.",
         _iam_path, env="LEAST_PRIVILEGE_APPLICATION_PATH", section="nag"),
    _row("kmsAdministrators", "list of strings", (),
         "Principal ARN patterns (`*` wildcards) allowed `kms:*` in key policies besides the account root.",
         _strings(), env="LEAST_PRIVILEGE_KMS_ADMINISTRATORS", section="nag"),
    _row("quotas.managedPolicySize", "integer >= 1", 6144, "IAM quota: managed policy size (characters).",
         _int(1), section="nag"),
    _row("quotas.roleInlineSize", "integer >= 1", 10240, "IAM quota: inline policies of a role (characters).",
         _int(1), section="nag"),
    _row("quotas.userInlineSize", "integer >= 1", 2048, "IAM quota: inline policies of a user (characters).",
         _int(1), section="nag"),
    _row("quotas.groupInlineSize", "integer >= 1", 5120, "IAM quota: inline policies of a group (characters).",
         _int(1), section="nag"),
    _row("quotas.trustPolicySize", "integer >= 1", 2048, "IAM quota: role trust policy size (characters).",
         _int(1), section="nag"),
    _row("quotas.managedPoliciesPerPrincipal", "integer >= 1", 10, "IAM quota: managed policies per principal.",
         _int(1), section="nag"),
    # -- template repositories (templates.catalog) ------------------------------------------------------------
    _row("templateRepositories", "list of paths", (),
         "Policy template repositories, `PATH` or `PATH#REF` (git ref), relative to cdk.json; the variable "
         "separates entries with the OS path separator.",
         _strings(os.pathsep), env="LEAST_PRIVILEGE_TEMPLATE_REPOSITORIES", flag="--repository",
         section="templates"),
    # -- the pipeline's own settings (analysis.settings_policy): never from cdk.json --------------------------
    _row("ci", "boolean", False,
         "Pipeline mode, set by `PolicyValidationStage` and the GitHub Action (never by cdk.json): the gate's "
         "settings are `platformSettings`, cdk.json may only tighten them (a weakening is a blocking "
         "`LPC-SETTINGS-WEAKENED` finding) and cannot set `mode`, `region`, `profile` or the cache's settings "
         "(an `LPC-SETTINGS-PLATFORM` note); without `cacheHmacKey` the disk cache is used only in a `cacheDir` "
         "the platform chose, outside the source tree.",
         _bool, env="LEAST_PRIVILEGE_CI", flag="--ci", section="pipeline", in_cdk_json=False),
    _row("platformSettings", "JSON object or path", None,
         "The platform team's `least-privilege` settings for `ci` mode: inline JSON, or a file (a `cdk.json` or "
         "a bare settings object) outside the repository; default: the library's defaults.",
         _optional_text, env="LEAST_PRIVILEGE_PLATFORM_SETTINGS", flag="--platform-settings", section="pipeline",
         metavar="JSON|FILE", in_cdk_json=False),
    _row("cacheHmacKey", "secret string", None,
         "Key of the HMAC-SHA256 every cache entry is written with and checked against (an entry without a valid "
         "one is ignored and reported); in `ci` mode it allows a cache inside the source tree. No flag: a secret "
         "never goes on a command line.",
         _optional_text, env="LEAST_PRIVILEGE_CACHE_HMAC_KEY", section="pipeline", in_cdk_json=False),
)

BY_KEY: Mapping[str, Setting] = MappingProxyType({s.key: s for s in SETTINGS})
GROUPS: frozenset[str] = frozenset(s.key.split(".")[0] for s in SETTINGS if "." in s.key)
"""Keys whose value is an object of settings (``checks``, ``quotas``)."""


# -- resolution ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ResolvedSettings:
    """Every setting's value (parsed; defaults included) and where it came from."""

    values: Mapping[str, Any]
    sources: Mapping[str, str]
    """Key -> source (``cdk.json context least-privilege.mode``, ``environment variable ...``, ``--mode``);
    keys at their default are absent."""
    base_dir: Path | None = None
    """The directory of ``cdk.json`` (relative paths in settings are resolved against it)."""
    origin: str = "cdk.json"
    """How the context is named in sources and errors (``cdk.json`` or the file's path)."""

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def source_of(self, key: str) -> str:
        return self.sources.get(key, "default")

    def is_set(self, key: str) -> bool:
        """Whether the value came from a source (not the default)."""
        return key in self.sources

    def section(self, name: str) -> dict[str, Any]:
        """``field -> value`` of the settings of one section (``backend``, ``gate``, ``nag``, ``templates``)."""
        return {s.field: self.values[s.key] for s in SETTINGS if s.section == name}

    def context_source(self, key: str) -> str:
        return f"{self.origin} context {CONTEXT_KEY}.{key}"


class _KeyedObject(dict[str, Any]):
    """A JSON object that remembers the keys it was given more than once (``json`` keeps the last)."""

    duplicates: frozenset[str] = frozenset()

    @classmethod
    def of(cls, pairs: list[tuple[str, Any]]) -> _KeyedObject:
        out = cls(pairs)
        if len(out) != len(pairs):
            keys = [k for k, _ in pairs]
            out.duplicates = frozenset(k for k in keys if keys.count(k) > 1)
        return out


def _reject_duplicates(value: Any, where: str) -> None:
    """A key given twice in the ``least-privilege`` object (at any depth) is an error: a second
    ``"mode"`` or ``"allowExternalPrincipals"`` would silently replace the first (fail open)."""
    if isinstance(value, _KeyedObject):
        if value.duplicates:
            key = sorted(value.duplicates)[0]
            raise SettingsError(INVALID_JSON, f"{where}.{key}", f"duplicate key {key!r} (JSON keeps the last silently)")
        for k, v in value.items():
            _reject_duplicates(v, f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _reject_duplicates(v, f"{where}[{i}]")


def read_cdk_json(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The ``least-privilege`` object of a ``cdk.json`` (``{}`` when the file has no such context)."""
    file = Path(path)
    try:
        with open(file, encoding="utf-8") as fh:
            data = json.load(fh, object_pairs_hook=_KeyedObject.of)
    except OSError as exc:
        raise SettingsError(CANNOT_READ, str(file), f"cannot read {file}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise SettingsError(INVALID_JSON, str(file), f"{file} is not valid JSON: {exc}") from None
    context = data.get("context", {}) if isinstance(data, dict) else {}
    if isinstance(context, _KeyedObject) and CONTEXT_KEY in context.duplicates:
        raise SettingsError(INVALID_JSON, f"{file} context {CONTEXT_KEY}",
                            f"duplicate key {CONTEXT_KEY!r} (JSON keeps the last silently)")
    value = context.get(CONTEXT_KEY, {}) if isinstance(context, dict) else {}
    _reject_duplicates(value, f"{file} context {CONTEXT_KEY}")
    if not isinstance(value, dict):
        raise SettingsError(NOT_AN_OBJECT, f"{file} context {CONTEXT_KEY}",
                            f"context '{CONTEXT_KEY}' must be an object, got {type(value).__name__}")
    return value


def resolve(
    context: Mapping[str, Any] | None = None,
    *,
    cdk_json: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    flags: Mapping[str, Any] | None = None,
    flag_names: Mapping[str, str] | None = None,
    base_dir: str | os.PathLike[str] | None = None,
    origin: str | None = None,
) -> ResolvedSettings:
    """Resolve every setting: defaults < ``context`` (the ``least-privilege`` object, or read from
    ``cdk_json``) < environment variables (``env``, default ``os.environ``; blank values are unset) <
    ``flags`` (keyed by setting key; ``None`` values are unset). ``flag_names`` names the flag a value came
    from when it differs from the table's (e.g. a constructor argument); ``origin`` names the context in sources
    and errors (default ``cdk.json``, or the file's path). Raises :class:`SettingsError`."""
    environment = os.environ if env is None else env
    origin = origin or "cdk.json"
    if context is None and cdk_json is not None:
        context = read_cdk_json(cdk_json)
        origin = str(cdk_json)
        base_dir = base_dir or Path(cdk_json).resolve().parent
    if context is None:
        context = {}
    if not isinstance(context, Mapping):
        raise SettingsError(NOT_AN_OBJECT, f"{origin} context {CONTEXT_KEY}",
                            f"context '{CONTEXT_KEY}' must be an object, got {type(context).__name__}")
    raw = _flatten(context, origin)
    for key in raw:
        if not BY_KEY[key].in_cdk_json:
            raise SettingsError(PIPELINE_ONLY, f"{origin} context {CONTEXT_KEY}.{key}",
                                "only the pipeline sets this (its environment variable or flag), never cdk.json: "
                                "the commit under review must not choose how it is checked")
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}

    def take(setting: Setting, value: Any, source: str) -> Any:
        try:
            return setting.parse(value)
        except _At as exc:
            raise SettingsError(INVALID_VALUE, source + exc.path, str(exc)) from None
        except ValueError as exc:
            raise SettingsError(INVALID_VALUE, source, f"invalid value {value!r} ({exc})") from None

    for setting in SETTINGS:
        value: Any = _default(setting)
        if setting.key in raw and raw[setting.key] is not None:
            source = f"{origin} context {CONTEXT_KEY}.{setting.key}"
            value, sources[setting.key] = take(setting, raw[setting.key], source), source
        if setting.env and environment.get(setting.env, "").strip():
            source = f"environment variable {setting.env}"
            value, sources[setting.key] = take(setting, environment[setting.env], source), source
        if flags and flags.get(setting.key) is not None:
            source = (flag_names or {}).get(setting.key) or (setting.flag_names[0] if setting.flag else setting.key)
            if setting.flag and " / " in setting.flag and not (flag_names or {}).get(setting.key):
                source = setting.flag.replace(" ", "")
            parsed = take(setting, flags[setting.key], source)
            value = (*value, *parsed) if setting.accumulate and isinstance(value, tuple) else parsed
            sources[setting.key] = source
        values[setting.key] = value
    unknown = set(flags or {}) - set(BY_KEY)
    if unknown:
        raise SettingsError(UNKNOWN_KEY, "flags", f"unknown setting(s): {', '.join(sorted(unknown))}")
    return ResolvedSettings(MappingProxyType(values), MappingProxyType(sources),
                            Path(base_dir) if base_dir is not None else None, origin)


def _default(setting: Setting) -> Any:
    if setting.key == "sensitiveActions":
        from least_privilege_constructs.analysis.gate import DEFAULT_SENSITIVE_ACTIONS

        return DEFAULT_SENSITIVE_ACTIONS
    if setting.key == "treatAsBlocking":
        return _finding_types(list(setting.default))
    if setting.key == "cacheDir":
        return None  # the resolved default honours XDG_CACHE_HOME (access_analyzer.cache.default_cache_dir)
    return setting.default


def _flatten(context: Mapping[str, Any], origin: str) -> dict[str, Any]:
    """``{"checks": {"escalation": false}}`` -> ``{"checks.escalation": false}``; unknown keys are errors."""
    out: dict[str, Any] = {}
    for key, value in context.items():
        key = str(key)
        if key in GROUPS:
            if value is None:
                continue
            if not isinstance(value, Mapping):
                raise SettingsError(NOT_AN_OBJECT, f"{origin} context {CONTEXT_KEY}.{key}",
                                    f"must be an object of settings, got {type(value).__name__}")
            for sub, sub_value in value.items():
                out[f"{key}.{sub}"] = sub_value
        else:
            out[key] = value
    unknown = sorted(set(out) - set(BY_KEY))
    if unknown:
        key = unknown[0]
        hint = difflib.get_close_matches(key, list(BY_KEY), n=1)
        raise SettingsError(UNKNOWN_KEY, f"{origin} context {CONTEXT_KEY}.{key}",
                            "unknown setting" + (f" (did you mean {hint[0]!r}?)" if hint else "")
                            + "; the settings are listed in the README's Configuration section")
    return out


def read_platform_settings(value: str | None, source: str) -> tuple[dict[str, Any], Path | None, str]:
    """The platform's ``least-privilege`` object from ``platformSettings``: inline JSON (``{...}``), or a file
    (a ``cdk.json``, or a bare settings object). Returns ``(context, base directory, origin)``; no value: the
    library's defaults (``{}``)."""
    if not value:
        return {}, None, "platform settings (defaults)"
    text = value.strip()
    if text.startswith("{"):
        try:
            data = json.loads(text, object_pairs_hook=_KeyedObject.of)
        except ValueError as exc:
            raise SettingsError(INVALID_JSON, source, f"the platform settings are not valid JSON: {exc}") from None
        base: Path | None = None
        origin = "platform settings"
    else:
        file = Path(text).expanduser()
        try:
            data = json.loads(file.read_text(encoding="utf-8"), object_pairs_hook=_KeyedObject.of)
        except OSError as exc:
            raise SettingsError(CANNOT_READ, source, f"cannot read the platform settings {file}: "
                                f"{exc.strerror or exc}") from None
        except ValueError as exc:
            raise SettingsError(INVALID_JSON, source, f"{file} is not valid JSON: {exc}") from None
        if isinstance(data, dict) and "context" in data:
            return read_cdk_json(file), file.resolve().parent, f"platform settings {file}"
        base, origin = file.resolve().parent, f"platform settings {file}"
    if isinstance(data, dict) and set(data) == {CONTEXT_KEY}:
        data = data[CONTEXT_KEY]
    _reject_duplicates(data, origin)
    if not isinstance(data, dict):
        raise SettingsError(NOT_AN_OBJECT, source, f"the platform settings must be a JSON object, got "
                            f"{type(data).__name__}")
    return dict(data), base, origin


def read_policy_file(path: Path, source: str) -> dict[str, Any]:
    """A policy document a setting names (a reference policy), or :class:`SettingsError` ``LPC-SETTINGS-006``."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SettingsError(BAD_FILE, source, f"cannot read reference policy {path}: {exc}") from None
    if not isinstance(document, dict):
        raise SettingsError(BAD_FILE, source, f"reference policy {path} must be a JSON object")
    return document


# -- documentation -------------------------------------------------------------------------------------------
def _default_text(setting: Setting) -> str:
    value = setting.default
    if value is None:
        return "—"
    if isinstance(value, str) and value.startswith("("):
        return value
    if isinstance(value, tuple):
        return "`" + json.dumps(list(value)) + "`"
    return f"`{json.dumps(value) if not isinstance(value, str) else value}`"


def settings_table_markdown(section: str | None = None) -> str:
    """The settings table (README, Configuration section), one row per setting of :data:`SETTINGS`."""
    rows = [
        "| `least-privilege` key | Type | Default | Environment variable | CLI flag | Meaning |",
        "|---|---|---|---|---|---|",
    ]
    for s in SETTINGS:
        if section is not None and s.section != section:
            continue
        flags = " ".join(f"`{f}`" for f in s.flag_names) or "—"
        env = f"`{s.env}`" if s.env else "—"
        rows.append(f"| `{s.key}` | {s.type} | {_default_text(s)} | {env} | {flags} | {s.description} |")
    return "\n".join(rows) + "\n"


def error_codes_markdown() -> str:
    """The settings error codes (README, Configuration section)."""
    rows = ["| Code | Meaning |", "|---|---|"]
    rows.extend(f"| `{code}` | {meaning} |" for code, meaning in ERROR_CODES.items())
    return "\n".join(rows) + "\n"


__all__ = [
    "BY_KEY",
    "CONTEXT_KEY",
    "ERROR_CODES",
    "SETTINGS",
    "ResolvedSettings",
    "Setting",
    "SettingsError",
    "error_codes_markdown",
    "read_cdk_json",
    "read_platform_settings",
    "read_policy_file",
    "resolve",
    "settings_table_markdown",
]
