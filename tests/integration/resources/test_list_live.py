"""list_live / list_ids: every object of a type read page by page, exactly as the single reads read it.

Per type: several objects are made through the providers, then the type is listed with a page size
of 2 (so that every paged list is followed past its first page) and checked against the single
reads — the same live values, the same ReadResult — and against the request log: the list costs
the calls its pages and parents need, whatever the number of objects. A second project lists none
of the first project's objects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from math import ceil
from typing import Any

import pytest

from aicompute.provider.generic import GenericProvider
from aicompute.resources.central.algorithm_package import AlgorithmPackageProvider
from aicompute.resources.central.algorithm_service import AlgorithmServiceProvider
from aicompute.resources.central.analysis_task import AnalysisTaskProvider
from aicompute.resources.central.cluster import ClusterProvider
from aicompute.resources.central.cluster_nodes import ClusterNodesProvider
from aicompute.resources.central.workload import WorkloadProvider
from aicompute.resources.hilens.config_map import ConfigMapProvider
from aicompute.resources.hilens.deployment import DeploymentProvider
from aicompute.resources.hilens.device import DeviceProvider
from aicompute.resources.hilens.secret import SecretProvider
from aicompute.resources.hilens.workspace import WorkspaceProvider as HiLensWorkspaceProvider
from aicompute.resources.modelarts.inference_service import InferenceServiceProvider
from aicompute.resources.modelarts.model import ModelProvider
from aicompute.resources.modelarts.network import NetworkProvider
from aicompute.resources.modelarts.node_pool import NodePoolProvider
from aicompute.resources.modelarts.resource_pool import ResourcePoolProvider
from aicompute.resources.modelarts.workspace import WorkspaceProvider
from tests.support.central import cluster_inputs, running_cluster
from tests.support.hilens import online_device
from tests.support.localcloud import Credentials, LocalCloudProcess
from tests.support.pools import CPU, CPU8, create_network
from tests.support.providers import checked, configured, last_seq

PAGE = 2
Provider = GenericProvider[Any, Any]
Made = list[tuple[str, dict[str, Any]]]


@dataclass(frozen=True)
class Case:
    provider: type[Provider]
    make: Callable[[LocalCloudProcess, Credentials], Made]
    calls: Callable[[Made], int]
    """The reads (GETs, CAP searches) one listing costs for what ``make`` made, in pages of ``PAGE``."""
    live: bool = True
    """Whether the type has list_live (else only list_ids)."""


def pages(count: int) -> int:
    return max(1, ceil(count / PAGE))


def create(
    provider_class: type[Provider], localcloud: LocalCloudProcess, project: Credentials, props: list[dict[str, Any]]
) -> Made:
    provider = configured(provider_class, localcloud, project)
    made = []
    for item in props:
        created = provider.create(checked(provider, item))
        made.append((created.id, dict(created.outs)))
    return made


# ModelArts ---------------------------------------------------------------------------------------
def networks(localcloud: LocalCloudProcess, project: Credentials) -> Made:
    props = [{"name": f"net-list-{n}", "cidr": f"192.168.{n}.0/24", "description": f"n{n}"} for n in range(3)]
    return create(NetworkProvider, localcloud, project, props)


def pool_props(name: str, network_id: str, count: int) -> dict[str, Any]:
    return {"name": name, "network_id": network_id, "scope": ["Train"], "resources": [{"flavor": CPU, "count": count}]}


def pools(localcloud: LocalCloudProcess, project: Credentials) -> Made:
    network_id = create_network(localcloud, project)
    props = [pool_props(f"pool-list-{n}", network_id, 3) for n in range(2)]
    return create(ResourcePoolProvider, localcloud, project, props)


def node_pools(localcloud: LocalCloudProcess, project: Credentials) -> Made:
    network_id = create_network(localcloud, project)
    pool_id = create(ResourcePoolProvider, localcloud, project, [pool_props("pool-nps", network_id, 1)])[0][0]
    props = [{"pool_name": pool_id, "name": f"np-{n}", "flavor": CPU8, "count": n + 1} for n in range(2)]
    return create(NodePoolProvider, localcloud, project, props)


def workspaces(localcloud: LocalCloudProcess, project: Credentials) -> Made:
    return create(WorkspaceProvider, localcloud, project, [{"name": f"ws-list-{n}"} for n in range(3)])


MODEL = {"model_type": "PyTorch", "source_location": "https://models.obs.example.com/detector"}


def models(localcloud: LocalCloudProcess, project: Credentials) -> Made:
    props = [{**MODEL, "model_name": "detector", "model_version": f"1.0.{n}"} for n in range(3)]
    return create(ModelProvider, localcloud, project, props)


def services(localcloud: LocalCloudProcess, project: Credentials) -> Made:
    model_id = models(localcloud, project)[0][0]
    config = [{"model_id": model_id, "specification": "modelarts.vm.cpu.2u", "instance_count": 1, "weight": 100}]
    props = [{"service_name": f"svc-list-{n}", "infer_type": "real-time", "config": config} for n in range(3)]
    return create(InferenceServiceProvider, localcloud, project, props)


# HiLens -----------------------------------------------------------------------------------------
def hilens_workspaces(localcloud: LocalCloudProcess, project: Credentials) -> Made:
    props = [{"name": f"edge-ws-{n}", "description": f"w{n}"} for n in range(3)]
    return create(HiLensWorkspaceProvider, localcloud, project, props)


def entries(provider_class: type[Provider]) -> Callable[[LocalCloudProcess, Credentials], Made]:
    """Three objects in the default workspace and one of the other platform in a new workspace."""

    def make(localcloud: LocalCloudProcess, project: Credentials) -> Made:
        workspace = create(HiLensWorkspaceProvider, localcloud, project, [{"name": "entries-ws"}])[0][0]
        props = [{"name": f"entries-{n}", "data": {"k": f"v{n}"}, "tags": {"n": str(n)}} for n in range(3)]
        other = {"name": "entries-ief", "data": {"k": "v"}, "workspace_id": workspace, "provider": "ief"}
        return create(provider_class, localcloud, project, [*props, other])

    return make


def per_workspace(made: Made, platforms: tuple[str | None, ...]) -> int:
    """One page of workspaces (the default and the one made), then a list per workspace and platform."""
    workspaces = {"0", *(str(outs["workspace_id"]) for _, outs in made)}
    count = {
        (w, p): sum(1 for _, o in made if o["workspace_id"] == w and p in (None, o["provider"]))
        for w in workspaces
        for p in platforms
    }
    return 1 + sum(pages(n) for n in count.values())


def devices(localcloud: LocalCloudProcess, project: Credentials) -> Made:
    return create(DeviceProvider, localcloud, project, [{"name": f"dev-list-{n}"} for n in range(3)])


CONFIGS = {"host_network": False, "restart_policy": "Always"}


def deployments(localcloud: LocalCloudProcess, project: Credentials) -> Made:
    device = online_device(localcloud, project, "gw-list")
    app = {
        "name": "detector",
        "app_url": "swr.cn-north-4.myhuaweicloud.com/edge/detector:1.0",
        "version": "1.0.0",
        "resources": {"limits": {"cpu": 0.1, "memory": 64.0}},
    }
    props = [
        {"name": f"dep-list-{n}", "source": "userdefined", "apps": [app], "configs": CONFIGS, "node_ids": [device]}
        for n in range(3)
    ]
    return create(DeploymentProvider, localcloud, project, props)


# central -----------------------------------------------------------------------------------------
def clusters(localcloud: LocalCloudProcess, project: Credentials) -> Made:
    return create(ClusterProvider, localcloud, project, [cluster_inputs(f"list-{n}") for n in range(3)])


def workloads(localcloud: LocalCloudProcess, project: Credentials) -> Made:
    cluster = running_cluster(localcloud, project, "engines")
    engine = {"cluster_code": cluster, "image": "registry.local/vision/engine:1.0", "replicas": 1}
    props = [{**engine, "name": f"engine{n}", "resources": {"cpu": 1, "memory": 2}} for n in range(3)]
    return create(WorkloadProvider, localcloud, project, props)


def algorithm_services(localcloud: LocalCloudProcess, project: Credentials) -> Made:
    props = [{"algo_id": f"MEGCITY:{n}", "gpu_type": "NVidia A2", "replicas": 1} for n in range(3)]
    return create(AlgorithmServiceProvider, localcloud, project, props)


def analysis_tasks(localcloud: LocalCloudProcess, project: Credentials) -> Made:
    service_id = algorithm_services(localcloud, project)[0][0]
    square = [{"x": 0.0, "y": 1.0}, {"x": 1.0, "y": 1.0}, {"x": 1.0, "y": 0.0}, {"x": 0.0, "y": 0.0}]
    rule = {
        "areas": [{"area_id": 0, "area_type": "POLYGON", "points": square}],
        "destinations": {"HTTPDest": {"url": "https://events.local/report"}},
        "event_type": "ILLEGAL_ADV",
    }
    props = [
        {
            "algo_service_id": service_id,
            "restart_policy": "NEVER",
            "labels": {"algoCabinName": "megcity-a2", "version": str(n)},
            "rules": [rule],
            "stream": {"url": f"iot://10.0.0.{n}/?mode=video", "resolution": "PIXELS_200W"},
            **({"paused": True} if n == 0 else {}),
        }
        for n in range(3)
    ]
    return create(AnalysisTaskProvider, localcloud, project, props)


# One page of workspaces ("0" only), the pool list per workspace and status, then per pool its
# node-pool list and its node pages.
POOL_LISTS = 1 + 2


CASES = {
    "modelarts.Network": Case(NetworkProvider, networks, lambda made: pages(len(made))),
    "modelarts.ResourcePool": Case(
        ResourcePoolProvider, pools, lambda made: POOL_LISTS + sum(1 + pages(len(outs["nodes"])) for _, outs in made)
    ),
    # One pool whose default node pool has one node: its nodes are listed once for all node pools.
    "modelarts.NodePool": Case(
        NodePoolProvider, node_pools, lambda made: POOL_LISTS + 1 + pages(1 + sum(len(o["nodes"]) for _, o in made))
    ),
    "hilens.Workspace": Case(HiLensWorkspaceProvider, hilens_workspaces, lambda made: pages(len(made) + 1)),
    "hilens.ConfigMap": Case(
        ConfigMapProvider, entries(ConfigMapProvider), lambda m: per_workspace(m, ("hilens", "ief"))
    ),
    "hilens.Secret": Case(SecretProvider, entries(SecretProvider), lambda made: per_workspace(made, (None,))),
    # The devices list is per workspace: one page of workspaces ("0"), then the devices' pages.
    "hilens.Device": Case(DeviceProvider, devices, lambda made: 1 + pages(len(made)), live=False),
    "hilens.Deployment": Case(DeploymentProvider, deployments, lambda made: pages(len(made)), live=False),
    "central.AnalysisTask": Case(AnalysisTaskProvider, analysis_tasks, lambda made: pages(len(made))),
    # The cluster list has no pages.
    "central.Cluster": Case(ClusterProvider, clusters, lambda made: 1, live=False),
    "central.Workload": Case(WorkloadProvider, workloads, lambda made: 1 + pages(len(made)), live=False),
    "central.AlgorithmService": Case(
        AlgorithmServiceProvider, algorithm_services, lambda made: pages(len(made)), live=False
    ),
    "modelarts.Workspace": Case(WorkspaceProvider, workspaces, lambda made: pages(len(made) + 1), live=False),
    "modelarts.Model": Case(ModelProvider, models, lambda made: pages(len(made)), live=False),
    "modelarts.InferenceService": Case(InferenceServiceProvider, services, lambda made: pages(len(made)), live=False),
}


def reads_since(localcloud: LocalCloudProcess, since: int) -> int:
    """GETs and CAP searches (POSTs that read), not the central platform's token requests."""
    log = localcloud.requests(since)
    reads = [e for e in log if e["method"] == "GET" or str(e["path"]).endswith(":search")]
    return sum(1 for entry in reads if not str(entry["path"]).startswith("/oauth"))


