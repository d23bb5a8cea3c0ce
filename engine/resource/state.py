"""The deployment model: Pulumi's ``DeploymentV3`` (``apitype/core.go``) in Python.

``Deployment.from_json`` reads the ``deployment`` object of a checkpoint or of ``pulumi stack
export``; ``to_json`` writes it back with secrets encrypted (see ``checkpoint_values`` for the value
forms). Resource fields follow Pulumi's ``ResourceV3`` JSON names and order, omitting empty ones as
Go's ``omitempty`` does; fields this module does not know are kept verbatim in ``extra`` so a state
written by a newer Pulumi CLI survives a round trip.

Fields Pulumi's Go type has but the published JSON schema (``apitype/resources.json``) lacks —
``retainOnDelete``, ``deletedWith``, ``created``, ``modified``, ``sourcePosition``,
``ignoreChanges``, ``replaceOnChanges`` — are written only when set, so a state that uses none of
them validates against the published schemas as they are (see ``schema``).
"""

from __future__ import annotations

import hashlib
import heapq
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal, cast

from aicompute import __version__
from aicompute.engine.resource.checkpoint_values import decode_properties, encode_properties
from aicompute.engine.resource.urn import (
    ROOT_STACK_TYPE,
    default_provider_urn,
    is_provider_type,
    parse_provider_reference,
    provider_reference,
    provider_type,
    stack_urn,
)
from aicompute.engine.secrets.passphrase import Crypter

OperationType = Literal["creating", "updating", "deleting", "reading"]
OPERATION_TYPES: tuple[OperationType, ...] = ("creating", "updating", "deleting", "reading")
DEPLOYMENT_VERSION = 3
ENGINE_VERSION = f"aicompute-{__version__}"
PYTHON_DYNAMIC_PACKAGE = "pulumi-python"


class StateError(ValueError):
    """A deployment is malformed or fails Pulumi's integrity rules."""


def now_timestamp() -> str:
    """The current UTC time in RFC 3339 form, as Go's ``time.Time`` marshals it."""
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def manifest_magic(version: str) -> str:
    """Pulumi's manifest magic: the hex SHA-256 of the engine version ("" for no version)."""
    return hashlib.sha256(version.encode()).hexdigest() if version else ""


@dataclass
class Manifest:
    time: str
    magic: str
    version: str
    plugins: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def new(cls, version: str = ENGINE_VERSION) -> Manifest:
        return cls(time=now_timestamp(), magic=manifest_magic(version), version=version)

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> Manifest:
        return cls(
            time=str(doc.get("time", "")),
            magic=str(doc.get("magic", "")),
            version=str(doc.get("version", "")),
            plugins=[dict(p) for p in doc.get("plugins") or []],
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"time": self.time, "magic": self.magic, "version": self.version}
        if self.plugins:
            out["plugins"] = self.plugins
        return out


# (JSON name, attribute) of the optional ResourceV3 fields, in Pulumi's order; "custom" and "type"
# are always written, "inputs"/"outputs" are encoded separately.
_SIMPLE_FIELDS: tuple[tuple[str, str], ...] = (
    ("delete", "delete"),
    ("id", "id"),
    ("parent", "parent"),
    ("protect", "protect"),
    ("external", "external"),
    ("dependencies", "dependencies"),
    ("initErrors", "init_errors"),
    ("provider", "provider"),
    ("propertyDependencies", "property_dependencies"),
    ("pendingReplacement", "pending_replacement"),
    ("additionalSecretOutputs", "additional_secret_outputs"),
    ("aliases", "aliases"),
    ("customTimeouts", "custom_timeouts"),
    ("importID", "import_id"),
    ("retainOnDelete", "retain_on_delete"),
    ("deletedWith", "deleted_with"),
    ("created", "created"),
    ("modified", "modified"),
    ("sourcePosition", "source_position"),
    ("ignoreChanges", "ignore_changes"),
    ("replaceOnChanges", "replace_on_changes"),
)
_KNOWN_KEYS = frozenset({"urn", "custom", "type", "inputs", "outputs"} | {name for name, _ in _SIMPLE_FIELDS})
_OUTPUT_ORDER = ("delete", "id", "type", "inputs", "outputs")


