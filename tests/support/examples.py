"""What the example projects' lifecycle tests share, whichever CLI drives them: the provider settings
a user exports, the edge agent that connects registered devices, and everything a project holds on
the three platforms (for "destroy left nothing behind")."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from typing import Any

from tests.support.api import SignedApi
from tests.support.central import central_api
from tests.support.hilens import connect
from tests.support.inventory import live_objects
from tests.support.localcloud import Credentials, LocalCloudProcess


def provider_env(localcloud: LocalCloudProcess, project: Credentials) -> dict[str, str]:
    """The provider settings as a user exports them (the platforms' own variables, localcloud's URL)."""
    return {
        "AICOMPUTE_ENDPOINT": localcloud.url,
        "HW_PROJECT_ID": project.project_id,
        "HW_ACCESS_KEY": project.access_key,
        "HW_SECRET_KEY": project.secret_key,
        "AICOMPUTE_CENTRAL_CLIENT_ID": project.central_client_id,
        "AICOMPUTE_CENTRAL_CLIENT_SECRET": project.central_client_secret,
        "AICOMPUTE_POLL_INTERVAL": "0.02",
    }


@contextmanager
def edge_agent(localcloud: LocalCloudProcess, project: Credentials) -> Iterator[None]:
    """While inside, localcloud's edge agent connects every device of the project as soon as it is
    registered, in any workspace (a device list shows one workspace's devices)."""
    stop = threading.Event()

    def run() -> None:
        with SignedApi(localcloud, project) as api:
            while not stop.is_set():
                for workspace in api.request("GET", "v3/ai-mgr/workspaces").json().get("workspaces", []):
                    params = {"workspace_id": workspace["workspace_id"]}
                    for node in api.request("GET", "v3/ai-mgr/nodes", params=params).json().get("nodes", []):
                        if node["state"] == "UNCONNECTED":
                            connect(localcloud, project, node["id"])
                stop.wait(0.05)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)


def everything(localcloud: LocalCloudProcess, project: Credentials) -> dict[str, list[str]]:
    """``live_objects`` plus the kinds it stands in for by their container, and the ModelArts models
    and services and the central platform's packages, services and tasks: every object the project
    holds, by kind, only the kinds that hold some."""
    found: dict[str, list[str]] = dict(live_objects(localcloud, project))
    with SignedApi(localcloud, project) as api:
        found["modelarts models"] = [m["model_name"] for m in _get(api, "v1/models").get("models", [])]
        found["modelarts services"] = [s["service_name"] for s in _get(api, "v1/services").get("services", [])]
        found["hilens deployments"] = [d["name"] for d in _get(api, "v3/ai-mgr/deployments").get("deployments", [])]
    with closing(central_api(localcloud, project)) as central:
        found["central packages"] = [p["id"] for p in central.search("/CAP/AlgoPackages:search")]
        found["central services"] = [s["id"] for s in central.search("/CAP/AlgoServices:search")]
        found["central tasks"] = [t["taskInfo"]["id"] for t in central.search("/CAP/AlgoTasks:search")]
    return {kind: sorted(names) for kind, names in found.items() if names}


def _get(api: SignedApi, path: str) -> dict[str, Any]:
    response = api.request("GET", path)
    response.raise_for_status()
    answer: dict[str, Any] = response.json()
    return answer
