"""A signed httpx client for one project's classic ModelArts ``/v1`` API, plus polling helpers."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import httpx

from aicompute.provider.auth import AkSkAuth
from tests.support.localcloud import Credentials, LocalCloudProcess

T = TypeVar("T")


class ModelArtsApi:
    """``api.get("/models")`` → ``GET {url}/v1/{project_id}/models``, signed with the project's AK/SK."""

    def __init__(self, localcloud: LocalCloudProcess, project: Credentials) -> None:
        self.localcloud = localcloud
        self.project = project
        self.client = httpx.Client(
            base_url=f"{localcloud.url}/v1/{project.project_id}",
            auth=AkSkAuth(project.access_key, project.secret_key),
            timeout=10,
        )

    def close(self) -> None:
        self.client.close()

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.request(method, path, **kwargs)

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

    def fail_next(self, kind: str, obj_id: str = "*", message: str = "injected failure") -> None:
        self.localcloud.fail_next(self.project.project_id, kind, obj_id, message)


def wait_until(read: Callable[[], T], done: Callable[[T], bool], timeout: float = 10.0) -> T:
    """Poll ``read`` every 20 ms until ``done`` holds; fail with the last value at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if done(value):
            return value
        assert time.monotonic() < deadline, f"still not there after {timeout} s: {value!r}"
        time.sleep(0.02)
