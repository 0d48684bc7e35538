"""A small, literal "deployer" for the tests: it reads an ``AWS::CloudFormation::StackSet`` resource from a
synthesized cloud assembly and makes the API calls CloudFormation would make for it (CreateStackSet,
CreateStackInstances), after publishing the stack's file assets the way ``cdk-assets`` does. No CDK import:
it works on ``cdk.out`` alone, like the validation tooling."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

_SUB_RE = re.compile(r"\$\{([^}]+)\}")


def pseudo(account: str, region: str) -> dict[str, str]:
    return {
        "AWS::AccountId": account,
        "AWS::Region": region,
        "AWS::Partition": "aws",
        "AWS::URLSuffix": "amazonaws.com",
    }


def resolve(value: Any, names: dict[str, str]) -> Any:
    """Resolve ``Ref``/``Fn::Sub``/``Fn::GetAtt`` over ``names`` (pseudo parameters and logical ids)."""
    if isinstance(value, list):
        return [resolve(v, names) for v in value]
    if isinstance(value, dict):
        if set(value) == {"Ref"}:
            return names[value["Ref"]]
        if set(value) == {"Fn::Sub"}:
            return _SUB_RE.sub(lambda m: names[m.group(1)], value["Fn::Sub"])
        if set(value) == {"Fn::GetAtt"}:
            return names[".".join(value["Fn::GetAtt"])]
        return {k: resolve(v, names) for k, v in value.items()}
    return value


def stack_template(cdk_out: Path, artifact_id: str) -> dict[str, Any]:
    manifest = json.loads((cdk_out / "manifest.json").read_text())
    artifact = manifest["artifacts"][artifact_id]
    return json.loads((cdk_out / artifact["properties"]["templateFile"]).read_text())


def stack_sets(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        logical_id: resource
        for logical_id, resource in template.get("Resources", {}).items()
        if resource.get("Type") == "AWS::CloudFormation::StackSet"
    }


def publish_file_assets(cdk_out: Path, artifact_id: str, s3: Any, account: str, region: str) -> int:
    """Upload the stack's file assets to their destinations (what ``cdk deploy`` does first)."""
    assets = json.loads((cdk_out / f"{artifact_id}.assets.json").read_text())
    names = pseudo(account, region)
    count = 0
    for asset in assets.get("files", {}).values():
        source = cdk_out / asset["source"]["path"]
        for destination in asset["destinations"].values():
            bucket = resolve({"Fn::Sub": destination["bucketName"]}, names)
            try:
                s3.create_bucket(Bucket=bucket)
            except s3.exceptions.BucketAlreadyOwnedByYou:
                pass
            s3.put_object(Bucket=bucket, Key=destination["objectKey"], Body=source.read_bytes())
            count += 1
    return count


def create_stack_set(cloudformation: Any, properties: dict[str, Any], names: dict[str, str]) -> list[str]:
    """CreateStackSet + CreateStackInstances for one synthesized StackSet resource; returns operation ids."""
    props = resolve(properties, names)
    request: dict[str, Any] = {"StackSetName": props["StackSetName"]}
    for key in (
        "TemplateBody",
        "TemplateURL",
        "Description",
        "PermissionModel",
        "AutoDeployment",
        "Capabilities",
        "CallAs",
        "ManagedExecution",
        "AdministrationRoleARN",
        "ExecutionRoleName",
        "Parameters",
        "Tags",
    ):
        if key in props:
            request[key] = props[key]
    cloudformation.create_stack_set(**request)
    operations = []
    for group in props.get("StackInstancesGroup", []):
        instance_request: dict[str, Any] = {
            "StackSetName": props["StackSetName"],
            "Regions": group["Regions"],
        }
        targets = group["DeploymentTargets"]
        if props.get("PermissionModel") == "SERVICE_MANAGED":
            instance_request["DeploymentTargets"] = targets
        else:
            instance_request["Accounts"] = targets["Accounts"]
        if "OperationPreferences" in props:
            instance_request["OperationPreferences"] = props["OperationPreferences"]
        if "CallAs" in props:
            instance_request["CallAs"] = props["CallAs"]
        operations.append(cloudformation.create_stack_instances(**instance_request)["OperationId"])
    return operations
