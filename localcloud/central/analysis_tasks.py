"""Analysis tasks on the analysis platform (seed appendix G; digest §11, §14.8).

A task analyses one video stream with one algorithm service. Create (G.2) is an upsert: a task for
a stream (``streamOptions.videoStreamOptions.url``) that already has one on the same service
replaces that task's settings and is answered in ``updatedStreams`` (the example's spelling; the
table's ``updateStreams``), a new one in ``createdStreams`` (digest §11.1). The service must exist
(code 404). ``destinations`` may be the table's ``HTTPDest`` or the example's ``eventDest``.

Status (G.9): ``PENDING`` until the service is ``runing``, then ``RUNNING``; ``ERROR`` when the
service is in error or deleted, or with an armed ``central.task`` failure, and then the task's
records carry ``message`` (a localcloud extra). With ``restartPolicy`` ``ALWAYS`` a task that
failed by itself starts again. ``:pause`` (POST, or DELETE as table G.5 has it) makes a pending or
running task ``PAUSED``; ``:resume`` starts a paused, failed or finished task again (through
``PENDING``); both are idempotent and answer ``data: true`` (G.13, G.15 type it Boolean). A stream
task has no end, so ``FINISHED`` is never reached.

Records (G.17, G.19) carry ``status`` both in ``taskInfo`` and beside it (digest §11.5); the
standard does not return ``rulesParams`` or ``streamOptions`` there.
"""

from __future__ import annotations

import secrets
import time
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from aicompute.localcloud.central.common import (
    CAP,
    CONFLICT,
    JSON,
    SERVICE_KIND,
    TASK_KIND,
    CentralProject,
    CloudDep,
    Params,
    cap_page,
    central_router,
    parse,
)
from aicompute.localcloud.directives import arm_creation_failure, pop_failure
from aicompute.localcloud.lifecycle import Lifecycle, running, step
from aicompute.localcloud.store import Transaction

STARTED_STEP = "central.task.started"
RESTARTED_STEP = "central.task.restarted"
START_DELAY_SECONDS = 3.0
RESTART_DELAY_SECONDS = 5.0
LINE_POINTS = {"SINGLE_LINE": 2, "SINGLE_LINE_BOTH": 2}


# request models ----------------------------------------------------------------------------------
class Point(BaseModel):
    model_config = ConfigDict(extra="ignore")

    x: float
    y: float


class Area(BaseModel):
    model_config = ConfigDict(extra="ignore")

    areaid: int
    areaType: Literal["POLYGON", "SINGLE_LINE", "SINGLE_LINE_BOTH", "MULTI_LINE", "MULTI_LINE_BOTH"]
    points: list[Point]

    @model_validator(mode="after")
    def _enough_points(self) -> Area:
        if self.areaType == "POLYGON" and len(self.points) < 3:
            raise ValueError("a POLYGON has at least 3 points")
        if self.areaType in LINE_POINTS and len(self.points) != 2:
            raise ValueError(f"a {self.areaType} tripwire has 2 points")
        if len(self.points) < 2:
            raise ValueError(f"a {self.areaType} tripwire has at least 2 points")
        return self


class HttpDest(BaseModel):
    model_config = ConfigDict(extra="allow")

    url: str = Field(min_length=1)


class Destinations(BaseModel):
    """The table's ``HTTPDest`` or the example's ``eventDest`` (or any other way of delivery)."""

    model_config = ConfigDict(extra="allow")

    HTTPDest: HttpDest | None = None

    @model_validator(mode="after")
    def _somewhere(self) -> Destinations:
        if self.HTTPDest is None and not self.model_extra:
            raise ValueError("destinations names no destination")
        return self


class RulesParam(BaseModel):
    model_config = ConfigDict(extra="ignore")

    areas: list[Area] = Field(min_length=1)
    destinations: Destinations
    eventType: str = Field(min_length=1)
    extendParams: dict[str, Any] | None = None
    labels: dict[str, str] | None = None
    masks: list[Any] | None = None


class TaskLabels(BaseModel):
    model_config = ConfigDict(extra="allow")

    algoCabinName: str = Field(min_length=1)
    version: str = Field(min_length=1)


class VideoStreamOptions(BaseModel):
    model_config = ConfigDict(extra="ignore")

    resolution: str = Field(min_length=1)
    url: str = Field(min_length=1)


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="ignore")

    videoStreamOptions: VideoStreamOptions


class TaskInfo(BaseModel):
    model_config = ConfigDict(extra="ignore")

    labels: TaskLabels
    rulesParams: list[RulesParam] = Field(min_length=1)
    streamOptions: StreamOptions


