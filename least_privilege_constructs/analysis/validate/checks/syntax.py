"""Grammar and structure: JSON types, required and unknown elements, Version, Effect, Sid, empty elements."""

from __future__ import annotations

import re
from typing import Any

from least_privilege_constructs.analysis.findings import FindingType, PolicyType
from least_privilege_constructs.analysis.model.policy import ELEMENTS, TOP_LEVEL_ELEMENTS
from least_privilege_constructs.analysis.validate.registry import Context, check, code

FAMILY = "syntax"
VERSIONS = ("2012-10-17", "2008-10-17")
_SID_OK = re.compile(r"[A-Za-z0-9]*")


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _is_str_or_str_list(value: Any) -> bool:
    return isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))


@check(
    "DATA_TYPE_MISMATCH",
    FindingType.ERROR,
    family=FAMILY,
    title="Data type mismatch",
    short="A policy element has the wrong JSON type.",
    long="The policy grammar fixes the JSON type of every element: the document and each statement are "
    "objects, Version/Sid/Effect are strings, Action/Resource and their Not forms are a string or an "
    'array of strings, Principal is "*" or an object of strings/arrays, Condition is an object of '
    "objects whose values are scalars or arrays of scalars.",
)
def data_types(ctx: Context) -> None:
    doc = ctx.doc
    if not doc.is_object:
        ctx.emit(
            "DATA_TYPE_MISMATCH",
            f"The text does not match the expected JSON data type object (found {_json_type(doc.raw)}).",
            [[]],
        )
        return
    for name in ("Version", "Id"):
        if name in doc.raw and not isinstance(doc.raw[name], str):
            ctx.emit(
                "DATA_TYPE_MISMATCH",
                f"The text does not match the expected JSON data type string for {name}.",
                [[name]],
            )
    st = doc.raw.get("Statement")
    if "Statement" in doc.raw and not isinstance(st, list | dict):
        ctx.emit(
            "DATA_TYPE_MISMATCH",
            "The text does not match the expected JSON data type array or object for Statement.",
            [["Statement"]],
        )
    for s in ctx.statements:
        if not s.is_object:
            ctx.emit(
                "DATA_TYPE_MISMATCH",
                f"The text does not match the expected JSON data type object for a statement "
                f"(found {_json_type(s.raw)}).",
                [s.path],
            )
            continue
        for name in ("Sid", "Effect"):
            if s.has(name) and not isinstance(s.get(name), str):
                ctx.emit(
                    "DATA_TYPE_MISMATCH",
                    f"The text does not match the expected JSON data type string for {name}.",
                    [s.element_path(name)],
                )
        for name in ("Action", "NotAction", "Resource", "NotResource"):
            if s.has(name) and not _is_str_or_str_list(s.get(name)):
                value = s.get(name)
                if isinstance(value, list):
                    for item in s.values(name):
                        if not isinstance(item.value, str):
                            ctx.emit(
                                "DATA_TYPE_MISMATCH",
                                f"The text does not match the expected JSON data type string in {name}.",
                                [item.path],
                            )
                else:
                    ctx.emit(
                        "DATA_TYPE_MISMATCH",
                        f"The text does not match the expected JSON data type string or array for {name}.",
                        [s.element_path(name)],
                    )
        for name in ("Principal", "NotPrincipal"):
            if not s.has(name):
                continue
            value = s.get(name)
            if isinstance(value, str):
                continue
            if not isinstance(value, dict):
                ctx.emit(
                    "DATA_TYPE_MISMATCH",
                    f"The text does not match the expected JSON data type object for {name}.",
                    [s.element_path(name)],
                )
                continue
            for ptype, loc in s.principals(name):
                if not isinstance(loc.value, str) and not (isinstance(loc.value, list) and not loc.value):
                    ctx.emit(
                        "DATA_TYPE_MISMATCH",
                        f"The text does not match the expected JSON data type string for the {ptype} principal.",
                        [loc.path],
                    )
        if s.has("Condition"):
            cond = s.get("Condition")
            if not isinstance(cond, dict):
                ctx.emit(
                    "DATA_TYPE_MISMATCH",
                    "The text does not match the expected JSON data type object for Condition.",
                    [s.element_path("Condition")],
                )
                continue
            for op, block in cond.items():
                if not isinstance(block, dict):
                    ctx.emit(
                        "DATA_TYPE_MISMATCH",
                        f"The text does not match the expected JSON data type object for the {op} block.",
                        [[*s.element_path("Condition"), op]],
                    )
            for entry in s.conditions():
                for v in entry.values:
                    if isinstance(v.value, dict | list) or v.value is None:
                        ctx.emit(
                            "DATA_TYPE_MISMATCH",
                            f"The text does not match the expected JSON data type for the value of "
                            f"{entry.key}: use a string, number or Boolean.",
                            [v.path],
                        )


