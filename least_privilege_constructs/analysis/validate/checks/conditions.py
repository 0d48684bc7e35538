"""Conditions: operators, condition keys, operator/key types, values, set qualifiers and empty values."""

from __future__ import annotations

import base64
import binascii
import re
from datetime import datetime

from least_privilege_constructs.analysis.findings import FindingType
from least_privilege_constructs.analysis.iam.arn import partition_of
from least_privilege_constructs.analysis.iam.wildcards import has_wildcards
from least_privilege_constructs.analysis.model.policy import ConditionEntry, Statement
from least_privilege_constructs.analysis.validate.checks.actions import removed_actions, retired_services
from least_privilege_constructs.analysis.validate.keys import (
    KeyInfo,
    Operator,
    catalog_key,
    global_key,
    key_info,
    parse_operator,
    tag_templates,
    unsupported_global_keys,
)
from least_privilege_constructs.analysis.validate.registry import Context, check, code

FAMILY = "conditions"
_VARIABLE = re.compile(r"\$\{[^}]*\}")
_KEY_FORMAT = re.compile(r"[^:\s]+:[^\s]+")


def _entries(ctx: Context) -> list[tuple[Statement, ConditionEntry, Operator]]:
    cached = ctx.cache.get("conditions")
    if cached is None:
        cached = [(s, e, parse_operator(e.operator)) for s in ctx.object_statements for e in s.conditions()]
        ctx.cache["conditions"] = cached
    return cached  # type: ignore[no-any-return]


def _is_oidc_or_saml_key(ctx: Context, key: str) -> bool:
    prefix = key.split(":", 1)[0].lower()
    if "." in prefix or "/" in prefix:
        return True  # <identity provider host>:aud / :sub / :amr ...
    return prefix in ("saml", "cognito-identity") or prefix in ctx.catalog.unassociated_conditions


@check(
    "INVALID_CONDITION_OPERATOR",
    FindingType.ERROR,
    family=FAMILY,
    title="Invalid condition operator",
    short="The condition operator does not exist.",
    long="Operators are the String, Numeric, Date, Bool, BinaryEquals, IpAddress, Arn and Null families, "
    "optionally with IfExists and a ForAnyValue:/ForAllValues: qualifier.",
    also=[
        code(
            "NULL_WITH_IF_EXISTS",
            FindingType.ERROR,
            family=FAMILY,
            title="Null with if exists",
            short="NullIfExists is used.",
            long="IfExists cannot be added to the Null operator.",
        ),
        code(
            "NULL_WITH_QUALIFIER",
            FindingType.SUGGESTION,
            family=FAMILY,
            title="Null with qualifier",
            short="Null is used with ForAllValues or ForAnyValue.",
            long="ForAllValues:Null always returns true and ForAnyValue:Null always returns false.",
        ),
    ],
)
def operators(ctx: Context) -> None:
    for s in ctx.object_statements:
        cond = s.get("Condition")
        if not isinstance(cond, dict):
            continue
        for op_text in cond:
            op = parse_operator(op_text)
            path = [*s.element_path("Condition"), op_text]
            if not op.valid:
                ctx.emit(
                    "INVALID_CONDITION_OPERATOR",
                    f"The condition operator {op_text} is not valid. Use a valid condition operator.",
                    [[*s.element_path("Condition"), None]],
                    operator=op_text,
                )
            elif op.base == "Null" and op.if_exists:
                ctx.emit(
                    "NULL_WITH_IF_EXISTS",
                    "The Null condition operator cannot be used with the IfExists suffix. Update the operator or the suffix.",
                    [path],
                )
            elif op.base == "Null" and op.qualifier:
                ctx.emit(
                    "NULL_WITH_QUALIFIER",
                    "Avoid using the Null condition operator with the ForAllValues or ForAnyValue qualifiers "
                    "because they always return a true or false respectively.",
                    [path],
                )


