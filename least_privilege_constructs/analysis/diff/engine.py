"""The semantic policy diff: what access NEW grants that OLD does not, per principal and resource policy.

Every comparison is by meaning (IAM Access Analyzer's *CheckNoNewAccess* semantics, decided offline by
the z3 engine of :mod:`least_privilege_constructs.analysis.reasoning`), never by text: statements split,
merged or reordered, and ``s3:Get*`` against the catalog's expanded list, are not changes.
https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_CheckNoNewAccess.html

What is compared (OLD and NEW are matched by stack and logical id, so the assemblies may live anywhere):

* each role, user and group: its identity policies together (inline and customer managed, a user's
  groups' too: *Policy evaluation logic*,
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html), managed
  policies attached by ARN, its permissions boundary (removed, replaced or widened:
  https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html) and its trust policy
  (widened, new principals, public: *Roles terms and concepts*,
  https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html);
* each resource-based policy, SCP and RCP: new access, new public access (Access Analyzer's
  *CheckNoPublicAccess*, https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_CheckNoPublicAccess.html).

Fail closed: an answer the engine cannot give (solver timeout, unsupported construct, a managed policy
attached by ARN whose document the input does not hold) is a broadening finding, never silence.

A wildcard also grants the actions AWS adds to the service later (the engine witnesses this with an
action name the catalog lacks). When NEW's extra access lies *only* in such future actions — the policies
are equivalent under today's IAM catalog — the diff reports a non-blocking ``FUTURE_ACTIONS`` note, not a
broadening.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from least_privilege_constructs.analysis.extract.model import (
    ExtractedPolicy,
    Extraction,
    PolicyKind,
    Principal,
    PrincipalKind,
)
from least_privilege_constructs.analysis.findings import (
    DEFAULT_BLOCKING,
    Finding,
    FindingType,
    PolicyOrigin,
    blocks,
    sort_findings,
)

VERSION = "2012-10-17"
CHECK = "diff"

BROADENING = FindingType.SECURITY_WARNING
"""The type of a broadening finding: blocking by default, so ``lpc diff`` exits 2."""
UNDETERMINED = FindingType.ERROR
NOTE = FindingType.SUGGESTION

CODES: dict[str, str] = {
    "NEW_ACCESS": "an identity (role, user, group), or an identity policy file, allows requests it did not before",
    "NEW_PRINCIPAL": "a role, user or group that did not exist, with the access its policies grant",
    "MANAGED_POLICY_ATTACHED": "a managed policy attached by ARN whose document the input does not hold",
    "BOUNDARY_REMOVED": "a permissions boundary was removed",
    "BOUNDARY_REPLACED": "a permissions boundary was replaced by another policy",
    "BOUNDARY_WIDENED": "the permissions boundary's document allows requests it did not allow before",
    "TRUST_WIDENED": "a role's trust policy lets callers assume it who could not before",
    "NEW_TRUSTED_PRINCIPAL": "a principal named in a role's trust policy that was not named before",
    "RESOURCE_POLICY_WIDENED": "a resource-based policy, SCP or RCP allows requests it did not allow before",
    "NEW_RESOURCE_POLICY": "a resource-based policy that did not exist",
    "NEW_PUBLIC_ACCESS": "a policy grants public access that it did not grant before",
    "DIFF_UNDETERMINED": "whether access was added could not be determined (fails closed)",
    "FUTURE_ACTIONS": "equivalent under today's IAM catalog; a wildcard now also covers actions AWS adds later",
    "BOUNDARY_ADDED": "a permissions boundary was added (narrowing)",
    "PRINCIPAL_REMOVED": "a role, user or group was removed (narrowing)",
    "ACKNOWLEDGMENT_ADDED": "a finding acknowledged (suppressed) by the change: its id, construct path and reason, "
                            "for review (not blocking; the pipeline asks for approval)",
    "ACKNOWLEDGMENT_APPLIES": "an acknowledgment (existing or new) whose scope covers a principal or policy the "
                              "change adds or changes: it suppresses that finding there too (for review, not "
                              "blocking; the pipeline asks for approval)",
    "LPC-SETTINGS-WEAKENED": "the repository's cdk.json weakens a setting the platform owns (pipeline mode): "
                             "blocking",
    "LPC-SETTINGS-PLATFORM": "the repository's cdk.json sets a value the platform owns in pipeline mode (backend, "
                             "cache): not applied (a note)",
}
"""Every issue code the diff emits, with what it means (SARIF rule descriptions, the README table)."""


@dataclass
class DiffOptions:
    timeout_ms: int = 10_000
    """Solver budget per comparison (Access Analyzer's checks are per pair of policies too)."""
    public_access: bool = True
    """Also run the no-public-access check on changed trust and resource policies."""


@dataclass
class PolicyDiff:
    """The outcome of :func:`diff_extractions`: findings (broadening, undetermined, notes) and counts."""

    findings: list[Finding] = field(default_factory=list)
    compared: dict[str, int] = field(default_factory=dict)
    """How many principals / resource policies / organization policies were compared, added, removed."""
    elapsed_ms: float = 0.0
    blocking: frozenset[FindingType] = DEFAULT_BLOCKING

    @property
    def broadening(self) -> list[Finding]:
        """The findings that block: new access, or an answer that could not be given."""
        return [f for f in self.findings if blocks(f, self.blocking)]

    @property
    def exit_code(self) -> int:
        """0 when nothing broadens, 2 when something does (or could not be decided)."""
        return 2 if self.broadening else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "broadening": bool(self.broadening),
            "exitCode": self.exit_code,
            "compared": dict(self.compared),
            "elapsedMs": round(self.elapsed_ms, 1),
            "findings": [f.to_dict() for f in self.findings],
        }


