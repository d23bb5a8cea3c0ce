"""Application instances (pods): list, delete one, pause or resume one (seed §5.3.7–5.3.9).

Deleting an instance takes its device out of the deployment (the seed has no other way to shrink
one, digest §8.5.10); a deployment keeps at least one instance ("部署的节点数，最小为1"), so the last
one is a 409 — delete the deployment instead. ``pause`` stops an instance (it reads ``Pending``,
"挂起") and ``resume`` starts it again. The list filters by the devices' workspace, the default one
when none is given (table 5-244).
"""

from __future__ import annotations

from typing import Any

from aicompute.localcloud.hilens import instances
from aicompute.localcloud.hilens.common import (
    DEFAULT_WORKSPACE_ID,
    DEVICE_KIND,
    JSON,
    POD_KIND,
    CloudDep,
    HiLensProject,
    Transaction,
    bad_request,
    bool_param,
    conflict,
    deployment_errors,
    hilens_time,
    not_found,
    page,
    provider_param,
)
from aicompute.localcloud.hilens.deployments import get_deployment
from aicompute.localcloud.hilens.rollout import pod_view, settle
from aicompute.localcloud.inline import InlineRouter

router = InlineRouter()


def _pod_of(tx: Transaction, project_id: str, deployment_id: str, pod_id: str) -> JSON:
    get_deployment(tx, project_id, deployment_id)
    pod = tx.get(POD_KIND, project_id, pod_id)
    if pod is None or pod["deployment_id"] != deployment_id:
        raise not_found("instance", pod_id)
    return pod


def _in_workspace(tx: Transaction, project_id: str, pod: JSON, workspace_id: str) -> bool:
    device = tx.get(DEVICE_KIND, project_id, pod["node_id"])
    return device is not None and device["_workspace_id"] == workspace_id


@router.get("/v3/{project_id}/ai-mgr/pods")
def list_all(
    project: HiLensProject,
    cloud: CloudDep,
    cluster_id: str | None = None,
    node_id: str | None = None,
    provider: str | None = None,
    deployment_id: str | None = None,
    workspace_id: str | None = None,
    offset: str | None = None,
    limit: str | None = None,
) -> dict[str, Any]:
    if cluster_id and node_id:
        raise bad_request("cluster_id and node_id cannot be given together")
    window = page(offset, limit, 100, 100)
    chosen = provider_param(provider, None)
    workspace = workspace_id or DEFAULT_WORKSPACE_ID
    with cloud.store.transaction() as tx:
        pid = project.project_id
        found = [
            pod
            for pod in instances.pods_of(tx, pid, deployment_id or None, node_id or None)
            if chosen in (None, pod["id"].split("-", 1)[0])
            and (not cluster_id or pod["cluster_id"] == cluster_id)
            and _in_workspace(tx, pid, pod, workspace)
        ]
        found.reverse()  # newest first
        return {"count": len(found), "pods": [pod_view(tx, pid, pod) for pod in window.of(found)]}


@router.delete("/v3/{project_id}/ai-mgr/deployments/{deployment_id}/{pod_id}")
def delete(
    deployment_id: str, pod_id: str, project: HiLensProject, cloud: CloudDep, force_delete: str | None = None
) -> dict[str, Any]:
    with deployment_errors():
        bool_param("force_delete", force_delete)  # an instance is always removed at once
        with cloud.store.transaction() as tx:
            pid = project.project_id
            pod = _pod_of(tx, pid, deployment_id, pod_id)
            if len(instances.pods_of(tx, pid, deployment_id=deployment_id)) == 1:
                raise conflict(f"{pod_id} is the deployment's last instance; delete the deployment instead.")
            instances.remove_pods(tx, pid, [pod])
            settle(tx, pid, deployment_id)
    return {"pod_id": pod_id}


@router.post("/v3/{project_id}/ai-mgr/deployments/{deployment_id}/{pod_id}/action/{action}")
def pause_or_resume(
    deployment_id: str, pod_id: str, action: str, project: HiLensProject, cloud: CloudDep
) -> dict[str, Any]:
    with deployment_errors():
        if action not in ("pause", "resume"):
            raise bad_request(f"action: must be pause or resume, not {action!r}")
        with cloud.store.transaction() as tx:
            pid = project.project_id
            pod = _pod_of(tx, pid, deployment_id, pod_id)
            pod.update(_paused=action == "pause", updated_at=hilens_time())
            tx.put(POD_KIND, pid, pod_id, pod)
            settle(tx, pid, deployment_id)
    return {"pod_id": pod_id}
