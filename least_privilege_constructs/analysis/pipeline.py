"""The validation pipeline shared by ``lpc validate`` and the synth-time plugin.

:func:`validate_extraction` validates every extracted policy (``validate_policy`` offline by default,
any backend through ``ValidationOptions.validator``), checks resource and trust policies for external
principals (as cfn-policy-validator's access previews do), keeps extraction problems as findings, and
applies cfn-policy-validator's filters (``--ignore-finding``, ``--exclude-resource-types``,
``--allow-external-principals``, ``--treat-as-blocking``).

    >>> from least_privilege_constructs.analysis.extract import extract_policies
    >>> run = validate_extraction(extract_policies(["cdk.out"]), ValidationOptions())   # doctest: +SKIP
    >>> run.exit_code                                                                    # doctest: +SKIP
    0
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from least_privilege_constructs.analysis.findings import (
    DEFAULT_BLOCKING,
    Finding,
    FindingType,
    JsonPath,
    PolicyType,
    blocks,
    sort_findings,
)
from least_privilege_constructs.analysis.iam.arn import account_of, is_account_id
from least_privilege_constructs.analysis.iam.condition_keys import value_restricts

if TYPE_CHECKING:
    from least_privilege_constructs.analysis.extract.extractor import ExtractionOptions
    from least_privilege_constructs.analysis.extract.model import ExtractedPolicy, Extraction

Validator = Callable[[Any, str, "str | None"], list[Finding]]
"""``(document, policy_type, resource_type) -> findings`` — the shape of ``validate_policy``."""
Progress = Callable[[int, int, "ExtractedPolicy"], None]
"""``(done, total, policy)`` called after each policy."""

EXIT_CLEAN = 0
EXIT_ERROR = 1
EXIT_BLOCKING = 2


def parse_blocking(value: str | Iterable[str | FindingType] | None) -> frozenset[FindingType]:
    """``"ERROR,SECURITY_WARNING"`` (or a list) -> finding types; ``"NONE"`` -> nothing blocks."""
    if value is None:
        return DEFAULT_BLOCKING
    items = value.split(",") if isinstance(value, str) else [str(v) for v in value]
    out: set[FindingType] = set()
    for item in (i.strip().upper() for i in items):
        if not item:
            continue
        if item == "NONE":
            return frozenset()
        try:
            out.add(FindingType(item))
        except ValueError:
            choices = ", ".join(t.value for t in FindingType)
            raise ValueError(f"unknown finding type {item!r} in --treat-as-blocking; expected {choices} or NONE") from None
    return frozenset(out)


def split_list(values: Iterable[str] | None) -> tuple[str, ...]:
    """Flatten repeated and comma-separated option values: ``["A,B", "C"]`` -> ``("A", "B", "C")``."""
    out: list[str] = []
    for value in values or ():
        out.extend(v.strip() for v in str(value).split(",") if v.strip())
    return tuple(out)


@dataclass
class ValidationOptions:
    """What to check and how to filter. Field names follow cfn-policy-validator's flags."""

    treat_as_blocking: frozenset[FindingType] = DEFAULT_BLOCKING
    ignore_findings: tuple[str, ...] = ()
    """``CODE``, ``RESOURCE`` (logical id, policy name, construct path or stack/logical id) or
    ``RESOURCE.CODE``."""
    exclude_resource_types: tuple[str, ...] = ()
    """CloudFormation types; matches the resource carrying the policy and the resource it protects."""
    allow_external_principals: tuple[str, ...] = ()
    """Account ids, ARNs, federated providers or ``*`` that resource/trust policies may grant to."""
    check_external_principals: bool = True
    validator: Validator | None = None
    """Defaults to the offline ``validate_policy``."""


@dataclass
class ValidationRun:
    """The outcome of :func:`validate_extraction`."""

    extraction: Extraction
    options: ValidationOptions
    findings: list[Finding] = field(default_factory=list)
    """Reported findings (after filters), most severe first."""
    ignored: list[Finding] = field(default_factory=list)
    checked: list[ExtractedPolicy] = field(default_factory=list)
    excluded: list[ExtractedPolicy] = field(default_factory=list)

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if blocks(f, self.options.treat_as_blocking)]

    @property
    def exit_code(self) -> int:
        return EXIT_BLOCKING if self.blocking else EXIT_CLEAN


def _default_validator() -> Validator:
    from least_privilege_constructs.analysis.validate import validate_policy

    return validate_policy  # type: ignore[no-any-return]


def _under(location: Sequence[Any], prefix: Sequence[Any]) -> bool:
    return list(location[: len(prefix)]) == list(prefix)


