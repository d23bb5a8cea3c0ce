"""The stack lock of Pulumi's file (diy) backend.

A holder writes ``<lock dir>/<uuid>.json`` — ``{"pid", "username", "hostname", "timestamp"}``, as
``pkg/backend/diy/lock.go`` does — then looks again: any other file in the directory means another
holder, and it withdraws. Two processes racing may both withdraw; neither can both proceed. The
Pulumi CLI honours our lock files and we honour its. A lock left by a dead process on this host is
broken (with a notice), as is one whose pid a process started after the lock now has (a reused
pid); any other lock is reported with its holder and how to remove it.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from aicompute.engine.util.fileio import atomic_write


class StackLocked(Exception):
    """Another process holds the stack's lock."""


@dataclass(frozen=True)
class LockHolder:
    location: str
    """The lock file's path, or the lock object's URL."""
    pid: int
    username: str
    hostname: str
    timestamp: str

    @classmethod
    def read(cls, path: Path) -> LockHolder:
        try:
            data = path.read_bytes()
        except OSError:
            data = b""
        return cls.parse(str(path), data)

    @classmethod
    def parse(cls, location: str, data: bytes) -> LockHolder:
        """The holder a lock file's bytes name (``?`` for what they lack: a torn or foreign file)."""
        try:
            doc: Any = json.loads(data.decode("utf-8"))
        except ValueError:
            doc = {}
        doc = doc if isinstance(doc, dict) else {}
        return cls(
            location=location,
            pid=int(doc.get("pid") or 0),
            username=str(doc.get("username", "?")),
            hostname=str(doc.get("hostname", "?")),
            timestamp=str(doc.get("timestamp", "?")),
        )

    def describe(self) -> str:
        return f"{self.location}: created by {self.username}@{self.hostname} (pid {self.pid}) at {self.timestamp}"

    def is_stale(self) -> bool:
        """Held by a process of this host that no longer exists, or whose pid a later process took."""
        if self.hostname != socket.gethostname() or self.pid <= 0:
            return False
        return not process_alive(self.pid) or _started_after(self.pid, self.timestamp)


def _started_after(pid: int, timestamp: str) -> bool:
    """Whether process ``pid`` started after ``timestamp`` (ISO 8601), so it cannot be the process
    that took the lock then: its pid was reused (a killed engine's pid soon is, in a container).
    False when either time is unknown (no /proc, a timestamp of another format)."""
    try:
        taken = datetime.fromisoformat(timestamp).timestamp()
        started = _process_start(pid)
    except (OSError, ValueError, IndexError):
        return False
    return started > taken + 1  # the clock tick and the timestamp's rounding


def _process_start(pid: int) -> float:
    """The process's start time (epoch seconds), from Linux's /proc."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    ticks = int(stat.rsplit(")", 1)[1].split()[19])  # field 22, starttime: clock ticks after boot
    boot = next(
        int(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines() if line.startswith("btime")
    )
    return boot + ticks / os.sysconf("SC_CLK_TCK")


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def lock_content() -> str:
    return json.dumps(
        {
            "pid": os.getpid(),
            "username": getpass.getuser(),
            "hostname": socket.gethostname(),
            "timestamp": datetime.now(UTC).astimezone().isoformat(),
        }
    )


class StackLock:
    """A context manager holding one stack's lock; ``notices`` lists stale locks it broke."""

    def __init__(self, directory: Path, stack_label: str) -> None:
        self.directory = directory
        self.stack_label = stack_label
        self.path = directory / f"{uuid.uuid4()}.json"
        self.notices: list[str] = []
        self._held = False

    def acquire(self) -> StackLock:
        self._refuse_if_held_by_others()
        atomic_write(self.path, lock_content())
        self._held = True
        try:
            self._refuse_if_held_by_others()
        except StackLocked:
            self.release()
            raise
        return self

    def release(self) -> None:
        if self._held:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
            self._held = False

    def _refuse_if_held_by_others(self) -> None:
        holders = [LockHolder.read(p) for p in self._other_lock_files()]
        live = []
        for holder in holders:
            if holder.is_stale():
                with contextlib.suppress(FileNotFoundError):
                    Path(holder.location).unlink()
                self.notices.append(f"removed a stale lock (its process is gone): {holder.describe()}")
            else:
                live.append(holder)
        if live:
            lines = "\n".join(f"  {h.describe()}" for h in live)
            raise StackLocked(
                f"the stack {self.stack_label} is currently locked by {len(live)} lock(s). Either wait for the "
                f"other process(es) to end or, if none is running, delete the lock file(s):\n{lines}"
            )

    def _other_lock_files(self) -> list[Path]:
        if not self.directory.is_dir():
            return []
        return sorted(p for p in self.directory.iterdir() if p.is_file() and p.suffix == ".json" and p != self.path)

    def __enter__(self) -> StackLock:
        return self.acquire()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
