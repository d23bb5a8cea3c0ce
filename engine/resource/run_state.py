"""The state of one run as it changes, each change recorded (Pulumi: the snapshot journal,
``pkg/backend/journal.go``).

A run's state is the resources registered so far (``new``), in order, then the old ones not yet
dealt with, the pending operations, and the URNs aliases renamed. Every change is a method that also
appends a record to ``records``; ``apply`` replays a record, so a journal of them over the
checkpoint it started from (``resume``, with that checkpoint's ``Layout``) rebuilds the state.

Lookups are indexed: an old resource keeps a key for the run (its replacement takes the same key),
live old and new resources are found by URN, and URN counts answer which references are missing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from aicompute.engine.resource.checkpoint_values import decode_properties, encode_properties
from aicompute.engine.resource.state import (
    OPERATION_TYPES,
    Deployment,
    OperationType,
    PendingOperation,
    ResourceState,
    StateError,
    drop_references,
    rename_references,
    topological_positions,
)
from aicompute.engine.secrets.passphrase import Crypter

Record = dict[str, Any]
"""A change, in memory (``"r"``: a ``ResourceState``, ``"outputs"``: a property map); ``encode_record``
gives its JSON."""


@dataclass(frozen=True)
class Layout:
    """Where each part of a run's state sits in a checkpoint written from it: positions in its
    ``resources`` of the new resources (in order) and of each old key, positions in its
    ``pending_operations`` of the previous run's operations and of this run's (by id)."""

    new: list[int]
    old: list[tuple[int, int]]
    previous: list[int]
    pending: list[tuple[int, int]]
    renamed: dict[str, str]

    def to_json(self) -> dict[str, Any]:
        return {
            "new": self.new,
            "old": [list(pair) for pair in self.old],
            "previous": self.previous,
            "pending": [list(pair) for pair in self.pending],
            "renamed": self.renamed,
        }

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> Layout:
        return cls(
            new=[int(p) for p in doc["new"]],
            old=[(int(k), int(p)) for k, p in doc["old"]],
            previous=[int(p) for p in doc["previous"]],
            pending=[(int(i), int(p)) for i, p in doc["pending"]],
            renamed={str(k): str(v) for k, v in doc["renamed"].items()},
        )


class RunState:
    """The old and new resources of one run, its pending operations and renames; see the module docstring."""

    def __init__(self, base: Deployment) -> None:
        self.base = base
        self._new: list[ResourceState] = []
        self._old: dict[int, ResourceState] = dict(enumerate(base.resources))
        self.pending: dict[int, PendingOperation] = {}
        self.previous_pending: list[PendingOperation] = list(base.pending_operations)
        self.renamed: dict[str, str] = {}
        """Old URN → new URN of the resources found through an alias."""
        self.gone: list[ResourceState] = []
        """Resources a refresh found deleted (the references to them are repaired in ``snapshot``)."""
        self.records: list[Record] = []
        """The changes not yet taken by ``take_records``."""
        self._next_pending = 0
        self._index()

    def _index(self) -> None:
        self._old_keys: dict[int, int] = {id(r): key for key, r in self._old.items()}
        self._live_old: dict[str, int] = {}
        for key, resource in self._old.items():
            if not resource.delete:
                self._live_old.setdefault(resource.urn, key)
        self._new_by_urn: dict[str, int] = {}
        for position, resource in enumerate(self._new):
            self._new_by_urn.setdefault(resource.urn, position)
        self._present: Counter[str] = Counter(r.urn for r in [*self._new, *self._old.values()])

    @classmethod
    def resume(cls, checkpoint: Deployment, layout: Layout) -> RunState:
        """The state a checkpoint was written from, as ``layout`` places it, ready for ``apply``."""
        resources, operations = checkpoint.resources, checkpoint.pending_operations
        state = cls(Deployment(manifest=checkpoint.manifest, secrets_providers=checkpoint.secrets_providers))
        try:
            state._new = [resources[p] for p in layout.new]
            state._old = {key: resources[p] for key, p in layout.old}
            state.previous_pending = [operations[p] for p in layout.previous]
            state.pending = {op_id: operations[p] for op_id, p in layout.pending}
        except IndexError:
            raise StateError("the journal's layout does not fit its checkpoint") from None
        state.renamed = dict(layout.renamed)
        state._next_pending = max(state.pending, default=-1) + 1
        state._index()
        return state

    # lookups ---------------------------------------------------------------------------------
    def old(self, urn: str) -> ResourceState | None:
        """The live (not ``delete``-marked) old resource with this URN."""
        key = self._live_old.get(urn)
        return None if key is None else self._old[key]

    def new(self, urn: str) -> ResourceState | None:
        position = self._new_by_urn.get(urn)
        return None if position is None else self._new[position]

    @property
    def old_resources(self) -> list[ResourceState]:
        return list(self._old.values())

    @property
    def new_resources(self) -> list[ResourceState]:
        return list(self._new)

    def missing_references(self, urns: Iterable[str]) -> list[str]:
        """The URNs among ``urns`` that no resource of the state has."""
        return [urn for urn in dict.fromkeys(urns) if urn and not self._present[urn]]

    def create_was_pending(self, urn: str) -> bool:
        """Whether the state holds a pending create of ``urn`` from an interrupted deployment."""
        return any(op.type == "creating" and op.resource.urn == urn for op in self.previous_pending)

    # changes, each recorded ------------------------------------------------------------------
    def commit(self, new: ResourceState, old: ResourceState | None, *, resolve: bool = True) -> None:
        """``new`` takes the place of ``old`` (if any); ``resolve``: a previous run's pending operation
        on its URN is over."""
        key = None if old is None else self._old_keys.get(id(old))
        self.records.append({"t": "commit", "r": new, "old": key, "resolve": resolve})
        if key is not None:
            self._pop_old(key)
        self._new_by_urn.setdefault(new.urn, len(self._new))
        self._new.append(new)
        self._present[new.urn] += 1
        if resolve:
            self._resolve_previous_pending(new.urn)

    def swap(self, resource: ResourceState, replacement: ResourceState) -> None:
        """``replacement`` takes the place of the old ``resource``."""
        key = self._old_keys.get(id(resource))
        if key is None:
            return
        self.records.append({"t": "swap", "old": key, "r": replacement})
        self._pop_old(key)
        self._put_old(key, replacement)

    def remove(self, resource: ResourceState, *, gone: bool = False) -> None:
        """The old ``resource`` leaves the state (deleted; ``gone``: found deleted by a refresh)."""
        key = self._old_keys.get(id(resource))
        if key is None:
            return
        self.records.append({"t": "remove", "old": key, "gone": gone})
        self._pop_old(key)
        if gone:
            self.gone.append(resource)
        elif not resource.delete:
            self._resolve_previous_pending(resource.urn)

    def rename(self, old_urn: str, new_urn: str) -> None:
        self.records.append({"t": "rename", "from": old_urn, "to": new_urn})
        self.renamed[old_urn] = new_urn

    def set_outputs(self, resource: ResourceState, outputs: dict[str, Any]) -> None:
        """The outputs of a new resource (the stack's, or a component's) are now ``outputs``."""
        self.records.append({"t": "outputs", "urn": resource.urn, "outputs": outputs})
        resource.outputs = outputs

    def begin(self, kind: OperationType, resource: ResourceState) -> int:
        """A provider call starts: it is pending until ``end`` (its id)."""
        op_id = self._next_pending
        self._next_pending += 1
        self.records.append({"t": "begin", "id": op_id, "kind": kind, "r": resource})
        self.pending[op_id] = PendingOperation(resource, kind)
        return op_id

    def end(self, op_id: int) -> None:
        self.records.append({"t": "end", "id": op_id})
        self.pending.pop(op_id, None)

    def forget_previous_pending(self, kinds: Collection[str] = OPERATION_TYPES) -> list[PendingOperation]:
        """Drop the previous run's pending operations of these kinds; those dropped."""
        self.records.append({"t": "forget", "kinds": sorted(kinds)})
        dropped = [op for op in self.previous_pending if op.type in kinds]
        self.previous_pending = [op for op in self.previous_pending if op.type not in kinds]
        return dropped

    def take_records(self) -> list[Record]:
        records, self.records = self.records, []
        return records

    def _pop_old(self, key: int) -> None:
        resource = self._old.pop(key)
        del self._old_keys[id(resource)]
        self._present[resource.urn] -= 1
        if self._live_old.get(resource.urn) == key:
            del self._live_old[resource.urn]

    def _put_old(self, key: int, resource: ResourceState) -> None:
        self._old[key] = resource
        self._old_keys[id(resource)] = key
        self._present[resource.urn] += 1
        if not resource.delete:
            self._live_old.setdefault(resource.urn, key)

    def _resolve_previous_pending(self, urn: str) -> None:
        if any(op.resource.urn == urn for op in self.previous_pending):
            self.previous_pending = [op for op in self.previous_pending if op.resource.urn != urn]

    # replay ----------------------------------------------------------------------------------
    def apply(self, record: Record) -> None:
        """Make the change ``record`` describes (decoded by ``decode_record``)."""
        kind = record.get("t")
        if kind == "commit":
            old = None if record["old"] is None else self._old.get(int(record["old"]))
            self.commit(record["r"], old, resolve=bool(record["resolve"]))
        elif kind == "swap" and (old := self._old.get(int(record["old"]))) is not None:
            self.swap(old, record["r"])
        elif kind == "remove" and (old := self._old.get(int(record["old"]))) is not None:
            self.remove(old, gone=bool(record["gone"]))
        elif kind == "rename":
            self.rename(str(record["from"]), str(record["to"]))
        elif kind == "outputs" and (resource := self.new(str(record["urn"]))) is not None:
            self.set_outputs(resource, record["outputs"])
        elif kind == "begin":
            self._next_pending = int(record["id"])
            self.begin(record["kind"], record["r"])
        elif kind == "end":
            self.end(int(record["id"]))
        elif kind == "forget":
            self.forget_previous_pending(list(record["kinds"]))
        elif kind not in ("commit", "swap", "remove", "outputs"):
            raise StateError(f"journal record of unknown kind {kind!r}")

    # the snapshot ----------------------------------------------------------------------------
    def snapshot(self) -> tuple[Deployment, Layout]:
        """The state as of now, in an order Pulumi's integrity rules accept, and where each part sits in it.

        Resources registered so far come first, then the old ones not yet dealt with; references to
        a URN an alias renamed, or to a resource a refresh found deleted, are repaired as Pulumi
        repairs them; and a resource that refers to one listed after it (an untargeted resource
        kept with its old dependencies) moves down past it (``state.topological_positions``).
        """
        previous, pending = list(self.previous_pending), list(self.pending.items())
        resources = [*self._new, *self._old.values()]
        for gone in self.gone:
            resources = drop_references(resources, gone)
        if self.renamed:
            present = {r.urn for r in resources}
            renamed = {old: new for old, new in self.renamed.items() if old not in present}
            resources = [rename_references(r, renamed) for r in resources]
        order = topological_positions(resources)
        position = {index: at for at, index in enumerate(order)}
        count = len(self._new)
        layout = Layout(
            new=[position[i] for i in range(count)],
            old=[(key, position[count + i]) for i, key in enumerate(self._old)],
            previous=list(range(len(previous))),
            pending=[(op_id, len(previous) + i) for i, (op_id, _) in enumerate(pending)],
            renamed=dict(self.renamed),
        )
        deployment = Deployment(
            manifest=self.base.manifest,
            secrets_providers=self.base.secrets_providers,
            resources=[resources[index] for index in order],
            pending_operations=[*previous, *(op for _, op in pending)],
        )
        return deployment, layout


def encode_record(record: Record, crypter: Crypter) -> dict[str, Any]:
    """A record's JSON: resources in checkpoint form, outputs with secrets encrypted."""
    doc = dict(record)
    if "r" in doc:
        doc["r"] = doc["r"].to_json(crypter)
    if "outputs" in doc:
        doc["outputs"] = encode_properties(doc["outputs"], crypter)
    return doc


def decode_record(doc: Mapping[str, Any], crypter: Crypter | None) -> Record:
    record = dict(doc)
    if "r" in record:
        record["r"] = ResourceState.from_json(record["r"], crypter)
    if "outputs" in record:
        record["outputs"] = decode_properties(record["outputs"], crypter)
    return record
