"""ModelArts workspaces and their quotas (seed chapter 13, digest §8).

Plain snake_case JSON, epoch-millisecond times. Creation is synchronous (``NORMAL``, or
``CREATE_FAILED`` when a failure is armed); deletion is asynchronous (``DELETING`` → gone, or
``DELETE_FAILED``). The default workspace ``"0"``/``default`` always exists and cannot be changed
or deleted (``ModelArts.3566``). A workspace that does not exist is a 400 ``ModelArts.7005`` (the
real service's answer, digest §8.3), not a 404.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from aicompute.localcloud.directives import take_failure
from aicompute.localcloud.inline import InlineRouter
from aicompute.localcloud.lifecycle import step
from aicompute.localcloud.modelarts.common import (
    CloudDep,
    ModelArtsProject,
    PlatformError,
    Transaction,
    epoch_ms,
    modelarts_error,
)
from aicompute.localcloud.modelarts.kube import (
    JSON,
    WORKSPACE_KIND,
    JsonBody,
    consume_failure,
    parse,
    public,
)
from aicompute.localcloud.modelarts.paging import paginate
from aicompute.localcloud.store import Project

DEFAULT_WORKSPACE_ID = "0"
DEFAULT_WORKSPACE_NAME = "default"
WORKSPACE_LIMIT = 100
DELETE_DELAY_SECONDS = 5.0
DELETED_STEP = "modelarts.workspace.deleted"
# 4-64 characters: Chinese, letters, digits, '-' and '_' (seed table 13-30).
NAME_PATTERN = r"^[\u4e00-\u9fa5A-Za-z0-9_-]{4,64}$"


def parameter_error(detail: str) -> PlatformError:
    return modelarts_error(400, "ModelArts.0104", f"Parameter error. {detail}")


def not_existed(workspace_id: str) -> PlatformError:
    return modelarts_error(400, "ModelArts.7005", f"workspace: {workspace_id} not existed")


def default_is_read_only() -> PlatformError:
    return modelarts_error(400, "ModelArts.3566", "Forbidden to modify the default workspace.")


def abnormal(workspace_id: str, action: str) -> PlatformError:
    return modelarts_error(
        400,
        "ModelArts.7004",
        f"the status of workspace: {workspace_id} is abnormal, can not execute [action: {action}]",
    )


# request models --------------------------------------------------------------------------------
class Grant(BaseModel):
    # The SDK's grant also carries user_type; it is accepted and ignored.
    model_config = ConfigDict(extra="ignore")

    user_id: str | None = None
    user_name: str | None = None

    @model_validator(mode="after")
    def _one_of(self) -> Grant:
        if not self.user_id and not self.user_name:
            raise ValueError("a grant needs user_id or user_name")
        return self

    def to_api(self) -> JSON:
        return {key: value for key, value in self.model_dump().items() if value}


AuthType = Literal["PUBLIC", "PRIVATE", "INTERNAL"]


def _upper(value: Any) -> Any:
    # The seed's examples send and return lowercase "internal"/"public" (digest §12.17).
    return value.upper() if isinstance(value, str) else value


def _not_default_name(name: str | None) -> str | None:
    if name == DEFAULT_WORKSPACE_NAME:
        raise ValueError("'default' is reserved for the default workspace")
    return name


class WorkspaceCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str = Field(pattern=NAME_PATTERN)
    description: str = Field(default="", max_length=256)
    enterprise_project_id: str = Field(default="0", min_length=1)
    auth_type: AuthType = "PUBLIC"
    grants: list[Grant] = Field(default_factory=list)

    _auth_upper = field_validator("auth_type", mode="before")(_upper)
    _not_reserved = field_validator("name")(_not_default_name)


class WorkspaceUpdate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str | None = Field(default=None, pattern=NAME_PATTERN)
    description: str | None = Field(default=None, max_length=256)
    auth_type: AuthType | None = None
    grants: list[Grant] | None = None

    _auth_upper = field_validator("auth_type", mode="before")(_upper)
    _not_reserved = field_validator("name")(_not_default_name)


class QuotaChange(BaseModel):
    resource: str = Field(min_length=1)
    quota: int


class QuotasUpdate(BaseModel):
    quotas: list[QuotaChange] = Field(min_length=1)


class WorkspaceQuery(BaseModel):
    offset: int = Field(default=0, ge=0)
    limit: int = Field(default=1000, ge=1)
    sort_by: Literal["name", "update_time", "status"] = "name"
    order: Literal["asc", "desc"] = "desc"
    enterprise_project_id: str | None = None
    name: str | None = None
    filter_accessible: bool = False


# backend ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class QuotaResource:
    resource: str
    name_cn: str
    unit_cn: str
    name_en: str
    unit_en: str
    min_quota: int = -1
    max_quota: int = 60000


WORKSPACE_QUOTAS: tuple[QuotaResource, ...] = (
    QuotaResource(
        "exemlProject.gpu_duration",
        "自动学习（图像分类、物体检测、声音分类）训练时长",
        "分钟",
        "ExeML training duration (image classification, object detection, and sound classification)",
        "minute",
    ),
    QuotaResource(
        "exemlProject.cpu_duration",
        "自动学习（预测分析）训练时长",
        "分钟",
        "ExeML training duration (predictive analytics)",
        "minute",
    ),
    QuotaResource("trainJob.gpu_duration", "训练作业GPU时长", "分钟", "Training job GPU duration", "minute"),
    QuotaResource("notebook.duration", "Notebook运行时长", "分钟", "Notebook running duration", "minute"),
    QuotaResource(
        "service.instance_count", "在线服务实例数", "个", "Real-time service instances", "count", max_quota=1000
    ),
)
_QUOTAS_BY_RESOURCE = {quota.resource: quota for quota in WORKSPACE_QUOTAS}


def _enterprise_project_name(enterprise_project_id: str) -> str:
    return "default" if enterprise_project_id == "0" else f"eps-{enterprise_project_id[:8]}"


def _new_workspace(project: Project, workspace_id: str, body: WorkspaceCreate) -> JSON:
    now = epoch_ms()
    return {
        "id": workspace_id,
        "name": body.name,
        "description": body.description,
        "owner": project.user_name,
        "enterprise_project_id": body.enterprise_project_id,
        "enterprise_project_name": _enterprise_project_name(body.enterprise_project_id),
        "auth_type": body.auth_type,
        "grants": [grant.to_api() for grant in body.grants],
        "create_time": now,
        "update_time": now,
        "status": "NORMAL",
        "status_info": "",
        "_quotas": {},
        "_op": 0,
    }


def ensure_default_workspace(tx: Transaction, project: Project) -> None:
    """The default workspace exists from the project's first use on."""
    if tx.get(WORKSPACE_KIND, project.project_id, DEFAULT_WORKSPACE_ID) is None:
        body = WorkspaceCreate.model_construct(
            name=DEFAULT_WORKSPACE_NAME, description="", enterprise_project_id="0", auth_type="PUBLIC", grants=[]
        )
        workspace = _new_workspace(project, DEFAULT_WORKSPACE_ID, body)
        tx.put(WORKSPACE_KIND, project.project_id, DEFAULT_WORKSPACE_ID, workspace)


