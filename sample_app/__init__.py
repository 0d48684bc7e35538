"""The sample organization: a realistic app built only from the library's public API.

``python -m sample_app`` (or ``npx cdk synth`` with the project's ``cdk.json``) synthesizes it with every
guardrail on, offline.
"""
