"""The snapshot manager: what the run's state holds at each moment, and when it is written
(Pulumi: ``pkg/backend/snapshot.go``).

The new snapshot is the resources registered so far, in order, then the old ones not yet dealt
with. A step in flight is recorded in ``pending_operations`` first (``pending_operation``), so an
interrupted run leaves a trace the next one reports and resolves; after every step the snapshot is
handed to ``persist`` (the backend writes it atomically), with group commit.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from aicompute.engine.deploy.providers.base import ProviderError
from aicompute.engine.resource.state import (
    Deployment,
    PendingOperation,
    ResourceState,
    StateError,
    drop_references,
    rename_references,
    topological_order,
)

Persist = Callable[[Deployment], None]


def outcome_unknown(error: BaseException) -> bool:
    """Whether a provider call that raised ``error`` may have taken effect: it says so
    (``ProviderError.outcome_unknown``), or it was cut short (an interrupt reaching its thread)."""
    if not isinstance(error, Exception):
        return True
    return isinstance(error, ProviderError) and error.outcome_unknown


class SnapshotManager:
    """The old and new resources of one run, the pending operations, and the writes of the state."""

    def __init__(
        self,
        base: Deployment,
        lock: threading.RLock,
        *,
        persist: Persist | None,
        on_integrity_error: Callable[[StateError], None],
    ) -> None:
        """``persist`` is None for a preview (nothing is written); ``on_integrity_error`` is told once
        when a written state broke Pulumi's integrity rules (it was written anyway)."""
        self.base = base
        self.lock = lock
        self._persist = persist
        self._on_integrity_error = on_integrity_error
        self._persist_lock = threading.Lock()
        self._persist_requested = 0
        """How many ``persist`` calls have been made (counted under ``lock``)."""
        self._persist_written = 0
        """How many of them the last write recorded (its snapshot was taken after them)."""
        self._integrity_reported = False
        self.old_resources: list[ResourceState] = list(base.resources)
        self.new_resources: list[ResourceState] = []
        self.registered: set[str] = set()
        self.pending: list[PendingOperation] = []
        self.previous_pending: list[PendingOperation] = list(base.pending_operations)
        self.renamed: dict[str, str] = {}
        """Old URN → new URN of the resources found through an alias."""
        self.gone: list[ResourceState] = []
        """Resources a refresh found deleted (the references to them are repaired in ``snapshot``)."""

    # the snapshot and its writes -------------------------------------------------------------
    def snapshot(self) -> Deployment:
        """The state as of now, in an order Pulumi's integrity rules accept.

        Resources registered so far come first, then the old ones not yet dealt with; references to
        a URN an alias renamed, or to a resource a refresh found deleted, are repaired as Pulumi
        repairs them; and a resource that refers to one listed after it (an untargeted resource
        kept with its old dependencies) moves down past it (``state.topological_order``).
        """
        with self.lock:
            pending = [*self.previous_pending, *self.pending]
            resources = [*self.new_resources, *self.old_resources]
            for gone in self.gone:
                resources = drop_references(resources, gone)
            if self.renamed:
                present = {r.urn for r in resources}
                renamed = {old: new for old, new in self.renamed.items() if old not in present}
                resources = [rename_references(r, renamed) for r in resources]
            return Deployment(
                manifest=self.base.manifest,
                secrets_providers=self.base.secrets_providers,
                resources=topological_order(resources),
                pending_operations=pending,
            )

    def persist(self) -> None:
        """Write the state; when this returns, the state on disk includes every change made before the call.

        Group commit: a write costs time in proportion to the state's size, so one write per step would
        make a run quadratic. Calls that arrive while a write is under way wait for it, and the next
        write — of a snapshot taken after all of them — records them all at once.
        """
        if self._persist is None:
            return
        with self.lock:
            self._persist_requested += 1
            wanted = self._persist_requested
        with self._persist_lock:
            if self._persist_written >= wanted:
                return  # written meanwhile, by a write whose snapshot was taken after this call's change
            with self.lock:
                covered = self._persist_requested
                snapshot = self.snapshot()
            try:
                self._persist(snapshot)
                self._persist_written = covered
            except StateError as error:
                self._persist_written = covered  # written anyway (see ``operations.OperationContext.persist``)
                # The persist callback writes such a state anyway (losing track of a created object
                # would be worse); the run fails so that the problem is seen.
                if not self._integrity_reported:
                    self._integrity_reported = True
                    self._on_integrity_error(error)

    @contextmanager
    def pending_operation(self, kind: str, resource: ResourceState) -> Iterator[None]:
        """Records a pending operation (and persists) for the duration of a provider call.

        A call that fails with its outcome unknown (``outcome_unknown``) stays pending in the state
        written, as Pulumi's does when its process dies mid-call: the next run resolves it (a create
        is repeated by adopting the object it may have made)."""
        operation = PendingOperation(resource, kind)  # type: ignore[arg-type]
        with self.lock:
            self.pending.append(operation)
        self.persist()
        try:
            yield
        except BaseException as error:
            if not outcome_unknown(error):
                self._end_pending(operation)  # it failed with an answer: nothing is in flight any more
            self.persist()
            raise
        self._end_pending(operation)

    def _end_pending(self, operation: PendingOperation) -> None:
        with self.lock:
            self.pending = [op for op in self.pending if op is not operation]

    # what the run has seen (call with ``lock`` held, or where no other thread runs) -----------------
    def old(self, urn: str) -> ResourceState | None:
        return next((r for r in self.old_resources if r.urn == urn and not r.delete), None)

    def new(self, urn: str) -> ResourceState | None:
        return next((r for r in self.new_resources if r.urn == urn), None)

    def drop_old(self, resource: ResourceState) -> None:
        self.old_resources = [r for r in self.old_resources if r is not resource]

    def swap_old(self, resource: ResourceState, replacement: ResourceState) -> None:
        self.old_resources = [replacement if r is resource else r for r in self.old_resources]

    def resolve_previous_pending(self, urn: str) -> None:
        self.previous_pending = [op for op in self.previous_pending if op.resource.urn != urn]

    def missing_references(self, urns: Iterable[str]) -> list[str]:
        """The URNs among ``urns`` that no resource of the state has."""
        present = {r.urn for r in self.new_resources} | {r.urn for r in self.old_resources}
        return [urn for urn in dict.fromkeys(urns) if urn and urn not in present]

    def create_was_pending(self, urn: str) -> bool:
        """Whether the state holds a pending create of ``urn`` from an interrupted deployment."""
        with self.lock:
            return any(op.type == "creating" and op.resource.urn == urn for op in self.previous_pending)

    # changes, each then written --------------------------------------------------------------
    def commit(self, new: ResourceState, old: ResourceState | None) -> None:
        """``new`` takes the place of ``old`` (if any) in the snapshot."""
        with self.lock:
            if old is not None:
                self.drop_old(old)
            self.new_resources.append(new)
            self.resolve_previous_pending(new.urn)
        self.persist()

    def replace_old(self, resource: ResourceState, replacement: ResourceState) -> None:
        with self.lock:
            self.swap_old(resource, replacement)
        self.persist()

    def remove_old(self, resource: ResourceState, *, gone: bool = False) -> None:
        """``resource`` leaves the snapshot (deleted; ``gone``: found deleted by a refresh)."""
        with self.lock:
            self.drop_old(resource)
            if gone:
                self.gone.append(resource)
            elif not resource.delete:
                self.resolve_previous_pending(resource.urn)
        self.persist()
