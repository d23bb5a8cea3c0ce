"""Workspaces and workspace quotas against a live localcloud (seed chapter 13)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from tests.integration.localcloud.resource_api import ResourceApi
from tests.support.api import eventually
from tests.support.localcloud import Credentials, LocalCloudProcess

GPU_DURATION = "exemlProject.gpu_duration"


@pytest.fixture
def api(localcloud: LocalCloudProcess, project: Credentials) -> Iterator[ResourceApi]:
    client = ResourceApi(localcloud, project)
    yield client
    client.close()


def create(api: ResourceApi, name: str, **fields: object) -> dict[str, object]:
    workspace: dict[str, object] = api.post("v1/workspaces", {"name": name, **fields})
    return workspace


def test_workspace_lifecycle_create_read_update_delete(api: ResourceApi) -> None:
    created = create(
        api,
        "team-vision",
        description="vision models",
        auth_type="internal",
        grants=[{"user_name": "alice"}],
    )
    workspace_id = str(created["id"])
    assert re.fullmatch(r"[0-9a-f]{32}", workspace_id)
    assert created["status"] == "NORMAL"
    assert created["auth_type"] == "INTERNAL"
    assert created["grants"] == [{"user_name": "alice"}]
    assert created["owner"] == api.project.user_name
    assert isinstance(created["create_time"], int) and created["create_time"] > 1_600_000_000_000

    shown = api.get(f"v1/workspaces/{workspace_id}")
    assert shown == created

    answer = api.ok("PUT", f"v1/workspaces/{workspace_id}", json={"description": "renamed", "name": "team_vision2"})
    assert answer == {"workspace_id": workspace_id}
    updated = api.get(f"v1/workspaces/{workspace_id}")
    assert (updated["name"], updated["description"], updated["auth_type"]) == ("team_vision2", "renamed", "INTERNAL")
    assert updated["update_time"] >= created["update_time"]

    assert api.delete(f"v1/workspaces/{workspace_id}") == {"workspace_id": workspace_id}
    deleting = api.request("GET", f"v1/workspaces/{workspace_id}")
    assert deleting.status_code == 400 or deleting.json()["status"] == "DELETING"
    eventually(lambda: api.request("GET", f"v1/workspaces/{workspace_id}").status_code, lambda s: s == 400)
    message = api.error("GET", f"v1/workspaces/{workspace_id}", 400, "ModelArts.7005")
    assert message == f"workspace: {workspace_id} not existed"


def test_default_workspace_always_exists_and_is_read_only(api: ResourceApi) -> None:
    default = api.get("v1/workspaces/0")
    assert (default["id"], default["name"], default["status"]) == ("0", "default", "NORMAL")
    listed = api.get("v1/workspaces")
    assert [w["id"] for w in listed["workspaces"]] == ["0"]
    assert (listed["total_count"], listed["count"]) == (1, 1)
    api.error("PUT", "v1/workspaces/0", 400, "ModelArts.3566", json={"description": "x"})
    api.error("DELETE", "v1/workspaces/0", 400, "ModelArts.3566")
    api.error("POST", "v1/workspaces", 400, "ModelArts.0104", json={"name": "default"})


def test_list_filters_sorts_and_pages_with_offset_limit(api: ResourceApi) -> None:
    for name in ("alpha-ws", "beta-ws", "gamma-ws"):
        create(api, name, enterprise_project_id="eps-1" if name != "beta-ws" else "0")
    names = [w["name"] for w in api.get("v1/workspaces")["workspaces"]]
    assert names == ["gamma-ws", "default", "beta-ws", "alpha-ws"]  # sort_by=name, order=desc by default
    # offset is the start page (table 13-24: "分页列表的起始页"), not an item offset.
    page = api.get("v1/workspaces", params={"sort_by": "name", "order": "asc", "offset": 1, "limit": 2})
    assert [w["name"] for w in page["workspaces"]] == ["default", "gamma-ws"]
    assert (page["total_count"], page["count"]) == (4, 2)
    last = api.get("v1/workspaces", params={"sort_by": "name", "order": "asc", "offset": 1, "limit": 3})
    assert [w["name"] for w in last["workspaces"]] == ["gamma-ws"]
    assert api.get("v1/workspaces", params={"offset": 2, "limit": 2})["workspaces"] == []
    fuzzy = api.get("v1/workspaces", params={"name": "MM"})
    assert [w["name"] for w in fuzzy["workspaces"]] == ["gamma-ws"]
    by_eps = api.get("v1/workspaces", params={"enterprise_project_id": "eps-1", "order": "asc"})
    assert [w["name"] for w in by_eps["workspaces"]] == ["alpha-ws", "gamma-ws"]
    assert all("grants" not in w for w in by_eps["workspaces"])
    api.error("GET", "v1/workspaces", 400, "ModelArts.0104", params={"sort_by": "owner"})


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "abc"}, "name"),
        ({"name": "bad name!"}, "name"),
        ({"name": "okay-name", "description": "x" * 257}, "description"),
        ({"name": "okay-name", "auth_type": "SECRET"}, "auth_type"),
        ({"name": "okay-name", "grants": [{}]}, "grants[0]"),
        ({"description": "no name"}, "name"),
    ],
)
def test_invalid_create_names_the_field(api: ResourceApi, body: dict[str, object], field: str) -> None:
    message = api.error("POST", "v1/workspaces", 400, "ModelArts.0104", json=body)
    assert message.startswith(f"Parameter error. {field}"), message


def test_duplicate_name_and_unknown_workspace(api: ResourceApi) -> None:
    create(api, "only-once")
    assert "already exists" in api.error("POST", "v1/workspaces", 400, "ModelArts.0104", json={"name": "only-once"})
    missing = "0" * 32
    api.error("PUT", f"v1/workspaces/{missing}", 400, "ModelArts.7005", json={"description": "x"})
    api.error("DELETE", f"v1/workspaces/{missing}", 400, "ModelArts.7005")
    api.error("GET", f"v1/workspaces/{missing}/quotas", 400, "ModelArts.7005")


def test_quotas_read_and_update(api: ResourceApi) -> None:
    workspace_id = create(api, "quota-ws")["id"]
    quotas = api.get(f"v1/workspaces/{workspace_id}/quotas")["quotas"]
    gpu = next(q for q in quotas if q["resource"] == GPU_DURATION)
    assert (gpu["quota"], gpu["used_quota"], gpu["min_quota"], gpu["max_quota"]) == (-1, None, -1, 60000)
    assert gpu["unit_en"] == "minute" and gpu["name_cn"]

    answer = api.ok(
        "PUT", f"v1/workspaces/{workspace_id}/quotas", json={"quotas": [{"resource": GPU_DURATION, "quota": 10}]}
    )
    assert [(q["resource"], q["quota"]) for q in answer["quotas"]] == [(GPU_DURATION, 10)]
    assert "used_quota" not in answer["quotas"][0]
    gpu = next(q for q in api.get(f"v1/workspaces/{workspace_id}/quotas")["quotas"] if q["resource"] == GPU_DURATION)
    assert (gpu["quota"], gpu["used_quota"]) == (10, 0)

    api.error(
        "PUT",
        f"v1/workspaces/{workspace_id}/quotas",
        400,
        "ModelArts.0101",
        json={"quotas": [{"resource": "nope", "quota": 1}]},
    )
    api.error(
        "PUT",
        f"v1/workspaces/{workspace_id}/quotas",
        400,
        "ModelArts.0107",
        json={"quotas": [{"resource": GPU_DURATION, "quota": 0}]},
    )
    api.error(
        "PUT",
        f"v1/workspaces/{workspace_id}/quotas",
        400,
        "ModelArts.0107",
        json={"quotas": [{"resource": GPU_DURATION, "quota": 60001}]},
    )
    api.error("PUT", f"v1/workspaces/{workspace_id}/quotas", 400, "ModelArts.0104", json={"quotas": []})


def test_fail_next_create_and_delete(api: ResourceApi) -> None:
    api.fail_next("modelarts.workspace", message="no capacity for workspaces")
    failed = create(api, "doomed-ws")
    assert (failed["status"], failed["status_info"]) == ("CREATE_FAILED", "no capacity for workspaces")

    workspace_id = str(create(api, "sticky-ws")["id"])
    api.fail_next("modelarts.workspace", workspace_id, "resources still in use")
    api.delete(f"v1/workspaces/{workspace_id}")
    settled = eventually(lambda: api.get(f"v1/workspaces/{workspace_id}"), lambda w: w["status"] != "DELETING")
    assert (settled["status"], settled["status_info"]) == ("DELETE_FAILED", "resources still in use")
    api.error("PUT", f"v1/workspaces/{workspace_id}", 400, "ModelArts.7004", json={"description": "x"})
    api.delete(f"v1/workspaces/{workspace_id}")  # a second attempt goes through
    eventually(lambda: api.request("GET", f"v1/workspaces/{workspace_id}").status_code, lambda s: s == 400)


def test_networks_need_an_existing_normal_workspace(api: ResourceApi) -> None:
    body = {
        "apiVersion": "v1",
        "kind": "Network",
        "metadata": {"labels": {"os.modelarts/name": "net-ws", "os.modelarts/workspace.id": "f" * 32}},
        "spec": {"cidr": "192.168.0.0/24"},
    }
    api.error("POST", "v1/networks", 400, "ModelArts.7005", json=body)
    workspace_id = create(api, "net-home")["id"]
    body["metadata"]["labels"]["os.modelarts/workspace.id"] = workspace_id  # type: ignore[index]
    network = api.post("v1/networks", body)
    assert network["metadata"]["labels"]["os.modelarts/workspace.id"] == workspace_id


def test_token_authentication_works_too(localcloud: LocalCloudProcess, project: Credentials) -> None:
    """The chapter-13 tables list X-Auth-Token; an IAM token from localcloud's IAM is accepted."""
    response = httpx.post(
        f"{localcloud.url}/v3/auth/tokens",
        json={
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {
                        "user": {
                            "name": project.user_name,
                            "password": project.password,
                            "domain": {"name": project.domain_name},
                        }
                    },
                },
                "scope": {"project": {"id": project.project_id}},
            }
        },
        timeout=10,
    )
    assert response.status_code == 201, response.text
    token = response.headers["X-Subject-Token"]
    listed = httpx.get(
        f"{localcloud.url}/v1/{project.project_id}/workspaces", headers={"X-Auth-Token": token}, timeout=10
    )
    assert listed.status_code == 200 and listed.json()["workspaces"][0]["id"] == "0"
