"""Preview, update, refresh, destroy and import of one stack: the engine's pieces put together.

An operation loads the stack's state and config, starts the provider pool, serves the monitor to
the program (for preview and update), lets the ``DeploymentRun`` do the steps, and — unless it is
a preview — holds the stack's lock throughout, writes the state after every step (to the stack's
journal where the backend keeps one, and the whole checkpoint when each run ends) and records the
update in the stack's history. Interrupting (Ctrl-C) stops new steps, lets those in flight finish,
and records the state.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

from aicompute.engine.backend.base import Backend, StackRef, UpdateInfo
from aicompute.engine.backend.config import ResolvedConfig, resolve_config
from aicompute.engine.backend.project import Project, StackSettings
from aicompute.engine.backend.secrets_manager import state_crypter
from aicompute.engine.deploy.cancellation import CancellationScope
from aicompute.engine.deploy.deployment import DeploymentRun
from aicompute.engine.deploy.events import DiagnosticEvent, EventStream
from aicompute.engine.deploy.monitor import MonitorServer
from aicompute.engine.deploy.program import ProgramError, ProgramSpec, RunningProgram, start_program
from aicompute.engine.deploy.providers.base import ProviderError, is_dynamic
from aicompute.engine.deploy.providers.external import PluginProviders
from aicompute.engine.deploy.providers.plugin import ProviderHost, ProviderPool
from aicompute.engine.deploy.resource_types import ResourceClass
from aicompute.engine.deploy.run_context import RunOptions, StateWriteError, StepRecord
from aicompute.engine.deploy.snapshot import Journal
from aicompute.engine.deploy.step_plan import any_changes
from aicompute.engine.resource.checkpoint_values import is_secret
from aicompute.engine.resource.run_state import Layout, Record
from aicompute.engine.resource.state import (
    PYTHON_DYNAMIC_PACKAGE,
    Deployment,
    Manifest,
    ResourceState,
    StateError,
    default_provider_resource,
    root_stack_resource,
)
from aicompute.engine.resource.urn import default_provider_urn, make_urn, provider_reference, stack_urn
from aicompute.engine.resource.wire_values import PROVIDER_KEY, PropertyMap, make_secret, reveal, secret_keys
from aicompute.engine.secrets.passphrase import PassphraseSecretsManager
from aicompute.provider.engine_contract import RECONCILE_CREATES_ENV

if TYPE_CHECKING:
    from aicompute.engine.deploy.import_code import Declaration

Kind = Literal["update", "refresh", "destroy", "import"]


@dataclass
class StackTarget:
    """The stack an operation works on, opened: project, backend, settings, secrets."""

    project: Project
    backend: Backend
    ref: StackRef
    settings: StackSettings
    secrets: PassphraseSecretsManager


@dataclass(frozen=True)
class OperationOptions:
    dry_run: bool = True
    parallel: int = 16
    targets: frozenset[str] = frozenset()
    refresh: bool = False
    render_kubernetes: str = ""
    debug: bool = False
    """Keep the program's and the SDK's debug log messages (``--debug``)."""


@dataclass
class OperationResult:
    kind: Kind
    dry_run: bool
    succeeded: bool
    summary: dict[str, int]
    records: list[StepRecord]
    outputs: PropertyMap
    old_outputs: PropertyMap
    diagnostics: list[DiagnosticEvent]
    config: dict[str, str]
    duration: float
    interrupted: bool = False
    refresh_records: list[StepRecord] = field(default_factory=list)

    @property
    def has_changes(self) -> bool:
        return any_changes(self.summary)


def provider_config(config: ResolvedConfig) -> dict[str, Any]:
    """The stack config as the Pulumi CLI passes it to a dynamic provider's Configure: every key
    namespaced, every value a string, secret ones marked secret."""
    return {key: make_secret(value) if key in config.secret_keys else value for key, value in config.values.items()}


def _program_spec(target: StackTarget, config: ResolvedConfig, options: OperationOptions) -> ProgramSpec:
    project = target.project
    return ProgramSpec(
        project=project.name,
        stack=target.ref.name,
        root_directory=project.directory,
        main=project.main,
        runtime_options=dict(project.runtime.options),
        config=config.values,
        secret_keys=config.secret_keys,
        parallel=options.parallel,
        dry_run=options.dry_run,
        debug=options.debug,
    )


def _provider_host(target: StackTarget, config: ResolvedConfig, spec: ProgramSpec) -> ProviderHost:
    env = {
        "PULUMI_PROJECT": target.project.name,
        "PULUMI_STACK": target.ref.name,
        "PULUMI_ORGANIZATION": spec.organization,
        "PULUMI_CONFIG": json.dumps(config.values),
        "PULUMI_CONFIG_SECRET_KEYS": json.dumps(sorted(config.secret_keys)),
    }
    return ProviderHost(spec.toolchain.interpreter(), spec.working_directory, env)


class OperationContext:
    """What every operation sets up: state, config, pool, persistence."""

    def __init__(
        self, target: StackTarget, options: OperationOptions, events: EventStream, *, runs_program: bool
    ) -> None:
        self.target = target
        self.options = options
        self.events = events
        backend, ref, manager = target.backend, target.ref, target.secrets
        self.base = backend.load_deployment(ref, state_crypter(backend.secrets_providers(ref), manager))
        self.base.manifest = Manifest.new()
        self.base.secrets_providers = manager.secrets_providers()
        self.config = resolve_config(target.project, target.settings, manager)
        self.spec = _program_spec(target, self.config, options)
        self.spec.toolchain.ensure(lambda line: events.diag("info", line))
        host = _provider_host(target, self.config, self.spec)

        def log(line: str) -> None:
            events.diag("debug", line)

        self.pool = ProviderPool(host, provider_config(self.config), options.parallel, on_log=log)
        # For creates an interrupted deployment left pending only; its processes start on demand.
        adopting = replace(host, env={**host.env, RECONCILE_CREATES_ENV: "1"})
        self.adopting_pool = ProviderPool(adopting, provider_config(self.config), options.parallel, on_log=log)
        self.plugins = PluginProviders(events)
        if runs_program or any(is_dynamic(r.type) for r in self.base.resources):
            self.pool.prewarm()
        self.runs: list[DeploymentRun] = []
        self.program: RunningProgram | None = None
        self.cancelled = False

    def cancel(self) -> None:
        """SIGINT/SIGTERM: no new step starts, and the program (which may start none) is ended."""
        self.cancelled = True
        for run in list(self.runs):
            run.cancel()
        if self.program is not None:
            self.program.kill()

    def terminate(self) -> None:
        """A second signal: the provider processes are ended too, so the calls in flight fail and stay pending."""
        self.cancel()
        self.pool.close()
        self.adopting_pool.close()

    def close(self) -> None:
        self.pool.close()
        self.adopting_pool.close()
        self.plugins.close()

    def journal(self) -> Journal | None:
        """The stack's journal for a run's writes (None where the backend keeps none)."""
        target = self.target
        journal = target.backend.journal(target.ref, target.secrets)
        return None if journal is None else WriteErrors(journal, target.ref.name)

    def persist(self, deployment: Deployment) -> None:
        """Write the state after a step: schema and Pulumi's integrity rules checked
        (``Backend.save_deployment``). ``DeploymentRun.snapshot`` keeps every mid-run state in
        an order those rules accept (the live copy of a create-before-delete replacement before its
        old half marked ``delete``; a resource after what it refers to). Should a state still break
        them, it is written anyway (schema-checked) and the ``StateError`` goes back to the run,
        which fails: a state the Pulumi CLI questions is repairable, a created object missing from
        the state is an orphan."""
        backend, ref, crypter = self.target.backend, self.target.ref, self.target.secrets
        try:
            try:
                backend.save_deployment(ref, deployment, crypter)
            except StateError:
                backend.write_deployment(ref, deployment.to_json(crypter))
                raise
        except OSError as error:
            raise StateWriteError(ref.name, error) from None

    def read_stack_outputs(self, name: str) -> tuple[PropertyMap, list[str]]:
        backend = self.target.backend
        ref = StackRef.parse(name, self.target.project.name)
        crypter = state_crypter(backend.secrets_providers(ref), self.target.secrets)
        outputs = backend.load_deployment(ref, crypter).stack_outputs()
        return outputs, sorted(k for k, v in outputs.items() if is_secret(v))

    def new_run(self, base: Deployment, dry_run: bool) -> DeploymentRun:
        for earlier in self.runs:  # a refresh before an update: its last checkpoint comes first
            earlier.close()
        run = self._new_run(base, dry_run)
        self.runs.append(run)
        if self.cancelled:
            run.cancel()
        return run

    def _new_run(self, base: Deployment, dry_run: bool) -> DeploymentRun:
        return DeploymentRun(
            self.target.project.name,
            self.target.ref.name,
            base,
            self.pool,
            self.events,
            RunOptions(
                dry_run=dry_run,
                parallel=self.options.parallel,
                targets=self.options.targets,
                render_kubernetes=self.options.render_kubernetes,
                dynamic_provider_config=provider_config(self.config),
            ),
            persist=self.persist,
            read_stack_outputs=self.read_stack_outputs,
            adopting_pool=self.adopting_pool,
            plugins=self.plugins,
            journal=None if dry_run else self.journal(),
        )

    def result(self, kind: Kind, run: DeploymentRun, started: float, **extra: Any) -> OperationResult:
        if run.cancelled:
            self.events.diag("error", "update canceled")  # Pulumi's words, whatever the operation
        run.close()
        snapshot = run.snapshot()
        return OperationResult(
            kind=kind,
            dry_run=self.options.dry_run,
            succeeded=not run.failed and not self.events.errors,
            summary=run.change_summary(),
            records=list(run.records),
            outputs=snapshot.stack_outputs(),
            old_outputs=self.base.stack_outputs(),
            diagnostics=list(self.events.diagnostics),
            config=masked_config(self.config.values, self.config.secret_keys),
            duration=time.monotonic() - started,
            interrupted=run.cancelled,
            **extra,
        )

    def record(self, kind: Kind, result: OperationResult, started_at: float) -> None:
        if self.options.dry_run:
            return
        self.target.backend.record_update(
            self.target.ref,
            UpdateInfo(
                kind=kind,
                start_time=int(started_at),
                end_time=int(time.time()),
                result="succeeded" if result.succeeded else "failed",
                environment={"exec.kind": "aicompute"},
                config=result.config,
                resource_changes=result.summary,
            ),
        )


class WriteErrors:
    """A stack's journal whose failed writes (a full or read-only disk) fail the step, as ``persist``'s do."""

    def __init__(self, journal: Journal, stack: str) -> None:
        self._journal = journal
        self._stack = stack

    def due(self) -> bool:
        return self._journal.due()

    def encode(self, record: Record) -> str:
        return self._journal.encode(record)

    def append(self, records: list[str]) -> None:
        with self._reported():
            self._journal.append(records)

    def checkpoint(self, deployment: Deployment, layout: Layout) -> None:
        with self._reported():
            self._journal.checkpoint(deployment, layout)

    def close(self, deployment: Deployment, layout: Layout) -> None:
        with self._reported():
            self._journal.close(deployment, layout)

    @contextmanager
    def _reported(self) -> Iterator[None]:
        try:
            yield
        except OSError as error:
            raise StateWriteError(self._stack, error) from None


@contextmanager
def _locked(target: StackTarget, dry_run: bool, events: EventStream) -> Iterator[None]:
    """The stack's lock (none for a preview); a stale lock broken on the way is shown as a warning."""
    if dry_run:
        yield
        return
    with target.backend.lock(target.ref) as lock:
        for notice in lock.notices:
            events.diag("warning", notice)
        yield


