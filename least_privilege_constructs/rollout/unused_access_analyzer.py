"""``UnusedAccessAnalyzer``: an IAM Access Analyzer unused-access analyzer (``AWS::AccessAnalyzer::Analyzer``
of type ``ORGANIZATION_UNUSED_ACCESS`` or ``ACCOUNT_UNUSED_ACCESS``), whose findings ``lpc collect`` reads.

Example (in the delegated administrator account for IAM Access Analyzer)::

    from least_privilege_constructs import UnusedAccessAnalyzer

    UnusedAccessAnalyzer(
        security, "UnusedAccess",
        unused_access_age=90,                         # days (1-365)
        exclude_account_ids=["444455556666"],          # e.g. a sandbox; organization analyzers only
        exclude_resource_tags=[{"lpc:unused-access": "exempt"}],
    )

An organization analyzer must be created in the management account or a delegated administrator for
IAM Access Analyzer, and cannot exclude its own account (IAM User Guide, "Unused access findings":
https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-create-unused.html; CloudFormation:
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-accessanalyzer-analyzer.html).
Unused-access analyzers are a paid feature (per IAM role and user analyzed each month).

Errors: ``LPC-UNUSED-001`` (age), ``LPC-UNUSED-002`` (scope), ``LPC-UNUSED-003`` (exclusions),
``LPC-UNUSED-004`` (name).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Literal

from aws_cdk import CfnTag, Stack
from aws_cdk import aws_accessanalyzer as accessanalyzer
from constructs import Construct

from least_privilege_constructs.errors import LeastPrivilegeError, construct_path
from least_privilege_constructs.rollout.targets import ACCOUNT_ID_RE, is_token

_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,254}$")
_TAG_KEY_RE = re.compile(r"^(?!aws:)[\w\s.:/=+@-]{1,128}$")


class UnusedAccessAnalyzer(Construct):
    """An unused-access analyzer. ``analyzer`` is the L1 ``CfnAnalyzer``; ``analyzer_arn`` its ARN."""

    def __init__(self, scope: Construct, construct_id: str, *,
                 scope_type: Literal["ORGANIZATION", "ACCOUNT"] = "ORGANIZATION", unused_access_age: int = 90,
                 exclude_account_ids: Sequence[str] = (),
                 exclude_resource_tags: Sequence[Mapping[str, str]] = (),
                 analyzer_name: str | None = None, tags: Mapping[str, str] | None = None) -> None:
        where = construct_path(scope, construct_id)
        if isinstance(unused_access_age, bool) or not isinstance(unused_access_age, int) or \
                not 1 <= unused_access_age <= 365:
            raise LeastPrivilegeError("LPC-UNUSED-001", where,
                                      f"unused_access_age {unused_access_age!r} is not 1-365 days")
        if scope_type not in ("ORGANIZATION", "ACCOUNT"):
            raise LeastPrivilegeError("LPC-UNUSED-002", where,
                                      f"scope_type {scope_type!r} is neither 'ORGANIZATION' nor 'ACCOUNT'")
        if isinstance(exclude_account_ids, str) or isinstance(exclude_resource_tags, (str, Mapping)):
            raise LeastPrivilegeError("LPC-UNUSED-003", where, "exclusions must be lists")
        accounts = list(exclude_account_ids)
        if accounts and scope_type == "ACCOUNT":
            raise LeastPrivilegeError("LPC-UNUSED-003", where,
                                      "exclude_account_ids applies to organization analyzers only")
        for account in accounts:
            if not isinstance(account, str) or not (is_token(account) or ACCOUNT_ID_RE.match(account)):
                raise LeastPrivilegeError("LPC-UNUSED-003", where, f"excluded account {account!r} is not 12 digits")
        if len(accounts) > 2000:
            raise LeastPrivilegeError("LPC-UNUSED-003", where, "more than 2,000 excluded accounts")
        own = Stack.of(scope).account
        if own in accounts:
            raise LeastPrivilegeError("LPC-UNUSED-003", where,
                                      f"an organization analyzer cannot exclude its own account {own}")
        tag_rules: list[list[CfnTag]] = []
        for rule in exclude_resource_tags:
            if not isinstance(rule, Mapping) or not rule:
                raise LeastPrivilegeError("LPC-UNUSED-003", where, f"tag exclusion {rule!r} is not a non-empty dict")
            for key, value in rule.items():
                if not isinstance(key, str) or not _TAG_KEY_RE.match(key) or not isinstance(value, str) or \
                        len(value) > 256:
                    raise LeastPrivilegeError("LPC-UNUSED-003", where, f"tag {key!r}={value!r} is not a valid tag "
                                              "(key 1-128 characters, not aws:, value up to 256)")
            tag_rules.append([CfnTag(key=k, value=v) for k, v in sorted(rule.items())])
        if analyzer_name is not None and not _NAME_RE.match(analyzer_name):
            raise LeastPrivilegeError("LPC-UNUSED-004", where, f"analyzer_name {analyzer_name!r} is not a valid name")
        super().__init__(scope, construct_id)
        exclusions = [accessanalyzer.CfnAnalyzer.AnalysisRuleCriteriaProperty(account_ids=accounts)] if accounts else []
        exclusions += [accessanalyzer.CfnAnalyzer.AnalysisRuleCriteriaProperty(resource_tags=[tags_])
                       for tags_ in tag_rules]
        self.analyzer = accessanalyzer.CfnAnalyzer(
            self, "Resource", type=f"{scope_type}_UNUSED_ACCESS", analyzer_name=analyzer_name,
            analyzer_configuration=accessanalyzer.CfnAnalyzer.AnalyzerConfigurationProperty(
                unused_access_configuration=accessanalyzer.CfnAnalyzer.UnusedAccessConfigurationProperty(
                    unused_access_age=unused_access_age,
                    analysis_rule=accessanalyzer.CfnAnalyzer.AnalysisRuleProperty(exclusions=exclusions)
                    if exclusions else None)),
            tags=[CfnTag(key=k, value=v) for k, v in sorted((tags or {}).items())] or None)
        self.analyzer_arn: str = self.analyzer.attr_arn