def get_workspace(tx: Transaction, project: Project, workspace_id: str) -> JSON:
    ensure_default_workspace(tx, project)
    workspace = tx.get(WORKSPACE_KIND, project.project_id, workspace_id)
    if workspace is None:
        raise not_existed(workspace_id)
    return workspace


def require_usable_workspace(tx: Transaction, project: Project, workspace_id: str, action: str) -> None:
    """Networks and pools are created only in an existing, ``NORMAL`` workspace (digest §8.5)."""
    workspace = get_workspace(tx, project, workspace_id)
    if workspace["status"] != "NORMAL":
        raise abnormal(workspace_id, action)


def _check_name_free(tx: Transaction, project: Project, name: str, own_id: str | None = None) -> None:
    # Undocumented; a duplicate name is refused like any bad parameter (digest §8.2, a guess).
    for workspace in tx.objects(WORKSPACE_KIND, project.project_id):
        if workspace["name"] == name and workspace["id"] != own_id:
            raise parameter_error(f"name: a workspace named {name!r} already exists")


def create_workspace(tx: Transaction, project: Project, body: WorkspaceCreate) -> JSON:
    ensure_default_workspace(tx, project)
    count = len(tx.object_ids(WORKSPACE_KIND, project.project_id)) - 1
    if count >= WORKSPACE_LIMIT:
        raise modelarts_error(400, "ModelArts.7006", f"workspace number over limit, limit: {WORKSPACE_LIMIT}")
    _check_name_free(tx, project, body.name)
    workspace_id = uuid.uuid4().hex
    workspace = _new_workspace(project, workspace_id, body)
    # Creation is synchronous (the seed's create example answers NORMAL), so an armed failure shows at once.
    failure = take_failure(tx, project.project_id, WORKSPACE_KIND, "*")
    if failure is not None:
        workspace.update(status="CREATE_FAILED", status_info=str(failure))
    tx.put(WORKSPACE_KIND, project.project_id, workspace_id, workspace)
    return workspace


