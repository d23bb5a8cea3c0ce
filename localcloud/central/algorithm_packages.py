"""Algorithm encapsulation files and algorithms on the analysis platform (seed appendix E; digest §9).

Both are pushed by the client with its own ``id``, an ``md5`` and a ``url`` the CAP fetches the
artefact from (E.2, E.6). Their integer ``status``, which the standard leaves open, reads 0 while
the artefact is fetched, 1 when it is ready, 2 when it could not be used (digest §14.5).

localcloud does not reach out to the network: it reads an artefact only from a ``data:`` URL (RFC
2397), checks it against ``md5`` (status 2 on a mismatch) and takes a JSON document in it as the
file's descriptor, E.5's fields (``name``, ``version``, ``author``, ``description``, ``tags``,
``env``, ``bin``, ``algo_runtime``) or, for an algorithm, ``relatedAlgoFilePackageId``. Any other
URL is taken as fetched and sound: an encapsulation file's name and version then come from the
URL's last path segment (``…/megcity-2.0.1.tar`` → ``megcity-2.0.1``, ``2.0.1``; 1.0.0 without one)
and an algorithm names no encapsulation file.

The detail answers E.5's example spelling (``remote_uri``, ``algo_runtime``, ``stream_video_quota``
…) and a descriptor may use either spelling. Pushing an ``id`` again with the same ``md5`` and
``url`` changes nothing; with others it is code 409. An encapsulation file that an algorithm names
cannot be deleted (409). Deleting an algorithm takes its ``id`` alone, as summary table E.7 (no
body) and the example (only ``id``) have it; table E.20 marks ``url`` required, so a ``url`` given
(in the body or the query) must be the one the algorithm was pushed with. Searches page with
1-based ``pageNumber``; the file search filters by a part of ``name``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit

from pydantic import BaseModel, ConfigDict, Field

from aicompute.localcloud.central.common import (
    ALGO_PACKAGE_KIND,
    BAD_REQUEST,
    CAP,
    CONFLICT,
    FILE_PACKAGE_KIND,
    JSON,
    CentralProject,
    CloudDep,
    Params,
    cap_page,
    central_router,
    parse,
)
from aicompute.localcloud.lifecycle import Lifecycle, step
from aicompute.localcloud.store import Transaction

FILE_FETCHED_STEP = "central.algo_file_package.fetched"
ALGO_FETCHED_STEP = "central.algo_package.fetched"
FETCH_DELAY_SECONDS = 2.0
FETCHING, READY, UNUSABLE = 0, 1, 2
_SNAKE = {
    "remoteUri": "remote_uri",
    "localUri": "local_uri",
    "algoRuntime": "algo_runtime",
    "streamVideoQuota": "stream_video_quota",
    "streamCaptureQuota": "stream_capture_quota",
    "analyzeQuota": "analyze_quota",
}
_VERSION = re.compile(r"\d+(?:\.\d+)+")
DEFAULT_VERSION = "1.0.0"


# request models ----------------------------------------------------------------------------------
class Push(BaseModel):
    """E.10 and E.18: both pushes carry the same three fields."""

    model_config = ConfigDict(extra="ignore")

    id: str = Field(min_length=1)
    md5: str
    url: str = Field(min_length=1)


class FileSearch(BaseModel):
    model_config = ConfigDict(extra="ignore")

    pageNumber: int = Field(ge=0)
    pageSize: int = Field(ge=1, le=1000)
    name: str | None = None


class AlgoSearch(BaseModel):
    model_config = ConfigDict(extra="ignore")

    pageNumber: int = Field(ge=0)
    pageSize: int = Field(ge=1, le=1000)


class AlgoDelete(BaseModel):
    """E.20 marks ``url`` required, E.7 and the example send ``id`` alone: both forms are taken."""

    model_config = ConfigDict(extra="ignore")

    id: str = Field(min_length=1)
    url: str | None = Field(default=None, min_length=1)


# artefacts ---------------------------------------------------------------------------------------
def _data_url(url: str) -> bytes | None:
    """The bytes of a ``data:`` URL (RFC 2397), None for any other URL or a malformed one."""
    if not url.lower().startswith("data:"):
        return None
    header, comma, payload = url[5:].partition(",")
    if not comma:
        return None
    if header.lower().endswith(";base64"):
        try:
            return base64.b64decode(unquote_to_bytes(payload), validate=True)
        except binascii.Error:
            return None
    return unquote_to_bytes(payload)


def _snake(value: Any) -> Any:
    if isinstance(value, dict):
        return {_SNAKE.get(key, key): _snake(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_snake(item) for item in value]
    return value


def _fetch(record: JSON) -> tuple[int, JSON | None, str]:
    """``(status, document or None, reason)`` of fetching a record's ``url``."""
    content = _data_url(record["url"])
    if content is None:
        if record["url"].lower().startswith("data:"):
            return UNUSABLE, None, "the data: URL is malformed"
        return READY, None, ""
    if record["md5"] and hashlib.md5(content, usedforsecurity=False).hexdigest() != record["md5"].lower():
        return UNUSABLE, None, "the content does not match its md5"
    try:
        document = json.loads(content)
    except ValueError:
        return READY, None, ""
    return READY, document if isinstance(document, dict) else None, ""


