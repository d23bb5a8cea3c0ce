"""HiLens configmaps, "配置项" (seed §5.4).

A configmap lives in a workspace (``workspace_id`` at the top level of the body or inside
``configmap``; the default workspace when neither is given). PUT replaces ``configs``, ``tags``,
``name``, ``description`` and ``type`` whole; a configmap does not move between workspaces (400).
Names follow what deployments use to reference them (a lowercase letter first, 4–64 characters, no
trailing ``-``: tables 5-71, 5-78) and are unique per workspace and provider (409, a localcloud
rule: the seed states none). Config values are only limited in length (digest §10.11).
"""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import Query
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from aicompute.localcloud.hilens.common import (
    CONFIGMAP_KIND,
    DEFAULT_WORKSPACE_ID,
    JSON,
    CloudDep,
    HiLensProject,
    JsonBody,
    Project,
    TagObject,
    Transaction,
    bad_request,
    conflict,
    distinct_keys,
    fuzzy,
    hilens_time,
    new_id,
    not_found,
    page,
    parse,
    provider_param,
    sort_param,
    sorted_by,
    tag_list,
)
from aicompute.localcloud.hilens.workspaces import require_workspace
from aicompute.localcloud.inline import InlineRouter

NAME = r"^[a-z][\u4e00-\u9fa5A-Za-z0-9_-]{2,62}[\u4e00-\u9fa5A-Za-z0-9_]$"
SORTS = ("name", "created_at", "updated_at")
_VIEW_KEYS = [
    "configs",
    "created_at",
    "description",
    "id",
    "name",
    "project_id",
    "tags",
    "type",
    "updated_at",
    "workspace_id",
]


class Config(BaseModel):
    model_config = ConfigDict(extra="ignore")

    key: str = Field(pattern=r"^[A-Za-z0-9._-]{1,63}$")
    value: str = Field(min_length=1, max_length=10000)


class ConfigMapBody(BaseModel):
    """Table 5-305; the output fields it also lists (id, created_at, …) are ignored when sent."""

    model_config = ConfigDict(extra="ignore")

    name: str = Field(pattern=NAME)
    configs: Annotated[list[Config], AfterValidator(distinct_keys)]
    tags: Annotated[list[TagObject], AfterValidator(distinct_keys)] = Field(max_length=20)
    description: str | None = Field(default=None, max_length=255)
    type: str | None = None
    workspace_id: str | None = None


class ConfigMapRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    configmap: ConfigMapBody
    workspace_id: str | None = None

    def workspace(self) -> str | None:
        inner, outer = self.configmap.workspace_id, self.workspace_id
        if inner and outer and inner != outer:
            raise bad_request(f"workspace_id: {outer} and configmap.workspace_id {inner} differ")
        return outer or inner


def configmap_view(configmap: JSON) -> JSON:
    return {key: configmap.get(key) for key in _VIEW_KEYS}


def _answer(configmap: JSON) -> JSON:
    return {"configmap": configmap_view(configmap), "workspace_id": configmap["workspace_id"]}


# backend -----------------------------------------------------------------------------------------
def get_configmap(tx: Transaction, project_id: str, configmap_id: str) -> JSON:
    configmap = tx.get(CONFIGMAP_KIND, project_id, configmap_id)
    if configmap is None:
        raise not_found("configmap", configmap_id)
    return configmap


def _check_name_free(tx: Transaction, project_id: str, configmap: JSON) -> None:
    for other in tx.objects_named(CONFIGMAP_KIND, project_id, configmap["name"]):
        same_place = (other["workspace_id"], other["_provider"]) == (configmap["workspace_id"], configmap["_provider"])
        if same_place and other["name"] == configmap["name"] and other["id"] != configmap["id"]:
            raise conflict(f"A configmap named {configmap['name']!r} already exists ({other['id']}).")


def _apply(configmap: JSON, body: ConfigMapBody) -> None:
    now = time.time()
    configmap.update(
        name=body.name,
        configs=[config.model_dump() for config in body.configs],
        tags=tag_list(body.tags),
        description=body.description,
        type=body.type,
        updated_at=hilens_time(now),
        _updated=now,
    )


