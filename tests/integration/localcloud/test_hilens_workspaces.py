"""HiLens workspaces against a live localcloud (seed §5.8), and what every HiLens call shares:
authentication errors, error shapes, paging bounds and injected faults."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.integration.localcloud.hilens_api import HiLensApi
from tests.support.localcloud import Credentials, LocalCloudProcess

WORKSPACES = "v3/ai-mgr/workspaces"


@pytest.fixture
def api(localcloud: LocalCloudProcess, project: Credentials) -> Iterator[HiLensApi]:
    with HiLensApi(localcloud, project) as client:
        yield client


def create(api: HiLensApi, name: str, **fields: object) -> str:
    body = {"name": name, "enterprise_project_id": "0", "enterprise_project_name": "default", **fields}
    return str(api.post(WORKSPACES, body)["workspace_id"])


def test_workspace_lifecycle(api: HiLensApi) -> None:
    default = api.get(f"{WORKSPACES}/0")
    assert (default["name"], default["enterprise_project_id"], default["project_id"]) == (
        "default",
        "0",
        api.project.project_id,
    )
    # The seed's example sends enterprise_project_id as the integer 0.
    body = {"name": "team-a", "enterprise_project_id": 0, "enterprise_project_name": "default"}
    workspace_id = api.post(WORKSPACES, body)["workspace_id"]
    shown = api.get(f"{WORKSPACES}/{workspace_id}")
    assert shown["enterprise_project_id"] == "0" and shown["description"] is None
    assert set(shown) == set(default)
    assert shown["owner"] == api.project.user_name and shown["user_id"] == default["user_id"]

    assert api.put(f"{WORKSPACES}/{workspace_id}", {"description": "cameras"}) == {"workspace_id": workspace_id}
    assert api.get(f"{WORKSPACES}/{workspace_id}")["description"] == "cameras"
    listed = api.get(WORKSPACES)
    assert listed["count"] == 2 and [w["workspace_id"] for w in listed["workspaces"]] == ["0", workspace_id]
    assert api.get(WORKSPACES, iam_user_id="someone-else")["count"] == 0

    assert api.delete(f"{WORKSPACES}/{workspace_id}") == {"workspace_id": workspace_id}
    api.error("GET", f"{WORKSPACES}/{workspace_id}", 404, "HIL.0010")
    api.error("DELETE", f"{WORKSPACES}/{workspace_id}", 404, "HIL.0010")


def test_names_are_unique_and_only_the_description_changes(api: HiLensApi) -> None:
    create(api, "team-b")
    assert "already exists" in api.error("POST", WORKSPACES, 409, "HIL.0011", json={"name": "team-b"})
    api.error("POST", WORKSPACES, 409, "HIL.0011", json={"name": "default"})
    message = api.error("POST", WORKSPACES, 400, "HIL.0001", json={"name": "bad name!"})
    assert message.startswith("Invalid parameter. name:")
    api.error("PUT", f"{WORKSPACES}/0", 400, "HIL.0001", json={})  # description is required (table 5-449)


def test_a_workspace_holding_resources_is_not_deleted(api: HiLensApi) -> None:
    workspace_id = create(api, "team-c")
    node_id = api.register("edge-c", workspace_id=workspace_id)
    secret = {"name": "cred", "secrets": [{"key": "k", "value": "v"}], "tags": []}
    secret_id = api.post("v3/ai-mgr/secrets", {"workspace_id": workspace_id, "secret": {**secret, "name": "cred-c"}})
    configmap = {"name": "conf-c", "configs": [{"key": "k", "value": "v"}], "tags": []}
    configmap_id = api.post("v3/ai-mgr/configmaps", {"workspace_id": workspace_id, "configmap": configmap})

    message = api.error("DELETE", f"{WORKSPACES}/{workspace_id}", 409, "HIL.0011")
    assert node_id in message and "secret" in message and "configmap" in message
    api.delete(f"v3/ai-mgr/nodes/{node_id}")
    api.delete(f"v3/ai-mgr/secrets/{secret_id['secret']['id']}")
    api.error("DELETE", f"{WORKSPACES}/{workspace_id}", 409, "HIL.0011")
    api.delete(f"v3/ai-mgr/configmaps/{configmap_id['configmap']['id']}")
    api.delete(f"{WORKSPACES}/{workspace_id}")
    assert "default workspace" in api.error("DELETE", f"{WORKSPACES}/0", 400, "HIL.0001")
    api.error("POST", "v3/ai-mgr/nodes", 404, "HIL.0010", json={"node": {"name": "n", "workspace_id": workspace_id}})


def test_paging_bounds(api: HiLensApi) -> None:
    for index in range(3):
        create(api, f"page-{index}")
    page = api.get(WORKSPACES, offset=1, limit=2)
    assert page["count"] == 4 and [w["name"] for w in page["workspaces"]] == ["page-0", "page-1"]
    assert "limit: must be at least 1 and at most 100" in api.error(
        "GET", WORKSPACES, 400, "HIL.0001", params={"limit": 101}
    )
    api.error("GET", WORKSPACES, 400, "HIL.0001", params={"offset": -1})
    api.error("GET", WORKSPACES, 400, "HIL.0001", params={"limit": "ten"})
    api.error("POST", WORKSPACES, 400, "HIL.0001", content=b"{not json", headers={"Content-Type": "application/json"})


def test_authentication_errors(localcloud: LocalCloudProcess, project: Credentials, api: HiLensApi) -> None:
    url = f"{localcloud.url}/v3/{project.project_id}/ai-mgr/workspaces"
    missing = httpx.get(url)
    assert (missing.status_code, missing.json()["error_code"]) == (401, "APIGW.0301")
    # Seed table 7-2: an invalid token is a 403 HIL.0145, a foreign project id a 400 HIL.0004.
    invalid = httpx.get(url, headers={"X-Auth-Token": "not-a-token"})
    assert (invalid.status_code, invalid.json()) == (403, {"error_code": "HIL.0145", "error_msg": "Invalid token."})
    other = localcloud.new_project()
    foreign = api.client.get(f"/v3/{other.project_id}/ai-mgr/workspaces")
    assert (foreign.status_code, foreign.json()["error_code"]) == (400, "HIL.0004")
    # Deployment endpoints answer the same failures in their own shape.
    deployments = httpx.get(f"{localcloud.url}/v3/{project.project_id}/ai-mgr/deployments")
    assert deployments.status_code == 401 and set(deployments.json()) == {"request_id", "error_code", "error_message"}


def test_token_authentication(localcloud: LocalCloudProcess, project: Credentials) -> None:
    scope = {"project": {"id": project.project_id}}
    user = {"name": project.user_name, "password": project.password, "domain": {"name": project.domain_name}}
    identity = {"methods": ["password"], "password": {"user": user}}
    issued = httpx.post(f"{localcloud.url}/v3/auth/tokens", json={"auth": {"identity": identity, "scope": scope}})
    token = issued.headers["X-Subject-Token"]
    listed = httpx.get(f"{localcloud.url}/v3/{project.project_id}/ai-mgr/workspaces", headers={"X-Auth-Token": token})
    assert listed.status_code == 200 and listed.json()["count"] == 1
    firmwares = httpx.get(
        f"{localcloud.url}/v3/ai-mgr/firmwares", params={"device_type": "Atlas 500"}, headers={"X-Auth-Token": token}
    )
    assert firmwares.json()["firmwares"][0]["id"] == "a91e80c5f3174a6ba8b07b1bd5b0f01a"  # the seed's example


def test_injected_faults_answer_in_hilens_shapes(localcloud: LocalCloudProcess, api: HiLensApi) -> None:
    rule = localcloud.add_fault(platform="hilens", method="GET", path=r"/ai-mgr/workspaces$", status=503, count=1)
    try:
        api.error("GET", WORKSPACES, 503, "HIL.0002")
        assert api.get(WORKSPACES)["count"] == 1
        localcloud.add_fault(platform="hilens", path=r"/ai-mgr/deployments$", status=429, count=1)
        assert "throttling" in api.deployment_error("GET", "v3/ai-mgr/deployments", 429, "APIGW.0308")
    finally:
        localcloud.clear_faults()
    assert rule["platform"] == "hilens"
    logged = [entry for entry in localcloud.requests() if entry["path"].endswith("/ai-mgr/workspaces")]
    assert logged and {entry["platform"] for entry in logged} == {"hilens"}
