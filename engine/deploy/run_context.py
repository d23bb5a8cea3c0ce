"""What the parts of one deployment run share: its options, the event stream, whether it failed or was
cancelled, and the record of every finished step (Pulumi: the ``deploymentExecutor``'s shared state)."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aicompute.engine.backend.base import BackendError
from aicompute.engine.deploy.events import EventStream, StepEvent
from aicompute.engine.deploy.step_plan import Op, StepPlan
from aicompute.engine.resource.state import ResourceState


@dataclass
class RunOptions:
    dry_run: bool = True
    parallel: int = 16
    targets: frozenset[str] = frozenset()
    render_kubernetes: str = ""
    """A directory: ``kubernetes:*`` resources are rendered there as YAML manifests (``providers.kubernetes``)."""
    dynamic_provider_config: Mapping[str, Any] = field(default_factory=dict)
    """The stack config as the default ``pulumi-python`` provider records it in its inputs and outputs
    (every key namespaced, secrets secret), as Pulumi's ``Target.GetPackageConfig`` does for dynamic providers."""


@dataclass(frozen=True)
class StepRecord:
    """A finished step, for the summary and ``--json``."""

    op: Op
    urn: str
    type: str
    old: ResourceState | None
    new: ResourceState | None
    plan: StepPlan
    failed: bool = False
    error: str = ""


class StepFailed(Exception):
    """A step could not be done; the message is what the user sees next to the resource."""

    def __init__(self, urn: str, message: str) -> None:
        super().__init__(message)
        self.urn = urn
        self.message = message


class StateWriteError(StepFailed, BackendError):
    """The state could not be written (a full or read-only disk): the step that needed the write
    fails, so the run stops, and the command reports it as one sentence."""

    def __init__(self, stack: str, error: OSError) -> None:
        where = f" to {error.filename}" if error.filename else ""
        super().__init__("", f"cannot write the state of stack '{stack}'{where}: {error.strerror or error}")


class RunContext:
    """Options, events, the failed/cancelled flags and the step records of one run.

    ``lock`` is the run's one lock, shared with the snapshot manager: a registration decides under it
    both what the snapshot holds and whether the run may still start a step.
    """

    def __init__(self, events: EventStream, options: RunOptions, lock: threading.RLock) -> None:
        self.events = events
        self.options = options
        self.lock = lock
        self.failed = False
        self.cancelled = False
        self.records: list[StepRecord] = []

    @property
    def stopped(self) -> bool:
        """After a failed step or an interrupt no new step starts (as Pulumi)."""
        return self.failed or self.cancelled

    def fail(self, urn: str, message: str) -> None:
        with self.lock:
            self.failed = True
        self.events.diag("error", message, urn)

    def cancel(self) -> None:
        """Start no new step (after Ctrl-C); steps in flight finish and are recorded."""
        with self.lock:
            self.cancelled = True

    def interrupt(self) -> None:
        """Ctrl-C: say so once, and cancel."""
        if not self.cancelled:
            self.events.diag("warning", "interrupted: finishing the steps in flight, then recording the state")
        self.cancel()

    def record(self, record: StepRecord) -> None:
        with self.lock:
            self.records.append(record)

    def emit(
        self,
        op: Op,
        urn: str,
        type_: str,
        done: bool,
        plan: StepPlan | None = None,
        old: ResourceState | None = None,
        new: ResourceState | None = None,
        elapsed: float = 0.0,
        error: str = "",
        outputs: bool = False,
    ) -> None:
        """A step event; ``outputs``: the diff is of outputs (a refresh), not inputs."""
        old_props = (old.outputs if outputs else old.inputs) if old else None
        new_props = (new.outputs if outputs else new.inputs) if new else None
        state = new or old
        self.events.emit(
            StepEvent(
                op=op,
                urn=urn,
                type=type_,
                done=done,
                failed=bool(error),
                preview=self.options.dry_run,
                detailed_diff=dict(plan.detailed_diff) if plan else {},
                replace_reasons=plan.replace_reasons if plan else (),
                old_props=self.events.shown(old_props),
                new_props=self.events.shown(new_props),
                outputs=self.events.shown(new.outputs) if new and done else None,
                elapsed=elapsed,
                error=error,
                result=plan.op if op == "refresh" and plan else "",
                parent=state.parent or "" if state else "",
            )
        )

    def change_summary(self) -> dict[str, int]:
        """Pulumi's ``changeSummary``: steps per op (``same`` included), failed steps left out."""
        summary: dict[str, int] = {}
        for record in self.records:
            if record.failed:
                continue
            if record.op in ("delete-replaced", "discard-replaced"):
                continue  # the second half of a replace, counted as the replace
            op = record.plan.op if record.op == "refresh" else record.op  # a refresh counts what it found
            summary[op] = summary.get(op, 0) + 1
        return summary
