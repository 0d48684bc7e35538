"""Resource ARNs of one CloudTrail event for one IAM action.

In order of trust, for each resource type the IAM catalog lists for the action:

1. the event's ``resources[]`` entries whose ARN matches the type's ARN format (CloudTrail record
   reference, ``resources``: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html);
2. ARN-valued request/response parameters matching the format (``topicArn``, ``FunctionName`` given as an
   ARN ...);
3. the catalog's ARN format filled from request and response parameters, the event's region (partition
   from botocore's endpoint data) and account. A variable no parameter gives becomes ``*`` in that
   segment only, and is reported; no ``${...}`` ever reaches the output.

Matching ARNs against formats uses the IAM semantics core (:func:`~least_privilege_constructs.analysis.iam.arn_matches`).

Example::

    >>> from least_privilege_constructs.analysis.catalog import get_catalog
    >>> event = {"awsRegion": "eu-west-1", "recipientAccountId": "111122223333",
    ...          "requestParameters": {"bucketName": "media", "key": "in/a.png"}}
    >>> [r.arn for r in resources_for(get_catalog().action("s3:GetObject"), event)]
    ['arn:aws:s3:::media/in/a.png']
    >>> [(r.arn, r.unresolved) for r in resources_for(get_catalog().action("s3:GetObject"),
    ...                                               {**event, "requestParameters": {"bucketName": "media"}})]
    [('arn:aws:s3:::media/*', ('ObjectName',))]
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from least_privilege_constructs.analysis.catalog import ActionInfo, get_catalog
from least_privilege_constructs.analysis.iam.arn import Arn, partition_of
from least_privilege_constructs.analysis.iam.wildcards import arn_matches

_VAR = re.compile(r"\$\{([^}]*)\}")
_ENV = ("Partition", "Region", "Account")
_MAX_VALUES = 20  # values of one variable taken from one event
_MAX_ARNS = 100  # ARNs of one resource type from one event

#: CloudTrail parameter names for catalog ARN variables, where the name is not the variable's own
#: (``key`` for ``ObjectName``; the normalized forms: lower case, letters and digits only).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "objectname": ("key",),
    "bucketname": ("bucketname", "bucket"),
    "parameternamewithoutleadingslash": ("name", "names"),
    "queuename": ("queueurl", "queuename"),
    "rolenamewithpath": ("rolename",),
    "usernamewithpath": ("username",),
    "groupnamewithpath": ("groupname",),
    "policynamewithpath": ("policyname",),
    "instanceprofilenamewithpath": ("instanceprofilename",),
    "secretid": ("secretid", "name"),
    "topicname": ("name",),
    "keyid": ("keyid",),
    "functionname": ("functionname",),
}

#: Secrets Manager appends six random characters to a secret's name in its ARN; a policy names a secret
#: by name with ``-??????`` ("Permissions policy examples for AWS Secrets Manager",
#: https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_examples.html).
NAME_SUFFIX: dict[tuple[str, str], str] = {("secretsmanager", "SecretId"): "-??????"}


#: A qualified ARN (a Lambda function's version or alias) is the resource an action on the function is
#: authorized on when the call names it ("Fine-tuning the Resources and Conditions sections of
#: policies", https://docs.aws.amazon.com/lambda/latest/dg/lambda-api-permissions-ref.html).
QUALIFIED: dict[tuple[str, str], tuple[str, ...]] = {("lambda", "function"): ("function alias", "function version")}


@dataclass(frozen=True)
class ResolvedResource:
    """One resource of a request: its ARN (``*`` segments where unresolved), the catalog resource type,
    the variables left unresolved, and ``group`` (the ARN up to the last variable's value, used to fold
    many resources of one parent into a wildcard)."""

    arn: str
    resource_type: str
    unresolved: tuple[str, ...] = ()
    group: str | None = None
    origin: str = "format"  # "resources[]", "parameter", "format", "data file", "none"

    @property
    def concrete(self) -> bool:
        return not self.unresolved and self.arn != "*"


def _norm(key: str) -> str:
    return re.sub(r"[^a-z0-9]", "", key.lower())


def parameter_index(*sources: Any) -> dict[str, list[str]]:
    """Normalized parameter name -> its string values, found anywhere in ``sources`` (dicts and lists,
    walked in order: request parameters first, then response elements)."""
    index: dict[str, list[str]] = {}

    def walk(value: Any, key: str | None, depth: int) -> None:
        if depth > 12:
            return
        if isinstance(value, Mapping):
            for k, v in value.items():
                walk(v, _norm(str(k)), depth + 1)
        elif isinstance(value, list):
            for v in value[:200]:
                walk(v, key, depth + 1)
        elif isinstance(value, str) and key is not None and value:
            values = index.setdefault(key, [])
            if value not in values and len(values) < _MAX_VALUES:
                values.append(value)

    for s in sources:
        walk(s, None, 0)
    return index


def all_strings(value: Any, depth: int = 0) -> Iterable[str]:
    if depth > 12:
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from all_strings(v, depth + 1)
    elif isinstance(value, list):
        for v in value[:200]:
            yield from all_strings(v, depth + 1)


@functools.lru_cache(maxsize=4096)
def _glob(pattern: str) -> str:
    return _VAR.sub("*", pattern)


@functools.lru_cache(maxsize=4096)
def _parts(pattern: str) -> tuple[tuple[str, ...], tuple[str, ...], re.Pattern[str]]:
    """Literals and variable names of a catalog ARN format, and a regex capturing the variables."""
    literals = tuple(_VAR.split(pattern)[0::2])
    names = tuple(_VAR.findall(pattern))
    rx = ""
    for i, lit in enumerate(literals):
        rx += re.escape(lit)
        if i < len(names):
            rx += "(.+)" if i == len(names) - 1 else "(.*?)"
    return literals, names, re.compile(rx + r"\Z", re.IGNORECASE)


@functools.lru_cache(maxsize=8192)
def best_type(service: str, arn: str) -> str | None:
    """The resource type of ``service`` whose ARN format fits ``arn`` most specifically (the most literal
    characters: ``arn:aws:s3:::b/k`` fits both ``bucket`` and ``object``, and is an object); None when no
    format fits (then any matching type may take it)."""
    best: tuple[int, str] | None = None
    for key, info in get_catalog().resource_types_of(service).items():
        for pattern in info.arn_patterns:
            glob = _glob(pattern)
            if arn_matches(glob, arn):
                score = len(glob) - glob.count("*")
                if best is None or score > best[0]:
                    best = (score, key)
    return best[1] if best else None


def group_of(pattern: str, arn: str) -> str | None:
    """``arn`` up to the value of the format's last variable (None when ``arn`` does not fit)."""
    _lits, names, rx = _parts(pattern)
    m = rx.match(arn)
    if not m or not names or names[-1] in _ENV:
        return None
    return arn[: m.start(len(names))]


