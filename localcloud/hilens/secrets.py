"""HiLens secrets, "密钥" (seed §5.6).

Secret values are never stored or returned in plaintext. The seed's answers do carry
``secrets[].value`` (tables 5-383, 5-394, 5-400) but never say it is the plaintext, and it says the
values are decrypted only inside the container they are injected into ("容器下发到设备之后，在容器上
看到的密钥是解密的", §5.6.2): localcloud encrypts each value when it is written (AES-256-GCM under a
key derived from the project's credentials, a fresh nonce each time) and keeps and answers only
that ciphertext, base64-encoded. A value therefore reads back the same until it is written again.

PUT replaces the secret whole. The body rules are the looser of the seed's two readings (digest
§10.10): values up to 20480 characters without ^ ~ # $ % & < > ( ) [ ] { } ' " \\; tag keys and
values may contain '.' (and values '/'). Names are unique per workspace and provider (409).
"""

from __future__ import annotations

import base64
import hashlib
import os
import time
from typing import Annotated, Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from aicompute.localcloud.hilens.common import (
    DEFAULT_WORKSPACE_ID,
    JSON,
    SECRET_KIND,
    CloudDep,
    Description,
    HiLensProject,
    JsonBody,
    Project,
    Transaction,
    bad_request,
    conflict,
    distinct_keys,
    fuzzy,
    has_tags,
    hilens_time,
    new_id,
    not_found,
    page,
    parse,
    provider_param,
    sort_param,
    sorted_by,
    tag_list,
    tag_pairs,
)
from aicompute.localcloud.hilens.workspaces import require_workspace
from aicompute.localcloud.inline import InlineRouter

SORTS = ("name", "created_at", "updated_at")
_FORBIDDEN_IN_VALUES = frozenset("^~#$%&<>()[]{}'\"\\")
_ANSWER_KEYS = ["id", "name", "description", "project_id", "created_at", "updated_at", "secrets", "tags"]


def _secret_value(value: str) -> str:
    found = "".join(sorted(_FORBIDDEN_IN_VALUES & set(value)))
    if found:
        raise ValueError(f"must not contain any of {found}")
    return value


class Secret(BaseModel):
    model_config = ConfigDict(extra="ignore")

    key: str = Field(pattern=r"^[A-Za-z-][A-Za-z0-9._-]{0,62}$")
    value: Annotated[str, Field(min_length=1, max_length=20480), AfterValidator(_secret_value)]


class SecretTag(BaseModel):
    model_config = ConfigDict(extra="ignore")

    key: str = Field(pattern=r"^[A-Za-z0-9._-]{1,36}$")
    value: str = Field(pattern=r"^[A-Za-z0-9._/-]{1,43}$")


class SecretBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str = Field(pattern=r"^[a-z][a-z0-9-]{2,62}[a-z0-9]$")
    description: Description | None = None
    secrets: Annotated[list[Secret], AfterValidator(distinct_keys)] = Field(min_length=1, max_length=100)
    tags: Annotated[list[SecretTag], AfterValidator(distinct_keys)] = Field(max_length=20)


class SecretRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    secret: SecretBody
    workspace_id: str | None = None


def seal(project: Project, value: str) -> str:
    """AES-256-GCM ciphertext of ``value``, base64(nonce + ciphertext + tag)."""
    key = hashlib.sha256(f"localcloud-hilens-secrets:{project.secret_key}".encode()).digest()
    nonce = os.urandom(12)
    return base64.b64encode(nonce + AESGCM(key).encrypt(nonce, value.encode(), None)).decode()


def secret_detail(secret: JSON) -> JSON:
    """SecretDetail (table 5-399)."""
    return {"workspace_id": secret["workspace_id"], **_answer_secret(secret)}


def _answer_secret(secret: JSON) -> JSON:
    return {key: secret[key] for key in _ANSWER_KEYS}


def _answer(secret: JSON) -> JSON:
    """Create and update answer the workspace beside a secret that lacks it (table 5-392)."""
    return {"workspace_id": secret["workspace_id"], "secret": _answer_secret(secret)}


# backend -----------------------------------------------------------------------------------------
def get_secret(tx: Transaction, project_id: str, secret_id: str) -> JSON:
    secret = tx.get(SECRET_KIND, project_id, secret_id)
    if secret is None:
        raise not_found("secret", secret_id)
    return secret


