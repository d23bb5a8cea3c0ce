"""A server restarted on the same ``--db`` file resumes the world: objects, lifecycles, credentials."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx

from aicompute.localcloud import settings
from aicompute.localcloud.store import Store
from aicompute.provider.auth import AkSkAuth
from tests.support.localcloud import Credentials, LocalCloudProcess

PROJECT_ID = settings.DEFAULT_PROJECT_ID
NETWORK = {
    "apiVersion": "v1",
    "kind": "Network",
    "metadata": {"labels": {"os.modelarts/name": "net-persist"}},
    "spec": {"cidr": "192.168.0.0/16"},
}


def client(server: LocalCloudProcess, access_key: str, secret_key: str, project_id: str) -> httpx.Client:
    return httpx.Client(base_url=f"{server.url}/v1/{project_id}", auth=AkSkAuth(access_key, secret_key), timeout=10)


def default_client(server: LocalCloudProcess) -> httpx.Client:
    return client(server, settings.DEFAULT_ACCESS_KEY, settings.DEFAULT_SECRET_KEY, PROJECT_ID)


def ok(response: httpx.Response) -> Any:
    assert response.is_success, f"{response.request.method} {response.request.url}: {response.text}"
    return response.json()


def phase(api: httpx.Client, name: str) -> str:
    return str(ok(api.get(f"/networks/{name}"))["status"]["phase"])


def token(server: LocalCloudProcess, creds: Credentials) -> str:
    body = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {"user": {"name": creds.user_name, "password": creds.password}},
            },
            "scope": {"project": {"id": creds.project_id}},
        }
    }
    response = httpx.post(f"{server.url}/v3/auth/tokens", json=body, timeout=10)
    assert response.status_code == 201, response.text
    return response.headers["X-Subject-Token"]


def test_objects_lifecycles_and_credentials_survive_a_restart(tmp_path: Path) -> None:
    db = str(tmp_path / "world.db")
    first = LocalCloudProcess(db=db, time_scale=0.1).start()
    try:
        project = first.new_project()
        issued = token(first, project)
        with default_client(first) as api:
            name = ok(api.post("/networks", json=NETWORK))["metadata"]["name"]
            assert phase(api, name) in {"", "Creating"}, "not yet Active when the server stops"
        first.admin(
            "POST",
            "/directives/fail-next",
            json={"project_id": project.project_id, "kind": "modelarts.network", "id": "net-x"},
        )
    finally:
        first.stop()

    second = LocalCloudProcess(db=db, time_scale=0.1).start()
    try:
        with default_client(second) as api:
            # The steps scheduled by the first server run in the second one.
            deadline = time.monotonic() + 10
            while (current := phase(api, name)) != "Active":
                assert current in {"", "Creating"} and time.monotonic() < deadline, current
                time.sleep(0.05)
        with client(second, project.access_key, project.secret_key, project.project_id) as theirs:
            assert theirs.get("/networks").status_code == 200, "an admin-made project keeps its keys"
        url = f"{second.url}/v1/{project.project_id}/networks"
        assert httpx.get(url, headers={"X-Auth-Token": issued}, timeout=10).status_code == 200
    finally:
        second.stop()

    store = Store(db)
    with store.transaction() as tx:
        assert tx.pop_directive(project.project_id, "modelarts.network", "net-x") is not None
        assert tx.pop_due_timer(PROJECT_ID, 1e12) is None, "every step ran"
    store.close()