def _descriptor_from_url(record: JSON) -> JSON:
    """Name and version from the URL's last path segment (the file's own name), else from the id."""
    stem = "" if _data_url(record["url"]) is not None else urlsplit(record["url"]).path.rstrip("/").rsplit("/", 1)[-1]
    for extension in (".tar.gz", ".tgz", ".tar", ".zip", ".json"):
        stem = stem.removesuffix(extension)
    version = _VERSION.search(stem)
    return {"name": stem or record["id"], "version": version.group(0) if version else DEFAULT_VERSION}


def _push(tx: Transaction, lifecycle: Lifecycle, project_id: str, kind: str, step_name: str, body: Push) -> None:
    existing = tx.get(kind, project_id, body.id)
    if existing is not None:
        if (existing["md5"], existing["url"]) == (body.md5, body.url):
            return
        raise CAP.error(CONFLICT, f"{body.id} was pushed with another md5 or url")
    tx.put(kind, project_id, body.id, {"id": body.id, "md5": body.md5, "url": body.url, "status": FETCHING})
    lifecycle.schedule(tx, project_id, FETCH_DELAY_SECONDS, step_name, {"id": body.id})


def _get(tx: Transaction, project_id: str, kind: str, what: str, obj_id: str) -> JSON:
    record = tx.get(kind, project_id, obj_id)
    if record is None:
        raise CAP.not_found(what, obj_id)
    return record


# encapsulation files -----------------------------------------------------------------------------
@step(FILE_FETCHED_STEP)
def _file_fetched(tx: Transaction, project_id: str, args: dict[str, Any]) -> None:
    record = tx.get(FILE_PACKAGE_KIND, project_id, args["id"])
    if record is None or record["status"] != FETCHING:
        return
    status, document, reason = _fetch(record)
    if status == UNUSABLE:
        descriptor: JSON = {}
    elif document is None:
        descriptor = _descriptor_from_url(record)
    else:
        descriptor = {key: value for key, value in _snake(document).items() if key not in ("id", "status")}
    record.update(status=status, _descriptor=descriptor, _reason=reason)
    tx.put(FILE_PACKAGE_KIND, project_id, args["id"], record)


def _file_summary(record: JSON) -> JSON:
    """An E.15 record; ``name`` … are empty until the file is fetched."""
    descriptor = record.get("_descriptor", {})
    summary = {key: str(descriptor.get(key, "")) for key in ("name", "version", "author", "description")}
    return {"id": record["id"], **summary, "status": record["status"]}


def _file_detail(record: JSON) -> JSON:
    descriptor = record.get("_descriptor", {})
    detail = {**_file_summary(record), "tags": descriptor.get("tags", []), "env": descriptor.get("env", [])}
    detail.update({key: value for key, value in descriptor.items() if key not in detail})
    if record["status"] == UNUSABLE:
        detail["message"] = record["_reason"]
    return detail


def quota_of(tx: Transaction, project_id: str, algo_id: str) -> float | None:
    """The per-instance GPU share (``algo_runtime.gpu[0].quota``) of the encapsulation file of
    algorithm ``algo_id``, when there is one."""
    algorithm = tx.get(ALGO_PACKAGE_KIND, project_id, algo_id)
    related = algorithm.get("relatedAlgoFilePackageId") if algorithm else None
    record = tx.get(FILE_PACKAGE_KIND, project_id, related) if related else None
    gpus = ((record or {}).get("_descriptor", {}).get("algo_runtime") or {}).get("gpu") or []
    quota = gpus[0].get("quota") if gpus and isinstance(gpus[0], dict) else None
    return float(quota) if isinstance(quota, int | float) and quota > 0 else None


# algorithms --------------------------------------------------------------------------------------
@step(ALGO_FETCHED_STEP)
def _algo_fetched(tx: Transaction, project_id: str, args: dict[str, Any]) -> None:
    record = tx.get(ALGO_PACKAGE_KIND, project_id, args["id"])
    if record is None or record["status"] != FETCHING:
        return
    status, document, reason = _fetch(record)
    document = document or {}
    related = str(document.get("relatedAlgoFilePackageId") or document.get("algoFilePackageId") or "")
    if status == READY and related and tx.get(FILE_PACKAGE_KIND, project_id, related) is None:
        status, reason = UNUSABLE, f"its algorithm encapsulation file {related} does not exist"
    record.update(status=status, relatedAlgoFilePackageId=related, _reason=reason)
    tx.put(ALGO_PACKAGE_KIND, project_id, args["id"], record)