# ----------------------------------------------------------------------------------------------------
# matching OLD and NEW
# ----------------------------------------------------------------------------------------------------
def principal_key(p: Principal) -> tuple[str, ...]:
    """Identifies a principal across two inputs: kind, stack and logical id (not the file it was read from)."""
    if p.external:
        return (p.kind.value, "external", p.name)
    return (p.kind.value, p.stack or "", p.logical_id or p.name)


def policy_key(p: ExtractedPolicy) -> tuple[str, ...]:
    o = p.origin
    return (p.kind.value, o.stack or "", o.logical_id or "", o.json_path or "", o.policy_name or "")


def _empty() -> dict[str, Any]:
    return {"Version": VERSION, "Statement": []}


def _statements(document: Any) -> list[Any]:
    if not isinstance(document, dict):
        return []
    stmts = document.get("Statement", [])
    return list(stmts) if isinstance(stmts, list) else [stmts]


@dataclass
class _Combined:
    """Several policies as one document, with where each statement came from."""

    document: dict[str, Any]
    sources: list[tuple[ExtractedPolicy, int]]

    def source(self, index: int | None) -> tuple[ExtractedPolicy | None, int | None]:
        if index is None or not 0 <= index < len(self.sources):
            return None, None
        return self.sources[index]


def combine(policies: Iterable[ExtractedPolicy]) -> _Combined:
    """The union of identity policies (every Allow of any of them allows; every Deny denies), as one
    document: IAM evaluates a principal's identity-based policies together (*Policy evaluation logic*)."""
    statements: list[Any] = []
    sources: list[tuple[ExtractedPolicy, int]] = []
    for policy in policies:
        for i, stmt in enumerate(_statements(policy.document)):
            statements.append(stmt)
            sources.append((policy, i))
    return _Combined({"Version": VERSION, "Statement": statements}, sources)


# ----------------------------------------------------------------------------------------------------
# the comparisons
# ----------------------------------------------------------------------------------------------------
_ORIGINAL: dict[str, Any] = {}


def _check(name: str) -> Callable[..., Any]:
    if name not in _ORIGINAL:
        from least_privilege_constructs.analysis import reasoning

        _ORIGINAL[name] = getattr(reasoning, name)
    return _ORIGINAL[name]  # type: ignore[no-any-return]


