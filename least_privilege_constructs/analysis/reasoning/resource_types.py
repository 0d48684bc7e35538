"""The resource types of Access Analyzer's CheckNoPublicAccess (no heavy imports: the CLI uses this list
to build its parser).

Example::

    >>> "AWS::S3::Bucket" in SUPPORTED_RESOURCE_TYPES
    True
"""

from __future__ import annotations

SUPPORTED_RESOURCE_TYPES: tuple[str, ...] = (
    "AWS::DynamoDB::Table",
    "AWS::DynamoDB::Stream",
    "AWS::EFS::FileSystem",
    "AWS::OpenSearchService::Domain",
    "AWS::Kinesis::Stream",
    "AWS::Kinesis::StreamConsumer",
    "AWS::KMS::Key",
    "AWS::Lambda::Function",
    "AWS::S3::Bucket",
    "AWS::S3::AccessPoint",
    "AWS::S3Express::DirectoryBucket",
    "AWS::S3::Glacier",
    "AWS::S3Outposts::Bucket",
    "AWS::S3Outposts::AccessPoint",
    "AWS::SecretsManager::Secret",
    "AWS::SNS::Topic",
    "AWS::SQS::Queue",
    "AWS::IAM::AssumeRolePolicyDocument",
    "AWS::S3Tables::TableBucket",
    "AWS::ApiGateway::RestApi",
    "AWS::CodeArtifact::Domain",
    "AWS::Backup::BackupVault",
    "AWS::CloudTrail::Dashboard",
    "AWS::CloudTrail::EventDataStore",
    "AWS::S3Tables::Table",
    "AWS::S3Express::AccessPoint",
)
"""The ``resourceType`` values of Access Analyzer's CheckNoPublicAccess API (API reference, 2026)."""


def supported_resource_types_markdown() -> str:
    """The table of docs/reasoning.md listing the resource types of ``check_no_public_access`` (the
    documentation is regenerated from this function; a test keeps it in sync)."""
    lines = ["| Resource type | Service |", "|---|---|"]
    for rt in SUPPORTED_RESOURCE_TYPES:
        service = rt.split("::")[1]
        lines.append(f"| `{rt}` | {service} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover - regenerate the docs table: python -m ...resource_types
    print(supported_resource_types_markdown(), end="")
