"""Algorithm services on the analysis platform (seed appendix F; digest §10, §14.7).

Create (F.2) answers the new service's id as ``data``, the String table F.7 types (its example
prints ``{}``). A service is ``starting`` until its replicas are placed on the CAP's hosts
(``cap_hosts.py``), then ``runing``, the standard's spelling (F.13); it ends in ``error`` when the
cards of its ``gpuType`` lack room for its replicas, or with an armed ``central.service`` failure,
and then its detail carries ``message`` with the reason (a localcloud extra). ``gpuQuota``, one
instance's share of a card, is ``algo_runtime.gpu[0].quota`` of the encapsulation file of the
algorithm whose id is ``algoId`` when localcloud knows it (E.5), else one card.

``envs`` is a ``k=v, k=v`` string (the F.2 example), kept as sent. ``replicasDetail`` names each
replica's host as ``nodeHost`` (the table) and ``node`` (the example), and its IP as ``nodeIpv4``.
There is no update (digest §10.4). Deleting a service stops its tasks with ``ERROR``. The search
(F.4) pages with optional ``pageNumber`` (1) and ``pageSize`` (20).
"""

from __future__ import annotations

import time
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from aicompute.localcloud.central import analysis_tasks, cap_hosts
from aicompute.localcloud.central.algorithm_packages import quota_of
from aicompute.localcloud.central.common import (
    CAP,
    JSON,
    SERVICE_KIND,
    CentralProject,
    CloudDep,
    Params,
    cap_page,
    central_router,
    next_number,
    parse,
    public,
)
from aicompute.localcloud.directives import arm_creation_failure, pop_failure
from aicompute.localcloud.lifecycle import Lifecycle, running, step
from aicompute.localcloud.store import Transaction

STARTED_STEP = "central.service.started"
START_DELAY_SECONDS = 10.0
DEFAULT_GPU_QUOTA = 1.0
MAX_REPLICAS = 64


def env_pairs(envs: str) -> list[tuple[str, str]]:
    """``"threadCount=8, timeOut=2000"`` → ``[("threadCount", "8"), ("timeOut", "2000")]``."""
    pairs = []
    for item in (part.strip() for part in envs.split(",")):
        if not item:
            continue
        key, equals, value = item.partition("=")
        if not equals or not key.strip():
            raise ValueError(f"{item!r} is not a k=v pair")
        pairs.append((key.strip(), value.strip()))
    return pairs


class ServiceCreate(BaseModel):
    """F.6."""

    model_config = ConfigDict(extra="ignore")

    envs: str
    replicas: int = Field(ge=1, le=MAX_REPLICAS)
    gpuType: str = Field(min_length=1)
    algoId: str = Field(min_length=1)

    @field_validator("envs")
    @classmethod
    def _pairs(cls, value: str) -> str:
        env_pairs(value)
        return value


class ServiceSearch(BaseModel):
    model_config = ConfigDict(extra="ignore")

    pageNumber: int = Field(default=1, ge=0)
    pageSize: int = Field(default=20, ge=1, le=1000)


def _summary(service: JSON) -> JSON:
    """An F.11 record."""
    return {key: service[key] for key in ("id", "algoId", "replicas", "gpuType", "envs")}


def _detail(service: JSON) -> JSON:
    detail = public(service)
    detail["replicasDetail"] = [
        {"nodeHost": host.hostName, "node": host.hostName, "nodeIpv4": host.ip}
        for host in map(cap_hosts.host_named, service.get("_placement", []))
    ]
    return detail


def get_service(tx: Transaction, project_id: str, service_id: str) -> JSON:
    service = tx.get(SERVICE_KIND, project_id, service_id)
    if service is None:
        raise CAP.not_found("algorithm service", service_id)
    return service


def create_service(tx: Transaction, lifecycle: Lifecycle, project_id: str, body: ServiceCreate) -> JSON:
    service_id = str(next_number(tx, project_id, "service"))
    service: JSON = {
        **body.model_dump(),
        "id": service_id,
        "status": "starting",
        "gpuQuota": quota_of(tx, project_id, body.algoId) or DEFAULT_GPU_QUOTA,
        "_created": time.time(),
        "_op": 1,
    }
    arm_creation_failure(tx, project_id, SERVICE_KIND, service)
    tx.put(SERVICE_KIND, project_id, service_id, service)
    lifecycle.schedule(tx, project_id, START_DELAY_SECONDS, STARTED_STEP, {"service": service_id, "op": 1})
    return service


@step(STARTED_STEP)
def _service_started(tx: Transaction, project_id: str, args: dict[str, Any]) -> None:
    service = tx.get(SERVICE_KIND, project_id, args["service"])
    if service is None or service["_op"] != args["op"] or service["status"] != "starting":
        return
    failure = pop_failure(tx, project_id, SERVICE_KIND, service, service["id"])
    hosts = None
    if failure is None:
        hosts = cap_hosts.place(tx, project_id, service["replicas"], service["gpuQuota"], service["gpuType"])
        if hosts is None:
            failure = (
                f"no room for {service['replicas']} replicas of {service['gpuQuota']} {service['gpuType']} card(s) each"
            )
    if hosts is None:
        service.update(status="error", message=failure)
    else:
        service.update(status="runing", _placement=[host.hostName for host in hosts])
    tx.put(SERVICE_KIND, project_id, service["id"], service)
    analysis_tasks.service_changed(tx, running(), project_id, service["id"], service["status"])


router = central_router()


@router.post("/CAP/AlgoServices")
def create(project: CentralProject, cloud: CloudDep, params: Params) -> JSON:
    body = parse(ServiceCreate, params, CAP)
    with cloud.store.transaction() as tx:
        service = create_service(tx, cloud.lifecycle, project.project_id, body)
    return CAP.ok(service["id"])


@router.post("/CAP/AlgoServices:search")
def search(project: CentralProject, cloud: CloudDep, params: Params) -> JSON:
    query = parse(ServiceSearch, params, CAP)
    with cloud.store.transaction() as tx:
        services = [_summary(service) for service in tx.objects(SERVICE_KIND, project.project_id)]
    return CAP.ok(cap_page(services, query.pageNumber, query.pageSize))


@router.get("/CAP/AlgoServices/{id:path}")
def show(id: str, project: CentralProject, cloud: CloudDep) -> JSON:
    with cloud.store.transaction() as tx:
        return CAP.ok(_detail(get_service(tx, project.project_id, id)))


@router.delete("/CAP/AlgoServices/{id:path}")
def delete(id: str, project: CentralProject, cloud: CloudDep) -> JSON:
    with cloud.store.transaction() as tx:
        get_service(tx, project.project_id, id)
        tx.delete(SERVICE_KIND, project.project_id, id)
        analysis_tasks.service_changed(tx, cloud.lifecycle, project.project_id, id, None)
    return CAP.ok(True)
