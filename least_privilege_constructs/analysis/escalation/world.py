"""The account as the escalation analysis sees it: the assembly's principals with their policies, the roles
that exist around them (assembly, context, CDK bootstrap, assumed unknown ones), and the resources that
run with a role (Lambda functions, CloudFormation stacks, CodeBuild projects).

Built once per analysis from an :class:`~least_privilege_constructs.analysis.extract.Extraction`, the
cloud assembly's manifest (which names each stack's CloudFormation execution role) and the
:class:`~.context.EscalationContext`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from least_privilege_constructs.analysis.assembly import AssemblyError, walk_assemblies
from least_privilege_constructs.analysis.escalation.context import (
    EscalationContext,
    KnownRole,
    bootstrap_roles,
)
from least_privilege_constructs.analysis.extract.model import (
    ExtractedPolicy,
    Extraction,
    Principal,
    PrincipalKind,
)
from least_privilege_constructs.analysis.findings import PolicyOrigin
from least_privilege_constructs.analysis.iam.arn import Arn, account_of


@dataclass(frozen=True)
class RoleFact:
    """What is known (or assumed) about one role that a principal might pass, assume or modify."""

    arn: str
    description: str
    boundary_arn: str | None
    trust: Any = None
    """The trust policy document when known (assembly roles)."""
    trusts_account: bool = True
    trusted_services: tuple[str, ...] | None = None
    """Service principals the trust policy names; None when unknown (any service may be trusted)."""
    privileged: bool = True
    assumption: str = ""
    """Empty when the facts come from the assembly or the context; otherwise what is assumed."""

    @property
    def bounded(self) -> bool:
        return self.boundary_arn is not None


@dataclass(frozen=True)
class RunningResource:
    """A resource that runs with a role: whoever rewrites it acts with that role (B9)."""

    kind: str
    """The id of its row in the table of resources that run with a role (:mod:`.runners`:
    ``lambda-function``, ``cloudformation-stack``, ``codebuild-project`` ...), or ``cdk-file-assets`` /
    ``cdk-container-assets`` for the CDK bootstrap asset stores."""
    name: str
    region: str
    account: str
    role_arn: str
    label: str

    def arn(self, partition: str = "aws") -> str:
        if self.kind == "cdk-file-assets":
            return f"arn:{partition}:s3:::{self.name}/lpc-probe-asset.json"
        if self.kind == "cdk-container-assets":
            return f"arn:{partition}:ecr:{self.region}:{self.account}:repository/{self.name}"
        from least_privilege_constructs.analysis.escalation.runners import runner

        return runner(self.kind).probe_arn(self.name, partition=partition, region=self.region, account=self.account)


@dataclass
class Subject:
    """One principal of the assembly, ready for analysis."""

    principal: Principal
    identity: list[tuple[str, Any, PolicyOrigin | None]] = field(default_factory=list)
    """(unique name, document, origin) of every identity policy (own, managed, groups')."""
    boundary: Any = None
    boundary_name: str = ""
    boundary_origin: PolicyOrigin | None = None
    unknown_managed: list[str] = field(default_factory=list)
    """Managed policy ARNs attached whose documents are unknown (AWS managed or external)."""
    boundary_unknown: bool = False
    """The principal has a boundary ARN whose document is not in the assembly nor the context."""

    @property
    def arn(self) -> str:
        return self.principal.arn

    @property
    def label(self) -> str:
        return self.principal.label

    @property
    def is_user(self) -> bool:
        return self.principal.kind is PrincipalKind.USER

    def origin(self) -> PolicyOrigin:
        p = self.principal
        return PolicyOrigin(
            source=p.source,
            stack=p.stack,
            logical_id=p.logical_id,
            construct_path=p.construct_path,
            json_path=f"Resources.{p.logical_id}" if p.logical_id else None,
            policy_name=p.name,
            resource_type="AWS::IAM::User" if self.is_user else "AWS::IAM::Role",
        )


@dataclass
class World:
    """Everything the per-principal checks consult."""

    extraction: Extraction
    context: EscalationContext
    partition: str = "aws"
    regions: tuple[str, ...] = ("us-east-1",)
    roles: dict[str, RoleFact] = field(default_factory=dict)
    users: dict[str, RoleFact] = field(default_factory=dict)
    running: list[RunningResource] = field(default_factory=list)
    assembly_boundaries: set[str] = field(default_factory=set)
    tag_based_access: bool = False
    scps: list[Any] = field(default_factory=list)
    scp_origins: list[str] = field(default_factory=list)
    problems: list[tuple[PolicyOrigin | None, str]] = field(default_factory=list)

    def role(self, arn: str) -> RoleFact | None:
        return self.roles.get(arn)


_CFN_EXEC = re.compile(r"^arn:([^:]+):iam::(\d{12}):role/cdk-([a-z0-9]+)-cfn-exec-role-(\d{12})-([a-z0-9-]+)$")


def _uses_tags(doc: Any) -> bool:
    text = json.dumps(doc) if not isinstance(doc, str) else doc
    lowered = text.lower()
    return any(k in lowered for k in ("aws:principaltag/", "aws:resourcetag/", "iam:resourcetag/"))


def build_world(extraction: Extraction, context: EscalationContext, manifest_dirs: Sequence[Path] = ()) -> World:
    """Collect roles, users, running resources and SCPs for the analysis."""
    world = World(extraction, context)
    by_stack_logical: dict[tuple[str, str | None, str], Principal] = {}
    accounts: set[str] = set()
    for p in extraction.principals:
        if p.logical_id:
            by_stack_logical[(p.source, p.stack, p.logical_id)] = p
        parsed = Arn.parse(p.arn)
        if parsed is not None:
            world.partition = parsed.partition
            accounts.add(parsed.account)
        if p.boundary_arn:
            world.assembly_boundaries.add(p.boundary_arn)
    regions = [t.region for t in extraction.templates if t.region]
    # assembly roles and users
    for p in extraction.principals:
        if p.external or p.kind is PrincipalKind.GROUP:
            continue
        trust = p.trust_policy.document if p.trust_policy is not None else None
        fact = RoleFact(
            arn=p.arn,
            description=f"{p.kind.value} {p.label} of the assembly",
            boundary_arn=p.boundary_arn,
            trust=trust,
            trusts_account=True,
            trusted_services=_trusted_services(trust),
            privileged=p.boundary_arn is None,
        )
        (world.roles if p.kind is PrincipalKind.ROLE else world.users)[p.arn] = fact
    # stacks and their execution roles (cloud assembly manifests)
    deployments = []
    for directory in manifest_dirs:
        deployments.extend(read_deployments(directory))
    for stack_name, account, region, exec_role, _deploy in deployments:
        if account:
            accounts.add(account)
        if region:
            regions.append(region)
        if exec_role:
            world.running.append(RunningResource("cloudformation-stack", stack_name, region or "us-east-1", account or "",
                                                 exec_role, f"stack {stack_name}"))
    world.regions = tuple(dict.fromkeys([*context.regions, *regions])) or ("us-east-1",)
    # CDK bootstrap roles, unless the manifest named them (then they are added below by ARN)
    known: list[KnownRole] = []
    if context.cdk_bootstrap:
        names = {r for d in deployments for r in (d[3], d[4]) if r}
        for arn in sorted(names):
            if arn in world.roles:
                # a deployment role defined in the assembly itself (e.g. a bounded execution role under the
                # application path): what the assembly says about it wins over bootstrap assumptions
                continue
            kind = "CloudFormation execution role (AdministratorAccess by default)" if "cfn-exec-role" in arn else \
                "deploy role (passes the CloudFormation execution role)"
            cfn = "cfn-exec-role" in arn
            known.append(KnownRole(arn, f"CDK bootstrap {kind}",
                                   "bootstrap-boundary" if context.bootstrap_roles_bounded else None,
                                   not cfn, ("cloudformation.amazonaws.com",) if cfn else (),
                                   not context.bootstrap_roles_bounded))
        if not names:
            for account in sorted(a for a in accounts if a) or [context.account or ""]:
                for region in world.regions:
                    if account:
                        known.extend(bootstrap_roles(account, region, context.bootstrap_qualifier,
                                                     world.partition, context.bootstrap_roles_bounded))
    for arn in context.admin_role_arns:
        known.append(KnownRole(arn, "administrator role (context)"))
    for arn in context.unbounded_role_arns:
        known.append(KnownRole(arn, "unbounded role (context)"))
    known.extend(context.known_roles)
    for k in known:
        world.roles[k.arn] = RoleFact(k.arn, k.description, k.boundary_arn, None, k.trusts_account,
                                      k.trusted_services, k.privileged and not k.bounded)
        match = _CFN_EXEC.match(k.arn)
        if match:
            # the bootstrap asset stores: what is in them is deployed by the execution role (cdk-assets skips
            # the upload of an object or image that already exists, so a planted or overwritten asset is used)
            _, account, qualifier, _, region = match.groups()
            world.running.append(RunningResource(
                "cdk-file-assets", f"cdk-{qualifier}-assets-{account}-{region}", region, account, k.arn,
                f"the CDK file asset bucket cdk-{qualifier}-assets-{account}-{region}"))
            world.running.append(RunningResource(
                "cdk-container-assets", f"cdk-{qualifier}-container-assets-{account}-{region}", region, account,
                k.arn, f"the CDK container asset repository cdk-{qualifier}-container-assets-{account}-{region}"))
    # functions and projects running with roles of the assembly
    for template in extraction.templates:
        _running_from_template(world, template.source, template.stack, template.region, template.account,
                               by_stack_logical)
    # tag-based access anywhere in the assembly (B13)
    if context.tag_based_access is not None:
        world.tag_based_access = bool(context.tag_based_access)
    else:
        world.tag_based_access = any(
            _uses_tags(pol.document) for pol in extraction.policies if pol.kind.value != "trust"
        )
    # SCPs: the context's, and the assembly's own where they target the account
    world.scps = list(context.scps)
    world.scp_origins = ["context" for _ in context.scps]
    return world


def assembly_scps_for(world: World, account: str) -> list[ExtractedPolicy]:
    """SCPs of the assembly whose targets include ``account`` (or the organization root, ``r-...``)."""
    if not world.context.apply_assembly_scps:
        return []
    out = []
    for scp in world.extraction.scps:
        targets = [str(t) for t in scp.resources]
        if account in targets or any(t.startswith("r-") for t in targets):
            out.append(scp)
    return out


def _trusted_services(trust: Any) -> tuple[str, ...]:
    services: list[str] = []
    if not isinstance(trust, dict):
        return ()
    statements = trust.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    for st in statements:
        if not isinstance(st, dict) or st.get("Effect") != "Allow":
            continue
        principal = st.get("Principal")
        if isinstance(principal, dict):
            svc = principal.get("Service")
            services.extend([svc] if isinstance(svc, str) else list(svc or []))
    return tuple(services)


def trusts_any_aws_principal(trust: Any) -> bool:
    """Whether a trust policy lets AWS principals (of some account) assume the role."""
    if not isinstance(trust, dict):
        return False
    statements = trust.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    for st in statements:
        if isinstance(st, dict) and st.get("Effect") == "Allow":
            principal = st.get("Principal")
            if principal == "*" or (isinstance(principal, dict) and "AWS" in principal):
                return True
    return False


def read_deployments(directory: Path) -> list[tuple[str, str | None, str | None, str | None, str | None]]:
    """(stack name, account, region, execution role ARN, deploy role ARN) of every stack of a cloud
    assembly, nested assemblies (stages) included, from the assembly reader. Pseudo parameters in role
    ARNs are resolved to the ``aws`` partition. An unreadable assembly gives nothing here: the extractor
    reports it (a blocking finding)."""
    out: list[tuple[str, str | None, str | None, str | None, str | None]] = []
    try:
        for assembly in walk_assemblies(directory):
            for stack in assembly.stacks:
                account, region = stack.account, stack.region
                out.append((stack.stack_name, account, region,
                            _resolve_arn(stack.execution_role_arn, account, region),
                            _resolve_arn(stack.deploy_role_arn, account, region)))
    except AssemblyError:
        pass
    return out


def _resolve_arn(value: Any, account: str | None, region: str | None) -> str | None:
    if not isinstance(value, str) or not value:
        return None
    text = value.replace("${AWS::Partition}", "aws")
    if account:
        text = text.replace("${AWS::AccountId}", account)
    if region:
        text = text.replace("${AWS::Region}", region)
    return None if "${" in text else text


def _running_from_template(world: World, source: str, stack: str | None, region: str | None,
                           account: str | None, principals: dict[tuple[str, str | None, str], Principal]) -> None:
    path = Path(source)
    if path.suffix.lower() not in (".json", ".template") or not path.is_file():
        return
    try:
        template = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError):
        return
    resources = template.get("Resources") if isinstance(template, dict) else None
    if not isinstance(resources, dict):
        return
    from least_privilege_constructs.analysis.escalation.runners import load_runners

    bindings = {b.type: (row.id, b) for row in load_runners() for b in row.cloudformation}
    functions: dict[str, tuple[str, str]] = {}  # logical id -> (name, role) of the template's functions
    for logical_id, res in resources.items():
        if not isinstance(res, dict):
            continue
        rtype = str(res.get("Type"))
        props = res.get("Properties") or {}
        if not isinstance(props, dict):
            continue
        if rtype.startswith("Custom::"):
            rtype = "AWS::CloudFormation::CustomResource"  # CDK's custom resources use Custom::<Name> types
        if rtype not in bindings:
            continue
        kind, binding = bindings[rtype]
        if binding.role == "ServiceToken":
            continue  # custom resources: their provider functions, once every function is known (below)
        role = _role_of(_dotted(props, binding.role), source, stack, principals)
        if role is None:
            continue
        name = _dotted(props, binding.name) if binding.name else None
        if not isinstance(name, str):
            name = f"{stack or 'stack'}-{logical_id}-lpcgenerated"
        if rtype == "AWS::Lambda::Function":
            functions[logical_id] = (name, role)
        world.running.append(RunningResource(kind, name, region or world.regions[0], account or
                                             account_of(role) or "", role, f"{kind} {stack}/{logical_id}"))
    # a custom resource's ServiceToken names its provider function: invoking it runs the provider's role
    for logical_id, res in resources.items():
        if not isinstance(res, dict):
            continue
        rtype = str(res.get("Type"))
        if not (rtype.startswith("Custom::") or rtype == "AWS::CloudFormation::CustomResource"):
            continue
        token = (res.get("Properties") or {}).get("ServiceToken")
        target = token.get("Fn::GetAtt") if isinstance(token, dict) else None
        function = str(target[0]) if isinstance(target, list) and target else None
        if function in functions:
            name, role = functions[function]
            label = f"cdk-custom-resource {stack}/{function} (provider of {logical_id})"
            if not any(r.kind == "cdk-custom-resource" and r.name == name for r in world.running):
                world.running.append(RunningResource("cdk-custom-resource", name, region or world.regions[0],
                                                     account or account_of(role) or "", role, label))