@dataclass
class ResourceState:
    """One resource of a deployment; ``inputs``/``outputs`` hold in-memory values (secrets wrapped).

    ``provider`` is a provider reference ``<provider urn>::<provider id>`` ("" for component and
    provider resources); ``custom_timeouts`` is Pulumi's ``{"create": s, "update": s, "delete": s}``.
    """

    urn: str
    type: str
    custom: bool
    id: str = ""
    inputs: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    parent: str = ""
    provider: str = ""
    dependencies: list[str] = field(default_factory=list)
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    protect: bool = False
    external: bool = False
    delete: bool = False
    pending_replacement: bool = False
    init_errors: list[str] = field(default_factory=list)
    additional_secret_outputs: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    custom_timeouts: dict[str, Any] | None = None
    import_id: str = ""
    retain_on_delete: bool = False
    deleted_with: str = ""
    created: str | None = None
    modified: str | None = None
    source_position: str = ""
    ignore_changes: list[str] = field(default_factory=list)
    replace_on_changes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    # The checkpoint JSON last written by ``to_json`` and the crypter it was encrypted with. Any
    # assignment to a field drops it; the engine replaces a resource's inputs and outputs, it never
    # changes them in place. Keeping it makes a state write cost the resources that changed (and
    # keeps their ciphertexts stable between writes, as Pulumi's caching crypter does).
    _encoded: tuple[Crypter, dict[str, Any], dict[int, str]] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)
        if name != "_encoded":
            object.__setattr__(self, "_encoded", None)

    @classmethod
    def from_json(cls, doc: Mapping[str, Any], crypter: Crypter | None) -> ResourceState:
        """A resource from its checkpoint JSON; secrets are decrypted with ``crypter``."""
        if not isinstance(doc.get("urn"), str):
            raise StateError(f"resource without a 'urn': {dict(doc)!r:.200}")
        resource = cls(
            urn=doc["urn"],
            type=str(doc.get("type", "")),
            custom=bool(doc.get("custom", False)),
            inputs=decode_properties(doc.get("inputs") or {}, crypter),
            outputs=decode_properties(doc.get("outputs") or {}, crypter),
            extra={k: v for k, v in doc.items() if k not in _KNOWN_KEYS},
        )
        for name, attr in _SIMPLE_FIELDS:
            if doc.get(name) is not None:
                setattr(resource, attr, _copy(doc[name]))
        resource.property_dependencies = {k: list(v or []) for k, v in resource.property_dependencies.items()}
        return resource

    def to_json(self, crypter: Crypter) -> dict[str, Any]:
        """The checkpoint JSON, in Pulumi's field order, empty fields omitted.

        The same object is returned until a field changes: callers must not modify it."""
        if self._encoded is not None and self._encoded[0] is crypter:
            return self._encoded[1]
        encoded = self._encode(crypter)
        self._encoded = (crypter, encoded, {})
        return encoded

    def to_indented_json(self, crypter: Crypter, indent: int) -> str:
        """``to_json`` as ``json.dumps(..., indent=4)`` writes it nested ``indent`` spaces deep (kept
        like ``to_json``: the indenting encoder is pure Python and slow)."""
        encoded = self.to_json(crypter)
        assert self._encoded is not None
        texts = self._encoded[2]
        if indent not in texts:
            lines = json.dumps(encoded, indent=4, ensure_ascii=False).split("\n")
            texts[indent] = "\n".join(" " * indent + line for line in lines)
        return texts[indent]

    def _encode(self, crypter: Crypter) -> dict[str, Any]:
        values: dict[str, Any] = {name: getattr(self, attr) for name, attr in _SIMPLE_FIELDS}
        values["type"] = self.type
        values["inputs"] = encode_properties(self.inputs, crypter) if self.inputs else None
        values["outputs"] = encode_properties(self.outputs, crypter) if self.outputs else None
        out: dict[str, Any] = {"urn": self.urn, "custom": self.custom}
        for name in _OUTPUT_ORDER:
            if name == "type" or values[name]:
                out[name] = values[name]
        for name, _ in _SIMPLE_FIELDS:
            if name not in out and values[name]:
                out[name] = _copy(values[name])
        out.update(self.extra)
        return out


def _copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


@dataclass
class PendingOperation:
    """Work the engine started and has not finished: ``resource`` as of the start, and its kind."""

    resource: ResourceState
    type: OperationType

    @classmethod
    def from_json(cls, doc: Mapping[str, Any], crypter: Crypter | None) -> PendingOperation:
        kind = doc.get("type")
        if kind not in OPERATION_TYPES:
            raise StateError(f"pending operation of unknown type {kind!r} (expected one of {OPERATION_TYPES})")
        return cls(ResourceState.from_json(doc.get("resource") or {}, crypter), cast(OperationType, kind))

    def to_json(self, crypter: Crypter) -> dict[str, Any]:
        return {"resource": self.resource.to_json(crypter), "type": self.type}


_DEPLOYMENT_KEYS = frozenset({"manifest", "secrets_providers", "resources", "pending_operations"})


