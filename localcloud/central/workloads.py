"""Algorithm-engine workloads and their pods on the computing platform (seed appendix B; digest §6).

A workload is a Kubernetes Deployment in one cluster and namespace (see ``kube.py`` for its pods).
Create (B.2) takes the request's ``nameSpace`` (``namespace`` is read too, digest §14.4) and answers
``workloadName`` = ``<name>-deployment-<5 chars>``, as the B.2 example does: that name is the
workload's identity in every other call. A ``name`` is unique in its cluster and namespace (code
409). ``labelSelector`` must select the pod ``labels`` (Kubernetes refuses a Deployment whose
selector does not match its template). ``xpu`` has at most one decimal (B.9 row 11).

Scale (B.4, PUT) changes ``replicas`` only, and replaces pods that failed. Delete (B.3) removes the
workload and its pods at once. The list (B.5) pages with ``pageRequest`` {pageNumber (1-based; 0
reads as 1), pageSize, orderList [{property, direction}]} and answers {pageContent, pageRequest,
total}; ``property`` is a WorkloadInfo field or ``id`` (creation order), as in the example.

Detail (B.6) answers WorkloadInfo plus the example's extra fields that localcloud knows:
``xpuType``, ``xpu``, ``cpu``, ``memory``, ``image``, ``xpuMemory`` (the cards' memory times
``xpu``) and ``status``: ``Running`` when every replica is ready, ``Failed`` when a pod failed,
``Pending`` otherwise (the standard leaves it open, digest §6.8.3). ``createdDate`` reads
``yyyy-MM-dd HH:mm:ss`` (UTC).

Pods (B.7, B.8) are PodVO objects; ``status`` is the Kubernetes pod phase, ``labels`` a list of
{name, value}, ``age`` seconds, and the detail adds ``namespace`` as its example does.
"""

from __future__ import annotations

import re
import secrets
import string
import time
from collections.abc import Callable
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator, model_validator

from aicompute.localcloud.central.common import (
    CCP,
    CONFLICT,
    JSON,
    WORKLOAD_KIND,
    CentralProject,
    CloudDep,
    Params,
    central_router,
    date_text,
    page,
    parse,
)
from aicompute.localcloud.central.kube import (
    delete_workload,
    get_cluster,
    pods_of,
    reconcile,
    running_cluster,
    workload_key,
)
from aicompute.localcloud.central.usage import card_memory
from aicompute.localcloud.directives import arm_creation_failure
from aicompute.localcloud.lifecycle import Lifecycle
from aicompute.localcloud.store import Transaction

MAX_REPLICAS = 100
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
# The B.2 example's workload name holds an underscore (human_detect): names are not DNS labels.
_NAME = re.compile(r"^[A-Za-z0-9]([-_.A-Za-z0-9]{0,38}[A-Za-z0-9])?$")
_LABEL_NAME = re.compile(r"^([A-Za-z0-9]([-_.A-Za-z0-9]{0,61}[A-Za-z0-9])?)?$")
_LABEL_PREFIX = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
_SUFFIX = string.ascii_lowercase + string.digits
ORDER_PROPERTIES = ("id", "namespace", "workloadName", "replicas", "createdDate")


def _label_key(key: str) -> None:
    prefix, slash, name = key.rpartition("/")
    if not name or not _LABEL_NAME.match(name) or (slash and not _LABEL_PREFIX.match(prefix)):
        raise ValueError(f"{key!r} is not a valid label key")


def _labels(value: dict[str, str]) -> dict[str, str]:
    if not value:
        raise ValueError("at least one label is required")
    for key, label in value.items():
        _label_key(key)
        if not _LABEL_NAME.match(label):
            raise ValueError(f"{label!r} is not a valid label value")
    return value


def _dns_label(value: str) -> str:
    if not _DNS_LABEL.match(value):
        raise ValueError(f"{value!r} must be a DNS label: 1-63 of a-z, 0-9 and '-', alphanumeric at both ends")
    return value


# request models ----------------------------------------------------------------------------------
class WorkloadCreate(BaseModel):
    """B.9, with its verbatim keys."""

    model_config = ConfigDict(extra="ignore")

    clusterCode: str = Field(min_length=1)
    nameSpace: str = Field(validation_alias=AliasChoices("nameSpace", "namespace"))
    name: str
    labels: dict[str, str]
    labelSelector: dict[str, str]
    replicas: int = Field(ge=0, le=MAX_REPLICAS)
    containerName: str
    image: str = Field(min_length=1)
    cpu: int = Field(ge=0)
    xpuType: str
    xpu: float = Field(ge=0)
    memory: int = Field(ge=0)
    command: str | None = None
    args: str | None = None

    _namespace = field_validator("nameSpace", "containerName")(_dns_label)
    _label_maps = field_validator("labels", "labelSelector")(_labels)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError(f"{value!r} must be 1-40 of letters, digits, '-', '_' and '.', alphanumeric at both ends")
        return value

    @field_validator("xpu")
    @classmethod
    def _one_decimal(cls, value: float) -> float:
        if abs(round(value, 1) - value) > 1e-9:
            raise ValueError(f"{value} has more than one decimal place")
        return round(value, 1)

    @model_validator(mode="after")
    def _consistent(self) -> WorkloadCreate:
        unmatched = {k: v for k, v in self.labelSelector.items() if self.labels.get(k) != v}
        if unmatched:
            raise ValueError(f"labelSelector {unmatched} does not select the pod labels {self.labels}")
        if self.xpu > 0 and not self.xpuType:
            raise ValueError("xpuType is required when xpu is above 0")
        return self