def _apply(project: Project, secret: JSON, body: SecretBody) -> None:
    now = time.time()
    secret.update(
        name=body.name,
        description=body.description,
        secrets=[{"key": item.key, "value": seal(project, item.value)} for item in body.secrets],
        tags=tag_list(body.tags),
        updated_at=hilens_time(now),
        _updated=now,
    )


def _check_name_free(tx: Transaction, project_id: str, secret: JSON) -> None:
    for other in tx.objects_named(SECRET_KIND, project_id, secret["name"]):
        same_place = (other["workspace_id"], other["_provider"]) == (secret["workspace_id"], secret["_provider"])
        if same_place and other["name"] == secret["name"] and other["id"] != secret["id"]:
            raise conflict(f"A secret named {secret['name']!r} already exists ({other['id']}).")


def create_secret(tx: Transaction, project: Project, provider: str, request: SecretRequest) -> JSON:
    workspace_id = require_workspace(tx, project, request.workspace_id)
    now = time.time()
    secret: JSON = {
        "id": new_id(provider),
        "project_id": project.project_id,
        "workspace_id": workspace_id,
        "created_at": hilens_time(now),
        "_workspace_id": workspace_id,
        "_provider": provider,
        "_created": now,
    }
    _apply(project, secret, request.secret)
    _check_name_free(tx, project.project_id, secret)
    tx.put(SECRET_KIND, project.project_id, secret["id"], secret)
    return secret


def update_secret(tx: Transaction, project: Project, secret_id: str, request: SecretRequest) -> JSON:
    secret = get_secret(tx, project.project_id, secret_id)
    if request.workspace_id not in (None, secret["workspace_id"]):
        raise bad_request(
            f"workspace_id: the secret is in workspace {secret['workspace_id']}, not {request.workspace_id}"
        )
    _apply(project, secret, request.secret)
    _check_name_free(tx, project.project_id, secret)
    tx.put(SECRET_KIND, project.project_id, secret_id, secret)
    return secret


# routes ------------------------------------------------------------------------------------------
router = InlineRouter()


@router.get("/v3/{project_id}/ai-mgr/secrets")
def list_all(
    project: HiLensProject,
    cloud: CloudDep,
    offset: str | None = None,
    limit: str | None = None,
    name: str | None = None,
    workspace_id: str | None = None,
    tags: str | None = None,
    provider: str | None = None,
    sort: str | None = None,
) -> dict[str, Any]:
    window = page(offset, limit, 100, 100)
    chosen = provider_param(provider, None)
    field, descending = sort_param(sort, SORTS, "created_at:desc")
    workspace = workspace_id or DEFAULT_WORKSPACE_ID
    with cloud.store.transaction() as tx:
        found = [
            secret
            for secret in tx.objects(SECRET_KIND, project.project_id)
            if chosen in (None, secret["_provider"])
            and secret["workspace_id"] == workspace
            and fuzzy(name, secret["name"])
            and has_tags(secret["tags"], tag_pairs(tags))
        ]
    ordered = sorted_by(found, field, descending)
    return {"count": len(found), "secrets": [secret_detail(secret) for secret in window.of(ordered)]}


@router.post("/v3/{project_id}/ai-mgr/secrets")
def create(project: HiLensProject, cloud: CloudDep, body: JsonBody, provider: str | None = None) -> dict[str, Any]:
    request = parse(SecretRequest, body)
    chosen = provider_param(provider, "hilens") or "hilens"
    with cloud.store.transaction() as tx:
        return _answer(create_secret(tx, project, chosen, request))


@router.get("/v3/{project_id}/ai-mgr/secrets/{secret_id}")
def show(secret_id: str, project: HiLensProject, cloud: CloudDep) -> dict[str, Any]:
    with cloud.store.transaction() as tx:
        return {"secret": secret_detail(get_secret(tx, project.project_id, secret_id))}


@router.put("/v3/{project_id}/ai-mgr/secrets/{secret_id}")
def update(secret_id: str, project: HiLensProject, cloud: CloudDep, body: JsonBody) -> dict[str, Any]:
    request = parse(SecretRequest, body)
    with cloud.store.transaction() as tx:
        return _answer(update_secret(tx, project, secret_id, request))


@router.delete("/v3/{project_id}/ai-mgr/secrets/{secret_id}")
def delete(secret_id: str, project: HiLensProject, cloud: CloudDep) -> dict[str, Any]:
    with cloud.store.transaction() as tx:
        get_secret(tx, project.project_id, secret_id)
        tx.delete(SECRET_KIND, project.project_id, secret_id)
    return {"secret": {"id": secret_id}}
