"""The CI/CD validation stage for CDK Pipelines: :class:`PolicyValidationStage` (``lpc gate`` and
``lpc diff`` in CodeBuild, broadening to a manual approval). Imports ``aws_cdk``; loaded on first use."""

from __future__ import annotations

from least_privilege_constructs._lazy import lazy_exports

_EXPORTS: dict[str, str] = {
    "PolicyValidationStage": "least_privilege_constructs.pipeline.validation_stage",
    "default_install_commands": "least_privilege_constructs.pipeline.validation_stage",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
