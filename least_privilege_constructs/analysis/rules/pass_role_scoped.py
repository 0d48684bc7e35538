"""LP-IAM4: ``iam:PassRole`` only on roles under the application path, never on ``*``."""

from __future__ import annotations

from least_privilege_constructs.analysis.iam.arn import Arn
from least_privilege_constructs.analysis.iam.wildcards import action_matches
from least_privilege_constructs.analysis.rules._policy import (
    IDENTITY_POLICY_TYPES,
    grant_documents,
    is_allow,
    statements,
    strings,
)
from least_privilege_constructs.analysis.rules.base import (
    NOT_APPLICABLE,
    NagFinding,
    RuleInput,
    RuleResult,
    add_finding,
    rule,
    statement_path,
    statement_ref,
)


def under_application_path(resource: str, application_path: str) -> bool:
    """Whether a role ARN (pattern) can only match roles under ``application_path``."""
    arn = Arn.parse(resource)
    if not arn or arn.service != "iam":
        return False
    prefix = "role" + application_path
    res = arn.resource
    if not res.startswith(prefix):
        return False
    return "*" not in res[: len(prefix)] and "?" not in res[: len(prefix)]


@rule(
    title="PassRole scoped to application roles",
    checks="An Allow statement that grants `iam:PassRole` (directly or through a wildcard such as `iam:*`) names "
    "only role ARNs under the application path (`applicationPath`, e.g. `arn:aws:iam::123456789012:role/app/*`); "
    "never `*`, another path, or `NotResource`.",
    why="PassRole on a privileged role lets the holder run code (Lambda, EC2, ECS, Glue, CloudFormation...) with "
    "that role's permissions — the boundary does not follow the passed role (escalation path B8 and the classic "
    "PassRole methods).",
    fix="Create the passed roles under the application path and grant PassRole on `role/<path>*` (CDK: "
    "`role.grant_pass_role(...)` on a role with `path=`), ideally with an `iam:PassedToService` condition.",
    resource_types=IDENTITY_POLICY_TYPES,
)
def pass_role_scoped(resource: RuleInput) -> RuleResult:
    if resource.resource_type not in IDENTITY_POLICY_TYPES:
        return NOT_APPLICABLE
    app_path = resource.config.application_path
    findings: dict[str, NagFinding] = {}
    for doc in grant_documents(resource):
        for i, stmt in statements(doc):
            if not is_allow(stmt) or not any(action_matches(a, "iam:PassRole") for a in strings(stmt.get("Action"))):
                continue
            where = statement_path(doc.where, i)
            if "NotResource" in stmt:
                ref = statement_ref(doc.label, i, stmt, doc.document["Statement"])
                add_finding(findings, f"NotResource::{ref}", f"statement {ref} allows iam:PassRole with NotResource",
                            statement=where, actions=["iam:PassRole"])
            for res in strings(stmt.get("Resource")):
                if not under_application_path(res, app_path):
                    why = "every role" if res == "*" else f"roles outside {app_path}"
                    add_finding(findings, f"Resource::{res}", f"iam:PassRole on {res} reaches {why}",
                                statement=where, actions=["iam:PassRole"])
    return list(findings.values())
