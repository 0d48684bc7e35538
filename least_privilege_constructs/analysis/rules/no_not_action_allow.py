"""LP-IAM5: no Allow statement with ``NotAction`` or ``NotResource``."""

from __future__ import annotations

from least_privilege_constructs.analysis.rules._policy import (
    IDENTITY_POLICY_TYPES,
    PolicyDoc,
    element_text,
    grant_documents,
    is_allow,
    load_document,
    statements,
    strings,
)
from least_privilege_constructs.analysis.rules._resource_policies import (
    RESOURCE_POLICY_PROPERTIES,
    resource_policy,
)
from least_privilege_constructs.analysis.rules.base import (
    NOT_APPLICABLE,
    NagFinding,
    RuleInput,
    RuleResult,
    rule,
    statement_path,
    statement_ref,
)


def _documents(resource: RuleInput) -> list[PolicyDoc]:
    docs = grant_documents(resource)
    if resource.resource_type == "AWS::IAM::Role":
        resource.require("AssumeRolePolicyDocument")
        doc = resource.properties.get("AssumeRolePolicyDocument")
        if doc is not None:
            docs.append(PolicyDoc("trust", load_document(doc, f"{resource.logical_id}.AssumeRolePolicyDocument"),
                                  "AssumeRolePolicyDocument"))
    res_doc = resource_policy(resource)
    if res_doc is not None:
        docs.append(res_doc)
    return docs


@rule(
    title="No Allow with NotAction or NotResource",
    checks="No Allow statement, in an identity, trust or resource policy, uses `NotAction` or `NotResource`.",
    why="`Allow` + `NotAction` grants every action except a list — including actions AWS adds later; `Allow` + "
    "`NotResource` grants on every resource except a list. Both grant far more than intended and defeat review.",
    fix="List the actions and resources that are allowed; express exceptions as a separate Deny statement.",
    resource_types=IDENTITY_POLICY_TYPES | frozenset(RESOURCE_POLICY_PROPERTIES),
)
def no_not_action_allow(resource: RuleInput) -> RuleResult:
    if resource.resource_type not in IDENTITY_POLICY_TYPES and resource.resource_type not in RESOURCE_POLICY_PROPERTIES:
        return NOT_APPLICABLE
    findings: list[NagFinding] = []
    for doc in _documents(resource):
        for i, stmt in statements(doc):
            if not is_allow(stmt):
                continue
            ref = statement_ref(doc.label, i, stmt, doc.document["Statement"])
            for field in ("NotAction", "NotResource"):
                if field in stmt:
                    findings.append(NagFinding(f"{field}::{ref}", f"statement {ref} is an Allow with {field}: "
                                               f"{element_text(stmt, 'Action')} on {element_text(stmt, 'Resource')}",
                                               (statement_path(doc.where, i),), _granted(stmt),
                                               tuple(strings(stmt.get("NotAction")))))
    return findings


def _granted(stmt: dict) -> tuple[str, ...]:
    """The actions an Allow statement grants, as patterns: every one (``*``) with ``NotAction``, else its
    ``Action`` list (with ``NotResource``)."""
    return ("*",) if "NotAction" in stmt else tuple(strings(stmt.get("Action")))
