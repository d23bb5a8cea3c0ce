"""DeploymentRun step semantics with an in-memory provider: order, pending operations, failures.

Every state the runs persist is checked against Pulumi's integrity rules."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from aicompute.engine.deploy.deployment import DeploymentRun
from aicompute.engine.deploy.events import EventStream
from aicompute.engine.deploy.providers.base import CheckFailure, DiffResult, ProviderError, ReadResult
from aicompute.engine.deploy.registrations import AliasSpec, Registration
from aicompute.engine.deploy.run_context import RunOptions
from aicompute.engine.resource.state import Deployment, PendingOperation, ResourceState, StateError, verify_integrity

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
        return ReadResult(id_, dict(live), dict(live)) if live else ReadResult("", {})


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
            self.pool,
            EventStream(),
            RunOptions(dry_run=dry_run, **options),
            persist=self.save,
        )
        run.register_resource(Registration("pulumi:pulumi:Stack", "p-dev", custom=False))
        for reg in regs:
            run.register_resource(reg)
        if finish:
            run.finish(True)
        if not dry_run:
            self.state = run.snapshot()
        return run

    def save(self, deployment: Deployment) -> None:
        verify_integrity(deployment)
        self.saved.append(deployment)

    def names(self) -> list[str]:
        return [r.urn.rsplit("::", 1)[1] for r in self.state.resources]


def thing(name: str, *, deps: tuple[str, ...] = (), parent: str = STACK, **inputs: Any) -> Registration:
    props = {"name": inputs.pop("obj", name), **inputs}
    return Registration(TYPE, name, custom=True, parent=parent, inputs=props, dependencies=deps, **_opts(inputs))


def _opts(inputs: dict[str, Any]) -> dict[str, Any]:
    keys = ("protect", "retain_on_delete", "delete_before_replace", "aliases")
    return {k: inputs.pop(k) for k in list(inputs) if k in keys}


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
    verify_integrity(snapshot)  # Pulumi's order: the live copy, then the old half marked delete
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


def _deps(h: Harness) -> dict[str, list[str]]:
    return {r.urn.rsplit("::", 1)[1]: [d.rsplit("::", 1)[1] for d in r.dependencies] for r in h.state.resources}


def test_references_to_a_urn_renamed_by_an_alias_follow_it_mid_run() -> None:
    h = Harness()
    h.run(thing("a"), thing("b", deps=(urn("a"),)))
    # "a" becomes "a2" (same object); until "b" registers, the state's "b" still names the old URN.
    h.run(thing("a2", obj="a", aliases=(AliasSpec(urn=urn("a")),)), thing("b", deps=(urn("a2"),)))
    assert ("create", "a2") not in h.pool.calls and _deps(h)["b"] == ["a2"]
    mid_run = next(d for d in h.saved if any(r.urn == urn("a2") for r in d.resources))
    assert [d for r in mid_run.resources if r.urn == urn("b") for d in r.dependencies] == [urn("a2")]


def test_an_untargeted_resource_kept_with_its_old_dependencies_moves_after_them() -> None:
    h = Harness()
    h.run(thing("a"), thing("b", deps=(urn("a"),)))
    # The program now declares b first; b is untargeted, so it keeps its old state (depending on a).
    h.run(thing("b"), thing("a", value=2), targets=frozenset({urn("a")}))
    assert h.names().index("a") < h.names().index("b") and _deps(h)["b"] == ["a"]


def test_a_target_depending_on_an_untargeted_uncreated_resource_is_refused() -> None:
    h = Harness()
    run = h.run(thing("a"), thing("b", deps=(urn("a"),)), targets=frozenset({urn("b")}))
    assert (
        run.failed and h.pool.calls == [] and h.names() == ["p-dev", "default"]
    )  # as Pulumi: the default provider is recorded
    assert "was not specified in --target" in run.events.errors[0].message and urn("a") in run.events.errors[0].message


def test_untargeted_resources_not_yet_created_may_depend_on_each_other() -> None:
    h = Harness()
    chain = (thing("a"), thing("b", deps=(urn("a"),)), thing("c", deps=(urn("b"),)), thing("x"))
    run = h.run(*chain, targets=frozenset({urn("x")}))
    assert not run.failed and h.pool.calls == [("create", "x")] and "b" not in h.names()


def test_after_a_failed_create_registrations_naming_it_are_not_recorded() -> None:
    h = Harness()
    h.pool.fail.add(("create", "a"))
    run = h.run(thing("a"), Registration("test:index:Group", "g", custom=False, parent=STACK, dependencies=(urn("a"),)))
    run.register_outputs("urn:pulumi:dev::p::test:index:Group::g", {"x": 1})  # ignored, as the component
    assert run.failed and len(run.events.errors) == 1  # only the create's own error
    assert h.names() == ["p-dev", "default"]


def test_a_refresh_that_finds_a_resource_gone_repairs_the_references_to_it() -> None:
    h = Harness()
    h.run(thing("a"), thing("b", deps=(urn("a"),)), thing("c", parent=urn("a")))
    del h.pool.objects["a"]
    run = DeploymentRun("p", "dev", h.state, h.pool, EventStream(), RunOptions(False), h.save)
    run.refresh()
    h.state = run.snapshot()
    assert "a" not in h.names() and _deps(h)["b"] == []
    [child] = [r for r in h.state.resources if r.urn == urn("c").replace(TYPE, f"{TYPE}${TYPE}")]
    assert child.parent == STACK  # reparented to its parent's parent


@pytest.mark.parametrize("operation", ["destroy", "up"])
def test_deleting_a_target_that_others_depend_on_is_refused(operation: str) -> None:
    h = Harness()
    h.run(thing("a"), thing("b", deps=(urn("a"),)))
    h.pool.calls.clear()
    if operation == "destroy":
        run = DeploymentRun(
            "p",
            "dev",
            h.state,
            h.pool,
            EventStream(),
            RunOptions(False, targets=frozenset({urn("a")})),
        )
        run.destroy()
    else:
        run = h.run(thing("b"), targets=frozenset({urn("a")}))
    assert run.failed and h.pool.calls == []
    assert f"cannot delete {urn('a')}: {urn('b')} depends on it" in run.events.errors[0].message


def test_a_state_breaking_the_integrity_rules_fails_the_run_once() -> None:
    h = Harness()
    persisted: list[Deployment] = []

    def refuse(deployment: Deployment) -> None:
        persisted.append(deployment)
        if len(persisted) > 1:
            raise StateError("resource #9: broken")

    run = DeploymentRun("p", "dev", h.state, h.pool, EventStream(), RunOptions(False), refuse)
    run.register_resource(Registration("pulumi:pulumi:Stack", "p-dev", custom=False))
    run.register_resource(thing("a"))
    run.register_resource(thing("b"))
    # The create under way when the state broke finishes (and is recorded); no new step starts.
    assert run.failed and h.pool.calls == [("create", "a")] and len(persisted) == 3
    assert any(r.urn == urn("a") for r in persisted[-1].resources)
    [error] = run.events.errors
    assert "integrity rules (resource #9: broken)" in error.message and "recorded anyway" in error.message


def _interrupted_create(h: Harness, name: str, **inputs: Any) -> None:
    """The state an engine killed during the create of ``name`` leaves: a pending ``creating``."""
    state = ResourceState(urn=urn(name), type=TYPE, custom=True, inputs={"name": name, **inputs})
    h.state.pending_operations.append(PendingOperation(state, "creating"))


def adopting_run(h: Harness, adopting: FakePool, *regs: Registration) -> DeploymentRun:
    run = DeploymentRun(
        "p",
        "dev",
        h.state,
        h.pool,
        EventStream(),
        RunOptions(False),
        h.save,
        adopting_pool=adopting,
    )
    run.register_resource(Registration("pulumi:pulumi:Stack", "p-dev", custom=False))
    for reg in regs:
        run.register_resource(reg)
    run.finish(True)
    h.state = run.snapshot()
    return run


def test_only_a_create_left_pending_goes_to_the_adopting_providers() -> None:
    h = Harness()
    h.run(thing("a"))
    h.pool.calls.clear()
    _interrupted_create(h, "b")
    adopting = FakePool()
    run = adopting_run(h, adopting, thing("a"), thing("b"), thing("c"))
    assert adopting.calls == [("create", "b")] and h.pool.calls == [("create", "c")]
    assert not run.failed and h.state.pending_operations == [] and {"b", "c"} <= set(h.names())
    assert any("interrupted create is repeated" in d.message for d in run.events.diagnostics)


def test_a_repeated_replacement_that_finds_the_object_it_replaces_fails() -> None:
    h = Harness()
    h.run(thing("a", obj="same", kind="x"))
    _interrupted_create(h, "a", kind="y")
    adopting = FakePool()
    run = adopting_run(h, adopting, thing("a", obj="same", kind="y"))
    assert run.failed and "found the object it replaces (same)" in run.events.errors[0].message
    assert [(r.id, r.delete) for r in h.state.resources if r.urn == urn("a")] == [("same", False)]
    assert ("delete", "a") not in h.pool.calls + adopting.calls


def test_refresh_keeps_a_pending_create_for_the_update_that_repeats_it() -> None:
    h = Harness()
    h.run(thing("a"))
    _interrupted_create(h, "b")
    h.state.pending_operations.append(PendingOperation(h.state.resources[-1], "updating"))
    run = DeploymentRun("p", "dev", h.state, h.pool, EventStream(), RunOptions(False), h.save)
    run.refresh()
    assert [(op.type, op.resource.urn) for op in run.snapshot().pending_operations] == [("creating", urn("b"))]


@pytest.mark.parametrize("dry_run", [True, False])
@pytest.mark.parametrize("succeeded", [True, False])
def test_a_failed_program_keeps_the_stack_outputs_it_did_not_register(dry_run: bool, succeeded: bool) -> None:
    h = Harness()
    run = h.run(finish=False)
    run.register_outputs(STACK, {"first": 0, "second": 2})
    run.finish(True)
    h.state = run.snapshot()
    run = h.run(finish=False, dry_run=dry_run)
    run.register_outputs(STACK, {"first": 1})
    run.finish(succeeded)
    # As Pulumi: a missing output of a failed program is not a removed one (nor shown as `- second`).
    assert run.snapshot().stack_outputs() == ({"first": 1} if succeeded else {"first": 1, "second": 2})


def test_dependents_of_a_delete_before_replace_are_deleted_first_and_recreated() -> None:
    h = Harness()

    def b(name: str) -> Registration:
        return Registration(
            TYPE, "b", custom=True, parent=STACK, inputs={"name": name}, property_dependencies={"name": [urn("a")]}
        )

    h.run(thing("a", kind="unique"), b("b-1"), thing("c", deps=(urn("a"),)))
    h.pool.calls.clear()
    run = h.run(thing("a", obj="a2", kind="unique"), b("b-1"), thing("c", deps=(urn("a"),)))
    # b's name comes from a: diffed with it unknown, b must be replaced; c only waits for a.
    assert h.pool.calls == [("delete", "b"), ("delete", "a"), ("create", "a"), ("create", "b")]
    assert run.change_summary() == {"same": 2, "replace": 2}
    assert [r.op for r in run.records if r.urn == urn("b")] == ["delete-replaced", "replace"]
    assert not any(r.pending_replacement for r in h.state.resources)


@pytest.mark.parametrize("dry_run", [True, False])
def test_the_import_option_reads_the_object_and_adopts_it(dry_run: bool) -> None:
    h = Harness()
    h.pool.objects["legacy"] = {"name": "legacy", "value": 1}
    run = h.run(
        Registration(
            TYPE, "legacy", custom=True, parent=STACK, inputs={"name": "legacy", "value": 1}, import_id="legacy"
        ),
        dry_run=dry_run,
    )
    assert h.pool.calls == [("read", "legacy")] and run.change_summary() == {"create": 1, "import": 1}
    if not dry_run:
        [imported] = [r for r in h.state.resources if r.urn == urn("legacy")]
        assert (imported.id, imported.import_id, imported.outputs["value"]) == ("legacy", "legacy", 1)


def test_an_import_whose_inputs_differ_from_the_object_fails_without_a_write() -> None:
    h = Harness()
    h.pool.objects["legacy"] = {"name": "legacy", "value": 1}
    run = h.run(
        Registration(
            TYPE, "legacy", custom=True, parent=STACK, inputs={"name": "legacy", "value": 2}, import_id="legacy"
        )
    )
    assert run.failed and h.pool.calls == [("read", "legacy")] and "legacy" not in h.names()
    assert "inputs to import do not match the existing resource (value)" in run.events.errors[0].message


def test_renaming_a_component_keeps_the_child_named_after_it() -> None:
    h = Harness()

    def group(name: str, *aliases: AliasSpec) -> list[Registration]:
        parent = f"urn:pulumi:dev::p::test:index:Group::{name}"
        item = Registration(TYPE, f"{name}-item", custom=True, parent=parent, inputs={"name": "item"})
        return [Registration("test:index:Group", name, custom=False, parent=STACK, aliases=aliases), item]

    h.run(*group("group"))
    h.pool.calls.clear()
    run = h.run(*group("team", AliasSpec(name="group")))
    assert h.pool.calls == [] and run.change_summary() == {"same": 3}
    assert sorted(h.names()) == ["default", "p-dev", "team", "team-item"]


def test_a_protected_resource_is_replaced_once_the_program_unprotects_it() -> None:
    h = Harness()
    h.run(thing("p", protect=True))
    run = h.run(thing("p", obj="p2", protect=True))
    assert run.failed and "aicompute state unprotect" in run.events.errors[0].message
    h.pool.calls.clear()
    run = h.run(thing("p", obj="p2"))
    assert not run.failed and h.pool.calls == [("create", "p"), ("delete", "p")]
