"""``ApiClient.create_reconciled``: a create adopts an object of its name only after a failed attempt,
or before posting when ``AICOMPUTE_RECONCILE_CREATES`` says an interrupted deployment may have made it."""

from __future__ import annotations

import httpx
import pytest

from aicompute.provider.config import ProviderSettings
from aicompute.provider.errors import ApiError
from aicompute.provider.http import RECONCILE_CREATES_ENV, ApiClient, reconcile_creates_requested


def client() -> ApiClient:
    def parse(response: httpx.Response) -> ApiError:
        return ApiError(response.status_code, "E", response.text)

    return ApiClient(ProviderSettings(max_retries=0), "http://127.0.0.1:9", httpx.BasicAuth("u", "p"), parse)


class Calls:
    def __init__(self, found: str | None) -> None:
        self.found = found
        self.log: list[str] = []

    def post(self) -> str:
        self.log.append("post")
        return "new-id"

    def find(self) -> str | None:
        self.log.append("find")
        return self.found


def test_an_ordinary_create_posts_without_looking_for_an_object_of_its_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(RECONCILE_CREATES_ENV, raising=False)
    calls = Calls(found="someone-elses")
    assert client().create_reconciled(calls.post, calls.find) == "new-id"
    assert calls.log == ["post"]


@pytest.mark.parametrize(
    ("found", "result", "log"), [("existing", "existing", ["find"]), (None, "new-id", ["find", "post"])]
)
def test_a_repeated_create_looks_its_object_up_before_posting(
    monkeypatch: pytest.MonkeyPatch, found: str | None, result: str, log: list[str]
) -> None:
    monkeypatch.setenv(RECONCILE_CREATES_ENV, "1")
    calls = Calls(found)
    assert client().create_reconciled(calls.post, calls.find) == result
    assert calls.log == log


@pytest.mark.parametrize(("value", "wanted"), [("1", True), ("true", True), (" YES ", True), ("0", False), ("", False)])
def test_the_environment_variable_values(value: str, wanted: bool) -> None:
    assert reconcile_creates_requested({RECONCILE_CREATES_ENV: value}) is wanted
    assert reconcile_creates_requested({}) is False