def validate_policy_of(policy: ExtractedPolicy, validator: Validator,
                       cache: dict[str, list[Finding]] | None = None) -> list[Finding]:
    """Validate one extracted policy; findings carry its origin. A validator failure is a finding.

    ``cache`` (document, policy type and resource type -> findings) skips documents already validated:
    CDK apps repeat the same trust policies and grants many times."""
    key = None
    if cache is not None:
        try:
            key = json.dumps([policy.document, policy.policy_type.value, policy.resource_type], sort_keys=True)
        except (TypeError, ValueError, RecursionError):
            key = None
    try:
        if key is not None and cache is not None and key in cache:
            raw = cache[key]
        else:
            raw = _with_spans(policy.document,
                              validator(policy.document, policy.policy_type.value, policy.resource_type))
            if key is not None and cache is not None:
                cache[key] = raw
    except Exception as exc:  # fail closed: a check that could not run blocks
        return [Finding(FindingType.ERROR, "ANALYSIS_FAILED",
                        f"validate-policy could not analyse this policy: {exc!r}", origin=policy.origin,
                        check="analysis")]
    out = []
    for finding in raw:
        if policy.unresolved and finding.locations and all(
            any(_under(loc, u) for u in policy.unresolved) for loc in finding.locations
        ):
            continue  # an artefact of an unresolved value, already reported by extraction
        out.append(finding.with_origin(policy.origin))
    return out


def _with_spans(document: Any, findings: list[Finding]) -> list[Finding]:
    """Give validate-policy findings without spans the spans Access Analyzer reports for this document when
    it is sent as ``json.dumps(document)`` (what cfn-policy-validator sends), so that a report's ``details``
    is the raw ValidatePolicy finding (``locations[]`` with ``path`` and ``span``)."""
    from least_privilege_constructs.analysis.model.spans import find_span

    if not any(f.check == "validate-policy" and f.locations and "spans" not in f.details for f in findings):
        return findings
    try:
        text = json.dumps(document)
    except (TypeError, ValueError, RecursionError):
        return findings
    memo: dict[Any, Any] = {}
    out = []
    for f in findings:
        if f.check == "validate-policy" and f.locations and "spans" not in f.details:
            spans = [find_span(text, list(path), f.details.get("key"), memo) for path in f.locations]
            f = replace(f, details={**f.details, "spans": [s.to_dict() if s else {} for s in spans]})
        out.append(f)
    return out


def validate_extraction(extraction: Extraction, options: ValidationOptions | None = None,
                        progress: Progress | None = None) -> ValidationRun:
    """Validate every policy of an extraction; see the module docstring."""
    options = options or ValidationOptions()
    run = ValidationRun(extraction, options)
    validator = options.validator or _default_validator()
    excluded_types = {t.strip() for t in options.exclude_resource_types}
    raw: list[Finding] = [f for f in extraction.findings if not _excluded_origin(f, extraction, excluded_types)]
    total = len(extraction.policies)
    cache: dict[str, list[Finding]] = {}
    for done, policy in enumerate(extraction.policies, start=1):
        if excluded_types and ({policy.cfn_type, policy.governed_resource_type} & excluded_types):
            run.excluded.append(policy)
        else:
            run.checked.append(policy)
            raw.extend(validate_policy_of(policy, validator, cache))
            if options.check_external_principals:
                raw.extend(external_principal_findings(policy, options.allow_external_principals))
        if progress is not None:
            progress(done, total, policy)
    for finding in raw:
        (run.ignored if is_ignored(finding, options.ignore_findings) else run.findings).append(finding)
    run.findings = sort_findings(run.findings)
    return run


def validate_paths(paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str],
                   options: ValidationOptions | None = None, extraction_options: ExtractionOptions | None = None,
                   progress: Progress | None = None) -> ValidationRun:
    """Extract and validate in one call (what ``lpc validate`` and the synth-time plugin run)."""
    from least_privilege_constructs.analysis.extract import extract_policies

    return validate_extraction(extract_policies(paths, extraction_options), options, progress)


def run_validation(extraction: Extraction, options: ValidationOptions | None = None,
                   progress: Progress | None = None) -> list[Finding]:
    """The findings of :func:`validate_extraction` (after filters), most severe first."""
    return validate_extraction(extraction, options, progress).findings


def _excluded_origin(finding: Finding, extraction: Extraction, excluded: set[str]) -> bool:
    if not excluded or finding.origin is None or finding.origin.logical_id is None:
        return False
    for policy in extraction.policies:
        if (policy.origin.source, policy.origin.stack, policy.origin.logical_id) == (
            finding.origin.source, finding.origin.stack, finding.origin.logical_id
        ):
            return bool({policy.cfn_type, policy.governed_resource_type} & excluded)
    return False


def is_ignored(finding: Finding, patterns: Iterable[str]) -> bool:
    """cfn-policy-validator's ``--ignore-finding``: ``CODE``, ``RESOURCE`` or ``RESOURCE.CODE``.

    A resource matches by logical id, policy name, construct path (or a construct path prefix ending at
    a ``/``), or ``stack/logicalId``.
    """
    for pattern in patterns:
        if pattern == finding.issue_code or _resource_matches(finding, pattern):
            return True
        resource, dot, code = pattern.rpartition(".")
        if dot and code == finding.issue_code and _resource_matches(finding, resource):
            return True
    return False


