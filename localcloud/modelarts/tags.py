"""Pool tags (seed chapter 15): every tag of the project's pools, and the tags of one pool.

The seed has no API that writes pool tags; a pool's tags are the ``os.modelarts/tms.tags``
annotation given at creation ("创建的时候由用户指定的TMS标签", table 10-169), read as a JSON list
of ``{"key", "value"}`` (digest §7.2). Both answers group the values per key.

Quirk (digest §12.8): one pool's tags answer **204 with a JSON body**. HTTP/1.1 cannot carry a
body on a 204 (RFC 9110 §15.3.5; uvicorn's h11 refuses to send one and every client discards it),
so the faithful answer is the 204 status with an empty body. A client that needs the tags sends
``X-LocalCloud-Compat: status-200`` and gets the same body with a 200, the compatibility switch
the digest recommends.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Header
from fastapi.responses import JSONResponse, Response

from aicompute.localcloud.inline import InlineRouter
from aicompute.localcloud.modelarts import fleet
from aicompute.localcloud.modelarts.common import CloudDep, ModelArtsProject, Transaction, modelarts_error
from aicompute.localcloud.modelarts.kube import JSON, POOL_KIND
from aicompute.localcloud.modelarts.paging import paginate
from aicompute.localcloud.modelarts.pool_models import TMS_TAGS_ANNOTATION, parse_tms_tags

COMPAT_HEADER = "X-LocalCloud-Compat"
COMPAT_STATUS_200 = "status-200"
DEFAULT_TAG_LIMIT = 200


# backend ---------------------------------------------------------------------------------------
def tags_of(pools: list[JSON]) -> list[JSON]:
    """``[{"key", "values"}]``: each key once, with its distinct values in order of appearance."""
    grouped: dict[str, list[str]] = {}
    for pool in pools:
        annotation = pool["metadata"]["annotations"].get(TMS_TAGS_ANNOTATION)
        for key, value in parse_tms_tags(annotation) if annotation else []:
            values = grouped.setdefault(key, [])
            if value not in values:
                values.append(value)
    return [{"key": key, "values": values} for key, values in grouped.items()]


def project_tags(tx: Transaction, project_id: str, offset: int, limit: int) -> JSON:
    live = [pool for pool in tx.objects(POOL_KIND, project_id) if fleet.pool_phase(pool) != "Deleting"]
    # offset is the start page (table 15-2: "分页列表的起始页").
    return {"tags": paginate(tags_of(live), offset, limit, offset_is_page=True)}


def _non_negative(name: str, raw: str | None, default: int) -> int:
    if raw in (None, ""):
        return default
    try:
        value = int(str(raw))
    except ValueError:
        value = -1
    if value < 0:
        # Table 15-5 documents a 400 "参数非法" (illegal parameter) without a code.
        raise modelarts_error(400, "ModelArts.0101", f"Invalid Argument. {name}: {raw!r}")
    return value


# routes ----------------------------------------------------------------------------------------
router = InlineRouter()


# Declared before any /pools/{pool_name}/... route so that "tags" is never taken for a pool name.
@router.get("/v1/{project_id}/pools/tags")
def list_project_pool_tags(
    project: ModelArtsProject, cloud: CloudDep, limit: str | None = None, offset: str | None = None
) -> dict[str, Any]:
    start = _non_negative("offset", offset, 0)
    page_size = _non_negative("limit", limit, DEFAULT_TAG_LIMIT) or DEFAULT_TAG_LIMIT
    with cloud.store.transaction() as tx:
        return project_tags(tx, project.project_id, start, page_size)


@router.get("/v1/{project_id}/pools/{pool_name}/tags", status_code=204)
def show_pool_tags(
    pool_name: str,
    project: ModelArtsProject,
    cloud: CloudDep,
    compat: Annotated[str | None, Header(alias=COMPAT_HEADER)] = None,
) -> Response:
    with cloud.store.transaction() as tx:
        pool = fleet.get_pool(tx, project.project_id, pool_name)
    if compat != COMPAT_STATUS_200:
        return Response(status_code=204, media_type="application/json")
    return JSONResponse({"tags": tags_of([pool])}, status_code=200)
