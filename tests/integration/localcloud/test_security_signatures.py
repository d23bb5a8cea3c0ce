"""AK/SK signatures on ModelArts and HiLens routes: tampering and replay.

``test_core_auth`` proves the algorithm on a test echo route (body, query and header tampering, the
15-minute window, malformed headers). Here real platform routes are attacked the way a man in the
middle would: a captured, correctly signed request is changed (method, path, query, body, a signed
header, the access key, the signed-header list, an injected payload hash) or replayed outside the
window. Each is refused with 401 ``APIGW.0301`` and leaves the project untouched.

Inside the window a replay is accepted, as Huawei's API gateway accepts it: SDK-HMAC-SHA256 has no
nonce, only ``X-Sdk-Date`` and its ±15-minute window. A replayed read answers again; a replayed
create or delete runs again and meets the platform's own rules (the name exists, the object is gone).
"""

from __future__ import annotations

import hashlib
import json
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from aicompute.provider import signing
from aicompute.provider.auth import AkSkAuth, raw_path
from tests.support.api import eventually
from tests.support.localcloud import Credentials, LocalCloudProcess


@dataclass(frozen=True)
class Platform:
    """Where a platform keeps workspaces, and how it names one in its answers."""

    name: str
    collection: str  # after /{version}/{project_id}/
    version: str
    listed: str  # the list answer's key
    id_key: str  # the create answer's key of the new id

    def body(self, name: str) -> dict[str, Any]:
        return {"name": name}

    def created_id(self, answer: dict[str, Any]) -> str:
        return str(answer[self.id_key])


PLATFORMS = [
    Platform("modelarts", "workspaces", "v1", "workspaces", "id"),
    Platform("hilens", "ai-mgr/workspaces", "v3", "workspaces", "workspace_id"),
]


class Attacker:
    """Signs requests for one project and sends them — altered or not — with a plain client."""

    def __init__(self, localcloud: LocalCloudProcess, project: Credentials, platform: Platform) -> None:
        self.localcloud = localcloud
        self.project = project
        self.platform = platform
        self.http = httpx.Client(timeout=10)

    def url(self, suffix: str = "") -> str:
        p = self.platform
        return f"{self.localcloud.url}/{p.version}/{self.project.project_id}/{p.collection}{suffix}"

    def signed(self, method: str, url: str, at: datetime | None = None, **kwargs: Any) -> httpx.Request:
        request = self.http.build_request(method, url, **kwargs)
        if at is None:
            AkSkAuth(self.project.access_key, self.project.secret_key).sign(request)
            return request
        headers = {"Host": request.url.netloc.decode("ascii"), **dict(request.headers)}
        query = [(k, v) for k, v in request.url.params.multi_items()]
        request.headers.update(
            signing.sign(
                self.project.access_key,
                self.project.secret_key,
                method,
                raw_path(request.url),
                query,
                headers,
                request.content,
                at,
            )
        )
        return request

    def send(self, request: httpx.Request) -> httpx.Response:
        return self.http.send(request)

    def create(self, name: str) -> str:
        response = self.send(self.signed("POST", self.url(), json=self.platform.body(name)))
        assert response.status_code in (200, 201), response.text
        return self.platform.created_id(response.json())

    def names(self) -> list[str]:
        answer = self.send(self.signed("GET", self.url(), params={"limit": "100"})).json()
        return sorted(str(item["name"]) for item in answer[self.platform.listed])

    def exists(self, obj_id: str) -> bool:
        return self.send(self.signed("GET", self.url(f"/{obj_id}"))).status_code == 200


@pytest.fixture(params=PLATFORMS, ids=[p.name for p in PLATFORMS])
def attacker(request: pytest.FixtureRequest, localcloud: LocalCloudProcess, project: Credentials) -> Iterator[Attacker]:
    client = Attacker(localcloud, project, request.param)
    yield client
    client.http.close()


def refused(response: httpx.Response) -> str:
    assert response.status_code == 401, response.text
    body = response.json()
    assert body["error_code"] == "APIGW.0301", body
    return str(body["error_msg"])


def altered(request: httpx.Request, **changes: Any) -> httpx.Request:
    """The same signed request with its method, URL, headers or body replaced."""
    return httpx.Request(
        changes.get("method", request.method),
        changes.get("url", request.url),
        headers=changes.get("headers", request.headers),
        content=changes.get("content", request.content),
    )


# tampering ---------------------------------------------------------------------------------------
def test_a_signed_read_cannot_become_a_delete(attacker: Attacker) -> None:
    target = attacker.create("kept")
    read = attacker.signed("GET", attacker.url(f"/{target}"))
    refused(attacker.send(altered(read, method="DELETE")))
    assert attacker.exists(target)


def test_a_signed_delete_cannot_be_pointed_at_another_object(attacker: Attacker) -> None:
    throwaway, precious = attacker.create("throwaway"), attacker.create("precious")
    delete = attacker.signed("DELETE", attacker.url(f"/{throwaway}"))
    refused(attacker.send(altered(delete, url=attacker.url(f"/{precious}"))))
    assert attacker.exists(precious) and attacker.exists(throwaway)


@pytest.mark.parametrize("query", [b"limit=2", b"limit=1&name=x", b"", b"limit=1&limit=1"])
def test_a_changed_query_is_refused(attacker: Attacker, query: bytes) -> None:
    listing = attacker.signed("GET", attacker.url(), params={"limit": "1"})
    refused(attacker.send(altered(listing, url=listing.url.copy_with(query=query or None))))


