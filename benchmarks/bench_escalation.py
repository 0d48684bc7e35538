"""Benchmark: the escalation analysis of a 300-role assembly (target: under 30 s on 2 cores).

Generates six CloudFormation templates (one boundary stack, five application stacks) with 300 roles in
all: 20 developer roles (the library's boundary and developer policy), 250 bounded application roles under
``/app/`` with typical least-privilege policies and a Lambda function each for a tenth of them, and 30
unbounded service roles (some with IAM write or PassRole rights, so that paths are found and reported).
Times :func:`analyze` (extraction included) and writes ``benchmarks/results/escalation.json``.

    .venv/bin/python benchmarks/bench_escalation.py [--roles 300] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from least_privilege_constructs.analysis.escalation.analysis import analyze  # noqa: E402
from least_privilege_constructs.boundary.boundary_document import BoundarySpec, build_boundary_document  # noqa: E402

BOUNDARY_ARN = "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/boundaries/lpc-developer-boundary"


def _sub(value: Any) -> Any:
    if isinstance(value, str):
        return {"Fn::Sub": value} if "${AWS::" in value else value
    if isinstance(value, list):
        return [_sub(v) for v in value]
    if isinstance(value, dict):
        return {k: _sub(v) for k, v in value.items()}
    return value


def developer_policy() -> dict[str, Any]:
    # the developer policy of boundary/developer_role.py's developer_policy_document (pure JSON copy of its
    # shape, so that the benchmark does not import aws_cdk)
    app_role = "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/app/*"
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "ManageBoundedApplicationRoles", "Effect": "Allow",
         "Action": ["iam:CreateRole", "iam:DeleteRole", "iam:UpdateRole", "iam:UpdateRoleDescription",
                    "iam:UpdateAssumeRolePolicy", "iam:AttachRolePolicy", "iam:DetachRolePolicy",
                    "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:PutRolePermissionsBoundary"],
         "Resource": app_role, "Condition": {"StringEquals": {"iam:PermissionsBoundary": BOUNDARY_ARN}}},
        {"Sid": "ManageApplicationPolicies", "Effect": "Allow",
         "Action": ["iam:CreatePolicy", "iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion",
                    "iam:SetDefaultPolicyVersion"],
         "Resource": "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/app/*"},
        {"Sid": "PassApplicationRolesToListedServices", "Effect": "Allow", "Action": "iam:PassRole",
         "Resource": app_role,
         "Condition": {"StringEquals": {"iam:PassedToService": ["lambda.amazonaws.com", "ecs-tasks.amazonaws.com"]}}},
        {"Sid": "DeveloperWork", "Effect": "Allow", "Action": ["lambda:*", "sqs:*", "dynamodb:*", "logs:*", "s3:*"],
         "Resource": "*"},
    ]}


APP_POLICIES = [
    [{"Effect": "Allow", "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
      "Resource": "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:app-queue-{i}"}],
    [{"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"],
      "Resource": "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/app-table-{i}"}],
    [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:${AWS::Partition}:s3:::app-bucket-{i}/*"},
     {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": "*"}],
]
SERVICE_POLICIES = [
    [{"Effect": "Allow", "Action": ["ec2:Describe*", "cloudwatch:PutMetricData"], "Resource": "*"}],
    [{"Effect": "Allow", "Action": ["iam:PassRole", "ec2:RunInstances"], "Resource": "*"}],
    [{"Effect": "Allow", "Action": ["iam:CreatePolicyVersion", "iam:GetPolicy"], "Resource": "*"}],
    [{"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"], "Resource": "*"}],
    [{"Effect": "Allow", "Action": ["sts:AssumeRole"], "Resource": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/ops/*"}],
]


def trust(service: str) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": service}}]}


def generate(directory: Path, roles: int) -> dict[str, int]:
    spec = BoundarySpec(name="lpc-developer-boundary", allowed_services=["lambda", "sqs", "dynamodb", "logs", "s3"],
                        allowed_actions=["iam:Get*", "iam:List*", "iam:PassRole", "iam:CreateRole", "iam:DeleteRole",
                                         "iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:PutRolePolicy",
                                         "iam:DeleteRolePolicy", "iam:PutRolePermissionsBoundary", "iam:UpdateRole",
                                         "iam:UpdateAssumeRolePolicy", "iam:UpdateRoleDescription", "iam:CreatePolicy",
                                         "iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion",
                                         "iam:SetDefaultPolicyVersion"],
                        allowed_regions=["eu-west-1"])
    boundary = build_boundary_document(spec)
    # the recommended design also keeps developers out of the CDK bootstrap asset stores (see docs/escalation.md)
    boundary["Statement"].append({
        "Sid": "DenyCdkBootstrapAssetWrites", "Effect": "Deny",
        "Action": ["s3:Put*", "s3:Delete*", "ecr:Put*", "ecr:BatchDeleteImage", "ecr:InitiateLayerUpload",
                   "ecr:UploadLayerPart", "ecr:CompleteLayerUpload"],
        "Resource": ["arn:${AWS::Partition}:s3:::cdk-*-assets-${AWS::AccountId}-*",
                     "arn:${AWS::Partition}:s3:::cdk-*-assets-${AWS::AccountId}-*/*",
                     "arn:${AWS::Partition}:ecr:*:${AWS::AccountId}:repository/cdk-*-container-assets-*"]})
    developers = max(1, roles * 20 // 300)
    services = max(1, roles * 30 // 300)
    apps = roles - developers - services
    platform: dict[str, Any] = {"DeveloperBoundary": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
        "ManagedPolicyName": "lpc-developer-boundary", "Path": "/boundaries/",
        "PolicyDocument": _sub(boundary)}}}
    for i in range(developers):
        platform[f"Developers{i}"] = {"Type": "AWS::IAM::Role", "Properties": {
            "RoleName": f"team-{i}-developers", "Path": "/developers/",
            "PermissionsBoundary": {"Ref": "DeveloperBoundary"},
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "sts:AssumeRole",
                "Principal": {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}}}]},
            "Policies": [{"PolicyName": "DeveloperPolicy", "PolicyDocument": _sub(developer_policy())}]}}
    for i in range(services):
        platform[f"Service{i}"] = {"Type": "AWS::IAM::Role", "Properties": {
            "RoleName": f"platform-service-{i}", "Path": "/platform/",
            "AssumeRolePolicyDocument": trust("ec2.amazonaws.com"),
            "Policies": [{"PolicyName": "Service", "PolicyDocument": {
                "Version": "2012-10-17", "Statement": _sub(SERVICE_POLICIES[i % len(SERVICE_POLICIES)])}}]}}
    (directory / "platform.template.json").write_text(json.dumps({"Resources": platform}))
    boundary_arn = {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/boundaries/lpc-developer-boundary"}
    stacks = 5
    for s in range(stacks):
        resources: dict[str, Any] = {}
        for i in range(s, apps, stacks):
            statements = json.loads(json.dumps(APP_POLICIES[i % len(APP_POLICIES)]).replace("{i}", str(i)))
            resources[f"AppRole{i}"] = {"Type": "AWS::IAM::Role", "Properties": {
                "Path": "/app/", "PermissionsBoundary": boundary_arn,
                "AssumeRolePolicyDocument": trust("lambda.amazonaws.com"),
                "Policies": [{"PolicyName": "App", "PolicyDocument": {"Version": "2012-10-17",
                                                                      "Statement": _sub(statements)}}]}}
            if i % 10 == 0:
                resources[f"AppFunction{i}"] = {"Type": "AWS::Lambda::Function", "Properties": {
                    "FunctionName": f"app-function-{i}", "Runtime": "python3.12", "Handler": "index.handler",
                    "Role": {"Fn::GetAtt": [f"AppRole{i}", "Arn"]}, "Code": {"ZipFile": "def handler(e, c): pass"}}}
        (directory / f"app-{s}.template.json").write_text(json.dumps({"Resources": resources}))
    return {"developerRoles": developers, "serviceRoles": services, "applicationRoles": apps, "stacks": stacks + 1}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--roles", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--output", default=str(ROOT / "benchmarks" / "results" / "escalation.json"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        shape = generate(directory, args.roles)
        files = sorted(str(p) for p in directory.glob("*.template.json"))
        times = []
        report = None
        for _ in range(args.repeat):
            started = time.perf_counter()
            report = analyze(files)
            times.append(time.perf_counter() - started)
        assert report is not None
    by_id: dict[str, int] = {}
    for p in report.paths:
        by_id[p.method_id] = by_id.get(p.method_id, 0) + 1
    developer_paths = [p for p in report.paths if "/developers/" in p.principal_arn]
    result = {
        "benchmark": "escalation",
        "roles": args.roles,
        "shape": shape,
        "principalsAnalyzed": report.principals,
        "requestsEvaluated": report.requests,
        "pathsFound": len(report.paths),
        "pathsById": dict(sorted(by_id.items())),
        "developerRolePaths": len(developer_paths),
        "problems": len(report.problems),
        "seconds": {"min": round(min(times), 3), "median": round(statistics.median(times), 3),
                    "max": round(max(times), 3), "runs": len(times)},
        "targetSeconds": 30,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    Path(args.output).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
