"""``arn_matches`` against the independent evaluator ``@cloud-copilot/iam-simulate`` (run as an external
``node`` process through the differential harness; AGPL, never imported).

Each case is one identity policy ``Allow <action> on <pattern>`` and one request on ``<arn>``: Allowed in
iam-simulate iff the pattern matches. The rule under test is the module docstring of
:mod:`least_privilege_constructs.analysis.iam.wildcards` (IAM User Guide, Resource element,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html, and the ARN
condition operators). Where iam-simulate answers otherwise, :data:`DIFFERENCES` says why the documentation
reading is kept.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from least_privilege_constructs.analysis.iam.wildcards import arn_matches

ROOT = Path(__file__).resolve().parents[3]
HARNESS = ROOT / "tests" / "analysis" / "reasoning" / "iam_simulate_harness.js"
ROLE = "arn:aws:iam::111122223333:role/app/deploy"
FN = "arn:aws:lambda:us-east-1:111122223333:function:f:2"
QUEUE = "arn:aws:sqs:us-east-1:111122223333:q"

AGREE = [
    ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b", "s3:GetObject"),
    ("arn:aws:s3:::Bucket/*", "arn:aws:s3:::bucket/a", "s3:GetObject"),
    ("arn:aws:s3:::*", "arn:aws:s3:::bucket/a", "s3:GetObject"),
    ("arn:aws:s3:::b?", "arn:aws:s3:::b1", "s3:ListBucket"),
    ("arn:aws:s3:::[ab]", "arn:aws:s3:::a", "s3:ListBucket"),
    ("arn:aws:iam::*:role/app/*", ROLE, "iam:GetRole"),
    ("arn:aws:iam::1*:role/*", ROLE, "iam:GetRole"),
    ("arn:aws:iam::*:deploy", ROLE, "iam:GetRole"),
    ("arn:aws:*:role/app/deploy", ROLE, "iam:GetRole"),
    ("arn:*:iam::111122223333:role/app/deploy", ROLE, "iam:GetRole"),
    ("arn:*:111122223333:role/app/deploy", ROLE, "iam:GetRole"),
    ("arn:aws:iam::111122223333:role*", ROLE, "iam:GetRole"),
    ("arn:aws:lambda:*:*:function:f*", FN, "lambda:InvokeFunction"),
    ("arn:aws:lambda:*:*:function:f", FN, "lambda:InvokeFunction"),
    ("arn:aws:lambda:*:*:function:*:2", FN, "lambda:InvokeFunction"),
    ("arn:aws:s3:*", "arn:aws:s3:::bucket/key", "s3:GetObject"),
    ("arn:aws:*", "arn:aws:s3:::bucket/key", "s3:GetObject"),
    ("arn:aws:*", "arn:aws-cn:s3:::bucket/key", "s3:GetObject"),
    ("arn:aws:s3:*x", "arn:aws:s3:::bucket/key", "s3:GetObject"),
    ("arn:aws:sqs:us-*:111122223333:q", QUEUE, "sqs:SendMessage"),
    ("arn:aws:sqs:us-?ast-1:111122223333:q", QUEUE, "sqs:SendMessage"),
    ("arn:aws:sqs:*:111122223333:*", QUEUE, "sqs:SendMessage"),
    ("arn:aws:sqs:*:*2:q", QUEUE, "sqs:SendMessage"),
    ("arn:aws:sqs:*:*3:q", QUEUE, "sqs:SendMessage"),
]

DIFFERENCES = {
    # iam-simulate compares partition/service/region/account case-insensitively; the Resource page says
    # ARNs are case-sensitive and names no exception for these segments.
    ("arn:aws:S3:::bucket/*", "arn:aws:s3:::bucket/a", "s3:GetObject"): False,
    # iam-simulate takes the resource type (up to the first "/" or ":") literally; the Resource page
    # allows "*" and "?" in any segment and says "*" matches any combination of characters.
    ("arn:aws:iam::111122223333:*/deploy", "arn:aws:iam::111122223333:role/deploy", "iam:GetRole"): True,
    ("arn:aws:iam::111122223333:r*/deploy", "arn:aws:iam::111122223333:role/deploy", "iam:GetRole"): True,
    # iam-simulate pads a short ARN without a wildcard in identity policies; the Resource page documents
    # the expansion only for a segment whose last character is "*" (Access Analyzer reports such an ARN).
    ("arn:aws:s3", "arn:aws:s3:::bucket/a", "s3:GetObject"): False,
}


def _simulate(cases: list[tuple[str, str, str]]) -> list[bool]:
    if shutil.which("node") is None:
        pytest.fail("node is not installed: this cross-check needs Node.js 20 (see scripts/setup.sh)")
    lines = [
        json.dumps({
            "id": i, "principal": "arn:aws:iam::111122223333:role/dev", "action": action, "resource": arn,
            "accountId": "111122223333", "context": {}, "scps": [], "rcps": [],
            "identity": [{"Version": "2012-10-17",
                          "Statement": [{"Effect": "Allow", "Action": action, "Resource": pattern}]}],
        })
        for i, (pattern, arn, action) in enumerate(cases)
    ]
    proc = subprocess.run(["node", str(HARNESS)], input="\n".join(lines) + "\n", capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    answers = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    assert proc.returncode == 0 and len(answers) == len(cases), (proc.returncode, proc.stderr[-500:], answers[:1])
    assert not [a for a in answers if "result" not in a], answers
    return [a["result"] == "Allowed" for a in answers]


def test_arn_matches_agrees_with_iam_simulate() -> None:
    cases = AGREE + list(DIFFERENCES)
    simulated = _simulate(cases)
    for (pattern, arn, action), sim in zip(cases, simulated, strict=True):
        ours = arn_matches(pattern, arn)
        if (pattern, arn, action) in DIFFERENCES:
            assert ours is DIFFERENCES[(pattern, arn, action)] and sim is not ours, (pattern, arn, sim, ours)
        else:
            assert ours is sim, (pattern, arn, sim, ours)
