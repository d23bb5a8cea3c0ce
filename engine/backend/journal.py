"""A stack's journal: the records of a run's steps, appended beside its checkpoint (Pulumi: the
snapshot journal of ``pkg/backend/journal.go`` and ``pkg/backend/diy``).

``.pulumi/stacks/<project>/<stack>.journal.jsonl``: a header line ``{"version": 1, "checkpoint":
<sha-256 of the checkpoint file it continues>, "layout": <run_state.Layout>}``, then one line per
group commit: a compact JSON array of the records it wrote (``resource.run_state``; secrets
encrypted as in the checkpoint), appended and fsync'd, so a group is in the journal whole or not at
all. A journal holds only over the checkpoint whose digest its header names: a checkpoint written
after it (the next compaction, a state command) makes it stale, so a crash between writing a
checkpoint and starting the next journal loses nothing and replays nothing twice. A last line
without its newline, or unreadable (a write cut short), is not part of it.

The whole checkpoint is written when a run starts writing, each time the journal has grown past
``max(MIN_BOUND, the checkpoint's size)`` (so its writes cost O(1) per record, amortised), and when
the run ends, which also removes the journal and makes ``.bak`` a copy of that last checkpoint (as
after a run that wrote whole checkpoints, whose ``.bak`` was the state one step before the end, not
the state the run started from). Only storages that can append (``file://``) journal.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from aicompute.engine.backend.base import BackendError, StackRef
from aicompute.engine.backend.storage import AppendableStorage
from aicompute.engine.resource.run_state import Layout, Record, RunState, decode_record, encode_record
from aicompute.engine.resource.state import Deployment, StateError
from aicompute.engine.secrets.passphrase import Crypter

JOURNAL_VERSION = 1
JOURNAL_SUFFIX = ".journal.jsonl"
MIN_BOUND = 4 * 1024 * 1024
"""Bytes of records a journal may hold before a checkpoint, at least."""


class CheckpointWriter(Protocol):
    """The backend's checkpoint writes, as the journal uses them."""

    def save_deployment(self, ref: StackRef, deployment: Deployment, crypter: Crypter) -> bytes: ...

    def write_deployment(
        self, ref: StackRef, deployment_json: Mapping[str, Any], resource_texts: list[str] | None = None
    ) -> bytes: ...


def journal_key(stack_key: str) -> str:
    """The journal beside a stack's checkpoint ``<stack>.json``."""
    return stack_key.removesuffix(".json") + JOURNAL_SUFFIX


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _compact(document: Any) -> str:
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class JournalContents:
    """A journal as read: the layout of the checkpoint it continues, and its records (JSON)."""

    layout: Layout
    records: list[dict[str, Any]]


def read_journal(data: bytes, checkpoint: bytes, where: str) -> JournalContents | None:
    """The journal in ``data`` if it continues the checkpoint ``checkpoint`` (None if it is stale or
    empty); records up to the first incomplete or unreadable line."""
    lines = data.split(b"\n")[:-1]  # what follows the last newline was cut short
    if not lines:
        return None
    try:
        header = json.loads(lines[0])
    except ValueError:
        return None  # the header itself was cut short: nothing was recorded over it
    if not isinstance(header, dict) or header.get("version") != JOURNAL_VERSION:
        raise BackendError(f"{where}: journal version {header.get('version')!r}; aicompute reads {JOURNAL_VERSION}")
    if header.get("checkpoint") != digest(checkpoint):
        return None
    records = []
    for line in lines[1:]:
        try:
            group = json.loads(line)
        except ValueError:
            break
        records += group
    return JournalContents(Layout.from_json(header["layout"]), records)


def replay(checkpoint: Deployment, journal: JournalContents, crypter: Crypter | None) -> Deployment:
    """The state the journal's records make of the checkpoint they continue."""
    state = RunState.resume(checkpoint, journal.layout)
    try:
        for record in journal.records:
            state.apply(decode_record(record, crypter))
    except (KeyError, TypeError, ValueError) as error:
        raise StateError(f"unreadable journal record: {error!r}") from None
    return state.snapshot()[0]


class StackJournal:
    """One stack's journal, written by one run (``snapshot.Journal``); the caller holds the stack's lock."""

    def __init__(
        self, writer: CheckpointWriter, storage: AppendableStorage, ref: StackRef, stack_key: str, crypter: Crypter
    ) -> None:
        self._writer, self._storage, self._ref, self._crypter = writer, storage, ref, crypter
        self._stack_key, self._key = stack_key, journal_key(stack_key)
        self._started = False
        self._bytes = 0
        self._bound = MIN_BOUND

    def due(self) -> bool:
        return not self._started or self._bytes >= self._bound

    def encode(self, record: Record) -> str:
        return _compact(encode_record(record, self._crypter))

    def append(self, records: list[str]) -> None:
        data = ("[" + ",".join(records) + "]\n").encode("utf-8")
        self._storage.append(self._key, data)
        self._bytes += len(data)

    def checkpoint(self, deployment: Deployment, layout: Layout) -> None:
        written, error = self._write(deployment)
        self._start(written, layout)
        if error is not None:
            raise error

    def close(self, deployment: Deployment, layout: Layout) -> None:
        _, error = self._write(deployment)
        self._storage.delete(self._key)
        self._storage.keep_as_backup(self._stack_key, self._stack_key + ".bak")
        self._started = False
        if error is not None:
            raise error

    def _write(self, deployment: Deployment) -> tuple[bytes, StateError | None]:
        """Write the checkpoint; one that breaks the integrity rules is written anyway, and the
        ``StateError`` returned (the run fails, but nothing it created is lost)."""
        try:
            return self._writer.save_deployment(self._ref, deployment, self._crypter), None
        except StateError as error:
            return self._writer.write_deployment(self._ref, deployment.to_json(self._crypter)), error

    def _start(self, checkpoint: bytes, layout: Layout) -> None:
        header = {"version": JOURNAL_VERSION, "checkpoint": digest(checkpoint), "layout": layout.to_json()}
        self._storage.write(self._key, _compact(header) + "\n")
        self._started = True
        self._bytes = 0
        self._bound = max(MIN_BOUND, len(checkpoint))
