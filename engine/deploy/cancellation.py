"""SIGINT and SIGTERM during an operation, handled as Pulumi's cancellation scope handles them
(``pkg/backend/cancellation_scope.go``): the first signal cancels — no new step starts, the steps in
flight finish, the state is written and the lock released; the second terminates — the provider
processes and the program are ended, so the calls in flight fail with their outcome unknown and stay
pending in the state (the next run resolves them).

Handlers only note the signal: the work is done on a thread of its own, since a handler runs between
two bytecodes of the main thread, which may hold a lock the work needs.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any, Protocol

from aicompute.engine.deploy.events import EventStream

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Cancellable(Protocol):
    def cancel(self) -> None:
        """Start no new step; end what only waits (the program)."""

    def terminate(self) -> None:
        """End the provider processes too: the calls in flight fail and stay pending."""


class CancellationScope:
    """While entered (on the main thread), SIGINT and SIGTERM cancel, then terminate, the operation
    ``attach`` names (a signal that came before it is applied to it when it is attached)."""

    def __init__(self, events: EventStream) -> None:
        self.events = events
        self.signals = 0
        self._target: Cancellable | None = None
        self._lock = threading.Lock()
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> CancellationScope:
        if threading.current_thread() is threading.main_thread():
            for signum in SIGNALS:
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *_: object) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()

    def attach(self, target: Cancellable) -> None:
        with self._lock:
            self._target = target
            signals = self.signals
        if signals >= 1:
            target.cancel()
        if signals >= 2:
            target.terminate()

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        self.signals += 1
        name = "SIGTERM" if signum == signal.SIGTERM else "^C"
        if self.signals == 1:
            again = "send SIGTERM again" if signum == signal.SIGTERM else "press ^C again"
            message = (
                f"{name} received; cancelling. If you would like to terminate immediately, {again} "
                "(operations in flight then stay pending in the state)"
            )
            terminate = False
        elif self.signals == 2:
            message, terminate = f"{name} received; terminating", True
        else:
            return
        threading.Thread(target=self._run, args=(message, terminate), name="cancellation", daemon=True).start()

    def _run(self, message: str, terminate: bool) -> None:
        self.events.diag("warning", message)
        with self._lock:
            target = self._target
        if target is None:
            return  # applied by ``attach``
        if terminate:
            target.terminate()
        else:
            target.cancel()


def ignore_signals() -> None:
    """After a cancelled operation has recorded its state: a late SIGINT/SIGTERM changes nothing more."""
    if threading.current_thread() is threading.main_thread():
        for signum in SIGNALS:
            signal.signal(signum, signal.SIG_IGN)
