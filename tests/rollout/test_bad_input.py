"""Bad input fails at construction with a clear error naming the construct and the argument."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from least_privilege_constructs.errors import LeastPrivilegeError
from least_privilege_constructs.rollout.federation import FederationProvider
from least_privilege_constructs.rollout.operation_preferences import OperationPreferences

OU = "ou-ab12-workload1"
ACCOUNT = "111122223333"

# (id, OrganizationRollout kwargs on top of a valid service-managed rollout, code, text in the message)
ROLLOUT_CASES: list[tuple[str, dict[str, Any], str, str]] = [
    (
        "ou-id-too-short",
        {"organizational_unit_ids": ["ou-ab12-x"]},
        "LPC-ROLLOUT-003",
        "organizational_unit_ids[0] 'ou-ab12-x'",
    ),
    (
        "ou-id-uppercase",
        {"organizational_unit_ids": ["OU-AB12-WORKLOAD1"]},
        "LPC-ROLLOUT-003",
        "is not an organizational unit id",
    ),
    (
        "ou-id-is-an-account",
        {"organizational_unit_ids": [ACCOUNT]},
        "LPC-ROLLOUT-003",
        "this is an account id",
    ),
    (
        "ou-id-is-the-org",
        {"organizational_unit_ids": ["o-a1b2c3d4e5"]},
        "LPC-ROLLOUT-003",
        "this is the organization id",
    ),
    ("ou-ids-a-string", {"organizational_unit_ids": OU}, "LPC-ROLLOUT-001", "must be a list of strings"),
    ("ou-id-twice", {"organizational_unit_ids": [OU, OU]}, "LPC-ROLLOUT-001", "twice"),
    (
        "excluded-account-11-digits",
        {"exclude_accounts": ["11112222333"]},
        "LPC-ROLLOUT-002",
        "exclude_accounts[0] '11112222333'",
    ),
    ("excluded-account-as-int", {"exclude_accounts": [111122223333]}, "LPC-ROLLOUT-001", "must be a string"),
    ("account-with-dashes", {"accounts": ["1111-2222-3333"]}, "LPC-ROLLOUT-002", "exactly 12 digits"),
    ("no-regions", {"regions": []}, "LPC-ROLLOUT-004", "regions is empty"),
    ("region-typo", {"regions": ["eu-west"]}, "LPC-ROLLOUT-004", "'eu-west' is not a region name"),
    ("two-regions-for-iam", {"regions": ["eu-west-1", "us-east-1"]}, "LPC-ROLLOUT-012", "IAM is global"),
    (
        "tolerance-above-concurrency-count",
        {"operation_preferences": OperationPreferences(max_concurrent_count=2, failure_tolerance_count=5)},
        "LPC-ROLLOUT-010",
        "failure_tolerance_count (5) is above max_concurrent_count (2)",
    ),
    (
        "tolerance-above-concurrency-percentage",
        {
            "operation_preferences": OperationPreferences(
                max_concurrent_percentage=10, failure_tolerance_percentage=50
            )
        },
        "LPC-ROLLOUT-010",
        "failure_tolerance_percentage (50%) is above max_concurrent_percentage (10%)",
    ),
    (
        "strict-mode-concurrency-over-tolerance-plus-one",
        {"operation_preferences": OperationPreferences(max_concurrent_count=10, failure_tolerance_count=2)},
        "LPC-ROLLOUT-010",
        "STRICT_FAILURE_TOLERANCE",
    ),
    (
        "region-order-names-other-region",
        {"operation_preferences": OperationPreferences(region_order=["us-east-1"])},
        "LPC-ROLLOUT-010",
        "region_order names ['us-east-1']",
    ),
    (
        "no-ous-service-managed",
        {"organizational_unit_ids": []},
        "LPC-ROLLOUT-008",
        "give organizational_unit_ids",
    ),
    (
        "exclusions-and-additions",
        {"exclude_accounts": [ACCOUNT], "accounts": ["222233334444"]},
        "LPC-ROLLOUT-008",
        "not both",
    ),
    (
        "retain-without-auto-deploy",
        {"auto_deploy": False, "retain_stacks_on_account_removal": True},
        "LPC-ROLLOUT-008",
        "only applies with auto_deploy",
    ),
    ("execution-role-service-managed", {"execution_role_name": "X"}, "LPC-ROLLOUT-008", "SELF_MANAGED"),
    ("self-managed-with-ous", {"permission_model": "SELF_MANAGED"}, "LPC-ROLLOUT-009", "targets accounts"),
    (
        "self-managed-without-accounts",
        {"permission_model": "SELF_MANAGED", "organizational_unit_ids": []},
        "LPC-ROLLOUT-009",
        "needs accounts",
    ),
    (
        "self-managed-auto-deploy",
        {
            "permission_model": "SELF_MANAGED",
            "organizational_unit_ids": [],
            "accounts": [ACCOUNT],
            "auto_deploy": True,
        },
        "LPC-ROLLOUT-009",
        "auto-deployment",
    ),
    ("unknown-permission-model", {"permission_model": "ORGANIZATIONS"}, "LPC-ROLLOUT-008", "'ORGANIZATIONS'"),
    (
        "stack-set-name-underscore",
        {"stack_set_name": "lpc_defaults"},
        "LPC-ROLLOUT-006",
        "letters, digits and hyphens",
    ),
    ("unknown-delivery", {"template_delivery": "s3"}, "LPC-ROLLOUT-007", "'s3'"),
]

PREFERENCE_CASES: list[tuple[str, dict[str, Any], str]] = [
    ("count-and-percentage", {"max_concurrent_count": 1, "max_concurrent_percentage": 10}, "not both"),
    ("zero-concurrency", {"max_concurrent_count": 0}, "at least 1"),
    ("percentage-over-100", {"max_concurrent_percentage": 101}, "between 1 and 100"),
    ("negative-tolerance", {"failure_tolerance_count": -1}, "at least 0"),
    ("float-count", {"max_concurrent_count": 1.5}, "must be an integer"),
    ("bool-count", {"failure_tolerance_count": True}, "must be an integer"),
    ("bad-region-concurrency", {"region_concurrency": "ALL"}, "'SEQUENTIAL' or 'PARALLEL'"),
    ("bad-concurrency-mode", {"concurrency_mode": "LOOSE"}, "'STRICT_FAILURE_TOLERANCE' or"),
]


@pytest.mark.parametrize(
    ("kwargs", "message"), [c[1:] for c in PREFERENCE_CASES], ids=[c[0] for c in PREFERENCE_CASES]
)
def test_operation_preferences_rejected(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(LeastPrivilegeError, match="LPC-ROLLOUT-010") as info:
        OperationPreferences(**kwargs).validated("Mgmt/Rollout", ["eu-west-1"])
    assert message in str(info.value)
    assert "Mgmt/Rollout" in str(info.value)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_concurrent_count": 3, "failure_tolerance_count": 2},
        {
            "max_concurrent_count": 10,
            "failure_tolerance_count": 2,
            "concurrency_mode": "SOFT_FAILURE_TOLERANCE",
        },
        {"max_concurrent_percentage": 100, "failure_tolerance_percentage": 0},
        {"max_concurrent_count": 1},
        {},
    ],
    ids=["strict-plus-one", "soft-mode", "all-at-once-no-failures", "one-at-a-time", "aws-defaults"],
)
def test_operation_preferences_accepted(kwargs: dict[str, Any]) -> None:
    prefs = OperationPreferences(**kwargs).validated("Mgmt/Rollout", ["eu-west-1"])
    cfn = prefs.to_cfn()
    assert {k: v for k, v in cfn.items()} == {
        key: kwargs[name]
        for name, key in (
            ("max_concurrent_count", "MaxConcurrentCount"),
            ("max_concurrent_percentage", "MaxConcurrentPercentage"),
            ("failure_tolerance_count", "FailureToleranceCount"),
            ("failure_tolerance_percentage", "FailureTolerancePercentage"),
            ("concurrency_mode", "ConcurrencyMode"),
        )
        if name in kwargs
    }


FEDERATION_CASES: list[tuple[str, Any, str]] = [
    ("saml-name-with-space", lambda: FederationProvider.saml("corp idp"), "not a SAML provider name"),
    (
        "oidc-http-url",
        lambda: FederationProvider.oidc("http://idp.example.com", audience="a", subjects=["x"]),
        "not an https issuer",
    ),
    (
        "oidc-no-subjects",
        lambda: FederationProvider.oidc("https://idp.example.com", audience="a", subjects=[]),
        "every identity of the issuer",
    ),
    (
        "oidc-wildcard-subject",
        lambda: FederationProvider.oidc("https://idp.example.com", audience="a", subjects=["*"]),
        "pure wildcard",
    ),
    (
        "oidc-no-audience",
        lambda: FederationProvider.oidc("https://idp.example.com", audience="", subjects=["x"]),
        "audience is required",
    ),
    (
        "identity-center-none",
        lambda: FederationProvider.identity_center([]),
        "one or more permission set names",
    ),
]


@pytest.mark.parametrize(
    ("build", "message"), [c[1:] for c in FEDERATION_CASES], ids=[c[0] for c in FEDERATION_CASES]
)
def test_federation_provider_rejected(build: Any, message: str) -> None:
    with pytest.raises(LeastPrivilegeError, match="LPC-ROLLOUT-020") as info:
        build()
    assert message in str(info.value)


# --- construction (jsii) -----------------------------------------------------------------------------

_counter = itertools.count()


@pytest.fixture(scope="module")
def app() -> Any:
    from aws_cdk import App

    return App()


def _management(app: Any) -> Any:
    from aws_cdk import Stack

    return Stack(app, f"Mgmt{next(_counter)}")


def _defaults(stack: Any, **kwargs: Any) -> Any:
    from least_privilege_constructs import DefaultPolicies

    options = {"security_account_id": "999988887777", "boundary_options": {"allowed_services": ["s3"]}}
    return DefaultPolicies(stack, "DefaultPolicies", **{**options, **kwargs})


@pytest.mark.synth
@pytest.mark.parametrize(
    ("kwargs", "code", "message"), [c[1:] for c in ROLLOUT_CASES], ids=[c[0] for c in ROLLOUT_CASES]
)
def test_rollout_rejected_at_construction(app: Any, kwargs: dict[str, Any], code: str, message: str) -> None:
    from least_privilege_constructs import OrganizationRollout

    stack = _management(app)
    template = _defaults(stack)
    arguments = {"template": template, "organizational_unit_ids": [OU], "regions": ["eu-west-1"], **kwargs}
    with pytest.raises(LeastPrivilegeError) as info:
        OrganizationRollout(stack, "Rollout", **arguments)
    assert info.value.code == code, str(info.value)
    assert message in str(info.value)
    assert info.value.where == f"{stack.node.path}/Rollout"


@pytest.mark.synth
def test_template_must_live_in_the_rollout_stack(app: Any) -> None:
    from least_privilege_constructs import OrganizationRollout

    template = _defaults(_management(app))
    other = _management(app)
    with pytest.raises(LeastPrivilegeError, match="LPC-ROLLOUT-011") as info:
        OrganizationRollout(
            other, "Rollout", template=template, organizational_unit_ids=[OU], regions=["eu-west-1"]
        )
    assert "must be defined inside" in str(info.value)


@pytest.mark.synth
def test_template_must_be_a_stackset_template(app: Any) -> None:
    from aws_cdk import Stack

    from least_privilege_constructs import OrganizationRollout

    stack = _management(app)
    plain = Stack(stack, "Plain")
    with pytest.raises(LeastPrivilegeError, match="LPC-ROLLOUT-011") as info:
        OrganizationRollout(
            stack, "Rollout", template=plain, organizational_unit_ids=[OU], regions=["eu-west-1"]
        )
    assert "StackSetTemplateSynthesizer" in str(info.value)


DEFAULTS_CASES: list[tuple[str, dict[str, Any], str, str]] = [
    (
        "security-account-10-digits",
        {"security_account_id": "9999888877"},
        "LPC-ROLLOUT-002",
        "security_account_id",
    ),
    ("organization-id-shape", {"organization_id": "org-123"}, "LPC-ROLLOUT-005", "not an organization id"),
    ("allowed-region-typo", {"allowed_regions": ["europe-1"]}, "LPC-ROLLOUT-004", "allowed_regions[0]"),
    ("role-path-without-slash", {"role_path": "lpc"}, "LPC-ROLLOUT-021", "role_path"),
    ("role-name-too-long", {"audit_role_name": "x" * 65}, "LPC-ROLLOUT-021", "audit_role_name"),
    (
        "same-role-names",
        {"read_only_role_name": "lpc-audit", "audit_role_name": "lpc-audit"},
        "LPC-ROLLOUT-021",
        "different names",
    ),
    (
        "audit-principal-other-account",
        {"audit_principal_arns": ["arn:aws:iam::123456789012:role/x"]},
        "LPC-ROLLOUT-021",
        "in the security account",
    ),
    (
        "regions-in-boundary-options",
        {"boundary_options": {"allowed_services": ["s3"], "allowed_regions": ["eu-west-1"]}},
        "LPC-ROLLOUT-021",
        "give the regions as allowed_regions",
    ),
    (
        "unknown-boundary-option",
        {"boundary_options": {"allowed_services": ["s3"], "colour": "red"}},
        "LPC-ROLLOUT-021",
        "boundary_options",
    ),
    (
        "empty-additional-policy",
        {"additional_managed_policies": {"lpc-x": []}},
        "LPC-ROLLOUT-021",
        "non-empty list",
    ),
    ("federation-not-a-provider", {"federation": "okta"}, "LPC-ROLLOUT-021", "FederationProvider"),
    ("short-external-id", {"audit_external_id": "x"}, "LPC-ROLLOUT-021", "audit_external_id"),
]


@pytest.mark.synth
@pytest.mark.parametrize(
    ("kwargs", "code", "message"), [c[1:] for c in DEFAULTS_CASES], ids=[c[0] for c in DEFAULTS_CASES]
)
def test_default_policies_rejected_at_construction(
    app: Any, kwargs: dict[str, Any], code: str, message: str
) -> None:
    stack = _management(app)
    with pytest.raises(LeastPrivilegeError) as info:
        _defaults(stack, **kwargs)
    assert info.value.code == code, str(info.value)
    assert message in str(info.value)
    assert f"{stack.node.path}/DefaultPolicies" in str(info.value)


@pytest.mark.synth
def test_stackset_template_rejects_assets(tmp_path: Any) -> None:
    from aws_cdk import App, Stack
    from aws_cdk import aws_s3_assets as s3_assets

    from least_privilege_constructs import OrganizationRollout

    app = App(outdir=str(tmp_path / "cdk.out"))
    stack = Stack(app, "Mgmt")
    template = _defaults(stack)
    (tmp_path / "code.txt").write_text("x")
    with pytest.raises(Exception, match="LPC-ROLLOUT-030"):
        s3_assets.Asset(template, "Code", path=str(tmp_path / "code.txt"))
    OrganizationRollout(
        stack, "Rollout", template=template, organizational_unit_ids=[OU], regions=["eu-west-1"]
    )
