"""Audience rules: a rendered template must grant only what its declared audience may hold.

A developer's needs (create and delete resources) differ from an application's (read and write data);
these rules keep them apart. They are checked by ``lpc templates lint`` on every template, against the
IAM service reference (:func:`least_privilege_constructs.analysis.catalog.get_catalog`), with action
wildcards expanded. Each violation is an ERROR :class:`Finding` with ``check="template-audience"``.

Rules (see ``docs/templates.md``, "Audience rules"):

* **every identity audience** — no ``*`` or service-wide (``svc:*``) action in an Allow, no Allow with
  ``NotAction`` or ``NotResource``; every action exists.
* **application** — actions listed explicitly (no wildcards); no *Permissions management* action; no
  action that creates or deletes a top-level resource of its service (``s3:CreateBucket``,
  ``dynamodb:DeleteTable``, ``logs:CreateLogGroup``: infrastructure, not data); no ``iam:PassRole``;
  ``Resource: "*"`` only for actions that support no resource-level permissions.
* **developer** — actions listed explicitly; ``Resource: "*"`` only for actions without resource-level
  permissions; ``iam:PassRole`` only on a role path (``role/PATH/...``) or one exact role ARN, and with an
  ``iam:PassedToService`` condition; IAM actions that create principals or attach policies only with an
  ``iam:PermissionsBoundary`` condition; no other *Permissions management* action (resource policies go
  through reviewed ``resource-policy`` templates); no credential creation (access keys, login profiles).
* **default** — only *List* and *Read* actions (wildcards allowed, every expansion checked), and none that
  returns data payloads or secret material (:data:`DATA_READ_ACTIONS`).
* **boundary** — Deny statements are free; Allow statements follow the developer rules for IAM.
* **resource-policy** — an Allow to ``*`` needs an organization/account condition; no ``NotPrincipal``
  with Allow; no service-wide action in an Allow.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from least_privilege_constructs.analysis.catalog import Catalog, get_catalog
from least_privilege_constructs.analysis.findings import Finding, FindingType
from least_privilege_constructs.analysis.rules.resource_policy_not_public import scoped_to_org_or_account

DATA_READ_ACTIONS = (
    "s3:GetObject*",
    "s3-object-lambda:GetObject*",
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:GetRecords",
    "dynamodb:PartiQLSelect",
    "secretsmanager:GetSecretValue",
    "secretsmanager:BatchGetSecretValue",
    "ssm:GetParameter",
    "ssm:GetParameters",
    "ssm:GetParametersByPath",
    "kms:Decrypt",
    "sqs:ReceiveMessage",
    "logs:GetLogEvents",
    "logs:FilterLogEvents",
    "logs:GetQueryResults",
    "logs:StartQuery",
    "logs:StartLiveTail",
    "lambda:GetFunction",
    "kinesis:GetRecords",
    "ecr:GetDownloadUrlForLayer",
    "ecr:BatchGetImage",
    "codecommit:GitPull",
    "codecommit:GetBlob",
    "athena:GetQueryResults",
    "rds-data:ExecuteStatement",
    "glue:GetTable",
    "ec2:GetPasswordData",
    "ec2:GetConsoleOutput",
    "ec2:GetConsoleScreenshot",
)
"""Read actions that return data payloads or secret material; forbidden for the ``default`` audience."""

BOUNDARY_CONDITIONED_IAM = frozenset(
    a.lower()
    for a in (
        "iam:CreateRole",
        "iam:CreateUser",
        "iam:PutRolePolicy",
        "iam:DeleteRolePolicy",
        "iam:AttachRolePolicy",
        "iam:DetachRolePolicy",
        "iam:PutUserPolicy",
        "iam:DeleteUserPolicy",
        "iam:AttachUserPolicy",
        "iam:DetachUserPolicy",
        "iam:PutRolePermissionsBoundary",
        "iam:PutUserPermissionsBoundary",
    )
)
"""IAM actions a developer may hold only under an ``iam:PermissionsBoundary`` condition."""

IAM_CREDENTIAL_ACTIONS: tuple[str, ...] = (
    "iam:CreateAccessKey",
    "iam:UpdateAccessKey",
    "iam:CreateLoginProfile",
    "iam:UpdateLoginProfile",
    "iam:CreateServiceSpecificCredential",
    "iam:ResetServiceSpecificCredential",
    "iam:UploadSSHPublicKey",
    "iam:UploadSigningCertificate",
)
"""IAM actions that create or change a user's long-term credentials (escalation path B10; the boundary's
``DenyUserAndGroupManagement`` starts from this list)."""

CREDENTIAL_ACTIONS = frozenset(a.lower() for a in IAM_CREDENTIAL_ACTIONS)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _condition_keys(statement: dict[str, Any]) -> set[str]:
    cond = statement.get("Condition") or {}
    return {str(k).lower() for block in cond.values() if isinstance(block, dict) for k in block}


def _is_lifecycle(catalog: Catalog, action: str) -> bool:
    """``Create<T>``/``Delete<T>`` where ``T`` is a top-level resource type of the action's service (one
    whose ARN does not extend another resource type's ARN, e.g. a bucket but not an object)."""
    service, _, name = action.partition(":")
    m = re.fullmatch(r"(Create|Delete)([A-Za-z]+?)s?", name)
    if m is None:
        return False
    noun = m.group(2).lower()
    types = catalog.resource_types_of(service)
    patterns = {k: p for k, rt in types.items() for p in rt.arn_patterns[:1]}
    for key, pattern in patterns.items():
        if re.sub(r"[^a-z]", "", key) != noun:
            continue
        child = any(
            other != key and pattern.startswith(op) and len(pattern) > len(op)
            for other, op in patterns.items()
        )
        if not child:
            return True
    return False


