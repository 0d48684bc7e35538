"""Entry point of ``cdk.json``'s app: build the sample organization and synthesize it."""

from __future__ import annotations

import os

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from least_privilege_constructs.validation.synth import synth
from sample_app.app import build_app

if __name__ == "__main__":
    synth(build_app())
