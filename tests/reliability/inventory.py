"""What exists on the platforms against what the state records: duplicates, orphans, lost resources.

Objects are named ``<prefix>-...`` by the reliability project (tests/e2e/projects/reliability), so
the inventory lists each kind the project declares through the platforms' own APIs, signed with
the project's credentials, and keys every object by the id its resource records in the state.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from aicompute.provider.generic import GenericProvider
from aicompute.resources.hilens.deployment import DeploymentProvider
from aicompute.resources.hilens.device import DeviceProvider
from aicompute.resources.hilens.workspace import WorkspaceProvider as HiLensWorkspaceProvider
from aicompute.resources.modelarts.inference_service import InferenceServiceProvider
from aicompute.resources.modelarts.model import ModelProvider
from aicompute.resources.modelarts.node_pool import NodePoolProvider
from aicompute.resources.modelarts.resource_pool import ResourcePoolProvider
from tests.support.api import SignedApi
from tests.support.central import central_api
from tests.support.engine_cli import EngineCli
from tests.support.localcloud import Credentials, LocalCloudProcess
from tests.support.providers import configured

BUILT_IN = {"default"}
"""Objects every project has from the start."""

TYPE_PREFIX = "pulumi-python:dynamic/"
_DECORATED = re.compile(r"^(?P<name>.+)-deployment-[a-z0-9]{5}$")


@dataclass
class Inventory:
    """Per resource type (``modelarts:Network``…): the ids found and the names they carry."""

    ids: dict[str, list[str]] = field(default_factory=dict)
    names: dict[str, list[str]] = field(default_factory=dict)

    def add(self, kind: str, object_id: str, name: str) -> None:
        self.ids.setdefault(kind, []).append(object_id)
        self.names.setdefault(kind, []).append(name)

    def count(self) -> int:
        return sum(len(ids) for ids in self.ids.values())


def platform_inventory(localcloud: LocalCloudProcess, project: Credentials) -> Inventory:
    """Every object of the kinds the reliability project declares (the built-in defaults left out)."""
    found = Inventory()
    with SignedApi(localcloud, project) as api:
        for ws in _json(api, "v1/workspaces", {"limit": 1000})["workspaces"]:
            if ws["name"] != "default":
                found.add("modelarts:Workspace", ws["id"], ws["name"])
        for net in _json(api, "v1/networks", {"limit": 500})["items"]:
            found.add("modelarts:Network", net["metadata"]["name"], net["metadata"]["labels"]["os.modelarts/name"])
        for kind, collection in (("hilens:ConfigMap", "configmaps"), ("hilens:Secret", "secrets")):
            for item in _json(api, f"v3/ai-mgr/{collection}", {"limit": 100})[collection]:
                found.add(kind, item["id"], item["name"])
    with central_api(localcloud, project, maxRetries=0) as central:
        for cluster in central.data("GET", "/CCP/clusters") or []:
            code, name = cluster["metadata"]["clusterCode"], cluster["metadata"]["name"]
            found.add("central:Cluster", code, name)
            body = {"clusterCode": code, "namespace": "default", "pageRequest": {"pageNumber": 1, "pageSize": 1000}}
            for workload in (central.data("GET", "/CCP/algoservice/workloads", body) or {}).get("pageContent") or []:
                decorated = _DECORATED.match(workload["workloadName"])
                name = decorated["name"] if decorated else workload["workloadName"]
                found.add("central:Workload", f"{code}/default/{workload['workloadName']}", f"{code}/{name}")
        for package in central.search("/CAP/AlgoPackages:search"):
            found.add("central:AlgorithmPackage", package["id"], package["id"])
        for service in central.search("/CAP/AlgoServices:search"):
            found.add("central:AlgorithmService", service["id"], service["id"])
        for task in central.search("/CAP/AlgoTasks:search"):
            found.add("central:AnalysisTask", task["taskInfo"]["id"], task["taskInfo"]["id"])
        for code in found.ids.get("central:Cluster", []):
            for node in central.data("GET", "/CCP/cluster/nodes", {"clusterCode": code}) or []:
                if not node.get("xpuResources"):  # the clusters' own nodes are T4 ones, the groups' CPU ones
                    found.add("central:ClusterNodes", str(node["nodeId"]), f"{code}/{node['nodeId']}")
    _listed_by_providers(found, localcloud, project)
    return found


OTHER_KINDS: dict[str, type[GenericProvider[Any, Any]]] = {
    "modelarts:ResourcePool": ResourcePoolProvider,
    "modelarts:NodePool": NodePoolProvider,
    "modelarts:Model": ModelProvider,
    "modelarts:InferenceService": InferenceServiceProvider,
    "hilens:Workspace": HiLensWorkspaceProvider,
    "hilens:Device": DeviceProvider,
    "hilens:Deployment": DeploymentProvider,
}
"""The kinds ``reliability:allKinds`` adds, listed through their providers' list calls (each with its
own API path and paging) and named by what their reads report."""
NAME_KEYS = ("name", "model_name", "service_name")


def _listed_by_providers(found: Inventory, localcloud: LocalCloudProcess, project: Credentials) -> None:
    for kind, provider_class in OTHER_KINDS.items():
        provider = configured(provider_class, localcloud, project)
        with provider.client() as api:
            for object_id in provider.list_ids(api) or []:
                live = provider.read_resource(api, object_id) or {}
                name = next((str(live[key]) for key in NAME_KEYS if live.get(key)), object_id)
                if not built_in(kind, name):
                    found.add(kind, object_id, name)


def built_in(kind: str, name: str) -> bool:
    """Objects the platforms make themselves: a project's default workspace, a pool's default node pool."""
    return name in BUILT_IN or (kind == "modelarts:NodePool" and name.endswith("-Default"))


def state_inventory(cli: EngineCli) -> Inventory:
    """The custom resources of the stack's state, by type, with their ids and ``name`` inputs."""
    found = Inventory()
    for resource in cli.resources().values():
        if resource.get("custom") and resource["type"].startswith(TYPE_PREFIX):
            kind = resource["type"].removeprefix(TYPE_PREFIX)
            if kind == "central:ClusterNodes":  # a group of nodes: each is an object of the platform
                for node in (resource.get("outputs") or {}).get("node_ids") or []:
                    found.add(kind, str(node), str(node))
                continue
            inputs = resource.get("inputs") or {}
            name = str(inputs.get("name") or resource["id"])
            found.add(kind, resource["id"], name)
    return found


