"""The callers of the IAM matcher answer alike: the case the review found (``iam:[!x]*`` matched
``iam:PassRole`` in the nag pack and the escalation analysis through ``fnmatch``, but not in the core).

IAM User Guide, "IAM JSON policy elements: Action"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html): the only
wildcards are ``*`` and ``?``; ``[`` is an ordinary character.
"""

from __future__ import annotations

import pytest

from least_privilege_constructs.analysis.catalog import get_catalog
from least_privilege_constructs.analysis.escalation.methods import method
from least_privilege_constructs.analysis.iam.wildcards import action_matches
from least_privilege_constructs.analysis.reasoning import Request, evaluate
from least_privilege_constructs.analysis.rules.kms_key_admin_only import _grants_all_kms

BRACKETS = ("iam:[!x]*", "iam:[a-z]assRole", "iam:[P]assRole")


@pytest.mark.parametrize("pattern", BRACKETS)
def test_brackets_are_literal_everywhere(pattern: str) -> None:
    assert not action_matches(pattern, "iam:PassRole")
    assert get_catalog().expand_action(pattern) == frozenset()
    assert not method("B1").enabled_by({pattern.replace("PassRole", "CreateRole")})
    doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": pattern, "Resource": "*"}]}
    request = Request("arn:aws:iam::111122223333:role/dev", "iam:PassRole", "arn:aws:iam::111122223333:role/x")
    assert not evaluate(request, doc).allowed


def test_wildcards_agree_everywhere() -> None:
    assert action_matches("iam:Pass*", "iam:PassRole")
    assert "iam:PassRole" in get_catalog().expand_action("iam:Pass*")
    assert "iam:PassRole" in get_catalog().expand_action("i?m:P*ss*")
    assert method("B1").enabled_by({"iam:Create*"})
    assert method("B1").enabled_by({"IAM:createrole"})


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [("kms:*", True), ("*", True), ("*:*", True), ("k*:*", True), ("kms*", True), ("KMS:*", True),
     ("kms:Decrypt", False), ("kms:*Key", False), ("[k]ms:*", False), ("s3:*", False)],
)
def test_kms_admin_rule_reads_what_a_pattern_grants(pattern: str, expected: bool) -> None:
    assert _grants_all_kms(pattern) is expected