class WorkloadRef(BaseModel):
    model_config = ConfigDict(extra="ignore")

    clusterCode: str = Field(min_length=1)
    namespace: str = Field(min_length=1)
    workloadName: str = Field(min_length=1)


class WorkloadScale(WorkloadRef):
    replicas: int = Field(ge=0, le=MAX_REPLICAS)


class ApiOrder(BaseModel):
    model_config = ConfigDict(extra="ignore")

    property: str | None = None
    direction: str | None = None

    @field_validator("property")
    @classmethod
    def _known(cls, value: str | None) -> str | None:
        if value is not None and value not in ORDER_PROPERTIES:
            raise ValueError(f"{value!r} is not one of {', '.join(ORDER_PROPERTIES)}")
        return value

    @field_validator("direction")
    @classmethod
    def _direction(cls, value: str | None) -> str | None:
        if value is not None and value.lower() not in ("asc", "desc"):
            raise ValueError(f"{value!r} is not asc or desc")
        return value


class ApiPageRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    pageNumber: int = Field(ge=0)
    pageSize: int = Field(ge=1, le=1000)
    orderList: list[ApiOrder] = Field(default_factory=list)


class WorkloadQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    clusterCode: str = Field(min_length=1)
    namespace: str = "default"
    workloadName: str | None = None
    pageRequest: ApiPageRequest | None = None


class PodRef(WorkloadRef):
    podName: str = Field(min_length=1)


# backend -----------------------------------------------------------------------------------------
def get_workload(tx: Transaction, project_id: str, ref: WorkloadRef) -> JSON:
    workload = tx.get(WORKLOAD_KIND, project_id, f"{ref.clusterCode}/{ref.namespace}/{ref.workloadName}")
    if workload is None:
        raise CCP.not_found("workload", f"{ref.workloadName} in namespace {ref.namespace} of cluster {ref.clusterCode}")
    return workload


def create_workload(tx: Transaction, lifecycle: Lifecycle, project_id: str, body: WorkloadCreate) -> JSON:
    running_cluster(tx, project_id, body.clusterCode)
    same_place = [
        w
        for w in tx.objects(WORKLOAD_KIND, project_id)
        if w["clusterCode"] == body.clusterCode and w["namespace"] == body.nameSpace
    ]
    if any(w["name"] == body.name for w in same_place):
        raise CCP.error(CONFLICT, f"workload {body.name} already exists in namespace {body.nameSpace}")
    while True:
        workload_name = f"{body.name}-deployment-{''.join(secrets.choice(_SUFFIX) for _ in range(5))}"
        if all(w["workloadName"] != workload_name for w in same_place):
            break
    workload: JSON = {
        "clusterCode": body.clusterCode,
        "namespace": body.nameSpace,
        "workloadName": workload_name,
        **body.model_dump(exclude={"clusterCode", "nameSpace"}, exclude_none=True),
        "_created": time.time(),
    }
    arm_creation_failure(tx, project_id, WORKLOAD_KIND, workload)
    tx.put(WORKLOAD_KIND, project_id, workload_key(workload), workload)
    reconcile(tx, lifecycle, project_id, workload)
    return workload


def workload_status(workload: JSON, pods: list[JSON]) -> str:
    if any(pod["status"] == "Failed" for pod in pods):
        return "Failed"
    ready = sum(1 for pod in pods if pod["ready"])
    return "Running" if ready == workload["replicas"] == len(pods) else "Pending"


def workload_info(workload: JSON) -> JSON:
    """WorkloadInfo (B.21)."""
    return {
        "namespace": workload["namespace"],
        "workloadName": workload["workloadName"],
        "replicas": workload["replicas"],
        "createdDate": date_text(workload["_created"]),
    }


def workload_detail(workload: JSON, pods: list[JSON]) -> JSON:
    return {
        **workload_info(workload),
        "xpuType": workload["xpuType"],
        "xpu": workload["xpu"],
        "cpu": workload["cpu"],
        "memory": workload["memory"],
        "xpuMemory": round(workload["xpu"] * card_memory(workload["xpuType"]), 1) if workload["xpuType"] else 0,
        "image": workload["image"],
        "status": workload_status(workload, pods),
    }


