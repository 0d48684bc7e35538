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


def deployed_templates(stacks: list[DeployedStack], client_for: Callable[[DeployedStack], Caller] | None = None,
                       *, role_arn_template: str | None = None) -> list[tuple[DeployedStack, Any | None]]:
    """The deployed template of each stack; ``client_for(stack)`` gives a CloudFormation caller (default: a
    boto3 client in the stack's region, with the environment's credentials or, with ``role_arn_template``
    (``{account}`` and ``{region}`` filled in), the role assumed in the stack's account: cross-account
    pipelines read through CDK's bootstrap lookup role)."""
    if client_for is None:
        client_for = _default_clients(role_arn_template)
    return [(stack, get_template(client_for(stack), stack)) for stack in stacks]


def _default_clients(role_arn_template: str | None) -> Callable[[DeployedStack], Caller]:
    from least_privilege_constructs.collect.calls import new_session

    session = new_session()
    clients: dict[tuple[str | None, str | None], Caller] = {}

    def client(stack: DeployedStack) -> Caller:
        key = (stack.account, stack.region)
        if key not in clients:
            base = session
            if role_arn_template:
                base = _assume(session, role_arn_template.format(account=stack.account or "",
                                                                 region=stack.region or ""))
            clients[key] = Caller(base.client("cloudformation", region_name=stack.region, config=client_config()))
        return clients[key]

    return client


def _assume(session: Any, role_arn: str) -> Any:
    import boto3

    sts = Caller(session.client("sts", config=client_config()))
    creds = sts("assume_role", RoleArn=role_arn, RoleSessionName="lpc-diff")["Credentials"]
    return boto3.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                         aws_session_token=creds["SessionToken"], region_name=session.region_name)
