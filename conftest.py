"""Doctests of the package run with the test suite (``--doctest-modules`` over ``least_privilege_constructs``,
see pyproject's pytest options). Only modules whose text holds an example (``>>>``) are collected: the
others are never imported by collection, so a CDK module without examples does not start jsii, and no
example synthesizes an app (examples that would are marked ``# doctest: +SKIP``)."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent / "least_privilege_constructs"


def pytest_ignore_collect(collection_path: Path) -> bool | None:
    path = Path(collection_path)
    if path.suffix != ".py" or PACKAGE not in path.parents:
        return None
    try:
        return ">>>" not in path.read_text(encoding="utf-8")
    except OSError:
        return None
