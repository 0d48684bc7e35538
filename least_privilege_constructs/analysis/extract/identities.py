"""What ``Ref`` and ``Fn::GetAtt`` return for a resource: realistic physical ids and valid ARNs.

Names come from the resource's own properties where it sets them (``RoleName``, ``BucketName``, ...);
otherwise a deterministic CloudFormation-style generated name (``Stack-LogicalId-ABCDEF123456``).
ARNs are built from the stack's partition, region and account, so a resolved policy keeps valid ARNs.

A resource type or attribute this table does not know raises :class:`Unresolvable` (fail closed): a
guessed value could hide a wrong ARN from validation.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from least_privilege_constructs.analysis.iam.arn import Arn

if TYPE_CHECKING:
    from least_privilege_constructs.analysis.extract.intrinsics import StackContext


class Unresolvable(Exception):
    """An intrinsic function whose value cannot be known offline."""


def _digest(*parts: str, length: int = 12, alphabet: str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") -> str:
    raw = hashlib.sha256("/".join(parts).encode()).digest()
    return "".join(alphabet[b % len(alphabet)] for b in raw[:length])


def generated_name(ctx: StackContext, logical_id: str, max_len: int = 64, lower: bool = False) -> str:
    """CloudFormation's generated physical name: ``{stack}-{logicalId}-{suffix}``, truncated."""
    suffix = _digest(ctx.stack_name, logical_id)
    head = f"{ctx.stack_name}-{logical_id}"
    name = f"{head[: max_len - len(suffix) - 1]}-{suffix}"
    if lower:
        name = re.sub(r"[^a-z0-9.-]", "-", name.lower())
    return name


def _hex_id(ctx: StackContext, logical_id: str, length: int) -> str:
    return _digest(ctx.stack_name, logical_id, length=length, alphabet="0123456789abcdef")


@dataclass
class _Res:
    ctx: StackContext
    logical_id: str
    props: dict[str, Any]

    def prop(self, name: str) -> Any:
        """A property resolved strictly (raises Unresolvable); ``None`` when absent."""
        if name not in self.props:
            return None
        value = self.ctx.eval_strict(self.props[name], f"Resources.{self.logical_id}.Properties.{name}")
        return None if value is self.ctx.NO_VALUE else value

    def name(self, prop: str | None, max_len: int = 64, lower: bool = False) -> str:
        value = self.prop(prop) if prop else None
        if value is None:
            return generated_name(self.ctx, self.logical_id, max_len, lower)
        return str(value)

    def iam_path(self) -> str:
        path = self.prop("Path")
        return str(path) if path else "/"

    def arn(self, service: str, resource: str, region: bool = True, account: bool = True) -> str:
        c = self.ctx
        return f"arn:{c.partition}:{service}:{c.region if region else ''}:{c.account if account else ''}:{resource}"


def _uuid(ctx: StackContext, logical_id: str) -> str:
    h = _hex_id(ctx, logical_id, 32)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


# --- one entry per resource type: (ref, {attribute: getter}) --------------------------------------------

Getter = Callable[[_Res], Any]


def _iam(kind: str, name_prop: str, max_len: int = 64) -> tuple[Getter, dict[str, Getter]]:
    def name(r: _Res) -> str:
        return r.name(name_prop, max_len)

    def arn(r: _Res) -> str:
        return r.arn("iam", f"{kind}{r.iam_path()}{name(r)}", region=False)

    attrs: dict[str, Getter] = {"Arn": arn}
    if kind == "role":
        attrs["RoleId"] = lambda r: "AROA" + _digest(r.ctx.stack_name, r.logical_id, length=17)
    if kind == "policy":
        attrs["PolicyArn"] = arn
        attrs["PolicyId"] = lambda r: "ANPA" + _digest(r.ctx.stack_name, r.logical_id, length=17)
        return arn, attrs
    return name, attrs


def _bucket_name(r: _Res) -> str:
    return r.name("BucketName", 63, lower=True)


def _queue_name(r: _Res) -> str:
    name = r.prop("QueueName")
    if name:
        return str(name)
    fifo = str(r.prop("FifoQueue")).lower() == "true"
    base = generated_name(r.ctx, r.logical_id, 75 if fifo else 80)
    return base + ".fifo" if fifo else base


def _topic_name(r: _Res) -> str:
    name = r.prop("TopicName")
    if name:
        return str(name)
    fifo = str(r.prop("FifoTopic")).lower() == "true"
    base = generated_name(r.ctx, r.logical_id, 251)
    return base + ".fifo" if fifo else base


