"""Property-based fuzzing of every localcloud endpoint from its own OpenAPI document (schemathesis).

Each operation gets requests generated from its schema — valid and invalid parameters and bodies —
sent with valid credentials (an AK/SK signature on ModelArts and HiLens paths, the project's OAuth2
bearer token on the central platform's), so the fuzzer reaches the handlers behind authentication.
The one property checked is schemathesis' ``not_a_server_error``: malformed input is the platform's
documented 4xx, never a 5xx. The admin API is fuzzed on the same dedicated server; fault rules it
adds are cleared after each case (they answer 5xx on purpose).

Every operation is also sent hostile bodies (GET and DELETE too): nesting 10,000 levels deep and 100
levels deep, numbers out of any range (``1e999``, 5,000 digits, ``NaN``), bytes that are not UTF-8, an
unpaired surrogate, duplicate keys, non-objects, and hostile values put into each field of a body the
fuzzer generated. Each must be answered below 500 (``LOCALCLOUD_FUZZ_REPORT=FILE`` writes the tally
of statuses).

The default run is bounded (a few derandomized examples per operation); ``-m slow`` runs many more.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
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


TALLY: Counter[str] = Counter()


@pytest.fixture(scope="module")
def target() -> Iterator[Target]:
    server = LocalCloudProcess(time_scale=0).start()
    try:
        client = Target(server)
        yield client
        client.http.close()
    finally:
        server.stop()
        report = os.environ.get("LOCALCLOUD_FUZZ_REPORT")
        if report and TALLY:  # one file per xdist worker
            worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
            Path(f"{report}.{worker}").write_text(json.dumps(dict(sorted(TALLY.items())), indent=1) + "\n")


def _check(target: Target, case: schemathesis.Case) -> None:
    response = target.send(case)
    TALLY[f"generated {response.status_code // 100}xx"] += 1
    TALLY["generated requests"] += 1
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


# Hostile bodies: each raw, and hostile values in each field of a generated body.
_DEEP = 10_000
HOSTILE_BODIES: dict[str, bytes] = {
    "deep arrays": b"[" * _DEEP + b"]" * _DEEP,
    "deep objects": b'{"a":' * _DEEP + b"1" + b"}" * _DEEP,
    "deep unclosed": b"[" * _DEEP,
    "100 levels": b'{"name":' * 100 + b'"x"' + b"}" * 100,
    "huge float": b'{"name": 1e999, "limit": -1e999}',
    "huge integer": b'{"count": ' + b"9" * 5000 + b"}",
    "NaN": b'{"name": NaN, "count": Infinity}',
    "invalid UTF-8": b'{"name": "\xff\xfe\xfa"}',
    "lone surrogate": b'{"name": "\\ud800x"}',
    "duplicate keys": b'{"name": "a", "name": {"name": [1, 2]}, "id": 1, "id": "1"}',
    "array": b"[1, 2, 3]",
    "string": b'"text"',
    "null": b"null",
    "BOM": b'\xef\xbb\xbf{"name": "x"}',
}
HOSTILE_VALUES: dict[str, bytes] = {
    "1e999": b"1e999",
    "10**60": b"1" + b"0" * 60,
    "-10**60": b"-1" + b"0" * 60,
    "1e308": b"1e308",
    "900 levels": b"[" * 900 + b"]" * 900,
    "surrogate": b'"\\udfff"',
}


def _hostile_variants(case: schemathesis.Case) -> Iterator[tuple[str, bytes]]:
    yield from HOSTILE_BODIES.items()
    body = case.body if isinstance(case.body, dict) else {}
    for key in list(body)[:8]:
        for name, value in HOSTILE_VALUES.items():
            marker = "\u0000hostile\u0000"
            text = json.dumps({**body, key: marker}).encode().replace(json.dumps(marker).encode(), value)
            yield f"{name} in a field", text


@schema.parametrize()
@settings(max_examples=1, **_COMMON)  # type: ignore[arg-type]
def test_hostile_bodies_are_no_server_errors(case: schemathesis.Case, target: Target) -> None:
    for name, raw in _hostile_variants(case):
        request = target.request(case)
        hostile = target.http.build_request(
            request.method, request.url, content=raw, headers={"Content-Type": "application/json"}
        )
        if "authorization" in request.headers and _CENTRAL.match(hostile.url.path):
            hostile.headers["Authorization"] = request.headers["authorization"]
        elif not hostile.url.path.startswith(_UNAUTHENTICATED):
            target.signer.sign(hostile)  # signed over the hostile bytes: it reaches the handler
        response = target.http.send(hostile)
        if case.path.startswith("/_localcloud/"):
            target.server.clear_faults()
        TALLY[f"hostile {response.status_code // 100}xx"] += 1
        TALLY["hostile requests"] += 1
        if response.status_code >= 500:
            TALLY[f"5xx {case.method} {case.path} {name}"] += 1
        where = f"{name}: {case.method} {hostile.url}"
        assert response.status_code < 500, f"{where}: {response.status_code} {response.text}"


# What the fuzzer found, pinned: each was a 500 before its fix.
_DEEP_BODY = {"content": b"[" * _DEEP + b"]" * _DEEP, "headers": {"Content-Type": "application/json"}}
FOUND = [
    ("signed", "GET", "/v1/{project_id}/networks", {"params": {"continue": "Óó"}}, 400),
    (
        "none",
        "POST",
        "/oauth/token",
        {"data": {"grant_type": "client_credentials"}, "headers": {"Authorization": b"Basic \xd3x"}},
        401,
    ),
    # RecursionError in each platform's body reader (issue 19), a GET body too.
    ("signed", "POST", "/v1/{project_id}/networks", _DEEP_BODY, 400),
    ("signed", "POST", "/v1/{project_id}/models", _DEEP_BODY, 400),
    ("signed", "POST", "/v3/{project_id}/ai-mgr/configmaps", _DEEP_BODY, 400),
    # The central platform answers HTTP 200 with the code in its envelope (here: status).
    ("bearer", "POST", "/CCP/clusters", _DEEP_BODY, 400),
    ("bearer", "GET", "/CCP/clusters", _DEEP_BODY, 400),
    ("bearer", "GET", "/CCP/clusters", {"params": {"regionId": "[" * _DEEP}}, 0),  # a plain string then
    ("none", "POST", "/v3/auth/tokens", _DEEP_BODY, 400),
    # An unpaired surrogate that FastAPI's parser let through and an answer echoed: not UTF-8.
    ("none", "POST", "/_localcloud/projects", {"content": b'{"region": "\\ud800"}'}, 400),
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
    elif auth == "bearer":  # a project of its own: the fuzzer may have reset or rotated the shared one's
        project = target.server.new_project()
        token = token_response(target.server.url, project.central_client_id, project.central_client_secret)
        request.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    response = target.http.send(request)
    if auth == "bearer":
        assert response.status_code == 200 and str(response.json()["code"]) == str(status), response.text
    else:
        assert response.status_code == status, response.text
