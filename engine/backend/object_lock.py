"""A stack's lock in a shared object store (``s3://``), as Pulumi's diy backend keeps it there.

The holder puts ``<lock prefix>/<uuid>.json`` — ``{"pid", "username", "hostname", "timestamp"}``,
the lock file of ``lock.StackLock`` — and lists the prefix again: another object there means
another holder, and it withdraws (deletes its own). Object stores list what was written before
(S3 has read-after-write consistency), so of two racing holders at least one withdraws. The
Pulumi CLI honours these objects and aicompute honours its.

Unlike the file lock, this one is never broken by aicompute: a bucket is shared across hosts (and
containers that may share a hostname and pids), so no process can tell that another one's holder
is gone. A lock left by a killed run is reported with its holder and the command that removes it,
``aicompute cancel`` (Pulumi's own verb for it).
"""

from __future__ import annotations

import socket
import uuid
from types import TracebackType
from typing import TYPE_CHECKING

from aicompute.engine.backend.lock import LockHolder, StackLocked, lock_content, process_alive

if TYPE_CHECKING:
    from aicompute.engine.backend.storage import Storage

LOCK_SUFFIX = ".json"


def lock_keys(storage: Storage, prefix: str) -> list[str]:
    """The keys of the lock objects under ``prefix``."""
    return [f"{prefix}/{name}" for name in storage.list(prefix) if name.endswith(LOCK_SUFFIX)]


def read_holder(storage: Storage, key: str) -> LockHolder:
    return LockHolder.parse(storage.location(key), storage.read(key) or b"")


def holder_line(holder: LockHolder) -> str:
    """How a message names a holder; a process of this host that is gone is said to be gone."""
    gone = holder.hostname == socket.gethostname() and holder.pid > 0 and not process_alive(holder.pid)
    return holder.describe() + (" (no such process runs on this host now)" if gone else "")


class ObjectStackLock:
    """A context manager holding one stack's lock in ``storage``; it breaks no lock (``notices`` stays empty)."""

    def __init__(self, storage: Storage, prefix: str, stack: str) -> None:
        """``stack`` is the stack's fully qualified name (``organization/<project>/<stack>``)."""
        self.storage = storage
        self.prefix = prefix
        self.stack = stack
        self.key = f"{prefix}/{uuid.uuid4()}{LOCK_SUFFIX}"
        self.notices: list[str] = []
        self._held = False

    def acquire(self) -> ObjectStackLock:
        self._refuse_if_held_by_others()
        self.storage.write(self.key, lock_content())
        self._held = True
        try:
            self._refuse_if_held_by_others()
        except StackLocked:
            self.release()
            raise
        return self

    def release(self) -> None:
        if self._held:
            self.storage.delete(self.key)
            self._held = False

    def _refuse_if_held_by_others(self) -> None:
        others = [read_holder(self.storage, key) for key in lock_keys(self.storage, self.prefix) if key != self.key]
        if others:
            lines = "\n".join(f"  {holder_line(h)}" for h in others)
            raise StackLocked(
                f"the stack '{self.stack}' is currently locked by {len(others)} lock(s). Either wait for the "
                f"other process(es) to end or, if none is running, remove the lock(s) with "
                f"`aicompute cancel --stack {self.stack}` (or `pulumi cancel`):\n{lines}"
            )

    def __enter__(self) -> ObjectStackLock:
        return self.acquire()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
