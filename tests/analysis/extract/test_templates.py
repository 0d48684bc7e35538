"""Extraction from hand-written templates: every resource type, principals, links, conditions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from least_privilege_constructs.analysis.extract import (
    ExtractedPolicy,
    Extraction,
    ExtractionOptions,
    PolicyKind,
    PrincipalKind,
    extract_policies,
)
from least_privilege_constructs.analysis.extract.loader import cfn_yaml_loader
from least_privilege_constructs.analysis.findings import PolicyType


@pytest.fixture(scope="module")
def extraction(fixtures_dir: Path) -> Extraction:
    return extract_policies(fixtures_dir / "extract" / "all_resources.yaml")


def _by_logical_id(extraction: Extraction, logical_id: str, kind: PolicyKind | None = None) -> ExtractedPolicy:
    found = [p for p in extraction.policies if p.origin.logical_id == logical_id and (kind is None or p.kind is kind)]
    assert len(found) == 1, [p.origin for p in found]
    return found[0]


# logical id, kind, policy type, validate resource type, governed type, carrying CloudFormation type
RESOURCE_CASES = [
    ("Boundary", PolicyKind.BOUNDARY, PolicyType.IDENTITY_POLICY, None, None, "AWS::IAM::ManagedPolicy"),
    ("SharedManaged", PolicyKind.MANAGED, PolicyType.IDENTITY_POLICY, None, None, "AWS::IAM::ManagedPolicy"),
    ("AttachedPolicy", PolicyKind.INLINE, PolicyType.IDENTITY_POLICY, None, None, "AWS::IAM::Policy"),
    ("RolePolicy", PolicyKind.INLINE, PolicyType.IDENTITY_POLICY, None, None, "AWS::IAM::RolePolicy"),
    ("UserPolicy", PolicyKind.INLINE, PolicyType.IDENTITY_POLICY, None, None, "AWS::IAM::UserPolicy"),
    ("GroupPolicy", PolicyKind.INLINE, PolicyType.IDENTITY_POLICY, None, None, "AWS::IAM::GroupPolicy"),
    ("Dev", PolicyKind.INLINE, PolicyType.IDENTITY_POLICY, None, None, "AWS::IAM::User"),
    ("Admins", PolicyKind.INLINE, PolicyType.IDENTITY_POLICY, None, None, "AWS::IAM::Group"),
    ("BucketPolicy", PolicyKind.RESOURCE, PolicyType.RESOURCE_POLICY, "AWS::S3::Bucket", "AWS::S3::Bucket",
     "AWS::S3::BucketPolicy"),
    ("QueuePolicy", PolicyKind.RESOURCE, PolicyType.RESOURCE_POLICY, None, "AWS::SQS::Queue", "AWS::SQS::QueuePolicy"),
    ("TopicPolicy", PolicyKind.RESOURCE, PolicyType.RESOURCE_POLICY, None, "AWS::SNS::Topic", "AWS::SNS::TopicPolicy"),
    ("Key", PolicyKind.RESOURCE, PolicyType.RESOURCE_POLICY, None, "AWS::KMS::Key", "AWS::KMS::Key"),
    ("Permission", PolicyKind.RESOURCE, PolicyType.RESOURCE_POLICY, None, "AWS::Lambda::Function",
     "AWS::Lambda::Permission"),
    ("SecretPolicy", PolicyKind.RESOURCE, PolicyType.RESOURCE_POLICY, None, "AWS::SecretsManager::Secret",
     "AWS::SecretsManager::ResourcePolicy"),
    ("Repo", PolicyKind.RESOURCE, PolicyType.RESOURCE_POLICY, None, "AWS::ECR::Repository", "AWS::ECR::Repository"),
    ("LogsPolicy", PolicyKind.RESOURCE, PolicyType.RESOURCE_POLICY, None, "AWS::Logs::LogGroup",
     "AWS::Logs::ResourcePolicy"),
    ("BusPolicy", PolicyKind.RESOURCE, PolicyType.RESOURCE_POLICY, None, "AWS::Events::EventBus",
     "AWS::Events::EventBusPolicy"),
    ("LegacyBusPolicy", PolicyKind.RESOURCE, PolicyType.RESOURCE_POLICY, None, "AWS::Events::EventBus",
     "AWS::Events::EventBusPolicy"),
    ("AccessPoint", PolicyKind.RESOURCE, PolicyType.RESOURCE_POLICY, "AWS::S3::AccessPoint", "AWS::S3::AccessPoint",
     "AWS::S3::AccessPoint"),
    ("Search", PolicyKind.RESOURCE, PolicyType.RESOURCE_POLICY, None, "AWS::OpenSearchService::Domain",
     "AWS::OpenSearchService::Domain"),
    ("Vault", PolicyKind.RESOURCE, PolicyType.RESOURCE_POLICY, None, "AWS::Backup::BackupVault",
     "AWS::Backup::BackupVault"),
    ("FileSystem", PolicyKind.RESOURCE, PolicyType.RESOURCE_POLICY, None, "AWS::EFS::FileSystem",
     "AWS::EFS::FileSystem"),
    ("Api", PolicyKind.RESOURCE, PolicyType.RESOURCE_POLICY, None, "AWS::ApiGateway::RestApi",
     "AWS::ApiGateway::RestApi"),
    ("Table", PolicyKind.RESOURCE, PolicyType.RESOURCE_POLICY, "AWS::DynamoDB::Table", "AWS::DynamoDB::Table",
     "AWS::DynamoDB::Table"),
    ("Scp", PolicyKind.SCP, PolicyType.SERVICE_CONTROL_POLICY, None, None, "AWS::Organizations::Policy"),
    ("Rcp", PolicyKind.RCP, PolicyType.RESOURCE_CONTROL_POLICY, None, None, "AWS::Organizations::Policy"),
]


@pytest.mark.parametrize(("logical_id", "kind", "policy_type", "resource_type", "governed", "cfn_type"),
                         RESOURCE_CASES, ids=[c[0] for c in RESOURCE_CASES])
def test_each_resource_type_maps_to_access_analyzer(extraction: Extraction, logical_id: str, kind: PolicyKind,
                                                    policy_type: PolicyType, resource_type: str | None,
                                                    governed: str | None, cfn_type: str) -> None:
    policy = _by_logical_id(extraction, logical_id, kind)
    assert policy.policy_type is policy_type
    assert policy.resource_type == resource_type
    assert policy.governed_resource_type == governed
    assert policy.cfn_type == cfn_type
    assert isinstance(policy.document, dict) and policy.document.get("Statement")
    assert policy.origin.json_path and policy.origin.json_path.startswith(f"Resources.{logical_id}.")
    assert "{{unresolved" not in json.dumps(policy.document)


def test_extraction_is_clean_and_nothing_is_silently_skipped(extraction: Extraction) -> None:
    assert extraction.findings == []
    reasons = {s.origin.logical_id: s.reason for s in extraction.skipped}
    assert reasons == {
        "DevOnlyRole": "condition IsDev is false: the resource is not created",
        "TagPolicy": "organization policy of type TAG_POLICY is not an IAM policy",
    }


def test_trust_policy_is_a_resource_policy_of_the_role(extraction: Extraction) -> None:
    trust = _by_logical_id(extraction, "AppRole", PolicyKind.TRUST)
    assert trust.policy_type is PolicyType.RESOURCE_POLICY
    assert trust.resource_type == "AWS::IAM::AssumeRolePolicyDocument"
    assert trust.origin.construct_path == "App/AppRole/Resource"
    assert trust.resources == ["arn:aws:iam::123456789012:role/app/prod-app-role"]


def test_role_collects_every_policy_and_its_boundary(extraction: Extraction) -> None:
    role = next(r for r in extraction.roles if r.logical_id == "AppRole")
    assert role.name == "prod-app-role"
    assert role.path == "/app/"
    assert role.arn == "arn:aws:iam::123456789012:role/app/prod-app-role"
    assert {p.origin.logical_id for p in role.inline_policies} == {"AppRole", "AttachedPolicy", "RolePolicy"}
    assert {p.origin.logical_id for p in role.managed_policies} == {"SharedManaged", "ConditionalPolicy"}
    # the Fn::If with AWS::NoValue drops AdministratorAccess; AWS managed policies are kept by ARN
    assert role.managed_policy_arns == ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
    assert role.boundary_arn == "arn:aws:iam::123456789012:policy/prod-boundary"
    assert role.boundary is not None and role.boundary.origin.logical_id == "Boundary"
    assert role.trust_policy is not None and role.trust_policy.kind is PolicyKind.TRUST
    assert role.key in role.boundary.boundary_of


def test_users_groups_and_external_principals(extraction: Extraction) -> None:
    user = next(u for u in extraction.users if u.name == "dev")
    group = next(g for g in extraction.groups if g.name == "admins")
    assert user.has_login_profile
    assert user.groups == [group.key]
    assert user.boundary_arn == "arn:aws:iam::123456789012:policy/prod-boundary"
    assert {p.origin.logical_id for p in extraction.group_policies(user)} == {"GroupPolicy", "Admins", "SharedManaged"}
    assert {p.origin.logical_id for p in extraction.all_identity_policies(user)} == {
        "GroupPolicy", "Admins", "SharedManaged", "AttachedPolicy", "UserPolicy", "Dev"}
    assert extraction.principal(user.key) is user
    assert all(extraction.policy(p.key) is p for p in user.inline_policies)
    ops = next(u for u in extraction.users if u.name == "ops")
    assert ops.groups == [group.key] and not ops.has_login_profile
    external = [p for p in extraction.principals if p.external]
    assert [(p.kind, p.name) for p in external] == [(PrincipalKind.ROLE, "external-role-name"),
                                                    (PrincipalKind.USER, "contractor")]
    assert group.members == [user.key, ops.key, external[1].key]
    attached = _by_logical_id(extraction, "AttachedPolicy")
    assert external[0].key in attached.attached_to and user.key in attached.attached_to


RESOLVED_VALUES = [
    ("SharedManaged", ["Statement", 0, "Resource"], "arn:aws:s3:::prod-data-123456789012/prd/*"),
    ("BucketPolicy", ["Statement", 1, "Principal", "AWS"], ["111111111111", "222222222222"]),
    ("QueuePolicy", ["Statement", 0, "Condition", "ArnEquals", "aws:SourceArn"],
     "arn:aws:sns:us-east-1:123456789012:alerts"),
    ("Permission", ["Statement", 0, "Resource"], "arn:aws:lambda:us-east-1:123456789012:function:handler"),
    ("Permission", ["Statement", 0, "Principal"], {"Service": "s3.amazonaws.com"}),
    ("Permission", ["Statement", 0, "Condition"], {"ArnLike": {"AWS:SourceArn": "arn:aws:s3:::prod-data-123456789012"},
                                                   "StringEquals": {"AWS:SourceAccount": "123456789012"}}),
    ("LogsPolicy", ["Statement", 0, "Resource"], "arn:aws:logs:us-east-1:123456789012:log-group:/app/prod:*"),
    ("LegacyBusPolicy", ["Statement", 0, "Resource"], "arn:aws:events:us-east-1:123456789012:event-bus/default"),
    ("Rcp", ["Statement", 0, "Condition", "BoolIfExists", "aws:SecureTransport"], "false"),
    ("Api", ["Statement", 0, "Condition", "IpAddress", "aws:SourceIp"], "10.0.0.0/24"),
    ("ConditionalPolicy", ["Statement", 0, "Action"], "s3:ListAllMyBuckets"),
    ("ConditionalPolicy", ["Statement", 0, "Condition", "StringEquals", "aws:PrincipalTag/env"], "cHJvZA=="),
    ("Table", ["Statement", 0, "Principal", "AWS"], "arn:aws:iam::123456789012:role/app/prod-app-role"),
]


@pytest.mark.parametrize(("logical_id", "path", "expected"), RESOLVED_VALUES,
                         ids=[f"{c[0]}-{'.'.join(map(str, c[1]))}" for c in RESOLVED_VALUES])
def test_resolved_values(extraction: Extraction, logical_id: str, path: list[Any], expected: Any) -> None:
    node: Any = _by_logical_id(extraction, logical_id).document
    for step in path:
        node = node[step]
    assert node == expected


def test_exports_and_scp_targets(extraction: Extraction) -> None:
    assert extraction.exports == {"all-resources-RoleArn": "arn:aws:iam::123456789012:role/app/prod-app-role"}
    assert [p.resources for p in extraction.scps] == [["r-abcd"]]
    assert len(extraction.rcps) == 1


def test_json_and_yaml_give_the_same_policies(fixtures_dir: Path, tmp_path: Path, extraction: Extraction) -> None:
    data = yaml.load((fixtures_dir / "extract" / "all_resources.yaml").read_text(), Loader=cfn_yaml_loader())
    as_json = tmp_path / "all_resources.json"
    as_json.write_text(json.dumps(data))
    other = extract_policies(as_json)
    assert [p.document for p in other.policies] == [p.document for p in extraction.policies]


def test_account_and_region_are_configurable(fixtures_dir: Path) -> None:
    ex = extract_policies(fixtures_dir / "extract" / "all_resources.yaml",
                          ExtractionOptions(account="999999999999", region="eu-central-1", parameters={"Env": "dev"}))
    assert ex.findings == []
    role = next(r for r in ex.roles if r.logical_id == "AppRole")
    assert role.arn == "arn:aws:iam::999999999999:role/app/dev-app-role"
    assert "arn:aws:iam::aws:policy/AdministratorAccess" in role.managed_policy_arns  # IsDev now holds
    assert "DevOnlyRole" in {r.logical_id for r in ex.roles}


PLAIN_DOCUMENTS = [
    ("identity", {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]},
     PolicyType.IDENTITY_POLICY),
    ("resource", {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": "*", "Action": "s3:*",
                                                         "Resource": "*"}}, PolicyType.RESOURCE_POLICY),
]


@pytest.mark.parametrize(("document", "policy_type"), [c[1:] for c in PLAIN_DOCUMENTS], ids=[c[0] for c in PLAIN_DOCUMENTS])
def test_plain_policy_files(tmp_path: Path, document: dict[str, Any], policy_type: PolicyType) -> None:
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(document))
    ex = extract_policies(path)
    assert ex.findings == []
    assert [(p.kind, p.policy_type, p.document) for p in ex.policies] == [(PolicyKind.DOCUMENT, policy_type, document)]
    forced = extract_policies(path, ExtractionOptions(document_policy_type="SERVICE_CONTROL_POLICY"))
    assert forced.policies[0].policy_type is PolicyType.SERVICE_CONTROL_POLICY


def test_directory_of_templates(fixtures_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "t.yaml").write_text((fixtures_dir / "extract" / "all_resources.yaml").read_text())
    (tmp_path / "p.json").write_text('{"Version": "2012-10-17", "Statement": []}')
    (tmp_path / "notes.txt").write_text("ignored: not a template suffix")
    (tmp_path / "package.json").write_text('{"name": "not-a-template"}')
    (tmp_path / "node_modules").mkdir()
    (tmp_path / "node_modules" / "x.json").write_text("[]")
    ex = extract_policies(tmp_path)
    assert ex.findings == []
    assert {t.kind for t in ex.templates} == {"template", "policy"}
    assert len(ex.policies) == 30
    assert [(Path(s.origin.source).name, s.reason) for s in ex.skipped if s.origin.source.endswith("package.json")] == [
        ("package.json", "neither a CloudFormation template nor a policy document")]


def test_to_dict_is_json_serialisable(extraction: Extraction) -> None:
    data = json.loads(json.dumps(extraction.to_dict()))
    assert {"templates", "policies", "principals", "exports", "skipped", "findings"} <= set(data)
    role = next(p for p in data["principals"] if p.get("logicalId") == "AppRole")
    assert role["permissionsBoundary"]["arn"] == "arn:aws:iam::123456789012:policy/prod-boundary"
    keys = {p["key"] for p in data["policies"]}
    assert set(role["inlinePolicies"]) <= keys and role["trustPolicy"] in keys
