"""IAM semantics live once, in ``analysis/iam/``: no ``fnmatch`` anywhere, no hand-split ARNs elsewhere.

The package source is read with :mod:`ast` (comments and strings never count):

* any ``import fnmatch`` / ``from fnmatch import ...`` fails (in ``fnmatch`` ``[`` is a character class;
  in IAM it is a literal — use :mod:`least_privilege_constructs.analysis.iam.wildcards`);
* a ``.split(":")`` / ``.rsplit(":")`` call outside ``analysis/iam/`` fails when it is ARN-shaped: no
  maxsplit or a maxsplit other than 1 (cutting into three or more fields is what ARN parsing does), or
  any maxsplit when the receiver's source text says ``arn``. ``service:action``, condition-key prefixes
  and ``Service:name`` principal keys split once and pass; better still, use ``split_action``/
  ``service_of`` and :class:`~least_privilege_constructs.analysis.iam.arn.Arn`.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[3] / "least_privilege_constructs"
SEMANTICS = PACKAGE / "analysis" / "iam"

ALLOWED_ARN_SPLITS: dict[str, str] = {}
"""Package-relative file -> the (substring of the) call text allowed there."""


@functools.cache
def _sources() -> list[tuple[str, ast.Module]]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        out.append((path.relative_to(PACKAGE).as_posix(), ast.parse(path.read_text(encoding="utf-8"), str(path))))
    return out


def _imports_fnmatch(node: ast.AST) -> bool:
    if isinstance(node, ast.Import):
        return any(alias.name.split(".")[0] == "fnmatch" for alias in node.names)
    if isinstance(node, ast.ImportFrom):
        return (node.module or "").split(".")[0] == "fnmatch"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "__import__":
        return bool(node.args) and isinstance(node.args[0], ast.Constant) and node.args[0].value == "fnmatch"
    return False


def arn_shaped_split(node: ast.AST) -> bool:
    """Whether ``node`` is a ``.split(":")``/``.rsplit(":")`` call of the ARN-parsing shape."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return False
    if node.func.attr not in ("split", "rsplit"):
        return False
    sep = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "sep"), None)
    if not (isinstance(sep, ast.Constant) and sep.value == ":"):
        return False
    maxsplit = node.args[1] if len(node.args) > 1 else next((k.value for k in node.keywords if k.arg == "maxsplit"), None)
    if not (isinstance(maxsplit, ast.Constant) and maxsplit.value == 1):
        return True
    return "arn" in ast.unparse(node.func.value).lower()


def test_no_fnmatch_anywhere() -> None:
    offenders = [f"{rel}:{node.lineno}" for rel, tree in _sources() for node in ast.walk(tree) if _imports_fnmatch(node)]
    assert not offenders, f"fnmatch is not IAM wildcard matching; use analysis.iam.wildcards: {offenders}"


def test_no_hand_split_arns_outside_the_semantics_layer() -> None:
    offenders = []
    for rel, tree in _sources():
        if (PACKAGE / rel).is_relative_to(SEMANTICS):
            continue
        for node in ast.walk(tree):
            if arn_shaped_split(node):
                text = ast.unparse(node)
                if ALLOWED_ARN_SPLITS.get(rel, "\0") in text:
                    continue
                offenders.append(f"{rel}:{node.lineno}: {text}")
    assert not offenders, "parse ARNs with analysis.iam.Arn (or split_action for actions):\n" + "\n".join(offenders)


def test_allow_list_is_exact() -> None:
    """Every allow-listed entry still matches something (stale entries must be removed)."""
    sources = dict(_sources())
    for rel, text in ALLOWED_ARN_SPLITS.items():
        tree = sources[rel]
        assert any(arn_shaped_split(n) and text in ast.unparse(n) for n in ast.walk(tree)), rel


def test_the_scanner_itself() -> None:
    def flagged(src: str) -> bool:
        return any(arn_shaped_split(n) for n in ast.walk(ast.parse(src)))

    assert flagged('x.split(":")')
    assert flagged('x.split(":", 5)')
    assert flagged('x.rsplit(":", 2)')
    assert flagged('x.split(sep=":", maxsplit=5)')
    assert flagged('role_arn.split(":", 1)')
    assert not flagged('action.split(":", 1)')
    assert not flagged('x.split("/")')
    assert not flagged('# arn.split(":")\ny = "arn.split(\':\')"')
    assert _imports_fnmatch(ast.parse("from fnmatch import fnmatchcase").body[0])
    assert _imports_fnmatch(ast.parse("import fnmatch").body[0])
