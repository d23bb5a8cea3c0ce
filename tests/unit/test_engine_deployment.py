"""DeploymentRun step semantics with an in-memory provider: order, pending operations, failures."""

from __future__ import annotations

import threading
from typing import Any, cast

import pytest

from aicompute.engine.deployment import DeploymentRun, Registration, RunOptions
from aicompute.engine.events import EventStream
from aicompute.engine.providers import CheckFailure, DiffResult, ProviderError, ProviderPool, ReadResult
from aicompute.engine.state import Deployment

TYPE = "pulumi-python:dynamic/test:Thing"
STACK = "urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev"


def urn(name: str) -> str:
    return f"urn:pulumi:dev::p::{TYPE}::{name}"


class FakePool:
    """Objects in a dict; ``name`` and ``kind`` create-only (``kind: unique`` deletes first)."""

    def __init__(self) -> None:
        self.objects: dict[str, dict[str, Any]] = {}
        self.calls: list[tuple[str, str]] = []
        self.fail: set[tuple[str, str]] = set()
        self.during: dict[str, Any] = {}
        self.lock = threading.Lock()

    def _call(self, op: str, name: str) -> None:
        with self.lock:
            self.calls.append((op, name))
        if (op, name) in self.fail:
            raise ProviderError(op, urn(name), f"{op} of {name} failed")
        if op in self.during:
            self.during[op](name)

    def check(self, urn_: str, type_: str, name: str, olds: Any, news: Any) -> tuple[dict[str, Any], list[Any]]:
        if news.get("bad"):
            return news, [CheckFailure("bad", "bad: not allowed")]
        return dict(news), []

    def diff(self, urn_: str, type_: str, name: str, id_: str, olds: Any, news: Any, old_inputs: Any, ign: Any) -> Any:
        replaces = tuple(k for k in ("name", "kind") if olds.get(k) != news.get(k))
        changed = any(olds.get(k) != news.get(k) for k in news)
        return DiffResult("some" if changed else "none", replaces, news.get("kind") == "unique")

    def create(self, urn_: str, type_: str, name: str, inputs: Any) -> tuple[str, dict[str, Any]]:
        self._call("create", name)
        self.objects[inputs["name"]] = dict(inputs)
        return inputs["name"], {**inputs, "out": 1}

    def update(self, urn_: str, type_: str, name: str, id_: str, olds: Any, news: Any, old_inputs: Any) -> Any:
        self._call("update", name)
        self.objects[id_] = dict(news)
        return {**news, "out": 2}

    def delete(self, urn_: str, type_: str, name: str, id_: str, outputs: Any, inputs: Any) -> None:
        self._call("delete", name)
        self.objects.pop(id_, None)

    def read(self, urn_: str, type_: str, name: str, id_: str, outputs: Any, inputs: Any) -> ReadResult:
        self._call("read", name)
        live = self.objects.get(id_)
        return ReadResult(id_, dict(live)) if live else ReadResult("", {})


class Harness:
    def __init__(self) -> None:
        self.pool = FakePool()
        self.state = Deployment()
        self.saved: list[Deployment] = []

    def run(self, *regs: Registration, dry_run: bool = False, finish: bool = True, **options: Any) -> DeploymentRun:
        run = DeploymentRun(
            "p",
            "dev",
            self.state,
            cast(ProviderPool, self.pool),
            EventStream(),
            RunOptions(dry_run=dry_run, **options),
            persist=self.saved.append,
        )
        run.register_resource(Registration("pulumi:pulumi:Stack", "p-dev", custom=False))
        for reg in regs:
            run.register_resource(reg)
        if finish:
            run.finish(True)
        if not dry_run:
            self.state = run.snapshot()
        return run

    def names(self) -> list[str]:
        return [r.urn.rsplit("::", 1)[1] for r in self.state.resources]


def thing(name: str, *, deps: tuple[str, ...] = (), **inputs: Any) -> Registration:
    props = {"name": inputs.pop("obj", name), **inputs}
    return Registration(TYPE, name, custom=True, parent=STACK, inputs=props, dependencies=deps, **_opts(inputs))


