"""One run of the engine over a stack: the registrations of a program turned into steps.

``DeploymentRun`` receives what the program registers (through the monitor), decides each
resource's step with Pulumi's semantics (``steps``), runs it through the provider pool — never a
mutating call in a preview — and keeps the new snapshot: resources registered so far, in order,
then the old ones not yet dealt with. After every step the snapshot is handed to ``persist`` (the
backend writes it atomically); a step in flight is recorded in ``pending_operations`` first, so an
interrupted run leaves a trace the next one reports and resolves.

When the program has finished, ``finish`` deletes what it no longer declares (and the old halves
of create-before-delete replacements), dependents before their dependencies, in parallel up to
``parallel``. ``destroy`` and ``refresh`` work from the snapshot alone.

Steps run concurrently: each RegisterResource arrives on its own monitor thread, and the Pulumi
SDK only sends a registration once the resources it depends on have answered, so dependency order
holds; a semaphore bounds the steps in flight to ``parallel``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from pathlib import Path

from aicompute.engine.deploy.events import EventStream, StepEvent
from aicompute.engine.deploy.providers.kubernetes import KUBERNETES_PACKAGE, KubernetesRenderer, is_kubernetes
from aicompute.engine.deploy.providers.plugin import ProviderError, ProviderPool, is_dynamic
from aicompute.engine.deploy.step_plan import CHANGE_OPS, Op, StepPlan, apply_ignore_changes, plan_update, property_diff
from aicompute.engine.resource.state import (
    Deployment,
    PendingOperation,
    ResourceState,
    StateError,
    default_provider_resource,
    drop_references,
    references,
    rename_references,
    topological_order,
)
from aicompute.engine.resource.urn import (
    ROOT_STACK_TYPE,
    default_provider_urn,
    is_provider_type,
    make_urn,
    parse_urn,
    provider_reference,
)
from aicompute.engine.resource.wire_values import PropertyMap, mask, secret_keys

PYTHON_PACKAGE = "pulumi-python"
BUILTIN_PACKAGE = "pulumi"
STACK_REFERENCE_TYPE = "pulumi:pulumi:StackReference"

Persist = Callable[[Deployment], None]
StackOutputsReader = Callable[[str], tuple[PropertyMap, list[str]]]
"""Reads another stack of the same backend: (its outputs, the names of the secret ones)."""


class StepFailed(Exception):
    """A step could not be done; the message is what the user sees next to the resource."""

    def __init__(self, urn: str, message: str) -> None:
        super().__init__(message)
        self.urn = urn
        self.message = message


def unsupported_type_message(type_: str) -> str:
    package = type_.split(":", 1)[0]
    if is_provider_type(type_):
        package = type_.removeprefix("pulumi:providers:")
    message = (
        f"resource type {type_!r} needs the Pulumi provider plugin {package!r}, which aicompute's embedded "
        "engine cannot run (it runs Python dynamic resources only); deploy this program with the Pulumi CLI "
        "(`pulumi preview` / `pulumi up`), which shares aicompute's state format"
    )
    if is_kubernetes(type_):
        message += ", or render its Kubernetes objects as YAML manifests with `--render-kubernetes DIR`"
    return message


@dataclass(frozen=True)
class Registration:
    """A RegisterResource request, decoded."""

    type: str
    name: str
    custom: bool
    parent: str = ""
    inputs: PropertyMap = field(default_factory=dict)
    protect: bool = False
    dependencies: tuple[str, ...] = ()
    property_dependencies: Mapping[str, list[str]] = field(default_factory=dict)
    delete_before_replace: bool = False
    ignore_changes: tuple[str, ...] = ()
    additional_secret_outputs: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    replace_on_changes: tuple[str, ...] = ()
    retain_on_delete: bool = False
    provider: str = ""
    import_id: str = ""


@dataclass(frozen=True)
class ReadRegistration:
    """A ReadResource request (``Resource.get`` and ``StackReference``), decoded."""

    type: str
    name: str
    id: str
    parent: str = ""
    inputs: PropertyMap = field(default_factory=dict)
    dependencies: tuple[str, ...] = ()
    additional_secret_outputs: tuple[str, ...] = ()
    provider: str = ""


@dataclass(frozen=True)
class RegisterResult:
    urn: str
    id: str = ""
    outputs: PropertyMap = field(default_factory=dict)
    failed: bool = False
    unknown: bool = False


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


@dataclass
class RunOptions:
    dry_run: bool = True
    parallel: int = 16
    targets: frozenset[str] = frozenset()
    render_kubernetes: str = ""
    """A directory: ``kubernetes:*`` resources are rendered there as YAML manifests (``kubernetes_render``)."""


def _name_of(urn: str) -> str:
    return parse_urn(urn).name


class DeploymentRun:
    """The steps of one preview, update, destroy or refresh, and the snapshot they produce."""

    def __init__(
        self,
        project: str,
        stack: str,
        base: Deployment,
        pool: ProviderPool | None,
        events: EventStream,
        options: RunOptions,
        persist: Persist | None = None,
        read_stack_outputs: StackOutputsReader | None = None,
        adopting_pool: ProviderPool | None = None,
    ) -> None:
        """``adopting_pool``: provider processes started with ``AICOMPUTE_RECONCILE_CREATES=1``, whose
        creates look their object up by name first and adopt it; used only to repeat a create that
        an interrupted deployment left pending (without one, such a create is repeated as is)."""
        self.project = project
        self.stack = stack
        self.base = base
        self.pool = pool
        self.adopting_pool = adopting_pool
        self.events = events
        self.options = options
        self._persist = persist
        self._read_stack_outputs = read_stack_outputs
        self._lock = threading.RLock()
        self._persist_lock = threading.Lock()
        self._persist_requested = 0
        """How many ``persist`` calls have been made (counted under ``_lock``)."""
        self._persist_written = 0
        """How many of them the last write recorded (its snapshot was taken after them)."""
        self._slots = threading.BoundedSemaphore(max(1, options.parallel))
        self.old_resources: list[ResourceState] = list(base.resources)
        self.new_resources: list[ResourceState] = []
        self.registered: set[str] = set()
        self.records: list[StepRecord] = []
        self.pending: list[PendingOperation] = []
        self.previous_pending: list[PendingOperation] = list(base.pending_operations)
        self.failed = False
        self.cancelled = False
        self.root_urn = ""
        self._renamed: dict[str, str] = {}
        """Old URN → new URN of the resources found through an alias."""
        self._gone: list[ResourceState] = []
        """Resources a refresh found deleted (the references to them are repaired in ``snapshot``)."""
        self._integrity_reported = False
        self.kubernetes = KubernetesRenderer(Path(options.render_kubernetes)) if options.render_kubernetes else None
        for operation in self.previous_pending:
            self.events.diag(
                "warning",
                f"the previous deployment was interrupted while {operation.type} {operation.resource.urn}; "
                + _pending_advice(operation),
                operation.resource.urn,
            )

    # snapshot --------------------------------------------------------------------------------
    def snapshot(self) -> Deployment:
        """The state as of now, in an order Pulumi's integrity rules accept.

        Resources registered so far come first, then the old ones not yet dealt with; references to
        a URN an alias renamed, or to a resource a refresh found deleted, are repaired as Pulumi
        repairs them; and a resource that refers to one listed after it (an untargeted resource
        kept with its old dependencies) moves down past it (``state.topological_order``).
        """
        with self._lock:
            pending = [*self.previous_pending, *self.pending]
            resources = [*self.new_resources, *self.old_resources]
            for gone in self._gone:
                resources = drop_references(resources, gone)
            if self._renamed:
                present = {r.urn for r in resources}
                renamed = {old: new for old, new in self._renamed.items() if old not in present}
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
        if self.options.dry_run or self._persist is None:
            return
        with self._lock:
            self._persist_requested += 1
            wanted = self._persist_requested
        with self._persist_lock:
            if self._persist_written >= wanted:
                return  # written meanwhile, by a write whose snapshot was taken after this call's change
            with self._lock:
                covered = self._persist_requested
                snapshot = self.snapshot()
            try:
                self._persist(snapshot)
                self._persist_written = covered
            except StateError as error:
                self._persist_written = covered  # written anyway (see ``operations._Context.persist``)
                # The persist callback writes such a state anyway (losing track of a created object
                # would be worse); the run fails so that the problem is seen.
                if not self._integrity_reported:
                    self._integrity_reported = True
                    self._fail(
                        "",
                        f"the state breaks Pulumi's integrity rules ({error}); it was recorded anyway so that "
                        "no resource is lost, but the Pulumi CLI refuses such a state: this is a bug in "
                        "aicompute's engine, please report it",
                    )

    def _old(self, urn: str) -> ResourceState | None:
        return next((r for r in self.old_resources if r.urn == urn and not r.delete), None)

    def _drop_old(self, resource: ResourceState) -> None:
        self.old_resources = [r for r in self.old_resources if r is not resource]

    def _swap_old(self, resource: ResourceState, replacement: ResourceState) -> None:
        self.old_resources = [replacement if r is resource else r for r in self.old_resources]

    def _new(self, urn: str) -> ResourceState | None:
        return next((r for r in self.new_resources if r.urn == urn), None)

    def _resolve_previous_pending(self, urn: str) -> None:
        self.previous_pending = [op for op in self.previous_pending if op.resource.urn != urn]

    # events ----------------------------------------------------------------------------------
    def _emit(
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
        """``outputs``: the diff is of outputs (a refresh), not inputs."""
        old_props = (old.outputs if outputs else old.inputs) if old else None
        new_props = (new.outputs if outputs else new.inputs) if new else None
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
            )
        )

    def _record(self, record: StepRecord) -> None:
        with self._lock:
            self.records.append(record)

    # providers -------------------------------------------------------------------------------
    def _default_provider(self, package: str) -> str:
        """The reference to a package's default provider, registering it in the new snapshot once."""
        urn = default_provider_urn(self.stack, self.project, package)
        with self._lock:
            existing = self._new(urn)
            if existing is None:
                old = self._old(urn)
                if old is not None:
                    self._drop_old(old)
                    existing = old
                else:
                    existing = default_provider_resource(self.stack, self.project, package)
                self.new_resources.append(existing)
                self.registered.add(urn)
            return provider_reference(urn, existing.id)

    def _renders(self, type_: str) -> bool:
        return self.kubernetes is not None and is_kubernetes(type_)

    def _require_pool(self, type_: str = "") -> ProviderPool | KubernetesRenderer:
        if self.kubernetes is not None and is_kubernetes(type_):
            return self.kubernetes
        if self.pool is None:
            raise RuntimeError("this run has no provider pool")
        return self.pool

    def cancel(self) -> None:
        """Start no new step (after Ctrl-C); steps in flight finish and are recorded."""
        with self._lock:
            self.cancelled = True

    def interrupt(self) -> None:
        """Ctrl-C: say so once, and cancel."""
        if not self.cancelled:
            self.events.diag("warning", "interrupted: finishing the steps in flight, then recording the state")
        self.cancel()

    # registrations ---------------------------------------------------------------------------
    def register_resource(self, reg: Registration) -> RegisterResult:
        urn = make_urn(self.stack, self.project, reg.type, reg.name, reg.parent or None)
        with self._lock:
            if urn in self.registered:
                self._fail(urn, f"duplicate resource URN {urn}: give the resource a unique name")
                return RegisterResult(urn, failed=True)
            self.registered.add(urn)
            old = self._old(urn)
            if old is None:
                old = next((r for alias in reg.aliases if (r := self._old(alias)) is not None), None)
                if old is not None:
                    self.registered.add(old.urn)
                    self._renamed[old.urn] = urn
            if (self.failed or self.cancelled) and reg.custom:
                # As Pulumi: after a failed step (or an interrupt), no new step starts.
                return RegisterResult(urn, failed=True)
            missing = self._missing_references(
                [reg.parent, *reg.dependencies, *(u for us in reg.property_dependencies.values() for u in us)]
            )
        if missing:
            return self._refuse_missing(urn, missing)
        if reg.type == ROOT_STACK_TYPE and not reg.parent:
            self.root_urn = urn
        if not reg.custom:
            return self._component(reg, urn, old)
        if not is_dynamic(reg.type) and not self._renders(reg.type):
            self._fail(urn, unsupported_type_message(reg.type))
            return RegisterResult(urn, failed=True)
        if reg.import_id and old is None:
            self._fail(
                urn,
                f"the `import` resource option ({reg.import_id!r}) is not supported by aicompute's embedded engine; "
                f"import the object with `aicompute import {reg.type} {reg.name} {reg.import_id}` and declare it "
                "without the option (or adopt it read-only with `Resource.get`)",
            )
            return RegisterResult(urn, failed=True)
        if self.options.targets and urn not in self.options.targets:
            return self._untargeted(reg, urn, old)
        if not self._renders(reg.type):
            provider = self._default_provider(PYTHON_PACKAGE)
        elif is_provider_type(reg.type):
            provider = ""  # an explicit kubernetes provider: recorded, never run
        else:
            provider = reg.provider or self._default_provider(KUBERNETES_PACKAGE)
        with self._slots:
            try:
                return self._custom(reg, urn, old, provider)
            except StepFailed as failure:
                self._fail(failure.urn, failure.message)
                return RegisterResult(urn, failed=True)

    def _missing_references(self, urns: Iterable[str]) -> list[str]:
        """The URNs among ``urns`` that no resource of the state has (called with the lock held)."""
        present = {r.urn for r in self.new_resources} | {r.urn for r in self.old_resources}
        return [urn for urn in dict.fromkeys(urns) if urn and urn not in present]

    def _refuse_missing(self, urn: str, missing: list[str]) -> RegisterResult:
        """A registration that refers to resources the state does not have: after a failed step those
        are resources that failed (the program goes on with unknowns; as Pulumi, nothing more is
        recorded); otherwise resources left out by ``--target`` before they were ever created."""
        if not (self.failed or self.cancelled):
            untargeted = [m for m in missing if m in self.registered]
            if untargeted:
                self._fail(
                    urn,
                    f"{urn} depends on {', '.join(untargeted)}, which --target leaves out and which is not created "
                    "yet: add it to the targets (--target URN)",
                )
            else:
                self._fail(urn, f"{urn} refers to {', '.join(missing)}, which the stack does not have")
        return RegisterResult(urn, failed=True)

    def _fail(self, urn: str, message: str) -> None:
        with self._lock:
            self.failed = True
        self.events.diag("error", message, urn)

    def _state_for(self, reg: Registration, urn: str, provider: str) -> ResourceState:
        return ResourceState(
            urn=urn,
            type=reg.type,
            custom=reg.custom,
            parent=reg.parent,
            provider=provider,
            dependencies=list(dict.fromkeys(reg.dependencies)),
            property_dependencies={k: list(v) for k, v in reg.property_dependencies.items() if v},
            protect=reg.protect,
            additional_secret_outputs=list(reg.additional_secret_outputs),
            retain_on_delete=reg.retain_on_delete,
            import_id=reg.import_id,
        )

    def _component(self, reg: Registration, urn: str, old: ResourceState | None) -> RegisterResult:
        new = self._state_for(reg, urn, "")
        new.inputs = dict(reg.inputs)
        new.outputs = dict(old.outputs) if old else {}
        plan = StepPlan("same" if old else "create")
        with self._lock:
            if old is not None:
                self._drop_old(old)
            self.new_resources.append(new)
            self._resolve_previous_pending(urn)
        self.persist()
        self._emit(plan.op, urn, reg.type, True, plan, old, new)
        self._record(StepRecord(plan.op, urn, reg.type, old, new, plan))
        return RegisterResult(urn, "", new.outputs)

    def _untargeted(self, reg: Registration, urn: str, old: ResourceState | None) -> RegisterResult:
        """Not in ``--target``: keep what the state has; a resource not yet created stays uncreated."""
        if old is None:
            return RegisterResult(urn, unknown=True)
        with self._lock:
            self._drop_old(old)
            self.new_resources.append(old)
        self._record(StepRecord("same", urn, reg.type, old, old, StepPlan("same")))
        return RegisterResult(urn, old.id, old.outputs)

    def _custom(self, reg: Registration, urn: str, old: ResourceState | None, provider: str) -> RegisterResult:
        pool = self._require_pool(reg.type)
        # Deleted by an interrupted delete-before-replace: only the create is left to do.
        old_for_diff = None if old is not None and old.pending_replacement else old
        news = dict(reg.inputs)
        if old_for_diff is not None and reg.ignore_changes:
            news = apply_ignore_changes(news, old_for_diff.inputs, reg.ignore_changes)
        try:
            checked, failures = pool.check(urn, reg.type, reg.name, old_for_diff.inputs if old_for_diff else {}, news)
        except ProviderError as error:
            raise StepFailed(urn, f"check failed: {error.message}") from None
        if failures:
            reasons = "; ".join(
                f.reason if f.reason.startswith(f.property) else f"{f.property}: {f.reason}" for f in failures
            )
            raise StepFailed(urn, f"{reg.type} {reg.name!r}: invalid inputs: {reasons}")

        new = self._state_for(reg, urn, provider)
        new.inputs = checked
        if old_for_diff is None:
            plan = StepPlan("create", property_diff({}, checked))
        else:
            try:
                diff = pool.diff(
                    urn,
                    reg.type,
                    reg.name,
                    old_for_diff.id,
                    old_for_diff.outputs,
                    checked,
                    old_for_diff.inputs,
                    list(reg.ignore_changes),
                )
            except ProviderError as error:
                raise StepFailed(urn, f"diff failed: {error.message}") from None
            plan = plan_update(old_for_diff.inputs, checked, diff, reg.replace_on_changes, reg.delete_before_replace)
        if plan.op == "replace" and (reg.protect or (old is not None and old.protect)):
            raise StepFailed(
                urn,
                f"unable to replace {urn}: it is protected. Remove `protect` from the resource in the program "
                "and run the update again, or change the inputs that force a replacement "
                f"({', '.join(plan.replace_reasons)})",
            )

        self._emit(plan.op, urn, reg.type, False, plan, old, new)
        started = time.monotonic()
        try:
            self._execute(plan, reg, new, old, old_for_diff)
        except ProviderError as error:
            self._emit(plan.op, urn, reg.type, True, plan, old, new, time.monotonic() - started, error.message)
            self._record(StepRecord(plan.op, urn, reg.type, old, new, plan, True, error.message))
            raise StepFailed(urn, f"{_verb(plan.op)} failed: {error.message}") from None
        self._emit(plan.op, urn, reg.type, True, plan, old, new, time.monotonic() - started)
        self._record(StepRecord(plan.op, urn, reg.type, old, new, plan))
        return RegisterResult(urn, new.id, new.outputs)

    def _execute(
        self,
        plan: StepPlan,
        reg: Registration,
        new: ResourceState,
        old: ResourceState | None,
        old_for_diff: ResourceState | None,
    ) -> None:
        pool = self._require_pool(reg.type)
        aso = tuple(reg.additional_secret_outputs)
        if plan.op == "same":
            assert old_for_diff is not None
            new.id = old_for_diff.id
            new.outputs = secret_keys(old_for_diff.outputs, aso)
            self._commit(new, old)
            return
        if self.options.dry_run:
            # Pulumi's preview: a create or replace has no id yet, and outputs are the inputs
            # (every other output reads as unknown in the program).
            new.id = "" if plan.op in ("create", "replace") else (old_for_diff.id if old_for_diff else "")
            new.outputs = secret_keys(new.inputs, aso)
            self._commit(new, old)
            return
        if plan.op == "create":
            self._create(new, aso)
            self._commit(new, old)
        elif plan.op == "update":
            assert old_for_diff is not None
            new.id = old_for_diff.id
            with self._pending("updating", old_for_diff):
                outputs = pool.update(
                    new.urn, new.type, reg.name, new.id, old_for_diff.outputs, new.inputs, old_for_diff.inputs
                )
            new.outputs = secret_keys(outputs, aso)
            self._commit(new, old)
        elif plan.op == "replace":
            assert old_for_diff is not None
            if plan.delete_before_replace:
                self._delete_resource(old_for_diff, reg.retain_on_delete or old_for_diff.retain_on_delete)
                gone = replace(old_for_diff, pending_replacement=True)
                with self._lock:
                    self._swap_old(old_for_diff, gone)
                self.persist()
                self._create(new, aso)
                self._commit(new, gone)
            else:
                self._create(new, aso)
                if new.id == old_for_diff.id:
                    # A repeated create adopted the very object it replaces (found under its name):
                    # recording it twice would delete it with the old half.
                    raise ProviderError(
                        "create",
                        new.urn,
                        f"the replacement found the object it replaces ({new.id}) under its name; give the "
                        "replacement another name, or replace delete-first (delete_before_replace)",
                    )
                retain = reg.retain_on_delete or old_for_diff.retain_on_delete
                doomed = replace(old_for_diff, delete=True, retain_on_delete=retain)
                with self._lock:
                    self._swap_old(old_for_diff, doomed)
                self._commit(new, None)

    def _create(self, new: ResourceState, aso: tuple[str, ...]) -> None:
        pool = self._require_pool(new.type)
        if self.adopting_pool is not None and is_dynamic(new.type) and self._create_may_have_happened(new.urn):
            # The object may exist on the platform without being in the state: the provider looks
            # it up by name before posting, and adopts it if it is there. Only here — an ordinary
            # create that meets an object of its name (someone else's) must fail, not adopt it.
            self.events.diag(
                "info",
                f"{new.urn}: the interrupted create is repeated; an object of the same name is adopted if it exists",
                new.urn,
            )
            pool = self.adopting_pool
        with self._pending("creating", new):
            new.id, outputs = pool.create(new.urn, new.type, _name_of(new.urn), new.inputs)
        new.outputs = secret_keys(outputs, aso)

    def _create_may_have_happened(self, urn: str) -> bool:
        """Whether the state holds a pending create of ``urn`` from an interrupted deployment."""
        with self._lock:
            return any(op.type == "creating" and op.resource.urn == urn for op in self.previous_pending)

    def _commit(self, new: ResourceState, old: ResourceState | None) -> None:
        with self._lock:
            if old is not None:
                self._drop_old(old)
            self.new_resources.append(new)
            self._resolve_previous_pending(new.urn)
        self.persist()

    def _pending(self, kind: str, resource: ResourceState) -> _PendingScope:
        return _PendingScope(self, PendingOperation(resource, kind))  # type: ignore[arg-type]

    # outputs, reads, invokes -----------------------------------------------------------------
    def register_outputs(self, urn: str, outputs: PropertyMap) -> None:
        with self._lock:
            resource = self._new(urn)
            if resource is None and (self.failed or self.cancelled):
                return  # a component refused after a failed step (``_refuse_missing``)
            if resource is None:
                raise KeyError(f"RegisterResourceOutputs for {urn}, which was not registered")
            if (self.failed or self.cancelled) and not self.options.dry_run:
                # After a failed step the program carries on with unknowns in place of the failed
                # resources' outputs; as Pulumi, keep the outputs the state had.
                return
            resource.outputs = dict(outputs)
        self.persist()

    def read_resource(self, read: ReadRegistration) -> RegisterResult:
        urn = make_urn(self.stack, self.project, read.type, read.name, read.parent or None)
        with self._lock:
            if urn in self.registered:
                self._fail(urn, f"duplicate resource URN {urn}: give the resource a unique name")
                return RegisterResult(urn, failed=True)
            self.registered.add(urn)
            old = self._old(urn)
            missing = self._missing_references([read.parent, *read.dependencies])
        if missing:
            return self._refuse_missing(urn, missing)
        try:
            if read.type == STACK_REFERENCE_TYPE:
                new = self._read_stack_reference(read, urn)
            elif is_dynamic(read.type):
                new = self._read_dynamic(read, urn)
            else:
                raise StepFailed(urn, unsupported_type_message(read.type))
        except StepFailed as failure:
            self._fail(urn, failure.message)
            return RegisterResult(urn, failed=True)
        plan = StepPlan("read")
        with self._lock:
            if old is not None:
                self._drop_old(old)
            self.new_resources.append(new)
        self.persist()
        self._emit("read", urn, read.type, True, plan, old, new)
        self._record(StepRecord("read", urn, read.type, old, new, plan))
        return RegisterResult(urn, new.id, new.outputs)

    def _read_stack_reference(self, read: ReadRegistration, urn: str) -> ResourceState:
        name = str(read.inputs.get("name") or read.id)
        if self._read_stack_outputs is None:
            raise StepFailed(urn, "stack references need a backend")
        try:
            outputs, secret_names = self._read_stack_outputs(name)
        except (KeyError, ValueError, OSError) as error:
            raise StepFailed(urn, f"cannot read stack {name!r}: {error}") from None
        provider = self._default_provider(BUILTIN_PACKAGE)
        return ResourceState(
            urn=urn,
            type=read.type,
            custom=True,
            id=name,
            external=True,
            parent=read.parent,
            provider=provider,
            inputs={"name": name},
            outputs={"name": name, "outputs": outputs, "secretOutputNames": sorted(secret_names)},
            dependencies=list(read.dependencies),
        )

    def _read_dynamic(self, read: ReadRegistration, urn: str) -> ResourceState:
        provider = self._default_provider(PYTHON_PACKAGE)
        try:
            with self._slots:
                result = self._require_pool().read(urn, read.type, read.name, read.id, {}, read.inputs)
        except ProviderError as error:
            raise StepFailed(urn, f"reading {read.type} {read.id!r} failed: {error.message}") from None
        if not result.id:
            raise StepFailed(urn, f"{read.type} with id {read.id!r} does not exist")
        return ResourceState(
            urn=urn,
            type=read.type,
            custom=True,
            id=result.id,
            external=True,
            parent=read.parent,
            provider=provider,
            inputs=result.inputs if result.inputs is not None else dict(read.inputs),
            outputs=secret_keys(result.outputs, read.additional_secret_outputs),
            dependencies=list(read.dependencies),
            additional_secret_outputs=list(read.additional_secret_outputs),
        )

    def invoke(self, token: str, args: PropertyMap) -> PropertyMap:
        """Pulumi's built-in functions; anything else belongs to a provider plugin we cannot run."""
        if token == "pulumi:pulumi:getResource":
            urn = str(args.get("urn", ""))
            with self._lock:
                resource = self._new(urn) or self._old(urn)
            if resource is None:
                raise KeyError(f"unknown resource {urn}")
            return {"urn": resource.urn, "id": resource.id, "state": resource.outputs}
        if token in ("pulumi:pulumi:readStackOutputs", "pulumi:pulumi:readStackResourceOutputs"):
            name = str(args.get("name") or args.get("stackName") or "")
            if self._read_stack_outputs is None:
                raise KeyError("stack references need a backend")
            outputs, secret_names = self._read_stack_outputs(name)
            return {"name": name, "outputs": outputs, "secretOutputNames": sorted(secret_names)}
        raise KeyError(
            f"function {token!r} belongs to a Pulumi provider plugin, which aicompute's embedded engine cannot run; "
            "use the Pulumi CLI for this program"
        )

    # the end of a run: deletions -------------------------------------------------------------
    def finish(self, program_succeeded: bool) -> None:
        """Delete what the program no longer declares (only after a successful program)."""
        if program_succeeded and not self.failed:
            doomed = [r for r in self.old_resources if r.delete or r.urn not in self.registered]
            if self.options.targets:
                doomed = [r for r in doomed if r.urn in self.options.targets]
            if self._deletable(doomed):
                self._delete_all(doomed)
        if not self.failed:
            with self._lock:
                still = self.previous_pending
                self.previous_pending = []
            for operation in still:
                if operation.type == "creating":
                    self.events.diag(
                        "warning",
                        f"the interrupted create of {operation.resource.urn} was not repeated (the program no longer "
                        "declares it); if the object was created, delete it on the platform",
                        operation.resource.urn,
                    )
        self.persist()

    def destroy(self) -> None:
        """Delete every resource of the snapshot (or of ``targets``), dependents first."""
        doomed = list(self.old_resources)
        if self.options.targets:
            doomed = [r for r in doomed if r.urn in self.options.targets]
        if self._deletable(doomed):
            self._delete_all(doomed)
        if not self.failed:
            with self._lock:
                self.previous_pending = [op for op in self.previous_pending if op.type != "deleting"]
        self.persist()

    def refresh(self) -> None:
        """Read every managed dynamic resource back: record what its provider reports, drop the gone.

        Like ``pulumi refresh``, this also clears the pending operations of an interrupted run, but
        for its creates: those have no id to read, and are kept so that the next update, which
        repeats them, looks their objects up by name first (``pulumi refresh`` asks the same question
        with ``--clear-pending-creates``/``--import-pending-creates``).
        """
        candidates = [r for r in self.old_resources if r.custom and not r.delete and is_dynamic(r.type) and r.id]
        if self.options.targets:
            candidates = [r for r in candidates if r.urn in self.options.targets]
        with ThreadPoolExecutor(max_workers=max(1, self.options.parallel), thread_name_prefix="refresh") as executor:
            futures = [executor.submit(self._refresh_step, r) for r in candidates]
            try:
                wait(futures)
            except KeyboardInterrupt:
                self.interrupt()
                for future in futures:
                    future.cancel()
        with self._lock:
            self.previous_pending = [op for op in self.previous_pending if op.type == "creating"]
        self.persist()

    def _refresh_step(self, resource: ResourceState) -> None:
        urn = resource.urn
        started = time.monotonic()
        try:
            with self._slots:
                result = self._require_pool().read(
                    urn, resource.type, _name_of(urn), resource.id, resource.outputs, resource.inputs
                )
        except ProviderError as error:
            message = f"refresh failed: {error.message}"
            self._fail(urn, message)
            self._record(
                StepRecord("refresh", urn, resource.type, resource, resource, StepPlan("refresh"), True, message)
            )
            return
        new: ResourceState | None
        if not result.id:
            new = None
            plan = StepPlan("delete", property_diff(resource.outputs, {}))
            with self._lock:
                self._drop_old(resource)
                self._gone.append(resource)
        else:
            aso = tuple(resource.additional_secret_outputs)
            new = replace(
                resource,
                id=result.id,
                outputs=secret_keys(result.outputs, aso),
                inputs=result.inputs if result.inputs is not None else resource.inputs,
            )
            changes = property_diff(resource.outputs, new.outputs)
            plan = StepPlan("update" if changes else "same", changes)
            with self._lock:
                self._swap_old(resource, new)
        self.persist()
        self._emit(plan.op, urn, resource.type, True, plan, resource, new, time.monotonic() - started, outputs=True)
        self._record(StepRecord(plan.op, urn, resource.type, resource, new, plan))

    def _deletable(self, doomed: list[ResourceState]) -> bool:
        """Whether every resource that stays after ``doomed`` are deleted still has what it refers
        to; if not (``--target`` picked a resource others depend on), fail naming them."""
        ids = {id(r) for r in doomed}
        with self._lock:
            survivors = [r for r in [*self.new_resources, *self.old_resources] if id(r) not in ids]
        vanishing = {r.urn for r in doomed} - {r.urn for r in survivors}
        blocked = False
        for survivor in survivors:
            for urn in references(survivor):
                if urn in vanishing:
                    blocked = True
                    self._fail(
                        urn,
                        f"cannot delete {urn}: {survivor.urn} depends on it and is not being deleted "
                        f"(add --target {survivor.urn} as well)",
                    )
        return not blocked

    def _delete_all(self, doomed: list[ResourceState]) -> None:
        if not doomed:
            return
        ids = {id(r) for r in doomed}
        by_urn: dict[str, list[ResourceState]] = {}
        for resource in doomed:
            by_urn.setdefault(resource.urn, []).append(resource)
        # Who must go first: a resource waits for every doomed resource that depends on it.
        waits_for: dict[int, set[int]] = {id(r): set() for r in doomed}
        for resource in doomed:
            for target_urn in references(resource):
                for target in by_urn.get(target_urn, []):
                    if target is not resource and id(target) in ids:
                        waits_for[id(target)].add(id(resource))
        objects = {id(r): r for r in doomed}
        remaining = dict(waits_for)
        blocked: set[int] = set()
        with ThreadPoolExecutor(max_workers=max(1, self.options.parallel), thread_name_prefix="delete") as executor:
            running: dict[Future[bool], int] = {}
            while remaining or running:
                if self.cancelled:
                    remaining.clear()  # interrupted: no new deletion starts
                ready = [key for key, deps in remaining.items() if not deps]
                for key in ready:
                    del remaining[key]
                    if key in blocked:
                        self._unblock_dependencies(key, remaining, blocked, failed=True)
                        continue
                    running[executor.submit(self._delete_step, objects[key])] = key
                if not running:
                    if remaining:  # a cycle: should not happen with a valid snapshot
                        self._fail("", "cannot order the remaining deletions (dependency cycle)")
                    break
                try:
                    done, _ = wait(list(running), return_when=FIRST_COMPLETED)
                except KeyboardInterrupt:
                    self.interrupt()
                    continue
                for future in done:
                    key = running.pop(future)
                    self._unblock_dependencies(key, remaining, blocked, failed=not future.result())

    @staticmethod
    def _unblock_dependencies(key: int, remaining: dict[int, set[int]], blocked: set[int], failed: bool) -> None:
        for other, deps in remaining.items():
            if key in deps:
                deps.discard(key)
                if failed:
                    blocked.add(other)

    def _delete_step(self, resource: ResourceState) -> bool:
        op: Op = "delete-replaced" if resource.delete else "delete"
        plan = StepPlan("delete", property_diff(resource.inputs, {}))
        shown = not is_provider_type(resource.type)
        if resource.protect and not resource.delete:
            message = (
                f"unable to delete {resource.urn}: it is protected. To delete it, set `protect=False` on the resource "
                "in the program and run an update first"
            )
            self._fail(resource.urn, message)
            self._record(StepRecord(op, resource.urn, resource.type, resource, None, plan, True, message))
            return False
        if shown:
            self._emit(op, resource.urn, resource.type, False, plan, resource)
        started = time.monotonic()
        try:
            calls_provider = resource.custom and not resource.external and not is_provider_type(resource.type)
            if calls_provider and not self.options.dry_run:
                with self._slots:
                    self._delete_resource(resource, resource.retain_on_delete)
        except ProviderError as error:
            self._fail(resource.urn, f"delete failed: {error.message}")
            if shown:
                elapsed = time.monotonic() - started
                self._emit(op, resource.urn, resource.type, True, plan, resource, None, elapsed, error.message)
            self._record(StepRecord(op, resource.urn, resource.type, resource, None, plan, True, error.message))
            return False
        with self._lock:
            self._drop_old(resource)
            if not resource.delete:
                self._resolve_previous_pending(resource.urn)
        self.persist()
        if shown:
            self._emit(op, resource.urn, resource.type, True, plan, resource, None, time.monotonic() - started)
            self._record(StepRecord(op, resource.urn, resource.type, resource, None, plan))
        return True

    def _delete_resource(self, resource: ResourceState, retain: bool) -> None:
        if retain:
            message = f"retain_on_delete: {resource.urn} is left in place and only dropped from the state"
            self.events.diag("info", message, resource.urn)
            return
        if not is_dynamic(resource.type) and not self._renders(resource.type):
            raise ProviderError("delete", resource.urn, unsupported_type_message(resource.type))
        with self._pending("deleting", resource):
            self._require_pool(resource.type).delete(
                resource.urn, resource.type, _name_of(resource.urn), resource.id, resource.outputs, resource.inputs
            )

    # summary ---------------------------------------------------------------------------------
    def change_summary(self) -> dict[str, int]:
        """Pulumi's ``changeSummary``: steps per op (``same`` included), failed steps left out."""
        summary: dict[str, int] = {}
        for record in self.records:
            if record.failed:
                continue
            op = "delete" if record.op == "delete-replaced" else record.op
            if op == "delete" and record.old is not None and record.old.delete:
                continue
            summary[op] = summary.get(op, 0) + 1
        return summary

    def has_changes(self) -> bool:
        return any(op in CHANGE_OPS and count for op, count in self.change_summary().items())