def run_update(target: StackTarget, options: OperationOptions, events: EventStream) -> OperationResult:
    """``preview`` (``dry_run``) or ``up``: run the program and converge the stack on it."""
    started, started_at = time.monotonic(), time.time()
    with CancellationScope(events) as scope, _locked(target, options.dry_run, events):
        context = OperationContext(target, options, events, runs_program=True)
        scope.attach(context)
        try:
            result = _update(context, started)
        finally:
            context.close()
        context.record("update", result, started_at)
        return result


def _update(context: OperationContext, started: float) -> OperationResult:
    base = context.base
    refresh_records: list[StepRecord] = []
    if context.options.refresh:
        refresher = context.new_run(base, context.options.dry_run)
        refresher.refresh()
        refresh_records = list(refresher.records)
        if refresher.failed or refresher.cancelled:
            return context.result("update", refresher, started, refresh_records=refresh_records)
        base = refresher.snapshot()
    run = context.new_run(base, context.options.dry_run)
    _run_program(context, run)
    return context.result("update", run, started, refresh_records=refresh_records)


def _run_program(context: OperationContext, run: DeploymentRun) -> None:
    """Serve the monitor to the program until it exits, then finish the run."""
    events = context.events
    with MonitorServer(run, events, context.options.parallel) as server:
        try:
            program = start_program(
                context.spec, server.address, server.address, lambda _stream, line: events.diag("info", line)
            )
        except ProgramError as error:
            events.diag("error", str(error))
            run.finish(False)
            return
        context.program = program
        if run.cancelled:  # a signal came while the program started
            program.kill()
        code = program.wait()
        # A cancelled run's program is ended at once; the steps it started finish (or, once
        # terminated, fail and stay pending) before the run is finished and the state written.
        run.executor.wait_idle()
    if run.cancelled:
        run.finish(False)
        return
    if code != 0 and not events.errors:
        events.diag("error", f"the program exited with code {code}")
    run.finish(code == 0)


