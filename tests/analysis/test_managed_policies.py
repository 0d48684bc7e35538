"""The packaged AWS managed policy snapshot, the resolver chain, and their use by escalation, refine and nag.

ARN format with the path: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns
"""

from __future__ import annotations

import json
import lzma
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from least_privilege_constructs.analysis.escalation.context import EscalationContext
from least_privilege_constructs.analysis.managed_policies import (
    STALE_AFTER_DAYS,
    ManagedPolicyDataError,
    ManagedPolicyResolver,
    ManagedPolicySnapshot,
    aws_managed_document,
    get_snapshot,
    is_admin_like,
    load_documents,
)
from tests.conftest import CORPUS, ROOT, require_shared

LAMBDA_BASIC = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
DATA = ROOT / "least_privilege_constructs" / "analysis" / "data" / "aws-managed-policies.json.xz"


def test_snapshot_has_provenance_and_stays_small() -> None:
    snap = get_snapshot()
    prov = snap.provenance
    assert prov.source.startswith("moto") and prov.licence.startswith("Apache-2.0")
    assert prov.source_version and prov.policy_count == len(snap) > 1400
    assert date(2026, 1, 1) <= prov.snapshot_date <= date.today()
    # the package grows by at most 1 MB (issue 18)
    assert DATA.stat().st_size < 1_000_000


def test_lookup_by_arn_with_path_and_partition() -> None:
    snap = get_snapshot()
    policy = snap.get(LAMBDA_BASIC)
    assert policy is not None and policy.path == "/service-role/" and policy.arn() == LAMBDA_BASIC
    actions = {a for s in policy.document["Statement"] for a in ([s["Action"]] if isinstance(s["Action"], str)
                                                                 else s["Action"])}
    assert "logs:PutLogEvents" in actions
    assert snap.document(LAMBDA_BASIC.replace("arn:aws:", "arn:aws-cn:")) == policy.document
    # the wrong path names no policy; a customer policy, a wildcard or a non-ARN are not looked up
    assert snap.get("arn:aws:iam::aws:policy/AWSLambdaBasicExecutionRole") is None
    assert snap.get("arn:aws:iam::123456789012:policy/service-role/AWSLambdaBasicExecutionRole") is None
    assert snap.get("arn:aws:iam::aws:policy/*") is None
    assert snap.get("AWSLambdaBasicExecutionRole") is None
    assert snap.by_name("SecurityAudit") is not None


def test_stale_warning_after_90_days() -> None:
    snap = get_snapshot()
    taken = snap.provenance.snapshot_date
    assert snap.stale_warning(taken + timedelta(days=STALE_AFTER_DAYS)) is None
    warning = snap.stale_warning(taken + timedelta(days=STALE_AFTER_DAYS + 1))
    assert warning is not None and f"{STALE_AFTER_DAYS + 1} days old" in warning and taken.isoformat() in warning


def test_corpus_resolves_offline() -> None:
    """>= 99% of the shared corpus's AWS managed policies resolve offline (issue 18); those at the same
    version have the same document."""
    rows = [json.loads(line) for line in require_shared(CORPUS / "policies.jsonl").open(encoding="utf-8")]
    snap = get_snapshot()
    found = [(row, snap.by_name(row["name"])) for row in rows]
    resolved = [(row, p) for row, p in found if p is not None and snap.get(p.arn()) is p]
    assert len(resolved) / len(rows) >= 0.99, f"{len(resolved)}/{len(rows)} resolve"
    same_version = [(row, p) for row, p in resolved if p.version == row["version"]]
    assert same_version and all(p.document == row["document"] for row, p in same_version)


def test_build_script_reproduces_the_committed_snapshot() -> None:
    pytest.importorskip("moto")
    from importlib import metadata

    installed, built_from = metadata.version("moto"), get_snapshot().provenance.source_version
    if installed != built_from:
        pytest.skip(f"moto {installed} is installed, the snapshot was built from moto {built_from}: "
                    "rebuild it with scripts/build_managed_policies.py when upgrading on purpose")
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_managed_policies.py"), "--check"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr


def test_unreadable_snapshot_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json.xz"
    bad.write_bytes(b"not xz")
    with pytest.raises(ManagedPolicyDataError, match=r"LPC-MANAGED-001.*cannot read"):
        ManagedPolicySnapshot.load(bad)
    wrong = tmp_path / "wrong.json.xz"
    wrong.write_bytes(lzma.compress(b'{"policies": {}}'))
    with pytest.raises(ManagedPolicyDataError, match="not a managed policy snapshot"):
        ManagedPolicySnapshot.load(wrong)


