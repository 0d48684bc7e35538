"""Deployment test: the synthesized StackSet, rolled out by (moto's) CloudFormation StackSets.

An organization with an OU holding two member accounts (and one account outside it) is created in a moto
server on 127.0.0.1; the management app is synthesized against those ids; the StackSet resource of the
synthesized template is created through the CloudFormation API exactly as written (template body, permission
model, auto-deployment, targets) and its instances deployed to the OU. Then IAM is read *in each member
account* (STS AssumeRole into the account) for the roles, the boundary, and the boundary on the roles.

The self-managed path deploys the standalone management stack (its StackSet administration role), publishes
its file assets to S3 the way ``cdk-assets`` does and creates the StackSet from ``TemplateURL``.

moto's limits, checked instead on the synthesized template (``test_organization_rollout.py``): moto does not
attach ``ManagedPolicyArns`` of roles created by CloudFormation and ignores AccountFilterType and
OperationPreferences.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.rollout.rollout_deploy import (
    create_stack_set,
    pseudo,
    publish_file_assets,
    stack_sets,
    stack_template,
)

pytestmark = [pytest.mark.moto, pytest.mark.synth]

MANAGEMENT = "123456789012"  # moto's default account: the organization's management account
REGION = "us-east-1"
SECURITY = "999988887777"
STANDALONE_TARGETS = ("210987654321", "310987654321")  # self-managed: accounts without Organizations
BOUNDARY_PATH = "/boundaries/"
BOUNDARY_NAME = "lpc-developer-boundary"


@dataclass(frozen=True)
class Org:
    endpoint: str
    org_id: str
    root_id: str
    ou_id: str
    members: tuple[str, str]
    outside: str


@functools.cache
def _session() -> Any:
    """One boto3 session for every client: service models are loaded once (client creation dominates)."""
    import boto3

    return boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)


def _client(endpoint: str, service: str, credentials: dict[str, str] | None = None) -> Any:
    if credentials is None:
        return _session().client(service, endpoint_url=endpoint)
    return _session().client(
        service,
        endpoint_url=endpoint,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


def _iam_in(endpoint: str, account: str) -> Any:
    """An IAM client acting in ``account`` (AssumeRole into its OrganizationAccountAccessRole)."""
    sts = _client(endpoint, "sts")
    credentials = sts.assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole", RoleSessionName="lpc-test"
    )["Credentials"]
    iam = _client(endpoint, "iam", credentials)
    assert _client(endpoint, "sts", credentials).get_caller_identity()["Account"] == account
    return iam


@pytest.fixture(scope="module")
def org(moto_endpoint: str) -> Iterator[Org]:
    import urllib.request

    urllib.request.urlopen(urllib.request.Request(f"{moto_endpoint}/moto-api/reset", method="POST")).read()
    organizations = _client(moto_endpoint, "organizations")
    org_id = organizations.create_organization(FeatureSet="ALL")["Organization"]["Id"]
    root_id = organizations.list_roots()["Roots"][0]["Id"]
    ou_id = organizations.create_organizational_unit(ParentId=root_id, Name="Workloads")[
        "OrganizationalUnit"
    ]["Id"]
    accounts = []
    for name in ("workload-a", "workload-b", "outside"):
        status = organizations.create_account(Email=f"{name}@example.com", AccountName=name)[
            "CreateAccountStatus"
        ]
        accounts.append(status["AccountId"])
    for account in accounts[:2]:
        organizations.move_account(AccountId=account, SourceParentId=root_id, DestinationParentId=ou_id)
    listed = {a["Id"] for a in organizations.list_accounts_for_parent(ParentId=ou_id)["Accounts"]}
    assert listed == set(accounts[:2])
    yield Org(moto_endpoint, org_id, root_id, ou_id, (accounts[0], accounts[1]), accounts[2])


@pytest.fixture(scope="module")
def cdk_out(org: Org, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The management apps, synthesized against the moto organization's ids."""
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    from aws_cdk import App, DefaultStackSynthesizer, Stack

    from least_privilege_constructs import DefaultPolicies, FederationProvider, OrganizationRollout

    outdir = tmp_path_factory.mktemp("rollout-moto") / "cdk.out"
    app = App(outdir=str(outdir))
    management = Stack(app, "OrgManagement")
    defaults = DefaultPolicies(
        management,
        "DefaultPolicies",
        security_account_id=SECURITY,
        federation=FederationProvider.saml("corp-idp"),
        allowed_regions=[REGION],
        organization_id=org.org_id,
        audit_external_id="lpc-audit-7f3a",
        boundary_options={"allowed_services": ["s3", "dynamodb", "lambda", "logs"]},
    )
    OrganizationRollout(
        management,
        "DefaultPoliciesRollout",
        template=defaults,
        organizational_unit_ids=[org.ou_id],
        regions=[REGION],
    )
    # self-managed, for users without AWS Organizations; the template goes by TemplateURL (file asset)
    standalone = Stack(
        app,
        "StandaloneManagement",
        synthesizer=DefaultStackSynthesizer(generate_bootstrap_version_rule=False),
    )
    standalone_defaults = DefaultPolicies(
        standalone,
        "DefaultPolicies",
        security_account_id=SECURITY,
        federation=FederationProvider.identity_center(["ReadOnly"]),
        boundary_options={"allowed_services": ["s3"]},
    )
    OrganizationRollout(
        standalone,
        "DefaultPoliciesRollout",
        template=standalone_defaults,
        permission_model="SELF_MANAGED",
        accounts=list(STANDALONE_TARGETS),
        regions=[REGION],
        create_administration_role=True,
        stack_set_name="lpc-default-policies-self-managed",
        template_delivery="url",
    )
    app.synth()
    return outdir


