"""Lifecycle steps: ordering, the time scale on an injected clock, and surviving a restart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from aicompute.localcloud.lifecycle import Lifecycle, step
from aicompute.localcloud.store import Store, Transaction

A = "a" * 32
B = "b" * 32
LOG = "test.lifecycle.log"
OBJ = "test.lifecycle.object"


class Clock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@step("test.lifecycle.record")
def _record(tx: Transaction, project_id: str, args: dict[str, Any]) -> None:
    log = tx.get(LOG, project_id, "log") or {"labels": []}
    log["labels"].append(args["label"])
    tx.put(LOG, project_id, "log", log)


@step("test.lifecycle.chain")
def _chain(tx: Transaction, project_id: str, args: dict[str, Any]) -> None:
    _record(tx, project_id, args)
    LIFECYCLE_FOR_CHAIN.schedule(tx, project_id, 0, "test.lifecycle.record", {"label": args["label"] + "+next"})


@step("test.lifecycle.set_state")
def _set_state(tx: Transaction, project_id: str, args: dict[str, Any]) -> None:
    tx.put(OBJ, project_id, args["id"], {"state": args["state"]})


@step("test.lifecycle.explode")
def _explode(tx: Transaction, project_id: str, args: dict[str, Any]) -> None:
    tx.put(OBJ, project_id, "half-done", {})
    raise RuntimeError("step failed")


LIFECYCLE_FOR_CHAIN = Lifecycle(time_scale=1.0, clock=Clock())


def labels(store: Store, project_id: str = A) -> list[str]:
    with store.transaction() as tx:
        log = tx.get(LOG, project_id, "log")
    return [] if log is None else list(log["labels"])


def advance(store: Store, lifecycle: Lifecycle, project_id: str = A) -> int:
    with store.transaction() as tx:
        return lifecycle.advance(tx, project_id)


def schedule(store: Store, lifecycle: Lifecycle, delay: float, label: str, project_id: str = A) -> None:
    with store.transaction() as tx:
        lifecycle.schedule(tx, project_id, delay, "test.lifecycle.record", {"label": label})


def test_steps_run_when_due_in_order_of_due_time_then_scheduling() -> None:
    clock = Clock()
    store, lifecycle = Store(), Lifecycle(time_scale=1.0, clock=clock)
    schedule(store, lifecycle, 10, "late")
    schedule(store, lifecycle, 2, "first")
    schedule(store, lifecycle, 2, "second")
    assert advance(store, lifecycle) == 0
    clock.now += 1.999
    assert advance(store, lifecycle) == 0
    clock.now += 0.001
    assert advance(store, lifecycle) == 2
    assert labels(store) == ["first", "second"]
    clock.now += 8
    assert advance(store, lifecycle) == 1
    assert labels(store) == ["first", "second", "late"]
    assert advance(store, lifecycle) == 0


def test_time_scale_multiplies_delays() -> None:
    clock = Clock()
    store, lifecycle = Store(), Lifecycle(time_scale=0.01, clock=clock)
    schedule(store, lifecycle, 100, "x")
    clock.now += 0.99
    assert advance(store, lifecycle) == 0
    clock.now += 0.01
    assert advance(store, lifecycle) == 1


def test_time_scale_zero_runs_every_step_on_the_next_advance() -> None:
    store, lifecycle = Store(), Lifecycle(time_scale=0, clock=Clock())
    schedule(store, lifecycle, 3600, "b")
    schedule(store, lifecycle, 60, "a")
    assert advance(store, lifecycle) == 2
    assert labels(store) == ["b", "a"], "equal due times run in scheduling order"


def test_a_step_may_schedule_the_next_one() -> None:
    store = Store()
    with store.transaction() as tx:
        LIFECYCLE_FOR_CHAIN.schedule(tx, A, 0, "test.lifecycle.chain", {"label": "start"})
    assert advance(store, LIFECYCLE_FOR_CHAIN) == 2
    assert labels(store) == ["start", "start+next"]


def test_projects_advance_independently() -> None:
    clock = Clock()
    store, lifecycle = Store(), Lifecycle(time_scale=1.0, clock=clock)
    schedule(store, lifecycle, 1, "a", A)
    schedule(store, lifecycle, 1, "b", B)
    clock.now += 1
    assert advance(store, lifecycle, A) == 1
    assert labels(store, A) == ["a"] and labels(store, B) == []
    assert advance(store, lifecycle, B) == 1


def test_a_failing_step_rolls_back_and_stays_scheduled() -> None:
    store, lifecycle = Store(), Lifecycle(time_scale=0, clock=Clock())
    with store.transaction() as tx:
        lifecycle.schedule(tx, A, 1, "test.lifecycle.explode", {})
    with pytest.raises(RuntimeError, match="step failed"):
        advance(store, lifecycle)
    with store.transaction() as tx:
        assert tx.get(OBJ, A, "half-done") is None
        timer = tx.pop_due_timer(A, 1e12)
        assert timer is not None and timer.action == "test.lifecycle.explode"


def test_bad_arguments() -> None:
    store = Store()
    with pytest.raises(ValueError, match="time_scale"):
        Lifecycle(time_scale=-1)
    with pytest.raises(KeyError, match="unknown lifecycle step"), store.transaction() as tx:
        Lifecycle().schedule(tx, A, 1, "test.lifecycle.nope", {})
    with pytest.raises(ValueError, match="registered twice"):
        step("test.lifecycle.record")(lambda tx, project_id, args: None)


def test_scheduled_steps_and_objects_survive_a_restart(tmp_path: Path) -> None:
    path = str(tmp_path / "world.db")
    clock = Clock()
    store, lifecycle = Store(path), Lifecycle(time_scale=0.5, clock=clock)
    with store.transaction() as tx:
        tx.put(OBJ, A, "pool", {"state": "Creating"})
        lifecycle.schedule(tx, A, 10, "test.lifecycle.set_state", {"id": "pool", "state": "Running"})
    store.close()

    clock.now += 4
    store, lifecycle = Store(path), Lifecycle(time_scale=0.5, clock=clock)
    assert advance(store, lifecycle) == 0
    with store.transaction() as tx:
        assert tx.get(OBJ, A, "pool") == {"state": "Creating"}
    store.close()

    clock.now += 1
    store, lifecycle = Store(path), Lifecycle(time_scale=0.5, clock=clock)
    assert advance(store, lifecycle) == 1
    with store.transaction() as tx:
        assert tx.get(OBJ, A, "pool") == {"state": "Running"}
    store.close()
