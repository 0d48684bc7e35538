"""Where CloudFormation resources keep their resource-based policy documents (pure data)."""

from __future__ import annotations

from typing import Any

from least_privilege_constructs.analysis.rules._policy import PolicyDoc, load_document
from least_privilege_constructs.analysis.rules.base import RuleInput

RESOURCE_POLICY_PROPERTIES: dict[str, tuple[str, ...]] = {
    "AWS::S3::BucketPolicy": ("PolicyDocument",),
    "AWS::S3::AccessPoint": ("Policy",),
    "AWS::S3Express::BucketPolicy": ("PolicyDocument",),
    "AWS::SQS::QueuePolicy": ("PolicyDocument",),
    "AWS::SNS::TopicPolicy": ("PolicyDocument",),
    "AWS::SNS::TopicInlinePolicy": ("PolicyDocument",),
    "AWS::KMS::Key": ("KeyPolicy",),
    "AWS::KMS::ReplicaKey": ("KeyPolicy",),
    "AWS::SecretsManager::ResourcePolicy": ("ResourcePolicy",),
    "AWS::ECR::Repository": ("RepositoryPolicyText",),
    "AWS::ECR::RegistryPolicy": ("PolicyText",),
    "AWS::Logs::ResourcePolicy": ("PolicyDocument",),
    "AWS::OpenSearchService::Domain": ("AccessPolicies",),
    "AWS::Elasticsearch::Domain": ("AccessPolicies",),
    "AWS::EFS::FileSystem": ("FileSystemPolicy",),
    "AWS::ApiGateway::RestApi": ("Policy",),
    "AWS::Backup::BackupVault": ("AccessPolicy",),
    "AWS::CodeArtifact::Domain": ("PermissionsPolicyDocument",),
    "AWS::CodeArtifact::Repository": ("PermissionsPolicyDocument",),
    "AWS::DynamoDB::Table": ("ResourcePolicy", "PolicyDocument"),
    "AWS::Kinesis::ResourcePolicy": ("ResourcePolicy",),
    "AWS::EventSchemas::RegistryPolicy": ("Policy",),
}
"""Resource type -> property path of its policy document."""


def resource_policy(resource: RuleInput) -> PolicyDoc | None:
    """The resource-based policy document of ``resource`` (None when it has none)."""
    prop = RESOURCE_POLICY_PROPERTIES.get(resource.resource_type)
    if not prop:
        return None
    resource.require(prop[0])
    value: Any = resource.properties
    for part in prop:
        value = value.get(part) if isinstance(value, dict) else None
    if value is None:
        return None
    where = f"{resource.logical_id}.{'.'.join(prop)}"
    return PolicyDoc(None, load_document(value, where), ".".join(prop))