@dataclass
class Deployment:
    """A stack's state: manifest, secrets provider, resources (in dependency order), pending operations;
    the fields of Pulumi's ``DeploymentV3`` this engine does not use (``metadata``, ``snippets``,
    ``extensions``) are kept verbatim in ``extra``, so a state written by the Pulumi CLI keeps them."""

    manifest: Manifest = field(default_factory=Manifest.new)
    secrets_providers: dict[str, Any] | None = None
    resources: list[ResourceState] = field(default_factory=list)
    pending_operations: list[PendingOperation] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, doc: Mapping[str, Any], crypter: Crypter | None) -> Deployment:
        """The ``deployment`` object of a checkpoint (``latest``) or of an export."""
        return cls(
            manifest=Manifest.from_json(doc.get("manifest") or {}),
            secrets_providers=_copy(doc.get("secrets_providers")) or None,
            resources=[ResourceState.from_json(r, crypter) for r in doc.get("resources") or []],
            pending_operations=[PendingOperation.from_json(op, crypter) for op in doc.get("pending_operations") or []],
            extra={k: _copy(v) for k, v in doc.items() if k not in _DEPLOYMENT_KEYS},
        )

    def to_json(self, crypter: Crypter) -> dict[str, Any]:
        out: dict[str, Any] = {"manifest": self.manifest.to_json()}
        if self.secrets_providers:
            out["secrets_providers"] = _copy(self.secrets_providers)
        if self.resources:
            out["resources"] = [r.to_json(crypter) for r in self.resources]
        if self.pending_operations:
            out["pending_operations"] = [op.to_json(crypter) for op in self.pending_operations]
        out.update(_copy(self.extra))
        return out

    def find(self, urn: str) -> ResourceState | None:
        """The live (not ``delete``-marked) resource with this URN, if any."""
        return next((r for r in self.resources if r.urn == urn and not r.delete), None)

    def stack_outputs(self) -> dict[str, Any]:
        """The root stack resource's outputs (in-memory form), or ``{}``."""
        root = next((r for r in self.resources if r.type == ROOT_STACK_TYPE and not r.parent), None)
        return dict(root.outputs) if root else {}


def root_stack_resource(stack: str, project: str, outputs: Mapping[str, Any] | None = None) -> ResourceState:
    """The ``pulumi:pulumi:Stack`` component at the root of every deployment."""
    return ResourceState(urn=stack_urn(stack, project), type=ROOT_STACK_TYPE, custom=False, outputs=dict(outputs or {}))


def default_provider_resource(
    stack: str, project: str, package: str = PYTHON_DYNAMIC_PACKAGE, provider_id: str | None = None
) -> ResourceState:
    """A package's default provider as Pulumi records it (for dynamic resources, ``pulumi-python``).

    Custom, unparented, named ``default``, with a UUID id and no inputs or outputs.
    """
    return ResourceState(
        urn=default_provider_urn(stack, project, package),
        type=provider_type(package),
        custom=True,
        id=provider_id or str(uuid.uuid4()),
    )


def references(resource: ResourceState) -> list[str]:
    """The URNs a resource refers to: parent, dependencies, property dependencies, ``deletedWith``,
    provider (each once, in that order)."""
    urns = [resource.parent] if resource.parent else []
    urns += resource.dependencies
    for deps in resource.property_dependencies.values():
        urns += deps
    if resource.deleted_with:
        urns.append(resource.deleted_with)
    if resource.provider:
        urns.append(parse_provider_reference(resource.provider)[0])
    return list(dict.fromkeys(urns))


def topological_order(resources: list[ResourceState]) -> list[ResourceState]:
    """``resources`` in ``topological_positions`` order."""
    return [resources[index] for index in topological_positions(resources)]


def topological_positions(resources: list[ResourceState]) -> list[int]:
    """The positions of ``resources`` reordered as little as possible so that each comes after what
    it refers to and after the live copy of its own URN (``verify_integrity``'s order).

    Stable: when the list is already in that order it comes back unchanged; otherwise a resource
    moves down only as far as its references require. A reference to a URN absent from the list
    imposes nothing (``verify_integrity`` reports it); a cycle leaves the list as it was.
    """
    anchor: dict[str, int] = {}
    for index, resource in enumerate(resources):
        if resource.urn not in anchor or (resources[anchor[resource.urn]].delete and not resource.delete):
            anchor[resource.urn] = index
    waits_for: list[set[int]] = []
    for index, resource in enumerate(resources):
        deps = {anchor[urn] for urn in references(resource) if urn in anchor}
        if anchor[resource.urn] != index:
            deps.add(anchor[resource.urn])
        deps.discard(index)
        waits_for.append(deps)
    dependents: list[list[int]] = [[] for _ in resources]
    for index, deps in enumerate(waits_for):
        for dep in deps:
            dependents[dep].append(index)
    remaining = [len(deps) for deps in waits_for]
    ready = [index for index, count in enumerate(remaining) if not count]
    heapq.heapify(ready)
    order: list[int] = []
    while ready:
        index = heapq.heappop(ready)
        order.append(index)
        for dependent in dependents[index]:
            remaining[dependent] -= 1
            if not remaining[dependent]:
                heapq.heappush(ready, dependent)
    if len(order) != len(resources):
        return list(range(len(resources)))
    return order


