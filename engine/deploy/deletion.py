"""Deletions: what a program no longer declares (at the end of an update), every resource (``destroy``),
and the scheduler that runs them dependents first, in parallel up to ``parallel`` (Pulumi:
``pkg/resource/deploy/deployment_executor.go``'s deletes and ``graph``'s dependency order).
"""

from __future__ import annotations

import heapq
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from aicompute.engine.deploy.providers.base import ProviderError
from aicompute.engine.deploy.run_context import RunContext, StepRecord
from aicompute.engine.deploy.snapshot import PendingCall, SnapshotManager
from aicompute.engine.deploy.step_executor import StepExecutor
from aicompute.engine.deploy.step_plan import Op, StepPlan, property_diff
from aicompute.engine.resource.state import ResourceState, references
from aicompute.engine.resource.urn import is_default_provider, is_provider_type


class Deletion:
    """The deletes of one run."""

    def __init__(self, context: RunContext, snapshots: SnapshotManager, executor: StepExecutor) -> None:
        self.context = context
        self.snapshots = snapshots
        self.executor = executor

    def finish(self, program_succeeded: bool) -> None:
        """Delete what the program no longer declares (only after a successful program)."""
        context, snapshots = self.context, self.snapshots
        if program_succeeded and not context.failed:
            self._delete_targeted([r for r in snapshots.old_resources if r.delete or r.urn not in snapshots.registered])
        if not context.failed:
            with snapshots.lock:
                still = snapshots.forget_previous_pending()
            for operation in still:
                if operation.type == "creating":
                    context.events.diag(
                        "warning",
                        f"the interrupted create of {operation.resource.urn} was not repeated (the program no longer "
                        "declares it); if the object was created, delete it on the platform",
                        operation.resource.urn,
                    )
        snapshots.persist()

    def destroy(self) -> None:
        """Delete every resource of the snapshot (or of ``targets``), dependents first."""
        context, snapshots = self.context, self.snapshots
        self._delete_targeted(snapshots.old_resources)
        if not context.failed:
            with snapshots.lock:
                snapshots.forget_previous_pending(("deleting",))
        snapshots.persist()

    def _delete_targeted(self, doomed: list[ResourceState]) -> None:
        """Delete ``doomed`` (only the ``--target`` ones when targets are given), if what stays allows it."""
        targets = self.context.options.targets
        if targets:
            doomed = [r for r in doomed if r.urn in targets]
        if self.deletable(doomed):
            self.delete_all(doomed)

    def deletable(self, doomed: list[ResourceState]) -> bool:
        """Whether every resource that stays after ``doomed`` are deleted still has what it refers
        to; if not (``--target`` picked a resource others depend on), fail naming them."""
        ids = {id(r) for r in doomed}
        with self.snapshots.lock:
            survivors = [r for r in [*self.snapshots.new_resources, *self.snapshots.old_resources] if id(r) not in ids]
        vanishing = {r.urn for r in doomed} - {r.urn for r in survivors}
        blocked = False
        for survivor in survivors:
            for urn in references(survivor):
                if urn in vanishing:
                    blocked = True
                    self.context.fail(
                        urn,
                        f"cannot delete {urn}: {survivor.urn} depends on it and is not being deleted "
                        f"(add --target {survivor.urn} as well)",
                    )
        return not blocked

    def delete_all(self, doomed: list[ResourceState]) -> None:
        """Delete ``doomed``: each once every doomed resource that depends on it is gone; a failed
        delete leaves what it depends on in place. At most ``parallel`` deletions are queued, and each
        completion costs only its dependents' bookkeeping."""
        if not doomed:
            return
        schedule = _Schedule(doomed)
        parallel = max(1, self.context.options.parallel)
        with ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="delete") as executor:
            running: dict[Future[bool], int] = {}
            while schedule.pending or running:
                if self.context.cancelled:
                    schedule.clear()  # interrupted: no new deletion starts
                while len(running) < parallel and (index := schedule.next_ready()) is not None:
                    running[executor.submit(self.delete_step, doomed[index])] = index
                if not running:
                    if schedule.pending:  # a cycle: should not happen with a valid snapshot
                        self.context.fail("", "cannot order the remaining deletions (dependency cycle)")
                    break
                try:
                    done, _ = wait(list(running), return_when=FIRST_COMPLETED)
                except KeyboardInterrupt:
                    self.context.interrupt()
                    continue
                for future in done:
                    schedule.finished(running.pop(future), failed=not future.result())

    def delete_step(self, resource: ResourceState) -> bool:
        context = self.context
        op = deletion_op(resource)
        plan = StepPlan("delete", property_diff(resource.inputs, {}))
        shown = not is_default_provider(resource.urn)  # as Pulumi's display: explicit providers' deletes show
        if resource.protect and not resource.delete:
            message = (
                f"unable to delete {resource.urn}: it is protected. To unprotect it, either set `protect=False` on "
                "the resource in the program and run `aicompute up`, or run "
                f"`aicompute state unprotect '{resource.urn}'`"
            )
            context.fail(resource.urn, message)
            context.record(StepRecord(op, resource.urn, resource.type, resource, None, plan, True, message))
            return False
        if shown:
            context.emit(op, resource.urn, resource.type, False, plan, resource)
        started = time.monotonic()
        deleted: PendingCall | None = None
        try:
            calls_provider = resource.custom and not resource.external and not is_provider_type(resource.type)
            if calls_provider and not context.options.dry_run:
                with self.executor.slots:
                    deleted = self.executor.delete(resource, resource.retain_on_delete)
        except ProviderError as error:
            context.fail(resource.urn, f"delete failed: {error.message}")
            if shown:
                elapsed = time.monotonic() - started
                context.emit(op, resource.urn, resource.type, True, plan, resource, None, elapsed, error.message)
            context.record(StepRecord(op, resource.urn, resource.type, resource, None, plan, True, error.message))
            return False
        self.snapshots.remove_old(resource, settles=deleted)
        if shown:
            context.emit(op, resource.urn, resource.type, True, plan, resource, None, time.monotonic() - started)
            context.record(StepRecord(op, resource.urn, resource.type, resource, None, plan))
        return True


