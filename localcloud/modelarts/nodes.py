"""A pool's nodes: list, batch delete, batch reboot (seed §10.3–10.5), and a node pool's nodes (§16.6).

Batch delete keeps at least one node in the pool (API overview, digest §5.4); the nodes go
``Deleting`` and, once gone, their node pools' counts are lowered. Rebooted nodes go ``Checking``
for a while, then back to ``Available``. Unknown node names are a 400 ``ModelArts.50004000``.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from aicompute.localcloud.inline import InlineRouter
from aicompute.localcloud.lifecycle import Lifecycle
from aicompute.localcloud.modelarts import fleet
from aicompute.localcloud.modelarts.common import CloudDep, ModelArtsProject, Transaction
from aicompute.localcloud.modelarts.kube import (
    JSON,
    POOL_KIND,
    ContinueQuery,
    JsonBody,
    LimitQuery,
    bad_request,
    paginate,
    parse,
    parse_limit,
    public,
)
from aicompute.localcloud.modelarts.pools import require_changeable


class BatchDelete(BaseModel):
    model_config = ConfigDict(extra="ignore")

    delete_node_names: list[str] = Field(alias="deleteNodeNames", min_length=1)


class BatchReboot(BaseModel):
    model_config = ConfigDict(extra="ignore")

    node_names: list[str] = Field(alias="nodeNames", min_length=1)


# backend ---------------------------------------------------------------------------------------
def node_list(nodes: list[JSON], limit: int | None, token: str | None) -> JSON:
    page, metadata = paginate(nodes, lambda node: str(node["metadata"]["name"]), limit, token)
    return {"kind": "NodeList", "apiVersion": "v2", "metadata": metadata, "items": [public(n) for n in page]}


def _named_nodes(tx: Transaction, project_id: str, pool_name: str, names: list[str], field: str) -> list[JSON]:
    by_name = {node["metadata"]["name"]: node for node in fleet.nodes_of(tx, project_id, pool_name)}
    if len(set(names)) != len(names):
        raise bad_request(f"{field}: a node is named twice")
    unknown = [name for name in names if name not in by_name]
    if unknown:
        raise bad_request(f"{field}: no node {', '.join(unknown)} in pool {pool_name}")
    return [by_name[name] for name in names]


def delete_nodes(tx: Transaction, lifecycle: Lifecycle, project_id: str, pool_name: str, names: list[str]) -> None:
    require_changeable(fleet.get_pool(tx, project_id, pool_name))
    nodes = _named_nodes(tx, project_id, pool_name, names, "deleteNodeNames")
    busy = [fleet.phase_of(node) for node in nodes if fleet.phase_of(node) in ("Creating", "Deleting")]
    if busy:
        raise bad_request(f"deleteNodeNames: nodes that are {', '.join(sorted(set(busy)))} cannot be deleted")
    remaining = [n for n in fleet.nodes_of(tx, project_id, pool_name) if fleet.phase_of(n) != "Deleting"]
    if len(remaining) - len(nodes) < 1:
        raise bad_request("deleteNodeNames: at least one node must remain in the pool")
    fleet.start_removal(tx, lifecycle, project_id, pool_name, names, (POOL_KIND, pool_name), shrink=True)
    fleet.refresh_pool(tx, project_id, pool_name)


def reboot_nodes(tx: Transaction, lifecycle: Lifecycle, project_id: str, pool_name: str, names: list[str]) -> None:
    require_changeable(fleet.get_pool(tx, project_id, pool_name))
    nodes = _named_nodes(tx, project_id, pool_name, names, "nodeNames")
    unavailable = [node["metadata"]["name"] for node in nodes if fleet.phase_of(node) != "Available"]
    if unavailable:
        raise bad_request(f"nodeNames: {', '.join(unavailable)} not Available")
    fleet.set_node_phase(tx, project_id, names, "Checking")
    lifecycle.schedule(
        tx, project_id, fleet.REBOOT_DELAY_SECONDS, fleet.REBOOTED_STEP, {"pool": pool_name, "nodes": names}
    )
    fleet.refresh_pool(tx, project_id, pool_name)


# routes ----------------------------------------------------------------------------------------
router = InlineRouter()


@router.get("/v2/{project_id}/pools/{pool_name}/nodes")
def list_pool_nodes(
    pool_name: str,
    project: ModelArtsProject,
    cloud: CloudDep,
    limit: LimitQuery = None,
    continue_token: ContinueQuery = None,
) -> dict[str, Any]:
    with cloud.store.transaction() as tx:
        fleet.get_pool(tx, project.project_id, pool_name)
        nodes = fleet.nodes_of(tx, project.project_id, pool_name)
    return node_list(nodes, parse_limit(limit), continue_token)


@router.post("/v2/{project_id}/pools/{pool_name}/nodes/batch-delete")
def batch_delete(pool_name: str, project: ModelArtsProject, cloud: CloudDep, body: JsonBody) -> dict[str, Any]:
    request = parse(BatchDelete, body)
    with cloud.store.transaction() as tx:
        delete_nodes(tx, cloud.lifecycle, project.project_id, pool_name, request.delete_node_names)
    return {}  # 200 without a documented body (§10.4)


@router.post("/v2/{project_id}/pools/{pool_name}/nodes/batch-reboot")
def batch_reboot(pool_name: str, project: ModelArtsProject, cloud: CloudDep, body: JsonBody) -> dict[str, Any]:
    request = parse(BatchReboot, body)
    with cloud.store.transaction() as tx:
        reboot_nodes(tx, cloud.lifecycle, project.project_id, pool_name, request.node_names)
    return {"nodeNames": request.node_names}


@router.get("/v2/{project_id}/pools/{pool_name}/nodepools/{nodepool_name}/nodes")
def list_nodepool_nodes(
    pool_name: str,
    nodepool_name: str,
    project: ModelArtsProject,
    cloud: CloudDep,
    limit: LimitQuery = None,
    continue_token: ContinueQuery = None,
) -> dict[str, Any]:
    with cloud.store.transaction() as tx:
        fleet.get_pool(tx, project.project_id, pool_name)
        fleet.get_nodepool(tx, project.project_id, pool_name, nodepool_name)
        nodes = fleet.nodes_of(tx, project.project_id, pool_name, nodepool_name)
    return node_list(nodes, parse_limit(limit), continue_token)
