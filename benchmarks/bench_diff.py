"""Benchmark of ``lpc diff`` (``analysis.diff``): a corpus of policy changes, and two 300-role assemblies.

Corpus: pairs (OLD, NEW) of CloudFormation templates built from real AWS managed policies of
``../shared/corpus/aws-managed-policies/policies.jsonl`` (each the inline policy of a role with a
permissions boundary and a Lambda trust), one pair per policy and *family*:

* broadening families (must be reported): ``add_action`` (an action of a service the policy never names),
  ``widen_resource`` (a statement's literal resources become ``*``), ``boundary_removed``,
  ``boundary_replaced``, ``trust_new_account``, ``trust_condition_dropped``, ``bucket_public``,
  ``new_role``;
* equivalent rewrites (must not be flagged): ``reorder_statements``, ``split_actions`` (one statement per
  action), ``merge_statements`` (OLD split, NEW as published), ``reorder_elements`` (actions and resources
  in another order, ``Sid`` changed), ``expand_wildcards`` (OLD with ``svc:Get*``, NEW with the catalog's
  expansion), ``collapse_wildcards`` (the reverse: only a non-blocking FUTURE_ACTIONS note),
  ``inline_to_managed`` (the inline policy becomes a customer managed policy attached to the role).

With ``--cdk``, also runs ``cdk diff --security-only --fail`` (the aws-cdk CLI in node_modules, with
``--template OLD`` against an assembly holding NEW) on every pair and reports its figures beside ours.

Scale: two assemblies of 300 roles each (NEW: 5 roles with an added action), timed end to end.

    .venv/bin/python benchmarks/bench_diff.py [--policies N] [--cdk] [--roles 300]

Writes ``benchmarks/results/diff.json``.
"""

from __future__ import annotations

import argparse
import copy
import json
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
_CORPUS_CANDIDATES = [
    ROOT.parent / "shared" / "corpus" / "aws-managed-policies" / "policies.jsonl",
    ROOT.parent.parent / "shared" / "corpus" / "aws-managed-policies" / "policies.jsonl",
]
CORPUS = next((c for c in _CORPUS_CANDIDATES if c.is_file()), _CORPUS_CANDIDATES[0])
OUT = ROOT / "benchmarks" / "results" / "diff.json"
sys.path.insert(0, str(ROOT))

TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
GUARDED_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "sts:AssumeRole",
     "Condition": {"StringEquals": {"sts:ExternalId": "partner-7f3a"}}}]}
BOUNDARY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"},
                                                   {"Effect": "Deny", "Action": "iam:*", "Resource": "*"}]}
PRIVATE_BUCKET = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "s3:GetObject",
     "Resource": "arn:aws:s3:::app-data/*"}]}
BROADENING = ("add_action", "widen_resource", "boundary_removed", "boundary_replaced", "trust_new_account",
              "trust_condition_dropped", "bucket_public", "new_role")
EQUIVALENT = ("reorder_statements", "split_actions", "merge_statements", "reorder_elements", "expand_wildcards",
              "collapse_wildcards", "inline_to_managed")
ADDED_ACTIONS = ("sqs:DeleteQueue", "sns:DeleteTopic", "kinesis:DeleteStream", "glacier:DeleteVault")


