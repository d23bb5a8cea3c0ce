"""Routes of the application-deployment APIs (seed §5.3.1–5.3.6 and 5.3.10).

Every error here is in the deployments' own ``{request_id, error_code, error_message}`` shape
(``deployment_errors``). ``X-Expired-Time`` (minutes, 1–86400) is read on create, PUT and DELETE as
the seed lists it (table 5-88); PATCH and batch deploy do not take it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Header

from aicompute.localcloud.hilens import deployments
from aicompute.localcloud.hilens.common import (
    DEPLOYMENT_KIND,
    CloudDep,
    HiLensProject,
    JsonBody,
    bad_request,
    bool_param,
    deployment_errors,
    fuzzy,
    page,
    parse,
    provider_param,
    query_int,
    sort_param,
)
from aicompute.localcloud.hilens.deployment_models import (
    DeploymentAddNodes,
    DeploymentCreate,
    DeploymentPatch,
    DeploymentUpdate,
)
from aicompute.localcloud.hilens.instances import deployment_ids_on
from aicompute.localcloud.inline import InlineRouter

ExpiredTime = Annotated[str | None, Header(alias="X-Expired-Time")]
router = InlineRouter()


def _expires(value: str | None) -> int | None:
    return None if value is None else query_int("X-Expired-Time", value, 0, 1, 86400)


def _exclusive(cluster_id: str | None, node_id: str | None) -> None:
    if cluster_id and node_id:
        raise bad_request("cluster_id and node_id cannot be given together")


@router.get("/v3/{project_id}/ai-mgr/deployments")
def list_all(
    project: HiLensProject,
    cloud: CloudDep,
    cluster_id: str | None = None,
    node_id: str | None = None,
    provider: str | None = None,
    name: str | None = None,
    sort: str | None = None,
    limit: str | None = None,
    offset: str | None = None,
) -> dict[str, Any]:
    with deployment_errors():
        _exclusive(cluster_id, node_id)
        window = page(offset, limit, 10, 100)
        chosen = provider_param(provider, None)
        _, descending = sort_param(sort, ("created_at",), "created_at:desc")
        with cloud.store.transaction() as tx:
            pid = project.project_id
            on_node = set(deployment_ids_on(tx, pid, node_id)) if node_id else None
            found = [
                deployment
                for deployment in tx.objects(DEPLOYMENT_KIND, pid)
                if chosen in (None, deployment["_provider"])
                and fuzzy(name, deployment["name"])
                and (on_node is None or deployment["id"] in on_node)
                and (not cluster_id or deployment["cluster_id"] == cluster_id)
            ]
            found.sort(key=lambda deployment: deployment["_created"], reverse=descending)
            views = [deployments.deployment_view(tx, pid, deployment) for deployment in window.of(found)]
    return {"count": len(found), "deployments": views}


@router.post("/v3/{project_id}/ai-mgr/deployments")
def create(
    project: HiLensProject,
    cloud: CloudDep,
    body: JsonBody,
    expired_time: ExpiredTime = None,
    provider: str | None = None,
) -> dict[str, Any]:
    with deployment_errors():
        request = parse(DeploymentCreate, body)
        expires = _expires(expired_time)
        chosen = provider_param(provider, "hilens") or "hilens"
        with cloud.store.transaction() as tx:
            deployment = deployments.create_deployment(tx, cloud.lifecycle, project, chosen, request, expires)
            return deployments.deployment_view(tx, project.project_id, deployment)


@router.get("/v3/{project_id}/ai-mgr/deployments/{deployment_id}")
def show(deployment_id: str, project: HiLensProject, cloud: CloudDep, provider: str | None = None) -> dict[str, Any]:
    with deployment_errors():
        chosen = provider_param(provider, None)
        with cloud.store.transaction() as tx:
            deployment = deployments.get_deployment(tx, project.project_id, deployment_id, chosen)
            return deployments.deployment_view(tx, project.project_id, deployment)


@router.put("/v3/{project_id}/ai-mgr/deployments/{deployment_id}")
def update(
    deployment_id: str,
    project: HiLensProject,
    cloud: CloudDep,
    body: JsonBody,
    expired_time: ExpiredTime = None,
    provider: str | None = None,
) -> dict[str, Any]:
    with deployment_errors():
        request = parse(DeploymentUpdate, body)
        expires = _expires(expired_time)
        chosen = provider_param(provider, None)
        with cloud.store.transaction() as tx:
            pid = project.project_id
            deployment = deployments.update_deployment(
                tx, cloud.lifecycle, pid, deployment_id, chosen, request, expires
            )
            return deployments.deployment_view(tx, pid, deployment)


@router.patch("/v3/{project_id}/ai-mgr/deployments/{deployment_id}")
def patch(deployment_id: str, project: HiLensProject, cloud: CloudDep, body: JsonBody) -> dict[str, Any]:
    with deployment_errors():
        request = parse(DeploymentPatch, body)
        with cloud.store.transaction() as tx:
            pid = project.project_id
            deployment = deployments.patch_deployment(tx, cloud.lifecycle, pid, deployment_id, request)
            return deployments.deployment_view(tx, pid, deployment)


@router.delete("/v3/{project_id}/ai-mgr/deployments/{deployment_id}")
def delete(
    deployment_id: str,
    project: HiLensProject,
    cloud: CloudDep,
    expired_time: ExpiredTime = None,
    force_delete: str | None = None,
    provider: str | None = None,
) -> dict[str, Any]:
    with deployment_errors():
        _expires(expired_time)  # validated; deletion does not wait for offline devices
        force = bool_param("force_delete", force_delete)
        chosen = provider_param(provider, None)
        with cloud.store.transaction() as tx:
            deployments.delete_deployment(tx, cloud.lifecycle, project.project_id, deployment_id, chosen, force)
    return {"deployment_id": deployment_id}


@router.put("/v3/{project_id}/ai-mgr/deployments/{deployment_id}/nodes")
def add_nodes(
    deployment_id: str, project: HiLensProject, cloud: CloudDep, body: JsonBody, provider: str | None = None
) -> dict[str, Any]:
    with deployment_errors():
        request = parse(DeploymentAddNodes, body)
        chosen = provider_param(provider, None)
        with cloud.store.transaction() as tx:
            pid = project.project_id
            deployment = deployments.add_nodes(tx, cloud.lifecycle, pid, deployment_id, chosen, request)
            return deployments.deployment_view(tx, pid, deployment)
