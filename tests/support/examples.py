"""What the example projects' lifecycle tests share, whichever CLI drives them: the provider settings
a user exports and the edge agent that connects registered devices."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from tests.support.api import SignedApi
from tests.support.hilens import connect
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
