"""Errors the CLI reports as one line (exit code 1), never as a traceback."""

from __future__ import annotations


class CliError(Exception):
    """A usage or input error: printed as ``lpc: <message>``, exit code 1."""


class UsageError(CliError):
    """Bad command-line arguments (argparse's errors become this, exit code 1 rather than 2)."""
