"""Wrong project: credentials of project A on project B's paths, and A's object ids through B's
credentials, on all three platforms. Every attempt is refused or not found, changes nothing, and
the answer carries none of A's data (names, descriptions, secret values).

``test_core_auth``/``test_core_admin`` cover the echo and test routes, ``test_modelarts_models`` and
``test_central_oauth`` one object kind each; this file covers reads, updates and deletes of real
objects across the platforms, and the HiLens paths that name their project in ``X-Project-Id``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.integration.localcloud.central_api import CentralApi
from tests.integration.localcloud.hilens_api import HiLensApi
from tests.integration.localcloud.resource_api import ResourceApi
from tests.support.localcloud import Credentials, LocalCloudProcess

MARKER = "tenant-a-private-7f3c"  # in A's names and descriptions: it must never reach B
SECRET_VALUE = "s3cr3t-of-tenant-a"


@pytest.fixture
def tenant_b(localcloud: LocalCloudProcess) -> Credentials:
    return localcloud.new_project()


def no_leak(response: httpx.Response) -> None:
    assert MARKER not in response.text and SECRET_VALUE not in response.text, response.text


# ModelArts ---------------------------------------------------------------------------------------
@pytest.fixture
def modelarts(localcloud: LocalCloudProcess, project: Credentials, tenant_b: Credentials) -> Iterator[Any]:
    a, b = ResourceApi(localcloud, project), ResourceApi(localcloud, tenant_b)
    yield a, b
    a.close()
    b.close()


def test_modelarts_refuses_project_a_credentials_on_project_b_paths(
    modelarts: tuple[ResourceApi, ResourceApi], localcloud: LocalCloudProcess, tenant_b: Credentials
) -> None:
    a, b = modelarts
    b_workspace = b.post("v1/workspaces", {"name": "b-team", "description": "b's"})["id"]
    base = f"{localcloud.url}/v1/{tenant_b.project_id}/workspaces"
    for method, url, body in [
        ("GET", base, None),
        ("GET", f"{base}/{b_workspace}", None),
        ("POST", base, {"name": "planted-by-a"}),
        ("PUT", f"{base}/{b_workspace}", {"description": "changed by a"}),
        ("DELETE", f"{base}/{b_workspace}", None),
    ]:
        response = a.client.request(method, url, json=body)
        assert (response.status_code, response.json()["error_code"]) == (403, "ModelArts.0210"), response.text
        assert "b's" not in response.text
    assert [w["name"] for w in b.get("v1/workspaces")["workspaces"] if w["name"] != "default"] == ["b-team"]
    assert b.get(f"v1/workspaces/{b_workspace}")["description"] == "b's"


def test_modelarts_object_ids_of_a_are_not_found_through_b(modelarts: tuple[ResourceApi, ResourceApi]) -> None:
    a, b = modelarts
    workspace = a.post("v1/workspaces", {"name": "a-team", "description": MARKER})["id"]
    network = a.post(
        "v1/networks",
        {
            "apiVersion": "v1",
            "kind": "Network",
            "metadata": {"labels": {"os.modelarts/name": MARKER}},
            "spec": {"cidr": "172.16.0.0/16"},
        },
    )["metadata"]["name"]
    for method, path, body in [
        ("GET", f"v1/workspaces/{workspace}", None),
        ("PUT", f"v1/workspaces/{workspace}", {"description": "hijacked"}),
        ("DELETE", f"v1/workspaces/{workspace}", None),
        ("GET", f"v1/networks/{network}", None),
        ("DELETE", f"v1/networks/{network}", None),
    ]:
        response = b.request(method, path, json=body)
        assert response.status_code in (400, 404), response.text
        assert "not exist" in response.text or "not found" in response.text.lower(), response.text
        no_leak(response)
    for listing in ("v1/workspaces", "v1/networks"):
        no_leak(b.request("GET", listing))
    assert a.get(f"v1/workspaces/{workspace}")["description"] == MARKER
    assert a.get(f"v1/networks/{network}")["metadata"]["name"] == network


# HiLens ------------------------------------------------------------------------------------------
SECRETS = "v3/ai-mgr/secrets"


@pytest.fixture
def hilens(localcloud: LocalCloudProcess, project: Credentials, tenant_b: Credentials) -> Iterator[Any]:
    a, b = HiLensApi(localcloud, project), HiLensApi(localcloud, tenant_b)
    yield a, b
    a.close()
    b.close()


def _secret(a: HiLensApi) -> str:
    body = {"name": "db-cred", "description": MARKER, "secrets": [{"key": "password", "value": SECRET_VALUE}]}
    return str(a.post(SECRETS, {"secret": {**body, "tags": []}})["secret"]["id"])


def test_hilens_refuses_project_a_credentials_on_project_b_paths(
    hilens: tuple[HiLensApi, HiLensApi], localcloud: LocalCloudProcess, tenant_b: Credentials
) -> None:
    a, b = hilens
    b_secret = str(
        b.post(SECRETS, {"secret": {"name": "b-cred", "secrets": [{"key": "k", "value": "v"}], "tags": []}})["secret"][
            "id"
        ]
    )
    base = f"{localcloud.url}/v3/{tenant_b.project_id}/ai-mgr"
    for method, url in [
        ("GET", f"{base}/secrets"),
        ("GET", f"{base}/secrets/{b_secret}"),
        ("DELETE", f"{base}/secrets/{b_secret}"),
        ("GET", f"{base}/workspaces"),
        ("POST", f"{base}/workspaces"),
    ]:
        response = a.client.request(method, url, json={"name": "planted-by-a"} if method == "POST" else None)
        assert (response.status_code, response.json()["error_code"]) == (400, "HIL.0004"), response.text
        assert "b-cred" not in response.text
    assert [s["id"] for s in b.get(SECRETS)["secrets"]] == [b_secret]


def test_hilens_object_ids_of_a_are_not_found_through_b(hilens: tuple[HiLensApi, HiLensApi]) -> None:
    a, b = hilens
    secret = _secret(a)
    for method, body in [("GET", None), ("PUT", {"secret": {"name": "db-cred", "secrets": []}}), ("DELETE", None)]:
        response = b.request(method, f"{SECRETS}/{secret}", json=body)
        assert response.status_code in (400, 404), response.text
        if response.status_code == 404:
            assert response.json()["error_code"] == "HIL.0010"
        no_leak(response)
    no_leak(b.request("GET", SECRETS))
    assert a.get(f"{SECRETS}/{secret}")["secret"]["description"] == MARKER


def test_hilens_x_project_id_cannot_name_another_project(
    hilens: tuple[HiLensApi, HiLensApi], tenant_b: Credentials
) -> None:
    """Paths without a project (firmware catalogue) take it from ``X-Project-Id``: A's signature
    with B's id is refused, not served as B."""
    a, _ = hilens
    response = a.global_request(
        "GET",
        "/v3/ai-mgr/firmwares",
        params={"device_type": "Atlas 500"},
        headers={"X-Project-Id": tenant_b.project_id},
    )
    assert (response.status_code, response.json()["error_code"]) == (400, "HIL.0004"), response.text


