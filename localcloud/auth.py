"""Authentication as the seeds describe it: SDK-HMAC-SHA256 AK/SK signatures and IAM tokens.

``authenticated_project(platform)`` builds the FastAPI dependency a platform router uses: it
verifies the request's credentials, checks that they belong to the project in the URL, and
returns that project. It also advances the project's lifecycles, so every handler sees the world
as of now.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from urllib.parse import parse_qsl, quote

from fastapi import Request

from aicompute.localcloud.cloud import Cloud, cloud_of
from aicompute.localcloud.errors import Platform, PlatformError
from aicompute.localcloud.store import Project
from aicompute.provider import signing

TOKEN_LIFETIME_SECONDS = 24 * 3600


class AuthCodes:
    """The codes a platform answers authentication failures with."""

    def __init__(
        self,
        missing: tuple[str, str],
        expired: tuple[str, str],
        invalid: tuple[str, str],
        bad_signature: tuple[str, str],
        wrong_project: tuple[str, str],
    ) -> None:
        self.missing = missing
        self.expired = expired
        self.invalid = invalid
        self.bad_signature = bad_signature
        self.wrong_project = wrong_project


MODELARTS_AUTH_CODES = AuthCodes(
    missing=("ModelArts.0201", "Token doesn't exist."),
    expired=("ModelArts.0202", "Invalid token header because the token has expired."),
    invalid=("ModelArts.0203", "Invalid token."),
    # The API gateway answers signature failures before the service sees the request.
    bad_signature=("APIGW.0301", "Incorrect IAM authentication information: verify aksk signature fail"),
    wrong_project=("ModelArts.0210", "The project id in the request URL does not match the token."),
)


def _fail(platform: Platform, status: int, code: tuple[str, str], detail: str = "") -> PlatformError:
    message = code[1] if not detail else f"{code[1]} ({detail})"
    return PlatformError(status, platform.error_body(code[0], message))


def _project_from_token(cloud: Cloud, platform: Platform, codes: AuthCodes, token: str) -> Project:
    with cloud.store.transaction() as tx:
        found = tx.token(token)
        if found is None:
            raise _fail(platform, 401, codes.invalid)
        project_id, expires_at = found
        if expires_at < time.time():
            raise _fail(platform, 401, codes.expired)
        project = tx.project(project_id)
    if project is None:
        raise _fail(platform, 401, codes.invalid)
    return project


async def _project_from_signature(
    cloud: Cloud, platform: Platform, codes: AuthCodes, request: Request, header: str
) -> Project:
    parsed = signing.parse_authorization(header)
    if parsed is None:
        raise _fail(platform, 401, codes.bad_signature, "malformed Authorization header")
    with cloud.store.transaction() as tx:
        project = tx.project_by_access_key(parsed.access_key)
    if project is None:
        raise _fail(platform, 401, codes.bad_signature, "unknown access key")
    sdk_date = request.headers.get(signing.DATE_HEADER)
    if sdk_date is None:
        raise _fail(platform, 401, codes.bad_signature, "X-Sdk-Date is missing")
    try:
        signed_at = signing.parse_date(sdk_date)
    except ValueError:
        raise _fail(platform, 401, codes.bad_signature, "X-Sdk-Date is malformed") from None
    skew = abs((datetime.now(UTC) - signed_at).total_seconds())
    if skew > cloud.settings.signature_window_seconds:
        raise _fail(platform, 401, codes.bad_signature, "X-Sdk-Date is outside the 15 minute window")
    body = await request.body()
    query = parse_qsl(request.url.query, keep_blank_values=True)
    headers = _signed_headers(request, parsed)
    if not _payload_hash_matches(headers, body):
        raise _fail(platform, 401, codes.bad_signature, "X-Sdk-Content-Sha256 does not match the body")
    ok = signing.verify(project.secret_key, parsed, request.method, _raw_path(request), query, headers, body)
    if not ok:
        raise _fail(platform, 401, codes.bad_signature)
    return project


def _signed_headers(request: Request, parsed: signing.ParsedAuthorization) -> dict[str, str]:
    """Only the headers the signature covers (and the date, which the string to sign holds): an
    unsigned ``X-Sdk-Content-Sha256`` added on the way must not stand in for the body's hash."""
    covered = {*parsed.signed_headers, signing.DATE_HEADER.lower()}
    return {name: value for name, value in _headers(request).items() if name in covered}


def _payload_hash_matches(headers: dict[str, str], body: bytes) -> bool:
    """A signed payload hash is the body's (``UNSIGNED-PAYLOAD`` opts out, as the scheme allows)."""
    claimed = headers.get(signing.CONTENT_SHA256_HEADER.lower())
    if claimed is None or claimed == signing.UNSIGNED_PAYLOAD or not body:
        return True
    return hmac.compare_digest(claimed.lower(), hashlib.sha256(body).hexdigest())


def _raw_path(request: Request) -> str:
    """The path as the client sent it: the canonical URI percent-decodes it exactly once."""
    raw: bytes | None = request.scope.get("raw_path")
    if raw is None:
        return quote(request.scope["path"])
    return _text(raw.split(b"?", 1)[0])


def _headers(request: Request) -> dict[str, str]:
    """Headers as the signer saw them; repeated ones joined with ", ", as httpx joins them."""
    headers: dict[str, str] = {}
    for raw_name, raw_value in request.scope["headers"]:
        name, value = raw_name.decode("latin-1").lower(), _text(raw_value)
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


def _text(raw: bytes) -> str:
    """UTF-8 first: the official SDK sends non-ASCII header values (and clients paths) that way."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def authenticated_project(platform: Platform, codes: AuthCodes) -> Callable[[Request, str], Awaitable[Project]]:
    """The dependency for routes under ``/{project_id}/``: authenticate, then advance lifecycles."""

    async def dependency(request: Request, project_id: str) -> Project:
        cloud = cloud_of(request)
        token = request.headers.get("X-Auth-Token")
        authorization = request.headers.get("Authorization")
        if token:
            project = _project_from_token(cloud, platform, codes, token)
        elif authorization:
            project = await _project_from_signature(cloud, platform, codes, request, authorization)
        else:
            raise _fail(platform, 401, codes.missing)
        if project.project_id != project_id:
            raise _fail(platform, 403, codes.wrong_project)
        with cloud.store.transaction() as tx:
            cloud.lifecycle.advance(tx, project_id)
        return project

    return dependency
