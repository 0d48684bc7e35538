"""The condition-key facts the reasoning reads (analysis/iam/condition_keys.py), checked against the
examples of the IAM User Guide and the AWS API references they cite."""

from __future__ import annotations

import doctest

import pytest

from least_privilege_constructs.analysis.iam import condition_keys
from least_privilege_constructs.analysis.iam.condition_keys import (
    anonymous_value,
    identifier_format,
    identifier_keys,
    is_multivalued,
    key_info,
    presence,
)
from least_privilege_constructs.analysis.reasoning.strings import Glob


def test_doc_examples_run() -> None:
    assert doctest.testmod(condition_keys).failed == 0


@pytest.mark.parametrize("key,value", [
    ("aws:PrincipalOrgID", "o-a1b2c3d4e5"),  # Organizations API reference, Organization.Id
    ("aws:PrincipalOrgPaths", "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/ou-ab12-22222222/"),  # global keys page
    ("aws:SourceVpce", "vpce-1a2b3c4d"),
    ("aws:SourceVpce", "vpce-1a2b3c4d5e6f1a2b3"),
    ("aws:SourceVpc", "vpc-111bbb22"),
    ("aws:userid", "AIDACKCEVSQ6C2EXAMPLE"),  # IAM identifiers, unique ids
    ("aws:userid", "AROADBQP57FF2AEXAMPLE:session"),
    ("aws:userid", "111122223333"),  # root: the account id (Variables and tags, principal key values)
    ("aws:userid", "111122223333:caller-specified-name"),  # federated user
    ("aws:PrincipalAccount", "111122223333"),
    ("aws:PrincipalType", "AssumedRole"),
])
def test_documented_values_fit_the_format(key: str, value: str) -> None:
    fmt = identifier_format(key)
    assert fmt is not None and fmt.source.startswith("https://")
    assert any(Glob.format(alt).matches(value) for alt in fmt.alternatives), (key, value)


@pytest.mark.parametrize("key,value", [
    ("aws:PrincipalOrgID", "org-1234"), ("aws:SourceVpce", "vpc-1a2b3c4d"), ("aws:PrincipalAccount", "1234"),
    ("aws:PrincipalAccount", "11112222333a"),
])
def test_other_values_do_not(key: str, value: str) -> None:
    fmt = identifier_format(key)
    assert fmt is not None and not any(Glob.format(alt).matches(value) for alt in fmt.alternatives)


def test_every_format_parses() -> None:
    for key in identifier_keys():
        fmt = identifier_format(key)
        assert fmt is not None and all(Glob.format(a).steps for a in fmt.alternatives)


def test_presence_facts() -> None:
    assert presence("aws:PrincipalOrgID").org_members_only and not presence("aws:PrincipalOrgID").always_for_signed
    assert presence("AWS:PrincipalArn").always_for_signed and presence("aws:PrincipalArn").principal_key
    assert presence("aws:PrincipalTag/team").principal_key and not presence("aws:PrincipalTag/team").always_for_signed
    assert not presence("aws:SourceVpce").principal_key
    assert anonymous_value("aws:userid") == "anonymous" and anonymous_value("aws:PrincipalType") == "Anonymous"
    assert anonymous_value("aws:username") is None


def test_types_from_the_catalog_and_the_global_table() -> None:
    assert is_multivalued("aws:TagKeys") is True and is_multivalued("aws:SourceIp") is False
    assert is_multivalued("custom:undocumented") is None
    info = key_info("s3:prefix")
    assert info is not None and info.type == "String" and not info.is_global
    info = key_info("aws:ResourceTag/team")
    assert info is not None and info.is_global
