"""A create's failure is "outcome unknown" exactly when a write of it may have taken effect
(``ApiClient.wrote``, ``GenericProvider.outcome_known``): the engine then keeps it pending.

Driven through the real Workspace provider over an ``httpx.MockTransport`` that plays the platform."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from aicompute.provider.config import ProviderSettings
from aicompute.provider.errors import OUTCOME_UNKNOWN_MARK, ApiError, CreateOutcomeUnknown, OutcomeUnknown
from aicompute.provider.modelarts import ModelArtsClient
from aicompute.resources.modelarts.workspace import WorkspaceProvider

Handler = Callable[[httpx.Request], httpx.Response]
WORKSPACE = {"id": "0123456789abcdef0123456789abcdef", "name": "ws-one", "status": "NORMAL"}


def settings() -> ProviderSettings:
    return ProviderSettings(
        endpoint="http://modelarts.test",
        project_id="0" * 32,
        access_key="AK",
        secret_key="SK",
        max_retries=2,
        poll_interval=0.01,
    )


class ScriptedWorkspaces(WorkspaceProvider):
    """The Workspace provider whose client talks to ``handler`` instead of a platform."""

    def __init__(self, handler: Handler) -> None:
        super().__init__()
        self.handler = handler
        self.requests: list[str] = []

    def open_client(self, _settings: ProviderSettings) -> ModelArtsClient:
        def record(request: httpx.Request) -> httpx.Response:
            self.requests.append(request.method)
            return self.handler(request)

        return ModelArtsClient(settings(), transport=httpx.MockTransport(record))


def answer(post: Callable[[], httpx.Response], get: Callable[[], httpx.Response]) -> Handler:
    def handle(request: httpx.Request) -> httpx.Response:
        return post() if request.method == "POST" else get()

    return handle


def error(status: int, code: str = "ModelArts.0001") -> httpx.Response:
    return httpx.Response(status, json={"error_code": code, "error_msg": "scripted"})


def refused() -> httpx.Response:
    raise httpx.ConnectError("connection refused")


def dropped() -> httpx.Response:
    raise httpx.ReadError("the answer was lost")


def create(provider: WorkspaceProvider) -> Any:
    return provider.create({"name": "ws-one"})


@pytest.mark.parametrize(
    "handler",
    [
        pytest.param(answer(lambda: httpx.Response(200, json=WORKSPACE), lambda: error(503)), id="503s-after-commit"),
        pytest.param(answer(lambda: error(503), lambda: httpx.Response(200, json={"workspaces": []})), id="503-post"),
        pytest.param(answer(dropped, lambda: httpx.Response(200, json={"workspaces": []})), id="dropped-answer"),
    ],
)
def test_a_create_whose_write_may_have_landed_fails_with_its_outcome_unknown(handler: Handler) -> None:
    provider = ScriptedWorkspaces(handler)
    with pytest.raises(CreateOutcomeUnknown, match=OUTCOME_UNKNOWN_MARK):
        create(provider)
    assert "POST" in provider.requests


@pytest.mark.parametrize(
    ("handler", "raised"),
    [
        pytest.param(answer(lambda: error(400, "ModelArts.0104"), refused), ApiError, id="refused-by-the-platform"),
        pytest.param(answer(refused, refused), httpx.ConnectError, id="connection-refused"),
    ],
)
def test_a_create_that_wrote_nothing_fails_as_it_is(handler: Handler, raised: type[Exception]) -> None:
    with pytest.raises(raised) as failure:
        create(ScriptedWorkspaces(handler))
    assert not isinstance(failure.value, CreateOutcomeUnknown)
    assert OUTCOME_UNKNOWN_MARK not in str(failure.value)


def test_the_client_notes_which_writes_may_have_landed() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        status = {"/a": 200, "/b": 409, "/c": 503, "/s:search": 503}[request.url.path]
        return error(status) if status != 200 else httpx.Response(200, json={})

    def client() -> ModelArtsClient:
        return ModelArtsClient(settings().model_copy(update={"max_retries": 0}), transport=httpx.MockTransport(handle))

    for path, wrote in (("/b", False), ("/s:search", False), ("/a", True), ("/c", True)):
        api = client()
        try:
            api.send_once("POST", path)
        except (ApiError, OutcomeUnknown):
            pass
        assert api.wrote is wrote, path
    reads = client()
    with pytest.raises(ApiError):
        reads.request("GET", "/c")
    assert reads.wrote is False
