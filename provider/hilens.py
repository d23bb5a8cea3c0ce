"""The HiLens client: base URL, auth, the platform's error shapes and not-found answers.

HiLens (seed 000, digest ``hilens-api.md``) answers errors in two shapes (digest §4.1):
``{"error_code", "error_msg"}`` in general, and ``{"request_id", "error_code", "error_message"}``
on the ``/ai-mgr/deployments`` family. The only documented codes are ``HIL.0004`` (invalid
project), ``HIL.0055`` (invalid device name), ``HIL.0145`` (invalid token) and ``HIL.0002``
(internal error) (seed table 7-2); none of them means "no such object", so a missing object is
the HTTP 404 every endpoint lists ("请求的资源不存在").

Auth is AK/SK signing or an IAM token, like ModelArts (seed §3.2). Paths are
``/v3/{project_id}/ai-mgr/...`` for objects, ``/v3/{project_id}/{resource_type}/{id}/tags`` for
tags and ``/v3/ai-mgr/firmwares`` (no project) for the firmware catalogue.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx

from aicompute.provider.config import ProviderSettings
from aicompute.provider.errors import ApiError, NotFound
from aicompute.provider.http import ApiClient

# HiLens documents no not-found error code of its own (seed table 7-2): 404 is the answer.
NOT_FOUND_CODES: frozenset[str] = frozenset()
PAGE_SIZE = 100  # the largest page every v3 list accepts (digest §5.1)


def parse_error(response: httpx.Response) -> ApiError:
    """Either error shape into an ApiError, or NotFound for a 404."""
    try:
        body: Any = response.json()
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    code = str(body.get("error_code") or f"HTTP.{response.status_code}")
    message = str(body.get("error_msg") or body.get("error_message") or response.reason_phrase or "")
    if body.get("request_id"):
        message = f"{message} (request {body['request_id']})"
    gone = response.status_code == 404 or code in NOT_FOUND_CODES
    return (NotFound if gone else ApiError)(response.status_code, code, message)


class HiLensClient(ApiClient):
    """``/v3/{project_id}/...`` calls against one project."""

    def __init__(self, settings: ProviderSettings, transport: httpx.BaseTransport | None = None) -> None:
        super().__init__(
            settings,
            base_url=settings.endpoint_for("hilens"),
            auth=settings.auth(),
            parse_error=parse_error,
            transport=transport,
        )
        self.project_id = settings.require_project_id()

    def path(self, suffix: str) -> str:
        return f"/v3/{self.project_id}/{suffix.lstrip('/')}"

    def get(self, suffix: str, params: dict[str, Any] | None = None) -> Any:
        return self.request("GET", self.path(suffix), params=params)

    def get_or_none(self, suffix: str, params: dict[str, Any] | None = None) -> Any:
        try:
            return self.get(suffix, params)
        except NotFound:
            return None

    def pages(
        self, path: str, items: str, params: dict[str, Any] | None = None, headers: dict[str, str] | None = None
    ) -> Iterator[dict[str, Any]]:
        """Every item of an offset/limit list at ``path`` (``count`` is the total, ``items`` the
        page's key)."""
        offset = 0
        while True:
            query = {**(params or {}), "offset": offset, "limit": PAGE_SIZE}
            page = self.request("GET", path, params=query, headers=headers) or {}
            batch = page.get(items) or []
            yield from batch
            offset += len(batch)
            total = _int(page.get("count"), offset)
            if not batch or offset >= total:
                return

    def firmwares(self, device_type: str, arch: str | None) -> list[dict[str, Any]]:
        """The firmware catalogue for a device type (seed §5.2.1: no project in the path, so the
        project travels in ``X-Project-Id``, as the official SDK sends it)."""
        params = {"device_type": device_type, "arch": arch}
        return list(self.pages("/v3/ai-mgr/firmwares", "firmwares", params, {"X-Project-Id": self.project_id}))

    # tags (seed §5.7.3-5.7.5) ---------------------------------------------------------------------
    def tags(self, resource_type: str, resource_id: str) -> dict[str, str]:
        listing = self.get(f"{resource_type}/{resource_id}/tags") or {}
        return {str(tag.get("key")): str(tag.get("value") or "") for tag in listing.get("tags") or []}

    def set_tags(self, resource_type: str, resource_id: str, old: dict[str, str], new: dict[str, str]) -> None:
        """Make the tags ``new``: add or overwrite the changed ones, then delete the removed keys."""
        upserts = [{"key": k, "value": v} for k, v in sorted(new.items()) if old.get(k) != v]
        if upserts:
            self.request("POST", self.path(f"{resource_type}/{resource_id}/tags"), json={"tags": upserts})
        for key in sorted(set(old) - set(new)):
            try:
                self.request("DELETE", self.path(f"{resource_type}/{resource_id}/tags/{key}"), ok=(200, 204))
            except NotFound:
                pass


def _int(value: Any, default: int) -> int:
    """``count`` as a number (the seed's examples also show ``"1"``)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