def _assert_defaults_deployed(endpoint: str, account: str, *, read_only_boundary: bool = True) -> None:
    iam = _iam_in(endpoint, account)
    boundary_arn = f"arn:aws:iam::{account}:policy{BOUNDARY_PATH}{BOUNDARY_NAME}"
    policy = iam.get_policy(PolicyArn=boundary_arn)["Policy"]
    assert policy["Path"] == BOUNDARY_PATH
    document = iam.get_policy_version(PolicyArn=boundary_arn, VersionId=policy["DefaultVersionId"])[
        "PolicyVersion"
    ]["Document"]
    if isinstance(document, str):
        document = json.loads(document)
    text = json.dumps(document)
    # the account-pinned boundary ARN was rendered for *this* account, not the management account
    assert boundary_arn in text
    assert MANAGEMENT not in text

    read_only = iam.get_role(RoleName="lpc-federated-read-only")["Role"]
    assert read_only["Path"] == "/lpc/"
    if read_only_boundary:
        assert read_only["PermissionsBoundary"]["PermissionsBoundaryArn"] == boundary_arn
    audit = iam.get_role(RoleName="lpc-security-audit")["Role"]
    assert "PermissionsBoundary" not in audit or not audit["PermissionsBoundary"].get(
        "PermissionsBoundaryArn"
    )
    trust = audit["AssumeRolePolicyDocument"]
    trust = json.loads(trust) if isinstance(trust, str) else trust
    statement = trust["Statement"][0]
    assert statement["Principal"] == {"AWS": f"arn:aws:iam::{SECURITY}:root"}
    assert statement["Condition"]["StringEquals"]["sts:ExternalId"] == "lpc-audit-7f3a"


def _assert_nothing_deployed(endpoint: str, account: str) -> None:
    iam = _iam_in(endpoint, account)
    names = {r["RoleName"] for r in iam.list_roles()["Roles"]}
    assert not {"lpc-federated-read-only", "lpc-security-audit"} & names
    assert not [p for p in iam.list_policies(Scope="Local")["Policies"] if p["PolicyName"] == BOUNDARY_NAME]