@check(
    "INVALID_CONDITION_KEY_FORMAT",
    FindingType.ERROR,
    family=FAMILY,
    title="Invalid condition key format",
    short="The condition key is not of the form service:keyname.",
    long="Condition keys are a service prefix (or aws, or an identity provider) and a name separated by a colon.",
    also=[
        code(
            "INVALID_GLOBAL_CONDITION_KEY",
            FindingType.ERROR,
            family=FAMILY,
            title="Invalid global condition key",
            short="An aws: condition key that is not a documented global key.",
            long="Global condition keys are listed in the IAM User Guide (AWS global condition context "
            "keys); the list ships with this package.",
        ),
        code(
            "UNSUPPORTED_GLOBAL_CONDITION_KEY",
            FindingType.ERROR,
            family=FAMILY,
            title="Unsupported global condition key",
            short="aws:ARN is not supported.",
            long="aws:ARN is not a supported condition key; use aws:PrincipalArn or aws:SourceArn.",
        ),
        code(
            "MISSING_TAG_KEY_IN_CONDITION",
            FindingType.ERROR,
            family=FAMILY,
            title="Missing tag key in condition",
            short="A tag condition key without the tag key (aws:ResourceTag instead of aws:ResourceTag/team).",
            long="aws:PrincipalTag, aws:RequestTag and aws:ResourceTag need /tag-key after the name.",
        ),
        code(
            "INVALID_SERVICE",
            FindingType.ERROR,
            family=FAMILY,
            title="Invalid service",
            short="The service of a condition key or of a resource ARN does not exist.",
            long="The part before the colon must be a service prefix of the Service Authorization "
            "Reference, aws, or an identity provider (for example token.actions.githubusercontent.com). "
            "Condition keys of discontinued or recently removed services (data/retired_services.json, "
            "data/removed_actions.json) are not reported, like their actions. A resource ARN whose service "
            "namespace is neither a service prefix nor the namespace of any ARN format of the catalog is "
            "reported too (the resources family).",
        ),
        code(
            "INVALID_SERVICE_CONDITION_KEY",
            FindingType.ERROR,
            family=FAMILY,
            title="Invalid service condition key",
            short="The service has no such condition key.",
            long="The key must be one of the condition keys the service defines in the Service "
            "Authorization Reference (case-insensitive; tag-key templates match any tag).",
        ),
    ],
)
def condition_keys(ctx: Context) -> None:
    unsupported = unsupported_global_keys()
    templates = [t.lower() for t in tag_templates()]
    for _s, e, _op in _entries(ctx):
        key = e.key
        if not _KEY_FORMAT.fullmatch(key):
            ctx.emit(
                "INVALID_CONDITION_KEY_FORMAT",
                f"The condition key {key} format is not valid. Use the format service:keyname.",
                [e.key_path],
                key=key,
            )
            continue
        lower = key.lower()
        prefix = lower.split(":", 1)[0]
        if prefix == "aws":
            if lower in unsupported:
                ctx.emit(
                    "UNSUPPORTED_GLOBAL_CONDITION_KEY",
                    f"The condition key {key} is not supported. {unsupported[lower]}",
                    [e.key_path],
                    key=key,
                )
            elif lower.rstrip("/") in templates:
                ctx.emit(
                    "MISSING_TAG_KEY_IN_CONDITION",
                    f"The condition key {key} must include a tag key to control access based on tags. "
                    f"Use the format {lower.rstrip('/')}/tag-key and specify a key name for tag-key.",
                    [e.key_path],
                    key=key,
                )
            elif global_key(key) is None and catalog_key(ctx.catalog, key) is None:
                ctx.emit(
                    "INVALID_GLOBAL_CONDITION_KEY",
                    f"The condition key {key} does not exist. Use a valid condition key.",
                    [e.key_path],
                    key=key,
                )
            continue
        if _is_oidc_or_saml_key(ctx, key):
            continue
        if not ctx.catalog.service_exists(prefix):
            if prefix in retired_services() or prefix in removed_actions()[0]:
                continue  # a discontinued or recently removed service: Access Analyzer accepts its actions
            ctx.emit(
                "INVALID_SERVICE",
                f"The service {prefix} does not exist. Use a valid service name.",
                [e.key_path],
                key=key,
            )
        elif catalog_key(ctx.catalog, key) is None:
            ctx.emit(
                "INVALID_SERVICE_CONDITION_KEY",
                f"The condition key {key} does not exist in the service {prefix}. Use a valid condition key.",
                [e.key_path],
                key=key,
            )