def update_workspace(tx: Transaction, project: Project, workspace_id: str, body: WorkspaceUpdate) -> None:
    if workspace_id == DEFAULT_WORKSPACE_ID:
        raise default_is_read_only()
    workspace = get_workspace(tx, project, workspace_id)
    if workspace["status"] != "NORMAL":
        raise abnormal(workspace_id, "update")
    if body.name is not None:
        _check_name_free(tx, project, body.name, own_id=workspace_id)
        workspace["name"] = body.name
    if body.description is not None:
        workspace["description"] = body.description
    if body.auth_type is not None:
        workspace["auth_type"] = body.auth_type
    if body.grants is not None:
        workspace["grants"] = [grant.to_api() for grant in body.grants]
    workspace["update_time"] = epoch_ms()
    tx.put(WORKSPACE_KIND, project.project_id, workspace_id, workspace)


def start_deleting(tx: Transaction, project: Project, workspace_id: str) -> int | None:
    """Mark the workspace ``DELETING``: the new operation number, or None when it already was."""
    if workspace_id == DEFAULT_WORKSPACE_ID:
        raise default_is_read_only()
    workspace = get_workspace(tx, project, workspace_id)
    if workspace["status"] == "DELETING":
        return None
    op = int(workspace["_op"]) + 1
    workspace.update(status="DELETING", status_info="", update_time=epoch_ms(), _op=op)
    tx.put(WORKSPACE_KIND, project.project_id, workspace_id, workspace)
    return op


@step(DELETED_STEP)
def _finish_deleting(tx: Transaction, project_id: str, args: dict[str, Any]) -> None:
    workspace = tx.get(WORKSPACE_KIND, project_id, args["id"])
    if workspace is None or workspace["status"] != "DELETING" or workspace["_op"] != args["op"]:
        return
    failure = consume_failure(tx, project_id, WORKSPACE_KIND, args["id"])
    if failure is None:
        tx.delete(WORKSPACE_KIND, project_id, args["id"])
        return
    workspace = tx.get(WORKSPACE_KIND, project_id, args["id"]) or workspace
    workspace.update(status="DELETE_FAILED", status_info=failure, update_time=epoch_ms())
    tx.put(WORKSPACE_KIND, project_id, args["id"], workspace)


def list_workspaces(tx: Transaction, project: Project, query: WorkspaceQuery) -> JSON:
    ensure_default_workspace(tx, project)
    found = [
        workspace
        for workspace in tx.objects(WORKSPACE_KIND, project.project_id)
        if (query.name is None or query.name.lower() in workspace["name"].lower())
        and query.enterprise_project_id in (None, workspace["enterprise_project_id"])
    ]
    found.sort(key=lambda workspace: workspace[query.sort_by], reverse=query.order == "desc")
    page = paginate(found, query.offset, query.limit, offset_is_page=True)
    return {
        "total_count": len(found),
        "count": len(page),
        "workspaces": [{k: v for k, v in public(workspace).items() if k != "grants"} for workspace in page],
    }


def quota_view(workspace: JSON, quota: QuotaResource, with_usage: bool) -> JSON:
    stored = workspace["_quotas"].get(quota.resource, {})
    value = int(stored.get("quota", -1))
    view: JSON = {
        "max_quota": quota.max_quota,
        "update_time": int(stored.get("update_time", workspace["create_time"])),
        "resource": quota.resource,
        "quota": value,
        "min_quota": quota.min_quota,
        "name_cn": quota.name_cn,
        "unit_cn": quota.unit_cn,
        "name_en": quota.name_en,
        "unit_en": quota.unit_en,
    }
    if with_usage:
        # Nothing in localcloud consumes these quotas; -1 (unlimited) reports null (table 13-16).
        view["used_quota"] = None if value == -1 else 0
    return view


