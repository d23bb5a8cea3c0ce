"""The routes of seed chapter 9 on ``/v1/{project_id}/services``: deploy, list, get, update, patch,
property, delete, monitor, events, update logs and edge node instances.

Literal siblings of ``/services/{service_id}`` (``specifications``, ``tms/tags``) live in
``service_catalogue`` and ``service_tags``, whose routers are included first.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import Query, Response

from aicompute.localcloud.inline import InlineRouter
from aicompute.localcloud.modelarts.bodies import SERVICE_ERRORS, ClassicBody, parse_body
from aicompute.localcloud.modelarts.common import CloudDep, ModelArtsProject
from aicompute.localcloud.modelarts.paging import LimitQuery, OffsetQuery, OrderQuery
from aicompute.localcloud.modelarts.records import JSON
from aicompute.localcloud.modelarts.service_history import EVENT_INFO_FORBIDDEN, EventQuery, events_view, logs_view
from aicompute.localcloud.modelarts.service_schemas import (
    CreateServiceRequest,
    NodeStatusRequest,
    UpdatePropertyRequest,
    UpdateServiceRequest,
)
from aicompute.localcloud.modelarts.service_updates import (
    delete_services,
    patch_service,
    set_node_status,
    update_property,
    update_service,
)
from aicompute.localcloud.modelarts.services import (
    ServiceFilters,
    create_service,
    list_services,
    monitor_view,
    require_service,
    service_view,
)

router = InlineRouter()

SERVICE_PATH = "/v1/{project_id}/services/{service_id}"
Status = Literal[
    "running", "deploying", "concerning", "failed", "stopped", "finished", "stopping", "deleting", "pending", "waiting"
]


def _request_id(response: Response) -> None:
    """9.1, 9.9 and 9.17 document an ``X-Request-Id`` trace header."""
    response.headers["X-Request-Id"] = uuid.uuid4().hex


@router.post("/v1/{project_id}/services")
def deploy(project: ModelArtsProject, cloud: CloudDep, body: ClassicBody) -> JSON:
    request = parse_body(CreateServiceRequest, body, SERVICE_ERRORS)
    with cloud.store.transaction() as tx:
        return create_service(cloud, tx, project, request)


@router.get("/v1/{project_id}/services")
def list_(
    project: ModelArtsProject,
    cloud: CloudDep,
    service_id: str | None = None,
    service_name: str | None = None,
    model_id: str | None = None,
    workspace_id: str | None = None,
    infer_type: Literal["real-time", "batch", "edge"] | None = None,
    status: Status | None = None,
    offset: OffsetQuery = 0,
    limit: LimitQuery = 1000,
    sort_by: Annotated[Literal["publish_at", "service_name", "transition_at"], Query()] = "publish_at",
    order: OrderQuery = "desc",
    tags: str | None = None,
) -> JSON:
    filters = ServiceFilters(service_id, service_name, model_id, workspace_id, infer_type, status, tags)
    with cloud.store.transaction() as tx:
        return list_services(tx, project.project_id, filters, sort_by, order, offset, limit)


@router.get(SERVICE_PATH)
def get(project: ModelArtsProject, cloud: CloudDep, service_id: str) -> JSON:
    with cloud.store.transaction() as tx:
        return service_view(require_service(tx, project.project_id, service_id))


@router.put(SERVICE_PATH)
def update(project: ModelArtsProject, cloud: CloudDep, service_id: str, body: ClassicBody) -> JSON:
    request = parse_body(UpdateServiceRequest, body, SERVICE_ERRORS)
    with cloud.store.transaction() as tx:
        update_service(cloud, tx, project, service_id, request)
    return {}


@router.patch(SERVICE_PATH)
def patch(project: ModelArtsProject, cloud: CloudDep, service_id: str, response: Response, body: ClassicBody) -> JSON:
    if not isinstance(body, list):
        raise SERVICE_ERRORS.invalid("body", type(body).__name__, "the body is an array of patch operations")
    _request_id(response)
    with cloud.store.transaction() as tx:
        return patch_service(cloud, tx, project, service_id, body)


@router.put(f"{SERVICE_PATH}/property")
def update_single_property(
    project: ModelArtsProject, cloud: CloudDep, service_id: str, response: Response, body: ClassicBody
) -> JSON:
    request = parse_body(UpdatePropertyRequest, body, SERVICE_ERRORS)
    _request_id(response)
    with cloud.store.transaction() as tx:
        return update_property(cloud, tx, project, service_id, request)


@router.delete(SERVICE_PATH)
def delete(project: ModelArtsProject, cloud: CloudDep, service_id: str) -> JSON:
    with cloud.store.transaction() as tx:
        delete_services(cloud, tx, project.project_id, service_id)
    return {}


@router.get(f"{SERVICE_PATH}/monitor")
def monitor(project: ModelArtsProject, cloud: CloudDep, service_id: str, node_id: str | None = None) -> JSON:
    with cloud.store.transaction() as tx:
        return monitor_view(require_service(tx, project.project_id, service_id), node_id)


@router.get(f"{SERVICE_PATH}/events")
def events(
    project: ModelArtsProject,
    cloud: CloudDep,
    service_id: str,
    event_type: Literal["normal", "abnormal"] | None = None,
    event_info: str | None = None,
    start_time: int | None = None,
    end_time: int | None = None,
    offset: OffsetQuery = 0,
    limit: LimitQuery = 1000,
    sort_by: Annotated[Literal["occur_time"], Query()] = "occur_time",
    order: OrderQuery = "desc",
) -> JSON:
    if event_info is not None and EVENT_INFO_FORBIDDEN & set(event_info):
        raise SERVICE_ERRORS.invalid("event_info", event_info, "only English text without punctuation is supported")
    query = EventQuery(event_type, event_info, start_time, end_time, offset, limit, order)
    with cloud.store.transaction() as tx:
        return events_view(require_service(tx, project.project_id, service_id), query)


@router.get(f"{SERVICE_PATH}/logs")
def logs(project: ModelArtsProject, cloud: CloudDep, service_id: str, update_time: int | None = None) -> JSON:
    with cloud.store.transaction() as tx:
        return logs_view(require_service(tx, project.project_id, service_id), update_time)


@router.put(f"{SERVICE_PATH}/nodes/{{node_id}}/status")
def node_status(project: ModelArtsProject, cloud: CloudDep, service_id: str, node_id: str, body: ClassicBody) -> JSON:
    request = parse_body(NodeStatusRequest, body, SERVICE_ERRORS)
    with cloud.store.transaction() as tx:
        set_node_status(tx, project.project_id, service_id, node_id, request.status)
    return {}
