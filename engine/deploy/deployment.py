"""One run of the engine over a stack: a preview, update, destroy or refresh (Pulumi:
``pkg/resource/deploy/deployment.go``), wired from its parts:

* ``snapshot.SnapshotManager`` — the old and new resources, the pending operations, the writes;
* ``step_generator.StepGenerator`` — RegisterResource → a planned step; ``builtins.Builtins`` —
  ReadResource, stack references and invokes;
* ``step_executor.StepExecutor`` — a step applied through its provider (``providers.registry``
  routes each type to the gRPC plugin pool or the Kubernetes renderer);
* ``deletion.Deletion`` — what the program no longer declares, and ``destroy``; ``refresh.Refresh``.

The monitor hands the program's requests to a ``DeploymentRun`` (a ``RegistrationHandler``); when the
program has finished, ``finish`` deletes what it no longer declares, dependents before their
dependencies, in parallel up to ``parallel``. ``destroy`` and ``refresh`` work from the snapshot alone.
"""

from __future__ import annotations

import threading
from pathlib import Path

from aicompute.engine.deploy.builtins import Builtins, StackOutputsReader
from aicompute.engine.deploy.deletion import Deletion
from aicompute.engine.deploy.events import EventStream
from aicompute.engine.deploy.providers.base import Provider
from aicompute.engine.deploy.providers.external import PluginProviders
from aicompute.engine.deploy.providers.kubernetes import KubernetesRenderer
from aicompute.engine.deploy.providers.registry import ProviderRegistry
from aicompute.engine.deploy.refresh import Refresh
from aicompute.engine.deploy.registrations import ReadRegistration, RegisterResult, Registration
from aicompute.engine.deploy.run_context import RunContext, RunOptions, StepRecord
from aicompute.engine.deploy.snapshot import Journal, Persist, SnapshotManager
from aicompute.engine.deploy.step_executor import StepExecutor
from aicompute.engine.deploy.step_generator import StepGenerator
from aicompute.engine.resource.state import Deployment, PendingOperation, StateError
from aicompute.engine.resource.wire_values import PropertyMap


class DeploymentRun:
    """The steps of one preview, update, destroy or refresh, and the snapshot they produce."""

    def __init__(
        self,
        project: str,
        stack: str,
        base: Deployment,
        pool: Provider | None,
        events: EventStream,
        options: RunOptions,
        persist: Persist | None = None,
        read_stack_outputs: StackOutputsReader | None = None,
        adopting_pool: Provider | None = None,
        plugins: PluginProviders | None = None,
        journal: Journal | None = None,
    ) -> None:
        """``adopting_pool``: provider processes started with ``AICOMPUTE_RECONCILE_CREATES=1``, whose
        creates look their object up by name first and adopt it; used only to repeat a create that
        an interrupted deployment left pending (without one, such a create is repeated as is).
        ``plugins``: other packages' provider plugins (``providers.external``), when the run may use them.
        ``journal``: where the steps are written (``persist`` then writes nothing), if the backend journals."""
        lock = threading.RLock()
        self.context = RunContext(events, options, lock)
        self.snapshots = SnapshotManager(
            base,
            lock,
            persist=None if options.dry_run else persist,
            on_integrity_error=self._integrity_error,
            journal=journal,
        )
        kubernetes = KubernetesRenderer(Path(options.render_kubernetes)) if options.render_kubernetes else None
        if plugins is not None and kubernetes is None:
            plugins.lookup = self._provider_inputs
        else:
            plugins = None
        self.providers = ProviderRegistry(pool, kubernetes=kubernetes, adopting=adopting_pool, plugins=plugins)
        self.executor = StepExecutor(self.context, self.snapshots, self.providers)
        self.generator = StepGenerator(project, stack, self.context, self.snapshots, self.providers, self.executor)
        self.builtins = Builtins(self.generator, read_stack_outputs)
        self.deletion = Deletion(self.context, self.snapshots, self.executor)
        for operation in self.snapshots.previous_pending:
            events.diag(
                "warning",
                f"the previous deployment was interrupted while {operation.type} {operation.resource.urn}; "
                + _pending_advice(operation),
                operation.resource.urn,
            )

    def _provider_inputs(self, urn: str) -> PropertyMap | None:
        with self.snapshots.lock:
            resource = self.snapshots.new(urn) or self.snapshots.old(urn)
        return dict(resource.inputs) if resource is not None else None

    def _integrity_error(self, error: StateError) -> None:
        self.context.fail(
            "",
            f"the state breaks Pulumi's integrity rules ({error}); it was recorded anyway so that "
            "no resource is lost, but the Pulumi CLI refuses such a state: this is a bug in "
            "aicompute's engine, please report it",
        )

    # what the run has done -------------------------------------------------------------------
    @property
    def events(self) -> EventStream:
        return self.context.events

    @property
    def failed(self) -> bool:
        return self.context.failed

    @property
    def cancelled(self) -> bool:
        return self.context.cancelled

    @property
    def records(self) -> list[StepRecord]:
        """The finished steps, in the order they finished (a copy)."""
        with self.context.lock:
            return list(self.context.records)

    def snapshot(self) -> Deployment:
        return self.snapshots.snapshot()

    def persist(self) -> None:
        self.snapshots.persist()

    def close(self) -> None:
        """The run is over: its last checkpoint is written (with a journal; without, every step was)."""
        self.snapshots.close()

    def change_summary(self) -> dict[str, int]:
        return self.context.change_summary()

    def cancel(self) -> None:
        self.context.cancel()

    def interrupt(self) -> None:
        self.context.interrupt()

    # the program's requests (``RegistrationHandler``) ------------------------------------------
    def register_resource(self, reg: Registration) -> RegisterResult:
        return self.generator.register_resource(reg)

    def register_outputs(self, urn: str, outputs: PropertyMap) -> None:
        self.generator.register_outputs(urn, outputs)

    def read_resource(self, read: ReadRegistration) -> RegisterResult:
        return self.builtins.read_resource(read)

    def invoke(self, token: str, args: PropertyMap) -> PropertyMap:
        return self.builtins.invoke(token, args)

    # operations on the snapshot ----------------------------------------------------------------
    def finish(self, program_succeeded: bool) -> None:
        """Set the stack's outputs; delete what the program no longer declares (only after a successful program)."""
        self.generator.finish_stack_outputs(program_succeeded and not self.context.failed)
        self.deletion.finish(program_succeeded)

    def destroy(self) -> None:
        """Delete every resource of the snapshot (or of ``targets``), dependents first."""
        self.deletion.destroy()

    def refresh(self) -> None:
        Refresh(self.context, self.snapshots, self.executor).run()


def _pending_advice(operation: PendingOperation) -> str:
    if operation.type == "creating":
        return (
            "the object may exist on the platform without being in the state; the next update that declares it "
            "looks it up by name before creating it, and adopts it if it is there"
        )
    if operation.type == "deleting":
        return "the delete is repeated if the resource is still to be deleted (a delete of a gone object succeeds)"
    return "the resource is left as the state records it; `aicompute refresh` reads its actual state"
