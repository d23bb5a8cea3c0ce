"""Compute management (seed appendix D; digest §8): CAP registration with the management platform
(``/ACP/Register``, ``/ACP/UnRegister``, ``/ACP/Keepalive``) and the CAP's status (``/CAP/Status``).

The /ACP interfaces are the management platform's, called by a CAP; localcloud serves them beside
the CAP's own, so a tenant's registry holds the CAPs that registered with it. Their envelope has an
integer ``code``, ``message`` and ``data`` ``{}`` (D.7, D.9, D.11, whose tables defer to the
examples). Registering an ``id`` again replaces its record. A CAP is online while keepalives
arrive: within ``expires`` seconds of the last one (or of registering). D.4's example omits
``expires``, which the table requires; localcloud then takes 60 s, H.8's example value. The
registry is shown (without passwords) by ``GET /_localcloud/central/caps?project_id=``.

``GET /CAP/Status`` (D.5) answers the CAP's hosts and their use (``cap_hosts.py``); its ``data``
is an object (the table's "String" is a slip, digest §8.4).
"""

from __future__ import annotations

import ipaddress
import time
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from aicompute.localcloud.central import cap_hosts
from aicompute.localcloud.central.common import (
    ACP,
    CAP_REGISTRATION_KIND,
    JSON,
    CentralProject,
    CloudDep,
    Params,
    central_router,
    parse,
    public,
)
from aicompute.localcloud.inline import InlineRouter

DEFAULT_EXPIRES_SECONDS = 60


def valid_ip(value: str) -> str:
    """The value, when it is an IP address (a field validator)."""
    try:
        ipaddress.ip_address(value)
    except ValueError:
        raise ValueError(f"{value!r} is not an IP address") from None
    return value


class Register(BaseModel):
    """D.6."""

    model_config = ConfigDict(extra="ignore")

    id: str = Field(min_length=1)
    type: Literal["AI_CAMERA", "AI_BOX", "AI_CLOUD"]
    ip: str
    port: int = Field(ge=1, le=65535)
    username: str | None = None
    password: str | None = None

    _valid_ip = field_validator("ip")(valid_ip)


class UnRegister(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str = Field(min_length=1)


class Keepalive(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str = Field(min_length=1)
    expires: int = Field(default=DEFAULT_EXPIRES_SECONDS, ge=1)


def online(record: JSON, now: float | None = None) -> bool:
    return bool((now or time.time()) - record["_lastKeepalive"] < record["_expires"])


router = central_router()


@router.post("/ACP/Register")
def register(project: CentralProject, cloud: CloudDep, params: Params) -> JSON:
    body = parse(Register, params, ACP)
    record: JSON = body.model_dump(exclude={"password"}, exclude_none=True)
    record.update(_password=body.password, _lastKeepalive=time.time(), _expires=DEFAULT_EXPIRES_SECONDS)
    with cloud.store.transaction() as tx:
        tx.put(CAP_REGISTRATION_KIND, project.project_id, body.id, record)
    return ACP.ok({})


@router.post("/ACP/UnRegister")
def unregister(project: CentralProject, cloud: CloudDep, params: Params) -> JSON:
    body = parse(UnRegister, params, ACP)
    with cloud.store.transaction() as tx:
        if tx.get(CAP_REGISTRATION_KIND, project.project_id, body.id) is None:
            raise ACP.not_found("registered device", body.id)
        tx.delete(CAP_REGISTRATION_KIND, project.project_id, body.id)
    return ACP.ok({})


@router.post("/ACP/Keepalive")
def keepalive(project: CentralProject, cloud: CloudDep, params: Params) -> JSON:
    body = parse(Keepalive, params, ACP)
    with cloud.store.transaction() as tx:
        record = tx.get(CAP_REGISTRATION_KIND, project.project_id, body.id)
        if record is None:
            raise ACP.not_found("registered device", body.id)
        record.update(_lastKeepalive=time.time(), _expires=body.expires)
        tx.put(CAP_REGISTRATION_KIND, project.project_id, body.id, record)
    return ACP.ok({})


@router.get("/CAP/Status")
def status(project: CentralProject, cloud: CloudDep) -> JSON:
    with cloud.store.transaction() as tx:
        return ACP.ok(cap_hosts.status(tx, project.project_id))


admin_router = InlineRouter(prefix="/_localcloud/central")


@admin_router.get("/caps")
def registered_caps(cloud: CloudDep, project_id: str | None = None) -> list[dict[str, Any]]:
    """The CAPs registered with a tenant (the default project unless named), and whether each is online."""
    with cloud.store.transaction() as tx:
        records = tx.objects(CAP_REGISTRATION_KIND, project_id or cloud.settings.project_id)
    now = time.time()
    return [
        {
            **public(record),
            "expires": record["_expires"],
            "lastKeepalive": record["_lastKeepalive"],
            "online": online(record, now),
        }
        for record in records
    ]
