"""Jobs ("作业", tasks) of an application deployment (seed §5.5).

A job runs on the deployment's instances, or only on the one named by ``instance_id``; its counters
and per-instance ``task_status`` follow those instances' status (``Running`` counts as running,
``Pending`` as waiting, ``Failed`` as failed). The seed has no job-level state. Editing is ``POST
…/deployments/{id}/task/{task_id}`` — singular ``task``, as the seed and the SDK spell it — and
replaces the job whole. The data's free-form objects are kept as sent (the seed's examples carry an
undocumented ``template`` flag). ``data.task_id`` is answered as ``user_task_id``. Deleting a
deployment deletes its jobs. The seed lists no header for the job detail (§5.5.3); it is
authenticated like every other call.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from aicompute.localcloud.hilens import instances
from aicompute.localcloud.hilens.common import (
    JSON,
    POD_KIND,
    TASK_KIND,
    CloudDep,
    HiLensProject,
    JsonBody,
    Transaction,
    hilens_time,
    not_found,
    page,
    parse,
)
from aicompute.localcloud.hilens.deployments import get_deployment
from aicompute.localcloud.hilens.rollout import UNKNOWN, pod_status
from aicompute.localcloud.inline import InlineRouter


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class TaskInput(_Open):
    data: dict[str, Any]
    type: str = Field(min_length=1)


class TaskOutputs(_Open):
    data: dict[str, Any]
    type: str = Field(min_length=1)


class TaskStream(_Open):
    input: TaskInput
    outputs: list[TaskOutputs]
    common: dict[str, Any] | None = None


class TimeFrame(BaseModel):
    model_config = ConfigDict(extra="ignore")

    start: str
    stop: str


class StartTimeInfo(BaseModel):
    model_config = ConfigDict(extra="ignore")

    start_time: str
    frequency: str | None = None
    mode: str | None = None
    day_time_frame: list[TimeFrame] | None = None
    single_time_frame: list[TimeFrame] | None = None


class TaskSourceUsageEstimate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    cpu: float
    memory: int


class TaskData(BaseModel):
    model_config = ConfigDict(extra="ignore")

    streams: list[TaskStream] = Field(min_length=1)
    task_id: str | None = None
    start_time_info: StartTimeInfo | None = None
    source_usage_estimate: TaskSourceUsageEstimate | None = None


class TaskRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str = Field(min_length=1)
    data: TaskData
    business: str | None = None
    description: str | None = None
    instance_id: str | None = None
    timestamp: str | None = None


# backend -----------------------------------------------------------------------------------------
def _dump(model: BaseModel | None) -> JSON | None:
    return None if model is None else model.model_dump(exclude_none=True)


def _apply(tx: Transaction, project_id: str, task: JSON, body: TaskRequest) -> None:
    if body.instance_id is not None:
        pod = tx.get(POD_KIND, project_id, body.instance_id)
        if pod is None or pod["deployment_id"] != task["_deployment_id"]:
            raise not_found("instance", body.instance_id)
    task.update(
        name=body.name,
        description=body.description,
        timestamp=body.timestamp or task["timestamp"],
        streams=[stream.model_dump(exclude_none=True) for stream in body.data.streams],
        user_task_id=body.data.task_id,
        start_time_info=_dump(body.data.start_time_info),
        source_usage_estimate=_dump(body.data.source_usage_estimate),
        _business=body.business,
        _instance_id=body.instance_id,
    )


def get_task(tx: Transaction, project_id: str, deployment_id: str, task_id: str) -> JSON:
    get_deployment(tx, project_id, deployment_id)
    task = tx.get(TASK_KIND, project_id, task_id)
    if task is None or task["_deployment_id"] != deployment_id:
        raise not_found("job", task_id)
    return task


def create_task(tx: Transaction, project_id: str, deployment_id: str, body: TaskRequest) -> str:
    get_deployment(tx, project_id, deployment_id)
    now = time.time()
    task: JSON = {"task_id": uuid.uuid4().hex, "timestamp": hilens_time(now), "_deployment_id": deployment_id}
    _apply(tx, project_id, task, body)
    task["_created"] = now
    tx.put(TASK_KIND, project_id, task["task_id"], task)
    return str(task["task_id"])


def update_task(tx: Transaction, project_id: str, deployment_id: str, task_id: str, body: TaskRequest) -> None:
    task = get_task(tx, project_id, deployment_id, task_id)
    _apply(tx, project_id, task, body)
    tx.put(TASK_KIND, project_id, task_id, task)


def task_info(tx: Transaction, project_id: str, task: JSON) -> JSON:
    """TaskInfo (table 5-336), its counters read off the instances the job runs on."""
    pods = [
        pod
        for pod in instances.pods_of(tx, project_id, deployment_id=task["_deployment_id"])
        if task["_instance_id"] in (None, pod["id"])
    ]
    statuses = [pod_status(tx, project_id, pod) for pod in pods]
    return {
        "name": task["name"],
        "timestamp": task["timestamp"],
        "description": task["description"],
        "streams": task["streams"],
        "ok_pod_number": 0,  # a job never ends by itself in localcloud
        "cur_pod_number": statuses.count("Running"),
        "sum_pod_number": len(pods),
        "fail_pod_number": statuses.count("Failed"),
        "pending_pod_number": statuses.count("Pending"),
        "task_status": [_on_pod(pod, status) for pod, status in zip(pods, statuses, strict=True)],
        "task_id": task["task_id"],
        "user_task_id": task["user_task_id"],
        "start_time_info": task["start_time_info"],
        "source_usage_estimate": task["source_usage_estimate"],
    }


def _on_pod(pod: JSON, status: str) -> JSON:
    cause = pod["_failed"]["message"] if pod["_failed"] else None
    if status == UNKNOWN:
        cause = "The instance's device cannot be reached."
    return {"pod_id": pod["id"], "pod_name": pod["name"], "task_status": status, "cause": cause}


# routes ------------------------------------------------------------------------------------------
router = InlineRouter()


@router.get("/v3/{project_id}/ai-mgr/deployments/{deployment_id}/tasks")
def list_all(
    deployment_id: str, project: HiLensProject, cloud: CloudDep, offset: str | None = None, limit: str | None = None
) -> dict[str, Any]:
    window = page(offset, limit, 100, 100)
    with cloud.store.transaction() as tx:
        pid = project.project_id
        get_deployment(tx, pid, deployment_id)
        found = [task for task in tx.objects(TASK_KIND, pid) if task["_deployment_id"] == deployment_id]
        return {"count": len(found), "tasks": [task_info(tx, pid, task) for task in window.of(found)]}


@router.post("/v3/{project_id}/ai-mgr/deployments/{deployment_id}/tasks")
def create(deployment_id: str, project: HiLensProject, cloud: CloudDep, body: JsonBody) -> dict[str, Any]:
    request = parse(TaskRequest, body)
    with cloud.store.transaction() as tx:
        return {"task_id": create_task(tx, project.project_id, deployment_id, request)}


@router.get("/v3/{project_id}/ai-mgr/deployments/{deployment_id}/tasks/{task_id}")
def show(deployment_id: str, task_id: str, project: HiLensProject, cloud: CloudDep) -> dict[str, Any]:
    with cloud.store.transaction() as tx:
        return task_info(tx, project.project_id, get_task(tx, project.project_id, deployment_id, task_id))


@router.post("/v3/{project_id}/ai-mgr/deployments/{deployment_id}/task/{task_id}")
def update(deployment_id: str, task_id: str, project: HiLensProject, cloud: CloudDep, body: JsonBody) -> dict[str, Any]:
    request = parse(TaskRequest, body)
    with cloud.store.transaction() as tx:
        update_task(tx, project.project_id, deployment_id, task_id, request)
    return {"task_id": task_id}


@router.delete("/v3/{project_id}/ai-mgr/deployments/{deployment_id}/tasks/{task_id}")
def delete(deployment_id: str, task_id: str, project: HiLensProject, cloud: CloudDep) -> dict[str, Any]:
    with cloud.store.transaction() as tx:
        get_task(tx, project.project_id, deployment_id, task_id)
        tx.delete(TASK_KIND, project.project_id, task_id)
    # The seed's example answers {"task id": ...} (a typo, digest §10.16); table 5-366 names task_id.
    return {"task_id": task_id}
