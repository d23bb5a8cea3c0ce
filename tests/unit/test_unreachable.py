"""A platform that cannot be reached (issue #14 item 16): the error names the endpoint, and the
retries before it are logged at debug level only (a line each drowned ``drift``'s output)."""

from __future__ import annotations

import logging

import httpx
import pytest

from aicompute.provider.config import ProviderSettings
from aicompute.provider.errors import ApiError, Unreachable
from aicompute.provider.http import ApiClient


def _refusing(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("[Errno 111] Connection refused", request=request)


def test_a_refused_connection_names_the_endpoint_after_quiet_retries(caplog: pytest.LogCaptureFixture) -> None:
    settings = ProviderSettings(max_retries=2, poll_interval=0.001)
    client = ApiClient(
        settings,
        "http://127.0.0.1:9/v1/p",
        httpx.BasicAuth("u", "p"),
        lambda r: ApiError(r.status_code, "E", r.text),
        transport=httpx.MockTransport(_refusing),
    )
    caplog.set_level(logging.DEBUG, logger="aicompute.provider")
    with client, pytest.raises(Unreachable) as raised:
        client.request("GET", "workspaces")
    assert str(raised.value) == "cannot connect to http://127.0.0.1:9 (GET workspaces): Connection refused"
    assert isinstance(raised.value, httpx.ConnectError)  # still a connection error for callers
    retries = [r for r in caplog.records if "retrying" in r.getMessage()]
    assert len(retries) == 2 and all(r.levelno == logging.DEBUG for r in retries)
