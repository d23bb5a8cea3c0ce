"""The snapshot manager: what the run's state holds at each moment, and when it is written
(Pulumi: ``pkg/backend/snapshot.go``).

The run's state (``resource.run_state.RunState``: the resources registered so far, then the old
ones not yet dealt with) changes only through the manager's methods, each of which records the
change. A step in flight is recorded as a pending operation first (``pending_operation``), so an
interrupted run leaves a trace the next one reports and resolves. After every step the state is
written, with group commit: with a ``Journal``, the step's records are appended to the stack's
journal and the whole checkpoint is written only when the journal says so (its first write, when
it has grown past its bound, and when the run ends: ``close``); without one, the whole snapshot is
handed to ``persist`` every time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from aicompute.engine.deploy.providers.base import ProviderError
from aicompute.engine.resource.run_state import Layout, Record, RunState
from aicompute.engine.resource.state import (
    OPERATION_TYPES,
    Deployment,
    OperationType,
    PendingOperation,
    ResourceState,
    StateError,
)

Persist = Callable[[Deployment], None]


@dataclass
class PendingCall:
    """A provider call recorded as a pending operation, until it is settled."""

    op_id: int
    settled: bool = False


class Journal(Protocol):
    """Where a run's records go (``backend.journal``); the manager calls it from one thread at a time."""

    def due(self) -> bool:
        """Whether the next write must be a whole checkpoint (none written yet, or the journal is full)."""
        ...

    def encode(self, record: Record) -> str:
        """The record's JSON text (called under the run's lock: resources change under it)."""
        ...

    def append(self, records: list[str]) -> None:
        """Append the encoded records as one group, whole or not at all, and make it durable."""
        ...

    def checkpoint(self, deployment: Deployment, layout: Layout) -> None:
        """Write the whole checkpoint and start a journal over it; a ``StateError`` (integrity) after
        writing it anyway."""
        ...

    def close(self, deployment: Deployment, layout: Layout) -> None:
        """The run is over: the last checkpoint, and no journal left."""
        ...


def outcome_unknown(error: BaseException) -> bool:
    """Whether a provider call that raised ``error`` may have taken effect: it says so
    (``ProviderError.outcome_unknown``), or it was cut short (an interrupt reaching its thread)."""
    if not isinstance(error, Exception):
        return True
    return isinstance(error, ProviderError) and error.outcome_unknown


