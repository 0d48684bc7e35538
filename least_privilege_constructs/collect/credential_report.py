"""The credential report: ``GenerateCredentialReport`` until ``State`` is ``COMPLETE``, then
``GetCredentialReport`` (a CSV; https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html).
"""

from __future__ import annotations

import csv
import io
from typing import Any

from least_privilege_constructs.analysis.refine.bundle import iso
from least_privilege_constructs.collect.calls import Caller


def credential_report(iam: Caller) -> dict[str, Any]:
    """The account's credential report as bundle JSON (``generatedAt`` and one dict per CSV row)."""
    iam.poll("generate_credential_report", "State", lambda s: s == "COMPLETE")
    report = iam("get_credential_report")
    content = report["Content"]
    text = content.decode("utf-8") if isinstance(content, bytes | bytearray) else str(content)
    rows = [dict(row) for row in csv.DictReader(io.StringIO(text))]
    return {"generatedAt": iso(report["GeneratedTime"]), "rows": rows}