def update_quotas(tx: Transaction, project: Project, workspace_id: str, body: QuotasUpdate) -> list[JSON]:
    workspace = get_workspace(tx, project, workspace_id)
    if workspace["status"] != "NORMAL":
        raise abnormal(workspace_id, "updateQuotas")
    changed = []
    for change in body.quotas:
        quota = _QUOTAS_BY_RESOURCE.get(change.resource)
        if quota is None:
            raise modelarts_error(400, "ModelArts.0101", f"Invalid Argument. unknown quota resource {change.resource}")
        in_range = change.quota == -1 or (change.quota > 0 and quota.min_quota <= change.quota <= quota.max_quota)
        if not in_range:
            raise modelarts_error(
                400,
                "ModelArts.0107",
                f"The values of the request parameters ({change.resource},{change.quota}) are invalid. "
                f"A quota is -1 or a positive integer up to {quota.max_quota}.",
            )
        workspace["_quotas"][change.resource] = {"quota": change.quota, "update_time": epoch_ms()}
        changed.append(quota)
    tx.put(WORKSPACE_KIND, project.project_id, workspace_id, workspace)
    # The seed's PUT example answers only the changed resources (table 13-22).
    return [quota_view(workspace, quota, with_usage=False) for quota in changed]


# routes ----------------------------------------------------------------------------------------
router = InlineRouter()


@router.post("/v1/{project_id}/workspaces")
def create(project: ModelArtsProject, cloud: CloudDep, body: JsonBody) -> dict[str, Any]:
    request = parse(WorkspaceCreate, body, parameter_error)
    with cloud.store.transaction() as tx:
        return public(create_workspace(tx, project, request))


@router.get("/v1/{project_id}/workspaces")
def list_all(
    project: ModelArtsProject,
    cloud: CloudDep,
    offset: str | None = None,
    limit: str | None = None,
    sort_by: str | None = None,
    order: str | None = None,
    enterprise_project_id: str | None = None,
    name: str | None = None,
    filter_accessible: str | None = None,
) -> dict[str, Any]:
    # Every caller here owns all of the project's workspaces, so filter_accessible hides nothing;
    # offset is the start page (table 13-24: "分页列表的起始页"), as for models and services.
    given = {
        "offset": offset,
        "limit": limit,
        "sort_by": sort_by,
        "order": order,
        "enterprise_project_id": enterprise_project_id,
        "name": name,
        "filter_accessible": filter_accessible,
    }
    query = parse(WorkspaceQuery, {key: value for key, value in given.items() if value}, parameter_error)
    with cloud.store.transaction() as tx:
        return list_workspaces(tx, project, query)


@router.get("/v1/{project_id}/workspaces/{workspace_id}")
def show(workspace_id: str, project: ModelArtsProject, cloud: CloudDep) -> dict[str, Any]:
    with cloud.store.transaction() as tx:
        return public(get_workspace(tx, project, workspace_id))


@router.put("/v1/{project_id}/workspaces/{workspace_id}")
def update(workspace_id: str, project: ModelArtsProject, cloud: CloudDep, body: JsonBody) -> dict[str, Any]:
    request = parse(WorkspaceUpdate, body or {}, parameter_error)
    with cloud.store.transaction() as tx:
        update_workspace(tx, project, workspace_id, request)
    return {"workspace_id": workspace_id}


@router.delete("/v1/{project_id}/workspaces/{workspace_id}")
def delete(workspace_id: str, project: ModelArtsProject, cloud: CloudDep) -> dict[str, Any]:
    with cloud.store.transaction() as tx:
        op = start_deleting(tx, project, workspace_id)
        if op is not None:
            args = {"id": workspace_id, "op": op}
            cloud.lifecycle.schedule(tx, project.project_id, DELETE_DELAY_SECONDS, DELETED_STEP, args)
    return {"workspace_id": workspace_id}


@router.get("/v1/{project_id}/workspaces/{workspace_id}/quotas")
def show_quotas(workspace_id: str, project: ModelArtsProject, cloud: CloudDep) -> dict[str, Any]:
    with cloud.store.transaction() as tx:
        workspace = get_workspace(tx, project, workspace_id)
    return {"quotas": [quota_view(workspace, quota, with_usage=True) for quota in WORKSPACE_QUOTAS]}


@router.put("/v1/{project_id}/workspaces/{workspace_id}/quotas")
def update_quota_values(
    workspace_id: str, project: ModelArtsProject, cloud: CloudDep, body: JsonBody
) -> dict[str, Any]:
    request = parse(QuotasUpdate, body, parameter_error)
    with cloud.store.transaction() as tx:
        return {"quotas": update_quotas(tx, project, workspace_id, request)}