def _named(service: str, prefix: str, name_prop: str | None, max_len: int = 64, sep: str = "/",
           lower: bool = False, region: bool = True, extra: dict[str, Getter] | None = None,
           ref_is_arn: bool = False) -> tuple[Getter, dict[str, Getter]]:
    def name(r: _Res) -> str:
        return r.name(name_prop, max_len, lower)

    def arn(r: _Res) -> str:
        return r.arn(service, f"{prefix}{sep}{name(r)}" if prefix else name(r), region=region)

    attrs: dict[str, Getter] = {"Arn": arn, **(extra or {})}
    return (arn if ref_is_arn else name), attrs


def _secret_arn(r: _Res) -> str:
    name = r.name("Name", 512)
    return r.arn("secretsmanager", f"secret:{name}-{_digest(r.ctx.stack_name, r.logical_id, length=6)}")


def _key_id(r: _Res) -> str:
    return _uuid(r.ctx, r.logical_id)


def _function_name(r: _Res) -> str:
    return r.name("FunctionName", 64)


def _function_arn(r: _Res) -> str:
    return r.arn("lambda", f"function:{_function_name(r)}")


def _stack_arn(r: _Res) -> str:
    name = generated_name(r.ctx, r.logical_id, 128)
    return r.arn("cloudformation", f"stack/{name}/{_uuid(r.ctx, r.logical_id)}")


def _efs_id(r: _Res) -> str:
    return "fs-" + _hex_id(r.ctx, r.logical_id, 17)


def _log_group_name(r: _Res) -> str:
    return r.name("LogGroupName", 512)


def _api_id(r: _Res) -> str:
    return _digest(r.ctx.stack_name, r.logical_id, length=10, alphabet="abcdefghijklmnopqrstuvwxyz0123456789")


def _table_name(r: _Res) -> str:
    return r.name("TableName", 255)


def _state_machine_arn(r: _Res) -> str:
    return r.arn("states", f"stateMachine:{r.name('StateMachineName', 80)}")


def _org_policy_id(r: _Res) -> str:
    return "p-" + _digest(r.ctx.stack_name, r.logical_id, length=8, alphabet="abcdefghijklmnopqrstuvwxyz0123456789")


def _ou_id(r: _Res) -> str:
    d = _digest(r.ctx.stack_name, r.logical_id, length=12, alphabet="abcdefghijklmnopqrstuvwxyz0123456789")
    return f"ou-{d[:4]}-{d[4:]}"


def _user_pool_id(r: _Res) -> str:
    return f"{r.ctx.region}_{_digest(r.ctx.stack_name, r.logical_id, length=9)}"


def _ec2(prefix: str) -> Getter:
    return lambda r: f"{prefix}-{_hex_id(r.ctx, r.logical_id, 17)}"


def _nested_output(r: _Res, attribute: str) -> Any:
    nested = r.ctx.nested_stacks.get(r.logical_id)
    if nested is None:
        raise Unresolvable(f"nested stack {r.logical_id} has no template in the assembly")
    return nested.output(attribute.split(".", 1)[1])


