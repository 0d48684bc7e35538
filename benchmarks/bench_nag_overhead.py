"""Synth overhead of LeastPrivilegeChecks on a 300-role app over several stacks.

    .venv/bin/python benchmarks/bench_nag_overhead.py [--roles 300] [--stacks 6] [--repeat 3]

Builds the same app three times per round — without a validation plugin, with a no-op plugin (what CDK
itself costs once any plugin is registered: report, construct tree, suppressions) and with
``LeastPrivilegeChecks`` — and synthesizes each (CloudFormation's built-in validation off, so only the
plugin differs). Prints the median times, the ratios, and the time spent inside the pack's ``validate``. The app: ``--stacks`` stacks,
``--roles`` roles spread over them, each role under ``/app/`` with a bucket grant, a queue grant, a scoped
PassRole and a KMS grant, the boundary applied late by CDK's aspect; one bucket, queue and key per stack.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
os.environ["CDK_VALIDATION"] = "false"
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _noop_plugin():  # type: ignore[no-untyped-def]
    """A validation plugin that checks nothing: CDK's own cost of running any plugin."""
    import jsii
    from aws_cdk import IPolicyValidationPlugin, PolicyValidationPluginReport

    @jsii.implements(IPolicyValidationPlugin)
    class Noop:
        @property
        def name(self) -> str:
            return "Noop"

        @property
        def rule_ids(self) -> None:
            return None

        @property
        def version(self) -> None:
            return None

        def validate(self, context):  # type: ignore[no-untyped-def]
            return PolicyValidationPluginReport(success=True, violations=[])

    return Noop()


def build(roles: int, stacks: int, outdir: str, plugin: str):  # type: ignore[no-untyped-def]
    from aws_cdk import App, Stack, Validations
    from aws_cdk import aws_iam as iam
    from aws_cdk import aws_kms as kms
    from aws_cdk import aws_s3 as s3
    from aws_cdk import aws_sqs as sqs

    from least_privilege_constructs import LeastPrivilegeChecks

    app = App(outdir=outdir, context={"least-privilege": {"boundaryName": "lpc-developer-boundary",
                                                           "applicationPath": "/app/"}})
    platform = Stack(app, "Platform")
    boundary = iam.ManagedPolicy(platform, "Boundary", managed_policy_name="lpc-developer-boundary",
                                 path="/boundaries/",
                                 statements=[iam.PolicyStatement(actions=["s3:*", "sqs:*", "kms:Decrypt"],
                                                                 resources=["*"])])
    per_stack = -(-roles // stacks)
    made = 0
    for s in range(stacks):
        stack = Stack(app, f"App{s}")
        bucket = s3.Bucket(stack, "Data", enforce_ssl=True)
        queue = sqs.Queue(stack, "Jobs", enforce_ssl=True)
        key = kms.Key(stack, "Key", enable_key_rotation=True)
        for r in range(min(per_stack, roles - made)):
            role = iam.Role(stack, f"Worker{r}", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                            path="/app/")
            bucket.grant_read(role)
            queue.grant_send_messages(role)
            key.grant_decrypt(role)
            role.add_to_policy(iam.PolicyStatement(
                actions=["iam:PassRole"], resources=[f"arn:aws:iam::123456789012:role/app/worker-{s}-{r}"],
                conditions={"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}))
            made += 1
        iam.PermissionsBoundary.of(stack).apply(boundary)
    if plugin == "pack":
        Validations.of(app).add_plugins(LeastPrivilegeChecks(app))
    elif plugin == "noop":
        Validations.of(app).add_plugins(_noop_plugin())
    return app


def cpu_seconds() -> float:
    """CPU time of this process plus its live children (the jsii kernel's node process): unlike wall time,
    barely affected by other load on the machine. Linux only (reads /proc); elsewhere, this process only."""
    total = time.process_time()
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    me = os.getpid()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == me:  # ppid
            total += (int(fields[11]) + int(fields[12])) / tick  # utime + stime
    return total


def timed_synth(roles: int, stacks: int, plugin: str) -> tuple[float, float, float]:
    """(wall seconds to build + synthesize, CPU seconds of python + node, wall seconds inside the pack)."""
    from least_privilege_constructs.nag.pack import LeastPrivilegeChecks

    inside = [0.0]
    original = LeastPrivilegeChecks.validate

    def measured(self, context):  # type: ignore[no-untyped-def]
        t = time.perf_counter()
        try:
            return original(self, context)
        finally:
            inside[0] += time.perf_counter() - t

    LeastPrivilegeChecks.validate = measured  # type: ignore[method-assign]
    try:
        with tempfile.TemporaryDirectory(prefix="bench-nag-") as outdir:
            t0, c0 = time.perf_counter(), cpu_seconds()
            app = build(roles, stacks, outdir, plugin)
            app.synth()
            return time.perf_counter() - t0, cpu_seconds() - c0, inside[0]
    finally:
        LeastPrivilegeChecks.validate = original  # type: ignore[method-assign]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--roles", type=int, default=300)
    parser.add_argument("--stacks", type=int, default=6)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    t = time.perf_counter()
    import aws_cdk  # noqa: F401  (jsii start-up, excluded from the figures)

    print(f"jsii start-up: {time.perf_counter() - t:.1f} s")
    timed_synth(20, 2, "pack")  # warm-up: loads the IAM catalog and every code path once
    wall: dict[str, list[float]] = {"none": [], "noop": [], "pack": []}
    cpu: dict[str, list[float]] = {k: [] for k in wall}
    inside: list[float] = []
    for _ in range(args.repeat):
        for plugin in wall:  # interleaved, so machine-load drift hits every variant alike
            w, c, pack = timed_synth(args.roles, args.stacks, plugin)
            wall[plugin].append(w)
            cpu[plugin].append(c)
            if plugin == "pack":
                inside.append(pack)
    mw = {k: statistics.median(v) for k, v in wall.items()}
    mc = {k: statistics.median(v) for k, v in cpu.items()}
    print(f"app: {args.roles} roles over {args.stacks} stacks (+ platform stack), {args.repeat} rounds")
    labels = {"none": "no validation plugin", "noop": "a no-op plugin (CDK's cost)", "pack": "LeastPrivilegeChecks"}
    for k, label in labels.items():
        print(f"build+synth, {label:<28} CPU median {mc[k]:.2f} s, wall median {mw[k]:.2f} s "
              f"(wall runs: {', '.join(f'{x:.2f}' for x in wall[k])})")
    print(f"wall time inside the pack's validate: median {statistics.median(inside):.2f} s")
    print(f"ratio pack / no plugin:    CPU {mc['pack'] / mc['none']:.2f}x, wall {mw['pack'] / mw['none']:.2f}x")
    print(f"ratio pack / no-op plugin: CPU {mc['pack'] / mc['noop']:.2f}x, wall {mw['pack'] / mw['noop']:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
