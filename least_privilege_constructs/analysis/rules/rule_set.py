"""The pack's rules: id, level and message mapped to each rule function (pure data, no jsii).

:class:`~least_privilege_constructs.nag.pack.LeastPrivilegeChecks` applies these; the rules table of
``docs/nag.md`` is generated from them (:mod:`least_privilege_constructs.nag.docs`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from least_privilege_constructs.analysis.rules.base import RuleDoc, RuleFunction, doc_of
from least_privilege_constructs.analysis.rules.kms_key_admin_only import kms_key_admin_only
from least_privilege_constructs.analysis.rules.no_admin_access import no_admin_access
from least_privilege_constructs.analysis.rules.no_escalation_actions import no_escalation_actions
from least_privilege_constructs.analysis.rules.no_not_action_allow import no_not_action_allow
from least_privilege_constructs.analysis.rules.no_user_credentials import no_user_credentials
from least_privilege_constructs.analysis.rules.pass_role_scoped import pass_role_scoped
from least_privilege_constructs.analysis.rules.permissions_boundary import approved_boundary
from least_privilege_constructs.analysis.rules.policy_size_quotas import policy_size_quotas
from least_privilege_constructs.analysis.rules.resource_policy_not_public import resource_policy_not_public
from least_privilege_constructs.analysis.rules.trust_policy_scoped import trust_policy_scoped

PACK_NAME = "LP"
"""Rule ids are ``LP-<suffix>``."""
PLUGIN_NAME = "LeastPrivilegeChecks"
"""The validation plugin's name (CDK also accepts acknowledgments written ``LeastPrivilegeChecks::LP-IAM4``)."""


class Level(StrEnum):
    """cdk-nag message levels (values are ``cdk_nag.NagMessageLevel`` member names)."""

    ERROR = "ERROR"
    WARN = "WARN"


@dataclass(frozen=True)
class RuleBinding:
    id: str
    level: Level
    info: str
    rule: RuleFunction

    @property
    def suffix(self) -> str:
        return self.id[len(PACK_NAME) + 1:]

    @property
    def doc(self) -> RuleDoc:
        return doc_of(self.rule)


RULES: tuple[RuleBinding, ...] = (
    RuleBinding("LP-IAM1", Level.ERROR,
                "The role or user does not carry the approved permissions boundary.", approved_boundary),
    RuleBinding("LP-IAM2", Level.ERROR, "The identity policy grants administrator access.", no_admin_access),
    RuleBinding("LP-IAM3", Level.ERROR,
                "The identity policy grants a permissions-management or privilege-escalation action.",
                no_escalation_actions),
    RuleBinding("LP-IAM4", Level.ERROR,
                "iam:PassRole is allowed on roles outside the application path.", pass_role_scoped),
    RuleBinding("LP-IAM5", Level.ERROR, "A policy uses Allow with NotAction or NotResource.", no_not_action_allow),
    RuleBinding("LP-IAM6", Level.ERROR, "The role's trust policy is not scoped.", trust_policy_scoped),
    RuleBinding("LP-IAM7", Level.ERROR,
                "The template creates long-term IAM user credentials.", no_user_credentials),
    RuleBinding("LP-IAM8", Level.ERROR, "A policy exceeds an IAM size or attachment quota.", policy_size_quotas),
    RuleBinding("LP-RES1", Level.ERROR,
                "The resource policy grants to * without an organization or account condition.",
                resource_policy_not_public),
    RuleBinding("LP-KMS1", Level.ERROR,
                "The key policy gives kms:* to a principal that is not a key administrator.", kms_key_admin_only),
)

ACK_RULE_ID = "LP-ACK"
ACK_RULE_INFO = "An acknowledgment of a least-privilege finding gives no reason, so it does not count."
ACK_RULE_DOC = RuleDoc(
    title="Acknowledgments carry a reason",
    checks="Every `Validations.of(x).acknowledge(...)` of an `LP-*` rule or finding that applies to a resource has "
    "a non-blank reason. A blank one is ignored (the finding stays) and reported as `LP-ACK[<acknowledged id>]`.",
    why="An acknowledgment is an accepted risk; without a reason nobody can review it later.",
    fix="Give the reason: `Acknowledgment(id='LP-IAM3[Action::kms:CreateGrant]', reason='...')`.",
    resource_types=frozenset(),
)
ERROR_FINDING_INFO = "A least-privilege rule could not evaluate the resource (fail closed)."


def rules_by_type() -> dict[str, tuple[RuleBinding, ...]]:
    """Resource type -> the rules that look at it."""
    out: dict[str, list[RuleBinding]] = {}
    for binding in RULES:
        for rtype in binding.doc.resource_types:
            out.setdefault(rtype, []).append(binding)
    return {k: tuple(v) for k, v in out.items()}
