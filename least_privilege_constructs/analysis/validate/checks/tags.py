"""Tag condition keys with actions that do not support them (ABAC pitfalls)."""

from __future__ import annotations

import json

from least_privilege_constructs.analysis.catalog import Catalog
from least_privilege_constructs.analysis.findings import FindingType
from least_privilege_constructs.analysis.iam.wildcards import service_of
from least_privilege_constructs.analysis.validate.keys import parse_operator
from least_privilege_constructs.analysis.validate.registry import Context, check, code

FAMILY = "tags"
_TAG_PREFIX = "aws:resourcetag/"
_TAG_KEYS = frozenset({"aws:resourcetag/${tagkey}", "aws:requesttag/${tagkey}", "aws:tagkeys"})


def action_supports_resource_tag(catalog: Catalog, action: str) -> bool | None:
    """Whether the action is tag-aware (a pattern: whether any action it matches is); None if unknown.

    An action is tag-aware when it, or one of its resource types, lists aws:ResourceTag, aws:RequestTag or
    aws:TagKeys (tag-on-create actions such as ec2:CreateVolume have no resource tag yet but are still
    governed by tag conditions). This is Access Analyzer's reading: on the AWS managed policies it reports
    only actions with no tag condition key at all. A wildcard entry is reported only when none of the
    actions it matches is tag-aware (it is one entry; part of it does work with the condition).
    """
    if "*" in action or "?" in action:
        names = catalog.expand_action(action)
        if not names:
            return None
        results = [action_supports_resource_tag(catalog, n) for n in names]
        known = [r for r in results if r is not None]
        return any(known) if known else None
    info = catalog.action(action)
    if info is None:
        return None
    keys = {k.lower() for k in (*info.condition_keys, *info.resource_condition_keys)}
    if keys & _TAG_KEYS:
        return True
    types = catalog.resource_types_of(info.service)
    for name in info.resource_types:
        rt = types.get(name.lower())
        if rt is not None and _TAG_KEYS & {k.lower() for k in rt.condition_keys}:
            return True
    return False


@check(
    "ALLOW_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
    FindingType.SUGGESTION,
    family=FAMILY,
    title="Allow with unsupported tag condition key for service",
    short="Allow with aws:ResourceTag for actions that do not support it.",
    long="When an action does not support aws:ResourceTag the key is absent from its request context, so "
    "the condition is false and the Allow never applies to that action. Move those actions to a "
    "statement without the tag condition (scope them by resource name instead).",
    also=[
        code(
            "DENY_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
            FindingType.SECURITY_WARNING,
            family=FAMILY,
            title="Deny with unsupported tag condition key for service",
            short="Deny with aws:ResourceTag for actions that do not support it.",
            long="For actions without aws:ResourceTag support the condition is false, so the Deny never "
            "applies to them even when the resource is tagged. Deny those actions in a separate statement.",
        ),
        code(
            "ALLOW_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
            FindingType.SUGGESTION,
            family=FAMILY,
            title="Allow NotAction with unsupported tag condition key for service",
            short="Allow with NotAction and aws:ResourceTag.",
            long="NotAction covers actions that do not support aws:ResourceTag; for them the Allow never "
            "applies. List the allowed actions with Action instead.",
        ),
        code(
            "DENY_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
            FindingType.SECURITY_WARNING,
            family=FAMILY,
            title="Deny NotAction with unsupported tag condition key for service",
            short="Deny with NotAction and aws:ResourceTag.",
            long="NotAction covers actions that do not support aws:ResourceTag; they are never denied by "
            "this statement. List the denied actions with Action instead.",
        ),
    ],
)
def unsupported_tag_keys(ctx: Context) -> None:
    for s in ctx.object_statements:
        effect = s.effect
        if effect not in ("Allow", "Deny"):
            continue
        tag_entries = []
        for e in s.conditions():
            op = parse_operator(e.operator)
            if not op.valid or op.if_exists or op.is_negated or op.base == "Null":
                continue
            if e.key.lower().startswith(_TAG_PREFIX):
                tag_entries.append(e)
        if not tag_entries:
            continue
        key_paths = list({json.dumps(e.key_path): e.key_path for e in tag_entries}.values())
        if s.has("NotAction"):
            codename = f"{effect.upper()}_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE"
            verb = "allows only" if effect == "Allow" else "does not deny"
            ctx.emit(
                codename,
                f"Using the effect {effect} with NotAction and the tag condition key {tag_entries[0].key} "
                f"{verb} service actions that support the condition key. The condition key doesn't apply to "
                "some service actions. We recommend that you use Action instead of NotAction.",
                [s.element_path("NotAction"), *key_paths],
            )
            continue
        unsupported = []
        services: list[str] = []
        for loc in s.strings("Action"):
            if loc.value == "*":
                continue
            if action_supports_resource_tag(ctx.catalog, loc.value) is False:
                unsupported.append(loc.path)
                svc = service_of(loc.value)
                if svc not in services:
                    services.append(svc)
        if not unsupported:
            continue
        if effect == "Allow":
            ctx.emit(
                "ALLOW_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
                "Using the effect Allow with the tag condition key "
                f"{tag_entries[0].key} and actions for services with the following prefixes does not affect "
                f"the policy: {', '.join(services)}. Actions for the listed service are not allowed by this "
                "statement. We recommend that you move these actions to a different statement without this "
                "condition key.",
                [*unsupported, *key_paths],
                services=services,
            )
        else:
            ctx.emit(
                "DENY_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
                "Using the effect Deny with the tag condition key "
                f"{tag_entries[0].key} and actions for services with the following prefixes can be overly "
                f"permissive: {', '.join(services)}. Actions for the listed services are not denied by this "
                "statement. We recommend that you move these actions to a different statement without this "
                "condition key.",
                [*unsupported, *key_paths],
                services=services,
            )