@check(
    "INVALID_CONDITION_DATA_TYPE",
    FindingType.ERROR,
    family=FAMILY,
    title="Invalid condition data type",
    short="The values of one condition key mix JSON types.",
    long="All values given for one condition key must have the same JSON type (all strings, all numbers "
    "or all Booleans).",
)
def condition_value_types(ctx: Context) -> None:
    for s in ctx.object_statements:
        for entry in s.conditions():
            if not entry.is_list:
                continue
            kinds = {
                _json_type(v) for v in entry.raw_values if not isinstance(v, dict | list) and v is not None
            }
            if len(kinds) > 1:
                ctx.emit(
                    "INVALID_CONDITION_DATA_TYPE",
                    "The condition value data types do not match. Use condition values of the same JSON data type.",
                    [entry.value_path],
                )


@check(
    "INVALID_POLICY_ELEMENT",
    FindingType.ERROR,
    family=FAMILY,
    title="Invalid policy element",
    short="An element name that the policy grammar does not define.",
    long="Top-level elements are Version, Id and Statement; statement elements are Sid, Effect, "
    "Principal, NotPrincipal, Action, NotAction, Resource, NotResource and Condition (case-sensitive).",
)
def invalid_elements(ctx: Context) -> None:
    if not ctx.doc.is_object:
        return
    for key in ctx.doc.raw:
        if key not in TOP_LEVEL_ELEMENTS:
            ctx.emit("INVALID_POLICY_ELEMENT", f"The policy element {key} is not valid.", [[key]])
    for s in ctx.object_statements:
        for key in s.raw:
            if key not in ELEMENTS:
                ctx.emit(
                    "INVALID_POLICY_ELEMENT",
                    f"The policy element {key} is not valid.",
                    [s.element_path(key)],
                )


@check(
    "MISSING_VERSION",
    FindingType.WARNING,
    family=FAMILY,
    title="Missing version",
    short="The policy has no Version element.",
    long="Without Version, IAM uses the 2008-10-17 language and treats policy variables as literal text; "
    'always set "Version": "2012-10-17".',
    also=[
        code(
            "INVALID_VERSION",
            FindingType.ERROR,
            family=FAMILY,
            title="Invalid version",
            short="Version is not 2012-10-17 or 2008-10-17.",
            long="The only policy language versions are 2012-10-17 (current) and 2008-10-17.",
        )
    ],
)
def version(ctx: Context) -> None:
    if not ctx.doc.is_object:
        return
    if "Version" not in ctx.doc.raw:
        ctx.emit(
            "MISSING_VERSION",
            "We recommend that you specify the Version element to help you with debugging permission issues.",
            [[]],
        )
        return
    v = ctx.doc.raw["Version"]
    if isinstance(v, str) and v not in VERSIONS:
        ctx.emit(
            "INVALID_VERSION",
            f"The version {v} is not valid. Use one of the following versions: {', '.join(VERSIONS)}",
            [["Version"]],
        )


@check(
    "MISSING_STATEMENT",
    FindingType.ERROR,
    family=FAMILY,
    title="Missing statement",
    short="The policy has no statement.",
    long="A policy must contain a Statement element with at least one statement.",
)
def missing_statement(ctx: Context) -> None:
    if not ctx.doc.is_object:
        return
    st = ctx.doc.raw.get("Statement")
    if "Statement" not in ctx.doc.raw or st == []:
        ctx.emit(
            "MISSING_STATEMENT", "Add a statement to the policy", [[]] if st is None else [["Statement"]]
        )


