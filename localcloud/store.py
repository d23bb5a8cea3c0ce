"""SQLite persistence for every emulated object, its pending lifecycle steps and its directives.

Objects are JSON documents keyed by (project, kind, id). ``kind`` is a platform-qualified name
such as ``modelarts.network``. Each platform's backend reads and writes them inside one
``Store.transaction()``, which holds the store's lock, so a request sees and leaves a consistent
world. Timers (scheduled lifecycle steps) live in the same database, which is why a restart with
the same file resumes every object exactly where its lifecycle was.

One process owns the database, and the lock keeps every other writer out while a transaction runs,
so reads need no SQL transaction to be consistent: the SQL transaction (and a nested one's
savepoint) begins at its first write, and a transaction that only reads costs no BEGIN and COMMIT.
The store also remembers what almost every request asks and rarely changes (``_Memo``: projects by
access key, each project's earliest timer), so authenticating a request and finding no lifecycle
step due run no SQL at all (bench/localcloud_load.py).
"""

from __future__ import annotations

import json
import math
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS projects (
    project_id TEXT PRIMARY KEY,
    access_key TEXT UNIQUE NOT NULL,
    secret_key TEXT NOT NULL,
    user_name TEXT NOT NULL,
    password TEXT NOT NULL,
    domain_name TEXT NOT NULL,
    region TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
    token TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    expires_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS objects (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    obj_id TEXT NOT NULL,
    body TEXT NOT NULL,
    UNIQUE (project_id, kind, obj_id)
);
CREATE TABLE IF NOT EXISTS timers (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id TEXT NOT NULL,
    due REAL NOT NULL,
    action TEXT NOT NULL,
    args TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS timers_due ON timers (project_id, due);
CREATE INDEX IF NOT EXISTS objects_by_name ON objects (project_id, kind, json_extract(body, '$.name'));
CREATE TABLE IF NOT EXISTS oauth_clients (
    client_id TEXT PRIMARY KEY,
    client_secret TEXT NOT NULL,
    project_id TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS oauth_tokens (
    token TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    project_id TEXT NOT NULL,
    expires_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS directives (
    project_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    obj_key TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (project_id, kind, obj_key)
);
"""


@dataclass(frozen=True)
class Project:
    project_id: str
    access_key: str
    secret_key: str
    user_name: str
    password: str
    domain_name: str
    region: str


@dataclass(frozen=True)
class OAuthClient:
    """An OAuth2 client of the central platform, bound to the project whose objects it sees."""

    client_id: str
    client_secret: str
    project_id: str


@dataclass(frozen=True)
class Timer:
    seq: int
    project_id: str
    due: float
    action: str
    args: dict[str, Any]


class _Memo:
    """Answers the store keeps between transactions. Each is dropped by the writes that could change
    it, and all of them whenever a transaction rolls back (what was read inside may be undone)."""

    def __init__(self) -> None:
        self.projects_by_key: dict[str, Project] = {}
        self.next_due: dict[str, float] = {}  # a project's earliest timer (math.inf: none)

    def forget(self) -> None:
        self.projects_by_key.clear()
        self.next_due.clear()


class Transaction:
    """Reads and writes inside one locked transaction; a write first opens the SQL transaction."""

    def __init__(self, store: Store) -> None:
        self._conn = store._conn
        self._memo = store._memo
        self._store = store

    def _write(self, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        self._store._open_levels()
        return self._conn.execute(sql, params)

    # objects -------------------------------------------------------------------------------
    def get(self, kind: str, project_id: str, obj_id: str) -> dict[str, Any] | None:
        row = self._conn.execute(
            "SELECT body FROM objects WHERE project_id=? AND kind=? AND obj_id=?",
            (project_id, kind, obj_id),
        ).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def put(self, kind: str, project_id: str, obj_id: str, body: dict[str, Any]) -> None:
        """Insert, or replace in place (keeping the object's position in list order)."""
        self._write(
            "INSERT INTO objects (project_id, kind, obj_id, body) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (project_id, kind, obj_id) DO UPDATE SET body=excluded.body",
            (project_id, kind, obj_id, json.dumps(body, separators=(",", ":"))),
        )

    def delete(self, kind: str, project_id: str, obj_id: str) -> None:
        self._write("DELETE FROM objects WHERE project_id=? AND kind=? AND obj_id=?", (project_id, kind, obj_id))

    def objects(self, kind: str, project_id: str) -> list[dict[str, Any]]:
        """Every object of a kind in a project, oldest first."""
        rows = self._conn.execute(
            "SELECT body FROM objects WHERE project_id=? AND kind=? ORDER BY seq", (project_id, kind)
        ).fetchall()
        return [dict(json.loads(row[0])) for row in rows]

    def objects_named(self, kind: str, project_id: str, name: str) -> list[dict[str, Any]]:
        """The objects of a kind in a project whose ``name`` is ``name``, oldest first: found through
        an index, so a uniqueness check costs the same with ten objects as with ten thousand."""
        rows = self._conn.execute(
            "SELECT body FROM objects WHERE project_id=? AND kind=? AND json_extract(body, '$.name')=? ORDER BY seq",
            (project_id, kind, name),
        ).fetchall()
        return [dict(json.loads(row[0])) for row in rows]

    def object_ids(self, kind: str, project_id: str) -> list[str]:
        rows = self._conn.execute(
            "SELECT obj_id FROM objects WHERE project_id=? AND kind=? ORDER BY seq", (project_id, kind)
        ).fetchall()
        return [row[0] for row in rows]

    # timers --------------------------------------------------------------------------------
    def add_timer(self, project_id: str, due: float, action: str, args: dict[str, Any]) -> None:
        self._write(
            "INSERT INTO timers (project_id, due, action, args) VALUES (?, ?, ?, ?)",
            (project_id, due, action, json.dumps(args)),
        )
        if project_id in self._memo.next_due:
            self._memo.next_due[project_id] = min(self._memo.next_due[project_id], due)

    def pop_due_timer(self, project_id: str, now: float) -> Timer | None:
        """Remove and return the earliest timer due by ``now``, if any."""
        if self._memo.next_due.get(project_id, -math.inf) > now:
            return None
        row = self._conn.execute(
            "SELECT seq, project_id, due, action, args FROM timers WHERE project_id=? ORDER BY due, seq LIMIT 1",
            (project_id,),
        ).fetchone()
        if row is None or row[2] > now:
            self._memo.next_due[project_id] = math.inf if row is None else row[2]
            return None
        self._write("DELETE FROM timers WHERE seq=?", (row[0],))
        self._memo.next_due.pop(project_id, None)
        return Timer(seq=row[0], project_id=row[1], due=row[2], action=row[3], args=json.loads(row[4]))

    # directives ("make the next transition of this object fail") ----------------------------
    def set_directive(self, project_id: str, kind: str, obj_key: str, body: dict[str, Any]) -> None:
        self._write(
            "INSERT OR REPLACE INTO directives (project_id, kind, obj_key, body) VALUES (?, ?, ?, ?)",
            (project_id, kind, obj_key, json.dumps(body)),
        )

    def pop_directive(self, project_id: str, kind: str, obj_key: str) -> dict[str, Any] | None:
        row = self._conn.execute(
            "SELECT body FROM directives WHERE project_id=? AND kind=? AND obj_key=?",
            (project_id, kind, obj_key),
        ).fetchone()
        if row is None:
            return None
        self._write("DELETE FROM directives WHERE project_id=? AND kind=? AND obj_key=?", (project_id, kind, obj_key))
        return dict(json.loads(row[0]))

    # projects and tokens -------------------------------------------------------------------
    def add_project(self, project: Project) -> None:
        self._memo.projects_by_key.clear()  # a replaced project may have had another access key
        self._write(
            "INSERT OR REPLACE INTO projects VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                project.project_id,
                project.access_key,
                project.secret_key,
                project.user_name,
                project.password,
                project.domain_name,
                project.region,
            ),
        )

    def project(self, project_id: str) -> Project | None:
        row = self._conn.execute("SELECT * FROM projects WHERE project_id=?", (project_id,)).fetchone()
        return None if row is None else Project(*row)

    def project_by_access_key(self, access_key: str) -> Project | None:
        known = self._memo.projects_by_key.get(access_key)
        if known is not None:
            return known
        row = self._conn.execute("SELECT * FROM projects WHERE access_key=?", (access_key,)).fetchone()
        if row is None:
            return None
        project = self._memo.projects_by_key[access_key] = Project(*row)
        return project

    def projects(self) -> list[Project]:
        return [Project(*row) for row in self._conn.execute("SELECT * FROM projects").fetchall()]

    def add_token(self, token: str, project_id: str, expires_at: float) -> None:
        self._write("INSERT INTO tokens VALUES (?, ?, ?)", (token, project_id, expires_at))

    def token(self, token: str) -> tuple[str, float] | None:
        row = self._conn.execute("SELECT project_id, expires_at FROM tokens WHERE token=?", (token,)).fetchone()
        return None if row is None else (row[0], row[1])

    # OAuth2 clients and their access tokens (the central platform) ---------------------------
    def add_oauth_client(self, client: OAuthClient) -> None:
        self._write(
            "INSERT OR REPLACE INTO oauth_clients VALUES (?, ?, ?)",
            (client.client_id, client.client_secret, client.project_id),
        )

    def oauth_client(self, client_id: str) -> OAuthClient | None:
        row = self._conn.execute("SELECT * FROM oauth_clients WHERE client_id=?", (client_id,)).fetchone()
        return None if row is None else OAuthClient(*row)

    def add_oauth_token(self, token: str, client: OAuthClient, expires_at: float) -> None:
        self._write(
            "INSERT INTO oauth_tokens VALUES (?, ?, ?, ?)", (token, client.client_id, client.project_id, expires_at)
        )

    def oauth_token(self, token: str) -> tuple[str, str, float] | None:
        """``(client_id, project_id, expires_at)`` of an access token."""
        row = self._conn.execute(
            "SELECT client_id, project_id, expires_at FROM oauth_tokens WHERE token=?", (token,)
        ).fetchone()
        return None if row is None else (row[0], row[1], row[2])

    def revoke_oauth_tokens(self, client_id: str) -> int:
        """Forget every access token issued to a client; returns how many there were."""
        return self._write("DELETE FROM oauth_tokens WHERE client_id=?", (client_id,)).rowcount

    def clear_world(self) -> None:
        """Forget every object, timer, directive and token (projects and OAuth2 clients stay)."""
        self._memo.forget()
        for table in ("objects", "timers", "directives", "tokens", "oauth_tokens"):
            self._write(f"DELETE FROM {table}")


class Store:
    """One SQLite database (a file, or ``:memory:``) behind a lock."""

    def __init__(self, path: str = ":memory:") -> None:
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL" if path != ":memory:" else "PRAGMA journal_mode=MEMORY")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(_SCHEMA)
        self._lock = threading.RLock()
        self._memo = _Memo()
        self._depth = 0  # transactions entered (nested ones included)
        self._opened = 0  # of those, how many have begun in SQL (BEGIN, then a savepoint each)

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """A locked transaction; a nested one is a savepoint, so its error undoes only its own writes."""
        with self._lock:
            level = self._depth
            self._depth += 1
            try:
                yield Transaction(self)
                if self._opened > level:
                    self._conn.execute(f"RELEASE sp{level}" if level else "COMMIT")
            except BaseException:
                self._rollback(level)
                raise
            finally:
                self._opened = min(self._opened, level)
                self._depth -= 1

    def _open_levels(self) -> None:
        """Begin, in SQL, every entered transaction that has not yet begun (a write is coming)."""
        while self._opened < self._depth:
            self._conn.execute(f"SAVEPOINT sp{self._opened}" if self._opened else "BEGIN IMMEDIATE")
            self._opened += 1

    def _rollback(self, level: int) -> None:
        self._memo.forget()
        if self._opened <= level:
            return
        if level:
            self._conn.execute(f"ROLLBACK TO sp{level}")
            self._conn.execute(f"RELEASE sp{level}")
        elif self._conn.in_transaction:
            self._conn.execute("ROLLBACK")

    def close(self) -> None:
        with self._lock:
            self._conn.close()