def deletion_op(resource: ResourceState) -> Op:
    """As Pulumi's ``DeleteStep.Op``: a read (external) resource is discarded — forgotten, never deleted."""
    if resource.external:
        return "discard-replaced" if resource.delete else "discard"
    return "delete-replaced" if resource.delete else "delete"


class _Schedule:
    """The order of a run of deletions: a resource is ready once every doomed resource that depends on
    it is deleted; one whose dependent failed to delete is not deleted (nor what it depends on)."""

    def __init__(self, doomed: list[ResourceState]) -> None:
        by_urn: dict[str, list[int]] = {}
        for index, resource in enumerate(doomed):
            by_urn.setdefault(resource.urn, []).append(index)
        self.waiting: list[int] = [0] * len(doomed)
        """How many doomed dependents each resource still waits for."""
        self.unblocks: list[list[int]] = [[] for _ in doomed]
        """The resources each one's deletion lets go (those it depends on)."""
        for index, resource in enumerate(doomed):
            targets = {t for urn in references(resource) for t in by_urn.get(urn, []) if t != index}
            for target in targets:
                self.waiting[target] += 1
                self.unblocks[index].append(target)
        self.blocked: set[int] = set()
        self.pending = len(doomed)
        """Resources neither deleted, failed nor skipped yet."""
        self._ready = [index for index in range(len(doomed)) if not self.waiting[index]]
        heapq.heapify(self._ready)
        self._stopped = False

    def next_ready(self) -> int | None:
        """The next resource to delete (in the order given, among those ready); None if none is ready."""
        while self._ready:
            index = heapq.heappop(self._ready)
            if index not in self.blocked:
                return index
            self.finished(index, failed=True)  # skipped: what it depends on stays too
        return None

    def finished(self, index: int, *, failed: bool) -> None:
        if self._stopped:
            return
        self.pending -= 1
        for target in self.unblocks[index]:
            if failed:
                self.blocked.add(target)
            self.waiting[target] -= 1
            if not self.waiting[target]:
                heapq.heappush(self._ready, target)

    def clear(self) -> None:
        """No more deletions start (those running finish)."""
        self._ready.clear()
        self.pending = 0
        self._stopped = True
