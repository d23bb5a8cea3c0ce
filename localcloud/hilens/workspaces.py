"""HiLens workspaces (seed §5.8).

Devices, configmaps and secrets live in a workspace; the main account's default workspace ``"0"``
(name ``default``) always exists and cannot be deleted. Names are unique (seed §5.8.2, answered 409
``HIL.0011``), only the description can be changed (§5.8.4), and a workspace that still holds
resources cannot be deleted (§5.8.5: "如果该工作空间下仍有资源，则删除会失败"): 409 ``HIL.0011``
naming what is left. Creation and deletion are synchronous; the create answer is only the id.
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from aicompute.localcloud.hilens.common import (
    CONFIGMAP_KIND,
    DEFAULT_WORKSPACE_ID,
    DEVICE_KIND,
    JSON,
    SECRET_KIND,
    WORKSPACE_KIND,
    CloudDep,
    HiLensProject,
    JsonBody,
    Project,
    Transaction,
    bad_request,
    conflict,
    epoch_ms,
    not_found,
    page,
    parse,
    public,
)
from aicompute.localcloud.inline import InlineRouter

WORKSPACE_NAME = r"^[\u4e00-\u9fa5A-Za-z0-9_-]{1,64}$"
# What a workspace can hold, and how a refusal names it.
_HOLDERS = ((DEVICE_KIND, "device"), (CONFIGMAP_KIND, "configmap"), (SECRET_KIND, "secret"))


def user_id(project: Project) -> str:
    """The IAM user id of the project's user (stable; localcloud has one user per project)."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"localcloud:{project.user_name}").hex


class WorkspaceCreate(BaseModel):
    # The seed's example sends enterprise_project_id as the integer 0 (digest §10.15).
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)

    name: str = Field(pattern=WORKSPACE_NAME)
    # Required by table 5-442, which also gives their defaults ("默认为0", "默认为default").
    enterprise_project_id: str = Field(default="0", min_length=1)
    enterprise_project_name: str = Field(default="default", min_length=1)
    description: str | None = Field(default=None, max_length=255)


class WorkspaceUpdate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    description: str = Field(max_length=255)


# backend ---------------------------------------------------------------------------------------
def _new_workspace(project: Project, workspace_id: str, body: WorkspaceCreate) -> JSON:
    now = epoch_ms()
    return {
        "workspace_id": workspace_id,
        "ma_workspace_id": None,
        "project_id": project.project_id,
        "name": body.name,
        "description": body.description,
        "enterprise_project_id": body.enterprise_project_id,
        "enterprise_project_name": body.enterprise_project_name,
        "create_time": now,
        "update_time": now,
        "owner": project.user_name,
        "user_id": user_id(project),
        "used_flag": None,
    }


def ensure_default_workspace(tx: Transaction, project: Project) -> JSON:
    """The project's default workspace, made on first use."""
    default = tx.get(WORKSPACE_KIND, project.project_id, DEFAULT_WORKSPACE_ID)
    if default is None:
        default = _new_workspace(project, "0", WorkspaceCreate(name="default"))
        tx.put(WORKSPACE_KIND, project.project_id, DEFAULT_WORKSPACE_ID, default)
    return default


def get_workspace(tx: Transaction, project: Project, workspace_id: str) -> JSON:
    default = ensure_default_workspace(tx, project)
    if workspace_id == DEFAULT_WORKSPACE_ID:
        return default
    workspace = tx.get(WORKSPACE_KIND, project.project_id, workspace_id)
    if workspace is None:
        raise not_found("workspace", workspace_id)
    return workspace


def require_workspace(tx: Transaction, project: Project, workspace_id: str | None) -> str:
    """The workspace a new device, configmap or secret goes into (the default one when not given)."""
    chosen = workspace_id or DEFAULT_WORKSPACE_ID
    get_workspace(tx, project, chosen)
    return chosen


def create_workspace(tx: Transaction, project: Project, body: WorkspaceCreate) -> str:
    ensure_default_workspace(tx, project)
    if any(ws["name"] == body.name for ws in tx.objects(WORKSPACE_KIND, project.project_id)):
        raise conflict(f"A workspace named {body.name!r} already exists.")
    workspace_id = uuid.uuid4().hex
    tx.put(WORKSPACE_KIND, project.project_id, workspace_id, _new_workspace(project, workspace_id, body))
    return workspace_id


def update_workspace(tx: Transaction, project: Project, workspace_id: str, body: WorkspaceUpdate) -> None:
    workspace = get_workspace(tx, project, workspace_id)
    workspace.update(description=body.description, update_time=epoch_ms())
    tx.put(WORKSPACE_KIND, project.project_id, workspace_id, workspace)


def _contents(tx: Transaction, project_id: str, workspace_id: str) -> list[str]:
    return [
        f"{label} {obj['id']}"
        for kind, label in _HOLDERS
        for obj in tx.objects(kind, project_id)
        if obj["_workspace_id"] == workspace_id
    ]


def delete_workspace(tx: Transaction, project: Project, workspace_id: str) -> None:
    get_workspace(tx, project, workspace_id)
    if workspace_id == DEFAULT_WORKSPACE_ID:
        raise bad_request("workspace_id: the default workspace cannot be deleted")
    contents = _contents(tx, project.project_id, workspace_id)
    if contents:
        raise conflict(f"The workspace {workspace_id} still holds resources: {', '.join(contents)}.")
    tx.delete(WORKSPACE_KIND, project.project_id, workspace_id)


def list_workspaces(tx: Transaction, project: Project, iam_user_id: str | None) -> list[JSON]:
    ensure_default_workspace(tx, project)
    return [ws for ws in tx.objects(WORKSPACE_KIND, project.project_id) if iam_user_id in (None, "", ws["user_id"])]


# routes ----------------------------------------------------------------------------------------
router = InlineRouter()


@router.get("/v3/{project_id}/ai-mgr/workspaces")
def list_all(
    project: HiLensProject,
    cloud: CloudDep,
    iam_user_id: str | None = None,
    offset: str | None = None,
    limit: str | None = None,
) -> dict[str, Any]:
    window = page(offset, limit, 100, 100)
    with cloud.store.transaction() as tx:
        found = list_workspaces(tx, project, iam_user_id)
    return {"count": len(found), "workspaces": [public(ws) for ws in window.of(found)]}


@router.post("/v3/{project_id}/ai-mgr/workspaces")
def create(project: HiLensProject, cloud: CloudDep, body: JsonBody) -> dict[str, Any]:
    request = parse(WorkspaceCreate, body)
    with cloud.store.transaction() as tx:
        return {"workspace_id": create_workspace(tx, project, request)}


@router.get("/v3/{project_id}/ai-mgr/workspaces/{workspace_id}")
def show(workspace_id: str, project: HiLensProject, cloud: CloudDep) -> dict[str, Any]:
    with cloud.store.transaction() as tx:
        return public(get_workspace(tx, project, workspace_id))


@router.put("/v3/{project_id}/ai-mgr/workspaces/{workspace_id}")
def update(workspace_id: str, project: HiLensProject, cloud: CloudDep, body: JsonBody) -> dict[str, Any]:
    request = parse(WorkspaceUpdate, body)
    with cloud.store.transaction() as tx:
        update_workspace(tx, project, workspace_id, request)
    return {"workspace_id": workspace_id}


@router.delete("/v3/{project_id}/ai-mgr/workspaces/{workspace_id}")
def delete(workspace_id: str, project: HiLensProject, cloud: CloudDep) -> dict[str, Any]:
    with cloud.store.transaction() as tx:
        delete_workspace(tx, project, workspace_id)
    return {"workspace_id": workspace_id}