TABLE: dict[str, tuple[Getter, dict[str, Getter]]] = {
    "AWS::IAM::Role": _iam("role", "RoleName"),
    "AWS::IAM::User": _iam("user", "UserName"),
    "AWS::IAM::Group": _iam("group", "GroupName", 128),
    "AWS::IAM::ManagedPolicy": _iam("policy", "ManagedPolicyName", 128),
    "AWS::IAM::InstanceProfile": _iam("instance-profile", "InstanceProfileName", 128),
    "AWS::IAM::Policy": (lambda r: generated_name(r.ctx, r.logical_id, 128), {
        "Id": lambda r: generated_name(r.ctx, r.logical_id, 128)}),
    "AWS::IAM::OIDCProvider": (
        lambda r: r.arn("iam", f"oidc-provider/{str(r.prop('Url') or 'oidc.example.com').split('://', 1)[-1]}",
                        region=False),
        {"Arn": lambda r: r.arn(
            "iam", f"oidc-provider/{str(r.prop('Url') or 'oidc.example.com').split('://', 1)[-1]}", region=False)},
    ),
    "AWS::IAM::SAMLProvider": (
        lambda r: r.arn("iam", f"saml-provider/{r.name('Name', 128)}", region=False),
        {"Arn": lambda r: r.arn("iam", f"saml-provider/{r.name('Name', 128)}", region=False)},
    ),
    "AWS::S3::Bucket": (_bucket_name, {
        "Arn": lambda r: r.arn("s3", _bucket_name(r), region=False, account=False),
        "DomainName": lambda r: f"{_bucket_name(r)}.s3.{r.ctx.url_suffix}",
        "RegionalDomainName": lambda r: f"{_bucket_name(r)}.s3.{r.ctx.region}.{r.ctx.url_suffix}",
        "DualStackDomainName": lambda r: f"{_bucket_name(r)}.s3.dualstack.{r.ctx.region}.{r.ctx.url_suffix}",
        "WebsiteURL": lambda r: f"http://{_bucket_name(r)}.s3-website-{r.ctx.region}.{r.ctx.url_suffix}",
    }),
    "AWS::S3::AccessPoint": _named("s3", "accesspoint", "Name", 50, lower=True, extra={
        "Name": lambda r: r.name("Name", 50, lower=True)}),
    "AWS::SQS::Queue": (
        lambda r: f"https://sqs.{r.ctx.region}.{r.ctx.url_suffix}/{r.ctx.account}/{_queue_name(r)}",
        {
            "Arn": lambda r: r.arn("sqs", _queue_name(r)),
            "QueueName": _queue_name,
            "QueueUrl": lambda r: f"https://sqs.{r.ctx.region}.{r.ctx.url_suffix}/{r.ctx.account}/{_queue_name(r)}",
        },
    ),
    "AWS::SNS::Topic": (lambda r: r.arn("sns", _topic_name(r)), {
        "TopicArn": lambda r: r.arn("sns", _topic_name(r)),
        "TopicName": _topic_name,
    }),
    "AWS::KMS::Key": (_key_id, {"Arn": lambda r: r.arn("kms", f"key/{_key_id(r)}"), "KeyId": _key_id}),
    "AWS::KMS::ReplicaKey": (_key_id, {"Arn": lambda r: r.arn("kms", f"key/{_key_id(r)}"), "KeyId": _key_id}),
    "AWS::KMS::Alias": (lambda r: str(r.prop("AliasName") or f"alias/{r.logical_id}"), {}),
    "AWS::Lambda::Function": (_function_name, {"Arn": _function_arn}),
    "AWS::Lambda::Alias": (lambda r: f"{_fn_ref_arn(r)}:{r.prop('Name')}", {}),
    "AWS::Lambda::Version": (lambda r: f"{_fn_ref_arn(r)}:1", {"Version": lambda r: "1"}),
    "AWS::Lambda::LayerVersion": (
        lambda r: r.arn("lambda", f"layer:{r.name('LayerName', 140)}:1"), {}),
    "AWS::SecretsManager::Secret": (_secret_arn, {"Id": _secret_arn}),
    "AWS::ECR::Repository": _named("ecr", "repository", "RepositoryName", 256, lower=True, extra={
        "RepositoryUri": lambda r: (f"{r.ctx.account}.dkr.ecr.{r.ctx.region}.{r.ctx.url_suffix}/"
                                    f"{r.name('RepositoryName', 256, lower=True)}")}),
    "AWS::DynamoDB::Table": (_table_name, {
        "Arn": lambda r: r.arn("dynamodb", f"table/{_table_name(r)}"),
        "StreamArn": lambda r: r.arn("dynamodb", f"table/{_table_name(r)}/stream/2024-01-01T00:00:00.000"),
    }),
    "AWS::DynamoDB::GlobalTable": (_table_name, {
        "Arn": lambda r: r.arn("dynamodb", f"table/{_table_name(r)}"),
        "StreamArn": lambda r: r.arn("dynamodb", f"table/{_table_name(r)}/stream/2024-01-01T00:00:00.000"),
    }),
    "AWS::Logs::LogGroup": (_log_group_name, {
        "Arn": lambda r: r.arn("logs", f"log-group:{_log_group_name(r)}:*")}),
    "AWS::Events::EventBus": _named("events", "event-bus", "Name", 256, extra={
        "Name": lambda r: r.name("Name", 256)}),
    "AWS::Events::Rule": _named("events", "rule", "Name", 64),
    "AWS::StepFunctions::StateMachine": (_state_machine_arn, {
        "Arn": _state_machine_arn, "Name": lambda r: r.name("StateMachineName", 80)}),
    "AWS::Kinesis::Stream": _named("kinesis", "stream", "Name", 128),
    "AWS::KinesisFirehose::DeliveryStream": _named("firehose", "deliverystream", "DeliveryStreamName"),
    "AWS::EFS::FileSystem": (_efs_id, {
        "Arn": lambda r: r.arn("elasticfilesystem", f"file-system/{_efs_id(r)}"),
        "FileSystemId": _efs_id}),
    "AWS::Backup::BackupVault": (lambda r: r.name("BackupVaultName", 50), {
        "BackupVaultArn": lambda r: r.arn("backup", f"backup-vault:{r.name('BackupVaultName', 50)}"),
        "BackupVaultName": lambda r: r.name("BackupVaultName", 50)}),
    "AWS::OpenSearchService::Domain": _named("es", "domain", "DomainName", 28, lower=True, extra={
        "DomainArn": lambda r: r.arn("es", f"domain/{r.name('DomainName', 28, lower=True)}"),
        "DomainEndpoint": lambda r: f"search-{r.name('DomainName', 28, lower=True)}.{r.ctx.region}.es.amazonaws.com",
    }),
    "AWS::Elasticsearch::Domain": _named("es", "domain", "DomainName", 28, lower=True, extra={
        "DomainArn": lambda r: r.arn("es", f"domain/{r.name('DomainName', 28, lower=True)}")}),
    "AWS::ApiGateway::RestApi": (_api_id, {"RestApiId": _api_id, "RootResourceId": lambda r: _api_id(r)[:6]}),
    "AWS::CodeBuild::Project": _named("codebuild", "project", "Name", 150),
    "AWS::CodeCommit::Repository": _named("codecommit", "", "RepositoryName", 100, extra={
        "Name": lambda r: r.name("RepositoryName", 100)}),
    "AWS::ECS::Cluster": _named("ecs", "cluster", "ClusterName", 255),
    "AWS::CloudTrail::Trail": _named("cloudtrail", "trail", "TrailName", 128),
    "AWS::SSM::Parameter": (lambda r: r.name("Name", 1011), {}),
    "AWS::Athena::WorkGroup": (lambda r: r.name("Name", 128), {}),
    "AWS::Glue::Database": (lambda r: r.name("DatabaseName", 255, lower=True), {}),
    "AWS::CloudFormation::Stack": (_stack_arn, {}),
    "AWS::CloudFormation::StackSet": (
        lambda r: f"{r.name('StackSetName', 128)}:{_uuid(r.ctx, r.logical_id)}",
        {"StackSetId": lambda r: f"{r.name('StackSetName', 128)}:{_uuid(r.ctx, r.logical_id)}"}),
    "AWS::Organizations::Policy": (_org_policy_id, {
        "Id": _org_policy_id,
        "Arn": lambda r: (f"arn:{r.ctx.partition}:organizations::{r.ctx.account}:policy/o-exampleorg1/"
                          f"service_control_policy/{_org_policy_id(r)}")}),
    "AWS::Organizations::OrganizationalUnit": (_ou_id, {
        "Id": _ou_id,
        "Arn": lambda r: f"arn:{r.ctx.partition}:organizations::{r.ctx.account}:ou/o-exampleorg1/{_ou_id(r)}"}),
    "AWS::Cognito::UserPool": (_user_pool_id, {
        "Arn": lambda r: r.arn("cognito-idp", f"userpool/{_user_pool_id(r)}"),
        "ProviderName": lambda r: f"cognito-idp.{r.ctx.region}.amazonaws.com/{_user_pool_id(r)}"}),
    "AWS::EC2::VPC": (_ec2("vpc"), {"VpcId": _ec2("vpc")}),
    "AWS::EC2::Subnet": (_ec2("subnet"), {"SubnetId": _ec2("subnet")}),
    "AWS::EC2::SecurityGroup": (_ec2("sg"), {"GroupId": _ec2("sg"), "VpcId": _ec2("vpc")}),
    "AWS::EC2::VPCEndpoint": (_ec2("vpce"), {"Id": _ec2("vpce")}),
}


