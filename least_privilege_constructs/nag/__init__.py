"""The cdk-nag 3 pack for least privilege (:class:`~least_privilege_constructs.nag.pack.LeastPrivilegeChecks`).

Layout: ``rules/`` (one pure rule function a file), ``rule_set`` (ids, levels, messages), ``stack_view`` and
``assembly_index`` (the synthesized templates, no jsii), ``acknowledgments``, ``config``, ``docs`` (the
generated rules table) and ``pack`` (the only module that imports ``aws_cdk``/``cdk_nag``). Importing this
package loads nothing heavy; ``from least_privilege_constructs import LeastPrivilegeChecks`` loads the pack.
"""
