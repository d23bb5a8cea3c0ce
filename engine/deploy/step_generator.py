"""Registrations turned into steps (Pulumi: ``pkg/resource/deploy/step_generator.go``).

Each RegisterResource the program sends is matched with the old state (by URN, else by alias),
checked and diffed by its provider, and planned as same/create/update/replace with Pulumi's semantics
(``step_plan``); the step executor then applies it. Steps run concurrently: each registration
arrives on its own monitor thread, and the Pulumi SDK only sends a registration once the resources
it depends on have answered, so dependency order holds; the executor's slots bound the steps in
flight to ``parallel``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from aicompute.engine.deploy.aliases import AliasScope
from aicompute.engine.deploy.dependents import depending_on
from aicompute.engine.deploy.providers.base import ProviderError
from aicompute.engine.deploy.providers.external import package_of
from aicompute.engine.deploy.providers.kubernetes import KUBERNETES_PACKAGE
from aicompute.engine.deploy.providers.registry import ProviderRegistry, unsupported_type_message
from aicompute.engine.deploy.registrations import RegisterResult, Registration
from aicompute.engine.deploy.run_context import RunContext, StepFailed, StepRecord
from aicompute.engine.deploy.snapshot import SnapshotManager
from aicompute.engine.deploy.step_executor import StepExecutor, name_of
from aicompute.engine.deploy.step_plan import StepPlan, plan_update, property_diff
from aicompute.engine.resource.checkpoint_values import UNKNOWN
from aicompute.engine.resource.property_paths import apply_ignore_changes
from aicompute.engine.resource.state import ResourceState, default_provider_resource
from aicompute.engine.resource.urn import (
    ROOT_STACK_TYPE,
    default_provider_urn,
    is_provider_type,
    make_urn,
    parse_provider_reference,
    provider_reference,
)
from aicompute.engine.resource.wire_values import PropertyMap, contains_unknowns, secret_keys

PYTHON_PACKAGE = "pulumi-python"


class StepGenerator:
    """Plans and starts the step of each registration of one program run."""

    def __init__(
        self,
        project: str,
        stack: str,
        context: RunContext,
        snapshots: SnapshotManager,
        providers: ProviderRegistry,
        executor: StepExecutor,
    ) -> None:
        self.project = project
        self.stack = stack
        self.context = context
        self.snapshots = snapshots
        self.providers = providers
        self.executor = executor
        self.root_urn = ""
        self.aliased: dict[str, str] = {}
        """New URN → the old URN it was found under (its children inherit it: ``aliases``)."""
        self.dependent_replacements: dict[str, tuple[str, ...]] = {}
        """URN → the properties that forced it: resources deleted this run because a resource they depend
        on is replaced delete-first; each is recreated when it registers."""
        self.stack_outputs: PropertyMap | None = None
        """The outputs the program registered for the stack, set when the run ends."""

    def register_resource(self, reg: Registration) -> RegisterResult:
        urn = make_urn(self.stack, self.project, reg.type, reg.name, reg.parent or None)
        with self.snapshots.lock:
            aliases = AliasScope(self.stack, self.project, self.aliased).aliases(
                reg.name, reg.type, reg.parent, reg.aliases
            )
        references = [reg.parent, *reg.dependencies, *_property_deps(reg)]
        untargeted = bool(self.context.options.targets) and urn not in self.context.options.targets
        admitted = self.admit(urn, aliases, reg.custom, references, untargeted=reg.custom and untargeted)
        if isinstance(admitted, RegisterResult):
            return admitted
        old = admitted
        if reg.type == ROOT_STACK_TYPE and not reg.parent:
            self.root_urn = urn
        if not reg.custom:
            return self._component(reg, urn, old)
        refusal = self._refusal(reg, urn, old)
        if refusal:
            self.context.fail(urn, refusal)
            return RegisterResult(urn, failed=True)
        if untargeted:
            self._provider_reference(reg)  # as Pulumi, the default provider is registered all the same
            return self._untargeted(reg, urn, old)
        with self.executor.slots:
            try:
                return self._custom(reg, urn, old, self._provider_reference(reg))
            except StepFailed as failure:
                self.context.fail(failure.urn, failure.message)
                return RegisterResult(urn, failed=True)

    def admit(
        self, urn: str, aliases: Sequence[str], custom: bool, references: list[str], *, untargeted: bool = False
    ) -> ResourceState | RegisterResult | None:
        """Record ``urn`` as registered and find its old state (by URN, else by alias); a
        ``RegisterResult`` instead when the registration is refused. ``untargeted``: a custom resource
        ``--target`` leaves out, which keeps its old state or stays uncreated, so it may refer to
        resources left uncreated too (as Pulumi's skipped creates)."""
        context, snapshots = self.context, self.snapshots
        with snapshots.lock:
            if urn in snapshots.registered:
                context.fail(urn, f"duplicate resource URN {urn}: give the resource a unique name")
                return RegisterResult(urn, failed=True)
            snapshots.registered.add(urn)
            old = snapshots.old(urn)
            if old is None:
                old = next((r for alias in aliases if (r := snapshots.old(alias)) is not None), None)
                if old is not None:
                    snapshots.rename(old.urn, urn)
                    self.aliased[urn] = old.urn
            if context.stopped and custom:
                # As Pulumi: after a failed step (or an interrupt), no new step starts.
                return RegisterResult(urn, failed=True)
            missing = snapshots.missing_references(references)
        if missing and not untargeted:
            return self._refuse_missing(urn, missing)
        return old

    def _refusal(self, reg: Registration, urn: str, old: ResourceState | None) -> str:
        """Why a custom resource cannot be registered at all (empty: it can)."""
        if not self.providers.supports(reg.type):
            return unsupported_type_message(reg.type)
        return ""

    def _provider_reference(self, reg: Registration) -> str:
        if is_provider_type(reg.type):
            return ""  # an explicit provider resource: the engine's own
        if self.providers.renders(reg.type):
            return reg.provider or self.default_provider(KUBERNETES_PACKAGE)
        if self.providers.runs_plugin(reg.type):
            return reg.provider or self.default_provider(package_of(reg.type))
        return reg.provider or self.default_provider(PYTHON_PACKAGE)

    def _refuse_missing(self, urn: str, missing: list[str]) -> RegisterResult:
        """A registration that refers to resources the state does not have: after a failed step those
        are resources that failed (the program goes on with unknowns; as Pulumi, nothing more is
        recorded); otherwise resources left out by ``--target`` before they were ever created."""
        if not self.context.stopped:
            untargeted = [m for m in missing if m in self.snapshots.registered]
            if untargeted:
                self.context.fail(
                    urn,
                    f"Resource '{urn}' depends on '{', '.join(untargeted)}' which was not specified in --target "
                    "list: it is not created yet; add it to the targets (--target URN)",
                )
            else:
                self.context.fail(urn, f"{urn} refers to {', '.join(missing)}, which the stack does not have")
        return RegisterResult(urn, failed=True)

    def default_provider(self, package: str) -> str:
        """The reference to a package's default provider, registering it in the new snapshot once."""
        urn = default_provider_urn(self.stack, self.project, package)
        snapshots = self.snapshots
        with snapshots.lock:
            existing = snapshots.new(urn)
            if existing is None:
                old = snapshots.old(urn)
                existing = old or default_provider_resource(self.stack, self.project, package)
                config = self._default_provider_config(package)
                existing = replace(existing, inputs=config, outputs=dict(config))
                snapshots.adopt(existing, old)
                snapshots.registered.add(urn)
            return provider_reference(urn, existing.id)

    def _default_provider_config(self, package: str) -> PropertyMap:
        """A default provider's inputs: for pulumi-python the whole stack config (as Pulumi records it for
        dynamic providers), for another package its own ``<package>:<key>`` settings, keys unprefixed."""
        config = dict(self.context.options.dynamic_provider_config)
        if package == PYTHON_PACKAGE:
            return config
        prefix = f"{package}:"
        return {key.removeprefix(prefix): value for key, value in config.items() if key.startswith(prefix)}

    # the steps ---------------------------------------------------------------------------------
    def _component(self, reg: Registration, urn: str, old: ResourceState | None) -> RegisterResult:
        new = _state_for(reg, urn, "")
        new.inputs = dict(reg.inputs)
        new.outputs = dict(old.outputs) if old else {}
        plan = StepPlan("same" if old else "create")
        self.snapshots.commit(new, old)
        self.context.emit(plan.op, urn, reg.type, True, plan, old, new)
        self.context.record(StepRecord(plan.op, urn, reg.type, old, new, plan))
        return RegisterResult(urn, "", new.outputs)

    def _untargeted(self, reg: Registration, urn: str, old: ResourceState | None) -> RegisterResult:
        """Not in ``--target``: keep what the state has; a resource not yet created stays uncreated."""
        if old is None:
            return RegisterResult(urn, unknown=True)
        with self.snapshots.lock:
            self.snapshots.adopt(old, old)
        self.context.record(StepRecord("same", urn, reg.type, old, old, StepPlan("same")))
        return RegisterResult(urn, old.id, old.outputs)

    def _custom(self, reg: Registration, urn: str, old: ResourceState | None, provider: str) -> RegisterResult:
        # Deleted by an interrupted delete-before-replace: only the create is left to do.
        old_for_diff = None if old is not None and old.pending_replacement else old
        if reg.import_id and (old is None or old.external or (old.import_id or old.id) != reg.import_id):
            return self._import(reg, urn, old, provider)
        new = _state_for(reg, urn, provider)
        new.inputs = self._check(reg, urn, old_for_diff, provider)
        if urn in self.dependent_replacements:
            # Deleted this run before a resource it depends on was replaced delete-first: recreated.
            plan = StepPlan("replace", replace_reasons=self.dependent_replacements[urn], delete_before_replace=True)
        else:
            plan = self._plan(reg, urn, new.inputs, old_for_diff, provider)
        # As Pulumi: refused only while both the program and the state protect it, so that unprotecting
        # in the program and replacing happen in one update.
        if plan.op == "replace" and reg.protect and old is not None and old.protect:
            raise StepFailed(
                urn,
                f"unable to replace {urn}: it is protected. Remove `protect` from the resource in the program "
                f"and run the update again, or run `aicompute state unprotect '{urn}'`, or change the inputs "
                f"that force a replacement ({', '.join(plan.replace_reasons)})",
            )
        if plan.op == "replace" and plan.delete_before_replace and old_for_diff is not None:
            self._delete_dependents(old_for_diff)
        self.executor.run(plan, reg, new, old, diffed=old_for_diff is not None)
        return RegisterResult(urn, new.id, new.outputs)

    def _import(self, reg: Registration, urn: str, old: ResourceState | None, provider: str) -> RegisterResult:
        """The ``import`` option: the object is read by its id (in a preview too) and adopted as it is;
        the program's inputs must match it (Pulumi's ``ImportStep``)."""
        if old is not None and not old.external:
            raise StepFailed(urn, f"cannot import {reg.import_id!r} as {urn}: the stack already has that resource")
        imported = self._read_import(reg, urn, provider)
        new = _state_for(reg, urn, provider)
        new.inputs = self._check(reg, urn, imported, provider)
        differs = self._plan(reg, urn, new.inputs, imported, provider)
        if differs.op != "same":
            raise StepFailed(
                urn,
                f"inputs to import do not match the existing resource ({', '.join(differs.diff_reasons)}); "
                "change them in the program to the object's values, or list them in ignore_changes",
            )
        new.id, new.outputs = imported.id, secret_keys(imported.outputs, reg.additional_secret_outputs)
        self.executor.run(StepPlan("import"), reg, new, old, diffed=False)
        return RegisterResult(urn, new.id, new.outputs)

    def _read_import(self, reg: Registration, urn: str, provider: str) -> ResourceState:
        try:
            provider_of = self.providers.for_resource(reg.type, provider)
            result = provider_of.read(urn, reg.type, reg.name, reg.import_id, {}, reg.inputs)
        except ProviderError as error:
            raise StepFailed(urn, f"import of {reg.import_id!r} failed: {error.message}") from None
        if not result.id:
            raise StepFailed(urn, f"resource {reg.import_id!r} does not exist")
        if result.inputs is None:
            raise StepFailed(
                urn, f"{reg.type}'s provider does not support importing resources (its read gives no inputs)"
            )
        return ResourceState(
            urn=urn, type=reg.type, custom=True, id=result.id, inputs=result.inputs, outputs=result.outputs
        )

    def _delete_dependents(self, root: ResourceState) -> None:
        """Before ``root`` is deleted to be replaced, delete the resources that depend on it and would be
        replaced by its replacement, dependents first; each is recreated when the program registers it
        (Pulumi's ``calculateDependentReplacements``)."""
        for dependent, keys in reversed(self._dependent_replacements(root)):
            if dependent.protect:
                raise StepFailed(
                    root.urn,
                    f"unable to replace {dependent.urn} as part of replacing {root.urn}: it is protected "
                    f"(`aicompute state unprotect {dependent.urn}`, or remove `protect` in the program)",
                )
            self.executor.delete_replaced(dependent)
            self.dependent_replacements[dependent.urn] = keys

    def _dependent_replacements(self, root: ResourceState) -> list[tuple[ResourceState, tuple[str, ...]]]:
        """The old resources that depend on ``root`` and would be replaced by its replacement, in
        dependency order, each with the properties that force it: a resource whose inputs come from one
        being replaced is diffed with those inputs unknown."""
        with self.snapshots.lock:
            candidates = depending_on(root.urn, self.snapshots.old_resources, set(self.snapshots.registered))
        replaced, found = {root.urn}, []
        for dependent in candidates:
            keys = self._replaced_by(dependent, replaced)
            if keys is not None:
                replaced.add(dependent.urn)
                found.append((dependent, keys))
        return found

    def _replaced_by(self, resource: ResourceState, replaced: set[str]) -> tuple[str, ...] | None:
        """The properties for which ``resource`` must be replaced when ``replaced`` are; None if it need not be."""
        if not resource.custom or resource.external:
            return None
        if resource.provider and parse_provider_reference(resource.provider)[0] in replaced:
            return ()
        if resource.deleted_with in replaced:
            return ()
        changing = {key for key, deps in resource.property_dependencies.items() if set(deps) & replaced}
        if not changing:
            return None
        news = {key: UNKNOWN if key in changing else value for key, value in resource.inputs.items()}
        try:
            diff = self.providers.for_resource(resource.type, resource.provider).diff(
                resource.urn,
                resource.type,
                name_of(resource.urn),
                resource.id,
                resource.outputs,
                news,
                resource.inputs,
                [],
            )
        except ProviderError as error:
            raise StepFailed(resource.urn, f"diff failed: {error.message}") from None
        plan = plan_update(resource.inputs, news, diff)
        return plan.replace_reasons if plan.op == "replace" else None

    def _check(self, reg: Registration, urn: str, old: ResourceState | None, reference: str) -> PropertyMap:
        news = dict(reg.inputs)
        if old is not None and reg.ignore_changes:
            news = apply_ignore_changes(news, old.inputs, reg.ignore_changes)
        provider = self.providers.for_resource(reg.type, reference)
        try:
            checked, failures = provider.check(urn, reg.type, reg.name, old.inputs if old else {}, news)
        except ProviderError as error:
            raise StepFailed(urn, f"check failed: {error.message}") from None
        if failures:
            reasons = "; ".join(
                f.reason if f.reason.startswith(f.property) else f"{f.property}: {f.reason}" for f in failures
            )
            raise StepFailed(urn, f"{reg.type} {reg.name!r}: invalid inputs: {reasons}")
        return checked

    def _plan(
        self, reg: Registration, urn: str, checked: PropertyMap, old: ResourceState | None, reference: str
    ) -> StepPlan:
        if is_provider_type(reg.type) and self.providers.plugins is not None:
            self.providers.plugins.remember(urn, package_of(reg.type), checked)
        if old is None:
            return StepPlan("create", property_diff({}, checked))
        provider = self.providers.for_resource(reg.type, reference)
        try:
            diff = provider.diff(
                urn, reg.type, reg.name, old.id, old.outputs, checked, old.inputs, list(reg.ignore_changes)
            )
        except ProviderError as error:
            raise StepFailed(urn, f"diff failed: {error.message}") from None
        return plan_update(old.inputs, checked, diff, reg.replace_on_changes, reg.delete_before_replace)

    def register_outputs(self, urn: str, outputs: PropertyMap) -> None:
        context, snapshots = self.context, self.snapshots
        with snapshots.lock:
            resource = snapshots.new(urn)
            if resource is None and context.stopped:
                return  # a component refused after a failed step (``_refuse_missing``)
            if resource is None:
                raise KeyError(f"RegisterResourceOutputs for {urn}, which was not registered")
            if urn == self.root_urn:
                # As Pulumi's step executor: the stack's outputs are set when the run ends (``finish_stack_outputs``).
                self.stack_outputs = dict(outputs)
                return
            if context.stopped and not context.options.dry_run:
                # After a failed step the program carries on with unknowns in place of the failed
                # resources' outputs; as Pulumi, keep the outputs the state had.
                return
            snapshots.set_outputs(resource, dict(outputs))
        snapshots.persist()

    def finish_stack_outputs(self, succeeded: bool) -> None:
        """The stack's outputs, once the run is over: those the program registered if it succeeded;
        after a failure, the old ones with those it did register on top — a failed program's missing
        output is not a removed one (Pulumi's ``executeRegisterResourceOutputs`` when ``errored``)."""
        if self.stack_outputs is None:
            return
        with self.snapshots.lock:
            root = self.snapshots.new(self.root_urn)
            if root is None:
                return
            if succeeded:
                self.snapshots.set_outputs(root, self.stack_outputs)
            else:  # an output left unknown by a failed or skipped step is no value
                kept = {k: v for k, v in self.stack_outputs.items() if not contains_unknowns(v)}
                self.snapshots.set_outputs(root, {**root.outputs, **kept})
        self.snapshots.persist()


def _property_deps(reg: Registration) -> list[str]:
    return [u for us in reg.property_dependencies.values() for u in us]


def _state_for(reg: Registration, urn: str, provider: str) -> ResourceState:
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
