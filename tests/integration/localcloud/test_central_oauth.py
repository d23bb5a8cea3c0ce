"""OAuth2 for the central platform against a live localcloud: the token endpoint (RFC 6749 §4.4),
bearer tokens on every /CCP, /CAP, /ACP and /CAD route, tenancy, key rotation, expiry, faults."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from aicompute.localcloud.settings import DEFAULT_CENTRAL_CLIENT_ID, DEFAULT_CENTRAL_CLIENT_SECRET
from tests.integration.localcloud.central_api import CentralApi, token_response
from tests.support.localcloud import Credentials, LocalCloudProcess


@pytest.fixture
def api(localcloud: LocalCloudProcess, project: Credentials) -> Iterator[CentralApi]:
    client = CentralApi(localcloud, project)
    yield client
    client.close()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("basic", [False, True], ids=["form", "basic"])
def test_client_credentials_grant(localcloud: LocalCloudProcess, project: Credentials, basic: bool) -> None:
    response = token_response(localcloud.url, project.central_client_id, project.central_client_secret, basic=basic)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store" and response.headers["Pragma"] == "no-cache"
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    listed = httpx.get(f"{localcloud.url}/CCP/clusters", headers=bearer(body["access_token"]), timeout=10)
    assert listed.json() == {"code": "0", "message": "success", "data": [], "requestId": listed.json()["requestId"]}


def test_the_default_client_is_the_default_projects(localcloud: LocalCloudProcess) -> None:
    response = token_response(localcloud.url, DEFAULT_CENTRAL_CLIENT_ID, DEFAULT_CENTRAL_CLIENT_SECRET, scope="ccp")
    assert response.status_code == 200 and response.json()["scope"] == "ccp"


@pytest.mark.parametrize("basic", [False, True], ids=["form", "basic"])
def test_a_wrong_secret_is_invalid_client(localcloud: LocalCloudProcess, project: Credentials, basic: bool) -> None:
    response = token_response(localcloud.url, project.central_client_id, "not-the-secret", basic=basic)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Basic realm="localcloud"'
    assert response.json() == {"error": "invalid_client", "error_description": "unknown client or wrong client secret"}
    unknown = token_response(localcloud.url, "no-such-client", project.central_client_secret, basic=basic)
    assert unknown.status_code == 401 and unknown.json()["error"] == "invalid_client"


def test_malformed_token_requests(localcloud: LocalCloudProcess, project: Credentials) -> None:
    url, client, secret = localcloud.url, project.central_client_id, project.central_client_secret

    def error(response: httpx.Response, status: int) -> str:
        assert response.status_code == status, response.text
        return str(response.json()["error"])

    assert error(token_response(url, client, secret, grant_type="password"), 400) == "unsupported_grant_type"
    missing = httpx.post(f"{url}/oauth/token", data={"client_id": client, "client_secret": secret}, timeout=10)
    assert error(missing, 400) == "invalid_request"
    as_json = {"grant_type": "client_credentials", "client_id": client, "client_secret": secret}
    assert error(httpx.post(f"{url}/oauth/token", json=as_json, timeout=10), 400) == "invalid_request"
    twice = f"grant_type=client_credentials&grant_type=client_credentials&client_id={client}&client_secret={secret}"
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    assert error(httpx.post(f"{url}/oauth/token", content=twice, headers=form, timeout=10), 400) == "invalid_request"
    both = token_response(url, client, secret, basic=True, client_secret=secret)  # two authentication methods
    assert error(both, 400) == "invalid_request"
    nobody = httpx.post(f"{url}/oauth/token", data={"grant_type": "client_credentials"}, timeout=10)
    assert error(nobody, 401) == "invalid_client"
    garbled = httpx.post(
        f"{url}/oauth/token", data={"grant_type": "client_credentials"}, headers={"Authorization": "Basic %%%"}
    )
    assert error(garbled, 401) == "invalid_client"


@pytest.mark.parametrize(
    ("method", "path", "code", "text"),
    [
        ("GET", "/CCP/clusters", "401", "message"),
        ("GET", "/ccp/algoService/workloads", "401", "message"),
        ("POST", "/CAD/machine/register", "401", "message"),
        ("POST", "/ACP/Register", 401, "message"),
        ("GET", "/CAP/Status", 401, "message"),
        ("POST", "/CAP/AlgoTasks:search", 401, "msg"),
        ("GET", "/CAP/AlgoServices/1", 401, "msg"),
    ],
)
def test_every_route_wants_a_bearer_token(
    localcloud: LocalCloudProcess, method: str, path: str, code: str | int, text: str
) -> None:
    missing = httpx.request(method, f"{localcloud.url}{path}", timeout=10)
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"] == 'Bearer realm="localcloud"'
    body = missing.json()
    assert body["code"] == code and text in body  # the path's own envelope family
    invalid = httpx.request(method, f"{localcloud.url}{path}", headers=bearer("forged"), timeout=10)
    assert invalid.status_code == 401
    assert 'error="invalid_token"' in invalid.headers["WWW-Authenticate"]
    basic = httpx.request(method, f"{localcloud.url}{path}", auth=("a", "b"), timeout=10)
    assert basic.status_code == 401


def test_a_token_sees_its_own_tenant_only(localcloud: LocalCloudProcess, api: CentralApi) -> None:
    code = api.create_cluster("tenant-a", wait=False)
    other = CentralApi(localcloud, localcloud.new_project())
    try:
        assert other.ok("GET", "/CCP/clusters") == []
        assert other.fails("GET", f"/CCP/clusters/{code}", 404) == f"cluster {code} does not exist"
        assert other.create_cluster("tenant-a", wait=False) == code  # ids are per tenant, names too
    finally:
        other.close()
    assert [c["metadata"]["name"] for c in api.ok("GET", "/CCP/clusters")] == ["tenant-a"]


def test_rotation_refuses_the_old_secret_and_keeps_issued_tokens(
    localcloud: LocalCloudProcess, api: CentralApi
) -> None:
    project = api.project
    rotated = localcloud.admin("POST", f"/central/clients/{project.central_client_id}/rotate")
    assert rotated["client_id"] == project.central_client_id and rotated["project_id"] == project.project_id
    assert rotated["revoked_tokens"] == 0 and rotated["client_secret"] != project.central_client_secret
    old = token_response(localcloud.url, project.central_client_id, project.central_client_secret)
    assert old.status_code == 401
    new = token_response(localcloud.url, project.central_client_id, rotated["client_secret"], basic=True)
    assert new.status_code == 200
    assert api.ok("GET", "/CCP/clusters") == []  # issued before the rotation, still valid

    chosen = localcloud.admin(
        "POST",
        f"/central/clients/{project.central_client_id}/rotate",
        json={"client_secret": "chosen-secret", "revoke_tokens": True},
    )
    assert chosen["client_secret"] == "chosen-secret" and chosen["revoked_tokens"] == 2
    revoked = httpx.get(f"{localcloud.url}/CCP/clusters", headers=bearer(api.token), timeout=10)
    assert revoked.status_code == 401 and "revoked" in revoked.json()["message"]
    assert token_response(localcloud.url, project.central_client_id, "chosen-secret").status_code == 200
    missing = httpx.post(f"{localcloud.url}/_localcloud/central/clients/nobody/rotate", timeout=10)
    assert missing.status_code == 404


def test_faults_answer_in_the_paths_envelope(localcloud: LocalCloudProcess, api: CentralApi) -> None:
    since = localcloud.requests()[-1]["seq"] if localcloud.requests() else 0
    localcloud.add_fault(platform="central", path="^/CCP/clusters$", status=503, count=1, retry_after=2)
    localcloud.add_fault(platform="central", path=":search$", status=429, count=1)
    localcloud.add_fault(platform="oauth", status=500, count=1)
    try:
        ccp = api.client.get("/CCP/clusters")
        assert ccp.status_code == 503 and ccp.headers["Retry-After"] == "2"
        assert ccp.json()["code"] == "503" and ccp.json()["message"] == "Service unavailable."
        cap = api.client.post("/CAP/AlgoTasks:search", json={"pageNumber": 1, "pageSize": 10})
        assert cap.status_code == 429 and cap.json() == {"code": 429, "msg": "Too many requests.", "data": None}
        token = token_response(localcloud.url, api.project.central_client_id, api.project.central_client_secret)
        assert token.status_code == 500
        assert token.json() == {"error": "server_error", "error_description": "Internal error."}
    finally:
        localcloud.clear_faults()
    logged = [(e["platform"], e["method"], e["path"], e["status"], e["fault"]) for e in localcloud.requests(since)]
    assert ("central", "GET", "/CCP/clusters", 503, "status") in logged
    assert ("central", "POST", "/CAP/AlgoTasks:search", 429, "status") in logged
    assert ("oauth", "POST", "/oauth/token", 500, "status") in logged


def test_cli_client_and_token_lifetime() -> None:
    flags = ["--client-id", "cli-client", "--client-secret", "cli-secret", "--token-lifetime", "1"]
    server = LocalCloudProcess(time_scale=0, extra_args=flags).start()
    try:
        refused = token_response(server.url, DEFAULT_CENTRAL_CLIENT_ID, DEFAULT_CENTRAL_CLIENT_SECRET)
        assert refused.status_code == 401
        response = token_response(server.url, "cli-client", "cli-secret")
        assert response.json()["expires_in"] == 1
        token = response.json()["access_token"]
        assert httpx.get(f"{server.url}/CAP/Status", headers=bearer(token), timeout=10).json()["code"] == 0
        time.sleep(1.1)
        expired = httpx.get(f"{server.url}/CAP/Status", headers=bearer(token), timeout=10)
        assert expired.status_code == 401
        assert expired.json() == {"code": 401, "message": "the access token expired", "data": None}
        assert 'error="invalid_token"' in expired.headers["WWW-Authenticate"]
    finally:
        server.stop()


def test_clients_tokens_and_lifecycles_survive_a_restart(tmp_path: Path) -> None:
    db = str(tmp_path / "world.db")
    server = LocalCloudProcess(db=db, time_scale=0.05).start()
    try:
        project = server.new_project()
        api = CentralApi(server, project)
        code = api.create_cluster("durable", wait=False)  # running 1 s from now, while the server is down
        api.close()
    finally:
        server.stop()
    restarted = LocalCloudProcess(db=db, time_scale=0.05).start()
    try:
        api.localcloud, api.client = restarted, httpx.Client(base_url=restarted.url, headers=bearer(api.token))
        assert api.wait_cluster(code, "running")["metadata"]["name"] == "durable"  # the token is still valid
        assert len(api.ok("GET", "/CCP/cluster/nodes", params={"clusterCode": code})) == 2
        assert (
            token_response(restarted.url, project.central_client_id, project.central_client_secret).status_code == 200
        )
        api.close()
    finally:
        restarted.stop()
