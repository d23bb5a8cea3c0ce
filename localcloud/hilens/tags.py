"""Tags of devices, deployments, configmaps and secrets (seed §5.7).

The tag APIs and the resources' own ``tags`` fields are one store: a tag added here shows in the
device's ``tags`` map or the configmap's and secret's ``tags`` list (deployments do not return
theirs, digest §10.8), and a PUT of the resource replaces what was added here. Adding upserts by
key; a resource holds at most 20 tags. Deleting a key that is not there is a no-op (204). The seed
names the resource types only as "节点，部署，配置项，密钥" and uses ``node``; the singular and plural of
``node``, ``deployment``, ``configmap`` and ``secret`` are read (digest §8.9).
"""

from __future__ import annotations

import re
import time
from typing import Annotated, Any

from fastapi import Response
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from aicompute.localcloud.hilens.common import (
    CONFIGMAP_KIND,
    DEPLOYMENT_KIND,
    DEVICE_KIND,
    JSON,
    SECRET_KIND,
    TAG_KEY,
    CloudDep,
    HiLensProject,
    JsonBody,
    TagObject,
    Transaction,
    bad_request,
    distinct_keys,
    hilens_time,
    not_found,
    parse,
)
from aicompute.localcloud.inline import InlineRouter

MAX_TAGS = 20
_KEY = re.compile(TAG_KEY)
# resource type → (stored kind, the field holding its tags, what errors call it)
_TYPES = {
    "node": (DEVICE_KIND, "_tags", "device"),
    "deployment": (DEPLOYMENT_KIND, "_tags", "deployment"),
    "configmap": (CONFIGMAP_KIND, "tags", "configmap"),
    "secret": (SECRET_KIND, "tags", "secret"),
}

Tags = Annotated[list[TagObject], AfterValidator(distinct_keys)]


class NodeResource(BaseModel):
    model_config = ConfigDict(extra="ignore")

    resource_id: str = Field(min_length=1)
    resource_type: str = "node"


class MultiResourcesMultiTags(BaseModel):
    model_config = ConfigDict(extra="ignore")

    resources: list[NodeResource] = Field(default_factory=list)
    tags: Tags = Field(default_factory=list)


class TagRequestDetail(BaseModel):
    model_config = ConfigDict(extra="ignore")

    tags: Tags = Field(default_factory=list)


def _type(resource_type: str) -> tuple[str, str, str]:
    found = _TYPES.get(resource_type) or _TYPES.get(resource_type.removesuffix("s"))
    if found is None:
        raise not_found("resource type", resource_type)
    return found


def _resource(tx: Transaction, project_id: str, resource_type: str, resource_id: str) -> tuple[JSON, str, str]:
    kind, field, label = _type(resource_type)
    obj = tx.get(kind, project_id, resource_id)
    if obj is None:
        raise not_found(label, resource_id)
    return obj, kind, field


def _save(tx: Transaction, project_id: str, kind: str, obj: JSON) -> None:
    now = time.time()
    obj["updated_at"] = hilens_time(now)
    if "_updated" in obj:
        obj["_updated"] = now
    tx.put(kind, project_id, obj["id"], obj)


def add_tags(tx: Transaction, project_id: str, resource_type: str, resource_id: str, tags: list[TagObject]) -> None:
    obj, kind, field = _resource(tx, project_id, resource_type, resource_id)
    merged = {tag["key"]: tag["value"] for tag in obj[field]}
    merged.update({tag.key: tag.value for tag in tags})
    if len(merged) > MAX_TAGS:
        raise bad_request(f"tags: {resource_id} would hold {len(merged)} tags, more than {MAX_TAGS}")
    obj[field] = [{"key": key, "value": value} for key, value in merged.items()]
    _save(tx, project_id, kind, obj)


def delete_tag(tx: Transaction, project_id: str, resource_type: str, resource_id: str, key: str) -> None:
    obj, kind, field = _resource(tx, project_id, resource_type, resource_id)
    kept = [tag for tag in obj[field] if tag["key"] != key]
    if len(kept) != len(obj[field]):
        obj[field] = kept
        _save(tx, project_id, kind, obj)


# routes ------------------------------------------------------------------------------------------
router = InlineRouter()


@router.post("/v3/{project_id}/tag-mgr/node-tags")
def add_to_many(project: HiLensProject, cloud: CloudDep, body: JsonBody) -> Response:
    request = parse(MultiResourcesMultiTags, body)
    with cloud.store.transaction() as tx:
        for resource in request.resources:
            add_tags(tx, project.project_id, resource.resource_type, resource.resource_id, request.tags)
    return Response(status_code=200)


@router.get("/v3/{project_id}/tag-mgr/{resource_type}/tags")
def list_of_type(resource_type: str, project: HiLensProject, cloud: CloudDep) -> dict[str, Any]:
    kind, field, _ = _type(resource_type)
    with cloud.store.transaction() as tx:
        objects = tx.objects(kind, project.project_id)
    return {"tags": [{"resource_id": obj["id"], **tag} for obj in objects for tag in obj[field]]}


@router.get("/v3/{project_id}/{resource_type}/{resource_id}/tags")
def list_of_resource(resource_type: str, resource_id: str, project: HiLensProject, cloud: CloudDep) -> dict[str, Any]:
    with cloud.store.transaction() as tx:
        obj, _, field = _resource(tx, project.project_id, resource_type, resource_id)
    return {"count": len(obj[field]), "tags": obj[field]}


@router.post("/v3/{project_id}/{resource_type}/{resource_id}/tags")
def add(resource_type: str, resource_id: str, project: HiLensProject, cloud: CloudDep, body: JsonBody) -> Response:
    request = parse(TagRequestDetail, body)
    with cloud.store.transaction() as tx:
        add_tags(tx, project.project_id, resource_type, resource_id, request.tags)
    return Response(status_code=200)


@router.delete("/v3/{project_id}/{resource_type}/{resource_id}/tags/{key}", status_code=204)
def delete(resource_type: str, resource_id: str, key: str, project: HiLensProject, cloud: CloudDep) -> Response:
    if not _KEY.match(key):
        raise bad_request(f"key: {key!r} is not a tag key (1-36 letters, digits, '-' and '_')")
    with cloud.store.transaction() as tx:
        delete_tag(tx, project.project_id, resource_type, resource_id, key)
    return Response(status_code=204)
