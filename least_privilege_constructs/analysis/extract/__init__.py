"""Every policy in a cloud assembly, template or policy file, with intrinsics resolved and its origin.

Pure Python (no ``aws_cdk``). Inputs: a ``cdk.out`` directory (every stack, nested stacks, StackSet
templates, stages), CloudFormation templates (JSON or YAML, short-form tags included), directories of
them, and plain policy JSON files.

    >>> from least_privilege_constructs.analysis.extract import extract_policies
    >>> extraction = extract_policies(["cdk.out"])                       # doctest: +SKIP
    >>> for policy in extraction.policies:                               # doctest: +SKIP
    ...     print(policy.kind, policy.policy_type, policy.origin.label())
    >>> for role in extraction.roles:                                    # doctest: +SKIP
    ...     print(role.name, role.boundary_arn)
"""

from least_privilege_constructs.analysis.extract.extractor import (
    ExtractionOptions,
    Extractor,
    extract_policies,
)
from least_privilege_constructs.analysis.extract.intrinsics import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    StackContext,
)
from least_privilege_constructs.analysis.extract.model import (
    ExtractedPolicy,
    Extraction,
    PolicyKind,
    Principal,
    PrincipalKind,
    SkippedItem,
    TemplateInfo,
)

__all__ = [
    "DEFAULT_ACCOUNT",
    "DEFAULT_REGION",
    "ExtractedPolicy",
    "Extraction",
    "ExtractionOptions",
    "Extractor",
    "PolicyKind",
    "Principal",
    "PrincipalKind",
    "SkippedItem",
    "StackContext",
    "TemplateInfo",
    "extract_policies",
]
