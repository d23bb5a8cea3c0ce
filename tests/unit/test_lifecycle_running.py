"""``lifecycle.running()``: a step schedules its follow-up with the lifecycle that runs it."""

from __future__ import annotations

from typing import Any

import pytest

from aicompute.localcloud.lifecycle import Lifecycle, running, step
from aicompute.localcloud.store import Store, Transaction

PROJECT = "c" * 32
LOG = "test.running.log"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@step("test.running.follow_up")
def _follow_up(tx: Transaction, project_id: str, args: dict[str, Any]) -> None:
    tx.put(LOG, project_id, "done", {"by": args["by"]})


@step("test.running.first")
def _first(tx: Transaction, project_id: str, args: dict[str, Any]) -> None:
    running().schedule(tx, project_id, 10, "test.running.follow_up", {"by": "first"})


def test_a_step_schedules_a_follow_up_on_the_running_lifecycles_clock() -> None:
    clock = Clock()
    store, lifecycle = Store(), Lifecycle(time_scale=0.5, clock=clock)
    with store.transaction() as tx:
        lifecycle.schedule(tx, PROJECT, 0, "test.running.first", {})
    with store.transaction() as tx:
        assert lifecycle.advance(tx, PROJECT) == 1
    clock.now += 4.9  # 10 emulated seconds at time scale 0.5
    with store.transaction() as tx:
        assert lifecycle.advance(tx, PROJECT) == 0
    clock.now += 0.1
    with store.transaction() as tx:
        assert lifecycle.advance(tx, PROJECT) == 1
        assert tx.get(LOG, PROJECT, "done") == {"by": "first"}


def test_running_outside_a_step_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="no lifecycle step is running"):
        running()
    store, lifecycle = Store(), Lifecycle(time_scale=0, clock=Clock())
    with store.transaction() as tx:
        lifecycle.advance(tx, PROJECT)
    with pytest.raises(RuntimeError):
        running()  # reset once the steps have run
