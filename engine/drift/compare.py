"""What drift is, and how one resource's state is compared with what its provider reads back.

A resource has drifted when the provider's ``read`` of it answers an empty id (deleted out of band),
or outputs that the provider's own diff (``changed_keys``: restricted to what the program set,
normalised, order-free where set-like) finds different from the state's inputs — exactly the
comparison ``aicompute preview --refresh`` makes (the refreshed outputs against the program's
inputs), with the state's inputs standing for the program's, which is not run.

A resource of another package's provider plugin (``compare_read``) has drifted when its plugin's
``Read`` answers an empty id, or inputs — cut to the inputs the state holds, as ``refresh``
records them — that differ from the state's: what ``refresh`` would change in them. (A plugin
answers its inputs as the live object's values at the paths the state's inputs set, as
pulumi-kubernetes does; a plugin that answers none is judged by its outputs at those paths.)

Each changed input is broken down into property paths (``tags.env``, ``ports[0].port``) with the
state's and the live value. A secret input — one the state holds as a Pulumi secret, or one the
provider declares in ``Fields.secret`` or the resource lists as a secret output — is reported by
path only: both values are ``[secret]``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from deepdiff import DeepDiff
from deepdiff.helper import notpresent

from aicompute.engine.deploy.providers.base import ReadResult
from aicompute.engine.deploy.providers.inprocess import LiveProvider, differs
from aicompute.engine.deploy.refresh import unset_kept
from aicompute.engine.resource.checkpoint_values import MASK
from aicompute.engine.resource.state import ResourceState
from aicompute.engine.resource.urn import parse_urn
from aicompute.engine.resource.wire_values import PROVIDER_KEY, contains_secrets, reveal
from aicompute.provider.generic import prune, restrict

DriftKind = Literal["changed", "deleted"]
ReadMethod = Literal["list", "read", "provider-read", "plugin-read"]


@dataclass(frozen=True)
class PropertyDrift:
    """One property that differs: its path, the state's value and the live one (``None``: absent)."""

    path: str
    state: Any
    live: Any
    secret: bool = False


@dataclass(frozen=True)
class ResourceDrift:
    urn: str
    type: str
    id: str
    kind: DriftKind
    properties: tuple[PropertyDrift, ...] = ()

    @property
    def name(self) -> str:
        return parse_urn(self.urn).name


@dataclass(frozen=True)
class Unmanaged:
    """An object on a platform that no stack in the backend manages."""

    type: str
    id: str
    name: str | None = None


@dataclass(frozen=True)
class Skipped:
    """A resource drift did not read, and why."""

    urn: str
    type: str
    reason: str


@dataclass(frozen=True)
class DriftError:
    """A read or a listing that failed (``urn`` empty for a listing)."""

    type: str
    message: str
    urn: str = ""
    id: str = ""


def first_line(error: Exception, message: str | None = None) -> str:
    """The first line of an error's message — or of ``message``, its text as shown — for
    ``DriftError.message`` (a provider's may carry more)."""
    lines = (str(error) if message is None else message).strip().splitlines()
    return lines[0] if lines else type(error).__name__


@dataclass(frozen=True)
class TypeScan:
    """How the resources of one type were read: ``list`` (page by page), ``read`` (one by one with
    an aicompute provider), ``provider-read`` (one by one with another dynamic provider's read),
    ``plugin-read`` (one by one with a provider plugin's ``Read``, e.g. pulumi-kubernetes)."""

    type: str
    managed: int
    method: ReadMethod


@dataclass
class DriftReport:
    project: str
    stack: str
    managed: int = 0
    checked: int = 0
    """Managed resources read and compared (the others failed to read)."""
    drifts: list[ResourceDrift] = field(default_factory=list)
    unmanaged: list[Unmanaged] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    errors: list[DriftError] = field(default_factory=list)
    types: list[TypeScan] = field(default_factory=list)
    unmanaged_checked: bool = False
    unlisted_types: list[str] = field(default_factory=list)
    """Types of the stack whose objects cannot be listed, so unmanaged ones of them are not known."""
    duration: float = 0.0

    def judge(
        self,
        resource: ResourceState,
        judged: Callable[[], ResourceDrift | None],
        describe: Callable[[Exception], str] = first_line,
    ) -> None:
        """Count ``resource`` checked and record its drift, or the error its read raised (``describe``d)."""
        try:
            drift = judged()
        except Exception as error:  # a provider raises whatever its platform client raises
            message = f"reading {resource.type} {resource.id!r} failed: {describe(error)}"
            self.errors.append(DriftError(resource.type, message, resource.urn, resource.id))
            return
        self.checked += 1
        if drift is not None:
            self.drifts.append(drift)

    def of_kind(self, kind: DriftKind) -> list[ResourceDrift]:
        return [d for d in self.drifts if d.kind == kind]

    @property
    def has_drift(self) -> bool:
        return bool(self.drifts) or (self.unmanaged_checked and bool(self.unmanaged))

    @property
    def exit_code(self) -> int:
        """Terraform's ``-detailed-exitcode``: 1 error, 2 drift, 0 in sync."""
        if self.errors:
            return 1
        return 2 if self.has_drift else 0