def _catalog_only(document: Any) -> Any:
    """``document`` with every wildcard action pattern (other than ``*``) replaced by the catalog actions it
    matches today: what the policy grants if AWS never adds an action. Used only to tell a wildcard's future
    actions from access the policy grants now."""
    from least_privilege_constructs.analysis.catalog import get_catalog

    catalog = get_catalog()

    def expand(value: Any) -> Any:
        items = value if isinstance(value, list) else [value]
        out: list[Any] = []
        for item in items:
            if isinstance(item, str) and item != "*" and ("*" in item or "?" in item):
                out.extend(sorted(catalog.expand_action(item)) or [item])
            else:
                out.append(item)
        return out

    if not isinstance(document, dict):
        return document
    statements = []
    for stmt in _statements(document):
        if isinstance(stmt, dict):
            stmt = dict(stmt)
            for key in ("Action", "NotAction"):
                if key in stmt:
                    stmt[key] = expand(stmt[key])
        statements.append(stmt)
    return {**document, "Statement": statements}


@dataclass
class _Answer:
    verdict: str
    """``PASS``, ``FAIL``, ``FUTURE`` (new access only in actions the catalog lacks) or ``UNKNOWN``."""
    reasons: tuple[Any, ...] = ()
    message: str = ""


def no_new_access(new: Any, old: Any, policy_type: str, options: DiffOptions) -> _Answer:
    """CheckNoNewAccess(new, old), with FAIL split into real new access and future actions only."""
    from least_privilege_constructs.analysis.reasoning import PolicyError, Verdict

    check = _check("check_no_new_access")
    try:
        result = check(new, old, policy_type, timeout_ms=options.timeout_ms)
    except (PolicyError, ValueError, TypeError) as exc:
        return _Answer("UNKNOWN", message=f"the policy could not be analysed: {exc}")
    if result.verdict is Verdict.PASS:
        return _Answer("PASS")
    if result.verdict is Verdict.UNKNOWN:
        return _Answer("UNKNOWN", result.reasons, result.message)
    try:
        today = check(_catalog_only(new), _catalog_only(old), policy_type, timeout_ms=options.timeout_ms)
    except (PolicyError, ValueError, TypeError):
        return _Answer("FAIL", result.reasons, result.message)
    if today.verdict is Verdict.PASS:
        return _Answer("FUTURE", result.reasons, result.message)
    if today.verdict is Verdict.FAIL:
        return _Answer("FAIL", today.reasons, today.message)
    return _Answer("FAIL", result.reasons, result.message)


def is_public(document: Any, resource_type: str | None, options: DiffOptions) -> str:
    """``PASS`` (not public), ``FAIL`` (public), ``UNKNOWN``, or ``SKIP`` when Access Analyzer's
    CheckNoPublicAccess has no such resource type."""
    from least_privilege_constructs.analysis.reasoning import SUPPORTED_RESOURCE_TYPES, PolicyError

    if not resource_type or resource_type not in SUPPORTED_RESOURCE_TYPES:
        return "SKIP"
    try:
        result = _check("check_no_public_access")(document, resource_type, timeout_ms=options.timeout_ms)
    except (PolicyError, ValueError, TypeError):
        return "UNKNOWN"
    return str(result.verdict.value)


