"""Expired and forged tokens on real routes of all three platforms: IAM ``X-Auth-Token`` (ModelArts,
HiLens) and the central platform's OAuth2 bearer tokens.

``test_core_auth`` covers an expired and an unknown IAM token on the echo route, ``test_central_oauth``
expiry through ``--token-lifetime`` and revocation. Here tokens are expired through the store (no
waiting), forged (random, altered by one character, truncated, extended, re-cased, doubled, a JWT with
``alg: none``), carried by the wrong scheme (an IAM token as a bearer, a bearer as an IAM token), or
mixed with another project's signature; each is refused and nothing is created.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from aicompute.provider.auth import AkSkAuth
from tests.integration.localcloud.central_api import token_response
from tests.support.inprocess_localcloud import InProcessLocalCloud
from tests.support.localcloud import Credentials


def iam_token(cloud: InProcessLocalCloud, creds: Credentials) -> str:
    user = {"name": creds.user_name, "password": creds.password, "domain": {"name": creds.domain_name}}
    body = {
        "auth": {
            "identity": {"methods": ["password"], "password": {"user": user}},
            "scope": {"project": {"id": creds.project_id}},
        }
    }
    response = httpx.post(f"{cloud.url}/v3/auth/tokens", json=body, timeout=10)
    assert response.status_code == 201, response.text
    return response.headers["X-Subject-Token"]


def bearer_token(cloud: InProcessLocalCloud, creds: Credentials) -> str:
    response = token_response(cloud.url, creds.central_client_id, creds.central_client_secret)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def _flip_last(token: str) -> str:
    return token[:-1] + ("A" if token[-1] != "A" else "B")


def _jwt_none(token: str) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part({'sub': token, 'scope': 'all'})}."


FORGERIES: dict[str, Callable[[str], str]] = {
    "random": lambda token: "MIIL" + secrets.token_urlsafe(48),
    "altered": _flip_last,
    "truncated": lambda token: token[:-4],
    "extended": lambda token: token + "x",
    "recased": lambda token: token.swapcase(),
    "doubled": lambda token: token + token,
    "jwt-none": _jwt_none,
}


# IAM tokens on ModelArts and HiLens ----------------------------------------------------------------
def platform_urls(cloud: InProcessLocalCloud, project_id: str) -> dict[str, tuple[str, str, int]]:
    """platform -> (list URL, code of a bad token, its status)."""
    return {
        "modelarts": (f"{cloud.url}/v1/{project_id}/workspaces", "ModelArts.0203", 401),
        "hilens": (f"{cloud.url}/v3/{project_id}/ai-mgr/workspaces", "HIL.0145", 403),
    }


@pytest.mark.parametrize("platform", ["modelarts", "hilens"])
def test_an_expired_iam_token_is_refused(cloud: InProcessLocalCloud, proj: Credentials, platform: str) -> None:
    url, _, _ = platform_urls(cloud, proj.project_id)[platform]
    token = iam_token(cloud, proj)
    assert httpx.get(url, headers={"X-Auth-Token": token}, timeout=10).status_code == 200
    expired = "MIILexpired" + secrets.token_hex(8)
    with cloud.store.transaction() as tx:
        tx.add_token(expired, proj.project_id, time.time() - 1)
    response = httpx.post(url, headers={"X-Auth-Token": expired}, json={"name": "late"}, timeout=10)
    expected = {"modelarts": (401, "ModelArts.0202"), "hilens": (403, "HIL.0145")}[platform]
    assert (response.status_code, response.json()["error_code"]) == expected, response.text
    names = [w["name"] for w in httpx.get(url, headers={"X-Auth-Token": token}, timeout=10).json()["workspaces"]]
    assert "late" not in names


@pytest.mark.parametrize("platform", ["modelarts", "hilens"])
@pytest.mark.parametrize("forgery", sorted(FORGERIES))
def test_a_forged_iam_token_is_refused(
    cloud: InProcessLocalCloud, proj: Credentials, platform: str, forgery: str
) -> None:
    url, code, status = platform_urls(cloud, proj.project_id)[platform]
    forged = FORGERIES[forgery](iam_token(cloud, proj))
    response = httpx.post(url, headers={"X-Auth-Token": forged}, json={"name": "forged"}, timeout=10)
    assert response.status_code in (status, 401), response.text
    assert response.json()["error_code"] in (code, "APIGW.0301"), response.text
    listed = httpx.get(url, headers={"X-Auth-Token": iam_token(cloud, proj)}, timeout=10).json()
    assert "forged" not in [w["name"] for w in listed["workspaces"]]


def test_an_iam_token_of_another_project_is_refused_on_every_platform(
    cloud: InProcessLocalCloud, proj: Credentials
) -> None:
    other = cloud.new_project()
    token = iam_token(cloud, proj)
    for url, _, _ in platform_urls(cloud, other.project_id).values():
        response = httpx.get(url, headers={"X-Auth-Token": token}, timeout=10)
        assert response.status_code in (400, 403), response.text
        assert response.json()["error_code"] in ("ModelArts.0210", "HIL.0004")


def test_a_token_is_not_mixed_with_another_projects_signature(cloud: InProcessLocalCloud, proj: Credentials) -> None:
    """A's valid token next to B's valid signature on B's path: the token decides, and it is A's."""
    other = cloud.new_project()
    request = httpx.Request(
        "GET", f"{cloud.url}/v1/{other.project_id}/workspaces", headers={"X-Auth-Token": iam_token(cloud, proj)}
    )
    AkSkAuth(other.access_key, other.secret_key).sign(request)
    with httpx.Client(timeout=10) as client:
        assert client.send(request).status_code == 403


# OAuth2 bearer tokens on the central platform --------------------------------------------------------
def central(cloud: InProcessLocalCloud, token: str, method: str = "GET", path: str = "/CCP/clusters") -> httpx.Response:
    return httpx.request(method, f"{cloud.url}{path}", headers={"Authorization": f"Bearer {token}"}, timeout=10)


def assert_invalid_token(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_an_expired_bearer_token_is_refused(cloud: InProcessLocalCloud, proj: Credentials) -> None:
    assert central(cloud, bearer_token(cloud, proj)).status_code == 200
    expired = secrets.token_urlsafe(32)
    with cloud.store.transaction() as tx:
        client = tx.oauth_client(proj.central_client_id)
        assert client is not None
        tx.add_oauth_token(expired, client, time.time() - 1)
    response = central(cloud, expired)
    assert_invalid_token(response)
    assert response.json()["message"] == "the access token expired"
    assert_invalid_token(central(cloud, expired, "POST", "/CAP/AlgoServices"))


@pytest.mark.parametrize("forgery", sorted(FORGERIES))
@pytest.mark.parametrize("path", ["/CCP/clusters", "/CAP/Status", "/ACP/Register"])
def test_a_forged_bearer_token_is_refused(
    cloud: InProcessLocalCloud, proj: Credentials, forgery: str, path: str
) -> None:
    forged = FORGERIES[forgery](bearer_token(cloud, proj))
    assert_invalid_token(central(cloud, forged, "POST" if path.startswith("/ACP") else "GET", path))


def test_tokens_do_not_cross_schemes(cloud: InProcessLocalCloud, proj: Credentials) -> None:
    """An IAM token is no bearer token, and a bearer token is no IAM token."""
    assert_invalid_token(central(cloud, iam_token(cloud, proj)))
    url = f"{cloud.url}/v1/{proj.project_id}/workspaces"
    refused = httpx.get(url, headers={"X-Auth-Token": bearer_token(cloud, proj)}, timeout=10)
    assert (refused.status_code, refused.json()["error_code"]) == (401, "ModelArts.0203")
    as_bearer = httpx.get(url, headers={"Authorization": f"Bearer {bearer_token(cloud, proj)}"}, timeout=10)
    assert as_bearer.status_code == 401