@check(
    "DUPLICATE_KEYS_WITH_DIFFERENT_CASE",
    FindingType.ERROR,
    family=FAMILY,
    title="Duplicate keys with different case",
    short="One condition block has the same key twice with different capitalization.",
    long="Condition key names are case-insensitive, so two spellings of one key in the same operator "
    "block are ambiguous.",
)
def duplicate_keys(ctx: Context) -> None:
    for s in ctx.object_statements:
        cond = s.get("Condition")
        if not isinstance(cond, dict):
            continue
        for op, block in cond.items():
            if not isinstance(block, dict):
                continue
            seen: dict[str, str] = {}
            for key in block:
                first = seen.setdefault(key.lower(), key)
                if first != key:
                    ctx.emit(
                        "DUPLICATE_KEYS_WITH_DIFFERENT_CASE",
                        f"The condition key {key} appears more than once with different capitalization in the "
                        "same condition block. Remove the duplicate condition keys.",
                        [[*s.element_path("Condition"), op, None]],
                        key=key,
                    )


# -- operator vs key type -----------------------------------------------------------------------------

_COMPATIBLE: dict[str, set[str]] = {
    "String": {"String", "ARN"},
    "ARN": {"ARN", "String"},
    "Bool": {"Bool"},
    "Numeric": {"Numeric"},
    "Date": {"Date"},
    "IPAddress": {"IPAddress"},
}


_STRING_LIKE = {"StringLike": "ArnLike", "StringNotLike": "ArnNotLike"}
"""The string operators that match wildcards, and the ARN operator to use instead (parse_operator has already
folded case, IfExists and the set qualifier away)."""


def _key_type(ctx: Context, key: str) -> KeyInfo | None:
    if _is_oidc_or_saml_key(ctx, key) and not key.lower().startswith("aws:"):
        return None
    return key_info(ctx.catalog, key)


@check(
    "TYPE_MISMATCH",
    FindingType.WARNING,
    family=FAMILY,
    title="Type mismatch",
    short="The operator's type does not match the condition key's type.",
    long="Each condition key has a type (String, ARN, Bool, Numeric, Date, IPAddress, Binary); use an "
    "operator of that type (ARN keys also accept String operators). aws:EpochTime accepts Date and "
    "Numeric operators.",
    also=[
        code(
            "STRING_LIKE_OPERATOR_WITH_ARN_CONDITION_KEYS",
            FindingType.SECURITY_WARNING,
            family=FAMILY,
            title="String like operator with ARN condition keys",
            short="StringLike or StringNotLike on an ARN-typed key.",
            long="StringLike matches * across ARN fields (a wildcard in the resource part can match a "
            "different account or service); ArnLike matches field by field. Use ArnLike (ArnNotLike) for ARN "
            "keys. Every form of the two string-like operators counts: IfExists, ForAnyValue:/ForAllValues: "
            "and any capitalization (operator names are case-insensitive). "
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html"
            "#access-analyzer-reference-policy-checks-security-warning-string-like-operator-with-arn-condition-keys",
        ),
    ],
)
def operator_key_types(ctx: Context) -> None:
    for _s, e, op in _entries(ctx):
        if not op.valid or op.family in (None, "Null"):
            continue
        info = _key_type(ctx, e.key)
        if info is None:
            continue
        ktype = info.scalar_type
        family = op.family or ""
        if ktype == "ARN" and op.base in _STRING_LIKE:
            ctx.emit(
                "STRING_LIKE_OPERATOR_WITH_ARN_CONDITION_KEYS",
                f"The {op.base} operator is used with the ARN condition key {e.key}. We recommend that you "
                f"use the {_STRING_LIKE[op.base]} operator instead.",
                [e.key_path],
                key=e.key,
                operator=e.operator,
            )
            continue
        allowed = _COMPATIBLE.get(ktype)
        if allowed is None:
            continue
        if info.name.lower() == "aws:epochtime":
            allowed = {"Date", "Numeric"}
        if family == "Binary" or family in allowed:
            continue
        expected = {"ARN": "Arn", "IPAddress": "IpAddress"}.get(ktype, ktype)
        ctx.emit(
            "TYPE_MISMATCH",
            f"Use the operator type {expected} instead of operator {op.base} for the condition key {e.key}.",
            [e.key_path],
            key=e.key,
            operator=e.operator,
        )