def environment(event: Mapping[str, Any]) -> dict[str, str]:
    region = str(event.get("awsRegion") or "")
    ui = event.get("userIdentity") if isinstance(event.get("userIdentity"), Mapping) else {}
    account = str(event.get("recipientAccountId") or (ui or {}).get("accountId") or "")
    return {"Partition": partition_of(region) or "aws", "Region": region, "Account": account}


def _clean(name: str, value: str) -> str | None:
    if "${" in value or not value.strip():
        return None
    if value.startswith(("https://", "http://")):
        value = value.rstrip("/").rsplit("/", 1)[-1]
    if name == "ParameterNameWithoutLeadingSlash":
        value = value.lstrip("/")
    return value


def _values(name: str, service: str, params: Mapping[str, list[str]]) -> list[str]:
    keys = [_norm(name), *SYNONYMS.get(_norm(name), ())]
    if name.endswith("Name"):
        keys.append(_norm(name[:-4]))
    seen: list[str] = []
    for k in keys:
        for raw in params.get(k, ()):
            if Arn.parse(raw) is not None:
                continue  # an ARN is not a name; ARN values are taken whole (step 2)
            v = _clean(name, raw)
            if v is None:
                continue
            v += NAME_SUFFIX.get((service, name), "")
            # a name without its IAM path: the entity is at the root or under some path
            # ("IAM identifiers", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html)
            variants = [v, "*/" + v] if name.endswith("WithPath") and "/" not in v else [v]
            for variant in variants:
                if variant not in seen:
                    seen.append(variant)
        if seen:
            break
    return seen


def fill(pattern: str, service: str, env: Mapping[str, str],
         params: Mapping[str, list[str]]) -> list[ResolvedResource]:
    """The catalog ARN format ``pattern`` filled from ``env`` and ``params`` (one ARN per combination of
    values, at most 100); unresolved variables become ``*``."""
    literals, names, _rx = _parts(pattern)
    choices: list[list[str]] = []
    unresolved: list[str] = []
    for name in names:
        if name in env:
            choices.append([env[name]] if env[name] else ["*"])
            if not env[name]:
                unresolved.append(name)
            continue
        vals = _values(name, service, params)
        if not vals:
            unresolved.append(name)
            vals = ["*"]
        choices.append(vals)
    out: list[ResolvedResource] = []
    for combo in itertools.islice(itertools.product(*choices), _MAX_ARNS):
        text = literals[0]
        group = None
        missing = list(unresolved)
        for i, value in enumerate(combo):
            if value.startswith("*/") and names[i] not in missing:
                missing.append(names[i])  # a name whose IAM path is unknown
            if i == len(combo) - 1 and names[i] not in _ENV and value != "*" and not value.startswith("*/"):
                group = text
            text += value + literals[i + 1]
        out.append(ResolvedResource(text, "", tuple(missing), group, "format"))
    return out


def from_template(template: str, env: Mapping[str, str], request: Mapping[str, Any]) -> ResolvedResource:
    """A data-file resource template (``${Partition}``, ``${Region}``, ``${Account}``,
    ``${request:<parameter>}``); an S3 copy source is URL-decoded, without its leading ``/`` and
    ``?versionId``."""
    unresolved: list[str] = []

    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        if env.get(name):
            return env[name]
        if name.startswith("request:"):
            v = request.get(name[8:]) if isinstance(request, Mapping) else None
            if isinstance(v, str) and v and "${" not in v:
                return unquote(v.split("?", 1)[0]).lstrip("/")
        unresolved.append(name)
        return "*"

    return ResolvedResource(_VAR.sub(sub, template), "", tuple(unresolved), None, "data file")


