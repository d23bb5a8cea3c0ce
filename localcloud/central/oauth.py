"""OAuth2 for the central platform: ``POST /oauth/token`` and client-secret rotation ("key update").

Chapter 9.1 asks for "obtaining tokens via OAuth2 (RFC 6749) and key update" and defines neither
(digest §3); localcloud follows the digest's recommendation:

* ``POST /oauth/token`` is the client-credentials grant (RFC 6749 §4.4): a form body with
  ``grant_type=client_credentials``, the client authenticated by HTTP Basic or by ``client_id`` and
  ``client_secret`` in the body (§2.3.1, never both). The answer is ``{access_token, token_type:
  "Bearer", expires_in}``; errors are §5.2 JSON (``invalid_request``, ``invalid_client`` with 401
  and a Basic challenge, ``unsupported_grant_type``).
* Each client is bound to one localcloud project: its tokens see that project's objects only. The
  default project's client comes from ``--client-id``/``--client-secret``; ``POST
  /_localcloud/projects`` makes a client for each new project.
* ``POST /_localcloud/central/clients/{client_id}/rotate`` replaces a client's secret: the old one
  is refused from then on; tokens already issued keep working until they expire, unless the call
  asks for ``"revoke_tokens": true``.
"""

from __future__ import annotations

import base64
import secrets
import time
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

from fastapi import HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from aicompute.localcloud.central.common import CloudDep
from aicompute.localcloud.errors import OAUTH, PlatformError
from aicompute.localcloud.inline import InlineRouter
from aicompute.localcloud.store import OAuthClient, Transaction

FORM = "application/x-www-form-urlencoded"
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}  # RFC 6749 §5.1


def new_client(project_id: str) -> OAuthClient:
    return OAuthClient(client_id="lc-" + secrets.token_hex(8), client_secret=new_secret(), project_id=project_id)


def new_secret() -> str:
    return secrets.token_urlsafe(30)


def _error(status: int, error: str, description: str) -> PlatformError:
    headers = dict(NO_STORE)
    if status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="localcloud"'
    return PlatformError(status, OAUTH.error_body(error, description), headers)


async def _form(request: Request) -> dict[str, str]:
    content_type = request.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if content_type != FORM:
        raise _error(400, "invalid_request", f"the token request must be {FORM} (RFC 6749 §4.4.2)")
    try:
        pairs = parse_qsl((await request.body()).decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        raise _error(400, "invalid_request", "the form body is not UTF-8") from None
    form: dict[str, str] = {}
    for key, value in pairs:
        if key in form:  # RFC 6749 §3.2
            raise _error(400, "invalid_request", f"parameter {key} is given more than once")
        form[key] = value
    return form


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    """HTTP Basic client credentials; each part is form-urlencoded first (RFC 6749 §2.3.1)."""
    scheme, _, encoded = request.headers.get("Authorization", "").strip().partition(" ")
    if not scheme:
        return None
    if scheme.lower() != "basic":
        raise _error(401, "invalid_client", f"client authentication scheme {scheme} is not supported")
    try:
        pair = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except ValueError:  # binascii.Error, UnicodeDecodeError, and non-ASCII text
        raise _error(401, "invalid_client", "the Basic credentials are malformed") from None
    client_id, colon, client_secret = pair.partition(":")
    if not colon:
        raise _error(401, "invalid_client", "the Basic credentials are malformed")
    return unquote_plus(client_id), unquote_plus(client_secret)


def _authenticate(tx: Transaction, request: Request, form: dict[str, str]) -> OAuthClient:
    basic = _basic_credentials(request)
    if basic is not None:
        if "client_secret" in form:
            raise _error(400, "invalid_request", "the client authenticated twice (Basic and client_secret)")
        if form.get("client_id", basic[0]) != basic[0]:
            raise _error(400, "invalid_request", "client_id differs from the Basic credentials")
        client_id, client_secret = basic
    elif "client_id" in form and "client_secret" in form:
        client_id, client_secret = form["client_id"], form["client_secret"]
    else:
        raise _error(401, "invalid_client", "client authentication is required")
    client = tx.oauth_client(client_id)
    if client is None or not secrets.compare_digest(client.client_secret.encode(), client_secret.encode()):
        raise _error(401, "invalid_client", "unknown client or wrong client secret")
    return client


router = InlineRouter()
_TOKEN_FORM = {
    "type": "object",
    "properties": {name: {"type": "string"} for name in ("grant_type", "client_id", "client_secret", "scope")},
}
_TOKEN_REQUEST = {"requestBody": {"required": True, "content": {FORM: {"schema": _TOKEN_FORM}}}}


@router.post("/oauth/token", openapi_extra=_TOKEN_REQUEST)
async def issue_token(request: Request, cloud: CloudDep) -> JSONResponse:
    form = await _form(request)
    with cloud.store.transaction() as tx:
        client = _authenticate(tx, request, form)
        grant = form.get("grant_type")
        if not grant:
            raise _error(400, "invalid_request", "grant_type is required")
        if grant != "client_credentials":
            raise _error(400, "unsupported_grant_type", f"grant type {grant} is not supported")
        lifetime = cloud.settings.token_lifetime_seconds
        token = secrets.token_urlsafe(32)
        tx.add_oauth_token(token, client, time.time() + lifetime)
    body: dict[str, Any] = {"access_token": token, "token_type": "Bearer", "expires_in": lifetime}
    if form.get("scope"):
        body["scope"] = form["scope"]  # granted as asked: localcloud has no scopes to narrow it to
    return JSONResponse(body, headers=NO_STORE)


admin_router = InlineRouter(prefix="/_localcloud/central")


class Rotation(BaseModel):
    client_secret: str | None = Field(default=None, min_length=1, description="the new secret; made up if omitted")
    revoke_tokens: bool = Field(default=False, description="also revoke every token issued to the client")


@admin_router.post("/clients/{client_id}/rotate")
def rotate(client_id: str, cloud: CloudDep, body: Rotation | None = None) -> dict[str, Any]:
    """Key update: a new client secret; the old one is refused from now on."""
    rotation = body or Rotation()
    with cloud.store.transaction() as tx:
        client = tx.oauth_client(client_id)
        if client is None:
            raise HTTPException(404, f"no OAuth2 client {client_id}")
        rotated = OAuthClient(client_id, rotation.client_secret or new_secret(), client.project_id)
        tx.add_oauth_client(rotated)
        revoked = tx.revoke_oauth_tokens(client_id) if rotation.revoke_tokens else 0
    return {
        "client_id": rotated.client_id,
        "client_secret": rotated.client_secret,
        "project_id": rotated.project_id,
        "revoked_tokens": revoked,
    }
