"""The check modules, one per family. Importing this package registers every check."""

from least_privilege_constructs.analysis.validate.checks import (  # noqa: F401
    actions,
    conditions,
    ip,
    org,
    passrole,
    principals,
    redundancy,
    resources,
    size,
    syntax,
    tags,
    trust,
    unsupported,
    variables,
)
