"""The ``lpc`` command line: ``lpc extract``, ``lpc validate-policy``, ``lpc validate`` and the custom
checks. Runs on a ``cdk.out`` without jsii (never imports ``aws_cdk``); see ``docs/cli.md``.

Subcommands live in :mod:`least_privilege_constructs.cli.commands`, one module each, listed in
``COMMANDS`` there.
"""