def create_configmap(tx: Transaction, project: Project, provider: str, request: ConfigMapRequest) -> JSON:
    workspace_id = require_workspace(tx, project, request.workspace())
    now = time.time()
    configmap: JSON = {
        "id": new_id(provider),
        "project_id": project.project_id,
        "workspace_id": workspace_id,
        "created_at": hilens_time(now),
        "_workspace_id": workspace_id,
        "_provider": provider,
        "_created": now,
    }
    _apply(configmap, request.configmap)
    _check_name_free(tx, project.project_id, configmap)
    tx.put(CONFIGMAP_KIND, project.project_id, configmap["id"], configmap)
    return configmap


def update_configmap(tx: Transaction, project_id: str, configmap_id: str, request: ConfigMapRequest) -> JSON:
    configmap = get_configmap(tx, project_id, configmap_id)
    workspace_id = request.workspace()
    if workspace_id not in (None, configmap["workspace_id"]):
        raise bad_request(
            f"workspace_id: the configmap is in workspace {configmap['workspace_id']}, not {workspace_id}"
        )
    _apply(configmap, request.configmap)
    _check_name_free(tx, project_id, configmap)
    tx.put(CONFIGMAP_KIND, project_id, configmap_id, configmap)
    return configmap


def _tag_filter(values: list[str]) -> list[tuple[str, str | None]]:
    """``tag_key`` is ``{key}={value}``, several pairs OR-ed (table 5-295), repeated or comma-separated."""
    pairs: list[tuple[str, str | None]] = []
    for item in (part for value in values for part in value.split(",") if part):
        key, sign, value = item.partition("=")
        pairs.append((key, value if sign else None))
    return pairs


def _tagged(configmap: JSON, pairs: list[tuple[str, str | None]]) -> bool:
    return not pairs or any(
        tag["key"] == key and value in (None, tag["value"]) for key, value in pairs for tag in configmap["tags"]
    )


# routes ------------------------------------------------------------------------------------------
router = InlineRouter()


@router.get("/v3/{project_id}/ai-mgr/configmaps")
def list_all(
    project: HiLensProject,
    cloud: CloudDep,
    provider: str | None = None,
    name: str | None = None,
    workspace_id: str | None = None,
    limit: str | None = None,
    offset: str | None = None,
    sort: str | None = None,
    tag_key: Annotated[list[str] | None, Query()] = None,
) -> dict[str, Any]:
    window = page(offset, limit, 1000, 1000)
    chosen = provider_param(provider, "hilens")
    field, descending = sort_param(sort, SORTS, "created_at:desc")
    pairs = _tag_filter(tag_key or [])
    workspace = workspace_id or DEFAULT_WORKSPACE_ID
    with cloud.store.transaction() as tx:
        found = [
            configmap
            for configmap in tx.objects(CONFIGMAP_KIND, project.project_id)
            if configmap["_provider"] == chosen
            and configmap["workspace_id"] == workspace
            and fuzzy(name, configmap["name"])
            and _tagged(configmap, pairs)
        ]
    ordered = sorted_by(found, field, descending)
    return {"count": len(found), "configmaps": [configmap_view(configmap) for configmap in window.of(ordered)]}


@router.post("/v3/{project_id}/ai-mgr/configmaps")
def create(project: HiLensProject, cloud: CloudDep, body: JsonBody, provider: str | None = None) -> dict[str, Any]:
    request = parse(ConfigMapRequest, body)
    chosen = provider_param(provider, "hilens") or "hilens"
    with cloud.store.transaction() as tx:
        return _answer(create_configmap(tx, project, chosen, request))


@router.get("/v3/{project_id}/ai-mgr/configmaps/{config_map_id}")
def show(config_map_id: str, project: HiLensProject, cloud: CloudDep) -> dict[str, Any]:
    with cloud.store.transaction() as tx:
        return _answer(get_configmap(tx, project.project_id, config_map_id))


@router.put("/v3/{project_id}/ai-mgr/configmaps/{config_map_id}")
def update(config_map_id: str, project: HiLensProject, cloud: CloudDep, body: JsonBody) -> dict[str, Any]:
    request = parse(ConfigMapRequest, body)
    with cloud.store.transaction() as tx:
        return _answer(update_configmap(tx, project.project_id, config_map_id, request))


@router.delete("/v3/{project_id}/ai-mgr/configmaps/{config_map_id}")
def delete(config_map_id: str, project: HiLensProject, cloud: CloudDep) -> dict[str, Any]:
    with cloud.store.transaction() as tx:
        get_configmap(tx, project.project_id, config_map_id)
        tx.delete(CONFIGMAP_KIND, project.project_id, config_map_id)
    return {"configmap": {"id": config_map_id}}
