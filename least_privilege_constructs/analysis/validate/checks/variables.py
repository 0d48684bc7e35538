"""Policy variables (${aws:username}): syntax, where they may appear, and the Version they need."""

from __future__ import annotations

import re

from least_privilege_constructs.analysis.findings import FindingType, JsonPath
from least_privilege_constructs.analysis.validate.keys import parse_operator
from least_privilege_constructs.analysis.validate.registry import Context, check, code

FAMILY = "variables"
_SPECIAL = {"*", "?", "$"}
_DEFAULT = re.compile(r"'[^']*'")


def variables_in(text: str) -> list[str]:
    """The bodies of ``${...}`` in ``text``; an unterminated one is returned with a trailing NUL."""
    out: list[str] = []
    i = 0
    while True:
        start = text.find("${", i)
        if start < 0:
            return out
        end = text.find("}", start + 2)
        if end < 0:
            out.append(text[start + 2 :] + "\0")
            return out
        out.append(text[start + 2 : end])
        i = end + 1


def _problem(body: str) -> str | None:
    if body.endswith("\0"):
        return "MISSING_BRACE_IN_VARIABLE"
    if body.strip() == "":
        return "EMPTY_VARIABLE"
    if body in _SPECIAL:
        return None
    name, comma, default = body.partition(",")
    if any(c.isspace() for c in name):
        return "UNSUPPORTED_SPACE_IN_VARIABLE"
    if comma and not _DEFAULT.fullmatch(default.strip()):
        return "MISSING_QUOTE_IN_VARIABLE"
    return None


_MESSAGES = {
    "MISSING_BRACE_IN_VARIABLE": "The policy variable is missing a closing curly brace. Add } after the variable text.",
    "EMPTY_VARIABLE": "Empty policy variable. Remove the variable structure or provide a variable within the structure.",
    "UNSUPPORTED_SPACE_IN_VARIABLE": "A space is not supported within the policy variable text. Remove the space.",
    "MISSING_QUOTE_IN_VARIABLE": "The policy variable default value must begin and end with a single quote. Add the missing quote.",
}


def _texts(ctx: Context) -> list[tuple[str, str, JsonPath, str | None]]:
    """(element, text, path, operator) of every string in statements."""
    out: list[tuple[str, str, JsonPath, str | None]] = []
    for s in ctx.object_statements:
        for element in ("Sid", "Effect"):
            v = s.get(element)
            if isinstance(v, str):
                out.append((element, v, s.element_path(element), None))
        for element in ("Action", "NotAction", "Resource", "NotResource"):
            for loc in s.strings(element):
                out.append((element, loc.value, loc.path, None))
        for element in ("Principal", "NotPrincipal"):
            for _t, loc in s.principals(element):
                if isinstance(loc.value, str):
                    out.append((element, loc.value, loc.path, None))
        for e in s.conditions():
            for loc in e.values:
                if isinstance(loc.value, str):
                    out.append(("Condition", loc.value, loc.path, e.operator))
    return out


@check(
    "MISSING_BRACE_IN_VARIABLE",
    FindingType.ERROR,
    family=FAMILY,
    title="Missing brace in variable",
    short="${ without a closing }.",
    long="Policy variables are written ${name}; without the closing brace the text is literal.",
    also=[
        code(
            "EMPTY_VARIABLE",
            FindingType.ERROR,
            family=FAMILY,
            title="Empty variable",
            short="${} with nothing inside.",
            long="Name the request value inside ${...} or remove it.",
        ),
        code(
            "UNSUPPORTED_SPACE_IN_VARIABLE",
            FindingType.ERROR,
            family=FAMILY,
            title="Unsupported space in variable",
            short="A space inside a variable name.",
            long="Variable names have no spaces (a space is allowed only in the default value).",
        ),
        code(
            "MISSING_QUOTE_IN_VARIABLE",
            FindingType.ERROR,
            family=FAMILY,
            title="Missing quote in variable",
            short="A default value not in single quotes.",
            long="Default values are written ${aws:username, 'anonymous'}.",
        ),
        code(
            "VARIABLE_UNSUPPORTED_IN_ELEMENT",
            FindingType.ERROR,
            family=FAMILY,
            title="Variable unsupported in element",
            short="A variable outside Resource and Condition.",
            long="Policy variables are replaced only in Resource/NotResource and in condition values.",
        ),
        code(
            "VARIABLE_UNSUPPORTED_IN_VERSION",
            FindingType.ERROR,
            family=FAMILY,
            title="Variable unsupported in version",
            short="Variables with a Version other than 2012-10-17.",
            long="Only the 2012-10-17 policy language replaces variables; with 2008-10-17 or no Version "
            "they are literal text.",
        ),
        code(
            "INVALID_VARIABLE_FOR_OPERATOR",
            FindingType.ERROR,
            family=FAMILY,
            title="Invalid variable for operator",
            short="A variable in a condition whose operator is not a String or ARN operator.",
            long="Variables are replaced only for String and ARN operators (not Numeric, Date, Bool, "
            "Binary, IP address or Null).",
        ),
    ],
)
def variables(ctx: Context) -> None:
    if "${" not in ctx.text:
        return
    any_variable: JsonPath | None = None
    for element, text, path, operator in _texts(ctx):
        if "${" not in text:
            continue
        bodies = variables_in(text)
        problems = [p for p in (_problem(b) for b in bodies) if p]
        for issue in dict.fromkeys(problems):
            ctx.emit(issue, _MESSAGES[issue], [path])
        real = [b for b in bodies if b not in _SPECIAL and not b.endswith("\0") and b.strip()]
        if not real:
            continue
        any_variable = any_variable or path
        if element not in ("Resource", "NotResource", "Condition"):
            ctx.emit(
                "VARIABLE_UNSUPPORTED_IN_ELEMENT",
                f"Policy variables are supported in the Resource and Condition elements. Remove the policy "
                f"variable from the {element} element.",
                [path],
            )
        elif operator is not None:
            fam = parse_operator(operator).family
            if fam is not None and fam not in ("String", "ARN"):
                ctx.emit(
                    "INVALID_VARIABLE_FOR_OPERATOR",
                    "Policy variables can only be used with String and ARN operators.",
                    [path],
                )
    if any_variable is not None and ctx.doc.is_object and ctx.doc.version != "2012-10-17":
        ctx.emit(
            "VARIABLE_UNSUPPORTED_IN_VERSION",
            "To include variables in your policy, use the policy version 2012-10-17 or later.",
            [["Version"] if "Version" in ctx.doc.raw else []],
        )
