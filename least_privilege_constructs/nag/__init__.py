"""The cdk-nag 3 pack for least privilege (:class:`~least_privilege_constructs.nag.pack.LeastPrivilegeChecks`).

The rules are pure functions in the analysis core (:mod:`least_privilege_constructs.analysis.rules`: one
rule a file, ``rule_set`` with ids, levels and messages, ``stack_view`` and ``assembly_index`` over the
synthesized templates, ``acknowledgments``, ``config``), so ``lpc gate`` runs the same rules. Here: ``pack``
(maps the ids to cdk-nag, the only module that imports ``aws_cdk``/``cdk_nag``), ``config`` (re-exported)
and ``docs`` (the generated rules table). Importing this
package loads nothing heavy; ``from least_privilege_constructs import LeastPrivilegeChecks`` loads the pack.
"""
