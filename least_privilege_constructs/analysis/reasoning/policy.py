"""Normalized policies for reasoning: statements with every element as a tuple, conditions parsed.

The reasoning reads the project's one policy model (:func:`least_privilege_constructs.analysis.model.
parse_policy`, statement views with exact JSON paths; principals and condition entries through the view's
``principals()`` and ``conditions()``) and derives from it the normalized view its evaluator and SMT
encoding need (hashable tuples, parsed condition operators, a canonical form for the fast paths, which the
model's lazy, mutable views do not offer): :func:`parse_policy` turns a document into a :class:`Policy` whose
statements keep the model's ``path`` (``["Statement", 2]``); bad input raises :class:`PolicyError`
naming the JSON path (``Statement[2].Condition``).

Example::

    >>> p = parse_policy({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:Get*",
    ...                   "Resource": "*"}})
    >>> p.statements[0].actions
    ('s3:Get*',)
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from least_privilege_constructs.analysis.model.policy import Statement as ModelStatement

SET_OPERATORS = ("ForAllValues", "ForAnyValue")


class PolicyError(ValueError):
    """A policy that cannot be understood; the message names the JSON path."""


@dataclass(frozen=True)
class PrincipalEntry:
    """One principal of a ``Principal``/``NotPrincipal`` element: ``kind`` is ``*`` (the bare string
    ``"*"``), ``AWS``, ``Service``, ``Federated`` or ``CanonicalUser``."""

    kind: str
    value: str


@dataclass(frozen=True)
class Condition:
    """One (operator, key, values) triple of a ``Condition`` block.

    ``operator`` is the text of the policy (``ForAnyValue:StringLikeIfExists``); ``base`` the operator
    without qualifier or suffix (``StringLike``); ``set_op`` ``ForAllValues``/``ForAnyValue``/None.
    """

    operator: str
    base: str
    set_op: str | None
    if_exists: bool
    key: str
    values: tuple[str, ...]
    variables: bool = True
    """Whether ``${...}`` in the values is a policy variable: only under ``"Version": "2012-10-17"``
    (see :func:`variables_enabled`); otherwise it is literal text."""

    @property
    def path(self) -> tuple[str, str]:
        return (self.operator, self.key)


@dataclass(frozen=True)
class Statement:
    """One normalized statement. Exactly one of ``actions``/``not_actions`` is set, likewise for
    resources; principals are None when the statement has neither ``Principal`` nor ``NotPrincipal``."""

    index: int
    sid: str | None
    effect: str
    actions: tuple[str, ...] | None = None
    not_actions: tuple[str, ...] | None = None
    resources: tuple[str, ...] | None = None
    not_resources: tuple[str, ...] | None = None
    principals: tuple[PrincipalEntry, ...] | None = None
    not_principals: tuple[PrincipalEntry, ...] | None = None
    conditions: tuple[Condition, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)
    variables: bool = True
    """Whether ``${...}`` in Resource/NotResource and condition values is a policy variable (the policy's
    ``Version`` is ``2012-10-17``); otherwise it is literal text (:func:`variables_enabled`)."""
    path: tuple[str | int, ...] = field(default=(), compare=False, hash=False)
    """The statement's JSON path in its document, as the policy model reports it (``("Statement", 2)``;
    ``("Statement",)`` for a single statement object)."""
    action_services: frozenset[str] | None = None
    """When set, the lower-case service prefixes whose actions the statement can apply to, whatever its
    ``Action``/``NotAction`` says: a resource control policy's statements restrict only the services the
    Organizations guide lists (:mod:`least_privilege_constructs.analysis.iam.organizations`)."""

    @property
    def is_allow(self) -> bool:
        return self.effect == "Allow"

    def label(self) -> str:
        return f"Statement[{self.index}]" + (f" ({self.sid})" if self.sid else "")

    def canonical(self) -> str:
        """A canonical text of the statement's meaning (order-insensitive lists, no Sid) used by the
        syntactic fast paths."""
        data = {
            "e": self.effect,
            "a": sorted(a.lower() for a in self.actions) if self.actions is not None else None,
            "na": sorted(a.lower() for a in self.not_actions) if self.not_actions is not None else None,
            "r": sorted(self.resources) if self.resources is not None else None,
            "nr": sorted(self.not_resources) if self.not_resources is not None else None,
            "p": sorted((p.kind, p.value) for p in self.principals) if self.principals is not None else None,
            "np": (
                sorted((p.kind, p.value) for p in self.not_principals)
                if self.not_principals is not None
                else None
            ),
            "c": sorted((c.operator.lower(), c.key.lower(), sorted(c.values)) for c in self.conditions),
            "v": self.variables,
        }
        if self.action_services is not None:
            data["s"] = sorted(self.action_services)
        return json.dumps(data, sort_keys=True)


@dataclass(frozen=True)
class Policy:
    """A normalized policy document."""

    statements: tuple[Statement, ...]
    name: str = ""
    document: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def allows(self) -> tuple[Statement, ...]:
        return tuple(s for s in self.statements if s.is_allow)

    @property
    def denies(self) -> tuple[Statement, ...]:
        return tuple(s for s in self.statements if not s.is_allow)


def _plain(value: Any) -> Any:
    """``value`` with every mapping a ``dict`` (the same object when it already is one throughout)."""
    if isinstance(value, Mapping):
        items = {k: _plain(v) for k, v in value.items()}
        if isinstance(value, dict) and all(items[k] is v for k, v in value.items()):
            return value
        return items
    if isinstance(value, list):
        converted = [_plain(v) for v in value]
        return value if all(a is b for a, b in zip(converted, value, strict=True)) else converted
    return value


def _as_str_tuple(value: Any, path: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise PolicyError(f"{path}: expected a string or a list of strings, got {json.dumps(value)[:80]}")


def _condition_value(v: Any, path: str) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, str):
        return v
    raise PolicyError(f"{path}: a condition value must be a string, number or boolean")


def _principals(view: ModelStatement, element: str, path: str) -> tuple[PrincipalEntry, ...]:
    """The entries of ``Principal``/``NotPrincipal``, read through the policy model's
    :meth:`~least_privilege_constructs.analysis.model.policy.Statement.principals`."""
    out: list[PrincipalEntry] = []
    for kind, located in view.principals(element):
        if kind is None:
            if located.value == "*":
                return (PrincipalEntry("*", "*"),)
            raise PolicyError(f'{path}: expected "*" or an object of principal types')
        if kind not in ("AWS", "Service", "Federated", "CanonicalUser"):
            raise PolicyError(f"{path}.{kind}: unknown principal type")
        if not isinstance(located.value, str):
            raise PolicyError(f"{path}.{kind}: expected a string or a list of strings, got {json.dumps(located.value)[:80]}")
        out.append(PrincipalEntry(kind, located.value))
    if not out and not isinstance(view.get(element), Mapping):  # pragma: no cover - handled above
        raise PolicyError(f'{path}: expected "*" or an object of principal types')
    return tuple(out)


def parse_operator(operator: str, path: str = "Condition") -> tuple[str | None, str, bool]:
    """Split ``ForAnyValue:StringLikeIfExists`` into (set operator, base operator, if-exists)."""
    set_op: str | None = None
    rest = operator
    if ":" in operator:
        qual, _, rest = operator.partition(":")
        match = [s for s in SET_OPERATORS if s.lower() == qual.lower()]
        if not match:
            raise PolicyError(f"{path}.{operator}: unknown set operator {qual!r}")
        set_op = match[0]
    if_exists = rest.endswith("IfExists") and rest != "IfExists"
    base = rest[: -len("IfExists")] if if_exists else rest
    from least_privilege_constructs.analysis.reasoning.conditions import OPERATORS

    if base not in OPERATORS:
        raise PolicyError(f"{path}.{operator}: unknown condition operator {base!r}")
    if base == "Null" and (if_exists or set_op):
        raise PolicyError(f"{path}.{operator}: Null cannot be combined with IfExists or a set operator")
    return set_op, base, if_exists


def variables_enabled(version: Any) -> bool:
    """Whether a policy of this ``Version`` has policy variables.

    IAM User Guide, *IAM JSON policy elements: Version*
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html): "If you do
    not include a Version element, the value defaults to 2008-10-17 ... newer features, such as policy
    variables, will not work"; *Variables and tags*: "you must include the Version element and set it to a
    version that supports policy variables" (2012-10-17) — otherwise ``${aws:username}`` is literal text.
    """
    return version == "2012-10-17"


def _conditions(view: ModelStatement, path: str, variables: bool = True) -> tuple[Condition, ...]:
    """The Condition block, read through the policy model's
    :meth:`~least_privilege_constructs.analysis.model.policy.Statement.conditions` (which skips malformed
    blocks: those are rejected here first, failing closed)."""
    value = view.get("Condition")
    if not isinstance(value, Mapping):
        raise PolicyError(f"{path}: expected an object of condition operators")
    parsed: dict[str, tuple[str | None, str, bool]] = {}
    for operator, block in value.items():
        parsed[operator] = parse_operator(str(operator), path)
        if not isinstance(block, Mapping):
            raise PolicyError(f"{path}.{operator}: expected an object of condition keys")
    out: list[Condition] = []
    for entry in view.conditions():
        set_op, base, if_exists = parsed[entry.operator]
        where = f"{path}.{entry.operator}.{entry.key}"
        values = tuple(_condition_value(v.value, where) for v in entry.values)
        out.append(Condition(str(entry.operator), base, set_op, if_exists, str(entry.key), values, variables))
    return tuple(out)


def parse_statement(
    raw: Any,
    index: int,
    path: str = "Statement",
    *,
    variables: bool = True,
    json_path: tuple[str | int, ...] = (),
) -> Statement:
    """Normalize one statement (``path`` is used in error messages; ``variables``: whether the policy's
    ``Version`` enables policy variables, see :func:`variables_enabled`). ``raw`` is the statement's JSON
    value or the policy model's statement view, whose accessors read it."""
    where = f"{path}[{index}]"
    if isinstance(raw, ModelStatement):  # from the model's parse: JSON values, every mapping a dict
        view = raw
    else:  # the model's accessors read dicts: any other mapping is copied first
        view = ModelStatement(_plain(raw), index, list(json_path or ("Statement", index)))
    raw = view.raw
    if not isinstance(raw, Mapping):
        raise PolicyError(f"{where}: a statement must be an object")
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise PolicyError(f'{where}.Effect: must be "Allow" or "Deny", got {effect!r}')
    if ("Action" in raw) == ("NotAction" in raw):
        raise PolicyError(f"{where}: exactly one of Action and NotAction is required")
    if "Resource" in raw and "NotResource" in raw:
        raise PolicyError(f"{where}: Resource and NotResource cannot both be present")
    if "Principal" in raw and "NotPrincipal" in raw:
        raise PolicyError(f"{where}: Principal and NotPrincipal cannot both be present")
    sid = raw.get("Sid")
    return Statement(
        index=index,
        sid=str(sid) if sid is not None else None,
        effect=str(effect),
        actions=_as_str_tuple(raw["Action"], f"{where}.Action") if "Action" in raw else None,
        not_actions=_as_str_tuple(raw["NotAction"], f"{where}.NotAction") if "NotAction" in raw else None,
        # a statement without Resource (trust policies, some resource policies) applies to the resource
        resources=(
            _as_str_tuple(raw["Resource"], f"{where}.Resource")
            if "Resource" in raw
            else (None if "NotResource" in raw else ("*",))
        ),
        not_resources=(
            _as_str_tuple(raw["NotResource"], f"{where}.NotResource") if "NotResource" in raw else None
        ),
        principals=_principals(view, "Principal", f"{where}.Principal") if "Principal" in raw else None,
        not_principals=(
            _principals(view, "NotPrincipal", f"{where}.NotPrincipal") if "NotPrincipal" in raw else None
        ),
        conditions=_conditions(view, f"{where}.Condition", variables) if "Condition" in raw else (),
        raw=raw,
        variables=variables,
        path=json_path or ("Statement", index),
    )