def run_destroy(target: StackTarget, options: OperationOptions, events: EventStream) -> OperationResult:
    """Delete every resource of the stack (or the ``--target`` ones), dependents first."""
    started, started_at = time.monotonic(), time.time()
    with CancellationScope(events) as scope, _locked(target, options.dry_run, events):
        context = OperationContext(target, options, events, runs_program=False)
        scope.attach(context)
        try:
            run = context.new_run(context.base, options.dry_run)
            run.destroy()
            result = context.result("destroy", run, started)
        finally:
            context.close()
        context.record("destroy", result, started_at)
        return result


def run_refresh(target: StackTarget, options: OperationOptions, events: EventStream) -> OperationResult:
    """Read every resource back from its provider and record what is there now."""
    started, started_at = time.monotonic(), time.time()
    with CancellationScope(events) as scope, _locked(target, options.dry_run, events):
        context = OperationContext(target, options, events, runs_program=False)
        scope.attach(context)
        try:
            run = context.new_run(context.base, options.dry_run)
            run.refresh()
            result = context.result("refresh", run, started)
        finally:
            context.close()
        context.record("refresh", result, started_at)
        return result


def masked_config(values: Mapping[str, str], secret_keys: set[str]) -> dict[str, str]:
    """The config as ``--json`` and the history show it: secret values masked."""
    return {k: "[secret]" if k in secret_keys else v for k, v in values.items()}