class SnapshotManager:
    """The state of one run (indexed, every change recorded), and its writes."""

    def __init__(
        self,
        base: Deployment,
        lock: threading.RLock,
        *,
        persist: Persist | None,
        on_integrity_error: Callable[[StateError], None],
        journal: Journal | None = None,
    ) -> None:
        """``persist`` is None for a preview (nothing is written); with a ``journal``, steps are
        appended to it and ``persist`` is not used. ``on_integrity_error`` is told once when a written
        state broke Pulumi's integrity rules (it was written anyway)."""
        self.base = base
        self.lock = lock
        self.state = RunState(base)
        self._persist = persist
        self._journal = journal if persist is not None else None
        self._on_integrity_error = on_integrity_error
        self._persist_lock = threading.Lock()
        self._persist_requested = 0
        """How many ``persist`` calls have been made (counted under ``lock``)."""
        self._persist_written = 0
        """How many of them the last write recorded (its snapshot was taken after them)."""
        self._journal_started = False
        self._integrity_reported = False
        self.registered: set[str] = set()
        """The URNs the program registered this run (and the old URNs their aliases matched)."""

    # the snapshot and its writes -------------------------------------------------------------
    def snapshot(self) -> Deployment:
        """The state as of now, in an order Pulumi's integrity rules accept (``RunState.snapshot``)."""
        with self.lock:
            return self.state.snapshot()[0]

    def persist(self) -> None:
        """Write the state; when this returns, the state on disk includes every change made before the call.

        Group commit: calls that arrive while a write is under way wait for it, and the next write —
        of the records (or a snapshot) taken after all of them — covers them all at once.
        """
        if self._persist is None:
            with self.lock:
                self.state.records.clear()
            return
        with self.lock:
            self._persist_requested += 1
            wanted = self._persist_requested
        with self._persist_lock:
            if self._persist_written >= wanted:
                return  # written meanwhile, by a write taken after this call's change
            with self.lock:
                covered = self._persist_requested
                write = self._next_write()
            self._written(write)
            self._persist_written = covered

    def _next_write(self) -> Callable[[], None]:
        """What the next write is (taken under ``lock``; run outside it)."""
        journal = self._journal
        if journal is None:
            self.state.records.clear()
            deployment = self.state.snapshot()[0]
            persist = self._persist
            assert persist is not None
            return lambda: persist(deployment)
        if journal.due():
            self.state.records.clear()
            deployment, layout = self.state.snapshot()
            self._journal_started = True
            return lambda: journal.checkpoint(deployment, layout)
        records = [journal.encode(record) for record in self.state.take_records()]
        return (lambda: journal.append(records)) if records else (lambda: None)

    def _written(self, write: Callable[[], None]) -> None:
        try:
            write()
        except StateError as error:
            # Written anyway (losing track of a created object would be worse); the run fails so
            # that the problem is seen.
            if not self._integrity_reported:
                self._integrity_reported = True
                self._on_integrity_error(error)

    def close(self) -> None:
        """The run is over: with a journal that was started, the last checkpoint (the journal goes)."""
        journal = self._journal
        if journal is None or not self._journal_started:
            return
        with self._persist_lock:
            with self.lock:
                self.state.records.clear()
                deployment, layout = self.state.snapshot()
                self._journal_started = False
            self._written(lambda: journal.close(deployment, layout))

    @contextmanager
    def pending_operation(self, kind: OperationType, resource: ResourceState) -> Iterator[PendingCall]:
        """Records a pending operation (and persists) for the duration of a provider call.

        A call that fails with its outcome unknown (``outcome_unknown``) stays pending in the state
        written, as Pulumi's does when its process dies mid-call: the next run resolves it (a create
        is repeated by adopting the object it may have made). A call that succeeds stays pending
        until its result is recorded: the caller hands the yielded ``PendingCall`` to ``commit``,
        ``replace_old`` or ``remove_old`` (``settles``), which end it in the same change, so that no
        write (another step's group commit) shows a create ended and its object nowhere."""
        with self.lock:
            call = PendingCall(self.state.begin(kind, resource))
        self.persist()
        try:
            yield call
        except BaseException as error:
            if not outcome_unknown(error):
                self.settle(call)  # it failed with an answer: nothing is in flight any more
            self.persist()
            raise

    def settle(self, call: PendingCall | None) -> None:
        """End a pending operation whose result is known and recorded elsewhere (or not to be recorded)."""
        with self.lock:
            self._settle(call)

    def _settle(self, call: PendingCall | None) -> None:
        if call is not None and not call.settled:
            call.settled = True
            self.state.end(call.op_id)

    # what the run has seen (call with ``lock`` held, or where no other thread runs) -----------------
    def old(self, urn: str) -> ResourceState | None:
        return self.state.old(urn)

    def new(self, urn: str) -> ResourceState | None:
        return self.state.new(urn)

    @property
    def old_resources(self) -> list[ResourceState]:
        """The old resources not yet dealt with (a copy)."""
        return self.state.old_resources

    @property
    def new_resources(self) -> list[ResourceState]:
        """The resources registered so far, in order (a copy)."""
        return self.state.new_resources

    @property
    def previous_pending(self) -> list[PendingOperation]:
        """The pending operations an interrupted run left and this one has not resolved."""
        return list(self.state.previous_pending)

    def missing_references(self, urns: Iterable[str]) -> list[str]:
        """The URNs among ``urns`` that no resource of the state has."""
        return self.state.missing_references(urns)

    def create_was_pending(self, urn: str) -> bool:
        """Whether the state holds a pending create of ``urn`` from an interrupted deployment."""
        with self.lock:
            return self.state.create_was_pending(urn)

    # changes (call with ``lock`` held), written by the caller's ``persist`` ----------------------
    def rename(self, old_urn: str, new_urn: str) -> None:
        """The old resource ``old_urn`` was found through an alias of ``new_urn``."""
        self.registered.add(old_urn)
        self.state.rename(old_urn, new_urn)

    def adopt(self, new: ResourceState, old: ResourceState | None) -> None:
        """``new`` takes the place of ``old`` (if any) with no step of its own (a read, an untargeted
        resource kept as it was, a default provider); not written until the next ``persist``."""
        self.state.commit(new, old, resolve=False)

    def set_outputs(self, resource: ResourceState, outputs: dict[str, Any]) -> None:
        self.state.set_outputs(resource, outputs)

    def forget_previous_pending(self, kinds: Collection[str] = OPERATION_TYPES) -> list[PendingOperation]:
        """Drop the interrupted run's pending operations of these kinds; those dropped."""
        return self.state.forget_previous_pending(kinds)

    # changes, each then written --------------------------------------------------------------
    def commit(self, new: ResourceState, old: ResourceState | None, settles: PendingCall | None = None) -> None:
        """``new`` takes the place of ``old`` (if any) in the snapshot; the call that made it is over."""
        with self.lock:
            self._settle(settles)
            self.state.commit(new, old)
        self.persist()

    def replace_old(
        self, resource: ResourceState, replacement: ResourceState, settles: PendingCall | None = None
    ) -> None:
        with self.lock:
            self._settle(settles)
            self.state.swap(resource, replacement)
        self.persist()

    def swap_old(self, resource: ResourceState, replacement: ResourceState) -> None:
        """``replace_old`` without the write (the caller's next step writes it)."""
        with self.lock:
            self.state.swap(resource, replacement)

    def remove_old(self, resource: ResourceState, *, gone: bool = False, settles: PendingCall | None = None) -> None:
        """``resource`` leaves the snapshot (deleted by ``settles``; ``gone``: found deleted by a refresh)."""
        with self.lock:
            self._settle(settles)
            self.state.remove(resource, gone=gone)
        self.persist()
