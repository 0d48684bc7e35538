"""The OLD side of ``lpc diff --deployed``: the stacks of a cloud assembly as they are deployed.

The AWS reader (:mod:`least_privilege_constructs.collect.deployed`) fetches each stack's template with
``cloudformation:GetTemplate``; this module (pure) lists which stacks to fetch and extracts the answers with
the same extraction as any template, labelled with the assembly's stack names so that OLD and NEW match.

    >>> DeployedStack("App", "App", "111122223333", "eu-west-1").source
    'cloudformation://111122223333/eu-west-1/App'
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from least_privilege_constructs.analysis.extract.extractor import Extractor
from least_privilege_constructs.analysis.extract.intrinsics import DEFAULT_ACCOUNT, DEFAULT_REGION
from least_privilege_constructs.analysis.extract.model import Extraction


@dataclass(frozen=True)
class DeployedStack:
    """One stack of the assembly: its display name (what the extraction calls it), CloudFormation name and
    environment (``None`` for environment-agnostic stacks: the caller's default)."""

    display_name: str
    stack_name: str
    account: str | None
    region: str | None

    @property
    def source(self) -> str:
        return f"cloudformation://{self.account or '-'}/{self.region or '-'}/{self.stack_name}"


def assembly_stacks(cdk_out: str) -> list[DeployedStack]:
    """Every stack of a cloud assembly and its stages (nested assemblies)."""
    from least_privilege_constructs.analysis.assembly import walk_assemblies

    out: list[DeployedStack] = []
    for assembly in walk_assemblies(cdk_out):
        for stack in assembly.stacks:
            out.append(DeployedStack(stack.display_name, stack.stack_name, stack.account, stack.region))
    return out


def extract_deployed(templates: Iterable[tuple[DeployedStack, Any]]) -> Extraction:
    """Extract the policies of deployed templates (``(stack, template dict or None when not deployed)``).

    A nested stack's or StackSet's child template is not fetched (GetTemplate returns the parent); its
    policies then count as new on the NEW side, which fails closed."""
    extractor = Extractor()
    for stack, template in templates:
        if template is None:
            continue
        extractor.add_template(template, source=stack.source, stack=stack.display_name,
                               stack_name=stack.stack_name, account=stack.account or DEFAULT_ACCOUNT,
                               region=stack.region or DEFAULT_REGION, kind="stack", base_dir=None, assets=None,
                               parameters={})
    return extractor.finish()