@dataclass(frozen=True)
class ImportResult:
    resource: ResourceState
    declaration: Declaration


def run_import(
    target: StackTarget,
    resource: ResourceClass,
    name: str,
    resource_id: str,
    events: EventStream,
    *,
    protect: bool = True,
) -> ImportResult:
    """``aicompute import``: read the object through its provider and add it to the stack's state
    (top-level, with the inputs the provider read back), as ``pulumi import`` does; return the code
    that declares it."""
    started_at = time.time()
    with target.backend.lock(target.ref):
        context = OperationContext(target, OperationOptions(dry_run=False, parallel=1), events, runs_program=False)
        try:
            imported = _import(context, resource, name, resource_id, protect)
        finally:
            context.close()
        target.backend.record_update(
            target.ref,
            UpdateInfo(
                kind="import",
                start_time=int(started_at),
                end_time=int(time.time()),
                result="succeeded",
                environment={"exec.kind": "aicompute"},
                config=masked_config(context.config.values, context.config.secret_keys),
                resource_changes={"import": 1},
            ),
        )
        return imported


def _import(
    context: OperationContext, resource: ResourceClass, name: str, resource_id: str, protect: bool
) -> ImportResult:
    project, stack, base = context.target.project.name, context.target.ref.name, context.base
    root_urn = stack_urn(stack, project)
    urn = make_urn(stack, project, resource.token, name, root_urn)
    if base.find(urn) is not None:
        raise ValueError(f"{urn} is already in the stack: import the object under another name")
    managed = next(
        (r for r in base.resources if r.type == resource.token and r.id == resource_id and not r.delete), None
    )
    if managed is not None:
        raise ValueError(f"{resource.token} {resource_id!r} is already in the stack, as {managed.urn}")
    serialized = make_secret(resource.serialized_provider())
    try:
        read = context.pool.read(urn, resource.token, name, resource_id, {PROVIDER_KEY: serialized}, {})
    except ProviderError as error:
        raise ProviderError("read", urn, f"reading {resource.token} {resource_id!r} failed: {error.message}") from None
    if not read.id:
        raise ValueError(f"{resource.token} {resource_id!r} does not exist: nothing was imported")
    if read.inputs is None:
        raise ValueError(f"the provider of {resource.token} reports no inputs on read, so it cannot be imported")
    secret_names = tuple(sorted(resource.secret_inputs))
    inputs = secret_keys({k: v for k, v in read.inputs.items() if k != PROVIDER_KEY}, secret_names)
    outputs = secret_keys({k: v for k, v in read.outputs.items() if k != PROVIDER_KEY}, secret_names)

    resources = list(base.resources)
    if base.find(root_urn) is None:
        resources.insert(0, root_stack_resource(stack, project))
    provider = base.find(default_provider_urn(stack, project, PYTHON_DYNAMIC_PACKAGE))
    if provider is None:
        provider = default_provider_resource(stack, project)
        resources.append(provider)
    imported = ResourceState(
        urn=urn,
        type=resource.token,
        custom=True,
        id=read.id,
        parent=root_urn,
        provider=provider_reference(provider.urn, provider.id),
        inputs={**inputs, PROVIDER_KEY: serialized},
        outputs={**outputs, PROVIDER_KEY: serialized},
        protect=protect,
        additional_secret_outputs=list(resource.secret_outputs),
    )
    resources.append(imported)
    base.resources = resources
    context.target.backend.save_deployment(context.target.ref, base, context.target.secrets)
    # imported here, not at the top: only import needs it, and the CLI's start-up need not load it
    from aicompute.engine.deploy.import_code import declaration_code

    return ImportResult(imported, declaration_code(resource, name, reveal(inputs), protect=protect))
