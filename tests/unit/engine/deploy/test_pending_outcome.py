"""An operation whose outcome is unknown stays pending in the state written, and the next update
adopts what a pending create may have made (through the adopting providers) instead of creating
another; a failure with an answer clears it. SIGINT/SIGTERM cancel, then terminate."""

from __future__ import annotations

import os
import signal
import threading

import pytest

from aicompute.engine.deploy.cancellation import CancellationScope
from aicompute.engine.deploy.events import EventStream
from aicompute.engine.deploy.providers.base import ProviderError
from aicompute.engine.deploy.snapshot import PendingCall
from aicompute.engine.deploy.step_executor import StepExecutor
from aicompute.engine.resource.state import ResourceState
from tests.unit.engine.deploy.test_deployment import FakePool, Harness, adopting_run, thing, urn


def lost(op: str, name: str, unknown: bool = True) -> ProviderError:
    return ProviderError(op, urn(name), "Socket closed", outcome_unknown=unknown)


class LosingPool(FakePool):
    """Raises ``errors[(op, name)]`` for that call."""

    def __init__(self, errors: dict[tuple[str, str], ProviderError]) -> None:
        super().__init__()
        self.errors = errors
        self.during = {op: self._raise(op) for op, _ in errors}

    def _raise(self, op: str) -> object:
        def fail(name: str) -> None:
            if (op, name) in self.errors:
                raise self.errors[(op, name)]

        return fail


def pending(h: Harness) -> list[tuple[str, str]]:
    return [(op.type, op.resource.urn) for op in h.saved[-1].pending_operations]


def test_a_create_lost_with_its_provider_stays_pending_and_the_next_update_adopts_it() -> None:
    h = Harness()
    h.pool = LosingPool({("create", "b"): lost("create", "b")})
    run = h.run(thing("a"), thing("b"))
    assert run.failed and pending(h) == [("creating", urn("b"))]
    [failed] = [r for r in run.records if r.failed]
    assert "the outcome is unknown" in failed.error and "stays pending" in failed.error

    h.pool = FakePool()
    adopting = FakePool()
    again = adopting_run(h, adopting, thing("a"), thing("b"))
    assert adopting.calls == [("create", "b")] and ("create", "b") not in h.pool.calls
    assert not again.failed and h.state.pending_operations == [] and "b" in h.names()


def test_a_create_that_failed_with_an_answer_is_not_left_pending() -> None:
    h = Harness()
    h.pool = LosingPool({("create", "b"): lost("create", "b", unknown=False)})
    run = h.run(thing("a"), thing("b"))
    assert run.failed and pending(h) == []


def test_a_delete_lost_with_its_provider_stays_pending() -> None:
    h = Harness()
    h.run(thing("a"), thing("b"))
    h.pool = LosingPool({("delete", "b"): lost("delete", "b")})
    run = h.run(thing("a"))
    assert run.failed and pending(h) == [("deleting", urn("b"))] and "b" in h.names()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_first_signal_cancels_and_a_second_terminates(signum: int) -> None:
    calls: list[str] = []
    done = threading.Semaphore(0)

    def note(what: str) -> None:
        calls.append(what)
        done.release()

    class Target:
        def cancel(self) -> None:
            note("cancel")

        def terminate(self) -> None:
            note("terminate")

    events = EventStream()
    previous = signal.getsignal(signum)
    with CancellationScope(events) as scope:
        scope.attach(Target())
        os.kill(os.getpid(), signum)
        done.acquire()
        os.kill(os.getpid(), signum)
        done.acquire()
    assert calls == ["cancel", "terminate"]
    messages = [d.message for d in events.diagnostics]
    name = "SIGTERM" if signum == signal.SIGTERM else "^C"
    assert messages[0].startswith(f"{name} received; cancelling") and messages[1] == f"{name} received; terminating"
    assert signal.getsignal(signum) == previous


def test_a_call_stays_pending_in_every_write_until_its_result_is_recorded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Another step's group commit can come between a provider call's return and the record of its
    result: that write must still show the call pending, or a crash right after it would leave a
    created object that neither the state nor a pending operation knows of."""
    h = Harness()
    seen: list[tuple[str, str, list[tuple[str, str]], bool]] = []
    real_create, real_delete = StepExecutor.create, StepExecutor.delete

    def written_now(executor: StepExecutor, op: str, resource_urn: str) -> None:
        executor.snapshots.persist()  # the other step's write
        state = h.saved[-1]
        ops = [(o.type, o.resource.urn) for o in state.pending_operations]
        seen.append((op, resource_urn, ops, any(r.urn == resource_urn for r in state.resources)))

    def create(executor: StepExecutor, new: ResourceState, aso: tuple[str, ...]) -> PendingCall:
        call = real_create(executor, new, aso)
        written_now(executor, "creating", new.urn)
        return call

    def delete(executor: StepExecutor, resource: ResourceState, retain: bool) -> PendingCall | None:
        call = real_delete(executor, resource, retain)
        written_now(executor, "deleting", resource.urn)
        return call

    monkeypatch.setattr(StepExecutor, "create", create)
    monkeypatch.setattr(StepExecutor, "delete", delete)
    h.run(thing("a"), thing("b"))
    h.run(thing("a", obj="a2", kind="unique"))  # a replaced delete-first (name and kind create-only), b deleted
    assert {(op, name.rsplit("::", 1)[1]) for op, name, _, _ in seen} == {
        ("creating", "a"),
        ("creating", "b"),
        ("deleting", "a"),
        ("deleting", "b"),
    }
    for op, resource_urn, ops, _ in seen:
        assert (op, resource_urn) in ops, f"{op} {resource_urn} was written as over before its result was"
    assert h.state.pending_operations == [] and h.names() == ["p-dev", "default", "a"]
