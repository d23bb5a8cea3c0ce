"""Running a planned step against its provider (Pulumi: ``pkg/resource/deploy/step_executor.go`` and
``step.go``'s ``Apply``): never a mutating call in a preview, every provider call recorded as a
pending operation while it is in flight, the snapshot committed when it is done.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace

from aicompute.engine.deploy.providers.base import ProviderError
from aicompute.engine.deploy.providers.registry import ProviderRegistry, unsupported_type_message
from aicompute.engine.deploy.registrations import Registration
from aicompute.engine.deploy.run_context import RunContext, StepFailed, StepRecord
from aicompute.engine.deploy.snapshot import PendingCall, SnapshotManager
from aicompute.engine.deploy.step_plan import StepPlan, property_diff
from aicompute.engine.resource.state import ResourceState
from aicompute.engine.resource.urn import parse_urn
from aicompute.engine.resource.wire_values import secret_keys
from aicompute.provider.engine_contract import OUTCOME_UNKNOWN_MARK


def name_of(urn: str) -> str:
    return parse_urn(urn).name


def _pending_note(error: ProviderError) -> str:
    """What becomes of an operation lost with its provider (one that says its outcome is unknown
    says so itself)."""
    if not error.outcome_unknown or OUTCOME_UNKNOWN_MARK in error.message:
        return ""
    then = (
        "the next update looks the object up and adopts it rather than creating another"
        if error.operation == "create"
        else "`aicompute refresh` reads what it did"
    )
    return f" ({OUTCOME_UNKNOWN_MARK}: the provider was lost during the call, which stays pending in the state; {then})"


class StepExecutor:
    """Applies the steps of one run: same, create, update, replace (either order), delete."""

    def __init__(self, context: RunContext, snapshots: SnapshotManager, providers: ProviderRegistry) -> None:
        self.context = context
        self.snapshots = snapshots
        self.providers = providers
        self.slots = threading.BoundedSemaphore(max(1, context.options.parallel))
        """Bounds the provider calls in flight to ``parallel``."""
        self._in_flight = 0
        self._idle = threading.Condition()

    def wait_idle(self) -> None:
        """Until no step is in flight (a cancelled run's steps finish, or fail once terminated)."""
        with self._idle:
            self._idle.wait_for(lambda: self._in_flight == 0)

    def _started(self, delta: int) -> None:
        with self._idle:
            self._in_flight += delta
            self._idle.notify_all()

    def run(
        self, plan: StepPlan, reg: Registration, new: ResourceState, old: ResourceState | None, diffed: bool
    ) -> None:
        """Apply ``plan`` and report it (events, record); ``diffed``: ``old`` was diffed against (it is
        not the leftover of an interrupted delete-before-replace). A provider's failure: ``StepFailed``."""
        context, urn = self.context, new.urn
        context.emit(plan.op, urn, reg.type, False, plan, old, new)
        started = time.monotonic()
        self._started(1)
        try:
            self.apply(plan, reg, new, old, old if diffed else None)
        except ProviderError as error:
            message = error.message + _pending_note(error)
            context.emit(plan.op, urn, reg.type, True, plan, old, new, time.monotonic() - started, message)
            context.record(StepRecord(plan.op, urn, reg.type, old, new, plan, True, message))
            raise StepFailed(urn, f"{plan.op} failed: {message}") from None
        finally:
            self._started(-1)
        context.emit(plan.op, urn, reg.type, True, plan, old, new, time.monotonic() - started)
        context.record(StepRecord(plan.op, urn, reg.type, old, new, plan))

    def apply(
        self,
        plan: StepPlan,
        reg: Registration,
        new: ResourceState,
        old: ResourceState | None,
        old_for_diff: ResourceState | None,
    ) -> None:
        aso = tuple(reg.additional_secret_outputs)
        if plan.op == "import":
            self.snapshots.commit(new, old)  # read already, in a preview as in an update
        elif plan.op == "same":
            assert old_for_diff is not None
            new.id = old_for_diff.id
            new.outputs = secret_keys(old_for_diff.outputs, aso)
            self.snapshots.commit(new, old)
        elif self.context.options.dry_run:
            # Pulumi's preview: a create or replace has no id yet, and outputs are the inputs
            # (every other output reads as unknown in the program).
            new.id = "" if plan.op in ("create", "replace") else (old_for_diff.id if old_for_diff else "")
            new.outputs = secret_keys(new.inputs, aso)
            self.snapshots.commit(new, old)
        elif plan.op == "create":
            self.snapshots.commit(new, old, settles=self.create(new, aso))
        elif plan.op == "update":
            assert old_for_diff is not None
            self._update(reg, new, old, old_for_diff, aso)
        elif plan.op == "replace":
            if old_for_diff is None:  # the old object was deleted already (``delete_replaced``)
                self.snapshots.commit(new, old, settles=self.create(new, aso))
            elif plan.delete_before_replace:
                self._replace_delete_first(reg, new, old_for_diff, aso)
            else:
                self._replace_create_first(reg, new, old_for_diff, aso)

    def _update(
        self,
        reg: Registration,
        new: ResourceState,
        old: ResourceState | None,
        old_for_diff: ResourceState,
        aso: tuple[str, ...],
    ) -> None:
        new.id = old_for_diff.id
        with self.snapshots.pending_operation("updating", old_for_diff) as call:
            outputs = self.providers.for_resource(reg.type, new.provider).update(
                new.urn, new.type, reg.name, new.id, old_for_diff.outputs, new.inputs, old_for_diff.inputs
            )
        new.outputs = secret_keys(outputs, aso)
        self.snapshots.commit(new, old, settles=call)

    def _replace_delete_first(
        self, reg: Registration, new: ResourceState, old: ResourceState, aso: tuple[str, ...]
    ) -> None:
        deleted = self.delete(old, reg.retain_on_delete or old.retain_on_delete)
        gone = replace(old, pending_replacement=True)
        self.snapshots.replace_old(old, gone, settles=deleted)
        self.snapshots.commit(new, gone, settles=self.create(new, aso))

    def _replace_create_first(
        self, reg: Registration, new: ResourceState, old: ResourceState, aso: tuple[str, ...]
    ) -> None:
        created = self.create(new, aso)
        if new.id == old.id:
            self.snapshots.settle(created)
            # A repeated create adopted the very object it replaces (found under its name):
            # recording it twice would delete it with the old half.
            raise ProviderError(
                "create",
                new.urn,
                f"the replacement found the object it replaces ({new.id}) under its name; give the "
                "replacement another name, or replace delete-first (delete_before_replace)",
            )
        retain = reg.retain_on_delete or old.retain_on_delete
        doomed = replace(old, delete=True, retain_on_delete=retain)
        with self.snapshots.lock:
            self.snapshots.swap_old(old, doomed)
        self.snapshots.commit(new, None, settles=created)

    def delete_replaced(self, resource: ResourceState) -> None:
        """Delete ``resource``'s object ahead of its replacement (a dependent of a resource replaced
        delete-first); its record stays, marked pending replacement, until the replacement is created."""
        context, plan = self.context, StepPlan("delete-replaced", property_diff(resource.inputs, {}))
        context.emit("delete-replaced", resource.urn, resource.type, False, plan, resource)
        started = time.monotonic()
        deleted: PendingCall | None = None
        try:
            if not context.options.dry_run:
                deleted = self.delete(resource, resource.retain_on_delete)
        except ProviderError as error:
            elapsed = time.monotonic() - started
            context.emit(
                "delete-replaced", resource.urn, resource.type, True, plan, resource, None, elapsed, error.message
            )
            context.record(
                StepRecord("delete-replaced", resource.urn, resource.type, resource, None, plan, True, error.message)
            )
            raise StepFailed(resource.urn, f"delete failed: {error.message}") from None
        self.snapshots.replace_old(resource, replace(resource, pending_replacement=True), settles=deleted)
        context.emit(
            "delete-replaced", resource.urn, resource.type, True, plan, resource, None, time.monotonic() - started
        )
        context.record(StepRecord("delete-replaced", resource.urn, resource.type, resource, None, plan))

    def create(self, new: ResourceState, aso: tuple[str, ...]) -> PendingCall:
        """Create ``new``'s object (its id and outputs set); the call stays pending until the caller records ``new``."""
        provider = self.providers.for_resource(new.type, new.provider)
        adopting = self.providers.adopting_for(new.type)
        if adopting is not None and self.snapshots.create_was_pending(new.urn):
            # The object may exist on the platform without being in the state: the provider looks
            # it up by name before posting, and adopts it if it is there. Only here — an ordinary
            # create that meets an object of its name (someone else's) must fail, not adopt it.
            self.context.events.diag(
                "info",
                f"{new.urn}: the interrupted create is repeated; an object of the same name is adopted if it exists",
                new.urn,
            )
            provider = adopting
        with self.snapshots.pending_operation("creating", new) as call:
            new.id, outputs = provider.create(new.urn, new.type, name_of(new.urn), new.inputs)
        new.outputs = secret_keys(outputs, aso)
        return call

    def delete(self, resource: ResourceState, retain: bool) -> PendingCall | None:
        """Delete ``resource``'s object (not its record), or only say so when it is retained; the call
        stays pending until the caller records the deletion."""
        if retain:
            message = f"retain_on_delete: {resource.urn} is left in place and only dropped from the state"
            self.context.events.diag("info", message, resource.urn)
            return None
        if not self.providers.supports(resource.type):
            raise ProviderError("delete", resource.urn, unsupported_type_message(resource.type))
        with self.snapshots.pending_operation("deleting", resource) as call:
            self.providers.for_resource(resource.type, resource.provider).delete(
                resource.urn, resource.type, name_of(resource.urn), resource.id, resource.outputs, resource.inputs
            )
        return call