def rename_references(resource: ResourceState, renamed: Mapping[str, str]) -> ResourceState:
    """``resource`` with its references to renamed URNs (``old → new``, from aliases) rewritten;
    the resource itself when it refers to none of them (as Pulumi's ``NormalizeURNReferences``)."""
    if not renamed or not set(references(resource)) & set(renamed):
        return resource

    def fix(urn: str) -> str:
        return renamed.get(urn, urn)

    provider = resource.provider
    if provider:
        provider_urn, provider_id = parse_provider_reference(provider)
        provider = provider_reference(fix(provider_urn), provider_id)
    return replace(
        resource,
        parent=fix(resource.parent) if resource.parent else "",
        dependencies=list(dict.fromkeys(fix(u) for u in resource.dependencies)),
        property_dependencies={
            k: list(dict.fromkeys(fix(u) for u in v)) for k, v in resource.property_dependencies.items()
        },
        deleted_with=fix(resource.deleted_with) if resource.deleted_with else "",
        provider=provider,
    )


def drop_references(resources: list[ResourceState], gone: ResourceState) -> list[ResourceState]:
    """The other resources after ``gone`` left the state (a refresh found it deleted), repaired as
    Pulumi's refresh repairs them (``rebuildBaseState``): when no other copy of its URN remains,
    dependencies on it are dropped, and its children are reparented to its parent."""
    if any(r.urn == gone.urn for r in resources):
        return resources
    repaired = []
    for resource in resources:
        if gone.urn in references(resource):
            resource = replace(
                resource,
                parent=gone.parent if resource.parent == gone.urn else resource.parent,
                dependencies=[u for u in resource.dependencies if u != gone.urn],
                property_dependencies={
                    k: [u for u in v if u != gone.urn] for k, v in resource.property_dependencies.items()
                },
                deleted_with="" if resource.deleted_with == gone.urn else resource.deleted_with,
            )
        repaired.append(resource)
    return repaired


def verify_integrity(deployment: Deployment) -> None:
    """Pulumi's snapshot integrity rules (``VerifyIntegrity`` in ``pkg/resource/deploy/snapshot.go``),
    so the Pulumi CLI will accept what we write.

    Every parent, dependency and ``deletedWith`` must name a URN that appears earlier in
    ``resources``; a provider reference ``<urn>::<id>`` must name a provider resource with that URN and
    id that appears earlier. A URN may appear more than once only when every later copy is marked
    ``delete``: the live resource comes first, then the old halves of replacements waiting to be
    deleted (the state of a create-before-delete replacement in flight).
    """
    seen: dict[str, ResourceState] = {}
    providers: dict[str, set[str]] = {}
    for index, resource in enumerate(deployment.resources):
        where = f"resource #{index} ({resource.urn})"
        if is_provider_type(resource.type):
            providers.setdefault(resource.urn, set()).add(resource.id)
        _check_earlier(where, "parent", [resource.parent] if resource.parent else [], seen)
        _check_earlier(where, "dependency", resource.dependencies, seen)
        for prop, urns in resource.property_dependencies.items():
            _check_earlier(where, f"dependency of property {prop!r}", urns, seen)
        _check_earlier(where, "deletedWith", [resource.deleted_with] if resource.deleted_with else [], seen)
        if resource.provider:
            _check_provider(where, resource.provider, seen, providers)
        if resource.urn in seen and not resource.delete:
            raise StateError(
                f"{where}: duplicate URN not marked delete (a URN may repeat only in later copies marked "
                "delete: the live resource first, then the old halves of replacements)"
            )
        seen.setdefault(resource.urn, resource)


def _check_earlier(where: str, what: str, urns: Iterable[str], seen: Mapping[str, ResourceState]) -> None:
    for urn in urns:
        if urn not in seen:
            raise StateError(f"{where}: {what} {urn} does not appear before it in the state")


def _check_provider(
    where: str, reference: str, seen: Mapping[str, ResourceState], providers: Mapping[str, set[str]]
) -> None:
    urn, provider_id = parse_provider_reference(reference)
    if urn not in seen:
        raise StateError(f"{where}: provider {urn} does not appear before it in the state")
    ids = providers.get(urn)
    if ids is None:
        raise StateError(f"{where}: provider reference {reference} names a {seen[urn].type}, not a provider")
    if provider_id not in ids:
        raise StateError(
            f"{where}: provider reference {reference} does not match the provider's id "
            f"({', '.join(repr(i) for i in sorted(ids))})"
        )
