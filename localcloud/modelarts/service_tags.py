"""Service tags (seed 9.14–9.16): add (upsert), delete, and the project-wide key/values aggregate.

Tags are kept in the service record (``_tags``); GET service does not show them (the seed has no
per-service tag read, digest §9), but the 9.3 list's ``tags`` filter and 9.16 do.
"""

from __future__ import annotations

from fastapi import Response

from aicompute.localcloud.inline import InlineRouter
from aicompute.localcloud.modelarts.bodies import SERVICE_ERRORS, ClassicBody, parse_body
from aicompute.localcloud.modelarts.common import CloudDep, ModelArtsProject, Transaction, modelarts_error
from aicompute.localcloud.modelarts.records import JSON, SERVICE_KIND
from aicompute.localcloud.modelarts.service_checks import invalid
from aicompute.localcloud.modelarts.service_schemas import DeleteTagsRequest, TagsRequest, TmsTag, TmsTagForDelete
from aicompute.localcloud.modelarts.services import require_service, save

router = InlineRouter()

MAX_RESOURCE_ID = 64


def _taggable(tx: Transaction, project_id: str, resource_id: str) -> JSON:
    """The real-time service a tag call names (9.14/9.15: "目前只支持在线服务")."""
    if len(resource_id) > MAX_RESOURCE_ID:
        raise modelarts_error(400, "ModelArts.3552", "The length of [resource_id] must be in the range of [0, 64].")
    service = require_service(tx, project_id, resource_id)
    if service["infer_type"] != "real-time":
        raise invalid("resource_id", resource_id, "only real-time services can be tagged")
    return service


def add_tags(service: JSON, tags: list[TmsTag]) -> None:
    """An existing key gets the new value (9.14)."""
    current = {tag["key"]: tag["value"] for tag in service.get("_tags", [])}
    current.update({tag.key: tag.value for tag in tags})
    service["_tags"] = [{"key": key, "value": value} for key, value in current.items()]


def remove_tags(service: JSON, tags: list[TmsTagForDelete]) -> None:
    """A key alone removes the key; a key with a value removes it only when the value matches."""

    def doomed(tag: JSON) -> bool:
        return any(t.key == tag["key"] and t.value in (None, tag["value"]) for t in tags)

    service["_tags"] = [tag for tag in service.get("_tags", []) if not doomed(tag)]


def combined_tags(services: list[JSON]) -> list[JSON]:
    """CombineTmsTags (table 9-134): each key once, with its distinct values."""
    values: dict[str, list[str]] = {}
    for service in services:
        for tag in service.get("_tags", []):
            known = values.setdefault(tag["key"], [])
            if tag["value"] not in known:
                known.append(tag["value"])
    return [{"key": key, "values": found} for key, found in values.items()]


# routes: tms/tags is registered before the /services/{service_id} routes ------------------------
@router.get("/v1/{project_id}/services/tms/tags")
def list_tags(project: ModelArtsProject, cloud: CloudDep) -> JSON:
    with cloud.store.transaction() as tx:
        return {"tags": combined_tags(tx.objects(SERVICE_KIND, project.project_id))}


@router.post("/v1/{project_id}/services/{resource_id}/tags/create", status_code=204)
def create_tags(project: ModelArtsProject, cloud: CloudDep, resource_id: str, body: ClassicBody) -> Response:
    request = parse_body(TagsRequest, body, SERVICE_ERRORS)
    with cloud.store.transaction() as tx:
        service = _taggable(tx, project.project_id, resource_id)
        add_tags(service, request.tags)
        save(tx, project.project_id, service)
    return Response(status_code=204)


@router.delete("/v1/{project_id}/services/{resource_id}/tags/delete", status_code=204)
def delete_tags(project: ModelArtsProject, cloud: CloudDep, resource_id: str, body: ClassicBody) -> Response:
    request = parse_body(DeleteTagsRequest, body, SERVICE_ERRORS)
    with cloud.store.transaction() as tx:
        service = _taggable(tx, project.project_id, resource_id)
        remove_tags(service, request.tags)
        save(tx, project.project_id, service)
    return Response(status_code=204)
