"""Admin endpoints under ``/_localcloud/``: reset, projects, directives, faults, request log."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from aicompute.localcloud.central.oauth import new_client
from aicompute.localcloud.cloud import Cloud, get_cloud
from aicompute.localcloud.faults import FaultRule, TooManyRules
from aicompute.localcloud.inline import InlineRouter
from aicompute.localcloud.store import Project

router = InlineRouter(prefix="/_localcloud")


@router.get("/health")
def health(cloud: Cloud = Depends(get_cloud)) -> dict[str, Any]:
    return {"status": "ok", "time_scale": cloud.settings.time_scale}


@router.post("/reset")
def reset(cloud: Cloud = Depends(get_cloud)) -> dict[str, str]:
    """Forget every object, timer, directive, token, fault rule and logged request."""
    with cloud.store.transaction() as tx:
        tx.clear_world()
    cloud.faults.remove()
    cloud.faults.clear_log()
    return {"status": "reset"}


class NewProject(BaseModel):
    region: str | None = None


@router.post("/projects")
def create_project(body: NewProject | None = None, cloud: Cloud = Depends(get_cloud)) -> dict[str, str]:
    """A new isolated project with its own credentials, also an OAuth2 client of the central platform."""
    project = Project(
        project_id=secrets.token_hex(16),
        access_key="LC" + secrets.token_hex(9).upper(),
        secret_key=secrets.token_urlsafe(30),
        user_name="user-" + secrets.token_hex(4),
        password=secrets.token_urlsafe(16),
        domain_name="localcloud",
        region=(body.region if body and body.region else cloud.settings.region),
    )
    client = new_client(project.project_id)
    with cloud.store.transaction() as tx:
        tx.add_project(project)
        tx.add_oauth_client(client)
    return {**project.__dict__, "central_client_id": client.client_id, "central_client_secret": client.client_secret}


class FailNext(BaseModel):
    """Make the next transition of one object (or, with ``id`` ``*``, of the next new one) fail."""

    project_id: str | None = None
    kind: str = Field(description="e.g. modelarts.pool, modelarts.network, modelarts.service")
    id: str = Field(default="*", description="object id, or * for the next object of the kind created")
    message: str = "injected failure"


@router.post("/directives/fail-next")
def fail_next(body: FailNext, cloud: Cloud = Depends(get_cloud)) -> dict[str, str]:
    project_id = body.project_id or cloud.settings.project_id
    with cloud.store.transaction() as tx:
        tx.set_directive(project_id, body.kind, body.id, {"fail": True, "message": body.message})
    return {"status": "armed", "kind": body.kind, "id": body.id}


@router.post("/faults")
def add_fault(rule: FaultRule, cloud: Cloud = Depends(get_cloud)) -> Any:
    try:
        fault = cloud.faults.add(rule)
    except TooManyRules as error:
        return JSONResponse({"error_msg": str(error)}, status_code=400)
    return fault.describe()


@router.get("/faults")
def list_faults(cloud: Cloud = Depends(get_cloud)) -> list[dict[str, Any]]:
    return cloud.faults.describe_rules()


class Seed(BaseModel):
    seed: int


@router.post("/faults/seed")
def seed_faults(body: Seed, cloud: Cloud = Depends(get_cloud)) -> dict[str, Any]:
    """Seed the random draws of probabilistic rules, so a run's faults can be replayed."""
    cloud.faults.reseed(body.seed)
    return {"status": "seeded", "seed": body.seed}


@router.delete("/faults")
def clear_faults(cloud: Cloud = Depends(get_cloud)) -> dict[str, str]:
    cloud.faults.remove()
    return {"status": "cleared"}


@router.delete("/faults/{fault_id}")
def delete_fault(fault_id: int, cloud: Cloud = Depends(get_cloud)) -> dict[str, str]:
    cloud.faults.remove(fault_id)
    return {"status": "deleted"}


@router.get("/requests")
def request_log(since: int = 0, cloud: Cloud = Depends(get_cloud)) -> list[dict[str, Any]]:
    """Every request after sequence number ``since``, oldest first (admin calls are not logged)."""
    return [entry.describe() for entry in cloud.faults.entries(since)]


@router.delete("/requests")
def clear_request_log(cloud: Cloud = Depends(get_cloud)) -> dict[str, str]:
    cloud.faults.clear_log()
    return {"status": "cleared"}