def _fn_ref_arn(r: _Res) -> str:
    fn = str(r.prop("FunctionName") or "")
    arn = Arn.parse(fn)
    if arn is not None and arn.resource_type:  # a qualified ARN (``function:name:alias``) names the function
        return str(replace(arn, resource=f"{arn.resource_type}:{arn.resource_id.partition(':')[0]}"))
    if fn.startswith("arn:"):
        return fn
    return r.arn("lambda", f"function:{fn}")


def resource_ref(ctx: StackContext, logical_id: str, resource: dict[str, Any]) -> Any:
    """What ``Ref`` returns for a resource."""
    rtype = str(resource.get("Type", ""))
    props = resource.get("Properties") if isinstance(resource.get("Properties"), dict) else {}
    entry = TABLE.get(rtype)
    res = _Res(ctx, logical_id, props or {})
    if entry is None:
        # CloudFormation's Ref of any resource is its physical id: a generated name is realistic
        return generated_name(ctx, logical_id)
    return entry[0](res)


def resource_attribute(ctx: StackContext, logical_id: str, resource: dict[str, Any], attribute: str) -> Any:
    """What ``Fn::GetAtt`` returns; raises :class:`Unresolvable` for unknown types and attributes."""
    rtype = str(resource.get("Type", ""))
    props = resource.get("Properties") if isinstance(resource.get("Properties"), dict) else {}
    res = _Res(ctx, logical_id, props or {})
    if rtype == "AWS::CloudFormation::Stack" and attribute.startswith("Outputs."):
        return _nested_output(res, attribute)
    entry = TABLE.get(rtype)
    if entry is None:
        raise Unresolvable(f"Fn::GetAtt {logical_id}.{attribute}: attributes of {rtype or 'untyped'} resources "
                           "are not known offline")
    getter = entry[1].get(attribute)
    if getter is None:
        raise Unresolvable(f"Fn::GetAtt {logical_id}.{attribute}: unknown attribute of {rtype}")
    return getter(res)
