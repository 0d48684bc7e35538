"""Acknowledgments read from a cloud assembly: those of the constructs above the stacks (the app, stages), which
this library records on each stack (``least-privilege:acknowledged-rules-above``), acknowledge findings of the
recording stack only; CDK's own record wins; nothing recorded on one stack reaches another.

CDK writes ``Validations.of(x).acknowledge(...)`` as ``aws:cdk:acknowledged-rules`` metadata of the constructs
inside a stack (https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.Validations.html)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from least_privilege_constructs.analysis.acknowledgments import (
    ACKNOWLEDGED_ABOVE,
    ACKNOWLEDGED_RULES,
    Acknowledgments,
)

ACK = "LeastPrivilege-PolicyValidation::PASS_ROLE_WITH_STAR_IN_RESOURCE"


def _stack(name: str, metadata: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    return {"type": "aws:cloudformation:stack", "environment": "aws://111122223333/eu-west-1",
            "displayName": name, "properties": {"templateFile": f"{name.replace('/', '')}.template.json"},
            "metadata": metadata}


def _assembly(tmp_path: Path, stacks: dict[str, dict[str, list[dict[str, Any]]]]) -> Path:
    """A cloud assembly whose stacks (construct path -> metadata) sit in a stage's nested assembly."""
    nested = tmp_path / "assembly-Prod"
    nested.mkdir()
    artifacts = {name.replace("/", ""): _stack(name, metadata) for name, metadata in stacks.items()}
    (nested / "manifest.json").write_text(json.dumps({"version": "48.0.0", "artifacts": artifacts}))
    (tmp_path / "manifest.json").write_text(json.dumps({"version": "48.0.0", "artifacts": {
        "assembly-Prod": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "assembly-Prod"}}}}))
    return tmp_path


def _above(records: dict[str, dict[str, str]]) -> dict[str, Any]:
    return {"type": ACKNOWLEDGED_ABOVE, "data": records}


def _cdk(reasons: dict[str, str]) -> dict[str, Any]:
    return {"type": ACKNOWLEDGED_RULES, "data": reasons}


@pytest.mark.parametrize(
    ("metadata", "path", "expected"),
    [
        # the stage's acknowledgment, recorded on the stack, covers that stack's findings
        ({"/Prod/Api": [_above({"/Prod": {ACK: "stage-wide, SEC-2"}})]}, "Prod/Api/Role/Resource",
         ("/Prod", "stage-wide, SEC-2")),
        # ... and never a sibling stack's, which records nothing
        ({"/Prod/Api": [_above({"/Prod": {ACK: "stage-wide, SEC-2"}})]}, "Prod/Db/Role/Resource", None),
        # the app's, recorded on the stack of a stage
        ({"/Prod/Api": [_above({"/": {ACK: "app-wide, SEC-3"}})]}, "Prod/Api/Role/Resource", ("/", "app-wide, SEC-3")),
        # a blank reason stays blank: found, acknowledging nothing
        ({"/Prod/Api": [_above({"/Prod": {ACK: " "}})]}, "Prod/Api/Role/Resource", ("/Prod", "")),
        # a record for a path that is not above the stack (its own constructs, another stack) is ignored
        ({"/Prod/Api": [_above({"/Prod/Api/Role": {ACK: "inside"}, "/Prod/Db": {ACK: "sibling"}})]},
         "Prod/Api/Role/Resource", None),
        ({"/Prod/Api": [_above({"/Prod/Db": {ACK: "sibling"}})]}, "Prod/Db/Role/Resource", None),
        # a record anywhere but on the stack's own path is not this library's
        ({"/Prod/Api/Role": [_above({"/Prod": {ACK: "misplaced"}})]}, "Prod/Api/Role/Resource", None),
        # CDK's own record of the same path and id wins (both valid in the stack that carries them only)
        ({"/Prod": [_cdk({ACK: ""})], "/Prod/Api": [_above({"/Prod": {ACK: "ours"}})]}, "Prod/Api/Role/Resource",
         ("/Prod", "")),
        # a CDK entry for another stack's constructs, written into this stack's metadata, acknowledges nothing
        ({"/Prod/Db/Role": [_cdk({ACK: "smuggled"})]}, "Prod/Db/Role/Resource", None),
    ],
    ids=["stage-ack-own-stack", "stage-ack-not-sibling", "app-ack", "blank-stays-blank", "not-above-ignored",
         "sibling-path-ignored", "misplaced-record-ignored", "cdk-wins-above",
         "cdk-entry-of-another-stack"],
)
def test_lookup_of_acknowledgments_above_the_stacks(tmp_path: Path, metadata: dict[str, list[dict[str, Any]]],
                                                     path: str, expected: tuple[str, str] | None) -> None:
    # given a stage with two stacks, Api carrying the metadata, Db nothing
    cdk_out = _assembly(tmp_path, {"Prod/Api": metadata, "Prod/Db": {}})
    # when the acknowledgments are read from the assembly and looked up for a finding's construct path
    found = Acknowledgments.read(cdk_out).lookup(path, ACK)
    # then the answer is the one the recording stack may give
    assert found == expected


def test_listing_keeps_cdks_reason_and_names_each_path_once(tmp_path: Path) -> None:
    # given two stacks of a stage recording the stage's acknowledgment, and one of them CDK's own for the stage
    cdk_out = _assembly(tmp_path, {
        "Prod/Api": {"/Prod/Api": [_above({"/Prod": {ACK: "ours"}, "/": {"X::Y": "app"}})],
                     "/Prod": [_cdk({ACK: "cdk's"})]},
        "Prod/Db": {"/Prod/Db": [_above({"/Prod": {ACK: "ours"}})]},
    })
    # when every acknowledgment is listed (lpc diff lists them for review)
    listed = Acknowledgments.read(cdk_out).all_by_path()
    # then each path and id once, CDK's reason where it recorded one
    assert listed == {"/Prod": {ACK: "cdk's"}, "/": {"X::Y": "app"}}


def test_lpc_diff_lists_an_acknowledgment_above_the_stacks_once(tmp_path: Path) -> None:
    from least_privilege_constructs.analysis.diff.acknowledgments import added_acknowledgments

    # given a stage's acknowledgment recorded on both of its stacks
    cdk_out = _assembly(tmp_path, {"Prod/Api": {"/Prod/Api": [_above({"/Prod": {ACK: "stage-wide, SEC-2"}})]},
                                   "Prod/Db": {"/Prod/Db": [_above({"/Prod": {ACK: "stage-wide, SEC-2"}})]}})
    # when lpc diff lists the acknowledgments the change brings (no earlier assembly)
    listed = added_acknowledgments(None, Acknowledgments.read(cdk_out))
    # then the stage's is listed once, on the stage, with its reason
    assert [(f.details["constructPath"], f.details["acknowledgmentId"], f.details["reason"]) for f in listed] == \
        [("/Prod", ACK, "stage-wide, SEC-2")]
