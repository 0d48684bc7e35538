"""The template core and the ``lpc templates`` command never import aws_cdk / jsii."""

from __future__ import annotations

import subprocess
import sys

CODE = """
import sys
from least_privilege_constructs import PolicyTemplate, TemplateCatalog
from least_privilege_constructs.templates import lint, docs
from least_privilege_constructs.cli.commands import templates
c = TemplateCatalog.builtin()
for t in c:
    lint.lint_template(t)
docs.render_docs()
assert templates.main(["list"]) == 0
bad = sorted(m for m in sys.modules if m.split(".")[0] in ("aws_cdk", "jsii", "constructs", "cdk_nag"))
print("LOADED", bad)
"""


def test_no_cdk_import() -> None:
    proc = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "LOADED []"
