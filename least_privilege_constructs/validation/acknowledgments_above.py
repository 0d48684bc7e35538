"""Record the acknowledgments of the constructs above the stacks (the app, its stages) in the cloud assembly.

CDK writes the metadata of the constructs inside a stack into that stack's entry of the cloud assembly, so
``Validations.of(role).acknowledge(...)`` reaches ``cdk.out`` and every reader of it. The metadata of the app
and of a ``Stage`` is written nowhere: without this module, ``lpc gate cdk.out`` would not see an
acknowledgment that ``cdk synth`` honours. :func:`record_acknowledgments_above` installs a hook that adds to
each top-level stack one :data:`~least_privilege_constructs.analysis.acknowledgments.ACKNOWLEDGED_ABOVE`
metadata entry, ``{"/Prod": {"<id>": "<reason>"}, "/": {...}}``: the acknowledgments of the stack's ancestors,
reasons as given (a blank one stays blank, and acknowledges nothing). The gate reads them back with
:meth:`~least_privilege_constructs.analysis.acknowledgments.Acknowledgments.read`, valid for that stack's
findings only, so ``cdk synth`` and ``lpc gate`` read the same acknowledgments from the same assembly.

``LeastPrivilegeValidation``, ``LeastPrivilegeChecks``, ``BoundaryEnforcement.apply`` and
:func:`~least_privilege_constructs.validation.synth.synth` install it. The hook is a construct validation
(``node.add_validation``) of the app and of each stage: CDK synthesizes a stage on its own (its nested stages
first), and calls a stage's validations after its Aspects and its prepare step, just before it collects its
stacks' metadata. So the record is taken after the app's code and every Aspect (an acknowledgment made after
the plugins were attached is recorded too), and it costs one call per stage, where an Aspect would be called
back for every construct. A stage that exists when one of the four is called is covered: ``synth(app)`` (the
README's wiring) runs after the app's code, so it reaches every stage; a stage created later and synthesized
by ``app.synth()`` records nothing, and the plugins report it (:func:`unrecorded_violations`).

    >>> from aws_cdk import Acknowledgment, App, Stack, Stage, Validations
    >>> app = App(builtin_cloud_formation_validation=False)
    >>> prod = Stage(app, "Prod")
    >>> record_acknowledgments_above(app)
    >>> stack = Stack(prod, "Api")  # created after: recorded all the same
    >>> Validations.of(prod).acknowledge(Acknowledgment(id="LP-IAM6", reason="break-glass tooling, SEC-9"))
    >>> assembly = app.synth()
    >>> [e.data for e in stack.node.metadata if e.type == ACKNOWLEDGED_ABOVE]
    [{'/Prod': {'Annotation::LP-IAM6': 'break-glass tooling, SEC-9'}}]
"""

from __future__ import annotations

import weakref
from typing import Any

import jsii
from aws_cdk import PolicyViolatingResource, PolicyViolation, Stack, Stage, Validations
from constructs import IConstruct, IValidation

from least_privilege_constructs.analysis.acknowledgments import ACKNOWLEDGED_ABOVE

__all__ = ["ACKNOWLEDGED_ABOVE", "NOT_RECORDED", "acknowledgments_above", "record_acknowledgments_above",
           "unrecorded", "unrecorded_violations"]


def acknowledgments_above(stack: IConstruct) -> dict[str, dict[str, str]]:
    """The acknowledgments on the ancestors of ``stack`` (the stages, the app): construct path (``/Prod``,
    ``/``) -> acknowledged id -> reason (blank when not a string), read from the construct tree."""
    key = Validations.ACKNOWLEDGED_RULES_METADATA_KEY
    out: dict[str, dict[str, str]] = {}
    scope = stack.node.scope
    while scope is not None:
        for entry in scope.node.metadata:
            if entry.type == key and isinstance(entry.data, dict):
                own = out.setdefault("/" + scope.node.path.strip("/"), {})
                own.update({str(k): v if isinstance(v, str) else "" for k, v in entry.data.items()})
        scope = scope.node.scope
    return out