def _resource_matches(finding: Finding, name: str) -> bool:
    origin = finding.origin
    if origin is None or not name:
        return False
    candidates = {origin.logical_id, origin.policy_name, origin.construct_path}
    if origin.stack and origin.logical_id:
        candidates.add(f"{origin.stack}/{origin.logical_id}")
    if name in candidates:
        return True
    path = origin.construct_path or ""
    return bool(path) and path.startswith(name.rstrip("/") + "/")


# --- external principals (offline counterpart of cfn-policy-validator's access previews) ----------------------

_RESTRICTING_KEYS = {
    "aws:principalaccount", "aws:sourceaccount", "aws:principalorgid", "aws:principalorgpaths",
    "aws:sourceorgid", "aws:sourceorgpaths", "aws:principalarn", "aws:sourcearn", "aws:sourceowner",
    "aws:sourcevpc", "aws:sourcevpce", "kms:calleraccount", "aws:userid", "aws:principalservicename",
}
_ORG_KEYS = {"aws:principalorgid", "aws:principalorgpaths", "aws:sourceorgid", "aws:sourceorgpaths"}
_VPC_KEYS = {"aws:sourcevpc", "aws:sourcevpce", "aws:principalservicename"}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _restricting_values(condition: Any) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    if not isinstance(condition, dict):
        return out
    for operator, block in condition.items():
        op = str(operator)
        if "Not" in op or op.endswith("IfExists") or not isinstance(block, dict):
            continue
        if not (op.startswith("String") or op.startswith("Arn")):
            continue
        for key, values in block.items():
            if str(key).lower() in _RESTRICTING_KEYS:
                # o-*, vpce-*, a wildcard account, the caller's own ${aws:PrincipalOrgID} ... restrict nothing
                # (analysis.iam.condition_keys)
                kept = [str(v) for v in _as_list(values) if value_restricts(str(key), str(v))]
                if kept:
                    out.setdefault(str(key).lower(), []).extend(kept)
    return out


def _account_of(value: str) -> str | None:
    """The literal account of a principal or condition value (an account id, or an ARN's 12-digit or
    ``aws`` account field); None for anything else (wildcards, tokens: treated as external)."""
    if is_account_id(value):
        return value
    account = account_of(value)
    return account if account is not None and (is_account_id(account) or account == "aws") else None


def _allowed(value: str, allowed: Sequence[str]) -> bool:
    if value in allowed:
        return True
    account = _account_of(value)
    if account and account in allowed:
        return True
    for marker in ("oidc-provider/", "saml-provider/"):
        if marker in value and value.split(marker, 1)[1] in allowed:
            return True
    return False


def external_principal_findings(policy: ExtractedPolicy, allowed: Sequence[str] = ()) -> list[Finding]:
    """SECURITY_WARNING ``EXTERNAL_PRINCIPAL`` for each Allow statement of a resource or trust policy that
    grants access outside the policy's account (another account, a federated identity, or anyone)
    without a condition restricting it to the account or organization."""
    if policy.policy_type is not PolicyType.RESOURCE_POLICY or not isinstance(policy.document, dict):
        return []
    own = policy.account
    statements = policy.document.get("Statement")
    listed = isinstance(statements, list)
    out: list[Finding] = []
    for index, statement in enumerate(_as_list(statements)):
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        loc: JsonPath = ["Statement", index] if listed else ["Statement"]
        externals: list[str] = []
        if "NotPrincipal" in statement:
            externals.append("*")
        principal = statement.get("Principal")
        if principal == "*":
            externals.append("*")
        elif isinstance(principal, dict):
            for kind, values in principal.items():
                for value in _as_list(values):
                    text = str(value)
                    if kind == "AWS":
                        account = _account_of(text)
                        if text == "*" or account is None or (account != own and account != "aws"):
                            externals.append(text)
                    elif kind in ("Federated", "CanonicalUser"):
                        externals.append(text)
        if not externals:
            continue
        restrictions = _restricting_values(statement.get("Condition"))
        if restrictions:
            if any(k in _ORG_KEYS or k in _VPC_KEYS for k in restrictions):
                continue
            values = [v for vs in restrictions.values() for v in vs]
            accounts = {_account_of(v) for v in values}
            if own is not None and accounts == {own}:
                continue
            if "*" in externals:
                externals = [v for v in values if (_account_of(v) or v) != own] or externals
        reported = [e for e in dict.fromkeys(externals) if not _allowed(e, allowed)]
        if not reported:
            continue
        who = "anyone (public access)" if reported == ["*"] else ", ".join(reported)
        out.append(Finding(
            FindingType.SECURITY_WARNING, "EXTERNAL_PRINCIPAL",
            f"The statement grants access to principals outside account {own or '(unknown)'}: {who}. If intended, "
            "list them in the allowExternalPrincipals setting (cdk.json context least-privilege, "
            "LEAST_PRIVILEGE_ALLOW_EXTERNAL_PRINCIPALS, lpc --allow-external-principals) or acknowledge the "
            "finding with a reason.",
            locations=[[*loc, "Principal" if "Principal" in statement else "NotPrincipal"]],
            origin=policy.origin, check="external-access", details={"principals": reported}))
    return out
