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


def statements(store: Store) -> list[str]:
    """The SQL the store runs from now on (the first word of each statement)."""
    seen: list[str] = []
    store._conn.set_trace_callback(lambda sql: seen.append(sql.split()[0].upper()))
    return seen


def test_a_transaction_that_only_reads_begins_nothing_in_sql() -> None:
    store = Store()
    with store.transaction() as tx:
        tx.put(KIND, P, "a", {})
    seen = statements(store)
    with store.transaction() as tx:
        assert tx.get(KIND, P, "a") == {}
        with store.transaction() as inner:
            assert inner.object_ids(KIND, P) == ["a"]
    assert seen == ["SELECT", "SELECT"]


def test_a_write_inside_nested_transactions_begins_every_level_and_commits_once() -> None:
    store = Store()
    seen = statements(store)
    with store.transaction() as outer:
        outer.get(KIND, P, "a")
        with store.transaction() as inner:
            inner.put(KIND, P, "a", {})
        outer.put(KIND, P, "b", {})
    assert seen == ["SELECT", "BEGIN", "SAVEPOINT", "INSERT", "RELEASE", "INSERT", "COMMIT"]
    assert ids(store) == ["a", "b"]


def test_a_nested_failure_after_a_read_only_outer_start_undoes_only_its_writes() -> None:
    store = Store()
    with store.transaction() as outer:
        assert outer.get(KIND, P, "a") is None
        with store.transaction() as middle:
            middle.put(KIND, P, "kept", {})
            with pytest.raises(Boom), store.transaction() as inner:
                inner.put(KIND, P, "undone", {})
                raise Boom
        outer.put(KIND, P, "after", {})
    assert ids(store) == ["kept", "after"]


def test_a_timer_whose_pop_was_rolled_back_is_due_again() -> None:
    store = Store()
    with store.transaction() as tx:
        tx.add_timer(P, 5.0, "step", {})
        assert tx.pop_due_timer(P, 4.0) is None  # remembered: nothing due before 5
    with pytest.raises(Boom), store.transaction() as tx:
        assert tx.pop_due_timer(P, 6.0) is not None
        raise Boom
    with store.transaction() as tx:
        timer = tx.pop_due_timer(P, 6.0)
        assert timer is not None and timer.action == "step"
        assert tx.pop_due_timer(P, 6.0) is None


def test_an_earlier_timer_added_later_is_due_although_a_later_one_was_remembered() -> None:
    store = Store()
    with store.transaction() as tx:
        tx.add_timer(P, 10.0, "late", {})
        assert tx.pop_due_timer(P, 1.0) is None
    with store.transaction() as tx:
        tx.add_timer(P, 2.0, "early", {})
    seen = statements(store)
    with store.transaction() as tx:
        assert tx.pop_due_timer(P, 1.5) is None
        assert seen == []  # known without asking: the earliest is at 2
        timer = tx.pop_due_timer(P, 3.0)
        assert timer is not None and timer.action == "early"


def test_a_project_found_by_access_key_follows_a_replaced_key() -> None:
    store = Store()
    project = Project(P, "AK", "SK", "user", "password", "domain", "region")
    with store.transaction() as tx:
        tx.add_project(project)
        assert tx.project_by_access_key("AK") == project
    seen = statements(store)
    with store.transaction() as tx:
        assert tx.project_by_access_key("AK") == project
    assert seen == []
    with store.transaction() as tx:
        tx.add_project(Project(P, "AK2", "SK2", "user", "password", "domain", "region"))
        assert tx.project_by_access_key("AK") is None
        assert tx.project_by_access_key("AK2") is not None


def test_a_project_added_in_a_rolled_back_transaction_is_not_remembered() -> None:
    store = Store()
    with pytest.raises(Boom), store.transaction() as tx:
        tx.add_project(Project(P, "AK", "SK", "user", "password", "domain", "region"))
        assert tx.project_by_access_key("AK") is not None
        raise Boom
    with store.transaction() as tx:
        assert tx.project_by_access_key("AK") is None
