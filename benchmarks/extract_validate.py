"""Benchmark: extraction and ``lpc validate`` on a large generated template, and CLI start-up.

    .venv/bin/python benchmarks/extract_validate.py [ROLES]

Prints: template size, extraction time, validation time per policy, CLI wall time for a small template
(start-up) and for the large one; writes them to ``benchmarks/results/extract_validate.json``."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def make_template(roles: int) -> dict:
    resources: dict = {
        "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {}},
        "Boundary": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": {
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:*", "sqs:*"], "Resource": "*"}]}}},
    }
    for i in range(roles):
        resources[f"Role{i}"] = {"Type": "AWS::IAM::Role", "Metadata": {"aws:cdk:path": f"App/Role{i}/Resource"},
                                 "Properties": {
            "PermissionsBoundary": {"Ref": "Boundary"},
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
            "Policies": [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
                 "Resource": {"Fn::Sub": "${Bucket.Arn}/role" + str(i) + "/*"}},
                {"Effect": "Allow", "Action": "sqs:SendMessage",
                 "Resource": {"Fn::Sub": "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:q" + str(i)}},
            ]}}],
        }}
    return {"Resources": resources}


def main() -> None:
    roles = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    from least_privilege_constructs.analysis.extract import extract_policies
    from least_privilege_constructs.analysis.pipeline import ValidationOptions, validate_extraction

    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "big.template.json"
        big.write_text(json.dumps(make_template(roles)))
        small = Path(tmp) / "small.template.json"
        small.write_text(json.dumps(make_template(1)))
        t0 = time.perf_counter()
        extraction = extract_policies(big)
        t1 = time.perf_counter()
        run = validate_extraction(extraction, ValidationOptions())
        t2 = time.perf_counter()
        n = len(extraction.policies)
        print(f"template: {big.stat().st_size / 1e6:.1f} MB, {roles} roles, {n} policies")
        print(f"extraction: {t1 - t0:.2f} s ({(t1 - t0) / n * 1e3:.2f} ms/policy)")
        print(f"validation: {t2 - t1:.2f} s ({(t2 - t1) / n * 1e3:.2f} ms/policy), {len(run.findings)} findings")
        results = {
            "roles": roles, "policies": n, "template_mb": round(big.stat().st_size / 1e6, 2),
            "extraction_s": round(t1 - t0, 3), "validation_s": round(t2 - t1, 3), "findings": len(run.findings),
        }
        lpc = [sys.executable, "-m", "least_privilege_constructs.cli", "validate"]
        for label, path in (("small", small), ("large", big)):
            times = []
            for _ in range(3):
                s = time.perf_counter()
                subprocess.run([*lpc, str(path)], capture_output=True, check=False)
                times.append(time.perf_counter() - s)
            print(f"lpc validate ({label}): best of 3 {min(times):.2f} s")
            results[f"lpc_validate_{label}_s"] = round(min(times), 3)
        out = Path(__file__).with_name("results") / "extract_validate.json"
        out.parent.mkdir(exist_ok=True)
        out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