def listing(provider: Provider, live: bool) -> dict[str, Any]:
    """The type's listing: ``{id: live}`` from list_live, or ``{id: None}`` from list_ids."""
    with provider.client() as api:
        if live:
            listed = provider.list_live(api)
            assert listed is not None
            return dict(listed)
        assert provider.list_live(api) is None  # its list items lack fields of the single read
        ids = provider.list_ids(api)
        assert ids is not None
        return dict.fromkeys(ids)


@pytest.mark.parametrize("name", list(CASES))
def test_listing_matches_single_reads(name: str, localcloud: LocalCloudProcess, project: Credentials) -> None:
    case = CASES[name]
    made = case.make(localcloud, project)
    provider = configured(case.provider, localcloud, project)
    provider.list_page_limit = PAGE

    since = last_seq(localcloud)
    listed = listing(provider, case.live)
    assert reads_since(localcloud, since) == case.calls(made)

    assert {resource_id for resource_id, _ in made} <= set(listed)
    with provider.client() as api:
        for resource_id in listed:
            assert provider.read_resource(api, resource_id) is not None
            if case.live:
                assert listed[resource_id] == provider.read_resource(api, resource_id)
    if case.live:
        for resource_id, outs in made:
            from_list = provider.read_result(resource_id, listed[resource_id], outs)
            single = provider.read(resource_id, outs)
            assert (from_list.id, from_list.outs, from_list.inputs) == (single.id, single.outs, single.inputs)

    stranger = configured(case.provider, localcloud, localcloud.new_project())
    assert not set(listing(stranger, case.live)) & set(listed)


@pytest.mark.parametrize("provider_class", [ClusterNodesProvider, AlgorithmPackageProvider])
def test_types_whose_ids_no_list_gives_are_read_one_by_one(provider_class: type[Provider]) -> None:
    provider = provider_class()
    assert provider.list_live(None) is None
    assert provider.list_ids(None) is None
