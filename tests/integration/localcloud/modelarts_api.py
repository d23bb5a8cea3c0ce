"""A signed client for one project's classic ModelArts ``/v1`` API."""

from __future__ import annotations

from typing import Any

from tests.support.api import SignedApi


class ModelArtsApi(SignedApi):
    """``api.ok("GET", "/models")`` → ``GET {url}/v1/{project_id}/models``, signed with the project's AK/SK.

    A full URL (another API version) is used as it is.
    """

    def url(self, path: str) -> str:
        return path if "://" in path else f"/v1/{self.project.project_id}{path}"

    def ok(self, method: str, path: str, **kwargs: Any) -> Any:
        """The JSON body of a 2xx answer (``None`` for 204); anything else fails the test."""
        response = self.request(method, path, **kwargs)
        assert response.is_success, f"{method} {path}: {response.status_code} {response.text}"
        return None if response.status_code == 204 else response.json()

    def error(self, method: str, path: str, status: int, **kwargs: Any) -> dict[str, Any]:
        """The ``{error_code, error_msg}`` body of an expected error answer."""
        response = self.request(method, path, **kwargs)
        assert response.status_code == status, f"{method} {path}: {response.status_code} {response.text}"
        body: dict[str, Any] = response.json()
        return body