def test_user_documents_json_and_jsonl(tmp_path: Path) -> None:
    doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    whole = tmp_path / "docs.json"
    whole.write_text(json.dumps({"arn:aws:iam::111122223333:policy/Shared": doc}))
    assert load_documents(whole) == {"arn:aws:iam::111122223333:policy/Shared": doc}
    lines = tmp_path / "docs.jsonl"
    lines.write_text(json.dumps({"name": "Mine", "document": doc}) + "\n\n"
                     + json.dumps({"arn": "arn:aws:iam::aws:policy/x/Other", "document": doc}) + "\n")
    assert set(load_documents(lines)) == {"arn:aws:iam::aws:policy/Mine", "arn:aws:iam::aws:policy/x/Other"}
    broken = tmp_path / "broken.jsonl"
    broken.write_text(json.dumps({"name": "A", "document": doc}) + "\n" + '{"name": "B"}\n')
    with pytest.raises(ManagedPolicyDataError, match=r"broken.jsonl:2: "):
        load_documents(broken)
    with pytest.raises(ManagedPolicyDataError, match="LPC-MANAGED-001"):
        load_documents(tmp_path / "missing.json")


def test_resolver_order_user_snapshot_online() -> None:
    mine = {"Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}
    asked: list[str] = []

    def online(arn: str) -> dict[str, object] | None:
        asked.append(arn)
        return {"Statement": []} if arn.endswith("/New") else None

    resolver = ManagedPolicyResolver({LAMBDA_BASIC: mine}, online=online)
    assert resolver(LAMBDA_BASIC.replace("arn:aws:", "arn:aws-us-gov:")) == mine   # the user's wins
    assert not resolver.used_snapshot and asked == []
    assert resolver("arn:aws:iam::aws:policy/SecurityAudit") == aws_managed_document(
        "arn:aws:iam::aws:policy/SecurityAudit")
    assert resolver.used_snapshot and asked == []
    assert resolver("arn:aws:iam::aws:policy/New") == {"Statement": []}
    assert resolver("arn:aws:iam::aws:policy/New") == {"Statement": []}
    assert resolver("arn:aws:iam::111122223333:policy/Unknown") is None
    assert asked == ["arn:aws:iam::aws:policy/New", "arn:aws:iam::111122223333:policy/Unknown"]
    offline_only = ManagedPolicyResolver(snapshot=False)
    assert offline_only(LAMBDA_BASIC) is None


def test_admin_like() -> None:
    assert [p.name for p in get_snapshot() if is_admin_like(p.document)] == ["AdministratorAccess"]
    conditional = {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*",
                                  "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]}
    assert not is_admin_like(conditional)
    assert is_admin_like({"Statement": {"Effect": "Allow", "Action": ["*:*"], "Resource": ["*"]}})
    assert not is_admin_like(None)


def test_escalation_context_reads_the_snapshot() -> None:
    context = EscalationContext()
    assert context.managed_policy(LAMBDA_BASIC) == aws_managed_document(LAMBDA_BASIC)
    mine = {"Statement": []}
    assert EscalationContext(managed_policy_documents={LAMBDA_BASIC: mine}).managed_policy(LAMBDA_BASIC) == mine
    assert context.managed_policy("arn:aws:iam::aws:policy/NoSuchPolicyEver") is None


def test_nag_reports_an_admin_like_aws_managed_policy_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    """LP-IAM2 reads the snapshot: any AWS managed policy whose document grants `*` on `*` is reported by
    name. The snapshot's only such policy is AdministratorAccess, so a second one is simulated."""
    from least_privilege_constructs.analysis.rules import no_admin_access as rule_module
    from least_privilege_constructs.analysis.rules.stack_view import StackView

    everything = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    monkeypatch.setattr(rule_module, "aws_managed_document",
                        lambda arn: everything if arn.endswith("/job-function/EverythingAccess")
                        else aws_managed_document(arn))

    def keys(*arns: str) -> set[str]:
        view = StackView({"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []},
            "ManagedPolicyArns": list(arns)}}}})
        inp = view.rule_input("R")
        assert inp is not None
        result = rule_module.no_admin_access(inp)
        assert isinstance(result, list)
        return {f.key for f in result}

    assert keys("arn:aws:iam::aws:policy/job-function/EverythingAccess", LAMBDA_BASIC,
                "arn:aws:iam::aws:policy/ReadOnlyAccess") == {"ManagedPolicy::EverythingAccess"}
    assert keys("arn:aws:iam::123456789012:policy/job-function/EverythingAccess") == set()
