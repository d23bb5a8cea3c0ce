"""The ModelArts client: base URL, auth, the platform's error shape and not-found codes."""

from __future__ import annotations

from typing import Any

import httpx

from aicompute.provider.config import ProviderSettings
from aicompute.provider.errors import ApiError, NotFound
from aicompute.provider.http import ApiClient

# Codes ModelArts answers with when an object does not exist, whatever the HTTP status
# (workspaces answer 400 ModelArts.7005; node pools 400 "invalid nodepool name").
NOT_FOUND_CODES = frozenset(
    {
        "ModelArts.7005",
        "ModelArts.50015001",
        "ModelArts.50025001",
        "ModelArts.2890",
        "ModelArts.3502",
        "ModelArts.3507",
        "ModelArts.0102",
        "ModelArts.50005101",
    }
)
_NODEPOOL_NOT_FOUND = "invalid nodepool name"


def parse_error(response: httpx.Response) -> ApiError:
    """``{"error_code", "error_msg"}`` into an ApiError, or NotFound for the not-found codes."""
    try:
        body: Any = response.json()
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    code = str(body.get("error_code") or f"HTTP.{response.status_code}")
    message = str(body.get("error_msg") or response.reason_phrase or "")
    gone = response.status_code == 404 or code in NOT_FOUND_CODES or _NODEPOOL_NOT_FOUND in message
    return (NotFound if gone else ApiError)(response.status_code, code, message)


class ModelArtsClient(ApiClient):
    """``/v1|v2/{project_id}/...`` calls against one project."""

    def __init__(self, settings: ProviderSettings, transport: httpx.BaseTransport | None = None) -> None:
        super().__init__(
            settings,
            base_url=settings.endpoint_for("modelarts"),
            auth=settings.auth(),
            parse_error=parse_error,
            transport=transport,
        )
        self.project_id = settings.require_project_id()

    def path(self, version: str, suffix: str) -> str:
        return f"/{version}/{self.project_id}/{suffix.lstrip('/')}"

    def get(self, version: str, suffix: str, params: dict[str, Any] | None = None) -> Any:
        return self.request("GET", self.path(version, suffix), params=params)

    def get_or_none(self, version: str, suffix: str) -> Any:
        try:
            return self.get(version, suffix)
        except NotFound:
            return None

    def merge_patch(self, version: str, suffix: str, patch: dict[str, Any]) -> Any:
        return self.request(
            "PATCH",
            self.path(version, suffix),
            json=patch,
            headers={"Content-Type": "application/merge-patch+json"},
        )
