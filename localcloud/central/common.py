"""What every central-platform module shares (seed 004; digest §3, §4).

* **Envelopes** (digest §4.1). Every answer is HTTP 200 with ``code`` 0 for success and a non-zero
  code otherwise: a string (``"0"``, ``"404"``) with ``message`` and ``requestId`` on /CCP and /CAD,
  an integer with ``message`` on /ACP and /CAP/Status, an integer with ``msg`` on the other /CAP
  paths. The standard defines no error codes, so localcloud uses the HTTP status a REST API would
  have answered: 400 (invalid input), 404 (no such object), 409 (conflict or wrong state). Only
  authentication failures (401) and injected faults change the HTTP status.
* **Parameters** (digest §4.2 items 1, 2). Many GET and DELETE interfaces take a JSON body while
  their tables say "no query string", and proxies drop such bodies: parameters are read from the
  JSON body and the query string (the body wins), and a path parameter wins over both.
* **Paths** (digest §4.2 items 3-5) are matched without regard to case (``algoService`` and
  ``algoservice``), and ids may hold ``/`` or ``:`` when percent-encoded.
* **Tenancy**: the standard has no project in its paths. An OAuth2 access token (``oauth.py``) is
  issued to a client bound to one localcloud project; the bearer dependency returns that project
  and advances its lifecycles, so every handler sees the tenant's world as of now.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ValidationError
from starlette.routing import Match
from starlette.types import Scope

from aicompute.localcloud import jsonbody
from aicompute.localcloud.cloud import Cloud, get_cloud
from aicompute.localcloud.errors import (
    CENTRAL_ACP,
    CENTRAL_CAP,
    CENTRAL_CCP,
    CentralPlatform,
    PlatformError,
    platform_for_path,
)
from aicompute.localcloud.inline import InlineRoute, InlineRouter
from aicompute.localcloud.store import Project, Transaction

JSON = dict[str, Any]

# Stored kinds. The first four are also the kinds of "fail the next transition" directives.
CLUSTER_KIND = "central.cluster"
WORKLOAD_KIND = "central.workload"
SERVICE_KIND = "central.service"
TASK_KIND = "central.task"
NODE_KIND = "central.node"
POD_KIND = "central.pod"
FILE_PACKAGE_KIND = "central.algo_file_package"
ALGO_PACKAGE_KIND = "central.algo_package"
CAP_REGISTRATION_KIND = "central.cap_registration"
MACHINE_KIND = "central.machine"
MACHINE_FILE_PACKAGE_KIND = "central.machine_file_package"
MACHINE_PACKAGE_KIND = "central.machine_algo_package"
SEQUENCE_KIND = "central.sequence"

BAD_REQUEST = 400
UNAUTHORIZED = 401
FORBIDDEN = 403
NOT_FOUND = 404
CONFLICT = 409

_NO_DATA: Any = object()


# envelopes ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Family:
    """One envelope family: how its successes and its failures read."""

    platform: CentralPlatform

    def ok(self, data: Any = _NO_DATA, **extra: Any) -> JSON:
        """Success: ``code`` 0 and ``"success"``, then ``data`` (absent from an EmptyResponse) and ``extra``."""
        platform = self.platform
        body: JSON = {"code": 0 if platform.integer_code else "0", platform.text_key: "success"}
        if data is not _NO_DATA:
            body["data"] = data
        body.update(extra)
        if not platform.integer_code:
            body["requestId"] = str(uuid.uuid4())
        return body

    def error(self, code: int, message: str) -> PlatformError:
        """A business failure: HTTP 200 with the non-zero ``code`` (digest §4.1)."""
        return PlatformError(200, self.platform.error_body(str(code), message))

    def not_found(self, what: str, key: str) -> PlatformError:
        return self.error(NOT_FOUND, f"{what} {key} does not exist")


CCP = Family(CENTRAL_CCP)
CAD = Family(CENTRAL_CCP)
ACP = Family(CENTRAL_ACP)
CAP = Family(CENTRAL_CAP)


def family_for_path(path: str) -> Family:
    platform = platform_for_path(path)
    return Family(platform) if isinstance(platform, CentralPlatform) else CCP


# routes ------------------------------------------------------------------------------------------
class CentralRoute(InlineRoute):
    """A route that matches its path without regard to case (digest §4.2 item 3).

    The request's path is matched case-insensitively, then handed on in the route's own spelling,
    so FastAPI's matching, the path parameters and the 405 answers work as for any route.
    """

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        self._folded = re.compile(self.path_regex.pattern, re.IGNORECASE)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http" and not scope.get("root_path"):
            found = self._folded.match(scope["path"])
            if found is not None:
                scope = {**scope, "path": self.path_format.format(**found.groupdict())}
        return super().matches(scope)


def central_router() -> APIRouter:
    return InlineRouter(route_class=CentralRoute)


# authentication ----------------------------------------------------------------------------------
def _unauthorized(family: Family, message: str, error: str | None) -> PlatformError:
    """401 with an RFC 6750 §3 challenge (``error`` only when a token was sent)."""
    challenge = 'Bearer realm="localcloud"'
    if error is not None:
        challenge += f', error="{error}", error_description="{message}"'
    return PlatformError(
        UNAUTHORIZED, family.platform.error_body(str(UNAUTHORIZED), message), {"WWW-Authenticate": challenge}
    )


def tenant(request: Request, cloud: Cloud = Depends(get_cloud)) -> Project:
    """The project of the request's bearer token, with its lifecycles advanced to now."""
    family = family_for_path(request.url.path)
    scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise _unauthorized(family, "an access token is required: Authorization: Bearer <token>", None)
    with cloud.store.transaction() as tx:
        found = tx.oauth_token(token)
        project = tx.project(found[1]) if found is not None else None
        if found is None or project is None:
            raise _unauthorized(family, "the access token is invalid or was revoked", "invalid_token")
        if found[2] <= time.time():
            raise _unauthorized(family, "the access token expired", "invalid_token")
        cloud.lifecycle.advance(tx, project.project_id)
    return project