def _stacks_of(stage: IConstruct) -> list[Any]:
    """The top-level stacks a stage synthesizes itself (not those of the stages inside it)."""
    found: list[Any] = []
    todo: list[Any] = list(stage.node.children)
    while todo:
        node = todo.pop()
        if Stack.is_stack(node):
            found.append(node)
        elif not Stage.is_stage(node):
            todo.extend(node.node.children)
    return found


@jsii.implements(IValidation)
class _RecordAcknowledgmentsAbove:
    """Called by CDK when it validates the stage, before it writes the stage's stacks: adds to each of them
    the acknowledgments of its ancestors (once)."""

    def __init__(self, stage: IConstruct) -> None:
        self._stage = stage

    def validate(self) -> list[str]:
        for stack in _stacks_of(self._stage):
            if any(entry.type == ACKNOWLEDGED_ABOVE for entry in stack.node.metadata):  # a second synthesis
                continue
            records = acknowledgments_above(stack)
            if records:
                stack.node.add_metadata(ACKNOWLEDGED_ABOVE, records, stack_trace=False)
        return []


_INSTALLED: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()
"""App -> construct paths of the stages (the app: "") that carry the hook."""


def record_acknowledgments_above(scope: IConstruct | None) -> None:
    """Install the recording hook on the app of ``scope`` and on each of its stages (once each); the walk for
    stages stops at the stacks (one jsii call per construct above them)."""
    if scope is None:
        return
    root = scope.node.root
    installed = _INSTALLED.setdefault(root, set())
    todo: list[Any] = [root]
    while todo:
        node = todo.pop()
        if Stage.is_stage(node) and node.node.path not in installed:  # the app is a Stage too
            node.node.add_validation(_RecordAcknowledgmentsAbove(node))
            installed.add(node.node.path)
        todo.extend(child for child in node.node.children if not Stack.is_stack(child))


NOT_RECORDED = "ACKNOWLEDGMENT_NOT_RECORDED"
"""Rule name of the violation a plugin reports when the app or a stage carries acknowledgments that the cloud
assembly does not record for a stack below it (:func:`unrecorded_violations`)."""


def unrecorded(root: IConstruct) -> dict[str, list[str]]:
    """Top-level stack path -> the paths above it whose acknowledgments the stack does not record as they are
    now (its stage got no recording hook: created after the plugins, and synthesized by ``app.synth()``
    rather than ``synth(app)``; or an acknowledgment added between two syntheses). Empty when all are."""
    out: dict[str, list[str]] = {}
    todo: list[Any] = [root]
    while todo:
        node = todo.pop()
        for child in node.node.children:
            if not Stack.is_stack(child):
                todo.append(child)
                continue
            recorded: Any = next((e.data for e in child.node.metadata if e.type == ACKNOWLEDGED_ABOVE), {})
            current = acknowledgments_above(child)
            if current != recorded:
                out[child.node.path] = sorted(set(current) | set(recorded if isinstance(recorded, dict) else {}))
    return out


def unrecorded_violations(root: IConstruct | None) -> list[PolicyViolation]:
    """One error per stack of ``root`` whose ancestors' acknowledgments the assembly does not record as they are:
    the plugins and ``lpc gate`` honour the record, CDK's own report the constructs, so the runs would disagree
    silently (or a record written by hand would stand for acknowledgments nobody made)."""
    if root is None:
        return []
    return [
        PolicyViolation(
            rule_name=NOT_RECORDED,
            description=(f"the cloud assembly's record of the acknowledgments on {', '.join(paths)} for stack "
                         f"{stack} differs from the acknowledgments on those constructs; the gate and `lpc gate` "
                         "honour what the assembly records, not what the constructs say (the stage was created "
                         "after the least-privilege plugins and the app synthesized with app.synth(), an "
                         f"acknowledgment changed between two syntheses, or a '{ACKNOWLEDGED_ABOVE}' metadata "
                         "entry was written by other code)"),
            fix=("Synthesize with least_privilege_constructs.validation.synth.synth(app) instead of app.synth() "
                 "(it records them), construct the plugins after the stages, and write no "
                 f"'{ACKNOWLEDGED_ABOVE}' metadata yourself"),
            severity="error",
            violating_resources=[PolicyViolatingResource(construct_path=stack, locations=["/"])],
        )
        for stack, paths in sorted(unrecorded(root).items())
    ]