class _PendingScope:
    """Records a pending operation (and persists) for the duration of a provider call."""

    def __init__(self, run: DeploymentRun, operation: PendingOperation) -> None:
        self.run = run
        self.operation = operation

    def __enter__(self) -> None:
        with self.run._lock:
            self.run.pending.append(self.operation)
        self.run.persist()

    def __exit__(self, *exc: object) -> None:
        with self.run._lock:
            self.run.pending = [op for op in self.run.pending if op is not self.operation]
        if exc[0] is not None:
            # The operation failed with an answer from the provider: nothing is in flight any more.
            self.run.persist()


def _verb(op: str) -> str:
    return {"create": "create", "update": "update", "replace": "replace", "delete": "delete"}.get(op, op)


def _pending_advice(operation: PendingOperation) -> str:
    if operation.type == "creating":
        return (
            "the object may exist on the platform without being in the state; the next update that declares it "
            "looks it up by name before creating it, and adopts it if it is there"
        )
    if operation.type == "deleting":
        return "the delete is repeated if the resource is still to be deleted (a delete of a gone object succeeds)"
    return "the resource is left as the state records it; `aicompute refresh` reads its actual state"


def summarize_new_outputs(run: DeploymentRun) -> PropertyMap:
    """The root stack's outputs of this run (masked), for display."""
    root = next((r for r in run.new_resources if r.urn == run.root_urn), None)
    return mask(root.outputs) if root else {}


def any_changes(summary: Mapping[str, int]) -> bool:
    return any(op in CHANGE_OPS and count for op, count in summary.items())