# comparison ----------------------------------------------------------------------------------------
def secret_inputs(resource: ResourceState, declared: frozenset[str] = frozenset()) -> frozenset[str]:
    """The inputs whose values are secret: Pulumi secrets in the state, those a provider declares
    (``Fields.secret``), the resource's secret outputs."""
    marked = {key for key, value in resource.inputs.items() if contains_secrets(value)}
    marked |= {key for key, value in resource.outputs.items() if contains_secrets(value)}
    return declared | frozenset(marked) | frozenset(resource.additional_secret_outputs)


def state_inputs(resource: ResourceState) -> dict[str, Any]:
    """The state's inputs as plain values, without the pickled provider."""
    return {k: v for k, v in reveal(resource.inputs).items() if k != PROVIDER_KEY}


def compare(
    provider: LiveProvider, resource: ResourceState, read_id: str, live: Mapping[str, Any]
) -> ResourceDrift | None:
    """The drift of ``resource`` given what its provider's ``read`` answered: the id (empty: gone)
    and the outputs, which the provider's diff compares with the state's inputs as a preview after
    a refresh would. None when it is in sync."""
    if not read_id:
        return ResourceDrift(resource.urn, resource.type, resource.id, "deleted")
    wanted = state_inputs(resource)
    changed = provider.changed_keys(resource.id, live, wanted)
    secrets = secret_inputs(resource, provider.secret_fields)
    return _changed(resource, wanted, live, changed, secrets, provider.set_like_fields)


def compare_read(resource: ResourceState, read: ReadResult) -> ResourceDrift | None:
    """The drift of a provider plugin's resource given what the plugin's ``Read`` answered (see the
    module docstring). None when it is in sync."""
    if not read.id:
        return ResourceDrift(resource.urn, resource.type, resource.id, "deleted")
    wanted = state_inputs(resource)
    live = refreshed_inputs(resource, read)
    changed = sorted(key for key in wanted.keys() | live.keys() if differs(wanted.get(key), live.get(key)))
    return _changed(resource, wanted, live, changed, secret_inputs(resource))


def refreshed_inputs(resource: ResourceState, read: ReadResult) -> dict[str, Any]:
    """The inputs ``refresh`` would record from ``read``, as plain values: the plugin's inputs but
    those the state leaves unset, or without any, its outputs cut to the shape of the state's inputs."""
    if read.inputs is not None:
        return {k: v for k, v in reveal(unset_kept(read.inputs, resource.inputs)).items() if k != PROVIDER_KEY}
    wanted = state_inputs(resource)
    shaped: dict[str, Any] = restrict(reveal(read.outputs), prune(wanted))
    return {key: value for key, value in shaped.items() if key in wanted}


def _changed(
    resource: ResourceState,
    wanted: Mapping[str, Any],
    live: Mapping[str, Any],
    changed: list[str],
    secrets: frozenset[str],
    unordered: frozenset[str] = frozenset(),
) -> ResourceDrift | None:
    """The ``changed`` drift of the inputs ``changed``, broken down into property paths; None for none."""
    if not changed:
        return None
    properties: list[PropertyDrift] = []
    for key in changed:
        paths = property_paths(key, wanted.get(key), live.get(key), key in unordered)
        properties += [_masked(p) if key in secrets else p for p in paths]
    return ResourceDrift(resource.urn, resource.type, resource.id, "changed", tuple(properties))


def _masked(drift: PropertyDrift) -> PropertyDrift:
    return PropertyDrift(drift.path, MASK, MASK, secret=True)


def property_paths(key: str, state: Any, live: Any, unordered: bool = False) -> list[PropertyDrift]:
    """Where ``state`` and ``live`` differ under ``key``, leaf by leaf: first within what the state
    sets (so fields the server fills in are not listed), else anywhere (a key added out of band to
    a map compared whole), else the whole key (values that differ only after the provider's
    normalisation)."""
    template = prune(state)
    return (
        _leaves(key, state, restrict(live, template, unordered), unordered)
        or _leaves(key, state, live, unordered)
        or [PropertyDrift(key, state, live)]
    )


def _leaves(key: str, state: Any, live: Any, unordered: bool) -> list[PropertyDrift]:
    tree = DeepDiff(state, live, ignore_order=unordered, ignore_numeric_type_changes=True, view="tree")
    found: list[PropertyDrift] = []
    for levels in tree.values():
        for level in levels:
            path = join_path(key, level.path(output_format="list"))
            found.append(PropertyDrift(path, _present(level.t1), _present(level.t2)))
    return sorted(found, key=lambda p: p.path)


def _present(value: Any) -> Any:
    return None if value is notpresent else value


def join_path(key: str, parts: list[Any]) -> str:
    """``tags`` + ``["env"]`` → ``tags.env``; list indexes as ``[0]``."""
    path = key
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path
