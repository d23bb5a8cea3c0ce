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
from collections.abc import Callable
from types import FrameType
from typing import Any

from aicompute.engine.deploy.events import EventStream

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class CancellationScope:
    """While entered (on the main thread), SIGINT and SIGTERM call ``cancel``, then ``terminate``."""

    def __init__(self, events: EventStream, cancel: Callable[[], None], terminate: Callable[[], None]) -> None:
        self.events = events
        self._cancel = cancel
        self._terminate = terminate
        self.signals = 0
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

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        self.signals += 1
        name = "SIGTERM" if signum == signal.SIGTERM else "^C"
        if self.signals == 1:
            again = "send SIGTERM again" if signum == signal.SIGTERM else "press ^C again"
            message = (
                f"{name} received; cancelling. If you would like to terminate immediately, {again} "
                "(operations in flight then stay pending in the state)"
            )
            work = self._cancel
        elif self.signals == 2:
            message, work = f"{name} received; terminating", self._terminate
        else:
            return
        threading.Thread(target=self._run, args=(message, work), name="cancellation", daemon=True).start()

    def _run(self, message: str, work: Callable[[], None]) -> None:
        self.events.diag("warning", message)
        work()
