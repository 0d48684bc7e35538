"""Strategy 9: remove excess privilege over time, from evidence of use (see the README's ``lpc refine``).

* :mod:`.bundle` — the evidence bundle format (versioned, a JSON Schema) and its loader;
* :mod:`.decisions` — per action: unused-confirmed, used or undetermined;
* :mod:`.refine` — refined policies, proven subsets of the originals, with the guardrails;
* :mod:`.scp` — SCPs denying the services an OU or account never used, packed under the SCP size limit;
* :mod:`.identities` — unused roles, access keys and passwords;
* :mod:`.report` — the report ranked by risk (Markdown and JSON) and the files to review.

Pure Python (no boto3, no ``aws_cdk``): the collectors in ``least_privilege_constructs.collect`` write the
bundles. Names load lazily.
"""

from __future__ import annotations

from least_privilege_constructs._lazy import lazy_exports

_P = "least_privilege_constructs.analysis.refine."
_EXPORTS: dict[str, str] = {
    "RefineError": _P + "errors",
    "load_bundle": _P + "bundle",
    "new_bundle": _P + "bundle",
    "merge_bundles": _P + "bundle",
    "Decision": _P + "decisions",
    "LastAccessed": _P + "decisions",
    "RefineOptions": _P + "refine",
    "refine_bundle": _P + "refine",
    "refine_document": _P + "refine",
    "ScpOptions": _P + "scp",
    "unused_service_scps": _P + "scp",
    "unused_identities": _P + "identities",
    "render_markdown": _P + "report",
    "render_json": _P + "report",
    "write_outputs": _P + "report",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
