"""What every rule of the pack shares: its input (one synthesized resource), its output, its metadata.

A rule is a small pure function ``check(resource: RuleInput) -> RuleResult`` over the *synthesized*
CloudFormation resource (intrinsics resolved by the analysis core), decorated with :func:`rule`, which
records what it checks, why and how to fix it (the README's rules table is generated from that).

It returns :data:`NOT_APPLICABLE`, an empty list (compliant) or a list of :class:`NagFinding`, one per
thing a user may want to acknowledge on its own (``Action::iam:PassRole``, ``Resource::*``). A rule that
cannot decide raises :class:`Unanalyzable`; the pack turns that into a blocking finding (fail closed).

Example::

    >>> from least_privilege_constructs.analysis.rules.config import NagConfig
    >>> inp = RuleInput("U", "AWS::IAM::User", {"LoginProfile": {"Password": "x"}}, config=NagConfig())
    >>> inp.properties["LoginProfile"]["Password"]
    'x'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from least_privilege_constructs.analysis.findings import JsonPath, format_path
from least_privilege_constructs.analysis.rules.config import NagConfig

if TYPE_CHECKING:  # pragma: no cover
    from least_privilege_constructs.analysis.rules.stack_view import StackView


class _NotApplicable:
    _instance: _NotApplicable | None = None

    def __new__(cls) -> _NotApplicable:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NOT_APPLICABLE"


NOT_APPLICABLE: Final = _NotApplicable()
"""The rule does not look at this kind of resource."""


@dataclass(frozen=True)
class NagFinding:
    """One acknowledgeable finding: ``key`` becomes the suffix of ``LP-IAM4[<key>]``; ``detail`` explains it.

    ``statements`` are the policy statements it is about, as JSON paths below the resource's ``Properties``
    (``Policies[0].PolicyDocument.Statement[1]``, see :func:`statement_path`), and ``actions`` the action
    patterns of those statements it reports (``iam:PassRole``, ``*``): the gate uses them to tell whether two
    checks' findings are about the same statement (one mistake, one finding:
    :mod:`least_privilege_constructs.analysis.finding_ids`).
    """

    key: str
    detail: str
    statements: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    not_actions: tuple[str, ...] = ()
    """With ``actions`` ``("*",)``: the actions the statement does not grant (its ``NotAction`` list)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", finding_key(self.key))


def add_finding(found: dict[str, NagFinding], key: str, detail: str, *, statement: str | None = None,
                actions: Sequence[str] = ()) -> None:
    """Record a finding under ``key`` in ``found``; a key seen before (the same action in another statement)
    keeps its first detail and gains the statement and actions.

    >>> found: dict[str, NagFinding] = {}
    >>> add_finding(found, "Resource::*", "iam:PassRole on *", statement="PolicyDocument.Statement[0]")
    >>> add_finding(found, "Resource::*", "again", statement="PolicyDocument.Statement[2]", actions=["iam:*"])
    >>> found["Resource::*"].detail, found["Resource::*"].statements, found["Resource::*"].actions
    ('iam:PassRole on *', ('PolicyDocument.Statement[0]', 'PolicyDocument.Statement[2]'), ('iam:*',))
    """
    key = finding_key(key)
    before = found.get(key)
    stmts = (statement,) if statement else ()
    if before is None:
        found[key] = NagFinding(key, detail, stmts, tuple(dict.fromkeys(actions)))
        return
    found[key] = NagFinding(key, before.detail, tuple(dict.fromkeys((*before.statements, *stmts))),
                            tuple(dict.fromkeys((*before.actions, *actions))))


RuleResult = _NotApplicable | list[NagFinding]


