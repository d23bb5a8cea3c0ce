"""Lifecycles that advance with time, moto-style.

A backend that starts an asynchronous change (a pool being created, a service deploying)
schedules a named *step* to run after a delay: ``lifecycle.schedule(tx, project, 5.0,
"modelarts.pool.created", {"pool": name})``. Delays are in emulated seconds and are multiplied
by the server's time scale (0 runs every step on the very next request). Before a request reads
or writes a project's objects, ``lifecycle.advance(tx, project)`` runs every step that is due, in
order; a step may schedule further steps (with ``running()``, the lifecycle that runs it). Steps
are stored with the objects, so they survive a restart of the server.

Steps are registered by name with the ``@step("name")`` decorator in each platform's backend.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from aicompute.localcloud.store import Transaction

StepFunction = Callable[[Transaction, str, dict[str, Any]], None]

_STEPS: dict[str, StepFunction] = {}
_RUNNING: ContextVar[Lifecycle | None] = ContextVar("running_lifecycle", default=None)


def step(name: str) -> Callable[[StepFunction], StepFunction]:
    """Register a lifecycle step under ``name`` (``fn(tx, project_id, args)``)."""

    def register(fn: StepFunction) -> StepFunction:
        if name in _STEPS and _STEPS[name] is not fn:
            raise ValueError(f"lifecycle step {name!r} is registered twice")
        _STEPS[name] = fn
        return fn

    return register


class Lifecycle:
    """Schedules and runs lifecycle steps on a clock scaled by ``time_scale``."""

    def __init__(self, time_scale: float = 1.0, clock: Callable[[], float] = time.time) -> None:
        if time_scale < 0:
            raise ValueError("time_scale must be >= 0")
        self.time_scale = time_scale
        self.clock = clock

    def schedule(self, tx: Transaction, project_id: str, delay: float, name: str, args: dict[str, Any]) -> None:
        if name not in _STEPS:
            raise KeyError(f"unknown lifecycle step {name!r}")
        tx.add_timer(project_id, self.clock() + delay * self.time_scale, name, args)

    def advance(self, tx: Transaction, project_id: str) -> int:
        """Run every step of the project that is due now; return how many ran."""
        ran = 0
        now = self.clock()
        running = _RUNNING.set(self)
        try:
            while (timer := tx.pop_due_timer(project_id, now)) is not None:
                _STEPS[timer.action](tx, project_id, timer.args)
                ran += 1
        finally:
            _RUNNING.reset(running)
        return ran


def running() -> Lifecycle:
    """The lifecycle running the current step, for a step that schedules a follow-up step."""
    lifecycle = _RUNNING.get()
    if lifecycle is None:
        raise RuntimeError("no lifecycle step is running")
    return lifecycle