class _Checker:
    def __init__(self, audience: str, document: dict[str, Any], catalog: Catalog) -> None:
        self.audience = audience
        self.document = document
        self.catalog = catalog
        self.findings: list[Finding] = []

    def add(self, code: str, message: str, path: list[Any]) -> None:
        self.findings.append(
            Finding(
                FindingType.ERROR,
                code,
                f"[{self.audience}] {message}",
                locations=[path],
                check="template-audience",
            )
        )

    def expand(self, pattern: str, path: list[Any]) -> frozenset[str]:
        if pattern == "*":
            return self.catalog.all_actions()
        actions = self.catalog.expand_action(pattern)
        if not actions:
            self.add("TEMPLATE_UNKNOWN_ACTION", f"{pattern} matches no IAM action", path)
        return actions

    def run(self) -> list[Finding]:
        statements = _as_list(self.document.get("Statement"))
        for i, st in enumerate(statements):
            if not isinstance(st, dict):
                continue
            if st.get("Effect") != "Allow":
                continue
            if self.audience == "resource-policy":
                self.resource_policy(i, st)
            else:
                self.identity(i, st)
        return self.findings

    # -- identity audiences -----------------------------------------------------------------------
    def identity(self, i: int, st: dict[str, Any]) -> None:
        base: list[Any] = ["Statement", i]
        if "NotAction" in st:
            self.add("TEMPLATE_ALLOW_NOT_ACTION", "Allow with NotAction grants everything else", [*base, "NotAction"])
            return
        if "NotResource" in st:
            self.add("TEMPLATE_ALLOW_NOT_RESOURCE", "Allow with NotResource grants every other resource",
                     [*base, "NotResource"])
        resources = [str(r) for r in _as_list(st.get("Resource"))]
        star_resource = "*" in resources
        cond_keys = _condition_keys(st)
        explicit = self.audience in ("application", "developer")
        for j, pattern in enumerate(_as_list(st.get("Action"))):
            pattern = str(pattern)
            path = [*base, "Action", j]
            service, _, name = pattern.partition(":")
            if pattern == "*" or name == "*":
                self.add("TEMPLATE_SERVICE_WILDCARD", f"{pattern} grants every action of "
                         f"{'every service' if pattern == '*' else service}", path)
                continue
            if explicit and any(c in pattern for c in "*?"):
                self.add("TEMPLATE_ACTION_WILDCARD",
                         f"{pattern}: {self.audience} templates list actions explicitly", path)
            for action in sorted(self.expand(pattern, path)):
                info = self.catalog.action(action)
                if info is None:
                    continue
                self.action_rules(action, info.access_level, bool(info.resource_types), star_resource,
                                  resources, cond_keys, path)

    def action_rules(
        self,
        action: str,
        level: str,
        has_resource_types: bool,
        star_resource: bool,
        resources: list[str],
        cond_keys: set[str],
        path: list[Any],
    ) -> None:
        lower = action.lower()
        levels = {p.strip() for p in level.split(",")}
        aud = self.audience
        if aud in ("application", "developer") and star_resource and has_resource_types:
            self.add("TEMPLATE_UNSCOPED_RESOURCE",
                     f"{action} supports resource-level permissions but is granted on Resource \"*\"", path)
        if aud == "application":
            if "Permissions management" in levels:
                self.add("TEMPLATE_PERMISSIONS_MANAGEMENT",
                         f"{action} is a Permissions management action; application templates grant none",
                         path)
            if _is_lifecycle(self.catalog, action):
                self.add("TEMPLATE_INFRASTRUCTURE_LIFECYCLE",
                         f"{action} creates or deletes infrastructure; that belongs to developer templates",
                         path)
            if lower == "iam:passrole":
                self.add("TEMPLATE_PASSROLE", "applications do not pass roles (iam:PassRole)", path)
        if aud in ("developer", "boundary"):
            self.developer_iam_rules(action, levels, resources, cond_keys, path)
        if aud == "default":
            if not levels <= {"List", "Read"}:
                self.add("TEMPLATE_NOT_READ_ONLY",
                         f"{action} has access level {level}; default templates are List/Read only", path)
            if any(action in self.catalog.expand_action(p) for p in DATA_READ_ACTIONS):
                self.add("TEMPLATE_DATA_READ",
                         f"{action} returns data or secret material; default templates read metadata only",
                         path)

    def developer_iam_rules(
        self, action: str, levels: set[str], resources: list[str], cond_keys: set[str], path: list[Any]
    ) -> None:
        lower = action.lower()
        if lower == "iam:passrole":
            bounded = resources and all(
                r != "*" and re.search(r":role/(?:[^*?]+/[^/]*|[^*?/]+)$", r) is not None for r in resources
            )
            if not bounded:
                self.add("TEMPLATE_UNBOUNDED_PASSROLE",
                         "iam:PassRole must name a role or a role path (role/PATH/...), not any role", path)
            if "iam:passedtoservice" not in cond_keys:
                self.add("TEMPLATE_PASSROLE_WITHOUT_SERVICE",
                         "iam:PassRole needs an iam:PassedToService condition", path)
            return
        if lower in CREDENTIAL_ACTIONS:
            self.add("TEMPLATE_CREDENTIAL_CREATION", f"{action} creates long-term credentials", path)
            return
        if lower in BOUNDARY_CONDITIONED_IAM:
            if "iam:permissionsboundary" not in cond_keys:
                self.add("TEMPLATE_MISSING_BOUNDARY_CONDITION",
                         f"{action} is allowed only with an iam:PermissionsBoundary condition", path)
            return
        if "Permissions management" in levels:
            self.add("TEMPLATE_PERMISSIONS_MANAGEMENT",
                     f"{action} is a Permissions management action; developer templates change permissions "
                     "only through boundary-conditioned IAM actions and reviewed resource-policy templates",
                     path)

    # -- resource policies --------------------------------------------------------------------------
    def resource_policy(self, i: int, st: dict[str, Any]) -> None:
        base: list[Any] = ["Statement", i]
        if "NotPrincipal" in st:
            self.add("TEMPLATE_ALLOW_NOT_PRINCIPAL", "Allow with NotPrincipal grants everyone else",
                     [*base, "NotPrincipal"])
        principal = st.get("Principal")
        values: list[Any] = []
        if isinstance(principal, dict):
            for v in principal.values():
                values.extend(_as_list(v))
        else:
            values = _as_list(principal)
        # the same test as LP-RES1 (one place): a positive condition on an organization or account key whose
        # value names one (not ``o-*``, not an ARN with a wildcard account)
        if "*" in values and not scoped_to_org_or_account(st):
            self.add("TEMPLATE_PUBLIC_ALLOW",
                     "Allow to Principal \"*\" without an organization or account condition", [*base, "Principal"])
        for j, pattern in enumerate(_as_list(st.get("Action"))):
            pattern = str(pattern)
            path = [*base, "Action", j]
            if pattern == "*" or pattern.endswith(":*"):
                self.add("TEMPLATE_SERVICE_WILDCARD", f"{pattern} in an Allow grants every action", path)
                continue
            self.expand(pattern, path)


def check_audience(audience: str, document: dict[str, Any], catalog: Catalog | None = None) -> list[Finding]:
    """The audience-rule violations of a rendered policy document (empty when it fits the audience).

    Example::

        >>> doc = {"Version": "2012-10-17", "Statement": [
        ...     {"Effect": "Allow", "Action": "iam:PutRolePolicy", "Resource": "*"}]}
        >>> sorted({f.issue_code for f in check_audience("application", doc)})
        ['TEMPLATE_PERMISSIONS_MANAGEMENT', 'TEMPLATE_UNSCOPED_RESOURCE']
    """
    return _Checker(audience, document, catalog or get_catalog()).run()


def audience_rules_summary() -> Iterable[tuple[str, str]]:
    """(audience, rule) pairs for the docs, from this module's docstring."""
    doc = __doc__ or ""
    for m in re.finditer(r"\* \*\*([a-z-]+(?: [a-z]+)*)\*\* — (.*?)(?=\n\* \*\*|\n\"\"\"|\Z)", doc, re.S):
        rule = " ".join(m.group(2).split()).replace("``", "`")
        yield m.group(1), rule.replace(":data:`DATA_READ_ACTIONS`", "the data-read list below")
