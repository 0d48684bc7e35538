"""The analysis backends: the same questions answered offline or by IAM Access Analyzer.

Pure Python + boto3 (never imports ``aws_cdk``). Public names load lazily::

    from least_privilege_constructs.access_analyzer import (
        AnalysisRequest, resolve_settings, select_backend,
    )
    backend, reason = select_backend(resolve_settings(cdk_json="cdk.json"))
    results = backend.run([AnalysisRequest.validate_policy(doc, "IDENTITY_POLICY", origin=origin)])
"""

from __future__ import annotations

from least_privilege_constructs._lazy import lazy_exports

_EXPORTS: dict[str, str] = {
    # interface and model
    "Backend": "least_privilege_constructs.access_analyzer.backend",
    "AnalysisRequest": "least_privilege_constructs.analysis.request",
    "AnalysisResult": "least_privilege_constructs.analysis.request",
    "Check": "least_privilege_constructs.analysis.outcome",
    "CheckOutcome": "least_privilege_constructs.analysis.outcome",
    "CheckStatus": "least_privilege_constructs.analysis.outcome",
    "Reason": "least_privilege_constructs.analysis.outcome",
    "ANALYSIS_FAILED": "least_privilege_constructs.analysis.outcome",
    "analysis_failed": "least_privilege_constructs.analysis.outcome",
    # implementations
    "OfflineBackend": "least_privilege_constructs.access_analyzer.offline",
    "AccessAnalyzerBackend": "least_privilege_constructs.access_analyzer.online",
    "CachingBackend": "least_privilege_constructs.access_analyzer.cache",
    "ResultCache": "least_privilege_constructs.access_analyzer.cache",
    "CacheLocationError": "least_privilege_constructs.access_analyzer.cache",
    "plan_access_batches": "least_privilege_constructs.access_analyzer.batching",
    # settings and mode
    "Settings": "least_privilege_constructs.access_analyzer.settings",
    "SettingsError": "least_privilege_constructs.access_analyzer.settings",
    "resolve_settings": "least_privilege_constructs.access_analyzer.settings",
    "add_arguments": "least_privilege_constructs.access_analyzer.settings",
    "overrides_from_args": "least_privilege_constructs.access_analyzer.settings",
    "select_backend": "least_privilege_constructs.access_analyzer.mode",
    "BackendSelectionError": "least_privilege_constructs.access_analyzer.mode",
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