# central platform --------------------------------------------------------------------------------
@pytest.fixture
def central(localcloud: LocalCloudProcess, project: Credentials, tenant_b: Credentials) -> Iterator[Any]:
    a, b = CentralApi(localcloud, project), CentralApi(localcloud, tenant_b)
    yield a, b
    a.close()
    b.close()


def test_central_object_ids_of_a_are_not_found_through_b(central: tuple[CentralApi, CentralApi]) -> None:
    """The bearer token names the tenant: B's token on A's cluster code and service id finds nothing."""
    a, b = central
    cluster = a.create_cluster(MARKER, wait=False)
    service = a.create_service(wait=False, envs=f"note={MARKER}")
    for method, path in [
        ("GET", f"/CCP/clusters/{cluster}"),
        ("GET", f"/CCP/clusters/{cluster}/license"),
        ("DELETE", f"/CCP/clusters/{cluster}"),
        ("GET", f"/CAP/AlgoServices/{service}"),
        ("DELETE", f"/CAP/AlgoServices/{service}"),
    ]:
        response = b.client.request(method, path)
        body = response.json()
        assert response.status_code in (200, 404) and str(body["code"]) != "0", f"{method} {path}: {body}"
        assert body.get("data") in (None, {}, []), body
        no_leak(response)
    assert b.ok("GET", "/CCP/clusters") == []
    no_leak(b.client.post("/CAP/AlgoServices:search", json={"pageNumber": 1, "pageSize": 100}))
    assert a.ok("GET", f"/CCP/clusters/{cluster}")["metadata"]["name"] == MARKER
    assert a.ok("GET", f"/CAP/AlgoServices/{service}")["envs"] == f"note={MARKER}"
