"""Where each CloudFormation resource type keeps its policies, and how each maps to Access Analyzer.

One :class:`PolicySpec` per policy a resource carries: the path of the document under the resource
(or a builder that synthesizes the equivalent policy, for ``AWS::Lambda::Permission`` and the legacy
form of ``AWS::Events::EventBusPolicy``), its :class:`PolicyKind`, the ``policyType`` and
``validatePolicyResourceType`` to validate it with, the resource it protects and the principals it
attaches to. :func:`policy_specs` lists them for one resource; :data:`RESOURCE_POLICY_TYPES` is the table
(also rendered in ``docs/cli.md``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from least_privilege_constructs.analysis.extract.model import PolicyKind
from least_privilege_constructs.analysis.findings import JsonPath, PolicyType

VERSION = "2012-10-17"

Builder = Callable[[dict[str, Any], str, dict[str, str]], dict[str, Any]]
"""(resolved properties, logical id, pseudo {partition, region, account}) -> policy document."""


@dataclass
class PolicySpec:
    path: JsonPath
    """Path of the document under the resource (``["Properties", "PolicyDocument"]``); for built policies
    the path of the properties they come from."""
    kind: PolicyKind
    policy_type: PolicyType
    resource_type: str | None = None
    governed_resource_type: str | None = None
    name: Any = None
    """Raw (unresolved) policy name, or a literal."""
    resources: list[Any] = field(default_factory=list)
    """Raw values naming the protected resources (or SCP targets)."""
    attach: list[tuple[str, Any]] = field(default_factory=list)
    """(principal kind, raw value naming it) for policies attached to roles/users/groups by name."""
    build: Builder | None = None


@dataclass(frozen=True)
class ResourcePolicyType:
    """A resource type that carries a resource-based policy (for the docs table)."""

    cfn_type: str
    property: str
    resource_type: str | None
    governed_resource_type: str


def _self_arn(logical_id: str) -> dict[str, Any]:
    return {"Fn::GetAtt": [logical_id, "Arn"]}


def _ref(logical_id: str) -> dict[str, Any]:
    return {"Ref": logical_id}


# (property path, validate resource type, governed type, resources getter)
_SIMPLE_RESOURCE_POLICIES: dict[str, tuple[list[str], str | None, str, Callable[[str, dict[str, Any]], list[Any]]]] = {
    "AWS::S3::BucketPolicy": (["PolicyDocument"], "AWS::S3::Bucket", "AWS::S3::Bucket",
                              lambda lid, p: [p.get("Bucket")]),
    "AWS::S3::AccessPoint": (["Policy"], "AWS::S3::AccessPoint", "AWS::S3::AccessPoint",
                             lambda lid, p: [_self_arn(lid)]),
    "AWS::S3::MultiRegionAccessPointPolicy": (["Policy"], "AWS::S3::MultiRegionAccessPoint",
                                              "AWS::S3::MultiRegionAccessPoint", lambda lid, p: [p.get("MrapName")]),
    "AWS::S3ObjectLambda::AccessPointPolicy": (["PolicyDocument"], "AWS::S3ObjectLambda::AccessPoint",
                                               "AWS::S3ObjectLambda::AccessPoint",
                                               lambda lid, p: [p.get("ObjectLambdaAccessPoint")]),
    "AWS::S3Express::BucketPolicy": (["PolicyDocument"], None, "AWS::S3Express::DirectoryBucket",
                                     lambda lid, p: [p.get("Bucket")]),
    "AWS::SQS::QueuePolicy": (["PolicyDocument"], None, "AWS::SQS::Queue", lambda lid, p: _as_list(p.get("Queues"))),
    "AWS::SQS::QueueInlinePolicy": (["PolicyDocument"], None, "AWS::SQS::Queue", lambda lid, p: [p.get("Queue")]),
    "AWS::SNS::TopicPolicy": (["PolicyDocument"], None, "AWS::SNS::Topic", lambda lid, p: _as_list(p.get("Topics"))),
    "AWS::SNS::TopicInlinePolicy": (["PolicyDocument"], None, "AWS::SNS::Topic", lambda lid, p: [p.get("TopicArn")]),
    "AWS::KMS::Key": (["KeyPolicy"], None, "AWS::KMS::Key", lambda lid, p: [_self_arn(lid)]),
    "AWS::KMS::ReplicaKey": (["KeyPolicy"], None, "AWS::KMS::Key", lambda lid, p: [_self_arn(lid)]),
    "AWS::SecretsManager::ResourcePolicy": (["ResourcePolicy"], None, "AWS::SecretsManager::Secret",
                                            lambda lid, p: [p.get("SecretId")]),
    "AWS::ECR::Repository": (["RepositoryPolicyText"], None, "AWS::ECR::Repository", lambda lid, p: [_self_arn(lid)]),
    "AWS::ECR::PublicRepository": (["RepositoryPolicyText"], None, "AWS::ECR::PublicRepository",
                                   lambda lid, p: [_ref(lid)]),
    "AWS::ECR::RegistryPolicy": (["PolicyText"], None, "AWS::ECR::Registry", lambda lid, p: []),
    "AWS::Logs::ResourcePolicy": (["PolicyDocument"], None, "AWS::Logs::LogGroup", lambda lid, p: []),
    "AWS::Logs::Destination": (["DestinationPolicy"], None, "AWS::Logs::Destination", lambda lid, p: [_self_arn(lid)]),
    "AWS::Events::EventBus": (["Policy"], None, "AWS::Events::EventBus", lambda lid, p: [_self_arn(lid)]),
    "AWS::OpenSearchService::Domain": (["AccessPolicies"], None, "AWS::OpenSearchService::Domain",
                                       lambda lid, p: [_self_arn(lid)]),
    "AWS::Elasticsearch::Domain": (["AccessPolicies"], None, "AWS::Elasticsearch::Domain",
                                   lambda lid, p: [_self_arn(lid)]),
    "AWS::Backup::BackupVault": (["AccessPolicy"], None, "AWS::Backup::BackupVault",
                                 lambda lid, p: [{"Fn::GetAtt": [lid, "BackupVaultArn"]}]),
    "AWS::EFS::FileSystem": (["FileSystemPolicy"], None, "AWS::EFS::FileSystem", lambda lid, p: [_self_arn(lid)]),
    "AWS::ApiGateway::RestApi": (["Policy"], None, "AWS::ApiGateway::RestApi", lambda lid, p: [_ref(lid)]),
    "AWS::DynamoDB::Table": (["ResourcePolicy", "PolicyDocument"], "AWS::DynamoDB::Table", "AWS::DynamoDB::Table",
                             lambda lid, p: [_self_arn(lid)]),
    "AWS::CodeArtifact::Domain": (["PermissionsPolicyDocument"], None, "AWS::CodeArtifact::Domain",
                                  lambda lid, p: [_self_arn(lid)]),
    "AWS::CodeArtifact::Repository": (["PermissionsPolicyDocument"], None, "AWS::CodeArtifact::Repository",
                                      lambda lid, p: [_self_arn(lid)]),
    "AWS::Kinesis::ResourcePolicy": (["ResourcePolicy"], None, "AWS::Kinesis::Stream",
                                     lambda lid, p: [p.get("ResourceArn")]),
    "AWS::CloudTrail::ResourcePolicy": (["ResourcePolicy"], None, "AWS::CloudTrail::Channel",
                                        lambda lid, p: [p.get("ResourceArn")]),
    "AWS::VpcLattice::AuthPolicy": (["Policy"], None, "AWS::VpcLattice::Service",
                                    lambda lid, p: [p.get("ResourceIdentifier")]),
    "AWS::Organizations::ResourcePolicy": (["Content"], None, "AWS::Organizations::Organization", lambda lid, p: []),
}

RESOURCE_POLICY_TYPES: list[ResourcePolicyType] = sorted(
    [
        *(ResourcePolicyType(t, ".".join(v[0]), v[1], v[2]) for t, v in _SIMPLE_RESOURCE_POLICIES.items()),
        ResourcePolicyType("AWS::IAM::Role", "AssumeRolePolicyDocument", "AWS::IAM::AssumeRolePolicyDocument",
                           "AWS::IAM::Role"),
        ResourcePolicyType("AWS::Lambda::Permission", "(synthesized statement)", None, "AWS::Lambda::Function"),
        ResourcePolicyType("AWS::Events::EventBusPolicy", "Statement (or Action/Principal/Condition)", None,
                           "AWS::Events::EventBus"),
        ResourcePolicyType("AWS::DynamoDB::Table", "StreamSpecification.ResourcePolicy.PolicyDocument", None,
                           "AWS::DynamoDB::Stream"),
        ResourcePolicyType("AWS::DynamoDB::GlobalTable", "Replicas[].ResourcePolicy.PolicyDocument",
                           "AWS::DynamoDB::Table", "AWS::DynamoDB::Table"),
    ],
    key=lambda r: (r.cfn_type, r.property),
)


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    return [] if value is None else [value]


def _props(resource: dict[str, Any]) -> dict[str, Any]:
    props = resource.get("Properties")
    return props if isinstance(props, dict) else {}


def _identity_inline_policies(props: dict[str, Any]) -> list[PolicySpec]:
    out = []
    policies = props.get("Policies")
    if isinstance(policies, list):
        for i, item in enumerate(policies):
            if isinstance(item, dict) and "PolicyDocument" in item:
                out.append(PolicySpec(["Properties", "Policies", i, "PolicyDocument"], PolicyKind.INLINE,
                                      PolicyType.IDENTITY_POLICY, name=item.get("PolicyName")))
    return out


def policy_specs(logical_id: str, resource: dict[str, Any]) -> list[PolicySpec]:
    """The policies one resource carries (documents not yet resolved)."""
    rtype = resource.get("Type")
    props = _props(resource)
    specs: list[PolicySpec] = []
    if rtype == "AWS::IAM::Role":
        if "AssumeRolePolicyDocument" in props:
            specs.append(PolicySpec(["Properties", "AssumeRolePolicyDocument"], PolicyKind.TRUST,
                                    PolicyType.RESOURCE_POLICY, "AWS::IAM::AssumeRolePolicyDocument",
                                    "AWS::IAM::Role", name="AssumeRolePolicyDocument",
                                    resources=[_self_arn(logical_id)]))
        specs.extend(_identity_inline_policies(props))
    elif rtype in ("AWS::IAM::User", "AWS::IAM::Group"):
        specs.extend(_identity_inline_policies(props))
    elif rtype == "AWS::IAM::Policy":
        specs.append(PolicySpec(["Properties", "PolicyDocument"], PolicyKind.INLINE, PolicyType.IDENTITY_POLICY,
                                name=props.get("PolicyName"), attach=_attachments(props)))
    elif rtype == "AWS::IAM::ManagedPolicy":
        specs.append(PolicySpec(["Properties", "PolicyDocument"], PolicyKind.MANAGED, PolicyType.IDENTITY_POLICY,
                                name=props.get("ManagedPolicyName"), attach=_attachments(props)))
    elif rtype in ("AWS::IAM::RolePolicy", "AWS::IAM::UserPolicy", "AWS::IAM::GroupPolicy"):
        kind = {"AWS::IAM::RolePolicy": "role", "AWS::IAM::UserPolicy": "user", "AWS::IAM::GroupPolicy": "group"}[rtype]
        prop = {"role": "RoleName", "user": "UserName", "group": "GroupName"}[kind]
        specs.append(PolicySpec(["Properties", "PolicyDocument"], PolicyKind.INLINE, PolicyType.IDENTITY_POLICY,
                                name=props.get("PolicyName"), attach=[(kind, props.get(prop))]))
    elif rtype == "AWS::SSO::PermissionSet":
        if "InlinePolicy" in props:
            specs.append(PolicySpec(["Properties", "InlinePolicy"], PolicyKind.INLINE, PolicyType.IDENTITY_POLICY,
                                    name=props.get("Name")))
    elif rtype == "AWS::Organizations::Policy":
        ptype = props.get("Type")
        if ptype in ("SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"):
            scp = ptype == "SERVICE_CONTROL_POLICY"
            specs.append(PolicySpec(["Properties", "Content"], PolicyKind.SCP if scp else PolicyKind.RCP,
                                    PolicyType.SERVICE_CONTROL_POLICY if scp else PolicyType.RESOURCE_CONTROL_POLICY,
                                    name=props.get("Name"), resources=_as_list(props.get("TargetIds"))))
    elif rtype == "AWS::Lambda::Permission":
        specs.append(PolicySpec(["Properties"], PolicyKind.RESOURCE, PolicyType.RESOURCE_POLICY, None,
                                "AWS::Lambda::Function", name=logical_id, resources=[props.get("FunctionName")],
                                build=_lambda_permission))
    elif rtype == "AWS::Events::EventBusPolicy":
        specs.append(PolicySpec(["Properties"], PolicyKind.RESOURCE, PolicyType.RESOURCE_POLICY, None,
                                "AWS::Events::EventBus", name=props.get("StatementId"),
                                resources=[props.get("EventBusName", "default")], build=_event_bus_policy))
    elif rtype == "AWS::DynamoDB::GlobalTable":
        replicas = props.get("Replicas")
        if isinstance(replicas, list):
            for i, replica in enumerate(replicas):
                if isinstance(replica, dict) and isinstance(replica.get("ResourcePolicy"), dict):
                    specs.append(PolicySpec(["Properties", "Replicas", i, "ResourcePolicy", "PolicyDocument"],
                                            PolicyKind.RESOURCE, PolicyType.RESOURCE_POLICY, "AWS::DynamoDB::Table",
                                            "AWS::DynamoDB::Table", name=f"Replicas[{i}]",
                                            resources=[_self_arn(logical_id)]))
    if rtype in _SIMPLE_RESOURCE_POLICIES:
        path, validate_type, governed, getter = _SIMPLE_RESOURCE_POLICIES[str(rtype)]
        if _has_path(props, path):
            specs.append(PolicySpec(["Properties", *path], PolicyKind.RESOURCE, PolicyType.RESOURCE_POLICY,
                                    validate_type, governed, name=".".join(path),
                                    resources=[r for r in getter(logical_id, props) if r is not None]))
    if rtype == "AWS::DynamoDB::Table" and _has_path(props, ["StreamSpecification", "ResourcePolicy", "PolicyDocument"]):
        specs.append(PolicySpec(["Properties", "StreamSpecification", "ResourcePolicy", "PolicyDocument"],
                                PolicyKind.RESOURCE, PolicyType.RESOURCE_POLICY, None, "AWS::DynamoDB::Stream",
                                name="StreamSpecification.ResourcePolicy",
                                resources=[{"Fn::GetAtt": [logical_id, "StreamArn"]}]))
    return specs


def _has_path(props: dict[str, Any], path: list[str]) -> bool:
    node: Any = props
    for step in path:
        if not isinstance(node, dict) or step not in node:
            return False
        node = node[step]
    return node is not None


def _attachments(props: dict[str, Any]) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for kind, prop in (("role", "Roles"), ("user", "Users"), ("group", "Groups")):
        value = props.get(prop)
        if value is None:
            continue
        out.extend((kind, v) for v in (value if isinstance(value, list) else [value]))
    return out


# --- synthesized policies -------------------------------------------------------------------------------------


def _principal_element(principal: Any) -> Any:
    if principal == "*":
        return "*"
    text = str(principal)
    if text.startswith("arn:") or (text.isdigit() and len(text) == 12):
        return {"AWS": text}
    if "." in text:
        return {"Service": text}
    return {"AWS": text}


def function_arn(name: Any, pseudo: dict[str, str]) -> str:
    """The ARN of a function given as name, partial ARN (``123456789012:function:f``) or full ARN."""
    text = str(name)
    if text.startswith("arn:"):
        return text
    prefix = f"arn:{pseudo['partition']}:lambda:{pseudo['region']}:"
    if ":function:" in text:
        return prefix + text
    return f"{prefix}{pseudo['account']}:function:{text}"


def _lambda_permission(props: dict[str, Any], logical_id: str, pseudo: dict[str, str]) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Sid": logical_id,
        "Effect": "Allow",
        "Principal": _principal_element(props.get("Principal")),
        "Action": props.get("Action"),
        "Resource": function_arn(props.get("FunctionName"), pseudo),
    }
    condition: dict[str, dict[str, Any]] = {}
    if props.get("SourceArn") is not None:
        condition.setdefault("ArnLike", {})["AWS:SourceArn"] = props["SourceArn"]
    for prop, key in (("SourceAccount", "AWS:SourceAccount"), ("PrincipalOrgID", "aws:PrincipalOrgID"),
                      ("FunctionUrlAuthType", "lambda:FunctionUrlAuthType"),
                      ("EventSourceToken", "lambda:EventSourceToken")):
        if props.get(prop) is not None:
            condition.setdefault("StringEquals", {})[key] = props[prop]
    if condition:
        statement["Condition"] = condition
    return {"Version": VERSION, "Statement": [statement]}


def _event_bus_policy(props: dict[str, Any], logical_id: str, pseudo: dict[str, str]) -> dict[str, Any]:
    bus = str(props.get("EventBusName") or "default")
    bus_arn = bus if bus.startswith("arn:") else (
        f"arn:{pseudo['partition']}:events:{pseudo['region']}:{pseudo['account']}:event-bus/{bus}")
    if isinstance(props.get("Statement"), dict):
        statement = {"Sid": props.get("StatementId", logical_id), **props["Statement"]}
        return {"Version": VERSION, "Statement": [statement]}
    principal = props.get("Principal")
    statement = {
        "Sid": props.get("StatementId", logical_id),
        "Effect": "Allow",
        "Principal": "*" if principal == "*" else {"AWS": principal},
        "Action": props.get("Action", "events:PutEvents"),
        "Resource": bus_arn,
    }
    cond = props.get("Condition")
    if isinstance(cond, dict) and {"Type", "Key", "Value"} <= set(cond):
        statement["Condition"] = {cond["Type"]: {cond["Key"]: cond["Value"]}}
    return {"Version": VERSION, "Statement": [statement]}
