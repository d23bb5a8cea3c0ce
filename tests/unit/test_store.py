"""The SQLite store: transactions (commit, rollback, nesting), locking across threads, persistence."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from aicompute.localcloud.store import Project, Store

KIND = "test.object"
P = "p" * 32


class Boom(Exception):
    pass


def ids(store: Store, project_id: str = P) -> list[str]:
    with store.transaction() as tx:
        return tx.object_ids(KIND, project_id)


def test_objects_keep_their_position_when_replaced() -> None:
    store = Store()
    with store.transaction() as tx:
        for name in ("a", "b", "c"):
            tx.put(KIND, P, name, {"name": name, "v": 1})
        tx.put(KIND, P, "a", {"name": "a", "v": 2})
        tx.delete(KIND, P, "b")
        assert tx.objects(KIND, P) == [{"name": "a", "v": 2}, {"name": "c", "v": 1}]
        assert tx.get(KIND, P, "b") is None
        assert tx.objects(KIND, "q" * 32) == []


def test_an_error_rolls_the_transaction_back() -> None:
    store = Store()
    with pytest.raises(Boom), store.transaction() as tx:
        tx.put(KIND, P, "a", {})
        raise Boom
    assert ids(store) == []
    with store.transaction() as tx:  # the store is usable afterwards
        tx.put(KIND, P, "b", {})
    assert ids(store) == ["b"]


def test_a_failed_nested_transaction_undoes_only_its_own_writes() -> None:
    store = Store()
    with store.transaction() as outer:
        outer.put(KIND, P, "outer", {})
        with pytest.raises(Boom), store.transaction() as inner:
            inner.put(KIND, P, "inner", {})
            raise Boom
        outer.put(KIND, P, "after", {})
    assert ids(store) == ["outer", "after"]


def test_a_failed_outer_transaction_undoes_its_nested_ones() -> None:
    store = Store()
    with pytest.raises(Boom), store.transaction() as outer:
        with store.transaction() as inner:
            inner.put(KIND, P, "inner", {})
        outer.put(KIND, P, "outer", {})
        raise Boom
    assert ids(store) == []


def test_transactions_are_serialised_across_threads() -> None:
    store = Store()
    with store.transaction() as tx:
        tx.put(KIND, P, "counter", {"n": 0})

    def bump() -> None:
        for _ in range(50):
            with store.transaction() as tx:
                body = tx.get(KIND, P, "counter")
                assert body is not None
                tx.put(KIND, P, "counter", {"n": body["n"] + 1})

    threads = [threading.Thread(target=bump) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with store.transaction() as tx:
        assert tx.get(KIND, P, "counter") == {"n": 400}


def test_directives_are_consumed_once() -> None:
    store = Store()
    with store.transaction() as tx:
        tx.set_directive(P, KIND, "x", {"fail": True, "message": "m"})
        assert tx.pop_directive("q" * 32, KIND, "x") is None
        assert tx.pop_directive(P, KIND, "x") == {"fail": True, "message": "m"}
        assert tx.pop_directive(P, KIND, "x") is None


def test_clear_world_keeps_projects(tmp_path: Path) -> None:
    project = Project(P, "AK", "SK", "user", "password", "domain", "region")
    store = Store(str(tmp_path / "world.db"))
    with store.transaction() as tx:
        tx.add_project(project)
        tx.add_token("t", P, 1e12)
        tx.put(KIND, P, "a", {})
        tx.add_timer(P, 0.0, "any", {})
        tx.set_directive(P, KIND, "a", {})
        tx.clear_world()
        assert tx.token("t") is None and tx.objects(KIND, P) == []
        assert tx.pop_due_timer(P, 1.0) is None and tx.pop_directive(P, KIND, "a") is None
        assert tx.project_by_access_key("AK") == project


def test_everything_survives_reopening_the_file(tmp_path: Path) -> None:
    path = str(tmp_path / "world.db")
    project = Project(P, "AK", "SK", "user", "password", "domain", "region")
    store = Store(path)
    with store.transaction() as tx:
        tx.add_project(project)
        tx.add_token("t", P, 123.0)
        tx.put(KIND, P, "a", {"state": "Creating"})
        tx.set_directive(P, KIND, "a", {"fail": True})
    store.close()

    reopened = Store(path)
    with reopened.transaction() as tx:
        assert tx.project(P) == project
        assert tx.token("t") == (P, 123.0)
        assert tx.get(KIND, P, "a") == {"state": "Creating"}
        assert tx.pop_directive(P, KIND, "a") == {"fail": True}
    reopened.close()
