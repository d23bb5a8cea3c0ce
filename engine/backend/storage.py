"""Where a diy backend keeps its files: the storage operations, apart from the stack logic
(Pulumi: ``pkg/backend/diy`` over a ``gocloud.dev/blob`` bucket).

Keys are ``/``-separated paths relative to the backend's root (``.pulumi/stacks/<project>/<stack>.json``).
``LocalStorage`` is a directory (``file://``); an object store (``s3://``) implements the same
protocol: whole-object reads and writes (a write replaces the object at once), listing by prefix
with ``/`` as the delimiter, copies, deletes, and a lock under a prefix.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Protocol, runtime_checkable

from aicompute.engine.backend.base import BackendLock
from aicompute.engine.backend.lock import StackLock
from aicompute.engine.util.fileio import atomic_write


class Storage(Protocol):
    """The operations a diy backend needs of the place that holds its files."""

    def location(self, key: str) -> str:
        """Where ``key`` is, as messages name it (a path, a URL)."""
        ...

    def read(self, key: str) -> bytes | None:
        """The object's bytes, None when there is none."""
        ...

    def write(self, key: str, data: str | bytes) -> None:
        """Create or replace the object at once: a reader sees the old or the new bytes, never a mix."""
        ...

    def exists(self, key: str) -> bool: ...

    def list(self, prefix: str) -> list[str]:
        """The names directly under ``prefix``, sorted; a folder's name ends with ``/``."""
        ...

    def keep_as_backup(self, key: str, backup: str) -> None:
        """Make ``backup`` a copy of the object ``key`` as it is now."""
        ...

    def move(self, key: str, new_key: str) -> None: ...

    def delete(self, key: str) -> None:
        """Delete the object (nothing to do when there is none)."""
        ...

    def delete_tree(self, prefix: str) -> None:
        """Delete every object under ``prefix``."""
        ...

    def lock(self, prefix: str, stack: str) -> BackendLock:
        """The lock of the stack ``stack`` (its fully qualified name), its holders recorded under
        ``prefix`` (acquired by ``with``)."""
        ...


@runtime_checkable
class AppendableStorage(Storage, Protocol):
    """A storage that can append to a file (what a journal needs; an object store cannot)."""

    def append(self, key: str, data: bytes) -> None:
        """Append ``data`` to the file (created if missing) and make it durable before returning."""
        ...


class LocalStorage:
    """A directory: each key a file under ``root``, written atomically (``util.fileio.atomic_write``)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, key: str) -> Path:
        return self.root / key

    def location(self, key: str) -> str:
        return str(self.path(key))

    def read(self, key: str) -> bytes | None:
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError:
            return None

    def write(self, key: str, data: str | bytes) -> None:
        atomic_write(self.path(key), data)

    def append(self, key: str, data: bytes) -> None:
        descriptor = os.open(self.path(key), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(descriptor, view) :]
            os.fdatasync(descriptor)  # the data and the size that reaches it; not the times
        finally:
            os.close(descriptor)

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def list(self, prefix: str) -> list[str]:
        directory = self.path(prefix)
        if not directory.is_dir():
            return []
        return sorted(p.name + "/" if p.is_dir() else p.name for p in directory.iterdir() if p.is_dir() or p.is_file())

    def keep_as_backup(self, key: str, backup: str) -> None:
        """A hard link (the next write replaces ``key`` by a new file, so the link keeps the old one),
        atomically swapped in; a copy where links are refused."""
        path, backup_path = self.path(key), self.path(backup)
        link = backup_path.with_name(f".{backup_path.name}.{os.getpid()}.link")
        try:
            link.unlink(missing_ok=True)
            os.link(path, link)
            os.replace(link, backup_path)
            # A backup that is already this file (the last write failed) makes the rename a no-op
            # that leaves the link behind (POSIX rename of two links to one file).
            link.unlink(missing_ok=True)
        except OSError:
            link.unlink(missing_ok=True)
            atomic_write(backup_path, path.read_bytes())

    def move(self, key: str, new_key: str) -> None:
        os.replace(self.path(key), self.path(new_key))

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def delete_tree(self, prefix: str) -> None:
        shutil.rmtree(self.path(prefix), ignore_errors=True)

    def lock(self, prefix: str, stack: str) -> StackLock:
        return StackLock(self.path(prefix), f"'{stack}'")
