"""A synthesized stack template as the rules see it (pure Python, no jsii).

:class:`StackView` wraps one template: it resolves a resource's properties once (with the analysis core's
:class:`~least_privilege_constructs.analysis.extract.intrinsics.StackContext`, so ``Ref`` to a managed
policy becomes its ARN, ``Fn::GetAtt Role.Arn`` carries the role's path and ``Fn::ImportValue`` follows
the exports of the assembly's other stacks) and indexes which inline and managed policies are attached to
which role, user or group. :class:`AssemblyTemplates` loads the templates of one cloud assembly directory.

Example::

    >>> view = StackView({"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {"Path": "/app/"}}}})
    >>> view.rule_input("R").properties["Path"]
    '/app/'
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from least_privilege_constructs.analysis.assembly import AssemblyError, read_assembly
from least_privilege_constructs.analysis.extract.intrinsics import AssemblyContext, ExportEntry, StackContext
from least_privilege_constructs.analysis.rules.base import RuleInput, as_list
from least_privilege_constructs.analysis.rules.config import NagConfig

ENV_AGNOSTIC_ACCOUNT = "${AWS::AccountId}"
DEFAULT_REGION = "us-east-1"

_ATTACHING = {
    "AWS::IAM::Policy": "inline",
    "AWS::IAM::RolePolicy": "inline",
    "AWS::IAM::UserPolicy": "inline",
    "AWS::IAM::GroupPolicy": "inline",
    "AWS::IAM::ManagedPolicy": "managed",
}
_PRINCIPAL_NAME = {"AWS::IAM::Role": "RoleName", "AWS::IAM::User": "UserName", "AWS::IAM::Group": "GroupName"}
_LIST_PROPS = {"Roles": "AWS::IAM::Role", "Users": "AWS::IAM::User", "Groups": "AWS::IAM::Group"}
_SINGLE_PROPS = {"RoleName": "AWS::IAM::Role", "UserName": "AWS::IAM::User", "GroupName": "AWS::IAM::Group"}


class TemplateError(Exception):
    """A template that could not be read (names the file)."""


class StackView:
    """One template, resolved lazily per resource."""

    def __init__(
        self,
        template: dict[str, Any],
        *,
        config: NagConfig | None = None,
        stack_name: str = "Stack",
        account: str = ENV_AGNOSTIC_ACCOUNT,
        region: str = DEFAULT_REGION,
        assembly: AssemblyContext | None = None,
        source: str = "<template>",
    ) -> None:
        if not isinstance(template, dict):
            raise TemplateError(f"{source}: a template must be a JSON object")
        self.template = template
        self.source = source
        self.config = config or NagConfig()
        self.account = account
        self.context = StackContext(template, stack_name=stack_name, account=account, region=region,
                                    assembly=assembly)
        self._inputs: dict[str, RuleInput] = {}
        self._attachments: dict[str, list[tuple[str, str]]] | None = None

    @property
    def resources(self) -> dict[str, Any]:
        res = self.template.get("Resources")
        return res if isinstance(res, dict) else {}

    def rule_input(self, logical_id: str) -> RuleInput | None:
        """The resource with its properties resolved (cached); None when the template has no such resource."""
        cached = self._inputs.get(logical_id)
        if cached is not None:
            return cached
        raw = self.resources.get(logical_id)
        if not isinstance(raw, dict):
            return None
        props = raw.get("Properties") or {}
        resolution = self.context.resolve(props)
        value = resolution.value if isinstance(resolution.value, dict) else {}
        inp = RuleInput(
            logical_id=logical_id,
            resource_type=str(raw.get("Type", "")),
            properties=value,
            problems=list(resolution.problems),
            config=self.config,
            stack=self,
            account=self.account,
        )
        self._inputs[logical_id] = inp
        return inp

    # -- attachments -------------------------------------------------------------------------------------
    def _index(self) -> dict[str, list[tuple[str, str]]]:
        if self._attachments is not None:
            return self._attachments
        names: dict[tuple[str, str], str] = {}
        for lid, res in self.resources.items():
            if isinstance(res, dict) and res.get("Type") in _PRINCIPAL_NAME:
                name = (res.get("Properties") or {}).get(_PRINCIPAL_NAME[res["Type"]])
                if isinstance(name, str):
                    names[(res["Type"], name)] = lid
        index: dict[str, list[tuple[str, str]]] = {}
        for lid, res in self.resources.items():
            if not isinstance(res, dict) or res.get("Type") not in _ATTACHING:
                continue
            kind = _ATTACHING[res["Type"]]
            props = res.get("Properties") or {}
            targets: list[tuple[str, Any]] = [
                (ptype, ref) for prop, ptype in _LIST_PROPS.items() for ref in as_list(props.get(prop))
            ]
            targets += [(ptype, props[prop]) for prop, ptype in _SINGLE_PROPS.items()
                        if prop in props and res["Type"] != "AWS::IAM::ManagedPolicy"]
            for ptype, ref in targets:
                target = None
                if isinstance(ref, dict) and isinstance(ref.get("Ref"), str) and ref["Ref"] in self.resources:
                    target = ref["Ref"]
                elif isinstance(ref, str):
                    target = names.get((ptype, ref))
                if target is not None:
                    index.setdefault(target, []).append((kind, lid))
        self._attachments = index
        return index

    def recipients(self, policy_logical_id: str) -> list[str]:
        """The principals of this template (logical ids, in template order) that a policy resource of it is
        attached to: through the policy's ``Roles``/``Users``/``Groups`` (or ``RoleName``...), or a principal's
        ``ManagedPolicyArns`` holding ``{"Ref": <policy>}``."""
        out = [p for p, pairs in self._index().items() if any(lid == policy_logical_id for _, lid in pairs)]
        for lid, res in self.resources.items():
            if isinstance(res, dict) and res.get("Type") in _PRINCIPAL_NAME and lid not in out:
                arns = as_list((res.get("Properties") or {}).get("ManagedPolicyArns"))
                if any(isinstance(a, dict) and a.get("Ref") == policy_logical_id for a in arns):
                    out.append(lid)
        order = {lid: i for i, lid in enumerate(self.resources)}
        return sorted(out, key=lambda lid: order.get(lid, len(order)))

    def attached(self, principal_logical_id: str, kind: str) -> list[RuleInput]:
        """Policy resources of this template attached to a principal (``kind``: ``inline`` or ``managed``)."""
        out = []
        for k, lid in self._index().get(principal_logical_id, []):
            if k == kind:
                inp = self.rule_input(lid)
                if inp is not None:
                    out.append(inp)
        return out


class AssemblyTemplates:
    """The templates of one cloud assembly directory, loaded once, with the exports of every stack."""

    def __init__(self, directory: str | Path, *, account: str = ENV_AGNOSTIC_ACCOUNT,
                 region: str = DEFAULT_REGION) -> None:
        self.directory = Path(directory)
        self.context = AssemblyContext()
        self._templates: dict[str, dict[str, Any]] = {}
        self._exports_loaded = False
        self._account = account
        self._region = region

    def template(self, file_name: str) -> dict[str, Any]:
        if file_name not in self._templates:
            path = self.directory / file_name
            try:
                with open(path, encoding="utf-8") as fh:
                    data = json.load(fh)
            except FileNotFoundError:
                raise TemplateError(f"{path}: synthesized template not found") from None
            except (OSError, json.JSONDecodeError) as exc:
                raise TemplateError(f"{path}: cannot read template: {exc}") from None
            if not isinstance(data, dict):
                raise TemplateError(f"{path}: a template must be a JSON object")
            self._templates[file_name] = data
        return self._templates[file_name]

    def _environments(self) -> dict[str, tuple[str, str]]:
        """Template file -> (account, region) of its stack, from the assembly reader (each exporting stack
        resolves its own ``AWS::AccountId``; the assembly may span several accounts)."""
        try:
            assembly = read_assembly(self.directory)
        except AssemblyError:
            return {}  # the pack reports an unreadable assembly through its index
        return {name: env.or_default(self._account, self._region) for name, env in assembly.environments().items()}

    def load_exports(self) -> None:
        """Register every ``Outputs.*.Export.Name`` of the directory's templates (once)."""
        if self._exports_loaded:
            return
        self._exports_loaded = True
        environments = self._environments()
        for path in sorted(self.directory.glob("*.template.json")):
            try:
                template = self.template(path.name)
            except TemplateError:
                continue  # reported when (and if) a rule needs that stack
            outputs = template.get("Outputs")
            if not isinstance(outputs, dict):
                continue
            ctx: StackContext | None = None
            for out_id, out in outputs.items():
                name = (out.get("Export") or {}).get("Name") if isinstance(out, dict) else None
                if isinstance(name, str):
                    if ctx is None:
                        account, region = environments.get(path.name, (self._account, self._region))
                        ctx = StackContext(template, stack_name=path.name.split(".")[0], account=account,
                                           region=region, assembly=self.context)
                    self.context.exports.setdefault(name, ExportEntry(ctx, out_id))