def _dotted(props: dict[str, Any], path: str) -> Any:
    value: Any = props
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _role_of(value: Any, source: str, stack: str | None,
             principals: dict[tuple[str, str | None, str], Principal]) -> str | None:
    if isinstance(value, str) and value.startswith("arn:"):
        return value
    logical = None
    if isinstance(value, dict):
        if "Fn::GetAtt" in value:
            target = value["Fn::GetAtt"]
            if isinstance(target, list) and target:
                logical = str(target[0])
            elif isinstance(target, str):
                logical = target.split(".")[0]
        elif "Ref" in value:
            logical = str(value["Ref"])
    if logical is None:
        return None
    p = principals.get((source, stack, logical))
    return p.arn if p is not None else None


def unique_names(items: Iterable[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for item in items:
        n = seen.get(item, 0)
        seen[item] = n + 1
        out.append(item if n == 0 else f"{item}#{n + 1}")
    return out


def subject_of(world: World, principal: Principal) -> Subject:
    """A principal with its identity policies (own, managed, groups', and managed ones known from the
    context), its boundary, and what is unknown."""
    subject = Subject(principal)
    docs: list[tuple[str, Any, PolicyOrigin | None]] = []
    for pol in principal.identity_policies():
        docs.append((pol.name, pol.document, pol.origin))
    if principal.kind is PrincipalKind.USER:
        for pol in world.extraction.group_policies(principal):
            docs.append((f"{pol.name} (group)", pol.document, pol.origin))
    for arn in principal.managed_policy_arns:
        doc = world.context.managed_policy(arn)
        if doc is None:
            subject.unknown_managed.append(arn)
        else:
            docs.append((arn.rsplit("/", 1)[-1], doc, None))
    names = unique_names(name for name, _, _ in docs)
    subject.identity = [(n, d, o) for n, (_, d, o) in zip(names, docs, strict=True)]
    if principal.boundary_arn:
        if principal.boundary is not None:
            subject.boundary = principal.boundary.document
            subject.boundary_name = principal.boundary.name
            subject.boundary_origin = principal.boundary.origin
        else:
            doc = world.context.managed_policy(principal.boundary_arn)
            if doc is None:
                subject.boundary_unknown = True
            else:
                subject.boundary = doc
                subject.boundary_name = principal.boundary_arn.rsplit("/", 1)[-1]
    return subject
