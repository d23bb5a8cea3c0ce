"""HiLens test helpers: the simulated edge agent, devices online, and the tag API seen directly."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aicompute.resources.hilens.device import DeviceProvider
from tests.support.api import SignedApi, eventually, signed_json
from tests.support.localcloud import Credentials, LocalCloudProcess
from tests.support.providers import checked, configured


def connect(localcloud: LocalCloudProcess, project: Credentials, node_id: str, **report: Any) -> dict[str, Any]:
    """localcloud's simulated edge agent installs the package and connects the device (``report``:
    what the agent reports, e.g. ``arch``); the device's detail."""
    return dict(
        localcloud.admin(
            "POST", f"/hilens/devices/{node_id}/connect", json={"project_id": project.project_id, **report}
        )
    )


def disconnect(localcloud: LocalCloudProcess, project: Credentials, node_id: str) -> None:
    localcloud.admin("POST", f"/hilens/devices/{node_id}/disconnect", json={"project_id": project.project_id})


def node(localcloud: LocalCloudProcess, project: Credentials, node_id: str) -> dict[str, Any]:
    return dict(signed_json(localcloud, project, "GET", f"v3/ai-mgr/nodes/{node_id}"))


def nodes(localcloud: LocalCloudProcess, project: Credentials, **params: Any) -> list[dict[str, Any]]:
    return list(signed_json(localcloud, project, "GET", "v3/ai-mgr/nodes", params=params)["nodes"])


def tags(localcloud: LocalCloudProcess, project: Credentials, kind: str, object_id: str) -> dict[str, str]:
    listing = signed_json(localcloud, project, "GET", f"v3/{kind}/{object_id}/tags")
    return {tag["key"]: tag["value"] for tag in listing["tags"]}


def online_device(localcloud: LocalCloudProcess, project: Credentials, name: str) -> str:
    """A registered device whose agent has connected (RUNNING); its id."""
    provider = configured(DeviceProvider, localcloud, project)
    node_id = str(provider.create(checked(provider, {"name": name})).id)
    connect(localcloud, project, node_id)
    eventually(lambda: node(localcloud, project, node_id)["state"], lambda state: state == "RUNNING")
    return node_id


@contextmanager
def agent_connecting(localcloud: LocalCloudProcess, project: Credentials, name: str) -> Iterator[None]:
    """While inside, the agent connects the device named ``name`` as soon as it is registered (as a
    real agent would once the package is installed), so a create that waits for RUNNING returns."""
    stop = threading.Event()

    def agent() -> None:
        with SignedApi(localcloud, project) as api:
            while not stop.is_set():
                listing = api.request("GET", "v3/ai-mgr/nodes", params={"name": name}).json()
                for item in listing.get("nodes", []):
                    if item["name"] == name and item["state"] == "UNCONNECTED":
                        connect(localcloud, project, item["id"])
                        return
                stop.wait(0.02)

    thread = threading.Thread(target=agent, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)