def _algo_detail(record: JSON) -> JSON:
    detail = {
        "id": record["id"],
        "url": record["url"],
        "relatedAlgoFilePackageId": record.get("relatedAlgoFilePackageId", ""),
        "status": record["status"],
    }
    if record["status"] == UNUSABLE:
        detail["message"] = record["_reason"]
    return detail


def _algo_summary(record: JSON) -> JSON:
    """An E.23 record: the table spells ``relatedAlgoFilePackageid``, the detail (E.25) ``…Id``."""
    detail = _algo_detail(record)
    detail.pop("message", None)
    return {**detail, "relatedAlgoFilePackageid": detail["relatedAlgoFilePackageId"]}


# routes ------------------------------------------------------------------------------------------
router = central_router()


@router.post("/CAP/AlgoFilePackages")
def push_file(project: CentralProject, cloud: CloudDep, params: Params) -> JSON:
    body = parse(Push, params, CAP)
    with cloud.store.transaction() as tx:
        _push(tx, cloud.lifecycle, project.project_id, FILE_PACKAGE_KIND, FILE_FETCHED_STEP, body)
    return CAP.ok({})


@router.post("/CAP/AlgoFilePackages:search")
def search_files(project: CentralProject, cloud: CloudDep, params: Params) -> JSON:
    query = parse(FileSearch, params, CAP)
    with cloud.store.transaction() as tx:
        records = [_file_summary(record) for record in tx.objects(FILE_PACKAGE_KIND, project.project_id)]
    if query.name:
        records = [record for record in records if query.name.lower() in record["name"].lower()]
    return CAP.ok(cap_page(records, query.pageNumber, query.pageSize))


@router.get("/CAP/AlgoFilePackages/{id:path}")
def show_file(id: str, project: CentralProject, cloud: CloudDep) -> JSON:
    with cloud.store.transaction() as tx:
        return CAP.ok(_file_detail(_get(tx, project.project_id, FILE_PACKAGE_KIND, "algorithm encapsulation file", id)))


@router.delete("/CAP/AlgoFilePackages/{id:path}")
def delete_file(id: str, project: CentralProject, cloud: CloudDep) -> JSON:
    with cloud.store.transaction() as tx:
        _get(tx, project.project_id, FILE_PACKAGE_KIND, "algorithm encapsulation file", id)
        users = [
            algorithm["id"]
            for algorithm in tx.objects(ALGO_PACKAGE_KIND, project.project_id)
            if algorithm.get("relatedAlgoFilePackageId") == id
        ]
        if users:
            raise CAP.error(CONFLICT, f"algorithm encapsulation file {id} is used by algorithm {', '.join(users)}")
        tx.delete(FILE_PACKAGE_KIND, project.project_id, id)
    return CAP.ok({"id": id})


@router.post("/CAP/AlgoPackages")
def push_algorithm(project: CentralProject, cloud: CloudDep, params: Params) -> JSON:
    body = parse(Push, params, CAP)
    with cloud.store.transaction() as tx:
        _push(tx, cloud.lifecycle, project.project_id, ALGO_PACKAGE_KIND, ALGO_FETCHED_STEP, body)
    return CAP.ok({})


@router.post("/CAP/AlgoPackages:search")
def search_algorithms(project: CentralProject, cloud: CloudDep, params: Params) -> JSON:
    query = parse(AlgoSearch, params, CAP)
    with cloud.store.transaction() as tx:
        records = [_algo_summary(record) for record in tx.objects(ALGO_PACKAGE_KIND, project.project_id)]
    return CAP.ok(cap_page(records, query.pageNumber, query.pageSize))


@router.get("/CAP/AlgoPackages/{id:path}")
def show_algorithm(id: str, project: CentralProject, cloud: CloudDep) -> JSON:
    with cloud.store.transaction() as tx:
        return CAP.ok(_algo_detail(_get(tx, project.project_id, ALGO_PACKAGE_KIND, "algorithm", id)))


@router.delete("/CAP/AlgoPackages/{id:path}")
def delete_algorithm(project: CentralProject, cloud: CloudDep, params: Params) -> JSON:
    body = parse(AlgoDelete, params, CAP)
    with cloud.store.transaction() as tx:
        record = _get(tx, project.project_id, ALGO_PACKAGE_KIND, "algorithm", body.id)
        if body.url is not None and body.url != record["url"]:
            raise CAP.error(BAD_REQUEST, f"url {body.url} is not the url algorithm {body.id} was pushed with")
        tx.delete(ALGO_PACKAGE_KIND, project.project_id, body.id)
    return CAP.ok({})
