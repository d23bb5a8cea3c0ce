"""Property-based fuzzing of every localcloud endpoint from its own OpenAPI document (schemathesis).

Each operation gets requests generated from its schema — valid and invalid parameters and bodies —
sent with valid credentials (an AK/SK signature on ModelArts and HiLens paths, the project's OAuth2
bearer token on the central platform's), so the fuzzer reaches the handlers behind authentication.
The one property checked is schemathesis' ``not_a_server_error``: malformed input is the platform's
documented 4xx, never a 5xx. The admin API is fuzzed on the same dedicated server; fault rules it
adds are cleared after each case (they answer 5xx on purpose).

The default run is bounded (a few derandomized examples per operation); ``-m slow`` runs many more.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error

from aicompute.localcloud.app import create_app
from aicompute.localcloud.settings import LocalCloudSettings
from aicompute.provider.auth import AkSkAuth
from tests.integration.localcloud.central_api import token_response
from tests.support.localcloud import Credentials, LocalCloudProcess

_CENTRAL = re.compile(r"^/(ccp|cap|acp|cad)/", re.IGNORECASE)
_UNAUTHENTICATED = ("/_localcloud/", "/oauth/", "/v3/auth/")
_FUZZ = [Phase.explicit, Phase.generate]

schema = schemathesis.openapi.from_dict(create_app(LocalCloudSettings(time_scale=0)).openapi())


class Target:
    """The dedicated server under fuzzing and one project's credentials on it."""

    def __init__(self, server: LocalCloudProcess) -> None:
        self.server = server
        self.project: Credentials = server.new_project()
        self.http = httpx.Client(timeout=30)
        token = token_response(server.url, self.project.central_client_id, self.project.central_client_secret)
        self.bearer = f"Bearer {token.json()['access_token']}"
        self.signer = AkSkAuth(self.project.access_key, self.project.secret_key)

    def request(self, case: schemathesis.Case) -> httpx.Request:
        if "project_id" in (case.path_parameters or {}):
            case.path_parameters["project_id"] = self.project.project_id
        kwargs: dict[str, Any] = case.as_transport_kwargs(base_url=self.server.url)
        kwargs.pop("cookies", None)
        if isinstance(kwargs.get("data"), bytes | str):
            kwargs["content"] = kwargs.pop("data")  # a raw body, as httpx spells it
        request = self.http.build_request(**kwargs)
        path = request.url.path
        if _CENTRAL.match(path):
            request.headers["Authorization"] = self.bearer
        elif not path.startswith(_UNAUTHENTICATED):
            self.signer.sign(request)
        return request

    def send(self, case: schemathesis.Case) -> httpx.Response:
        response = self.http.send(self.request(case))
        if case.path.startswith("/_localcloud/"):
            self.server.clear_faults()  # a rule the fuzzer added would answer 5xx by design
        return response


@pytest.fixture(scope="module")
def target() -> Iterator[Target]:
    server = LocalCloudProcess(time_scale=0).start()
    try:
        client = Target(server)
        yield client
        client.http.close()
    finally:
        server.stop()


def _check(target: Target, case: schemathesis.Case) -> None:
    response = target.send(case)
    assert response.status_code < 500, f"{case.method} {response.request.url}: {response.status_code} {response.text}"
    case.validate_response(response, checks=[not_a_server_error])


_COMMON = {
    "derandomize": True,
    "deadline": None,
    "database": None,
    "phases": _FUZZ,
    "suppress_health_check": list(HealthCheck),
}


@schema.parametrize()
@settings(max_examples=3, **_COMMON)  # type: ignore[arg-type]
def test_no_server_errors(case: schemathesis.Case, target: Target) -> None:
    _check(target, case)


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=100, **_COMMON)  # type: ignore[arg-type]
def test_no_server_errors_thoroughly(case: schemathesis.Case, target: Target) -> None:
    _check(target, case)


# What the fuzzer found, pinned: each was a 500 before its fix.
FOUND = [
    ("signed", "GET", "/v1/{project_id}/networks", {"params": {"continue": "Óó"}}, 400),
    (
        "none",
        "POST",
        "/oauth/token",
        {"data": {"grant_type": "client_credentials"}, "headers": {"Authorization": b"Basic \xd3x"}},
        401,
    ),
]


@pytest.mark.parametrize(
    ("auth", "method", "path", "kwargs", "status"), FOUND, ids=[f"{m} {p}" for _, m, p, _, _ in FOUND]
)
def test_fuzzer_findings_stay_fixed(
    target: Target, auth: str, method: str, path: str, kwargs: dict[str, Any], status: int
) -> None:
    url = target.server.url + path.format(project_id=target.project.project_id)
    request = target.http.build_request(method, url, **kwargs)
    if auth == "signed":
        target.signer.sign(request)
    response = target.http.send(request)
    assert response.status_code == status, response.text
