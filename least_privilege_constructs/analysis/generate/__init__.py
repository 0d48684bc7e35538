"""Least-privilege policies generated from recorded CloudTrail activity, offline (``lpc generate-policy``).

Pure Python (botocore's service models are read as data; no boto3, no ``aws_cdk``). Modules:
``records`` (streaming input), ``mapping`` (operation -> IAM actions, with the cited data file
``data/operation_actions.json``), ``resources`` (ARNs from events and catalog ARN formats), ``policy``
(aggregation, statements, size split, validation, provenance, replay).

Example::

    >>> from least_privilege_constructs.analysis.generate import OperationMapper
    >>> OperationMapper().map("s3.amazonaws.com", "HeadObject").actions
    ('s3:GetObject',)
"""

from __future__ import annotations

from least_privilege_constructs._lazy import lazy_exports

_P = "least_privilege_constructs.analysis.generate."
_EXPORTS: dict[str, str] = {
    "GenerateError": _P + "errors",
    "generate_policy": _P + "policy",
    "replay": _P + "policy",
    "GeneratedPolicy": _P + "policy",
    "ReplayResult": _P + "policy",
    "Selector": _P + "policy",
    "needs_of": _P + "policy",
    "OperationMapper": _P + "mapping",
    "OperationMapping": _P + "mapping",
    "Unmapped": _P + "mapping",
    "coverage": _P + "mapping",
    "load_mapping_file": _P + "mapping",
    "load_service_reference": _P + "mapping",
    "resources_for": _P + "resources",
    "iter_records": _P + "records",
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
