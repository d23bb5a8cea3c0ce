"""The ``--json`` digest, shaped like ``pulumi preview --json``'s (Pulumi: ``pkg/backend/display/json.go``)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from aicompute.engine.deploy.operations import OperationResult
from aicompute.engine.deploy.run_context import StepRecord
from aicompute.engine.display.diff import displayed
from aicompute.engine.resource.checkpoint_values import RedactingCrypter
from aicompute.engine.resource.state import ResourceState
from aicompute.engine.resource.urn import ROOT_STACK_TYPE

DELETION_OPS = frozenset({"delete", "delete-replaced", "discard", "discard-replaced"})


def _state_json(state: ResourceState | None, show_secrets: bool) -> dict[str, Any] | None:
    if state is None:
        return None
    shown = replace(state, inputs=displayed(state.inputs, show_secrets), outputs=displayed(state.outputs, show_secrets))
    return shown.to_json(RedactingCrypter())


def step_json(record: StepRecord, *, show_secrets: bool = False, input_diff: bool = True) -> dict[str, Any]:
    """One entry of ``steps`` in Pulumi's ``preview --json`` digest."""
    step: dict[str, Any] = {"op": record.op, "urn": record.urn}
    state = record.new or record.old
    if state is not None and state.provider:
        step["provider"] = state.provider
    if record.old is not None:
        step["oldState"] = _state_json(record.old, show_secrets)
    if record.new is not None and record.op not in DELETION_OPS:
        step["newState"] = _state_json(record.new, show_secrets)
    if record.plan.diff_reasons:
        step["diffReasons"] = list(record.plan.diff_reasons)
    if record.plan.replace_reasons:
        step["replaceReasons"] = list(record.plan.replace_reasons)
    if record.plan.detailed_diff and record.op != "create":
        step["detailedDiff"] = {
            path: {"kind": kind, "inputDiff": input_diff} for path, kind in record.plan.detailed_diff.items()
        }
    if record.failed:
        step["error"] = record.error
    return step


def _listed(record: StepRecord, dry_run: bool) -> bool:
    """Whether a step is in the digest. A preview's leaves out ``same`` steps, as Pulumi's ``shouldShow``
    (but for the root stack, and a resource whose ``protect`` changed); the one digest of ``up`` lists
    them, as ``pulumi up --json``'s event stream does, but for the root stack's."""
    if record.op != "same":
        return True
    if record.type == ROOT_STACK_TYPE:
        return dry_run
    if dry_run:
        return record.old is not None and record.new is not None and record.old.protect != record.new.protect
    return True


def _with_replacement_parts(records: list[StepRecord], result: OperationResult) -> list[StepRecord]:
    """After an update, a replace as the steps Pulumi runs for it: ``create-replacement`` then ``replace``
    (the ``delete-replaced`` comes at the end, a record of its own); delete-first, ``delete-replaced``,
    ``replace``, ``create-replacement`` (the delete a record of its own when it came earlier, for a
    dependent of another delete-before-replace). A preview's digest lists only the ``replace``, as Pulumi's."""
    if result.dry_run:
        return records
    expanded: list[StepRecord] = []
    for record in records:
        if record.op != "replace" or record.failed:
            expanded.append(record)
        elif not record.plan.delete_before_replace:
            expanded += [replace(record, op="create-replacement"), record]
        elif record.old is not None and record.old.pending_replacement:
            expanded += [record, replace(record, op="create-replacement")]
        else:
            expanded += [
                replace(record, op="delete-replaced", new=None),
                record,
                replace(record, op="create-replacement"),
            ]
    return expanded


def _as_listed(record: StepRecord, result: OperationResult) -> tuple[StepRecord, bool]:
    """A record as the digest lists it, and whether its diff is of inputs (a refresh's is of the outputs it
    read). A refresh step is listed as Pulumi's digest lists it: in a preview, by what it found when it found
    a difference (``update``, with its detailed diff) or the object gone (``delete``), else ``refresh``; after
    a ``refresh``, by what it found (as its ``changeSummary`` counts); in an ``up --refresh``, ``refresh``,
    so that only the update's own steps read as ``update``, as its ``changeSummary`` counts them."""
    if record.op != "refresh" or record.failed:
        return record, True
    found = record.plan.op
    if result.kind == "refresh" and not result.dry_run:
        return replace(record, op=found), False
    if result.dry_run and (found == "delete" or (found == "update" and record.plan.detailed_diff)):
        return replace(record, op=found), False
    return record, False


SHOW_SECRETS_KEY = "showSecrets"
"""Set (true) in a ``--json`` digest made with ``--show-secrets``; absent otherwise."""


def digest_json(result: OperationResult, *, show_secrets: bool = False) -> dict[str, Any]:
    """The whole ``--json`` document: config, steps, duration (ns), changeSummary, diagnostics, outputs."""
    records = [*result.refresh_records, *result.records]
    diagnostics = [
        {
            **({"urn": d.urn} if d.urn else {}),
            "prefix": f"{d.severity}: ",
            "message": d.message + "\n",
            "severity": d.severity,
        }
        for d in result.diagnostics
        if d.severity != "debug"
    ]
    digest: dict[str, Any] = {
        "config": result.config,
        "steps": [
            step_json(listed, show_secrets=show_secrets, input_diff=input_diff)
            for listed, input_diff in (_as_listed(r, result) for r in _with_replacement_parts(records, result))
            if _listed(listed, result.dry_run)
        ],
        "duration": int(result.duration * 1e9),
        "changeSummary": result.summary,
    }
    if diagnostics:
        digest["diagnostics"] = diagnostics
    if result.kind == "update":
        digest["outputs"] = displayed(result.outputs, show_secrets)
    if show_secrets:
        digest[SHOW_SECRETS_KEY] = True  # so that `aicompute report --from` can refuse it
    return digest