def test_service_managed_stackset_reaches_every_account_of_the_ou(org: Org, cdk_out: Path) -> None:
    template = stack_template(cdk_out, "OrgManagement")
    (resource,) = stack_sets(template).values()
    assert "TemplateBody" in resource["Properties"]  # small template: inline
    cloudformation = _client(org.endpoint, "cloudformation")
    create_stack_set(cloudformation, resource["Properties"], pseudo(MANAGEMENT, REGION))

    described = cloudformation.describe_stack_set(StackSetName="lpc-default-policies")["StackSet"]
    assert described["PermissionModel"] == "SERVICE_MANAGED"
    assert json.loads(described["TemplateBody"]) == json.loads(resource["Properties"]["TemplateBody"])
    instances = cloudformation.list_stack_instances(StackSetName="lpc-default-policies")["Summaries"]
    assert sorted(i["Account"] for i in instances) == sorted(org.members)
    assert {i["Region"] for i in instances} == {REGION}

    for account in org.members:
        _assert_defaults_deployed(org.endpoint, account)
    # service-managed StackSets never deploy to the management account, nor outside the target OU
    _assert_nothing_deployed(org.endpoint, org.outside)
    _assert_nothing_deployed(org.endpoint, MANAGEMENT)


def test_self_managed_stackset_from_template_url(org: Org, cdk_out: Path) -> None:
    names = pseudo(MANAGEMENT, REGION)
    # deploy the management stack itself: its StackSet administration role (moto skips the StackSet
    # resource type, which the API calls below create instead)
    cloudformation = _client(org.endpoint, "cloudformation")
    template = stack_template(cdk_out, "StandaloneManagement")
    assert (
        publish_file_assets(cdk_out, "StandaloneManagement", _client(org.endpoint, "s3"), MANAGEMENT, REGION)
        >= 1
    )
    stack_only = {
        **template,
        "Resources": {
            k: v for k, v in template["Resources"].items() if v["Type"] != "AWS::CloudFormation::StackSet"
        },
    }
    cloudformation.create_stack(
        StackName="StandaloneManagement",
        TemplateBody=json.dumps(stack_only),
        Capabilities=["CAPABILITY_NAMED_IAM"],
    )
    admin_role = _client(org.endpoint, "iam").get_role(
        RoleName="AWSCloudFormationStackSetAdministrationRole"
    )["Role"]
    trust = admin_role["AssumeRolePolicyDocument"]
    trust = json.loads(trust) if isinstance(trust, str) else trust
    assert trust["Statement"][0]["Principal"] == {"Service": "cloudformation.amazonaws.com"}

    (resource,) = stack_sets(template).values()
    properties = resource["Properties"]
    assert "TemplateBody" not in properties and "TemplateURL" in properties
    names = {**names, f"{_admin_logical_id(template)}.Arn": admin_role["Arn"]}
    create_stack_set(cloudformation, properties, names)
    described = cloudformation.describe_stack_set(StackSetName="lpc-default-policies-self-managed")[
        "StackSet"
    ]
    assert described["PermissionModel"] == "SELF_MANAGED"
    assert described["AdministrationRoleARN"] == admin_role["Arn"]
    assert described["ExecutionRoleName"] == "AWSCloudFormationStackSetExecutionRole"
    # the template that moto read from S3 is the file the assembly holds
    template_file = cdk_out / resource["Metadata"]["least-privilege:stackset-template"]
    assert json.loads(described["TemplateBody"]) == json.loads(template_file.read_text())

    for account in STANDALONE_TARGETS:
        iam = _iam_in(org.endpoint, account)
        role = iam.get_role(RoleName="lpc-federated-read-only")["Role"]
        assert role["PermissionsBoundary"]["PermissionsBoundaryArn"] == (
            f"arn:aws:iam::{account}:policy{BOUNDARY_PATH}{BOUNDARY_NAME}"
        )
        trust = role["AssumeRolePolicyDocument"]
        trust = json.loads(trust) if isinstance(trust, str) else trust
        assert trust["Statement"][0]["Principal"] == {"AWS": f"arn:aws:iam::{account}:root"}
        assert iam.get_role(RoleName="lpc-security-audit")["Role"]["Path"] == "/lpc/"


def _admin_logical_id(template: dict[str, Any]) -> str:
    (logical_id,) = [
        k
        for k, v in template["Resources"].items()
        if v["Type"] == "AWS::IAM::Role"
        and v["Properties"].get("RoleName") == "AWSCloudFormationStackSetAdministrationRole"
    ]
    return logical_id