def pending_operations(cli: EngineCli) -> list[tuple[str, str]]:
    latest = cli.state()["checkpoint"].get("latest") or {}
    return [(op["type"], op["resource"]["urn"].rsplit("::", 1)[1]) for op in latest.get("pending_operations") or []]


def mismatches(cli: EngineCli, localcloud: LocalCloudProcess, project: Credentials) -> list[str]:
    """Every duplicate (two platform objects of one name), orphan (on a platform, not in the state)
    and lost resource (in the state, not on its platform); empty when state matches the platforms."""
    live, recorded = platform_inventory(localcloud, project), state_inventory(cli)
    problems = []
    for kind, names in live.names.items():
        problems += [f"duplicate {kind} {name!r} ({n} objects)" for name, n in Counter(names).items() if n > 1]
    for kind in sorted(set(live.ids) | set(recorded.ids)):
        on_platform, in_state = set(live.ids.get(kind, [])), set(recorded.ids.get(kind, []))
        problems += [f"orphan {kind} {object_id}" for object_id in sorted(on_platform - in_state)]
        problems += [f"lost {kind} {object_id}" for object_id in sorted(in_state - on_platform)]
    return problems


def _json(api: SignedApi, path: str, params: dict[str, Any]) -> Any:
    response = api.request("GET", path, params=params)
    response.raise_for_status()
    return response.json()
