"""localcloud served in this process (uvicorn in a background thread) with test-only routes.

Core tests need what a subprocess cannot give them: direct access to the store (expire a token,
look at what a dropped response committed) and routes that exercise authentication and the fault
middleware independently of any platform module. The test routes live under
``/v1/{project_id}/_test/``, a ModelArts path, so they authenticate and answer errors exactly as
ModelArts routes do; a catch-all also answers any other ``/v1|v2`` path no module serves, so the
official SDK can call any operation.
"""

from __future__ import annotations

import hashlib
import threading
import time
from typing import Any

import httpx
import uvicorn
from fastapi import APIRouter, Request

from aicompute.localcloud.app import create_app
from aicompute.localcloud.cloud import Cloud
from aicompute.localcloud.directives import take_failure
from aicompute.localcloud.modelarts.common import CloudDep, ModelArtsProject
from aicompute.localcloud.server import bind
from aicompute.localcloud.settings import DEFAULT_DOMAIN, DEFAULT_PASSWORD, DEFAULT_USER, LocalCloudSettings
from aicompute.localcloud.store import Store
from tests.support.localcloud import Credentials

THING = "test.thing"
_ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]

test_router = APIRouter()


@test_router.post("/v1/{project_id}/_test/things/{name}", status_code=201)
def create_thing(name: str, project: ModelArtsProject, cloud: CloudDep) -> dict[str, Any]:
    with cloud.store.transaction() as tx:
        tx.put(THING, project.project_id, name, {"name": name})
    return {"name": name}


@test_router.get("/v1/{project_id}/_test/things")
def list_things(project: ModelArtsProject, cloud: CloudDep) -> dict[str, Any]:
    with cloud.store.transaction() as tx:
        return {"things": tx.object_ids(THING, project.project_id)}


@test_router.post("/v1/{project_id}/_test/things/{name}/transition")
def transition(name: str, project: ModelArtsProject, cloud: CloudDep) -> dict[str, Any]:
    """Consumes an armed fail-next directive for this thing, as a platform backend would."""
    with cloud.store.transaction() as tx:
        return {"failure": take_failure(tx, project.project_id, THING, name)}


@test_router.api_route("/{version}/{project_id}/{rest:path}", methods=_ALL_METHODS, include_in_schema=False)
async def echo(request: Request, project: ModelArtsProject) -> dict[str, Any]:
    body = await request.body()
    return {
        "project_id": project.project_id,
        "method": request.method,
        "path": request.url.path,
        "body_sha256": hashlib.sha256(body).hexdigest(),
    }


class InProcessLocalCloud:
    """``create_app`` plus the test routes on an ephemeral loopback port."""

    def __init__(self, settings: LocalCloudSettings | None = None) -> None:
        self.settings = settings or LocalCloudSettings(time_scale=0)
        self.cloud = Cloud.from_settings(self.settings)
        self.app = create_app(cloud=self.cloud)
        self.app.include_router(test_router)  # after the platform routers: theirs win
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    @property
    def store(self) -> Store:
        return self.cloud.store

    @property
    def default_project(self) -> Credentials:
        s = self.settings
        return Credentials(
            s.project_id, s.access_key, s.secret_key, DEFAULT_USER, DEFAULT_PASSWORD, DEFAULT_DOMAIN, s.region
        )

    def start(self) -> InProcessLocalCloud:
        sock = bind("127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        server = uvicorn.Server(uvicorn.Config(self.app, log_level="critical", access_log=False))
        self._server = server
        self._thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            assert self._thread.is_alive() and time.monotonic() < deadline, "in-process localcloud did not start"
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
        self.store.close()

    def admin(self, method: str, path: str, **kwargs: Any) -> Any:
        response = httpx.request(method, f"{self.url}/_localcloud{path}", timeout=10, **kwargs)
        response.raise_for_status()
        return response.json()

    def new_project(self) -> Credentials:
        return Credentials(**self.admin("POST", "/projects", json={}))