class _Differ:
    def __init__(self, old: Extraction, new: Extraction, options: DiffOptions) -> None:
        self.old, self.new, self.options = old, new, options
        self.findings: list[Finding] = []
        self.compared: dict[str, int] = {}

    def count(self, what: str) -> None:
        self.compared[what] = self.compared.get(what, 0) + 1

    def add(self, ftype: FindingType, code: str, message: str, origin: PolicyOrigin | None,
            locations: Sequence[Sequence[Any]] = (), **details: Any) -> None:
        self.findings.append(Finding(ftype, code, message, [list(x) for x in locations], origin, CHECK,
                                     details={k: v for k, v in details.items() if v not in (None, [], {}, "")}))

    # -- principals ----------------------------------------------------------------------------------
    def principals(self) -> None:
        old = {principal_key(p): p for p in self.old.principals}
        new = {principal_key(p): p for p in self.new.principals}
        for key, p in new.items():
            if key in old:
                self.count("principals")
                self.principal(old[key], p)
            else:
                self.count("principalsAdded")
                self.new_principal(p)
        for key, p in old.items():
            if key not in new:
                self.count("principalsRemoved")
                self.add(NOTE, "PRINCIPAL_REMOVED", f"The {p.kind.value} {p.label} was removed.", _origin_of(p))

    def new_principal(self, p: Principal) -> None:
        origin = _origin_of(p)
        policies = self.new.all_identity_policies(p)
        statements = sum(len(_statements(x.document)) for x in policies)
        trusted = sorted(trusted_principals(p.trust_policy.document)) if p.trust_policy else []
        what = f"{len(policies)} identity polic{'y' if len(policies) == 1 else 'ies'} ({statements} statements)"
        if p.managed_policy_arns:
            what += ", managed policies " + ", ".join(p.managed_policy_arns)
        self.add(BROADENING, "NEW_PRINCIPAL", f"New {p.kind.value} {p.label}: {what}"
                 + (f"; trusted: {', '.join(trusted)}" if trusted else "")
                 + (f"; boundary {p.boundary_arn}" if p.boundary_arn else
                    ("; no permissions boundary" if p.kind is not PrincipalKind.GROUP else "")) + ".",
                 origin, trustedPrincipals=trusted, boundary=p.boundary_arn,
                 managedPolicyArns=list(p.managed_policy_arns))
        if p.trust_policy is not None and self.options.public_access:
            verdict = is_public(p.trust_policy.document, "AWS::IAM::AssumeRolePolicyDocument", self.options)
            self._public(verdict, "PASS", p.trust_policy, f"the trust policy of the new role {p.label}")

    def principal(self, old: Principal, new: Principal) -> None:
        label = f"{new.kind.value} {new.label}"
        # identity policies together, then managed policies attached by ARN
        old_ids, new_ids = combine(self.old.all_identity_policies(old)), combine(self.new.all_identity_policies(new))
        answer = no_new_access(new_ids.document, old_ids.document, "IDENTITY_POLICY", self.options)
        self._answer(answer, "NEW_ACCESS", f"The {label} is allowed requests it was not allowed before",
                     lambda i: new_ids.source(i), _origin_of(new))
        old_arns = set(old.managed_policy_arns) | self._group_arns(self.old, old)
        new_arns = set(new.managed_policy_arns) | self._group_arns(self.new, new)
        for arn in sorted(new_arns - old_arns):
            self.add(BROADENING, "MANAGED_POLICY_ATTACHED",
                     f"The managed policy {arn} was attached to the {label}; its document is not in the input, "
                     "so the access it adds cannot be bounded.", _origin_of(new), policyArn=arn)
        if new.kind is not PrincipalKind.GROUP:
            self.boundary(old, new, label)
        if new.kind is PrincipalKind.ROLE:
            self.trust(old, new, label)

    def _group_arns(self, extraction: Extraction, p: Principal) -> set[str]:
        out: set[str] = set()
        if p.kind is PrincipalKind.USER:
            for key in p.groups:
                group = extraction.principal(key)
                if group is not None:
                    out |= set(group.managed_policy_arns)
        return out

    def boundary(self, old: Principal, new: Principal, label: str) -> None:
        origin = _origin_of(new)
        if old.boundary_arn and not new.boundary_arn:
            self.add(BROADENING, "BOUNDARY_REMOVED",
                     f"The permissions boundary {old.boundary_arn} was removed from the {label}: its identity "
                     "policies now take effect unbounded.", origin, oldBoundary=old.boundary_arn)
        elif not old.boundary_arn and new.boundary_arn:
            self.add(NOTE, "BOUNDARY_ADDED", f"The {label} now has the permissions boundary {new.boundary_arn}.",
                     origin, newBoundary=new.boundary_arn)
        elif old.boundary_arn and new.boundary_arn:
            same = _same_arn(old.boundary_arn, new.boundary_arn)
            old_doc = old.boundary.document if old.boundary else None
            new_doc = new.boundary.document if new.boundary else None
            if not same:
                wider = ""
                if old_doc is not None and new_doc is not None:
                    answer = no_new_access(new_doc, old_doc, "IDENTITY_POLICY", self.options)
                    wider = {"PASS": " (the new boundary allows nothing the old one did not)",
                             "FUTURE": " (equivalent under today's IAM catalog)",
                             "FAIL": " (the new boundary allows requests the old one did not)"}.get(
                                 answer.verdict, " (whether it is wider could not be determined)")
                else:
                    wider = " (the documents are not both in the input, so the change cannot be bounded)"
                self.add(BROADENING, "BOUNDARY_REPLACED",
                         f"The permissions boundary of the {label} was replaced: {old.boundary_arn} -> "
                         f"{new.boundary_arn}{wider}.", origin, oldBoundary=old.boundary_arn,
                         newBoundary=new.boundary_arn)
            elif old_doc is not None and new_doc is not None:
                answer = no_new_access(new_doc, old_doc, "IDENTITY_POLICY", self.options)
                boundary = new.boundary
                self._answer(answer, "BOUNDARY_WIDENED",
                             f"The permissions boundary {new.boundary_arn} of the {label} allows requests it did "
                             "not allow before", lambda i: (boundary, i),
                             boundary.origin if boundary else origin)
            elif old_doc is not None and new_doc is None:
                self.add(BROADENING, "BOUNDARY_REPLACED",
                         f"The permissions boundary {new.boundary_arn} of the {label} is no longer defined in the "
                         "input, so whether it was widened cannot be determined.", origin,
                         newBoundary=new.boundary_arn)

    def trust(self, old: Principal, new: Principal, label: str) -> None:
        old_doc = old.trust_policy.document if old.trust_policy else _empty()
        if new.trust_policy is None:
            return
        new_doc = new.trust_policy.document
        answer = no_new_access(new_doc, old_doc, "RESOURCE_POLICY", self.options)
        if answer.verdict in ("FAIL", "UNKNOWN"):
            added = sorted(trusted_principals(new_doc) - trusted_principals(old_doc))
            policy = new.trust_policy
            self._answer(answer, "TRUST_WIDENED", f"The trust policy of the {label} lets callers assume it who "
                         "could not before" + (f" (new principals: {', '.join(added)})" if added else
                                                " (conditions dropped or loosened)"),
                         lambda i: (policy, i), policy.origin, newPrincipals=added)
            for principal in added:
                self.add(BROADENING, "NEW_TRUSTED_PRINCIPAL",
                         f"The trust policy of the {label} names {principal}, which it did not name before.",
                         policy.origin, principal=principal)
        elif answer.verdict == "FUTURE":
            self._answer(answer, "TRUST_WIDENED", "", lambda i: (new.trust_policy, i), new.trust_policy.origin)
        if self.options.public_access and answer.verdict != "PASS":
            before = is_public(old_doc, "AWS::IAM::AssumeRolePolicyDocument", self.options)
            now = is_public(new_doc, "AWS::IAM::AssumeRolePolicyDocument", self.options)
            self._public(now, before, new.trust_policy, f"the trust policy of the {label}")

    # -- resource and organization policies ----------------------------------------------------------
    def resource_policies(self) -> None:
        kinds = (PolicyKind.RESOURCE, PolicyKind.SCP, PolicyKind.RCP, PolicyKind.DOCUMENT)
        old = {policy_key(p): p for p in self.old.of_kind(*kinds)}
        new = {policy_key(p): p for p in self.new.of_kind(*kinds)}
        if len(old) == 1 and len(new) == 1 and all(k[0] == PolicyKind.DOCUMENT.value for k in (*old, *new)):
            old = {k[:1]: v for k, v in old.items()}  # two policy files: compare them whatever their names
            new = {k[:1]: v for k, v in new.items()}
        for key, p in new.items():
            before = old.get(key)
            self.count("policies" if before is not None else "policiesAdded")
            label = f"{_kind_label(p)} {p.origin.label()}" + (f" ({p.name})" if p.origin.policy_name else "")
            answer = no_new_access(p.document, before.document if before else _empty(), p.policy_type.value,
                                   self.options)
            if before is None:
                if answer.verdict in ("PASS", "FUTURE"):
                    continue  # grants nothing (e.g. only denies)
                self.add(BROADENING, "NEW_RESOURCE_POLICY",
                         f"New {label}" + (f" on {', '.join(p.resources)}" if p.resources else "") + ".",
                         p.origin, resources=list(p.resources))
                if answer.verdict == "UNKNOWN":
                    self._answer(answer, "RESOURCE_POLICY_WIDENED", "", lambda i, p=p: (p, i), p.origin)  # type: ignore[misc]
            else:
                identity = p.kind is PolicyKind.DOCUMENT and p.policy_type.value == "IDENTITY_POLICY"
                self._answer(answer, "NEW_ACCESS" if identity else "RESOURCE_POLICY_WIDENED",
                             f"The {label} allows requests it did not allow before",
                             lambda i, p=p: (p, i), p.origin)  # type: ignore[misc]
            if self.options.public_access and p.kind is PolicyKind.RESOURCE and answer.verdict != "PASS":
                rtype = p.governed_resource_type
                was = is_public(before.document, rtype, self.options) if before is not None else "PASS"
                self._public(is_public(p.document, rtype, self.options), was, p, f"the {label}")
        for key in old:
            if key not in new:
                self.count("policiesRemoved")

    # -- shared --------------------------------------------------------------------------------------
    def _public(self, now: str, before: str, policy: ExtractedPolicy, what: str) -> None:
        if now == "FAIL" and before != "FAIL":
            self.add(BROADENING, "NEW_PUBLIC_ACCESS", f"{what[0].upper()}{what[1:]} grants public access.",
                     policy.origin)
        elif now == "UNKNOWN" and before != "FAIL":
            self.add(UNDETERMINED, "DIFF_UNDETERMINED",
                     f"Whether {what} grants public access could not be determined; failing closed.", policy.origin)

    def _answer(self, answer: _Answer, code: str, message: str,
                where: Callable[[int | None], tuple[ExtractedPolicy | None, int | None]],
                fallback: PolicyOrigin | None, **details: Any) -> None:
        if answer.verdict == "PASS":
            return
        if answer.verdict == "UNKNOWN":
            why = answer.message or "; ".join(r.description for r in answer.reasons)
            self.add(UNDETERMINED, "DIFF_UNDETERMINED", f"{message or 'A policy changed'}? {why}", fallback)
            return
        ftype, fcode = (BROADENING, code) if answer.verdict == "FAIL" else (NOTE, "FUTURE_ACTIONS")
        if answer.verdict == "FUTURE":
            message = (f"{(message + ': only') if message else 'Only'} through actions AWS may add later "
                       "(a wildcard replaced its expansion under today's catalog); equivalent today")
        reasons = answer.reasons or (None,)
        for reason in reasons:
            index = getattr(reason, "statement_index", None)
            policy, local = where(index)
            origin = policy.origin if policy is not None else fallback
            example = getattr(reason, "example", None)
            text = message + "."
            if example and answer.verdict == "FAIL":
                text += f" Example: {example.get('action')} on {example.get('resource')}."
            self.add(ftype, fcode, text, origin, [["Statement", local]] if local is not None else [],
                     statementId=getattr(reason, "statement_id", None), example=example if example else None,
                     **details)


