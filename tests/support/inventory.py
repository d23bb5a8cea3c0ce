"""What one project holds on a localcloud, listed through the platforms' own APIs (for "destroy
left nothing behind" checks of example stacks)."""

from __future__ import annotations

from contextlib import closing
from typing import Any

from tests.support.api import SignedApi
from tests.support.central import central_api
from tests.support.localcloud import Credentials, LocalCloudProcess

# Workspaces every project has from the start.
BUILT_IN_WORKSPACES = {"default"}


def live_objects(localcloud: LocalCloudProcess, project: Credentials) -> dict[str, list[str]]:
    """Names of the project's objects by kind, only the kinds that hold some. HiLens configmaps,
    secrets and devices, and central workloads, live inside a workspace or a cluster that cannot be
    deleted while they exist, so the workspaces and clusters stand for them."""
    with SignedApi(localcloud, project) as api:
        found = {
            "modelarts workspaces": [w["name"] for w in _json(api, "v1/workspaces")["workspaces"]],
            "modelarts networks": [n["metadata"]["name"] for n in _json(api, "v1/networks")["items"]],
            "modelarts pools": [p["metadata"]["name"] for p in _json(api, "v2/pools")["items"]],
            "hilens workspaces": [w["name"] for w in _json(api, "v3/ai-mgr/workspaces")["workspaces"]],
            "hilens configmaps": [c["name"] for c in _json(api, "v3/ai-mgr/configmaps")["configmaps"]],
            "hilens secrets": [s["name"] for s in _json(api, "v3/ai-mgr/secrets")["secrets"]],
        }
    with closing(central_api(localcloud, project)) as central:
        found["central clusters"] = [c["metadata"]["name"] for c in central.data("GET", "/CCP/clusters")]
    return {
        kind: sorted(set(names) - BUILT_IN_WORKSPACES)
        for kind, names in found.items()
        if set(names) - BUILT_IN_WORKSPACES
    }


def everything(localcloud: LocalCloudProcess, project: Credentials) -> dict[str, list[str]]:
    """``live_objects`` plus the kinds it stands in for by their container, and the ModelArts models
    and services and the central platform's packages, services and tasks: every object the project
    holds, by kind, only the kinds that hold some."""
    found: dict[str, list[str]] = dict(live_objects(localcloud, project))
    with SignedApi(localcloud, project) as api:
        found["modelarts models"] = [m["model_name"] for m in _json(api, "v1/models").get("models", [])]
        found["modelarts services"] = [s["service_name"] for s in _json(api, "v1/services").get("services", [])]
        found["hilens deployments"] = [d["name"] for d in _json(api, "v3/ai-mgr/deployments").get("deployments", [])]
    with closing(central_api(localcloud, project)) as central:
        found["central packages"] = [p["id"] for p in central.search("/CAP/AlgoPackages:search")]
        found["central services"] = [s["id"] for s in central.search("/CAP/AlgoServices:search")]
        found["central tasks"] = [t["taskInfo"]["id"] for t in central.search("/CAP/AlgoTasks:search")]
    return {kind: sorted(names) for kind, names in found.items() if names}


def _json(api: SignedApi, path: str) -> dict[str, Any]:
    response = api.request("GET", path)
    response.raise_for_status()
    answer: dict[str, Any] = response.json()
    return answer
