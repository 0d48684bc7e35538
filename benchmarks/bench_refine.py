"""Benchmark of ``lpc refine``: 1,000 roles x 50 actions (target: under 30 s on the project machine).

Builds a deterministic bundle (seeded RNG): 4 accounts x 250 roles, each with one inline policy of 50
catalog actions over 5 services (2 statements with ``*``, 3 with an ARN) and ACTION_LEVEL last-accessed
details (3 used services with tracked used/unused actions, 1 never-authenticated service, 1 not in the
evidence), plus one Organizations access report per account's OU. Times bundle validation, the refinement
(decisions, structural subset proof, evaluator replay of every used action), the SCPs and the report, and
writes ``benchmarks/results/refine.json`` (``refine_prove.json`` with ``--prove``). With ``--prove`` each refined policy is also proven with
``check_no_new_access`` (z3). Run on demand::

    .venv/bin/python benchmarks/bench_refine.py [--roles 1000] [--prove]
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "refine.json"
sys.path.insert(0, str(ROOT))

from least_privilege_constructs.analysis.catalog import get_catalog  # noqa: E402
from least_privilege_constructs.analysis.refine import (  # noqa: E402
    RefineOptions,
    ScpOptions,
    load_bundle,
    refine_bundle,
    unused_identities,
    unused_service_scps,
    write_outputs,
)
from least_privilege_constructs.analysis.refine.report import summary  # noqa: E402

NOW = "2026-12-01T12:00:00Z"
RECENT = "2026-11-28T09:30:00Z"
SERVICES = ["s3", "dynamodb", "sqs", "sns", "lambda", "logs", "kms", "ec2", "ssm", "secretsmanager", "glue",
            "athena", "states", "events", "ecr", "ecs", "cloudwatch", "kinesis", "firehose", "rds"]


def build(roles: int, actions_per_role: int = 50, seed: int = 15) -> dict[str, Any]:
    rng = random.Random(seed)
    catalog = get_catalog()
    pools = {s: sorted(catalog.expand_action(f"{s}:*")) for s in SERVICES}
    accounts: list[dict[str, Any]] = []
    per_account = max(1, roles // 4)
    for a in range(4):
        account = f"{a + 1}" * 12
        account_roles = []
        for i in range(per_account if a < 3 else roles - 3 * per_account):
            arn = f"arn:aws:iam::{account}:role/bench-{i:04d}"
            services = rng.sample(SERVICES, 5)
            statements = []
            evidence = []
            for j, service in enumerate(services):
                picked = rng.sample(pools[service], actions_per_role // 5)
                resource = "*" if j < 2 else f"arn:aws:{service}:eu-west-1:{account}:thing/bench-{i}"
                statements.append({"Sid": f"S{j}", "Effect": "Allow", "Action": picked, "Resource": resource})
                if j == 4:
                    continue  # not in the evidence: undetermined
                tracked = []
                if j < 3:
                    for k, action in enumerate(picked[:6]):
                        item: dict[str, Any] = {"ActionName": action.split(":", 1)[1]}
                        if k % 2 == 0:
                            item["LastAccessedTime"] = RECENT
                        tracked.append(item)
                entry: dict[str, Any] = {"ServiceNamespace": service, "TrackedActionsLastAccessed": tracked}
                if j < 3:
                    entry["LastAuthenticated"] = RECENT
                evidence.append(entry)
            account_roles.append({
                "arn": arn, "createDate": "2025-01-01T00:00:00Z", "roleLastUsed": RECENT,
                "policies": [{"kind": "inline", "name": "app", "modifiedAt": "2025-01-01T00:00:00Z",
                              "document": {"Version": "2012-10-17", "Statement": statements}}],
                "lastAccessed": {"JobStatus": "COMPLETED", "JobType": "ACTION_LEVEL", "JobCompletionDate": NOW,
                                 "ServicesLastAccessed": evidence}})
        accounts.append({"accountId": account, "production": a == 0, "roles": account_roles})
    reports = [{"entityPath": f"o-a1b2c3d4e5/r-ab12/ou-ab12-bench00{a}", "JobStatus": "COMPLETED",
                "JobCompletionDate": NOW,
                "AccessDetails": [{"ServiceNamespace": s, **({"LastAuthenticatedTime": RECENT} if s in SERVICES else {})}
                                  for s in sorted(catalog.services)]} for a in range(4)]
    return {"format": "lpc-evidence-bundle", "version": 1, "generatedAt": NOW, "accounts": accounts,
            "organizationsAccessReports": reports}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--roles", type=int, default=1000)
    parser.add_argument("--prove", action="store_true")
    args = parser.parse_args()
    bundle = build(args.roles)
    get_catalog().expand_action("*")  # the catalog index is built once per process: not part of the figure
    t0 = time.perf_counter()
    load_bundle(bundle)
    t1 = time.perf_counter()
    result = refine_bundle(bundle, RefineOptions(now=NOW, prove=args.prove))
    t2 = time.perf_counter()
    scps = unused_service_scps(bundle["organizationsAccessReports"], ScpOptions(now=NOW, max_policies=5))
    t3 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        files = write_outputs(tmp, result, scps, unused_identities(bundle, now=NOW))
    t4 = time.perf_counter()
    s = summary(result)
    figures = {
        "roles": s["roles"], "actionsPerRole": 50, "prove": args.prove,
        "validateSeconds": round(t1 - t0, 2), "refineSeconds": round(t2 - t1, 2), "scpSeconds": round(t3 - t2, 2),
        "reportSeconds": round(t4 - t3, 2), "totalSeconds": round(t4 - t0, 2),
        "summary": s, "scps": sum(len(x.policies) for x in scps), "files": len(files),
        "python": platform.python_version(), "machine": platform.machine(),
    }
    assert s["refined"] == s["roles"], "every bench role has a provably unused action"
    print(json.dumps(figures, indent=2))
    out = OUT.with_name("refine_prove.json") if args.prove else OUT
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2) + "\n")
    ok = figures["totalSeconds"] < 30
    print(f"{'OK' if ok else 'SLOW'}: {s['roles']} roles x 50 actions in {figures['totalSeconds']} s (target < 30 s)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
