"""``OrganizationRollout``: a StackSet that deploys a template stack to every account of an organization.

Example (in the management or the delegated-administrator account's stack)::

    from aws_cdk import App, Stack
    from least_privilege_constructs import (
        DefaultPolicies, FederationProvider, OperationPreferences, OrganizationRollout,
    )

    app = App()
    management = Stack(app, "OrgManagement")
    defaults = DefaultPolicies(management, "DefaultPolicies", security_account_id="111122223333",
                               federation=FederationProvider.saml("corp-idp"))
    OrganizationRollout(
        management, "DefaultPoliciesRollout",
        template=defaults,
        organizational_unit_ids=["ou-ab12-workload1", "ou-ab12-sandbox01"],
        exclude_accounts=["444455556666"],        # e.g. a break-glass account
        regions=["eu-west-1"],                    # IAM is global: one region per account
        delegated_admin=True,                     # deployed from a delegated administrator account
        retain_stacks_on_account_removal=False,   # an account leaving the OU loses the defaults
        operation_preferences=OperationPreferences(max_concurrent_percentage=25,
                                                   failure_tolerance_percentage=10),
    )

**The engine is CloudFormation StackSets** (``AWS::CloudFormation::StackSet``); nothing in this library
deploys to accounts itself. With ``SERVICE_MANAGED`` permissions (the default) StackSets uses the
organization's trusted access; auto-deployment adds the stack to every account that joins a target OU and
removes (or retains) it when the account leaves. ``SELF_MANAGED`` permissions (``permission_model=
"SELF_MANAGED"``, target ``accounts``) are for users without AWS Organizations: the administration role in
this account (``create_administration_role=True`` creates ``AWSCloudFormationStackSetAdministrationRole``)
assumes the execution role ``AWSCloudFormationStackSetExecutionRole`` that each target account must have.

**Why ``CfnStackSet`` and not ``cdk-stacksets``** (cdklabs, evaluated at 0.0.157 against aws-cdk-lib 2.275).
``cdk-stacksets`` covers the same StackSet features (service-managed with auto-deployment, delegated admin,
OU targets with one account filter, operation preferences, managed execution, capabilities) and its
``StackSetStack`` keeps the template out of the stack artifacts. We still build on the L1 ``CfnStackSet``:

* **Template delivery.** ``cdk-stacksets`` always ships the template as a file asset (``TemplateURL``): a
  bootstrapped management account and asset publishing even for a 10 KB IAM-only template, and the template
  is absent from the management stack's own template. Here it is inlined as ``TemplateBody`` while it fits
  CloudFormation's 51,200-byte limit — visible to every reviewer, diff and validator in the management
  template, deployable without asset publishing — and becomes a file asset + ``TemplateURL`` only above it.
* **Stability.** It is experimental 0.0.x ("subject to non-backward compatible changes or removal ... not
  subject to semver"), released weekly; a guardrail library should not pass such churn on to its users.
* **Validation.** It checks a few combinations (one account filter, retain-without-auto-deploy) but not the
  id shapes, empty or malformed regions, failure tolerance vs concurrency, region order, nor the
  one-region rule for global IAM templates, which this construct rejects at construction.
* **Its strength is not needed.** Its value is assets for templates that *have* them (Lambda code copied to
  organization-readable per-region buckets). IAM-only default policies need none, and
  :class:`StackSetTemplateSynthesizer` rejects assets with an explanation.
* **Cost of doing it ourselves** is small: the synthesizer that writes the template into the assembly
  without a stack artifact is ~40 lines. (Load time is not a reason: importing ``cdk-stacksets`` adds only
  0.1–0.4 s to a synth here.)

**Template delivery** (``template_delivery``): ``"auto"`` (default) inlines the minified template when it is
at most 51,200 bytes (CloudFormation's ``TemplateBody`` limit) and otherwise registers the template file as a
file asset of the management stack and sets ``TemplateURL`` (limit 1 MB); ``"inline"`` and ``"url"`` force one.
Either way the template file ``<artifact id>.template.json`` is in ``cdk.out``; the StackSet resource's
metadata ``least-privilege:stackset-template`` names it, and in URL mode the standard
``aws:asset:path``/``aws:asset:property`` metadata (as on nested stacks) points at the asset as well.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import jsii
from aws_cdk import (
    Aws,
    CfnTag,
    FileAssetSource,
    IResolvable,
    IResolveContext,
    Stack,
    Token,
)
from aws_cdk import aws_cloudformation as cfn
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3_assets as s3_assets
from constructs import Construct

from least_privilege_constructs.errors import LeastPrivilegeError, construct_path
from least_privilege_constructs.rollout.operation_preferences import OperationPreferences
from least_privilege_constructs.rollout.synthesizer import StackSetTemplateSynthesizer
from least_privilege_constructs.rollout.targets import (
    check_account_ids,
    check_ou_ids,
    check_regions,
    check_stack_set_name,
    is_token,
)

TEMPLATE_BODY_MAX_BYTES = 51_200
"""CloudFormation: the largest ``TemplateBody`` passed inline."""
TEMPLATE_URL_MAX_BYTES = 1_000_000
"""CloudFormation: the largest template read from S3 (``TemplateURL``)."""

DEFAULT_ADMINISTRATION_ROLE_NAME = "AWSCloudFormationStackSetAdministrationRole"
DEFAULT_EXECUTION_ROLE_NAME = "AWSCloudFormationStackSetExecutionRole"
TEMPLATE_METADATA_KEY = "least-privilege:stackset-template"

PermissionModel = Literal["SERVICE_MANAGED", "SELF_MANAGED"]
TemplateDelivery = Literal["auto", "inline", "url"]


@jsii.implements(IResolvable)
class _LateValue:
    """A value known only once the template stack is synthesized (resolved after it, in the same synth)."""

    def __init__(self, produce: Any, what: str) -> None:
        self._produce = produce
        self._what = what

    @property
    def creation_stack(self) -> list[str]:
        return []

    @property
    def type_hint(self) -> Any:
        return None

    def resolve(self, context: IResolveContext) -> Any:
        ready, value = self._produce()
        if ready:
            return value
        if context.preparing:
            return self._what  # placeholder while CDK scans for cross-stack references
        raise RuntimeError(
            f"[LPC-ROLLOUT-040] the StackSet {self._what} was needed before its template stack was synthesized; "
            "define the template stack inside the stack that holds the OrganizationRollout"
        )

    def to_string(self) -> str:
        return Token.as_string(self)


class OrganizationRollout(Construct):
    """Rolls a template stack (typically :class:`DefaultPolicies`) out to an organization with a StackSet.

    :param template: the stack to deploy; built with :class:`StackSetTemplateSynthesizer` (``DefaultPolicies``
        is) and defined inside the stack that holds this construct.
    :param regions: the regions of the stack instances (non-empty; exactly one for IAM-only templates).
    :param organizational_unit_ids: target OUs (or the root ``r-xxxx``), ``SERVICE_MANAGED`` only.
    :param exclude_accounts: accounts of those OUs that are skipped (``AccountFilterType: DIFFERENCE``).
    :param accounts: ``SELF_MANAGED``: the target accounts; ``SERVICE_MANAGED``: accounts added to the OUs'
        (``UNION``) — not together with ``exclude_accounts``.
    :param permission_model: ``SERVICE_MANAGED`` (default, AWS Organizations) or ``SELF_MANAGED``.
    :param delegated_admin: the stack is deployed in a delegated administrator account (``CallAs:
        DELEGATED_ADMIN``) rather than the management account (``SELF``).
    :param auto_deploy: deploy to accounts that join the OUs later (default ``True``, service-managed only).
    :param retain_stacks_on_account_removal: keep the stack (and its roles) in an account that leaves.
    :param operation_preferences: concurrency and failure tolerance (:class:`OperationPreferences`).
    :param managed_execution: let StackSets queue and run non-conflicting operations (default ``True``).
    :param stack_set_name: fixed StackSet name (default ``lpc-default-policies``).
    :param administration_role_arn / execution_role_name / create_administration_role: ``SELF_MANAGED`` roles.
    :param parameters: values of the template's CloudFormation parameters.
    :param template_delivery: ``auto`` / ``inline`` / ``url`` (see the module docstring).
    :param check_global_resources: refuse more than one region for templates holding IAM resources (IAM is
        global: a second region would create the same fixed names again and fail).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        template: Stack,
        regions: Sequence[str],
        organizational_unit_ids: Sequence[str] = (),
        exclude_accounts: Sequence[str] = (),
        accounts: Sequence[str] = (),
        permission_model: PermissionModel = "SERVICE_MANAGED",
        delegated_admin: bool = False,
        auto_deploy: bool | None = None,
        retain_stacks_on_account_removal: bool = False,
        operation_preferences: OperationPreferences | None = None,
        managed_execution: bool = True,
        stack_set_name: str = "lpc-default-policies",
        description: str | None = None,
        administration_role_arn: str | None = None,
        execution_role_name: str | None = None,
        create_administration_role: bool = False,
        parameters: Mapping[str, str] | None = None,
        tags: Mapping[str, str] | None = None,
        template_delivery: TemplateDelivery = "auto",
        check_global_resources: bool = True,
    ) -> None:
        where = construct_path(scope, construct_id)
        parent = Stack.of(scope)
        region_list = check_regions(where, "regions", regions)
        ous = check_ou_ids(where, "organizational_unit_ids", organizational_unit_ids)
        excluded = check_account_ids(where, "exclude_accounts", exclude_accounts)
        target_accounts = check_account_ids(where, "accounts", accounts)
        check_stack_set_name(where, stack_set_name)
        prefs = operation_preferences.validated(where, region_list) if operation_preferences else None
        if template_delivery not in ("auto", "inline", "url"):
            raise LeastPrivilegeError(
                "LPC-ROLLOUT-007",
                where,
                f"template_delivery {template_delivery!r} must be 'auto', 'inline' or 'url'",
            )

        if permission_model == "SERVICE_MANAGED":
            if not ous:
                raise LeastPrivilegeError(
                    "LPC-ROLLOUT-008",
                    where,
                    "a SERVICE_MANAGED StackSet targets organizational units: give organizational_unit_ids "
                    "(the root id 'r-xxxx' targets every account)",
                )
            if excluded and target_accounts:
                raise LeastPrivilegeError(
                    "LPC-ROLLOUT-008",
                    where,
                    "give exclude_accounts or accounts, not both: a StackSet instance group has one account "
                    "filter (DIFFERENCE or UNION); use a second OrganizationRollout for the other",
                )
            if administration_role_arn or execution_role_name or create_administration_role:
                raise LeastPrivilegeError(
                    "LPC-ROLLOUT-008",
                    where,
                    "administration and execution roles belong to SELF_MANAGED StackSets; a SERVICE_MANAGED "
                    "StackSet uses the organization's service-linked roles",
                )
            auto = True if auto_deploy is None else auto_deploy
            if retain_stacks_on_account_removal and not auto:
                raise LeastPrivilegeError(
                    "LPC-ROLLOUT-008", where, "retain_stacks_on_account_removal only applies with auto_deploy"
                )
        elif permission_model == "SELF_MANAGED":
            if ous or excluded:
                raise LeastPrivilegeError(
                    "LPC-ROLLOUT-009",
                    where,
                    "a SELF_MANAGED StackSet targets accounts: organizational_unit_ids and exclude_accounts "
                    "need SERVICE_MANAGED permissions (AWS Organizations)",
                )
            if not target_accounts:
                raise LeastPrivilegeError("LPC-ROLLOUT-009", where, "a SELF_MANAGED StackSet needs accounts")
            if auto_deploy or retain_stacks_on_account_removal:
                raise LeastPrivilegeError(
                    "LPC-ROLLOUT-009", where, "auto-deployment is a feature of SERVICE_MANAGED StackSets"
                )
            if delegated_admin:
                raise LeastPrivilegeError(
                    "LPC-ROLLOUT-009",
                    where,
                    "delegated administrators exist for SERVICE_MANAGED StackSets only",
                )
            if administration_role_arn and create_administration_role:
                raise LeastPrivilegeError(
                    "LPC-ROLLOUT-009",
                    where,
                    "give administration_role_arn or create_administration_role, not both",
                )
            auto = False
        else:
            raise LeastPrivilegeError(
                "LPC-ROLLOUT-008",
                where,
                f"permission_model {permission_model!r} must be 'SERVICE_MANAGED' or 'SELF_MANAGED'",
            )

        self._check_template(where, parent, template, region_list, check_global_resources)
        super().__init__(scope, construct_id)

        self.template = template
        """The template stack."""
        self.organizational_unit_ids: tuple[str, ...] = tuple(ous)
        """The target OUs (service-managed)."""
        self.target_accounts: tuple[str, ...] = tuple(target_accounts)
        """Self-managed: the target accounts; service-managed: accounts added to the OUs' (``UNION``)."""
        self.excluded_accounts: tuple[str, ...] = tuple(excluded)
        """Accounts of the OUs the StackSet skips (``DIFFERENCE``)."""
        self.permission_model: PermissionModel = permission_model
        self._delivery = template_delivery
        self._body: str | None = None
        self._url: str | None = None
        self._file_name: str | None = None
        self._asset_path: str | None = None
        self._size: int | None = None
        self._ready = False

        admin_role_arn = administration_role_arn
        self.administration_role: iam.Role | None = None
        """The administration role created with ``create_administration_role``."""
        exec_name = execution_role_name or (
            DEFAULT_EXECUTION_ROLE_NAME if permission_model == "SELF_MANAGED" else None
        )
        if create_administration_role:
            self.administration_role = iam.Role(
                self,
                "AdministrationRole",
                role_name=DEFAULT_ADMINISTRATION_ROLE_NAME,
                # confused-deputy protection (AWS's documented conditions): only this account's StackSet
                assumed_by=iam.ServicePrincipal("cloudformation.amazonaws.com").with_conditions(
                    {
                        "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
                        "ArnLike": {
                            "aws:SourceArn": f"arn:{Aws.PARTITION}:cloudformation:*:{Aws.ACCOUNT_ID}:stackset/"
                            f"{stack_set_name}:*"
                        },
                    }
                ),
                description="Lets CloudFormation StackSets assume the execution role in the target accounts",
                inline_policies={
                    "AssumeExecutionRole": iam.PolicyDocument(
                        statements=[
                            iam.PolicyStatement(
                                actions=["sts:AssumeRole"],
                                resources=[
                                    f"arn:{Aws.PARTITION}:iam::{account}:role/{exec_name}"
                                    for account in target_accounts
                                ],
                            )
                        ]
                    )
                },
            )
            admin_role_arn = self.administration_role.role_arn

        instances: dict[str, Any]
        if permission_model == "SERVICE_MANAGED":
            targets: dict[str, Any] = {"organizational_unit_ids": ous}
            if excluded:
                targets.update(accounts=excluded, account_filter_type="DIFFERENCE")
            elif target_accounts:
                targets.update(accounts=target_accounts, account_filter_type="UNION")
            instances = {"deployment_targets": cfn.CfnStackSet.DeploymentTargetsProperty(**targets)}
        else:
            instances = {
                "deployment_targets": cfn.CfnStackSet.DeploymentTargetsProperty(accounts=target_accounts)
            }

        prefs_cfn = prefs.to_cfn() if prefs else {}
        self.stack_set = cfn.CfnStackSet(
            self,
            "StackSet",
            stack_set_name=stack_set_name,
            permission_model=permission_model,
            description=description or template.template_options.description,
            capabilities=["CAPABILITY_NAMED_IAM"],
            auto_deployment=(
                cfn.CfnStackSet.AutoDeploymentProperty(
                    enabled=auto,
                    retain_stacks_on_account_removal=retain_stacks_on_account_removal if auto else None,
                )
                if permission_model == "SERVICE_MANAGED"
                else None
            ),
            call_as=("DELEGATED_ADMIN" if delegated_admin else "SELF")
            if permission_model == "SERVICE_MANAGED"
            else None,
            managed_execution={"Active": bool(managed_execution)},
            operation_preferences=(
                cfn.CfnStackSet.OperationPreferencesProperty(
                    max_concurrent_count=prefs_cfn.get("MaxConcurrentCount"),
                    max_concurrent_percentage=prefs_cfn.get("MaxConcurrentPercentage"),
                    failure_tolerance_count=prefs_cfn.get("FailureToleranceCount"),
                    failure_tolerance_percentage=prefs_cfn.get("FailureTolerancePercentage"),
                    region_concurrency_type=prefs_cfn.get("RegionConcurrencyType"),
                    region_order=prefs_cfn.get("RegionOrder"),
                    concurrency_mode=prefs_cfn.get("ConcurrencyMode"),
                )
                if prefs_cfn
                else None
            ),
            administration_role_arn=admin_role_arn if permission_model == "SELF_MANAGED" else None,
            execution_role_name=exec_name,
            parameters=(
                [
                    cfn.CfnStackSet.ParameterProperty(parameter_key=k, parameter_value=v)
                    for k, v in parameters.items()
                ]
                if parameters
                else None
            ),
            tags=[CfnTag(key=k, value=v) for k, v in tags.items()] if tags else None,
            stack_instances_group=[cfn.CfnStackSet.StackInstancesProperty(regions=region_list, **instances)],
            template_body=Token.as_string(_LateValue(lambda: (self._ready, self._body), "TemplateBody")),
            template_url=Token.as_string(_LateValue(lambda: (self._ready, self._url), "TemplateURL")),
        )
        """The ``AWS::CloudFormation::StackSet`` resource."""
        self.stack_set.add_metadata(
            TEMPLATE_METADATA_KEY,
            Token.as_string(_LateValue(lambda: (self._ready, self._file_name), "template file")),
        )
        self.stack_set.add_metadata(
            "aws:asset:path",
            Token.as_string(_LateValue(lambda: (self._ready, self._asset_path), "asset path")),
        )
        self.stack_set.add_metadata(
            "aws:asset:property",
            Token.as_string(
                _LateValue(lambda: (self._ready, "TemplateURL" if self._url else None), "asset property")
            ),
        )
        synthesizer = template.synthesizer
        assert isinstance(synthesizer, StackSetTemplateSynthesizer)
        synthesizer.on_template(self._on_template)

    # -- synthesis ---------------------------------------------------------------------------------------

    def _on_template(self, path: Path, source: FileAssetSource) -> None:
        """Called by the template's synthesizer once its template file is written (before this stack's)."""
        where = self.node.path
        text = path.read_text(encoding="utf-8")
        body = json.dumps(json.loads(text), separators=(",", ":"), ensure_ascii=False)
        size = len(body.encode("utf-8"))
        self._file_name = source.file_name
        self._size = size
        if size > TEMPLATE_URL_MAX_BYTES:
            raise RuntimeError(
                f"[LPC-ROLLOUT-041] {where}: the StackSet template {source.file_name} is {size} bytes, over "
                f"CloudFormation's {TEMPLATE_URL_MAX_BYTES}-byte limit for templates in S3; split it into "
                "several StackSets"
            )
        use_url = self._delivery == "url" or (self._delivery == "auto" and size > TEMPLATE_BODY_MAX_BYTES)
        if self._delivery == "inline" and size > TEMPLATE_BODY_MAX_BYTES:
            raise RuntimeError(
                f"[LPC-ROLLOUT-042] {where}: template_delivery='inline' but the StackSet template is {size} "
                f"bytes, over CloudFormation's {TEMPLATE_BODY_MAX_BYTES}-byte TemplateBody limit; use 'auto' "
                "or 'url' (a file asset in the bootstrap bucket)"
            )
        if use_url:
            try:
                # an Asset construct (not synthesizer.add_file_asset from Python: a reusable synthesizer is
                # bound as a copy that jsii maps back to the unbound original); adding it here, before this
                # stack is synthesized, stages the template as asset.<content hash>.json
                existing = self.node.try_find_child("TemplateAsset")  # a second synth of the same app
                asset = (
                    existing
                    if isinstance(existing, s3_assets.Asset)
                    else s3_assets.Asset(self, "TemplateAsset", path=str(path))
                )
            except Exception as exc:
                raise RuntimeError(
                    f"[LPC-ROLLOUT-043] {where}: the StackSet template ({size} bytes) must be published as a "
                    f"file asset for TemplateURL, but the stack's synthesizer refused it ({exc}); use the "
                    "DefaultStackSynthesizer (a bootstrapped account) for the management stack"
                ) from None
            self._url = asset.http_url
            self._asset_path = asset.asset_path
        else:
            self._body = body
        self._ready = True

    @property
    def template_file(self) -> str | None:
        """The template's file name in ``cdk.out`` (known after synthesis)."""
        return self._file_name

    @property
    def template_size(self) -> int | None:
        """The minified template's size in bytes (known after synthesis)."""
        return self._size

    @property
    def template_delivered_as(self) -> str | None:
        """``"TemplateBody"`` or ``"TemplateURL"`` (known after synthesis)."""
        if not self._ready:
            return None
        return "TemplateURL" if self._url else "TemplateBody"

    @staticmethod
    def _check_template(
        where: str, parent: Stack, template: Stack, regions: Sequence[str], check_global: bool
    ) -> None:
        if not isinstance(template, Stack) or not isinstance(
            template.synthesizer, StackSetTemplateSynthesizer
        ):
            raise LeastPrivilegeError(
                "LPC-ROLLOUT-011",
                where,
                "template must be a Stack synthesized with StackSetTemplateSynthesizer (e.g. DefaultPolicies)",
            )
        if not template.node.path.startswith(parent.node.path + "/"):
            raise LeastPrivilegeError(
                "LPC-ROLLOUT-011",
                where,
                f"the template stack {template.node.path} must be defined inside {parent.node.path} (the stack "
                "holding the rollout), so that it is synthesized first and becomes part of its assembly",
            )
        if not (Token.is_unresolved(template.account) and Token.is_unresolved(template.region)):
            raise LeastPrivilegeError(
                "LPC-ROLLOUT-011",
                where,
                f"the template stack {template.node.path} has the environment {template.account}/"
                f"{template.region}; a StackSet template must be environment-agnostic (its ARNs would "
                "name the wrong account in every member account)",
            )
        if check_global and len(regions) > 1:
            iam_resources = [
                c.node.path
                for c in template.node.find_all()
                if hasattr(c, "cfn_resource_type") and str(c.cfn_resource_type).startswith("AWS::IAM::")
            ]
            if iam_resources and not all(is_token(r) for r in regions):
                raise LeastPrivilegeError(
                    "LPC-ROLLOUT-012",
                    where,
                    f"regions {list(regions)}: the template holds IAM resources ({len(iam_resources)}, e.g. "
                    f"{iam_resources[0]}), and IAM is global — a second region would create the same named "
                    "roles and policies again in each account and fail; deploy to one region (or pass "
                    "check_global_resources=False for templates without fixed names)",
                )