# -- values vs operator ----------------------------------------------------------------------------------

_DATE_FORMATS = re.compile(r"\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?)?)?")


def _is_number(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return False
        return value.strip() == value and value.lower() not in ("nan", "inf", "-inf", "infinity", "-infinity")
    return False


def _is_date(value: object) -> bool:
    if isinstance(value, str):
        if not _DATE_FORMATS.fullmatch(value):
            return _is_number(value)
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00")) if len(value) >= 10 else None
        except ValueError:
            return False
        return True
    return _is_number(value)


def _is_base64(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


@check(
    "TYPE_MISMATCH_BOOLEAN",
    FindingType.WARNING,
    family=FAMILY,
    title="Type mismatch Boolean",
    short="A Bool or Null operator value is not true or false.",
    long='Bool and Null compare with "true" or "false" (strings or JSON Booleans).',
    also=[
        code(
            "TYPE_MISMATCH_NUMBER",
            FindingType.WARNING,
            family=FAMILY,
            title="Type mismatch number",
            short="A Numeric operator value is not a number.",
            long="Numeric operators compare with integers or decimals.",
        ),
        code(
            "TYPE_MISMATCH_DATE",
            FindingType.WARNING,
            family=FAMILY,
            title="Type mismatch date",
            short="A Date operator value is not an ISO 8601 date or epoch time.",
            long="Date operators compare with W3C/ISO 8601 dates (2026-01-31, 2026-01-31T12:00:00Z) or "
            "epoch seconds.",
        ),
        code(
            "TYPE_MISMATCH_STRING",
            FindingType.WARNING,
            family=FAMILY,
            title="Type mismatch string",
            short="A BinaryEquals value is not base64.",
            long="BinaryEquals compares with base64-encoded values.",
        ),
        code(
            "INVALID_CONDITION_MULTIPLE_BOOLEAN",
            FindingType.ERROR,
            family=FAMILY,
            title="Invalid condition multiple Boolean",
            short="A Bool key is given several Boolean values.",
            long='["true", "false"] matches everything and one value is always meant; use a single value.',
        ),
        code(
            "INVALID_DATE_VALUE",
            FindingType.WARNING,
            family=FAMILY,
            title="Invalid date value",
            short="A Date operator value is an epoch number.",
            long="Epoch time might not resolve as expected; use the YYYY-MM-DD (ISO 8601) format.",
        ),
    ],
)
def value_types(ctx: Context) -> None:
    for _s, e, op in _entries(ctx):
        if not op.valid:
            continue
        values = [v for v in e.values if not isinstance(v.value, dict | list) and v.value is not None]
        fam = op.family
        if fam in ("Bool", "Null"):
            for v in values:
                text = str(v.value).lower() if isinstance(v.value, bool | str) else None
                if text not in ("true", "false") and not (
                    isinstance(v.value, str) and _VARIABLE.search(v.value)
                ):
                    ctx.emit(
                        "TYPE_MISMATCH_BOOLEAN",
                        f"Add a valid Boolean value (true or false) for the condition operator {e.operator}.",
                        [v.path],
                        key=e.key,
                    )
            if fam == "Bool" and e.is_list and len({str(v.value).lower() for v in values}) > 1:
                ctx.emit(
                    "INVALID_CONDITION_MULTIPLE_BOOLEAN",
                    f"The condition key {e.key} does not support multiple Boolean values. Use a single Boolean value.",
                    [e.value_path],
                    key=e.key,
                )
        elif fam == "Numeric":
            for v in values:
                if not _is_number(v.value) and not (isinstance(v.value, str) and _VARIABLE.search(v.value)):
                    ctx.emit(
                        "TYPE_MISMATCH_NUMBER",
                        f"Add a valid numeric value for the condition operator {e.operator}.",
                        [v.path],
                        key=e.key,
                    )
        elif fam == "Date":
            epoch_key = e.key.lower() == "aws:epochtime"
            for v in values:
                if isinstance(v.value, str) and _VARIABLE.search(v.value):
                    continue
                if not _is_date(v.value):
                    ctx.emit(
                        "TYPE_MISMATCH_DATE",
                        "The date condition operator is used with an invalid value. Specify a valid date using "
                        "YYYY-MM-DD or other ISO 8601 date/time format.",
                        [v.path],
                        key=e.key,
                    )
                elif (
                    _is_number(v.value)
                    and not epoch_key
                    and not (isinstance(v.value, str) and re.fullmatch(r"\d{4}", v.value))
                ):
                    ctx.emit(
                        "INVALID_DATE_VALUE",
                        "The date might not resolve as expected. We recommend that you use the YYYY-MM-DD format.",
                        [v.path],
                        key=e.key,
                    )
        elif fam == "Binary":
            for v in values:
                if not _is_base64(v.value):
                    ctx.emit(
                        "TYPE_MISMATCH_STRING",
                        f"Add a valid base64-encoded string value for the condition operator {e.operator}.",
                        [v.path],
                        key=e.key,
                    )


@check(
    "WILDCARD_WITHOUT_LIKE_OPERATOR",
    FindingType.WARNING,
    family=FAMILY,
    title="Wildcard without like operator",
    short="A condition value has * or ? but the operator is not a Like operator.",
    long="StringEquals and ArnEquals compare * and ? literally; use StringLike/ArnLike for patterns.",
    also=[
        code(
            "EQUIVALENT_TO_NULL_FALSE",
            FindingType.SUGGESTION,
            family=FAMILY,
            title="Equivalent to null false",
            short='StringLike with the value "*" only tests that the key is present.',
            long='"StringLike": {"key": "*"} matches any value, i.e. it only requires the key to be in '
            'the request; write "Null": {"key": "false"} to say so.',
        ),
    ],
)
def wildcards(ctx: Context) -> None:
    for _s, e, op in _entries(ctx):
        if not op.valid:
            continue
        if op.base in (
            "StringEquals",
            "StringNotEquals",
            "StringEqualsIgnoreCase",
            "StringNotEqualsIgnoreCase",
        ):
            for v in e.values:
                if isinstance(v.value, str) and (
                    "*" in _VARIABLE.sub("", v.value) or "?" in _VARIABLE.sub("", v.value)
                ):
                    ctx.emit(
                        "WILDCARD_WITHOUT_LIKE_OPERATOR",
                        "Your condition value includes a * or ? character. If you meant to use a wildcard (*, ?), "
                        "update the condition operator to include Like.",
                        [v.path],
                        key=e.key,
                    )
        elif op.base == "StringLike" and not op.if_exists and op.qualifier is None:
            for v in [v for v in e.values if v.value == "*"][:1]:
                ctx.emit(
                    "EQUIVALENT_TO_NULL_FALSE",
                    f'The condition {e.operator} {{"{e.key}": "*"}} is equivalent to '
                    f'{{"Null": {{"{e.key}": "false"}}}}. We recommend that you use the Null operator '
                    "to check that the key is present.",
                    [v.path],
                    key=e.key,
                )


@check(
    "FORALLVALUES_WITH_SINGLE_VALUED_KEY",
    FindingType.SECURITY_WARNING,
    family=FAMILY,
    title="ForAllValues with single valued key",
    short="ForAllValues on a single-valued condition key.",
    long="ForAllValues is also true when the key is absent, so on a single-valued key it is more "
    "permissive than the plain operator. Use set operators only with ArrayOf* keys. The offline check "
    "judges global keys (documented types); the service reference types some multivalued service keys "
    "as String, so service keys are not judged.",
    also=[
        code(
            "MISSING_QUALIFIER",
            FindingType.ERROR,
            family=FAMILY,
            title="Missing qualifier",
            short="A multivalued key is compared without ForAllValues/ForAnyValue.",
            long="Multivalued keys need a set operator qualifier to compare their values: the global keys "
            "documented as multivalued (aws:TagKeys, aws:CalledVia...) and every service key the Service "
            "Authorization Reference types ArrayOf* (ArrayOfString, ArrayOfARN...), whatever the operator "
            "family or IfExists suffix (Null, which tests presence only, excepted). "
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
            "reference_policies_condition-single-vs-multi-valued-context-keys.html",
        ),
    ],
)
def qualifiers(ctx: Context) -> None:
    for _s, e, op in _entries(ctx):
        if not op.valid or op.base == "Null":
            continue
        info = _key_type(ctx, e.key)
        if info is None:
            continue
        if op.qualifier == "ForAllValues" and not info.multivalued and info.is_global:
            ctx.emit(
                "FORALLVALUES_WITH_SINGLE_VALUED_KEY",
                f"Using ForAllValues qualifier with the single-valued condition key {e.key} can be overly "
                f"permissive. We recommend that you remove ForAllValues:.",
                [[*e.operator_path[:-1], None]],
                key=e.key,
            )
        elif op.qualifier is None and info.multivalued:
            ctx.emit(
                "MISSING_QUALIFIER",
                f"The request context key {e.key} has multiple values. Use the ForAllValues or ForAnyValue "
                "condition key qualifiers in your policy.",
                [e.key_path],
                key=e.key,
            )


@check(
    "EMPTY_ARRAY_CONDITION",
    FindingType.SUGGESTION,
    family=FAMILY,
    title="Empty array condition",
    short="A condition key has an empty array of values.",
    long="With no values the condition never matches; the statement has no effect.",
    also=[
        code(
            "EMPTY_ARRAY_CONDITION_FORALLVALUES",
            FindingType.SUGGESTION,
            family=FAMILY,
            title="Empty array condition ForAllValues",
            short="ForAllValues with an empty array.",
            long="It matches only when the key is missing; use Null true to say so.",
        ),
        code(
            "EMPTY_ARRAY_CONDITION_FORANYVALUE",
            FindingType.SUGGESTION,
            family=FAMILY,
            title="Empty array condition ForAnyValue",
            short="ForAnyValue with an empty array.",
            long="It never matches; the statement has no effect.",
        ),
        code(
            "EMPTY_ARRAY_CONDITION_IFEXISTS",
            FindingType.SUGGESTION,
            family=FAMILY,
            title="Empty array condition IfExists",
            short="An IfExists operator with an empty array.",
            long="It matches only when the key is missing; use Null true to say so.",
        ),
    ],
)
def empty_condition_values(ctx: Context) -> None:
    for _s, e, op in _entries(ctx):
        if e.raw_values != []:
            continue
        if op.qualifier == "ForAllValues":
            ctx.emit(
                "EMPTY_ARRAY_CONDITION_FORALLVALUES",
                "The ForAllValues prefix with an empty condition key matches only if the key is missing from the "
                "request context. To determine if the request context is empty, we recommend that you use the "
                "Null condition operator with the value of true instead.",
                [e.value_path],
            )
        elif op.qualifier == "ForAnyValue":
            ctx.emit(
                "EMPTY_ARRAY_CONDITION_FORANYVALUE",
                "The ForAnyValue prefix with an empty condition key never matches the request context and it "
                "does not affect the policy. Specify conditions.",
                [e.value_path],
            )
        elif op.if_exists:
            ctx.emit(
                "EMPTY_ARRAY_CONDITION_IFEXISTS",
                "The IfExists suffix with an empty condition key matches only if the key is missing from the "
                "request context. To determine if the request context is empty, we recommend that you use the "
                "Null condition operator with the value of true instead.",
                [e.value_path],
            )
        else:
            ctx.emit(
                "EMPTY_ARRAY_CONDITION",
                "There are no values for the condition key and it does not affect the policy. Specify conditions.",
                [e.value_path],
            )


@check(
    "REDUNDANT_CONDITION_VALUE_NUM",
    FindingType.SUGGESTION,
    family=FAMILY,
    title="Redundant condition value num",
    short="Several values for a NumericLessThan/GreaterThan key where one bound suffices.",
    long="Values of a numeric inequality are ORed, so only the greatest (LessThan) or least (GreaterThan) "
    "value matters.",
)
def redundant_numeric(ctx: Context) -> None:
    for _s, e, op in _entries(ctx):
        if op.family != "Numeric" or not e.is_list or len(e.raw_values) < 2:
            continue
        if op.base not in (
            "NumericLessThan",
            "NumericLessThanEquals",
            "NumericGreaterThan",
            "NumericGreaterThanEquals",
        ):
            continue
        nums = [float(v) for v in e.raw_values if _is_number(v)]
        if len(nums) < 2:
            continue
        best = max(nums) if "Less" in op.base else min(nums)
        word = "greatest" if "Less" in op.base else "least"
        ctx.emit(
            "REDUNDANT_CONDITION_VALUE_NUM",
            f"Multiple values in {op.base} are redundant. Replace with the {word} single value "
            f"{best:g} for {e.key}.",
            [e.value_path],
            key=e.key,
        )


# -- value formats -----------------------------------------------------------------------------------------

_SERVICE_PRINCIPAL = re.compile(r"[a-z0-9][a-z0-9-]*\.amazonaws\.com")
_VIA_SERVICE = re.compile(
    r"[a-z0-9][a-z0-9-]*\.(\*|[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}|\$\{[^}]+\})\.amazonaws\.com(\.cn)?"
)
_SERVICE_PRINCIPAL_KEYS = {
    "aws:calledvia",
    "aws:calledviafirst",
    "aws:calledvialast",
    "aws:principalservicename",
    "aws:principalservicenameslist",
}
_VPC = re.compile(r"vpc-[0-9a-f]{8}([0-9a-f]{9})?")
_VPCE = re.compile(r"vpce-[0-9a-f]{8}([0-9a-f]{9})?")


@check(
    "INVALID_SERVICE_PRINCIPAL_FORMAT",
    FindingType.ERROR,
    family=FAMILY,
    title="Invalid service principal format",
    short="A condition value that must be a service principal is not one.",
    long="aws:CalledVia, aws:CalledViaFirst/Last and aws:PrincipalServiceName(sList) take service "
    "principals of the form service-name.amazonaws.com; kms:ViaService takes "
    "service-name.region.amazonaws.com.",
    also=[
        code(
            "INVALID_VPC_FORMAT",
            FindingType.ERROR,
            family=FAMILY,
            title="Invalid vpc format",
            short="An aws:SourceVpc value is not a VPC ID.",
            long="VPC IDs are vpc- followed by 8 or 17 hexadecimal digits.",
        ),
        code(
            "INVALID_VPCE_FORMAT",
            FindingType.ERROR,
            family=FAMILY,
            title="Invalid vpce format",
            short="An aws:SourceVpce value is not a VPC endpoint ID.",
            long="VPC endpoint IDs are vpce- followed by 8 or 17 hexadecimal digits.",
        ),
        code(
            "INVALID_REGION",
            FindingType.ERROR,
            family=FAMILY,
            title="Invalid Region",
            short="An aws:RequestedRegion value is not a Region code.",
            long="Region codes of botocore's endpoint data: listed by a partition or matching its Region "
            "pattern (us-east-1, eu-central-2, a Region newer than botocore of a known shape).",
        ),
    ],
)
def value_formats(ctx: Context) -> None:
    for _s, e, op in _entries(ctx):
        if not op.valid or op.family not in ("String",) or op.is_like:
            continue
        lower = e.key.lower()
        for v in e.values:
            if not isinstance(v.value, str) or _VARIABLE.search(v.value):
                continue
            value = v.value
            if lower in _SERVICE_PRINCIPAL_KEYS and not _SERVICE_PRINCIPAL.fullmatch(value):
                ctx.emit(
                    "INVALID_SERVICE_PRINCIPAL_FORMAT",
                    f"The service principal {value} does not match the expected format. Use the format "
                    "service-name.amazonaws.com.",
                    [v.path],
                    key=e.key,
                )
            elif lower == "kms:viaservice" and not _VIA_SERVICE.fullmatch(value):
                ctx.emit(
                    "INVALID_SERVICE_PRINCIPAL_FORMAT",
                    f"The service principal {value} does not match the expected format. Use the format "
                    "service-name.region.amazonaws.com.",
                    [v.path],
                    key=e.key,
                )
            elif lower == "aws:sourcevpc" and not _VPC.fullmatch(value):
                ctx.emit(
                    "INVALID_VPC_FORMAT", f"The VPC identifier {value} is not valid.", [v.path], key=e.key
                )
            elif lower == "aws:sourcevpce" and not _VPCE.fullmatch(value):
                ctx.emit(
                    "INVALID_VPCE_FORMAT",
                    f"The VPC endpoint identifier {value} is not valid.",
                    [v.path],
                    key=e.key,
                )
            elif lower == "aws:requestedregion" and not has_wildcards(value) and partition_of(value) is None:
                ctx.emit(
                    "INVALID_REGION",
                    f"The Region {value} is not valid. Update the condition value to a supported Region.",
                    [v.path],
                    key=e.key,
                )


@check(
    "MISSING_PAIRED_CONDITION_KEYS",
    FindingType.SECURITY_WARNING,
    family=FAMILY,
    title="Missing paired condition keys",
    short="aws:VpcSourceIp without aws:SourceVpc or aws:SourceVpce.",
    long="Private IP addresses repeat across VPCs; aws:VpcSourceIp is only meaningful together with the "
    "VPC (aws:SourceVpc) or endpoint (aws:SourceVpce) the request came through.",
)
def paired(ctx: Context) -> None:
    from least_privilege_constructs.analysis.validate.keys import paired_keys

    pairs = paired_keys()
    for s in ctx.object_statements:
        keys = s.condition_keys()
        for e in s.conditions():
            needed = pairs.get(e.key.lower())
            if needed and not any(n.lower() in keys for n in needed):
                ctx.emit(
                    "MISSING_PAIRED_CONDITION_KEYS",
                    f"Using the condition key {e.key} can be overly permissive without also using the following "
                    f"condition keys: {', '.join(needed)}. Condition keys like this one are more secure when "
                    "paired with a related key. We recommend that you add the related condition keys to the same "
                    "condition block.",
                    [e.key_path],
                    key=e.key,
                )
