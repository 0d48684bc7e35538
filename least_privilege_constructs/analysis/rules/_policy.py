"""Policy-document helpers shared by the rules (pure Python over resolved CloudFormation JSON)."""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from typing import Any

from least_privilege_constructs.analysis.catalog import get_catalog
from least_privilege_constructs.analysis.iam.arn import Arn, is_account_id
from least_privilege_constructs.analysis.rules.base import RuleInput, Unanalyzable, as_list


@dataclass(frozen=True)
class PolicyDoc:
    """One policy document of a resource: a label (inline policy name, or None), the document, and the
    property it lives in (for messages)."""

    label: str | None
    document: dict[str, Any]
    where: str


IDENTITY_POLICY_TYPES = frozenset(
    {
        "AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy",
        "AWS::IAM::RolePolicy", "AWS::IAM::UserPolicy", "AWS::IAM::GroupPolicy",
    }
)
PRINCIPAL_TYPES = frozenset({"AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group"})


def load_document(value: Any, where: str) -> dict[str, Any]:
    """A policy document (object or JSON string) as a dict with a Statement list, or Unanalyzable."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise Unanalyzable("Malformed::PolicyDocument", f"{where} is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise Unanalyzable("Malformed::PolicyDocument", f"{where} is not a policy document object")
    stmts = value.get("Statement")
    if isinstance(stmts, dict):
        value = {**value, "Statement": [stmts]}
    elif not isinstance(stmts, list):
        raise Unanalyzable("Malformed::PolicyDocument", f"{where} has no Statement list")
    return value


def identity_documents(inp: RuleInput) -> list[PolicyDoc]:
    """The identity-policy documents a resource carries (inline policies of a principal, or a policy)."""
    props = inp.properties
    if inp.resource_type in PRINCIPAL_TYPES:
        inp.require("Policies")
        out = []
        for i, pol in enumerate(as_list(props.get("Policies"))):
            if not isinstance(pol, dict):
                raise Unanalyzable("Malformed::Policies", f"{inp.logical_id}.Policies[{i}] is not an object")
            name = str(pol.get("PolicyName") or f"Policies[{i}]")
            out.append(PolicyDoc(name, load_document(pol.get("PolicyDocument"), f"{inp.logical_id}.Policies[{i}]"),
                                 f"Policies[{i}].PolicyDocument"))
        return out
    if inp.resource_type in IDENTITY_POLICY_TYPES:
        inp.require("PolicyDocument")
        return [PolicyDoc(None, load_document(props.get("PolicyDocument"), f"{inp.logical_id}.PolicyDocument"),
                          "PolicyDocument")]
    return []


def statements(doc: PolicyDoc) -> list[tuple[int, dict[str, Any]]]:
    out = []
    for i, stmt in enumerate(doc.document.get("Statement", [])):
        if not isinstance(stmt, dict):
            raise Unanalyzable("Malformed::Statement", f"{doc.where}.Statement[{i}] is not an object")
        out.append((i, stmt))
    return out


def is_allow(stmt: dict[str, Any]) -> bool:
    return stmt.get("Effect") == "Allow"


def strings(value: Any) -> list[str]:
    return [v for v in as_list(value) if isinstance(v, str)]


def element_text(stmt: dict[str, Any], name: str) -> str:
    """A statement's ``Action`` or ``Resource`` (or its ``Not`` form) in words, for a finding's message.

    >>> element_text({"NotAction": ["s3:DeleteBucket"]}, "Action"), element_text({"Resource": "*"}, "Resource")
    ('every action except s3:DeleteBucket', '*')
    """
    if f"Not{name}" in stmt:
        return f"every {name.lower()} except {', '.join(strings(stmt.get(f'Not{name}'))) or '(none listed)'}"
    return ", ".join(strings(stmt.get(name))) or f"(no {name})"


@functools.lru_cache(maxsize=4096)
def expand(pattern: str) -> frozenset[str]:
    """The catalog actions an action pattern grants (``*`` means every action; unknown -> empty)."""
    return get_catalog().expand_action(pattern)


@functools.lru_cache(maxsize=8192)
def access_level(action: str) -> str:
    return get_catalog().access_level(action) or ""


def condition_values(stmt: dict[str, Any], key: str, *, positive_only: bool = True) -> list[str]:
    """Values a statement's Condition gives ``key`` (case-insensitive) under restricting operators.

    Only operators that restrict the request when the key is present count: ``StringEquals``, ``StringLike``,
    ``ArnEquals``, ``ArnLike`` and their ``ForAnyValue:`` forms; ``ForAllValues:``, ``...IfExists`` and the
    negated operators do not (a missing key passes them).
    """
    cond = stmt.get("Condition")
    if not isinstance(cond, dict):
        return []
    out: list[str] = []
    for op, block in cond.items():
        if not isinstance(block, dict):
            continue
        base = op.split(":", 1)[-1]
        if positive_only and (base.endswith("IfExists") or "Not" in base or op.lower().startswith("forallvalues:")):
            # ForAllValues is true when the key is absent (Condition operators page, "multivalued context
            # keys": "returns true if there are no context keys in the request"), so it restricts nothing
            continue
        if base not in {"StringEquals", "StringLike", "ArnEquals", "ArnLike", "StringEqualsIgnoreCase"}:
            continue
        for k, v in block.items():
            if k.lower() == key.lower():
                out.extend(str(x) for x in as_list(v))
    return out


def condition_keys(stmt: dict[str, Any]) -> list[str]:
    cond = stmt.get("Condition")
    if not isinstance(cond, dict):
        return []
    return [k for block in cond.values() if isinstance(block, dict) for k in block]


def principals(stmt: dict[str, Any]) -> list[tuple[str, str]]:
    """``(kind, value)`` pairs of a statement's Principal: kind is ``*``, ``AWS``, ``Service``,
    ``Federated`` or ``CanonicalUser``."""
    p = stmt.get("Principal")
    if p is None:
        return []
    if p == "*":
        return [("*", "*")]
    if not isinstance(p, dict):
        return [("?", str(p))]
    return [(kind, str(v)) for kind, values in p.items() for v in as_list(values)]


def root_account(principal: str, account: str) -> str | None:
    """The account whose root ``principal`` is (``arn:...:root``, a bare account id, ``${AWS::AccountId}``)."""
    if principal == account or is_account_id(principal):
        return principal
    arn = Arn.parse(principal)
    if arn and arn.service == "iam" and arn.resource == "root":
        return arn.account
    return None


def is_unscoped(resource: str) -> bool:
    """``*`` or an ARN whose resource part is only a wildcard (``arn:aws:lambda:*:*:function:*``)."""
    if resource == "*":
        return True
    arn = Arn.parse(resource)
    if not arn:
        return False
    res = arn.resource
    return res in ("*", "") or bool(re.fullmatch(r"[A-Za-z0-9_.-]+[:/]\*", res))


def is_boundary_policy(inp: RuleInput) -> bool:
    """A managed policy that is the approved permissions boundary and attached to no principal: it caps
    permissions rather than granting them, so the grant rules do not read it."""
    if inp.resource_type != "AWS::IAM::ManagedPolicy":
        return False
    props = inp.properties
    if any(props.get(k) for k in ("Roles", "Users", "Groups")):
        return False
    return props.get("ManagedPolicyName") == inp.config.boundary_name


def grant_documents(inp: RuleInput) -> list[PolicyDoc]:
    """The identity-policy documents that grant permissions (all but the approved boundary policy)."""
    return [] if is_boundary_policy(inp) else identity_documents(inp)
