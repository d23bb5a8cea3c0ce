"""Nodes of a computing-platform cluster (seed A.7-A.9; digest §5.6-5.8, §14.2).

The node paths are singular, ``/CCP/cluster/nodes``, with ``clusterCode`` as a parameter (in the
body or the query, also for GET and DELETE). Nodes join a running cluster at once and have no status
(A.34). Creating answers the new ids in a top-level ``nodeId`` list (A.30, not the EmptyResponse of
table A.7); the request's ``spec.count`` is ignored for the top-level ``count`` (digest §5.6).
Deleting names the nodes (all must be in the cluster, else code 404 and nothing is deleted); their
pods move to the remaining nodes.

A node is answered with A.34's spellings ``interallp``, ``externallp`` and ``memoy``, and also with
the example's ``externalIp``; each card has ``xpuType`` and the example's ``aiCardType``. The list's
``data`` is an array (A.33 types it as one Node, digest §5.8).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from aicompute.localcloud.central.clusters import MAX_NODES, ResourceSpec
from aicompute.localcloud.central.common import (
    CCP,
    JSON,
    NOT_FOUND,
    CentralProject,
    CloudDep,
    Params,
    central_router,
    parse,
)
from aicompute.localcloud.central.kube import add_nodes, get_cluster, nodes_of, remove_nodes, running_cluster


class NodeGroupSpec(BaseModel):
    model_config = ConfigDict(extra="ignore")

    nodeResource: ResourceSpec


class NodeCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    regionId: str | None = None
    clusterCode: str = Field(min_length=1)
    count: int = Field(ge=1, le=MAX_NODES)
    spec: NodeGroupSpec


class NodeDelete(BaseModel):
    model_config = ConfigDict(extra="ignore")

    regionId: str | None = None
    clusterCode: str = Field(min_length=1)
    nodeId: list[str] = Field(min_length=1)

    @field_validator("nodeId", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        # A single id read from a query string arrives as a plain string.
        return value.split(",") if isinstance(value, str) else value

    @field_validator("nodeId")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("a node is named more than once")
        return value


class NodeQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    regionId: str | None = None
    clusterCode: str = Field(min_length=1)


def node_view(node: JSON) -> JSON:
    cards = [{**card, "aiCardType": card["xpuType"]} for card in node["xpuResources"]]
    return {
        "nodeId": node["nodeId"],
        "interallp": node["interallp"],
        "externallp": node["externallp"],
        "externalIp": node["externallp"],
        "machineType": node["machineType"],
        "cpu": node["cpu"],
        "memoy": node["memoy"],
        "disk": node["disk"],
        "xpuResources": cards,
    }


router = central_router()


@router.post("/CCP/cluster/nodes")
def create(project: CentralProject, cloud: CloudDep, params: Params) -> JSON:
    body = parse(NodeCreate, params, CCP)
    with cloud.store.transaction() as tx:
        cluster = running_cluster(tx, project.project_id, body.clusterCode, body.regionId)
        resource = body.spec.nodeResource.model_dump(exclude_none=True)
        ids = add_nodes(tx, cloud.lifecycle, project.project_id, cluster, body.count, resource)
    return CCP.ok(nodeId=ids)


@router.delete("/CCP/cluster/nodes")
def delete(project: CentralProject, cloud: CloudDep, params: Params) -> JSON:
    body = parse(NodeDelete, params, CCP)
    with cloud.store.transaction() as tx:
        running_cluster(tx, project.project_id, body.clusterCode, body.regionId)
        known = {node["nodeId"] for node in nodes_of(tx, project.project_id, body.clusterCode)}
        unknown = [node_id for node_id in body.nodeId if node_id not in known]
        if unknown:
            raise CCP.error(NOT_FOUND, f"cluster {body.clusterCode} has no node {', '.join(unknown)}")
        remove_nodes(tx, cloud.lifecycle, project.project_id, body.clusterCode, body.nodeId)
    return CCP.ok()


@router.get("/CCP/cluster/nodes")
def list_all(project: CentralProject, cloud: CloudDep, params: Params) -> JSON:
    query = parse(NodeQuery, params, CCP)
    with cloud.store.transaction() as tx:
        get_cluster(tx, project.project_id, query.clusterCode, query.regionId)
        nodes = nodes_of(tx, project.project_id, query.clusterCode)
    return CCP.ok([node_view(node) for node in sorted(nodes, key=lambda node: int(node["nodeId"]))])
