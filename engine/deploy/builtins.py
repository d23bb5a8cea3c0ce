"""Reads (``Resource.get``, stack references) and invokes (Pulumi: ``pkg/resource/deploy/builtins.go``
for ``pulumi:pulumi:StackReference`` and the built-in functions, ``step_generator``'s read steps)."""

from __future__ import annotations

from collections.abc import Callable

from aicompute.engine.deploy.providers.base import ProviderError, is_dynamic
from aicompute.engine.deploy.providers.registry import unsupported_type_message
from aicompute.engine.deploy.registrations import ReadRegistration, RegisterResult
from aicompute.engine.deploy.run_context import StepFailed, StepRecord
from aicompute.engine.deploy.step_generator import PYTHON_PACKAGE, StepGenerator
from aicompute.engine.deploy.step_plan import StepPlan
from aicompute.engine.resource.state import ResourceState
from aicompute.engine.resource.urn import make_urn
from aicompute.engine.resource.wire_values import PropertyMap, secret_keys

BUILTIN_PACKAGE = "pulumi"
STACK_REFERENCE_TYPE = "pulumi:pulumi:StackReference"

StackOutputsReader = Callable[[str], tuple[PropertyMap, list[str]]]
"""Reads another stack of the same backend: (its outputs, the names of the secret ones)."""


class Builtins:
    """ReadResource and Invoke of one program run."""

    def __init__(self, generator: StepGenerator, read_stack_outputs: StackOutputsReader | None) -> None:
        self.generator = generator
        self.context = generator.context
        self.snapshots = generator.snapshots
        self._read_stack_outputs = read_stack_outputs

    def read_resource(self, read: ReadRegistration) -> RegisterResult:
        generator = self.generator
        urn = make_urn(generator.stack, generator.project, read.type, read.name, read.parent or None)
        admitted = generator.admit(urn, (), False, [read.parent, *read.dependencies])
        if isinstance(admitted, RegisterResult):
            return admitted
        old = admitted
        try:
            if read.type == STACK_REFERENCE_TYPE:
                new = self._read_stack_reference(read, urn)
            elif is_dynamic(read.type):
                new = self._read_dynamic(read, urn)
            else:
                raise StepFailed(urn, unsupported_type_message(read.type))
        except StepFailed as failure:
            self.context.fail(urn, failure.message)
            return RegisterResult(urn, failed=True)
        plan = StepPlan("read")
        with self.snapshots.lock:
            self.snapshots.adopt(new, old)
        self.snapshots.persist()
        self.context.emit("read", urn, read.type, True, plan, old, new)
        self.context.record(StepRecord("read", urn, read.type, old, new, plan))
        return RegisterResult(urn, new.id, new.outputs)

    def _read_stack_reference(self, read: ReadRegistration, urn: str) -> ResourceState:
        name = str(read.inputs.get("name") or read.id)
        if self._read_stack_outputs is None:
            raise StepFailed(urn, "stack references need a backend")
        try:
            outputs, secret_names = self._read_stack_outputs(name)
        except (KeyError, ValueError, OSError) as error:
            raise StepFailed(urn, f"cannot read stack {name!r}: {error}") from None
        provider = self.generator.default_provider(BUILTIN_PACKAGE)
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
        generator = self.generator
        provider = generator.default_provider(PYTHON_PACKAGE)
        try:
            with generator.executor.slots:
                result = generator.providers.for_type().read(urn, read.type, read.name, read.id, {}, read.inputs)
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
            # As Pulumi's ReadStep: the inputs are the ones the program gave; the read fills in the outputs.
            inputs=dict(read.inputs),
            outputs=secret_keys(result.outputs, read.additional_secret_outputs),
            dependencies=list(read.dependencies),
            additional_secret_outputs=list(read.additional_secret_outputs),
        )

    def invoke(self, token: str, args: PropertyMap) -> PropertyMap:
        """Pulumi's built-in functions; anything else belongs to a provider plugin we cannot run."""
        if token == "pulumi:pulumi:getResource":
            urn = str(args.get("urn", ""))
            with self.snapshots.lock:
                resource = self.snapshots.new(urn) or self.snapshots.old(urn)
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