@check(
    "MISSING_EFFECT",
    FindingType.ERROR,
    family=FAMILY,
    title="Missing effect",
    short="A statement has no Effect.",
    long='Every statement needs "Effect": "Allow" or "Deny".',
    also=[
        code(
            "INVALID_EFFECT",
            FindingType.ERROR,
            family=FAMILY,
            title="Invalid effect",
            short="Effect is neither Allow nor Deny.",
            long="Effect values are case-sensitive: Allow or Deny.",
        )
    ],
)
def effect(ctx: Context) -> None:
    for s in ctx.object_statements:
        if not s.has("Effect"):
            ctx.emit(
                "MISSING_EFFECT",
                "Add an Effect element to the policy statement with a value of Allow or Deny.",
                [s.path],
            )
        elif isinstance(s.effect, str) and s.effect not in ("Allow", "Deny"):
            ctx.emit(
                "INVALID_EFFECT",
                f"The effect {s.effect} is not valid. Use Allow or Deny.",
                [s.element_path("Effect")],
            )


@check(
    "MISSING_ACTION",
    FindingType.ERROR,
    family=FAMILY,
    title="Missing action",
    short="A statement has neither Action nor NotAction.",
    long="Every statement names the actions it applies to with Action or NotAction.",
    also=[
        code(
            "MISSING_RESOURCE",
            FindingType.ERROR,
            family=FAMILY,
            title="Missing resource",
            short="A statement has neither Resource nor NotResource.",
            long="Identity-based, resource-based (except role trust policies), SCP and RCP statements name "
            "the resources they apply to with Resource or NotResource.",
        ),
        code(
            "UNSUPPORTED_ELEMENT_COMBINATION",
            FindingType.ERROR,
            family=FAMILY,
            title="Unsupported element combination",
            short="Action with NotAction, Resource with NotResource, or Principal with NotPrincipal.",
            long="An element and its Not form are mutually exclusive in one statement.",
        ),
    ],
)
def required_elements(ctx: Context) -> None:
    for s in ctx.object_statements:
        for a, b in (("Action", "NotAction"), ("Resource", "NotResource"), ("Principal", "NotPrincipal")):
            if s.has(a) and s.has(b):
                ctx.emit(
                    "UNSUPPORTED_ELEMENT_COMBINATION",
                    f"The policy elements {a} and {b} can not be used in the same statement. "
                    "Remove one of these elements.",
                    [s.element_path(a), s.element_path(b)],
                )
        if not s.has("Action") and not s.has("NotAction"):
            ctx.emit(
                "MISSING_ACTION", "Add an Action or NotAction element to the policy statement.", [s.path]
            )
        if not s.has("Resource") and not s.has("NotResource") and not ctx.is_trust:
            ctx.emit(
                "MISSING_RESOURCE", "Add a Resource or NotResource element to the policy statement.", [s.path]
            )


@check(
    "UNSUPPORTED_SID",
    FindingType.ERROR,
    family=FAMILY,
    title="Unsupported Sid",
    short="The Sid has characters other than letters and digits.",
    long="IAM identity policies, SCPs and RCPs accept only [A-Za-z0-9] in Sid. Resource-based policies "
    "of other services accept more, so the check does not run for them.",
    policy_types=[
        PolicyType.IDENTITY_POLICY,
        PolicyType.SERVICE_CONTROL_POLICY,
        PolicyType.RESOURCE_CONTROL_POLICY,
    ],
    also=[
        code(
            "EMPTY_SID_VALUE",
            FindingType.SUGGESTION,
            family=FAMILY,
            title="Empty Sid value",
            short="The Sid is an empty string.",
            long="An empty Sid identifies nothing; remove it or give it a value.",
        )
    ],
)
def sid_format(ctx: Context) -> None:
    for s in ctx.object_statements:
        sid = s.sid
        if not isinstance(sid, str):
            continue
        if sid == "":
            ctx.emit(
                "EMPTY_SID_VALUE",
                "Add a value to the empty string in the Sid element.",
                [s.element_path("Sid")],
            )
        elif not ctx.is_resource and not _SID_OK.fullmatch(sid):
            ctx.emit(
                "UNSUPPORTED_SID",
                "Update the characters in the Sid element to use one of the following character types: "
                "[a-z, A-Z, 0-9]",
                [s.element_path("Sid")],
            )


