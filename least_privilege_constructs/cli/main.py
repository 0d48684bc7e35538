"""``lpc``: the entry point. Exit codes: 0 clean, 2 blocking findings, 1 usage or internal error.

Argparse's own usage errors (exit 2 by default) are turned into exit 1 so that 2 always means
"blocking findings". Errors print one line (``lpc: ...``); set ``LPC_DEBUG=1`` for a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence
from typing import Any, NoReturn

from least_privilege_constructs.analysis.catalog import CatalogError
from least_privilege_constructs.cli.errors import CliError, UsageError

EXIT_CLEAN = 0
EXIT_ERROR = 1
EXIT_BLOCKING = 2


class ArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors raise :class:`UsageError` (exit 1) instead of exiting with 2."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}\n{self.format_usage().strip()}")


class _VersionAction(argparse._VersionAction):
    """``--version``: the package version and the IAM catalog snapshot that answers (read only when asked)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: Any, values: Any, option_string: Any = None) -> None:
        from least_privilege_constructs.analysis.catalog import get_catalog

        try:
            catalog = get_catalog().describe()
        except (CatalogError, OSError, ValueError, KeyError) as exc:
            catalog = f"unreadable ({exc})"
        self.version = f"{self.version} (IAM catalog: {catalog})"
        super().__call__(parser, namespace, values, option_string)


def build_parser(argv: Sequence[str] | None = None) -> ArgumentParser:
    """The ``lpc`` parser. Given ``argv`` whose first argument is a known command, only that command's
    module is imported (fast start); otherwise every command is registered (for ``--help``)."""
    from least_privilege_constructs import __version__
    from least_privilege_constructs.cli.commands import COMMANDS, command_name, register_all

    parser = ArgumentParser(
        prog="lpc",
        description="Least-privilege checks for IAM policies in CDK cloud assemblies and CloudFormation "
                    "templates (offline; no aws_cdk needed).",
        epilog="Exit codes: 0 no blocking findings, 2 blocking findings, 1 usage or internal error.",
    )
    parser.add_argument("--version", action=_VersionAction, version=f"lpc {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=ArgumentParser)
    subparsers.required = True
    first = next((a for a in argv or () if not a.startswith("-")), None)
    only = first if first in {command_name(c) for c in COMMANDS} else None
    register_all(subparsers, only)
    return parser


VERDICT_COMMANDS = frozenset({"validate-policy", "validate", "escalation", "check-no-new-access",
                              "check-access-not-granted", "check-no-public-access", "gate", "diff"})
"""Commands whose exit code is a verdict: a reader that goes away never turns theirs into 0 (clean)."""


class _QuietWhenClosed:
    """stderr for the length of one run: once the reader of a pipe is gone (``lpc gate 2>&1 | head``), further
    progress and summary lines are dropped, and the run goes on to its verdict (its exit code)."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self.closed_by_reader = False

    def write(self, text: str) -> int:
        if not self.closed_by_reader:
            try:
                return int(self._stream.write(text))
            except BrokenPipeError:
                self.closed_by_reader = True
        return len(text)

    def flush(self) -> None:
        if not self.closed_by_reader:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self.closed_by_reader = True

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``lpc`` with ``argv`` (default ``sys.argv[1:]``); returns the exit code."""
    stderr = sys.stderr
    quiet = _QuietWhenClosed(stderr)
    sys.stderr = quiet  # type: ignore[assignment]
    try:
        return _run(argv)
    finally:
        sys.stderr = stderr
        if quiet.closed_by_reader:
            from least_privilege_constructs.cli.files import silence

            silence(stderr)


def _run(argv: Sequence[str] | None) -> int:
    command: str | None = None
    try:
        arguments = list(argv) if argv is not None else sys.argv[1:]
        parser = build_parser(arguments)
        args = parser.parse_args(arguments)
        command = getattr(args, "command", None)
        code = int(args.handler(args))
    except UsageError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_ERROR
    except CliError as exc:
        print(f"lpc: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except CatalogError as exc:  # LPC_IAM_CATALOG names a snapshot that cannot be read
        print(f"lpc: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except SystemExit as exc:  # --help / --version
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else EXIT_ERROR)
    except KeyboardInterrupt:
        print("lpc: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # lpc ... | head: the reader has what it wanted; end quietly
        from least_privilege_constructs.cli.files import silence_stdout

        silence_stdout()
        # a listing cut short is fine; a verdict cut short is no verdict: never "clean" (fail closed)
        return EXIT_ERROR if command in VERDICT_COMMANDS else EXIT_CLEAN
    except Exception as exc:
        if os.environ.get("LPC_DEBUG"):
            traceback.print_exc()
        print(f"lpc: internal error: {type(exc).__name__}: {exc} (set LPC_DEBUG=1 for a traceback)",
              file=sys.stderr)
        return EXIT_ERROR
    return code


def entry_point() -> NoReturn:  # pragma: no cover - the console script
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
