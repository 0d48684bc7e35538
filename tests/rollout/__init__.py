"""Tests of least_privilege_constructs.rollout."""
