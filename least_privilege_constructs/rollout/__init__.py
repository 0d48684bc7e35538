"""rollout: the organization's default policies and their StackSet (see ``docs/rollout.md``).

``DefaultPolicies`` (the template stack), ``OrganizationRollout`` (the ``AWS::CloudFormation::StackSet``),
``StackSetTemplateSynthesizer``, ``FederationProvider`` and ``OperationPreferences`` are importable from the
package root; this package imports nothing itself, so the pure-Python parts load without ``aws_cdk``.
"""
