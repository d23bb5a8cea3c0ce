"""IAM: ``POST /v3/auth/tokens`` issues project-scoped tokens (24 h), as the seeds describe."""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime
from typing import Any

from fastapi import Depends, Response
from pydantic import BaseModel

from aicompute.localcloud.auth import TOKEN_LIFETIME_SECONDS
from aicompute.localcloud.cloud import Cloud, get_cloud
from aicompute.localcloud.errors import IAM, PlatformError
from aicompute.localcloud.inline import InlineRouter
from aicompute.localcloud.store import Project

router = InlineRouter()


class _Named(BaseModel):
    name: str | None = None
    id: str | None = None


class _User(BaseModel):
    name: str
    password: str
    domain: _Named | None = None


class _Password(BaseModel):
    user: _User


class _Identity(BaseModel):
    methods: list[str]
    password: _Password | None = None


class _Scope(BaseModel):
    project: _Named | None = None


class _Auth(BaseModel):
    identity: _Identity
    scope: _Scope | None = None


class TokenRequest(BaseModel):
    auth: _Auth


def _unauthorized(message: str) -> PlatformError:
    return PlatformError(401, {"error": {"code": 401, "title": "Unauthorized", "message": message}})


def _find_project(projects: list[Project], request: TokenRequest) -> Project:
    identity = request.auth.identity
    if "password" not in identity.methods or identity.password is None:
        raise _unauthorized("Only the password method is supported by localcloud.")
    user = identity.password.user
    scope = request.auth.scope.project if request.auth.scope else None
    if scope is None:
        raise PlatformError(400, IAM.error_body("IAM.0001", "The token must be scoped to a project."))
    for project in projects:
        domain_ok = user.domain is None or user.domain.name in (None, project.domain_name)
        scope_ok = scope.id == project.project_id or (scope.id is None and scope.name == project.region)
        if user.name == project.user_name and domain_ok and scope_ok:
            if secrets.compare_digest(user.password.encode(), project.password.encode()):
                return project
            break
    raise _unauthorized("The username or password is wrong.")


@router.post("/v3/auth/tokens", status_code=201)
def issue_token(request: TokenRequest, response: Response, cloud: Cloud = Depends(get_cloud)) -> dict[str, Any]:
    with cloud.store.transaction() as tx:
        project = _find_project(tx.projects(), request)
        token = "MIIL" + secrets.token_urlsafe(48)
        expires_at = time.time() + TOKEN_LIFETIME_SECONDS
        tx.add_token(token, project.project_id, expires_at)
    response.headers["X-Subject-Token"] = token
    expires = datetime.fromtimestamp(expires_at, UTC).strftime("%Y-%m-%dT%H:%M:%S.000000Z")
    return {
        "token": {
            "methods": ["password"],
            "expires_at": expires,
            "issued_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000000Z"),
            "project": {
                "id": project.project_id,
                "name": project.region,
                "domain": {"name": project.domain_name},
            },
            "user": {"name": project.user_name, "domain": {"name": project.domain_name}},
            "catalog": [],
        }
    }