def trusted_principals(document: Any) -> set[str]:
    """The principals the Allow statements of a trust (or resource) policy name, as ``Type:value``."""
    out: set[str] = set()
    for stmt in _statements(document):
        if not isinstance(stmt, dict) or stmt.get("Effect") != "Allow":
            continue
        principal = stmt.get("Principal")
        if principal == "*":
            out.add("*")
        elif isinstance(principal, dict):
            for kind, values in principal.items():
                for value in values if isinstance(values, list) else [values]:
                    out.add(f"{kind}:{value}")
        if "NotPrincipal" in stmt:
            out.add("NotPrincipal")
    return out


def _same_arn(a: str, b: str) -> bool:
    return a.replace("arn:aws-cn:", "arn:aws:").replace("arn:aws-us-gov:", "arn:aws:") == \
        b.replace("arn:aws-cn:", "arn:aws:").replace("arn:aws-us-gov:", "arn:aws:")


def _kind_label(p: ExtractedPolicy) -> str:
    return {PolicyKind.SCP: "SCP", PolicyKind.RCP: "RCP", PolicyKind.DOCUMENT: "policy"}.get(
        p.kind, f"{p.governed_resource_type or p.cfn_type or 'resource'} policy")


def _origin_of(p: Principal) -> PolicyOrigin:
    if p.trust_policy is not None:
        return PolicyOrigin(source=p.trust_policy.origin.source, stack=p.stack, logical_id=p.logical_id,
                            construct_path=p.construct_path,
                            json_path=f"Resources.{p.logical_id}" if p.logical_id else None,
                            location=p.trust_policy.origin.location)
    return PolicyOrigin(source=p.source, stack=p.stack, logical_id=p.logical_id, construct_path=p.construct_path,
                        json_path=f"Resources.{p.logical_id}" if p.logical_id else None)