def _opts(inputs: dict[str, Any]) -> dict[str, Any]:
    return {k: inputs.pop(k) for k in list(inputs) if k in ("protect", "retain_on_delete", "delete_before_replace")}


def test_deletes_run_dependents_first() -> None:
    h = Harness()
    h.run(thing("a"), thing("b", deps=(urn("a"),)), thing("c", deps=(urn("b"),)))
    h.pool.calls.clear()
    h.run()
    assert h.pool.calls == [("delete", "c"), ("delete", "b"), ("delete", "a")]
    assert h.names() == ["p-dev"]


def test_a_failed_step_stops_new_steps_and_skips_deletions() -> None:
    h = Harness()
    h.run(thing("old"))
    h.pool.fail.add(("create", "x"))
    run = h.run(thing("x"), thing("y"))
    assert run.failed and ("create", "y") not in h.pool.calls and ("delete", "old") not in h.pool.calls
    assert h.names() == ["p-dev", "default", "old"]


def test_check_failures_fail_the_preview_without_calls() -> None:
    h = Harness()
    run = h.run(thing("a", bad=True), dry_run=True)
    assert run.failed and h.pool.calls == []
    assert "bad: not allowed" in run.events.errors[0].message


def test_create_before_delete_keeps_the_old_half_marked_delete_until_the_end() -> None:
    h = Harness()
    h.run(thing("a", obj="one"))
    run = h.run(thing("a", obj="two"), finish=False)
    snapshot = run.snapshot()
    assert [(r.id, r.delete) for r in snapshot.resources if r.urn == urn("a")] == [("two", False), ("one", True)]
    run.finish(True)
    assert h.pool.calls[-2:] == [("create", "a"), ("delete", "a")]
    assert [r.id for r in run.snapshot().resources if r.urn == urn("a")] == ["two"]


def test_delete_before_replace_records_the_pending_replacement() -> None:
    h = Harness()
    h.run(thing("a", kind="unique", value=1))
    seen: list[list[tuple[str, bool]]] = []
    h.pool.during["create"] = lambda _name: seen.append(
        [(r.id, r.pending_replacement) for r in h.saved[-1].resources if r.urn == urn("a")]
    )
    h.run(thing("a", kind="unique", obj="a2", value=1))
    assert h.pool.calls[-2:] == [("delete", "a"), ("create", "a")]
    assert seen == [[("a", True)]]  # deleted, not yet recreated
    assert [r.id for r in h.state.resources if r.urn == urn("a")] == ["a2"]


def test_pending_operation_is_recorded_while_the_provider_works() -> None:
    h = Harness()
    pending: list[list[tuple[str, str]]] = []
    h.pool.during["create"] = lambda _name: pending.append(
        [(op.type, op.resource.urn) for op in h.saved[-1].pending_operations]
    )
    h.run(thing("a"))
    assert pending == [[("creating", urn("a"))]]
    assert h.saved[-1].pending_operations == []


def test_protected_resources_are_not_deleted_and_retained_ones_not_called() -> None:
    h = Harness()
    h.run(thing("p", protect=True), thing("r", retain_on_delete=True))
    h.pool.calls.clear()
    run = h.run()
    assert run.failed and "p" in h.names()
    assert any("protected" in e.message for e in run.events.errors)
    h.run(thing("p"))
    assert ("delete", "r") not in h.pool.calls and "r" not in h.names() and "r" in h.pool.objects


@pytest.mark.parametrize("dry_run", [True, False])
def test_targets_limit_creates_and_deletes(dry_run: bool) -> None:
    h = Harness()
    h.run(thing("a"), thing("b"))
    h.pool.calls.clear()
    h.run(thing("a", value=2), thing("c"), targets=frozenset({urn("a")}), dry_run=dry_run)
    assert h.pool.calls == ([] if dry_run else [("update", "a")])
    assert "b" in h.names() and "c" not in h.names()


def test_preview_never_mutates() -> None:
    h = Harness()
    h.run(thing("a"), thing("b"))
    h.pool.calls.clear()
    saves = len(h.saved)
    run = h.run(thing("a", value=3), thing("c"), dry_run=True)
    assert h.pool.calls == [] and len(h.saved) == saves
    assert run.change_summary() == {"same": 1, "update": 1, "create": 1, "delete": 1}
