"""``StackSetTemplateSynthesizer``: a stack synthesized as a StackSet template, not as a deployable stack.

A stack that uses this synthesizer and is handed to an
:class:`~least_privilege_constructs.rollout.organization_rollout.OrganizationRollout` is written into the
cloud assembly as ``<artifact id>.template.json`` but is *not* a stack artifact: ``cdk list`` does not show
it and ``cdk deploy --all`` cannot deploy it into the management account by mistake (like a nested
stack). The rollout puts that template into its ``AWS::CloudFormation::StackSet`` — inline as
``TemplateBody`` or, above CloudFormation's inline limit, as a file asset referenced by ``TemplateURL``.

A stack with this synthesizer that no rollout uses is emitted as an ordinary stack artifact that needs
no bootstrap (no assets, no bootstrap-version rule), e.g. to deploy the defaults into one account.

Rules that keep the template valid in every account and region:

* **no assets** (``add_file_asset``/``add_docker_image_asset`` fail): an asset would live in the
  management account's bootstrap bucket, which member accounts cannot read. IAM-only stacks need none.
* **environment-agnostic**: account and region are the pseudo parameters of the account the stack
  instance runs in (checked by the rollout).
* **no bootstrap-version rule**: member accounts are not CDK-bootstrapped.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aws_cdk import FileAssetSource, ISynthesisSession, StackSynthesizer

TemplateListener = Callable[[Path, FileAssetSource], None]
"""Called once the template file is written: its path and its file-asset descriptor (name, hash)."""


class StackSetTemplateSynthesizer(StackSynthesizer):
    """Synthesizes a stack as a StackSet template (see the module docstring)."""

    def __init__(self) -> None:
        super().__init__()
        self._listeners: list[TemplateListener] = []

    def on_template(self, listener: TemplateListener) -> None:
        """Register a consumer of the template (an ``OrganizationRollout``); the stack then is no artifact."""
        self._listeners.append(listener)

    @property
    def consumed(self) -> bool:
        """Whether a rollout uses this template (and the stack is therefore not a stack artifact)."""
        return bool(self._listeners)

    def add_file_asset(self, *args: Any, **kwargs: Any) -> Any:  # jsii passes the FileAssetSource struct
        raise RuntimeError(
            "[LPC-ROLLOUT-030] a StackSet template cannot use file assets (Lambda code, S3 assets, ...): they "
            "would be published to the management account's bootstrap bucket, which the member accounts "
            "cannot read; keep the template IAM-only or reference artifacts by parameter"
        )

    def add_docker_image_asset(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("[LPC-ROLLOUT-030] a StackSet template cannot use Docker image assets")

    def synthesize(self, session: ISynthesisSession) -> None:
        source = self._synthesize_template(session)
        if not self._listeners:
            # not rolled out: an ordinary stack, deployable without a bootstrapped environment
            self._emit_artifact(session)
            return
        path = Path(os.path.join(session.outdir, source.file_name or ""))
        for listener in self._listeners:
            listener(path, source)
