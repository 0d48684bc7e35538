"""Compatibility path: :mod:`least_privilege_constructs.analysis.templates.catalog` (the pure template catalog lives
in the analysis core). Importing this module gives the core module itself, so attributes, private helpers and
monkeypatches are shared."""

from __future__ import annotations

import sys

from least_privilege_constructs.analysis.templates import catalog as _core
from least_privilege_constructs.analysis.templates.catalog import *  # noqa: F403

if __name__ != "__main__":
    sys.modules[__name__] = _core
