"""The registry of offline ValidatePolicy checks and the context they run in.

Every check module declares the Access Analyzer issue codes it reproduces with :func:`check`; a check is a
function ``(ctx) -> None`` that calls :meth:`Context.emit`. Codes that are *not* reproduced are declared
with :func:`unsupported` and a reason, so the documentation lists every code either way.

Example::

    @check(
        "EMPTY_SID_VALUE", FindingType.SUGGESTION, family="syntax",
        title="Empty Sid value",
        short="The Sid element is an empty string.",
        long="An empty Sid identifies nothing; remove it or give it a value.",
    )
    def empty_sid(ctx: Context) -> None:
        for st in ctx.statements:
            if st.sid == "":
                ctx.emit("EMPTY_SID_VALUE", "Add a value to the empty string in the Sid element.",
                         [st.element_path("Sid")])
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from least_privilege_constructs.analysis.catalog import Catalog, get_catalog
from least_privilege_constructs.analysis.findings import Finding, FindingType, JsonPath, PolicyType
from least_privilege_constructs.analysis.model import PolicyDocument, Statement

LEARN_MORE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html"

TRUST_POLICY = "AWS::IAM::AssumeRolePolicyDocument"

RESOURCE_TYPES = (
    "AWS::S3::Bucket",
    "AWS::S3::AccessPoint",
    "AWS::S3::MultiRegionAccessPoint",
    "AWS::S3ObjectLambda::AccessPoint",
    "AWS::S3Express::DirectoryBucket",
    "AWS::S3Express::AccessPoint",
    "AWS::S3Tables::TableBucket",
    "AWS::S3Tables::Table",
    "AWS::IAM::AssumeRolePolicyDocument",
    "AWS::DynamoDB::Table",
    "AWS::DynamoDB::Stream",
)
"""Access Analyzer's ``validatePolicyResourceType`` values. ``validate_policy`` accepts any resource type
string (resource policies of other services are validated as generic resource policies); only the role
trust policy type changes which checks run."""


@dataclass(frozen=True)
class CodeSpec:
    """One Access Analyzer issue code: its finding type and documentation."""

    code: str
    finding_type: FindingType
    title: str
    short: str
    long: str
    family: str
    policy_types: frozenset[PolicyType] | None = None
    """Policy types the check runs for (None: all)."""
    supported: bool = True
    reason: str = ""
    """For an unsupported code: why it is not reproduced offline."""
    offline_only: bool = False
    """A code of this analyzer that Access Analyzer does not have (excluded from agreement measurements)."""


@dataclass(frozen=True)
class Check:
    """A check function and the codes it may emit."""

    name: str
    family: str
    codes: tuple[str, ...]
    func: Callable[[Context], None]


_CODES: dict[str, CodeSpec] = {}
_CHECKS: list[Check] = []


def check(
    code: str,
    finding_type: FindingType,
    *,
    family: str,
    title: str,
    short: str,
    long: str,
    policy_types: Iterable[PolicyType] | None = None,
    also: Sequence[CodeSpec] = (),
) -> Callable[[Callable[[Context], None]], Callable[[Context], None]]:
    """Register a check function producing ``code`` (and the codes in ``also``)."""

    def deco(func: Callable[[Context], None]) -> Callable[[Context], None]:
        spec = CodeSpec(
            code,
            finding_type,
            title,
            short,
            long,
            family,
            frozenset(policy_types) if policy_types is not None else None,
        )
        specs = [spec, *also]
        for s in specs:
            if s.code in _CODES and _CODES[s.code].supported:
                raise ValueError(f"issue code {s.code} registered twice")
            _CODES[s.code] = s
        _CHECKS.append(Check(func.__name__, family, tuple(s.code for s in specs), func))
        return func

    return deco


def code(
    code: str,
    finding_type: FindingType,
    *,
    family: str,
    title: str,
    short: str,
    long: str,
    policy_types: Iterable[PolicyType] | None = None,
    offline_only: bool = False,
) -> CodeSpec:
    """A further code emitted by a check (pass in ``also=`` of :func:`check`)."""
    return CodeSpec(
        code,
        finding_type,
        title,
        short,
        long,
        family,
        frozenset(policy_types) if policy_types is not None else None,
        offline_only=offline_only,
    )


def declare(spec: CodeSpec) -> CodeSpec:
    """Declare a code emitted by the engine itself rather than by a check function."""
    _CODES[spec.code] = spec
    return spec


def unsupported(code: str, finding_type: FindingType, *, family: str, title: str, reason: str) -> None:
    """Declare an Access Analyzer code that the offline checks do not reproduce, and why."""
    if code not in _CODES:
        _CODES[code] = CodeSpec(code, finding_type, title, "", "", family, None, False, reason)


def codes() -> dict[str, CodeSpec]:
    """Every declared code (supported or not), by code."""
    _load_all()
    return dict(_CODES)


def checks() -> list[Check]:
    _load_all()
    return list(_CHECKS)


def plan() -> list[tuple[Check, frozenset[PolicyType] | None]]:
    """Every check with the policy types it runs for (None: all), computed once."""
    global _PLAN
    if _PLAN is None:
        _load_all()
        _PLAN = [(c, _CODES[c.codes[0]].policy_types) for c in _CHECKS]
    return _PLAN


_PLAN: list[tuple[Check, frozenset[PolicyType] | None]] | None = None


_LOADED = False


def _load_all() -> None:
    global _LOADED
    if _LOADED:
        return
    import importlib

    importlib.import_module("least_privilege_constructs.analysis.validate.checks")
    _LOADED = True


@dataclass
class Context:
    """What a check sees: the parsed document, the policy type, the catalog, and the sink for findings."""

    doc: PolicyDocument
    policy_type: PolicyType
    resource_type: str | None
    catalog: Catalog = field(default_factory=get_catalog)
    findings: list[Finding] = field(default_factory=list)
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def statements(self) -> list[Statement]:
        return self.doc.statements

    @property
    def object_statements(self) -> list[Statement]:
        """Statements that are JSON objects (the others get a DATA_TYPE_MISMATCH and nothing else)."""
        memo = self.cache.get("object_statements")
        if memo is None:
            memo = self.cache["object_statements"] = [s for s in self.doc.statements if s.is_object]
        return memo  # type: ignore[no-any-return]

    @property
    def text(self) -> str:
        """The document as JSON text (the source text when given as text), computed once."""
        memo = self.cache.get("text")
        if memo is None:
            memo = self.cache["text"] = self.doc.text if self.doc.text is not None else self.doc.minified()
        return memo  # type: ignore[no-any-return]

    @property
    def is_identity(self) -> bool:
        return self.policy_type is PolicyType.IDENTITY_POLICY

    @property
    def is_resource(self) -> bool:
        return self.policy_type is PolicyType.RESOURCE_POLICY

    @property
    def is_trust(self) -> bool:
        return self.is_resource and self.resource_type == TRUST_POLICY

    @property
    def is_scp(self) -> bool:
        return self.policy_type is PolicyType.SERVICE_CONTROL_POLICY

    @property
    def is_rcp(self) -> bool:
        return self.policy_type is PolicyType.RESOURCE_CONTROL_POLICY

    @property
    def is_org_policy(self) -> bool:
        return self.is_scp or self.is_rcp

    def emit(
        self,
        issue_code: str,
        message: str,
        locations: Sequence[JsonPath] = (),
        **details: Any,
    ) -> None:
        spec = _CODES[issue_code]
        self.findings.append(
            Finding(
                finding_type=spec.finding_type,
                issue_code=issue_code,
                message=message,
                locations=[list(p) for p in locations],
                learn_more_link=f"{LEARN_MORE}#access-analyzer-reference-policy-checks-" + _anchor(spec),
                details={k: v for k, v in details.items() if v is not None},
            )
        )


def _anchor(spec: CodeSpec) -> str:
    kind = {
        FindingType.ERROR: "error",
        FindingType.SECURITY_WARNING: "security-warning",
        FindingType.WARNING: "general-warning",
        FindingType.SUGGESTION: "suggestion",
    }[spec.finding_type]
    return f"{kind}-{spec.title.lower().replace(' ', '-')}"
