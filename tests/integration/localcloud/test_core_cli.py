"""``aicompute localcloud serve``: the first line it prints, and the flags that shape the world."""

from __future__ import annotations

import os
import re
import select
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from aicompute.localcloud.server import bind
from aicompute.localcloud.settings import DEFAULT_ACCESS_KEY, DEFAULT_DOMAIN, DEFAULT_PASSWORD, DEFAULT_USER
from aicompute.localcloud.store import Store
from aicompute.provider.auth import AkSkAuth

AICOMPUTE = str(Path(sys.executable).with_name("aicompute"))
PROJECT_ID = "0123456789abcdef0123456789abcdef"
LISTENING = re.compile(r"^listening on (http://127\.0\.0\.1:(\d+))$")


def first_line(proc: subprocess.Popen[str], timeout: float = 20) -> str:
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    assert ready, "nothing printed"
    return proc.stdout.readline().rstrip("\n")


@contextmanager
def serving(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> Iterator[str]:
    with (tmp_path / "stderr.log").open("a") as stderr:
        proc = subprocess.Popen(
            [AICOMPUTE, "localcloud", "serve", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            env=env,
        )
        try:
            match = LISTENING.match(first_line(proc))
            assert match is not None and int(match[2]) > 0
            yield match[1]
        finally:
            proc.terminate()
            proc.wait(timeout=10)
            assert proc.stdout is not None
            proc.stdout.close()


def workspaces(url: str, access_key: str, secret_key: str) -> int:
    auth = AkSkAuth(access_key, secret_key)
    return httpx.get(f"{url}/v1/{PROJECT_ID}/workspaces", auth=auth, timeout=10).status_code


def iam_token(url: str, scope: dict[str, str]) -> httpx.Response:
    user = {"name": DEFAULT_USER, "password": DEFAULT_PASSWORD, "domain": {"name": DEFAULT_DOMAIN}}
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": user}}, "scope": {"project": scope}}}
    return httpx.post(f"{url}/v3/auth/tokens", json=body, timeout=10)


def test_serve_announces_its_port_first_and_honours_its_flags(tmp_path: Path) -> None:
    db = tmp_path / "world.db"
    flags = ["--db", str(db), "--time-scale", "0.25", "--project-id", PROJECT_ID, "--region", "eu-west-0"]
    keys = ["--access-key", "CLIACCESSKEY", "--secret-key", "cli-secret"]
    with serving(tmp_path, *flags, *keys) as url:
        assert httpx.get(f"{url}/_localcloud/health", timeout=10).json() == {"status": "ok", "time_scale": 0.25}
        assert workspaces(url, "CLIACCESSKEY", "cli-secret") == 200
        assert workspaces(url, "CLIACCESSKEY", "wrong") == 401
        assert workspaces(url, DEFAULT_ACCESS_KEY, "cli-secret") == 401
        by_region = iam_token(url, {"name": "eu-west-0"})
        assert by_region.status_code == 201 and by_region.json()["token"]["project"]["id"] == PROJECT_ID
        assert iam_token(url, {"id": PROJECT_ID}).status_code == 201
    assert db.exists()

    # Restarted on the same file with another secret key: the flag wins over the file.
    with serving(tmp_path, *flags, "--access-key", "CLIACCESSKEY", "--secret-key", "rotated") as url:
        assert workspaces(url, "CLIACCESSKEY", "rotated") == 200
        assert workspaces(url, "CLIACCESSKEY", "cli-secret") == 401
    store = Store(str(db))
    with store.transaction() as tx:
        project = tx.project(PROJECT_ID)
    store.close()
    assert project is not None and (project.access_key, project.secret_key) == ("CLIACCESSKEY", "rotated")


def test_the_listening_socket_says_tcp_so_responses_do_not_wait_for_delayed_acks() -> None:
    """asyncio disables Nagle on accepted connections only when the socket's protocol is TCP.

    With protocol 0 every response waited ~40 ms for a delayed ACK. Checked on the socket itself
    rather than by timing requests, which a loaded machine would make flaky.
    """
    sock = bind("127.0.0.1", 0)
    try:
        assert sock.proto == socket.IPPROTO_TCP
    finally:
        sock.close()


def test_an_unusable_db_fails_without_announcing_a_port(tmp_path: Path) -> None:
    proc = subprocess.run(
        [AICOMPUTE, "localcloud", "serve", "--port", "0", "--db", str(tmp_path / "missing" / "world.db")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode != 0
    assert "listening on" not in proc.stdout


def test_beyond_loopback_it_refuses_to_start_without_an_admin_token() -> None:
    proc = subprocess.run(
        [AICOMPUTE, "localcloud", "serve", "--host", "0.0.0.0", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        env={key: value for key, value in os.environ.items() if key != "LOCALCLOUD_ADMIN_TOKEN"},
    )
    assert proc.returncode == 2 and "listening on" not in proc.stdout
    assert "beyond loopback, needs an admin token" in proc.stderr and "--admin-token" in proc.stderr


def test_the_admin_token_from_the_environment_guards_the_admin_api(tmp_path: Path) -> None:
    token = "cli-admin-token-0123456789"
    with serving(tmp_path, env={**os.environ, "LOCALCLOUD_ADMIN_TOKEN": token}) as url:
        assert httpx.get(f"{url}/_localcloud/health", timeout=10).status_code == 200
        assert httpx.post(f"{url}/_localcloud/projects", json={}, timeout=10).status_code == 401
        created = httpx.post(
            f"{url}/_localcloud/projects", json={}, headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        assert created.status_code == 200
        project = created.json()
        auth = AkSkAuth(project["access_key"], project["secret_key"])
        listed = httpx.get(f"{url}/v1/{project['project_id']}/workspaces", auth=auth, timeout=10)
        assert listed.status_code == 200  # the platforms authenticate as before