def resources_for(
    action: ActionInfo, event: Mapping[str, Any], template: str | None = None
) -> list[ResolvedResource]:
    """The resources of ``event`` that ``action`` is authorized on (``[ResolvedResource("*")]`` for an
    action the catalog gives no resource type)."""
    request = event.get("requestParameters") if isinstance(event.get("requestParameters"), Mapping) else {}
    env = environment(event)
    catalog = get_catalog()
    table = catalog.resource_types_of(action.service)
    if template is not None:
        r = from_template(template, env, request or {})
        for rt in action.resource_types:
            for pattern in table[rt.lower()].arn_patterns if rt.lower() in table else ():
                if not r.unresolved and arn_matches(_glob(pattern), r.arn):
                    return [ResolvedResource(r.arn, rt, (), group_of(pattern, r.arn), r.origin)]
        return [r]
    types = action.resource_types
    if not types:
        return [ResolvedResource("*", "*", (), None, "none")]
    response = event.get("responseElements")
    params = parameter_index(request, response)
    listed = [r.get("ARN") for r in event.get("resources") or () if isinstance(r, Mapping)]
    arn_values = [s for s in itertools.chain(all_strings(request), all_strings(response)) if s.startswith("arn:")]
    concrete: dict[str, list[ResolvedResource]] = {}
    partial: dict[str, list[ResolvedResource]] = {}
    for rt in types:
        info = table.get(rt.lower())
        if info is None:
            continue
        for pattern in info.arn_patterns:
            glob = _glob(pattern)
            found: list[ResolvedResource] = []
            for origin, pool in (("resources[]", listed), ("parameter", arn_values)):
                for arn in pool:
                    if (isinstance(arn, str) and "${" not in arn and arn_matches(glob, arn)
                            and best_type(action.service, arn) in (rt.lower(), None,
                                                                   *QUALIFIED.get((action.service, rt.lower()), ()))):
                        r = ResolvedResource(arn, rt, (), group_of(pattern, arn), origin)
                        if r not in found:
                            found.append(r)
                if found:
                    break
            if found:
                concrete.setdefault(rt, []).extend(found)
                continue
            filled = [ResolvedResource(r.arn, rt, r.unresolved, r.group, r.origin)
                      for r in fill(pattern, action.service, env, params)]
            resolved = any(not r.unresolved for r in filled)
            for r in filled:
                # a name known but not its IAM path: the root-path ARN and the any-path ARN go together
                path_only = resolved and all(n.endswith("WithPath") for n in r.unresolved)
                (concrete if not r.unresolved or path_only else partial).setdefault(rt, []).append(r)
    if concrete:
        out = [r for rt in types for r in concrete.get(rt, ())]
        for rt in action.required_resource_types:
            if rt not in concrete:
                out.extend(partial.get(rt, ()))
        return _dedupe(out)
    informative = [
        r for rt in types for r in partial.get(rt, ())
        if any(n not in _ENV for n in _parts_names(table, rt)) and not _all_vars_unresolved(table, rt, r)
    ]
    if informative:
        required = [r for r in informative if r.resource_type in action.required_resource_types]
        return _dedupe(required or informative)
    return _coarsen(_dedupe([r for rt in types for r in partial.get(rt, ())]))


def _coarsen(items: list[ResolvedResource], most: int = 5) -> list[ResolvedResource]:
    """Many resource types, none resolved (a tagging action on an unknown resource): one ARN per
    partition, service, region and account with ``*`` as the whole resource segment, which covers each
    type's format (the resource segment may hold ``/`` and ``:``; Resource element,
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html)."""
    if len(items) <= most:
        return items
    out: dict[str, ResolvedResource] = {}
    for r in items:
        parsed = Arn.parse(r.arn)
        if parsed is None:  # not an ARN: kept as it is, never folded into a broader one
            out.setdefault(r.arn, r)
            continue
        arn = str(Arn(parsed.partition, parsed.service, parsed.region, parsed.account, "*"))
        if arn not in out:
            out[arn] = ResolvedResource(arn, "*", ("resource type",), None, "format")
    return list(out.values())


def _parts_names(table: Mapping[str, Any], rt: str) -> tuple[str, ...]:
    info = table.get(rt.lower())
    return tuple(n for p in (info.arn_patterns if info else ()) for n in _parts(p)[1])


def _all_vars_unresolved(table: Mapping[str, Any], rt: str, r: ResolvedResource) -> bool:
    names = [n for n in _parts_names(table, rt) if n not in _ENV]
    return all(n in r.unresolved for n in names)


def _dedupe(items: Sequence[ResolvedResource]) -> list[ResolvedResource]:
    seen: set[str] = set()
    out: list[ResolvedResource] = []
    for r in items:
        if r.arn not in seen:
            seen.add(r.arn)
            out.append(r)
    return out
