"""Signed calls to one project's platform APIs on a localcloud, and the poller every test uses.

``SignedApi`` signs with the project's AK/SK (``AkSkAuth``, SDK-HMAC-SHA256) and spells paths with
their API version first: ``api.request("GET", "v2/pools")`` is ``GET {url}/v2/{project_id}/pools``.
``signed_request`` is the same for a single call.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

import httpx

from aicompute.provider.auth import AkSkAuth
from tests.support.localcloud import Credentials, LocalCloudProcess

T = TypeVar("T")


def eventually(read: Callable[[], T], done: Callable[[T], bool] = bool, timeout: float = 10.0) -> T:
    """Poll ``read`` every 20 ms until ``done`` holds for its value and return that value; fail the
    test with the last value once ``timeout`` seconds have passed."""
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if done(value):
            return value
        assert time.monotonic() < deadline, f"still not there after {timeout} s: {value!r}"
        time.sleep(0.02)


class SignedApi:
    """An httpx client for one project, signed with its AK/SK."""

    def __init__(self, localcloud: LocalCloudProcess, project: Credentials) -> None:
        self.localcloud = localcloud
        self.project = project
        self.client = httpx.Client(
            base_url=localcloud.url, auth=AkSkAuth(project.access_key, project.secret_key), timeout=10
        )

    def __enter__(self) -> SignedApi:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self.client.close()

    def url(self, path: str) -> str:
        """``v2/pools`` → ``/v2/{project_id}/pools``."""
        version, _, rest = path.partition("/")
        return f"/{version}/{self.project.project_id}/{rest}"

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.request(method, self.url(path), **kwargs)

    def fail_next(self, kind: str, obj_id: str = "*", message: str = "injected failure") -> None:
        """Arm a failure of this project's next transition of ``kind`` (``obj_id`` ``*``: the next new one)."""
        self.localcloud.fail_next(self.project.project_id, kind, obj_id, message)


def signed_request(
    localcloud: LocalCloudProcess, project: Credentials, method: str, path: str, **kwargs: Any
) -> httpx.Response:
    """One signed call, bypassing any provider: ``signed_request(lc, project, "GET", "v1/networks")``."""
    with SignedApi(localcloud, project) as api:
        return api.request(method, path, **kwargs)


def signed_json(localcloud: LocalCloudProcess, project: Credentials, method: str, path: str, **kwargs: Any) -> Any:
    """The JSON answer of one signed call that must succeed."""
    response = signed_request(localcloud, project, method, path, **kwargs)
    response.raise_for_status()
    return response.json()