@check(
    "UNIQUE_SIDS_REQUIRED",
    FindingType.ERROR,
    family=FAMILY,
    title="Unique Sids required",
    short="Two statements share a Sid in a policy type that requires unique Sids.",
    long="IAM identity policies, SCPs and RCPs reject duplicate statement IDs.",
    also=[
        code(
            "UNIQUE_SIDS_RECOMMENDED",
            FindingType.WARNING,
            family=FAMILY,
            title="Unique Sids recommended",
            short="Two statements of a resource-based policy share a Sid.",
            long="Resource-based policies tolerate duplicate Sids, but they make findings and audit "
            "trails ambiguous.",
        )
    ],
)
def unique_sids(ctx: Context) -> None:
    seen: dict[str, list[Any]] = {}
    for s in ctx.object_statements:
        if isinstance(s.sid, str) and s.sid:
            seen.setdefault(s.sid, []).append(s.element_path("Sid"))
    for sid, paths in seen.items():
        if len(paths) < 2:
            continue
        if ctx.is_resource:
            ctx.emit(
                "UNIQUE_SIDS_RECOMMENDED",
                f"We recommend that you use statement IDs that are unique to your policy. Update the Sid value {sid}.",
                paths[1:],
            )
        else:
            ctx.emit(
                "UNIQUE_SIDS_REQUIRED",
                f"Duplicate statement IDs are not supported for this policy type. Update the Sid value {sid}.",
                paths[1:],
            )


@check(
    "EMPTY_ARRAY_ACTION",
    FindingType.SUGGESTION,
    family=FAMILY,
    title="Empty array action",
    short="Action is an empty array.",
    long="A statement with no actions grants or denies nothing.",
    also=[
        code(
            "EMPTY_ARRAY_RESOURCE",
            FindingType.SUGGESTION,
            family=FAMILY,
            title="Empty array resource",
            short="Resource is an empty array.",
            long="A statement with no resources grants or denies nothing.",
        ),
        code(
            "EMPTY_ARRAY_PRINCIPAL",
            FindingType.SUGGESTION,
            family=FAMILY,
            title="Empty array principal",
            short="A principal type has an empty array.",
            long="A statement with no principals grants or denies nothing.",
        ),
        code(
            "EMPTY_OBJECT_PRINCIPAL",
            FindingType.SUGGESTION,
            family=FAMILY,
            title="Empty object principal",
            short="Principal is an empty object.",
            long="A statement with no principals grants or denies nothing.",
        ),
        code(
            "EMPTY_OBJECT_CONDITION",
            FindingType.SUGGESTION,
            family=FAMILY,
            title="Empty object condition",
            short="Condition (or an operator block) is an empty object.",
            long="An empty condition block has no effect; remove it or add conditions.",
        ),
    ],
)
def empty_elements(ctx: Context) -> None:
    for s in ctx.object_statements:
        for name in ("Action", "NotAction"):
            if s.get(name) == []:
                ctx.emit(
                    "EMPTY_ARRAY_ACTION",
                    "This statement includes no actions and does not affect the policy. Specify actions.",
                    [s.element_path(name)],
                )
        for name in ("Resource", "NotResource"):
            if s.get(name) == []:
                ctx.emit(
                    "EMPTY_ARRAY_RESOURCE",
                    "This statement includes no resources and does not affect the policy. Specify resources.",
                    [s.element_path(name)],
                )
        for name in ("Principal", "NotPrincipal"):
            p = s.get(name)
            if p == {}:
                ctx.emit(
                    "EMPTY_OBJECT_PRINCIPAL",
                    "This statement includes no principals and does not affect the policy. Specify principals.",
                    [s.element_path(name)],
                )
            elif isinstance(p, dict):
                for ptype, value in p.items():
                    if value == []:
                        ctx.emit(
                            "EMPTY_ARRAY_PRINCIPAL",
                            "This statement includes no principals and does not affect the policy. "
                            "Specify principals.",
                            [[*s.element_path(name), ptype]],
                        )
        cond = s.get("Condition")
        if cond == {}:
            ctx.emit(
                "EMPTY_OBJECT_CONDITION",
                "This condition block is empty and it does not affect the policy. Specify conditions.",
                [s.element_path("Condition")],
            )
        elif isinstance(cond, dict):
            for op, block in cond.items():
                if block == {}:
                    ctx.emit(
                        "EMPTY_OBJECT_CONDITION",
                        "This condition block is empty and it does not affect the policy. Specify conditions.",
                        [[*s.element_path("Condition"), op]],
                    )