# Route parameter types: ``project: CentralProject`` authenticates the caller and names its
# tenant; ``cloud: CloudDep`` is the emulator's world; ``params: Params`` the merged parameters.
CentralProject = Annotated[Project, Depends(tenant)]
CloudDep = Annotated[Cloud, Depends(get_cloud)]


# parameters --------------------------------------------------------------------------------------
def _query_value(value: str) -> Any:
    """A query value; one that reads as a JSON object or array (``pageRequest={...}``) is parsed."""
    if value[:1] in ("{", "["):
        try:
            return jsonbody.loads(value)
        except jsonbody.BodyError:
            return value
    return value


def _query(request: Request) -> JSON:
    """The query string as parameters: repeated keys are lists, dotted keys nest (``pageRequest.pageSize``)."""
    flat: dict[str, Any] = {}
    for key, value in parse_qsl(request.url.query, keep_blank_values=True):
        parsed = _query_value(value)
        if key in flat:
            flat[key] = [*flat[key], parsed] if isinstance(flat[key], list) else [flat[key], parsed]
        else:
            flat[key] = parsed
    params: JSON = {}
    for key, value in flat.items():
        *parents, leaf = key.split(".")
        target = params
        for parent in parents:
            child = target.setdefault(parent, {})
            if not isinstance(child, dict):
                break
            target = child
        else:
            target.setdefault(leaf, value)
    return params


async def request_params(request: Request) -> JSON:
    """The request's parameters: the query string, overridden by a JSON body, overridden by the path."""
    family = family_for_path(request.url.path)
    params = _query(request)
    raw = await request.body()
    if raw.strip():
        try:
            body = jsonbody.loads(raw)
        except jsonbody.BodyError as error:
            raise family.error(BAD_REQUEST, str(error)) from None
        if not isinstance(body, dict):
            raise family.error(BAD_REQUEST, "the body must be a JSON object")
        params.update(body)
    params.update(request.path_params)
    return params


Params = Annotated[JSON, Depends(request_params)]

Model = TypeVar("Model", bound=BaseModel)


def _where(loc: Sequence[int | str]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def parse(model: type[Model], data: Any, family: Family) -> Model:
    """Validate ``data``; a failure is the family's code 400 naming each field and its rule."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems = []
        for item in error.errors():
            message = str(item["msg"]).removeprefix("Value error, ")
            where = _where(item["loc"])
            problems.append(f"{where}: {message}" if where else message)
        raise family.error(BAD_REQUEST, "; ".join(problems)) from None


# records -----------------------------------------------------------------------------------------
def public(record: JSON) -> JSON:
    """A stored record without its private bookkeeping (keys starting with ``_``)."""
    return {key: value for key, value in record.items() if not key.startswith("_")}


def next_number(tx: Transaction, project_id: str, sequence: str) -> int:
    """1, 2, 3, … per project and sequence: server-assigned ids are never reused."""
    record = tx.get(SEQUENCE_KIND, project_id, sequence) or {"last": 0}
    record["last"] += 1
    tx.put(SEQUENCE_KIND, project_id, sequence, record)
    return int(record["last"])


def date_text(epoch: float, millis: bool = False) -> str:
    """``yyyy-MM-dd HH:mm:ss`` (``.SSS`` with ``millis``), the standard's only date format (I.14), UTC."""
    moment = datetime.fromtimestamp(epoch, UTC)
    text = moment.strftime("%Y-%m-%d %H:%M:%S")
    return f"{text}.{moment.microsecond // 1000:03d}" if millis else text


def epoch_ms(epoch: float | None = None) -> int:
    return int((time.time() if epoch is None else epoch) * 1000)


def page(items: Sequence[JSON], number: int, size: int) -> list[JSON]:
    """Page ``number`` (1-based; 0 reads as 1, digest §4.3) of ``size`` items."""
    start = (max(number, 1) - 1) * size
    return list(items[start : start + size])


def cap_page(records: Sequence[JSON], number: int, size: int) -> JSON:
    """The CAP search answer ``{pageNumber, pageSize, total, records}`` (E.15, F.11, G.17)."""
    return {
        "pageNumber": max(number, 1),
        "pageSize": size,
        "total": len(records),
        "records": page(records, number, size),
    }
