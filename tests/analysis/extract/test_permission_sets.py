"""AWS::SSO::PermissionSet as a principal: the role Identity Center provisions, with its policies and
boundary, seen by the gate and the escalation analysis.

https://docs.aws.amazon.com/singlesignon/latest/userguide/referencingpermissionsets.html
https://docs.aws.amazon.com/singlesignon/latest/userguide/permissionsboundary.html
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from least_privilege_constructs.access_analyzer.offline import OfflineBackend
from least_privilege_constructs.analysis.extract import extract_policies
from least_privilege_constructs.analysis.gate import GateOptions, run_gate

ADMIN = {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::aws:policy/AdministratorAccess"]]}
INLINE = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}


def _assembly(tmp_path: Path, **props: Any) -> Path:
    out = tmp_path / "cdk.out"
    out.mkdir()
    template = {"Resources": {"PS": {"Type": "AWS::SSO::PermissionSet", "Properties": {
        "InstanceArn": "arn:aws:sso:::instance/ssoins-1", "Name": "Devs", **props}}}}
    (out / "S.template.json").write_text(json.dumps(template))
    (out / "manifest.json").write_text(json.dumps({"version": "36.0.0", "artifacts": {"S": {
        "type": "aws:cloudformation:stack", "environment": "aws://111122223333/us-east-1",
        "properties": {"templateFile": "S.template.json"}}}}))
    return out


def test_permission_set_is_the_role_it_provisions(tmp_path: Path) -> None:
    cdk_out = _assembly(tmp_path, InlinePolicy=INLINE, ManagedPolicies=["arn:aws:iam::aws:policy/ReadOnlyAccess"],
                        CustomerManagedPolicyReferences=[{"Name": "team", "Path": "/app/"}],
                        PermissionsBoundary={"CustomerManagedPolicyReference": {"Name": "lpc-developer-boundary"}})
    [principal] = extract_policies([str(cdk_out)]).principals
    assert principal.kind.value == "role" and principal.path == "/aws-reserved/sso.amazonaws.com/"
    assert principal.arn == "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Devs"
    assert principal.managed_policy_arns == ["arn:aws:iam::aws:policy/ReadOnlyAccess",
                                             "arn:aws:iam::111122223333:policy/app/team"]
    assert principal.boundary_arn == "arn:aws:iam::111122223333:policy/lpc-developer-boundary"
    assert [p.document for p in principal.inline_policies] == [INLINE]


def test_gate_analyses_permission_sets(tmp_path: Path) -> None:
    """The escalation analysis counts the permission set and resolves its AWS managed policy offline.
    (An unbounded admin has nothing to escalate to: LP-IAM1/LP-IAM2 of the nag pack report it.)"""
    report = run_gate(str(_assembly(tmp_path, ManagedPolicies=[ADMIN])), GateOptions.resolve({}, env={}),
                      backend=OfflineBackend())
    assert report.summaries["escalation"].checked == 1
    assert not [f for f in report.findings if f.issue_code == "ESCALATION_UNDETERMINED"]
    unknown = tmp_path / "unknown"
    unknown.mkdir()
    report = run_gate(str(_assembly(unknown, ManagedPolicies=["arn:aws:iam::aws:policy/NotInTheSnapshot"])),
                      GateOptions.resolve({}, env={}), backend=OfflineBackend())
    assert [f.issue_code for f in report.findings if f.check == "escalation"] == ["ESCALATION_UNDETERMINED"]
