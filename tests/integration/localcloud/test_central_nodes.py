"""Nodes and resource monitoring against a live localcloud (seed A.7-A.9, appendix C)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.localcloud.central_api import CentralApi
from tests.support.localcloud import Credentials, LocalCloudProcess

CPU_NODE = {"cpu": 4, "mem": 8, "rootDiskSize": 40, "localDiskSize": 100}


@pytest.fixture
def api(localcloud: LocalCloudProcess, project: Credentials) -> Iterator[CentralApi]:
    client = CentralApi(localcloud, project)
    yield client
    client.close()


def node_ids(api: CentralApi, cluster: str) -> list[str]:
    return [node["nodeId"] for node in api.ok("GET", "/CCP/cluster/nodes", params={"clusterCode": cluster})]


def test_nodes_join_leave_and_read_as_the_tables_spell_them(api: CentralApi) -> None:
    cluster = api.create_cluster()
    first = api.ok("GET", "/CCP/cluster/nodes", json={"clusterCode": cluster, "regionId": "cn-bj-d"})
    assert first[0] == {
        "nodeId": "1",
        "interallp": "192.168.0.3",
        "externallp": "100.64.0.1",
        "externalIp": "100.64.0.1",
        "machineType": "GPU",
        "cpu": 8,
        "memoy": 16,
        "disk": 40,
        "xpuResources": [{"xpuType": "NVIDIA_T4", "num": 2, "aiCardType": "NVIDIA_T4"}],
    }
    body = api.call(
        "POST",
        "/CCP/cluster/nodes",
        json={
            "regionId": "cn-bj-d",
            "clusterCode": cluster,
            "count": 2,
            "spec": {"nodeResource": CPU_NODE, "count": 9},
        },
    )
    assert body["code"] == "0" and body["nodeId"] == ["3", "4"] and "data" not in body  # A.30: top-level ids
    added = [
        node for node in api.ok("GET", "/CCP/cluster/nodes", params={"clusterCode": cluster}) if node["nodeId"] == "3"
    ]
    assert added[0]["machineType"] == "CPU" and added[0]["disk"] == 140 and added[0]["xpuResources"] == []

    # DELETE with a JSON body, as A.8 sends it; and with the ids in a query string.
    api.ok("DELETE", "/CCP/cluster/nodes", json={"clusterCode": cluster, "nodeId": ["1", "3"]})
    assert node_ids(api, cluster) == ["2", "4"]
    api.ok("DELETE", "/CCP/cluster/nodes", params={"clusterCode": cluster, "nodeId": "4"})
    assert node_ids(api, cluster) == ["2"]


def test_node_errors(api: CentralApi) -> None:
    cluster = api.create_cluster(wait=False)
    create = {"clusterCode": cluster, "count": 1, "spec": {"nodeResource": CPU_NODE}}
    assert "creating" in api.fails("POST", "/CCP/cluster/nodes", 409, json=create)
    api.wait_cluster(cluster, "running")
    message = api.fails("DELETE", "/CCP/cluster/nodes", 404, json={"clusterCode": cluster, "nodeId": ["1", "77"]})
    assert message == f"cluster {cluster} has no node 77"
    assert node_ids(api, cluster) == ["1", "2"]  # nothing was deleted
    assert "more than once" in api.fails(
        "DELETE", "/CCP/cluster/nodes", 400, json={"clusterCode": cluster, "nodeId": ["1", "1"]}
    )
    assert "clusterCode: Field required" in api.fails("GET", "/CCP/cluster/nodes", 400)
    assert api.fails("GET", "/CCP/cluster/nodes", 404, params={"clusterCode": "cluster-404"})
    assert "count" in api.fails("POST", "/CCP/cluster/nodes", 400, json={**create, "count": 0})
    assert "spec.nodeResource" in api.fails("POST", "/CCP/cluster/nodes", 400, json={**create, "spec": {}})


def test_monitoring_follows_what_runs(api: CentralApi) -> None:
    cluster = api.create_cluster("watched")
    idle = api.ok("GET", f"/CCP/cluster/monitors/{cluster}")
    assert idle["id"] == 1 and idle["clusterName"] == "watched"
    assert (idle["cpu"], idle["memory"], idle["disk"]) == (16, 32, 80)
    assert (idle["cpuUtilization"], idle["memoryUsed"], idle["diskUsed"]) == (0.0, 0.0, 0.0)
    assert idle["xpuMonitors"][0]["xpuType"] == "NVIDIA_T4" and idle["xpuMonitors"][0]["xpuMemory"] == 64

    workload = api.create_workload(cluster, replicas=2, cpu=2, memory=4, xpu=0.5)
    api.wait_ready(cluster, workload, 2)
    busy = api.ok("GET", f"/CCP/cluster/monitors/{cluster}", json={"clusterCode": cluster})
    assert (busy["cpuUtilization"], busy["memoryUsed"], busy["diskUsed"]) == (0.25, 8.0, 2.0)
    assert busy["xpuMonitors"][0]["xpuUtilization"] == 0.25 and busy["xpuMonitors"][0]["xpuMemoryUsed"] == 16.0
    trend = busy["cpuUtilizationList"]
    assert all(len(point) == 1 and next(iter(point)).isdigit() for point in trend)  # [{"<epoch ms>": value}]
    assert list(trend[0].values()) == [0.0] and list(trend[-1].values()) == [0.25]
    assert [int(next(iter(p))) for p in trend] == sorted(int(next(iter(p))) for p in trend)

    node = api.ok("GET", "/CCP/node/monitors/1", params={"clusterCode": cluster})
    assert node["id"] == 1 and node["ip"] == "192.168.0.3" and node["cpu"] == 8
    assert node["cpuUtilization"] == 0.25  # one pod on each node: the scheduler spreads by free CPU
    both = [api.ok("GET", f"/CCP/node/monitors/{n}", json={"clusterCode": cluster, "nodeId": "x"}) for n in ("1", "2")]
    assert sum(m["memoryUsed"] for m in both) == 8.0
    assert api.fails("GET", "/CCP/node/monitors/1", 404, params={"clusterCode": "cluster-9"})
    other = api.create_cluster("other")
    assert (
        api.fails("GET", "/CCP/node/monitors/1", 404, params={"clusterCode": other})
        == f"node 1 of cluster {other} does not exist"
    )
    assert "clusterCode: Field required" in api.fails("GET", "/CCP/node/monitors/1", 400)