def parse_policy(document: Any, name: str = "") -> Policy:
    """Normalize a policy document (a dict or its JSON text). Raises :class:`PolicyError`.

    The document is read through the one policy model (:mod:`least_privilege_constructs.analysis.model`),
    so JSON text, bytes and Python values are accepted and rejected exactly as everywhere else."""
    from least_privilege_constructs.analysis.model import PolicyParseError
    from least_privilege_constructs.analysis.model import parse_policy as parse_model

    if isinstance(document, Policy):
        return document
    label = name or "policy"
    try:
        model = parse_model(document)
    except PolicyParseError as exc:
        raise PolicyError(f"{label}: not valid JSON ({exc.message}, line {exc.line} column {exc.column})") from None
    raw = model.raw
    if not isinstance(raw, Mapping):
        raise PolicyError(f"{label}: a policy document must be a JSON object")
    stmts = raw.get("Statement")
    if stmts is None:
        raise PolicyError(f"{label}: missing Statement")
    if not isinstance(stmts, (Mapping, list)):
        raise PolicyError(f"{label}.Statement: expected an object or a list of objects")
    prefix = f"{name}: Statement" if name else "Statement"
    variables = variables_enabled(model.version)
    return Policy(
        tuple(
            parse_statement(
                view, i, prefix, variables=variables, json_path=tuple(p for p in view.path if p is not None)
            )
            for i, view in enumerate(model.statements)
        ),
        name=name,
        document=raw,
    )