def _sort_key(field: str) -> Callable[[JSON], Any]:
    stored = "_created" if field in ("id", "createdDate") else field  # ids are given in creation order
    return lambda workload: workload[stored]


def _sorted(workloads: list[JSON], orders: list[ApiOrder]) -> list[JSON]:
    """Sorted by ``orderList``, the first order the most significant (stable sorts, last order first)."""
    ranked = list(workloads)
    for order in reversed(orders):
        ranked.sort(key=_sort_key(order.property or "id"), reverse=(order.direction or "asc").lower() == "desc")
    return ranked


def list_workloads(tx: Transaction, project_id: str, query: WorkloadQuery) -> JSON:
    workloads = [
        w
        for w in tx.objects(WORKLOAD_KIND, project_id)
        if w["clusterCode"] == query.clusterCode
        and w["namespace"] == query.namespace
        and query.workloadName in (None, w["workloadName"])
    ]
    request = query.pageRequest
    ranked = _sorted(workloads, request.orderList if request else [])
    shown = page(ranked, request.pageNumber, request.pageSize) if request else ranked
    data: JSON = {"pageContent": [workload_info(w) for w in shown], "total": len(ranked)}
    if request is not None:
        data["pageRequest"] = {**request.model_dump(exclude_none=True), "pageNumber": max(request.pageNumber, 1)}
    return data


def pod_view(pod: JSON) -> JSON:
    """PodVO (B.27)."""
    view = {
        key: value for key, value in pod.items() if not key.startswith("_") and key not in ("namespace", "clusterCode")
    }
    view["age"] = int(time.time() - pod["_created"])
    return view


# routes ------------------------------------------------------------------------------------------
router = central_router()


@router.post("/CCP/algoservice/workloads")
def create(project: CentralProject, cloud: CloudDep, params: Params) -> JSON:
    body = parse(WorkloadCreate, params, CCP)
    with cloud.store.transaction() as tx:
        workload = create_workload(tx, cloud.lifecycle, project.project_id, body)
    return CCP.ok({"workloadName": workload["workloadName"], "namespace": workload["namespace"]})


@router.get("/CCP/algoservice/workloads")
def list_all(project: CentralProject, cloud: CloudDep, params: Params) -> JSON:
    query = parse(WorkloadQuery, params, CCP)
    with cloud.store.transaction() as tx:
        get_cluster(tx, project.project_id, query.clusterCode)
        return CCP.ok(list_workloads(tx, project.project_id, query))


@router.get("/CCP/algoservice/workloads/{workloadName}")
def show(project: CentralProject, cloud: CloudDep, params: Params) -> JSON:
    ref = parse(WorkloadRef, params, CCP)
    with cloud.store.transaction() as tx:
        workload = get_workload(tx, project.project_id, ref)
        return CCP.ok(workload_detail(workload, pods_of(tx, project.project_id, workload)))


@router.put("/CCP/algoservice/workloads/{workloadName}")
def scale(project: CentralProject, cloud: CloudDep, params: Params) -> JSON:
    body = parse(WorkloadScale, params, CCP)
    with cloud.store.transaction() as tx:
        workload = get_workload(tx, project.project_id, body)
        running_cluster(tx, project.project_id, body.clusterCode)
        workload["replicas"] = body.replicas
        tx.put(WORKLOAD_KIND, project.project_id, workload_key(workload), workload)
        reconcile(tx, cloud.lifecycle, project.project_id, workload, replace_failed=True)
    return CCP.ok()


@router.delete("/CCP/algoservice/workloads/{workloadName}")
def delete(project: CentralProject, cloud: CloudDep, params: Params) -> JSON:
    ref = parse(WorkloadRef, params, CCP)
    with cloud.store.transaction() as tx:
        delete_workload(tx, cloud.lifecycle, project.project_id, get_workload(tx, project.project_id, ref))
    return CCP.ok()


@router.get("/CCP/algoservice/pods")
def list_pods(project: CentralProject, cloud: CloudDep, params: Params) -> JSON:
    ref = parse(WorkloadRef, params, CCP)
    with cloud.store.transaction() as tx:
        pods = pods_of(tx, project.project_id, get_workload(tx, project.project_id, ref))
    return CCP.ok({"pods": [pod_view(pod) for pod in sorted(pods, key=lambda pod: pod["_created"])]})


@router.get("/CCP/algoservice/pods/{podName}")
def show_pod(project: CentralProject, cloud: CloudDep, params: Params) -> JSON:
    ref = parse(PodRef, params, CCP)
    with cloud.store.transaction() as tx:
        workload = get_workload(tx, project.project_id, ref)
        pod = next((pod for pod in pods_of(tx, project.project_id, workload) if pod["name"] == ref.podName), None)
    if pod is None:
        raise CCP.not_found("pod", f"{ref.podName} of workload {ref.workloadName}")
    return CCP.ok({**pod_view(pod), "namespace": pod["namespace"]})
