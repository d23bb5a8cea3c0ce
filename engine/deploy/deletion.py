"""Deletions: what a program no longer declares (at the end of an update), every resource (``destroy``),
and the scheduler that runs them dependents first, in parallel up to ``parallel`` (Pulumi:
``pkg/resource/deploy/deployment_executor.go``'s deletes and ``graph``'s dependency order).
"""

from __future__ import annotations

import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from aicompute.engine.deploy.providers.base import ProviderError
from aicompute.engine.deploy.run_context import RunContext, StepRecord
from aicompute.engine.deploy.snapshot import SnapshotManager
from aicompute.engine.deploy.step_executor import StepExecutor
from aicompute.engine.deploy.step_plan import Op, StepPlan, property_diff
from aicompute.engine.resource.state import ResourceState, references
from aicompute.engine.resource.urn import is_provider_type


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
        delete leaves what it depends on in place."""
        if not doomed:
            return
        objects = {id(r): r for r in doomed}
        remaining = _waits_for(doomed)
        blocked: set[int] = set()
        with ThreadPoolExecutor(
            max_workers=max(1, self.context.options.parallel), thread_name_prefix="delete"
        ) as executor:
            running: dict[Future[bool], int] = {}
            while remaining or running:
                if self.context.cancelled:
                    remaining.clear()  # interrupted: no new deletion starts
                ready = [key for key, deps in remaining.items() if not deps]
                for key in ready:
                    del remaining[key]
                    if key in blocked:
                        _unblock_dependencies(key, remaining, blocked, failed=True)
                        continue
                    running[executor.submit(self.delete_step, objects[key])] = key
                if not running:
                    if remaining:  # a cycle: should not happen with a valid snapshot
                        self.context.fail("", "cannot order the remaining deletions (dependency cycle)")
                    break
                try:
                    done, _ = wait(list(running), return_when=FIRST_COMPLETED)
                except KeyboardInterrupt:
                    self.context.interrupt()
                    continue
                for future in done:
                    key = running.pop(future)
                    _unblock_dependencies(key, remaining, blocked, failed=not future.result())

    def delete_step(self, resource: ResourceState) -> bool:
        context = self.context
        op = deletion_op(resource)
        plan = StepPlan("delete", property_diff(resource.inputs, {}))
        shown = not is_provider_type(resource.type)
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
        try:
            calls_provider = resource.custom and not resource.external and not is_provider_type(resource.type)
            if calls_provider and not context.options.dry_run:
                with self.executor.slots:
                    self.executor.delete(resource, resource.retain_on_delete)
        except ProviderError as error:
            context.fail(resource.urn, f"delete failed: {error.message}")
            if shown:
                elapsed = time.monotonic() - started
                context.emit(op, resource.urn, resource.type, True, plan, resource, None, elapsed, error.message)
            context.record(StepRecord(op, resource.urn, resource.type, resource, None, plan, True, error.message))
            return False
        self.snapshots.remove_old(resource)
        if shown:
            context.emit(op, resource.urn, resource.type, True, plan, resource, None, time.monotonic() - started)
            context.record(StepRecord(op, resource.urn, resource.type, resource, None, plan))
        return True


def deletion_op(resource: ResourceState) -> Op:
    """As Pulumi's ``DeleteStep.Op``: a read (external) resource is discarded — forgotten, never deleted."""
    if resource.external:
        return "discard-replaced" if resource.delete else "discard"
    return "delete-replaced" if resource.delete else "delete"


def _waits_for(doomed: list[ResourceState]) -> dict[int, set[int]]:
    """Who must go first: a resource waits for every doomed resource that depends on it."""
    ids = {id(r) for r in doomed}
    by_urn: dict[str, list[ResourceState]] = {}
    for resource in doomed:
        by_urn.setdefault(resource.urn, []).append(resource)
    waits_for: dict[int, set[int]] = {id(r): set() for r in doomed}
    for resource in doomed:
        for target_urn in references(resource):
            for target in by_urn.get(target_urn, []):
                if target is not resource and id(target) in ids:
                    waits_for[id(target)].add(id(resource))
    return waits_for


def _unblock_dependencies(key: int, remaining: dict[int, set[int]], blocked: set[int], failed: bool) -> None:
    for other, deps in remaining.items():
        if key in deps:
            deps.discard(key)
            if failed:
                blocked.add(other)
