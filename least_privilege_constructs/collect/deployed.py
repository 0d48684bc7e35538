"""Deployed CloudFormation templates (``cloudformation:GetTemplate``, ``TemplateStage=Original``), the OLD
side of ``lpc diff --deployed`` (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_GetTemplate.html).

A stack that does not exist yet (``ValidationError`` "... does not exist") has no deployed template: all of
its policies are new. Any other failure is a :class:`CollectError` (the diff then fails with exit 1).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from least_privilege_constructs.analysis.diff.deployed import DeployedStack
from least_privilege_constructs.collect.calls import Caller, CollectError, client_config


def parse_template_body(body: Any, source: str) -> Any:
    """``TemplateBody`` as a dict: botocore decodes JSON bodies itself; YAML (short-form tags too) is
    parsed with the extraction's loader."""
    if isinstance(body, dict):
        return body
    from least_privilege_constructs.analysis.extract.loader import parse_text

    return parse_text(str(body), source)


def get_template(cfn: Caller, stack: DeployedStack) -> Any | None:
    """The deployed (original) template of one stack, or ``None`` when the stack does not exist."""
    try:
        response = cfn("get_template", StackName=stack.stack_name, TemplateStage="Original")
    except CollectError as exc:
        if exc.code == "ValidationError" and "does not exist" in exc.message:
            return None
        raise
    return parse_template_body(response.get("TemplateBody"), stack.source)


def deployed_templates(stacks: list[DeployedStack], client_for: Callable[[str | None], Caller] | None = None,
                       ) -> list[tuple[DeployedStack, Any | None]]:
    """The deployed template of each stack; ``client_for(region)`` gives a CloudFormation caller (default: a
    boto3 client of the environment's credentials in that region)."""
    if client_for is None:
        from least_privilege_constructs.collect.calls import new_session

        session = new_session()
        clients: dict[str | None, Caller] = {}

        def default(region: str | None) -> Caller:
            if region not in clients:
                clients[region] = Caller(session.client("cloudformation", region_name=region,
                                                        config=client_config()))
            return clients[region]

        client_for = default
    return [(stack, get_template(client_for(stack.region), stack)) for stack in stacks]