class Unanalyzable(Exception):
    """The rule could not decide (an unresolvable intrinsic, a malformed document): fail closed."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key
        self.message = message


@dataclass
class RuleInput:
    """One synthesized resource as a rule sees it.

    ``properties`` are the resource's ``Properties`` with intrinsic functions resolved; ``problems`` lists
    the JSON paths (below ``Properties``) that could not be resolved, with the reason. ``stack`` gives the
    rest of the template (other resources, attachments) for the few rules that need it.
    """

    logical_id: str
    resource_type: str
    properties: dict[str, Any]
    problems: list[tuple[JsonPath, str]] = field(default_factory=list)
    config: NagConfig = field(default_factory=NagConfig)
    stack: StackView | None = None
    account: str = "${AWS::AccountId}"
    """The account the stack deploys to (literal, or ``${AWS::AccountId}`` for environment-agnostic stacks)."""

    def require(self, *properties: str) -> None:
        """Raise :class:`Unanalyzable` when a property the rule reads could not be resolved."""
        for path, message in self.problems:
            if not properties or (path and path[0] in properties):
                where = format_path(path) or "Properties"
                raise Unanalyzable(
                    f"Unresolved::{path[0] if path else 'Properties'}",
                    f"{self.logical_id}.Properties.{where} could not be resolved: {message}",
                )


@dataclass(frozen=True)
class RuleDoc:
    """What a rule checks, why, and how to fix it (the rules table's columns)."""

    title: str
    checks: str
    why: str
    fix: str
    resource_types: frozenset[str]


RuleFunction = Callable[[RuleInput], RuleResult]


def rule(
    *, title: str, checks: str, why: str, fix: str, resource_types: Iterable[str]
) -> Callable[[RuleFunction], RuleFunction]:
    """Attach a :class:`RuleDoc` to a rule function (as ``fn.doc``)."""

    def wrap(fn: RuleFunction) -> RuleFunction:
        fn.doc = RuleDoc(title, checks, why, fix, frozenset(resource_types))  # type: ignore[attr-defined]
        return fn

    return wrap


def doc_of(fn: RuleFunction) -> RuleDoc:
    doc = getattr(fn, "doc", None)
    if not isinstance(doc, RuleDoc):
        raise TypeError(f"rule function {fn.__module__}.{fn.__name__} is not decorated with @rule")
    return doc


_BRACKETS = {"]": "[", ")": "(", "}": "{"}


def finding_key(text: str) -> str:
    """Make ``text`` usable inside ``RULE[<key>]``: CDK turns spaces into ``-`` in acknowledgment ids and
    refuses unbalanced brackets, so the key must have neither."""
    text = re.sub(r"\s+", "-", text.strip())
    stack: list[str] = []
    for c in text:
        if c in "[({":
            stack.append(c)
        elif c in _BRACKETS:
            if not stack or stack.pop() != _BRACKETS[c]:
                return re.sub(r"[\[\](){}]", "_", text)
    return text if not stack else re.sub(r"[\[\](){}]", "_", text)


def as_list(value: Any) -> list[Any]:
    """A policy field that may be a scalar or a list, as a list (``None`` -> ``[]``)."""
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def statement_path(where: str, index: int) -> str:
    """The JSON path of statement ``index`` of the policy document at ``where`` (below ``Properties``).

    >>> statement_path("Policies[0].PolicyDocument", 1)
    'Policies[0].PolicyDocument.Statement[1]'
    """
    return f"{where}.Statement[{index}]"


def statement_ref(label: str | None, index: int, statement: dict[str, Any], siblings: Sequence[Any]) -> str:
    """A stable, readable name for a statement of a policy whose statements are ``siblings``: its Sid when no
    other statement has it and it is not a number (which could be another statement's index), else its index;
    prefixed by the policy's name. Two statements never get one name, so an acknowledgment names one.

    >>> stmts = [{"Sid": "Read"}, {"Sid": "Read"}, {"Sid": "2"}, {}]
    >>> [statement_ref(None, i, s, stmts) for i, s in enumerate(stmts)], statement_ref("p", 0, {"Sid": "A"}, [{"Sid": "A"}])
    (['0', '1', '2', '3'], 'p/A')
    """
    sid = statement.get("Sid")
    unique = sum(1 for s in siblings if isinstance(s, dict) and s.get("Sid") == sid) <= 1
    own = sid if isinstance(sid, str) and sid and not sid.isdigit() and unique else str(index)
    return f"{label}/{own}" if label else own


def first(items: Sequence[str], n: int = 5) -> str:
    """``a, b, c (+4 more)``."""
    shown = ", ".join(items[:n])
    return shown + (f" (+{len(items) - n} more)" if len(items) > n else "")
