"""Synth overhead of the synth-time gate (LeastPrivilegeValidation) on a 300-role app over several stacks,
and its Access Analyzer call count on a first and on a second, unchanged synth.

    .venv/bin/python benchmarks/bench_gate_overhead.py [--roles 300] [--stacks 6] [--repeat 3]

Each round synthesizes the same app without a plugin, and with the gate (offline analyzer, a fresh cache,
every check on), with the same CDK settings: CDK's built-in CloudFormation validation off in both, or on in
both with ``--cfn-validation`` (the main job's setting). Then the
app is synthesized twice in online mode against a real boto3 Access Analyzer client whose HTTP layer is
replaced by canned, model-valid answers (botocore validates every request against the API model): the
first synth's API calls, and the second's (expected 0: every answer comes from the content-hash cache).
Results go to ``benchmarks/results/gate_overhead.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
if "--cfn-validation" not in sys.argv:
    os.environ["CDK_VALIDATION"] = "false"
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def build(roles: int, stacks: int, outdir: str, gate: Any) -> Any:
    from aws_cdk import App, Stack, Validations
    from aws_cdk import aws_iam as iam
    from aws_cdk import aws_s3 as s3
    from aws_cdk import aws_sqs as sqs

    from least_privilege_constructs import BoundaryEnforcement, PermissionsBoundaryPolicy

    app = App(outdir=outdir)
    platform = Stack(app, "Platform")
    boundary = PermissionsBoundaryPolicy(platform, "Boundary", allowed_services=["s3", "sqs", "logs"])
    per_stack = -(-roles // stacks)
    made = 0
    for s in range(stacks):
        stack = Stack(app, f"App{s}")
        bucket = s3.Bucket(stack, "Data", enforce_ssl=True)
        queue = sqs.Queue(stack, "Jobs", enforce_ssl=True)
        for r in range(min(per_stack, roles - made)):
            role = iam.Role(stack, f"Worker{r}", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                            path="/app/")
            bucket.grant_read(role)
            queue.grant_send_messages(role)
            role.add_to_policy(iam.PolicyStatement(actions=["logs:PutLogEvents", "logs:CreateLogStream"],
                                                   resources=[f"arn:aws:logs:*:*:log-group:/app/worker-{s}-{r}:*"]))
            made += 1
    BoundaryEnforcement.of(app).apply(boundary)
    if gate is not None:
        Validations.of(app).add_plugins(gate)
    return app


def timed_synth(roles: int, stacks: int, gate_factory: Any) -> tuple[float, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        gate = gate_factory(tmp) if gate_factory else None
        started = time.perf_counter()
        app = build(roles, stacks, os.path.join(tmp, "cdk.out"), gate)
        app.synth()
        return time.perf_counter() - started, gate


def canned_client() -> tuple[Any, dict[str, int]]:
    """A real boto3 accessanalyzer client; its HTTP layer answers with canned, model-valid responses."""
    import boto3

    client = boto3.client("accessanalyzer", region_name="us-east-1", aws_access_key_id="AKIDEXAMPLE",
                          aws_secret_access_key="secret")
    calls = {"n": 0}
    answers = {
        "ValidatePolicy": {"findings": []},
        "CheckNoNewAccess": {"result": "PASS", "message": "no new access", "reasons": []},
        "CheckAccessNotGranted": {"result": "PASS", "message": "not granted", "reasons": []},
        "CheckNoPublicAccess": {"result": "PASS", "message": "not public", "reasons": []},
    }

    from botocore.awsrequest import AWSResponse

    def respond(model: Any, **_kwargs: Any) -> Any:
        calls["n"] += 1
        http = AWSResponse("https://access-analyzer.us-east-1.amazonaws.com/", 200, {}, None)
        return (http, {**answers[model.name], "ResponseMetadata": {"HTTPStatusCode": 200}})

    client.meta.events.register("before-call.accessanalyzer.*", lambda model, params, **kw: respond(model))
    return client, calls


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--roles", type=int, default=300)
    parser.add_argument("--stacks", type=int, default=6)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cfn-validation", action="store_true",
                        help="keep CDK's built-in CloudFormation validation on (as the main job does)")
    args = parser.parse_args()

    from least_privilege_constructs import LeastPrivilegeValidation
    from least_privilege_constructs.access_analyzer import resolve_settings
    from least_privilege_constructs.access_analyzer.mode import wrap_with_cache
    from least_privilege_constructs.access_analyzer.online import AccessAnalyzerBackend

    def offline_gate(tmp: str) -> Any:
        return LeastPrivilegeValidation(context={"mode": "offline", "cacheDir": os.path.join(tmp, "cache"),
                                                 "reportPath": os.path.join(tmp, "report.json")}, quiet=True)

    timed_synth(20, 2, None)  # warm the jsii runtime
    plain, gated, inside = [], [], []
    for _ in range(args.repeat):
        t, _ = timed_synth(args.roles, args.stacks, None)
        plain.append(t)
        t, gate = timed_synth(args.roles, args.stacks, offline_gate)
        gated.append(t)
        inside.append(gate.last_report.seconds)
    findings = len(gate.last_report.findings)

    # online: first synth asks Access Analyzer, the second (unchanged app, same cache) asks nothing
    with tempfile.TemporaryDirectory() as cache_dir:
        client, calls = canned_client()
        settings = resolve_settings({"mode": "online", "cacheDir": cache_dir})
        online_calls = []
        for _ in range(2):
            before = calls["n"]
            backend = wrap_with_cache(AccessAnalyzerBackend(client, max_concurrency=8), settings)
            with tempfile.TemporaryDirectory() as tmp:
                gate = LeastPrivilegeValidation(context={"reportPath": os.path.join(tmp, "r.json")},
                                                quiet=True, backend=backend)
                app = build(args.roles, args.stacks, os.path.join(tmp, "cdk.out"), gate)
                app.synth()
            online_calls.append(calls["n"] - before)

    result = {
        "cdk_builtin_cloudformation_validation": args.cfn_validation,
        "roles": args.roles,
        "stacks": args.stacks,
        "plain_synth_s_median": round(statistics.median(plain), 2),
        "gated_synth_s_median": round(statistics.median(gated), 2),
        "overhead_ratio": round(statistics.median(gated) / statistics.median(plain), 3),
        "gate_analysis_s_median": round(statistics.median(inside), 2),
        "findings": findings,
        "online_api_calls_first_synth": online_calls[0],
        "online_api_calls_second_synth": online_calls[1],
    }
    print(json.dumps(result, indent=2))
    suffix = "_cfn_validation" if args.cfn_validation else ""
    out = ROOT / "benchmarks" / "results" / f"gate_overhead{suffix}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