def test_a_changed_body_is_refused_and_nothing_is_created(attacker: Attacker) -> None:
    create = attacker.signed("POST", attacker.url(), json=attacker.platform.body("honest"))
    forged = json.dumps(attacker.platform.body("forged"), separators=(",", ":")).encode()
    refused(attacker.send(altered(create, content=forged)))
    assert "forged" not in attacker.names() and "honest" not in attacker.names()


def test_an_injected_payload_hash_does_not_cover_a_changed_body(attacker: Attacker) -> None:
    """The payload hash header counts only when it was signed, and then must match the body."""
    create = attacker.signed("POST", attacker.url(), json=attacker.platform.body("honest"))
    headers = httpx.Headers(create.headers)
    headers[signing.CONTENT_SHA256_HEADER] = hashlib.sha256(create.content).hexdigest()
    forged = json.dumps(attacker.platform.body("forged")).encode()
    headers["Content-Length"] = str(len(forged))
    refused(attacker.send(altered(create, headers=headers, content=forged)))
    assert "forged" not in attacker.names()


def test_a_signed_payload_hash_must_match_the_body(attacker: Attacker) -> None:
    body = json.dumps(attacker.platform.body("claimed")).encode()
    wrong_hash = {signing.CONTENT_SHA256_HEADER: hashlib.sha256(b"something else").hexdigest()}
    create = attacker.signed("POST", attacker.url(), content=body, headers=wrong_hash)
    assert signing.CONTENT_SHA256_HEADER.lower() in create.headers["Authorization"]
    refused(attacker.send(create))
    assert "claimed" not in attacker.names()


@pytest.mark.parametrize("header", ["X-Note", "Content-Type", "Host"])
def test_a_changed_signed_header_is_refused(attacker: Attacker, header: str) -> None:
    create = attacker.signed(
        "POST", attacker.url(), json=attacker.platform.body("noted"), headers={"X-Note": "original"}
    )
    headers = httpx.Headers(create.headers)
    headers[header] = {"X-Note": "changed", "Content-Type": "application/json; v=2", "Host": "evil.example"}[header]
    refused(attacker.send(altered(create, headers=headers)))
    assert "noted" not in attacker.names()


def test_dropping_a_header_from_the_signed_list_is_refused(attacker: Attacker) -> None:
    listing = attacker.signed("GET", attacker.url(), headers={"X-Note": "a"})
    headers = httpx.Headers(listing.headers)
    headers["Authorization"] = headers["Authorization"].replace(";x-note", "")
    del headers["X-Note"]
    refused(attacker.send(altered(listing, headers=headers)))


def test_another_access_key_on_a_signed_request_is_refused(attacker: Attacker, localcloud: LocalCloudProcess) -> None:
    other = localcloud.new_project()
    listing = attacker.signed("GET", attacker.url())
    headers = httpx.Headers(listing.headers)
    headers["Authorization"] = headers["Authorization"].replace(attacker.project.access_key, other.access_key)
    refused(attacker.send(altered(listing, headers=headers)))


def test_a_changed_date_is_refused(attacker: Attacker) -> None:
    """``X-Sdk-Date`` is in the string to sign: moving it (even inside the window) breaks the signature."""
    listing = attacker.signed("GET", attacker.url())
    headers = httpx.Headers(listing.headers)
    moved = signing.parse_date(headers[signing.DATE_HEADER]) + timedelta(seconds=30)
    headers[signing.DATE_HEADER] = signing.format_date(moved)
    refused(attacker.send(altered(listing, headers=headers)))


# replay ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("minutes", [-16, -60 * 24, 16, 60 * 24 * 365])
def test_a_replay_outside_the_window_is_refused(attacker: Attacker, minutes: int) -> None:
    """A correctly signed create whose ``X-Sdk-Date`` is older (or newer) than 15 minutes."""
    at = datetime.now(UTC) + timedelta(minutes=minutes)
    create = attacker.signed("POST", attacker.url(), at=at, json=attacker.platform.body("replayed"))
    assert "15 minute" in refused(attacker.send(create))
    assert "replayed" not in attacker.names()


def test_a_replay_inside_the_window_is_authenticated(attacker: Attacker) -> None:
    """Documented behaviour, not a wish: no nonce, so the platform's own rules meet the replay."""
    listing = attacker.signed("GET", attacker.url(), at=datetime.now(UTC) - timedelta(minutes=14))
    first, again = attacker.send(listing), attacker.send(listing)
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    create = attacker.signed("POST", attacker.url(), json=attacker.platform.body("once"))
    assert attacker.send(create).status_code in (200, 201)
    replayed = attacker.send(create)
    assert replayed.status_code in (400, 409) and "already exists" in replayed.text  # a name conflict, not 401
    assert attacker.names().count("once") == 1


def test_a_signed_create_cut_off_mid_body_runs_nothing(attacker: Attacker, localcloud: LocalCloudProcess) -> None:
    """The connection closes after half the announced body: nothing is created, and the request log
    says 499 (client closed request), not a server error."""
    since = max((entry["seq"] for entry in localcloud.requests()), default=0)
    create = attacker.signed("POST", attacker.url(), json=attacker.platform.body("cut-off"))
    head = f"POST {create.url.raw_path.decode()} HTTP/1.1\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in create.headers.items()) + "\r\n"
    host, port = create.url.host, create.url.port
    assert port is not None
    with socket.create_connection((host, port), timeout=10) as connection:
        connection.sendall(head.encode() + create.content[: len(create.content) // 2])
        time.sleep(0.2)
    logged = eventually(lambda: [e for e in localcloud.requests(since) if e["method"] == "POST"])
    assert [e["status"] for e in logged] == [499]
    assert "cut-off" not in attacker.names()