def as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def statements(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [dict(s) for s in as_list(doc.get("Statement", []))]


def template(policy: dict[str, Any], *, boundary: str | None = "Boundary", trust: dict[str, Any] | None = None,
             managed: bool = False, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    role: dict[str, Any] = {"AssumeRolePolicyDocument": trust or TRUST}
    resources: dict[str, Any] = {
        "Boundary": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": BOUNDARY}},
        "Boundary2": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": BOUNDARY}},
        "AppRole": {"Type": "AWS::IAM::Role", "Properties": role},
        "Data": {"Type": "AWS::S3::Bucket"},
        "DataPolicy": {"Type": "AWS::S3::BucketPolicy", "Properties": {"Bucket": {"Ref": "Data"},
                                                                       "PolicyDocument": PRIVATE_BUCKET}},
    }
    if managed:
        resources["AppPolicy"] = {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
            "PolicyDocument": policy, "Roles": [{"Ref": "AppRole"}]}}
    else:
        role["Policies"] = [{"PolicyName": "app", "PolicyDocument": policy}]
    if boundary:
        role["PermissionsBoundary"] = {"Ref": boundary}
    resources.update(extra or {})
    return {"Resources": resources}


def with_statements(doc: dict[str, Any], stmts: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Version": doc.get("Version", "2012-10-17"), "Statement": stmts}


def services(doc: dict[str, Any]) -> set[str]:
    out: set[str] = set()
    for s in statements(doc):
        for a in as_list(s.get("Action", [])) + as_list(s.get("NotAction", [])):
            out.add(str(a).split(":")[0].lower())
    return out


def suitable(doc: dict[str, Any]) -> bool:
    stmts = statements(doc)
    return (0 < len(stmts) <= 12 and all(s.get("Effect") == "Allow" and "Action" in s and "Resource" in s
                                         and "NotResource" not in s and "Principal" not in s for s in stmts)
            and sum(len(as_list(s["Action"])) for s in stmts) <= 80 and "*" not in services(doc))


def named(resource: Any) -> bool:
    """Whether an ARN names particular resources: its resource part has a literal name after the resource
    type (``log-group:/aws/lambda/*``, ``bucket-*``), not only a wildcard (``investigation-group/*``)."""
    parts = str(resource).split(":", 5)
    if len(parts) < 6:
        return False
    rest = parts[5]
    cut = min((i for i in (rest.find("/"), rest.find(":")) if i >= 0), default=-1)
    name = rest[cut + 1:] if cut >= 0 else rest
    return bool(name) and not name.startswith("*")


def pairs_for(doc: dict[str, Any], expand: Any) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(family, OLD template, NEW template) for one managed policy document."""
    stmts = statements(doc)
    base = template(doc)
    added = next((a for a in ADDED_ACTIONS if a.split(":")[0] not in services(doc)), None)
    if added:
        yield "add_action", base, template(with_statements(doc, [*stmts, {"Effect": "Allow", "Action": added,
                                                                         "Resource": "*"}]))
    def svc(s: dict[str, Any]) -> set[str]:
        return {str(a).split(":")[0].lower() for a in as_list(s["Action"])}

    # a statement naming particular resources, whose services no statement grants on every resource
    literal = [i for i, s in enumerate(stmts) if all(named(r) for r in as_list(s["Resource"]))
               and not any(j != i and "*" in as_list(t["Resource"]) and svc(t) & svc(s) for j, t in enumerate(stmts))]
    if literal:
        i = literal[0]
        wider = [dict(s, Resource="*") if j == i else s for j, s in enumerate(stmts)]
        yield "widen_resource", base, template(with_statements(doc, wider))
    yield "boundary_removed", base, template(doc, boundary=None)
    yield "boundary_replaced", base, template(doc, boundary="Boundary2")
    trust = copy.deepcopy(TRUST)
    trust["Statement"].append({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999988887777:root"},
                               "Action": "sts:AssumeRole"})
    yield "trust_new_account", base, template(doc, trust=trust)
    open_trust = copy.deepcopy(GUARDED_TRUST)
    del open_trust["Statement"][0]["Condition"]
    yield "trust_condition_dropped", template(doc, trust=GUARDED_TRUST), template(doc, trust=open_trust)
    public = copy.deepcopy(PRIVATE_BUCKET)
    public["Statement"][0]["Principal"] = "*"
    extra = {"DataPolicy": {"Type": "AWS::S3::BucketPolicy", "Properties": {"Bucket": {"Ref": "Data"},
                                                                            "PolicyDocument": public}}}
    yield "bucket_public", base, template(doc, extra=extra)
    yield "new_role", base, template(doc, extra={"Second": {"Type": "AWS::IAM::Role", "Properties": {
        "AssumeRolePolicyDocument": TRUST, "Policies": [{"PolicyName": "p", "PolicyDocument": doc}]}}})
    # equivalent rewrites
    yield "reorder_statements", base, template(with_statements(doc, stmts[::-1]))
    split = [dict(s, Action=a) | ({"Sid": f"{s['Sid']}{k}"} if "Sid" in s else {})
             for s in stmts for k, a in enumerate(as_list(s["Action"]))]
    yield "split_actions", base, template(with_statements(doc, split))
    yield "merge_statements", template(with_statements(doc, split)), base
    shuffled = []
    for k, s in enumerate(stmts):
        t = dict(s, Action=as_list(s["Action"])[::-1], Resource=as_list(s["Resource"])[::-1], Sid=f"Rewritten{k}")
        shuffled.append(t)
    yield "reorder_elements", base, template(with_statements(doc, shuffled))
    if any("*" in a and a != "*" for s in stmts for a in as_list(s["Action"])):
        expanded = [dict(s, Action=sorted({x for a in as_list(s["Action"])
                                           for x in (expand(a) if "*" in a or "?" in a else [a])}) or s["Action"])
                    for s in stmts]
        yield "expand_wildcards", base, template(with_statements(doc, expanded))
        yield "collapse_wildcards", template(with_statements(doc, expanded)), base
    yield "inline_to_managed", base, template(doc, managed=True)


def build_corpus(limit: int, seed: int = 17) -> list[dict[str, Any]]:
    from least_privilege_constructs.analysis.catalog import get_catalog

    catalog = get_catalog()

    def expand(pattern: str) -> list[str]:
        return sorted(catalog.expand_action(pattern))

    with open(CORPUS, encoding="utf-8") as fh:
        policies = [json.loads(line) for line in fh if line.strip()]
    candidates = [p for p in policies if suitable(p["document"])]
    random.Random(seed).shuffle(candidates)
    out: list[dict[str, Any]] = []
    for p in candidates[:limit]:
        for family, old, new in pairs_for(p["document"], expand):
            out.append({"policy": p["name"], "family": family, "broadening": family in BROADENING,
                        "old": old, "new": new})
    return out


def run_ours(pair: dict[str, Any], work: Path) -> tuple[int, list[str], float]:
    from least_privilege_constructs.analysis.diff import diff_paths

    for side in ("old", "new"):
        (work / side).mkdir(parents=True, exist_ok=True)
        (work / side / "App.template.json").write_text(json.dumps(pair[side]))
    start = time.perf_counter()
    result = diff_paths([str(work / "old" / "App.template.json")], [str(work / "new" / "App.template.json")])
    return result.exit_code, sorted({f.issue_code for f in result.findings}), time.perf_counter() - start


def run_cdk(pair: dict[str, Any], work: Path) -> int:
    """``cdk diff --security-only --fail``: 1 when it reports a security change, 0 when not."""
    out = work / "cdk.out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "App.template.json").write_text(json.dumps(pair["new"]))
    (out / "manifest.json").write_text(json.dumps({"version": "36.0.0", "artifacts": {"App": {
        "type": "aws:cloudformation:stack", "environment": "aws://123456789012/us-east-1",
        "properties": {"templateFile": "App.template.json"}}}}))
    (work / "old.json").write_text(json.dumps(pair["old"]))
    proc = subprocess.run(
        ["node", str(ROOT / "node_modules" / "aws-cdk" / "bin" / "cdk"), "diff", "--app", str(out), "--template",
         str(work / "old.json"), "--security-only", "--fail", "--no-notices", "--no-version-reporting", "App"],
        cwd=work, capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/bin:/bin:/usr/local/bin", "HOME": str(work), "CDK_DISABLE_CLI_TELEMETRY": "true"})
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"cdk diff failed ({proc.returncode}): {proc.stderr[-500:]}")
    return proc.returncode


def scale(roles: int, work: Path) -> dict[str, Any]:
    """Two assemblies of ``roles`` roles; NEW adds an action to 5 of them."""
    from least_privilege_constructs.analysis.diff import diff_paths

    with open(CORPUS, encoding="utf-8") as fh:
        policies = [json.loads(line)["document"] for line in fh if line.strip()][:roles]
    for side in ("old", "new"):
        resources: dict[str, Any] = {"Boundary": {"Type": "AWS::IAM::ManagedPolicy",
                                                  "Properties": {"PolicyDocument": BOUNDARY}}}
        for i, doc in enumerate(policies):
            doc = copy.deepcopy(doc)
            if side == "new" and i % (roles // 5) == 0:
                doc["Statement"] = [*as_list(doc["Statement"]),
                                    {"Effect": "Allow", "Action": "kinesis:DeleteStream", "Resource": "*"}]
            resources[f"Role{i}"] = {"Type": "AWS::IAM::Role", "Properties": {
                "AssumeRolePolicyDocument": TRUST, "PermissionsBoundary": {"Ref": "Boundary"},
                "Policies": [{"PolicyName": "p", "PolicyDocument": doc}]}}
        out = work / side / "cdk.out"
        out.mkdir(parents=True, exist_ok=True)
        (out / "App.template.json").write_text(json.dumps({"Resources": resources}))
        (out / "manifest.json").write_text(json.dumps({"version": "36.0.0", "artifacts": {"App": {
            "type": "aws:cloudformation:stack", "environment": "aws://123456789012/us-east-1",
            "properties": {"templateFile": "App.template.json"}}}}))
    start = time.perf_counter()
    result = diff_paths([str(work / "old" / "cdk.out")], [str(work / "new" / "cdk.out")])
    elapsed = time.perf_counter() - start
    new_access = sum(1 for f in result.findings if f.issue_code == "NEW_ACCESS")
    return {"roles": roles, "seconds": round(elapsed, 2), "newAccessFindings": new_access,
            "otherFindings": sorted({f.issue_code for f in result.findings} - {"NEW_ACCESS"}),
            "compared": result.compared}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--policies", type=int, default=20)
    parser.add_argument("--roles", type=int, default=300)
    parser.add_argument("--cdk", action="store_true")
    parser.add_argument("--cdk-policies", type=int, default=None, metavar="N",
                        help="run cdk diff only on the pairs of the first N policies (it takes seconds a pair)")
    args = parser.parse_args()
    corpus = build_corpus(args.policies)
    work = Path(tempfile.mkdtemp(prefix="bench-diff-"))
    rows: dict[str, dict[str, Any]] = {}
    cdk_policies = list(dict.fromkeys(p["policy"] for p in corpus))[: args.cdk_policies or None]
    misses: list[dict[str, Any]] = []
    times: list[float] = []
    for n, pair in enumerate(corpus):
        code, codes, seconds = run_ours(pair, work / f"ours{n}")
        times.append(seconds)
        row = rows.setdefault(pair["family"], {"pairs": 0, "broadening": pair["broadening"], "ours": 0, "cdk": None})
        row["pairs"] += 1
        flagged = code == 2
        row["ours"] += int(flagged)
        if flagged != pair["broadening"]:
            misses.append({"policy": pair["policy"], "family": pair["family"], "exit": code, "codes": codes})
        if args.cdk and (args.cdk_policies is None or pair["policy"] in cdk_policies):
            flagged_by_cdk = run_cdk(pair, work / f"cdk{n}") == 1
            row["cdk"] = (row["cdk"] or 0) + int(flagged_by_cdk)
            row["cdkPairs"] = row.get("cdkPairs", 0) + 1
            row["oursOnCdkPairs"] = row.get("oursOnCdkPairs", 0) + int(flagged)
            print(f"cdk {n}: {pair['family']} {pair['policy']}: cdk {int(flagged_by_cdk)} ours {int(flagged)}",
                  flush=True)
    broad = [p for p in corpus if p["broadening"]]
    equiv = [p for p in corpus if not p["broadening"]]
    summary = {
        "pairs": len(corpus), "policies": args.policies,
        "broadeningPairs": len(broad), "broadeningDetected": sum(r["ours"] for r in rows.values() if r["broadening"]),
        "equivalentPairs": len(equiv), "equivalentFlagged": sum(r["ours"] for r in rows.values() if not r["broadening"]),
        "medianPairSeconds": round(sorted(times)[len(times) // 2], 3), "maxPairSeconds": round(max(times), 3),
        "families": rows, "misses": misses,
    }
    if args.cdk:
        summary["cdkPolicies"] = len(cdk_policies)
        summary["cdkBroadeningPairs"] = sum(r.get("cdkPairs", 0) for r in rows.values() if r["broadening"])
        summary["cdkBroadeningDetected"] = sum(r["cdk"] or 0 for r in rows.values() if r["broadening"])
        summary["cdkEquivalentPairs"] = sum(r.get("cdkPairs", 0) for r in rows.values() if not r["broadening"])
        summary["cdkEquivalentFlagged"] = sum(r["cdk"] or 0 for r in rows.values() if not r["broadening"])
    summary["scale"] = scale(args.roles, work / "scale")
    summary["machine"] = {"python": platform.python_version(), "cpus": __import__("os").cpu_count()}
    shutil.rmtree(work, ignore_errors=True)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps({k: v for k, v in summary.items() if k != "families"}, indent=2))
    for family, row in rows.items():
        print(f"{family:<26} {row['pairs']:>4} pairs  ours {row['ours']:>4}  "
              f"cdk {row['cdk']} of {row.get('cdkPairs', 0)} (ours {row.get('oursOnCdkPairs', 0)})")
    return 0 if not misses else 2


if __name__ == "__main__":
    raise SystemExit(main())