def _extraction_problems(old: Extraction, new: Extraction) -> list[Finding]:
    """NEW's extraction findings that OLD did not have (a policy that cannot be read cannot be compared)."""
    seen = {(f.issue_code, f.origin.stack if f.origin else None, f.origin.logical_id if f.origin else None,
             f.origin.json_path if f.origin else None) for f in old.findings}
    return [f for f in new.findings
            if (f.issue_code, f.origin.stack if f.origin else None, f.origin.logical_id if f.origin else None,
                f.origin.json_path if f.origin else None) not in seen]


def diff_extractions(old: Extraction, new: Extraction, options: DiffOptions | None = None) -> PolicyDiff:
    """Compare two extractions (see :func:`least_privilege_constructs.analysis.extract.extract_policies`)."""
    start = time.perf_counter()
    differ = _Differ(old, new, options or DiffOptions())
    differ.principals()
    differ.resource_policies()
    findings = _extraction_problems(old, new) + differ.findings
    return PolicyDiff(sort_findings(findings), differ.compared, (time.perf_counter() - start) * 1000.0)


def diff_paths(old: Sequence[str], new: Sequence[str], options: DiffOptions | None = None) -> PolicyDiff:
    """Compare the policies of two cloud assemblies, templates or policy files (each a list of paths).

    Example::

        >>> import json, pathlib, tempfile
        >>> d = pathlib.Path(tempfile.mkdtemp())
        >>> def role(actions):
        ...     return {"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {
        ...         "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
        ...             "Principal": {"Service": "lambda.amazonaws.com"}}]},
        ...         "Policies": [{"PolicyName": "p", "PolicyDocument": {"Statement": [
        ...             {"Effect": "Allow", "Action": actions, "Resource": "*"}]}}]}}}}
        >>> _ = (d / "old").mkdir(), (d / "new").mkdir()
        >>> _ = (d / "old/app.json").write_text(json.dumps(role("s3:GetObject")))
        >>> _ = (d / "new/app.json").write_text(json.dumps(role(["s3:GetObject", "s3:PutObject"])))
        >>> result = diff_paths([str(d / "old/app.json")], [str(d / "new/app.json")])
        >>> result.exit_code, [f.issue_code for f in result.broadening]
        (2, ['NEW_ACCESS'])
    """
    from least_privilege_constructs.analysis.extract import extract_policies

    return diff_extractions(extract_policies(list(old)), extract_policies(list(new)), options)
