"""Routes of the resource pool APIs (seed §10.13–10.17); the backend is ``pools``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Header, Query

from aicompute.localcloud.inline import InlineRouter
from aicompute.localcloud.modelarts import fleet, pools
from aicompute.localcloud.modelarts.common import CloudDep, ModelArtsProject
from aicompute.localcloud.modelarts.kube import JsonBody, LabelSelectorQuery, MergePatch, parse, public
from aicompute.localcloud.modelarts.pool_models import PoolCreate

router = InlineRouter()

# "X-ModelArts-User-ID": the real external tenant, used for workspace authorisation (table 10-128).
# Every caller of a localcloud project owns its workspaces, so it is accepted and not needed.
UserIdHeader = Annotated[str | None, Header(alias="X-ModelArts-User-ID")]


@router.post("/v2/{project_id}/pools")
def create(project: ModelArtsProject, cloud: CloudDep, body: JsonBody, user_id: UserIdHeader = None) -> dict[str, Any]:
    request = parse(PoolCreate, body)
    with cloud.store.transaction() as tx:
        return public(pools.create_pool(tx, cloud.lifecycle, project, request))


@router.get("/v2/{project_id}/pools")
def list_all(
    project: ModelArtsProject,
    cloud: CloudDep,
    workspace_id: Annotated[str | None, Query(alias="workspaceId")] = None,
    label_selector: LabelSelectorQuery = None,
    status: str | None = None,
) -> dict[str, Any]:
    # Without workspaceId every workspace's pools are listed: the seed's default ("0" until
    # workspaces are used, table 10-153) would hide pools of other workspaces from drift checks.
    with cloud.store.transaction() as tx:
        return pools.list_pools(tx, project.project_id, workspace_id, label_selector, status)


@router.get("/v2/{project_id}/pools/{pool_name}")
def show(pool_name: str, project: ModelArtsProject, cloud: CloudDep, user_id: UserIdHeader = None) -> dict[str, Any]:
    with cloud.store.transaction() as tx:
        return public(fleet.get_pool(tx, project.project_id, pool_name))


@router.patch("/v2/{project_id}/pools/{pool_name}")
def update(
    pool_name: str, project: ModelArtsProject, cloud: CloudDep, patch: MergePatch, user_id: UserIdHeader = None
) -> dict[str, Any]:
    with cloud.store.transaction() as tx:
        return public(pools.patch_pool(tx, cloud.lifecycle, project, pool_name, patch))


@router.delete("/v2/{project_id}/pools/{pool_name}")
def delete(pool_name: str, project: ModelArtsProject, cloud: CloudDep, user_id: UserIdHeader = None) -> dict[str, Any]:
    with cloud.store.transaction() as tx:
        return public(pools.delete_pool(tx, cloud.lifecycle, project.project_id, pool_name))