class TaskCreate(BaseModel):
    """G.8."""

    model_config = ConfigDict(extra="ignore")

    algoServiceId: str = Field(min_length=1)
    restartPolicy: Literal["NEVER", "ALWAYS"]
    taskInfo: TaskInfo


class TaskSearch(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str | None = None
    algoServiceId: str | None = None
    eventType: str | None = None
    pageNumber: int = Field(ge=0)
    pageSize: int = Field(ge=1, le=1000)


# backend -----------------------------------------------------------------------------------------
def _stream_url(task: JSON) -> str:
    return str(task["taskInfo"]["streamOptions"]["videoStreamOptions"]["url"])


def _record(task: JSON) -> JSON:
    """A G.17 record / the G.19 ``data``."""
    record: JSON = {
        "algoServiceId": task["algoServiceId"],
        "restartPolicy": task["restartPolicy"],
        "taskInfo": {"id": task["id"], "labels": task["taskInfo"]["labels"], "status": task["status"]},
        "status": task["status"],
    }
    if task["status"] == "ERROR":
        record["message"] = task.get("_message", "")
    return record


def _stream(task: JSON) -> JSON:
    """A G.9 ``createdStreams``/``updatedStreams`` entry."""
    return {
        "algoServiceId": task["algoServiceId"],
        "taskInfo": {
            "id": task["id"],
            "status": task["status"],
            "streamOptions": {"videoStreamOptions": {"url": _stream_url(task)}},
        },
    }


def get_task(tx: Transaction, project_id: str, task_id: str) -> JSON:
    task = tx.get(TASK_KIND, project_id, task_id)
    if task is None:
        raise CAP.not_found("task", task_id)
    return task


def _start(
    tx: Transaction, lifecycle: Lifecycle, project_id: str, task: JSON, delay: float = START_DELAY_SECONDS
) -> None:
    """``PENDING``, with a start due (it waits there while the service is starting)."""
    task.update(status="PENDING", _op=task["_op"] + 1)
    task.pop("_message", None)
    tx.put(TASK_KIND, project_id, task["id"], task)
    lifecycle.schedule(tx, project_id, delay, STARTED_STEP, {"task": task["id"], "op": task["_op"]})


def _fail(tx: Transaction, project_id: str, task: JSON, message: str) -> None:
    task.update(status="ERROR", _message=message, _op=task["_op"] + 1)
    tx.put(TASK_KIND, project_id, task["id"], task)


def create_task(tx: Transaction, lifecycle: Lifecycle, project_id: str, body: TaskCreate, raw: JSON) -> JSON:
    if tx.get(SERVICE_KIND, project_id, body.algoServiceId) is None:
        raise CAP.not_found("algorithm service", body.algoServiceId)
    url = body.taskInfo.streamOptions.videoStreamOptions.url
    existing = next(
        (
            task
            for task in tx.objects(TASK_KIND, project_id)
            if task["algoServiceId"] == body.algoServiceId and _stream_url(task) == url
        ),
        None,
    )
    settings = {"restartPolicy": body.restartPolicy, "taskInfo": raw["taskInfo"]}
    if existing is not None:
        existing.update(settings)
        if existing["status"] == "PAUSED":
            tx.put(TASK_KIND, project_id, existing["id"], existing)
        else:
            _start(tx, lifecycle, project_id, existing)
        return {"createdStreams": [], "updatedStreams": [_stream(existing)]}
    task: JSON = {"id": secrets.token_hex(8), "algoServiceId": body.algoServiceId, **settings}
    task.update(status="PENDING", _created=time.time(), _op=0)
    arm_creation_failure(tx, project_id, TASK_KIND, task)
    _start(tx, lifecycle, project_id, task)
    return {"createdStreams": [_stream(task)], "updatedStreams": []}


@step(STARTED_STEP)
def _task_started(tx: Transaction, project_id: str, args: dict[str, Any]) -> None:
    task = tx.get(TASK_KIND, project_id, args["task"])
    if task is None or task["_op"] != args["op"] or task["status"] != "PENDING":
        return
    service = tx.get(SERVICE_KIND, project_id, task["algoServiceId"])
    if service is None:
        _fail(tx, project_id, task, f"algorithm service {task['algoServiceId']} does not exist")
    elif service["status"] == "error":
        _fail(tx, project_id, task, f"algorithm service {task['algoServiceId']} is in error")
    elif service["status"] == "runing":
        failure = pop_failure(tx, project_id, TASK_KIND, task, task["id"])
        if failure is None:
            task["status"] = "RUNNING"
            tx.put(TASK_KIND, project_id, task["id"], task)
            return
        _fail(tx, project_id, task, failure)
        if task["restartPolicy"] == "ALWAYS":
            args = {"task": task["id"], "op": task["_op"]}
            running().schedule(tx, project_id, RESTART_DELAY_SECONDS, RESTARTED_STEP, args)
    # A task of a service that is still starting waits: service_changed starts it.


@step(RESTARTED_STEP)
def _task_restarted(tx: Transaction, project_id: str, args: dict[str, Any]) -> None:
    task = tx.get(TASK_KIND, project_id, args["task"])
    if task is not None and task["_op"] == args["op"] and task["status"] == "ERROR":
        _start(tx, running(), project_id, task, delay=0)


def service_changed(
    tx: Transaction, lifecycle: Lifecycle, project_id: str, service_id: str, status: str | None
) -> None:
    """A service became ``runing`` or ``error``, or was deleted (``None``): its tasks follow."""
    for task in tx.objects(TASK_KIND, project_id):
        if task["algoServiceId"] != service_id:
            continue
        if status == "runing" and task["status"] == "PENDING":
            _start(tx, lifecycle, project_id, task)
        elif status != "runing" and task["status"] in ("PENDING", "RUNNING"):
            reason = "is in error" if status == "error" else "was deleted"
            _fail(tx, project_id, task, f"algorithm service {service_id} {reason}")


def pause_task(tx: Transaction, project_id: str, task_id: str) -> None:
    task = get_task(tx, project_id, task_id)
    if task["status"] in ("ERROR", "FINISHED"):
        raise CAP.error(CONFLICT, f"task {task_id} is {task['status']}: only a pending or running task pauses")
    if task["status"] != "PAUSED":
        task.update(status="PAUSED", _op=task["_op"] + 1)
        tx.put(TASK_KIND, project_id, task_id, task)


def resume_task(tx: Transaction, lifecycle: Lifecycle, project_id: str, task_id: str) -> None:
    task = get_task(tx, project_id, task_id)
    if task["status"] in ("PAUSED", "ERROR", "FINISHED"):
        _start(tx, lifecycle, project_id, task)


# routes ------------------------------------------------------------------------------------------
router = central_router()


@router.post("/CAP/AlgoTasks")
def create(project: CentralProject, cloud: CloudDep, params: Params) -> JSON:
    body = parse(TaskCreate, params, CAP)
    with cloud.store.transaction() as tx:
        return CAP.ok(create_task(tx, cloud.lifecycle, project.project_id, body, params))


@router.post("/CAP/AlgoTasks:search")
def search(project: CentralProject, cloud: CloudDep, params: Params) -> JSON:
    query = parse(TaskSearch, params, CAP)
    with cloud.store.transaction() as tx:
        tasks = tx.objects(TASK_KIND, project.project_id)
    found = [
        _record(task)
        for task in tasks
        if query.id in (None, task["id"])
        and query.algoServiceId in (None, task["algoServiceId"])
        and (query.eventType is None or any(r["eventType"] == query.eventType for r in task["taskInfo"]["rulesParams"]))
    ]
    return CAP.ok(cap_page(found, query.pageNumber, query.pageSize))


# :pause and :resume come before the plain id routes, which would otherwise read "x:pause" as an id.
@router.post("/CAP/AlgoTasks/{id:path}:pause")
@router.delete("/CAP/AlgoTasks/{id:path}:pause")  # table G.5's method
def pause(id: str, project: CentralProject, cloud: CloudDep) -> JSON:
    with cloud.store.transaction() as tx:
        pause_task(tx, project.project_id, id)
    return CAP.ok(True)


@router.post("/CAP/AlgoTasks/{id:path}:resume")
def resume(id: str, project: CentralProject, cloud: CloudDep) -> JSON:
    with cloud.store.transaction() as tx:
        resume_task(tx, cloud.lifecycle, project.project_id, id)
    return CAP.ok(True)


@router.get("/CAP/AlgoTasks/{id:path}")
def show(id: str, project: CentralProject, cloud: CloudDep) -> JSON:
    with cloud.store.transaction() as tx:
        return CAP.ok(_record(get_task(tx, project.project_id, id)))


@router.delete("/CAP/AlgoTasks/{id:path}")
def delete(id: str, project: CentralProject, cloud: CloudDep) -> JSON:
    with cloud.store.transaction() as tx:
        get_task(tx, project.project_id, id)
        tx.delete(TASK_KIND, project.project_id, id)
    return CAP.ok(True)
