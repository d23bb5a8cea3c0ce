"""``refresh``: every managed dynamic resource read back through its provider; what it reports is
recorded, what is gone is dropped (Pulumi: ``pkg/resource/deploy/step_generator.go``'s refresh steps).
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import replace

from aicompute.engine.deploy.providers.base import ProviderError, is_dynamic
from aicompute.engine.deploy.providers.registry import ProviderRegistry
from aicompute.engine.deploy.run_context import RunContext, StepRecord
from aicompute.engine.deploy.snapshot import SnapshotManager
from aicompute.engine.deploy.step_executor import StepExecutor, name_of
from aicompute.engine.deploy.step_plan import StepPlan, property_diff
from aicompute.engine.resource.state import ResourceState
from aicompute.engine.resource.urn import is_provider_type
from aicompute.engine.resource.wire_values import PropertyMap, secret_keys


class Refresh:
    def __init__(self, context: RunContext, snapshots: SnapshotManager, executor: StepExecutor) -> None:
        self.context = context
        self.snapshots = snapshots
        self.executor = executor

    def run(self) -> None:
        """Read every managed dynamic resource back: record what its provider reports, drop the gone.

        Like ``pulumi refresh``, this also clears the pending operations of an interrupted run, but
        for its creates: those have no id to read, and are kept so that the next update, which
        repeats them, looks their objects up by name first (``pulumi refresh`` asks the same question
        with ``--clear-pending-creates``/``--import-pending-creates``).
        """
        context, snapshots = self.context, self.snapshots
        providers = self.executor.providers
        candidates = [
            r
            for r in snapshots.old_resources
            if r.custom and not r.delete and r.id and not is_provider_type(r.type) and _reads(providers, r.type)
        ]
        components = [r for r in snapshots.old_resources if not r.custom]
        if context.options.targets:
            candidates = [r for r in candidates if r.urn in context.options.targets]
            components = [r for r in components if r.urn in context.options.targets]
        for component in components:  # nothing to read; counted unchanged, as Pulumi's refresh of a component
            context.record(StepRecord("refresh", component.urn, component.type, component, component, StepPlan("same")))
        parallel = max(1, context.options.parallel)
        with ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="refresh") as executor:
            futures = [executor.submit(self.refresh_step, r) for r in candidates]
            try:
                wait(futures)
            except KeyboardInterrupt:
                context.interrupt()
                for future in futures:
                    future.cancel()
        with snapshots.lock:
            snapshots.forget_previous_pending(("updating", "deleting", "reading"))
        snapshots.persist()

    def refresh_step(self, resource: ResourceState) -> None:
        context, urn = self.context, resource.urn
        started = time.monotonic()
        try:
            with self.executor.slots:
                result = self.executor.providers.for_resource(resource.type, resource.provider).read(
                    urn, resource.type, name_of(urn), resource.id, resource.outputs, resource.inputs
                )
        except ProviderError as error:
            message = f"refresh failed: {error.message}"
            context.fail(urn, message)
            context.record(
                StepRecord("refresh", urn, resource.type, resource, resource, StepPlan("refresh"), True, message)
            )
            return
        new: ResourceState | None
        if not result.id:
            new = None
            plan = StepPlan("delete", property_diff(resource.outputs, {}))
            self.snapshots.remove_old(resource, gone=True)
        else:
            aso = tuple(resource.additional_secret_outputs)
            new = replace(
                resource,
                id=result.id,
                outputs=secret_keys(result.outputs, aso),
                inputs=unset_kept(result.inputs, resource.inputs) if result.inputs is not None else resource.inputs,
            )
            changes = property_diff(resource.outputs, new.outputs)
            plan = StepPlan("update" if changes else "same", changes)
            self.snapshots.replace_old(resource, new)
        # As Pulumi's RefreshStep: op ``refresh``; what it found (its ``ResultOp``) is the plan's op.
        context.emit("refresh", urn, resource.type, True, plan, resource, new, time.monotonic() - started, outputs=True)
        context.record(StepRecord("refresh", urn, resource.type, resource, new, plan))


def unset_kept(read: PropertyMap, old: PropertyMap) -> PropertyMap:
    """The inputs a read answered, except those the program leaves unset (null or absent in the old
    inputs), which stay unset: a value the server filled in is no input of the program's, and
    recording it would show as removed (``- max_count: 1``) in the next preview's diff."""
    if not old:
        return read  # nothing recorded yet (an import): the read's inputs are all there is
    return {key: value for key, value in read.items() if old.get(key) is not None}


def _reads(providers: ProviderRegistry, type_: str) -> bool:
    """Whether a refresh reads resources of ``type_``: dynamic ones and those of installed plugins."""
    return is_dynamic(type_) or providers.runs_plugin(type_)
