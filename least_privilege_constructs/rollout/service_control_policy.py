"""``ServiceControlPolicy``: an SCP (``AWS::Organizations::Policy`` of type ``SERVICE_CONTROL_POLICY``)
attached to the organization's root, OUs or accounts.

Example (in the management account's stack, with the SCPs ``lpc refine`` wrote)::

    from least_privilege_constructs import ServiceControlPolicy

    ServiceControlPolicy(
        management, "DenyUnusedServices",
        name="lpc-deny-unused-services-ou-ab12-sandbox01",
        document={"Version": "2012-10-17", "Statement": [
            {"Sid": "DenyUnusedServices1", "Effect": "Deny", "Action": ["gamelift:*", "braket:*"],
             "Resource": "*"}]},
        target_ids=["ou-ab12-sandbox01"],
    )

The document is checked at construction: a JSON object with ``Statement``, and at most 5,120 characters
(minified), the AWS Organizations limit for an SCP
(https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html). Targets are a root
(``r-xxxx``), OUs (``ou-xxxx-xxxxxxxx``) or account ids. The gate (``lpc gate``, the synth plugin) validates
the document offline as ``SERVICE_CONTROL_POLICY`` like every SCP in the assembly.

Errors: ``LPC-SCP-001`` (document), ``LPC-SCP-002`` (size), ``LPC-SCP-003`` (targets), ``LPC-SCP-004`` (name).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import CfnTag
from aws_cdk import aws_organizations as organizations
from constructs import Construct

from least_privilege_constructs.errors import LeastPrivilegeError, construct_path
from least_privilege_constructs.rollout.targets import ACCOUNT_ID_RE, OU_ID_RE, ROOT_ID_RE, is_token

SCP_MAX_CHARS = 5_120
_NAME_RE = re.compile(r"^[\s\S]{1,128}$")


class ServiceControlPolicy(Construct):
    """An SCP and its attachments. ``policy`` is the L1 ``CfnPolicy``; ``policy_id`` its id (``p-...``)."""

    def __init__(self, scope: Construct, construct_id: str, *, document: Mapping[str, Any],
                 target_ids: Sequence[str] = (), name: str | None = None, description: str | None = None,
                 tags: Mapping[str, str] | None = None) -> None:
        where = construct_path(scope, construct_id)
        if not isinstance(document, Mapping) or "Statement" not in document:
            raise LeastPrivilegeError("LPC-SCP-001", where, "document must be a policy document (a dict with Statement)")
        text = json.dumps(document, separators=(",", ":"))
        if not is_token(text) and len(text) > SCP_MAX_CHARS:
            raise LeastPrivilegeError("LPC-SCP-002", where,
                                      f"the SCP is {len(text)} characters (minified), above the {SCP_MAX_CHARS}-"
                                      "character limit of AWS Organizations: split it (lpc refine packs them)")
        if isinstance(target_ids, str):
            raise LeastPrivilegeError("LPC-SCP-003", where, f"target_ids must be a list, not the string {target_ids!r}")
        targets = list(target_ids)
        for t in targets:
            if not isinstance(t, str) or not (is_token(t) or ACCOUNT_ID_RE.match(t) or OU_ID_RE.match(t)
                                              or ROOT_ID_RE.match(t)):
                raise LeastPrivilegeError("LPC-SCP-003", where,
                                          f"target {t!r} is no root id (r-xxxx), OU id (ou-xxxx-xxxxxxxx) or account id")
        if len(set(targets)) != len(targets):
            raise LeastPrivilegeError("LPC-SCP-003", where, "target_ids holds a duplicate")
        policy_name = construct_id if name is None else name
        if not _NAME_RE.match(policy_name):
            raise LeastPrivilegeError("LPC-SCP-004", where, f"name {policy_name!r} is not 1-128 characters")
        super().__init__(scope, construct_id)
        self.document = dict(document)
        self.policy = organizations.CfnPolicy(
            self, "Resource", name=policy_name, type="SERVICE_CONTROL_POLICY", content=self.document,
            description=description, target_ids=targets or None,
            tags=[CfnTag(key=k, value=v) for k, v in sorted((tags or {}).items())] or None)
        self.policy_id: str = self.policy.attr_id
