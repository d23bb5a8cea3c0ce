"""Resource monitoring of clusters and nodes (seed appendix C; digest §7).

``GET /CCP/cluster/monitors/{clusterCode}`` and ``GET /CCP/node/monitors/{nodeId}`` (the latter
also needs ``clusterCode``, C.8) answer ClusterMonitorInfo (C.6) and NodeMonitorInfo (C.10) from
what the running pods use (``usage.py``). ``id`` is the cluster's or node's number (the tables type
it Integer). Trend lists are ``[{"<epoch ms>": value}, ...]``, the JSON reading of
``List<Map<Long,Double>>`` (the examples' ``{ts, value}`` pairs are not JSON, digest §7.1).
``xpuMonitors`` (marked "(删除)", to be deleted, yet still in the examples) has one entry per card
type.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from aicompute.localcloud.central import usage
from aicompute.localcloud.central.common import (
    CCP,
    JSON,
    NODE_KIND,
    CentralProject,
    CloudDep,
    Params,
    central_router,
    parse,
)
from aicompute.localcloud.central.kube import get_cluster, nodes_of, pods_of_cluster


class ClusterMonitorQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    clusterCode: str = Field(min_length=1)


class NodeMonitorQuery(ClusterMonitorQuery):
    nodeId: str = Field(min_length=1)


def _info(measured: JSON, history: list[JSON]) -> JSON:
    return {
        "cpu": measured["cpu"],
        "cpuUtilization": measured["cpuUtilization"],
        "cpuUtilizationList": usage.trend(history, "cpuUtilization"),
        "memory": measured["memory"],
        "memoryUsed": measured["memoryUsed"],
        "memoryUsedList": usage.trend(history, "memoryUsed"),
        "disk": measured["disk"],
        "diskUsed": measured["diskUsed"],
        "diskUsedList": usage.trend(history, "diskUsed"),
        "xpuMonitors": [
            {
                "xpuMemory": card["xpuMemory"],
                "xpuMemoryUsed": card["xpuMemoryUsed"],
                "xpuMemoryUsedList": usage.trend(history, "xpu", xpu_type, 1),
                "xpuUtilization": card["xpuUtilization"],
                "xpuUtilizationList": usage.trend(history, "xpu", xpu_type, 0),
                "xpuType": xpu_type,
            }
            for xpu_type, card in sorted(measured["xpu"].items())
        ],
    }


router = central_router()


@router.get("/CCP/cluster/monitors/{clusterCode}")
def cluster_monitor(project: CentralProject, cloud: CloudDep, params: Params) -> JSON:
    query = parse(ClusterMonitorQuery, params, CCP)
    with cloud.store.transaction() as tx:
        cluster = get_cluster(tx, project.project_id, query.clusterCode)
        nodes = nodes_of(tx, project.project_id, query.clusterCode)
        measured = usage.measure(nodes, pods_of_cluster(tx, project.project_id, query.clusterCode))
        history = usage.samples(tx, project.project_id, query.clusterCode)
    return CCP.ok({"id": cluster["_number"], "clusterName": cluster["name"], **_info(measured, history)})


@router.get("/CCP/node/monitors/{nodeId}")
def node_monitor(project: CentralProject, cloud: CloudDep, params: Params) -> JSON:
    query = parse(NodeMonitorQuery, params, CCP)
    with cloud.store.transaction() as tx:
        get_cluster(tx, project.project_id, query.clusterCode)
        node = tx.get(NODE_KIND, project.project_id, query.nodeId)
        if node is None or node["clusterCode"] != query.clusterCode:
            raise CCP.not_found("node", f"{query.nodeId} of cluster {query.clusterCode}")
        measured = usage.measure([node], pods_of_cluster(tx, project.project_id, query.clusterCode))
        history = usage.samples(tx, project.project_id, query.clusterCode, query.nodeId)
    return CCP.ok({"id": int(node["nodeId"]), "ip": node["interallp"], **_info(measured, history)})
