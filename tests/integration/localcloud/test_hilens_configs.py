"""HiLens configmaps (seed §5.4), secrets (§5.6) and tags (§5.7) against a live localcloud."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.localcloud.hilens_api import HiLensApi
from tests.support.localcloud import Credentials, LocalCloudProcess

CONFIGMAPS = "v3/ai-mgr/configmaps"
SECRETS = "v3/ai-mgr/secrets"


@pytest.fixture
def api(localcloud: LocalCloudProcess, project: Credentials) -> Iterator[HiLensApi]:
    with HiLensApi(localcloud, project) as client:
        yield client


def configmap(name: str, **fields: Any) -> dict[str, Any]:
    return {"name": name, "configs": [{"key": "threshold", "value": "0.8"}], "tags": [], **fields}


def secret(name: str, value: str = "p@ssword", **fields: Any) -> dict[str, Any]:
    return {"name": name, "secrets": [{"key": "password", "value": value}], "tags": [], **fields}


def test_configmap_lifecycle(api: HiLensApi) -> None:
    created = api.post(CONFIGMAPS, {"configmap": configmap("app-config", description="thresholds", id="ignored")})
    item = created["configmap"]
    assert created["workspace_id"] == "0" and item["workspace_id"] == "0" and item["id"].startswith("hilens-")
    assert set(item) == set(
        [
            "configs",
            "created_at",
            "description",
            "id",
            "name",
            "project_id",
            "tags",
            "type",
            "updated_at",
            "workspace_id",
        ]
    )
    assert api.get(f"{CONFIGMAPS}/{item['id']}") == created

    replaced = configmap(
        "app-config", configs=[{"key": "mode", "value": "night"}], tags=[{"key": "team", "value": "a"}]
    )
    updated = api.put(f"{CONFIGMAPS}/{item['id']}", {"configmap": replaced})["configmap"]
    assert (updated["configs"], updated["description"]) == ([{"key": "mode", "value": "night"}], None)
    assert updated["created_at"] == item["created_at"]
    api.error("PUT", f"{CONFIGMAPS}/{item['id']}", 400, "HIL.0001", json={"configmap": replaced, "workspace_id": "ws"})

    assert api.delete(f"{CONFIGMAPS}/{item['id']}") == {"configmap": {"id": item["id"]}}
    api.error("GET", f"{CONFIGMAPS}/{item['id']}", 404, "HIL.0010")


def test_configmap_rules_and_listing(api: HiLensApi) -> None:
    workspace_id = api.post("v3/ai-mgr/workspaces", {"name": "cfg"})["workspace_id"]
    ids = [
        api.post(CONFIGMAPS, {"configmap": configmap(name)})["configmap"]["id"] for name in ("beta", "alpha", "gamma")
    ]
    tagged = configmap("tagged", tags=[{"key": "env", "value": "prod"}])
    tagged_id = api.post(CONFIGMAPS, {"configmap": tagged, "workspace_id": workspace_id})["configmap"]["id"]
    assert [c["id"] for c in api.get(CONFIGMAPS)["configmaps"]] == ids[::-1]  # created_at:desc by default
    assert [c["name"] for c in api.get(CONFIGMAPS, sort="name")["configmaps"]] == ["alpha", "beta", "gamma"]
    assert [c["name"] for c in api.get(CONFIGMAPS, sort="name:desc", limit=1)["configmaps"]] == ["gamma"]
    assert [c["id"] for c in api.get(CONFIGMAPS, workspace_id=workspace_id, tag_key="env=prod")["configmaps"]] == [
        tagged_id
    ]
    assert api.get(CONFIGMAPS, workspace_id=workspace_id, tag_key="env=dev,other=x")["count"] == 0
    assert api.get(CONFIGMAPS, name="alp")["count"] == 1 and api.get(CONFIGMAPS, provider="ief")["count"] == 0
    assert api.get(CONFIGMAPS, limit=1000)["count"] == 3
    api.error("GET", CONFIGMAPS, 400, "HIL.0001", params={"limit": 1001})
    api.error("GET", CONFIGMAPS, 400, "HIL.0001", params={"sort": "size"})

    api.error("POST", CONFIGMAPS, 409, "HIL.0011", json={"configmap": configmap("alpha")})
    api.post(CONFIGMAPS, {"configmap": configmap("alpha"), "workspace_id": workspace_id})  # another workspace
    assert "configmap.name" in api.error("POST", CONFIGMAPS, 400, "HIL.0001", json={"configmap": configmap("Bad")})
    duplicate = configmap("dups", configs=[{"key": "k", "value": "1"}, {"key": "k", "value": "2"}])
    assert "repeated key k" in api.error("POST", CONFIGMAPS, 400, "HIL.0001", json={"configmap": duplicate})
    api.error("POST", CONFIGMAPS, 400, "HIL.0001", json={"configmap": {"name": "no-tags", "configs": []}})
    api.error("POST", CONFIGMAPS, 404, "HIL.0010", json={"configmap": configmap("lost"), "workspace_id": "nope"})


def test_secret_values_are_never_returned_in_plaintext(api: HiLensApi) -> None:
    created = api.post(
        SECRETS, {"secret": secret("db-cred", description="database", tags=[{"key": "a.b", "value": "x/y"}])}
    )
    stored = created["secret"]
    assert created["workspace_id"] == "0" and "workspace_id" not in stored
    sealed = stored["secrets"][0]["value"]
    assert sealed != "p@ssword" and b"p@ssword" not in base64.b64decode(sealed)
    shown = api.get(f"{SECRETS}/{stored['id']}")["secret"]
    assert shown["workspace_id"] == "0" and shown["secrets"] == stored["secrets"]  # stable until written
    assert api.get(SECRETS)["secrets"][0]["secrets"] == stored["secrets"]

    updated = api.put(f"{SECRETS}/{stored['id']}", {"secret": secret("db-cred", value="p@ssword")})["secret"]
    assert updated["secrets"][0]["value"] not in (sealed, "p@ssword") and updated["description"] is None
    for path in (f"{SECRETS}/{stored['id']}", SECRETS):
        assert "p@ssword" not in api.request("GET", path).text

    assert api.delete(f"{SECRETS}/{stored['id']}") == {"secret": {"id": stored["id"]}}
    api.error("GET", f"{SECRETS}/{stored['id']}", 404, "HIL.0010")


def test_secret_rules_and_listing(api: HiLensApi) -> None:
    first = api.post(SECRETS, {"secret": secret("first", tags=[{"key": "env", "value": "prod"}])})["secret"]["id"]
    second = api.post(f"{SECRETS}?provider=ief", {"secret": secret("second")})["secret"]["id"]
    assert second.startswith("ief-")
    assert [s["id"] for s in api.get(SECRETS)["secrets"]] == [second, first]  # all providers unless asked
    assert [s["id"] for s in api.get(SECRETS, provider="hilens")["secrets"]] == [first]
    assert [s["id"] for s in api.get(SECRETS, tags="env.prod", sort="updated_at")["secrets"]] == [first]
    assert api.get(SECRETS, name="sec")["count"] == 1
    api.error("POST", SECRETS, 409, "HIL.0011", json={"secret": secret("first")})
    for bad in (
        secret("Upper"),
        secret("ends-"),
        secret("quote", value='has"quote'),
        {**secret("empty"), "secrets": []},
        {**secret("many"), "secrets": [{"key": f"k{i}", "value": "v"} for i in range(101)]},
        {**secret("tags"), "tags": [{"key": f"k{i}", "value": "v"} for i in range(21)]},
    ):
        assert api.error("POST", SECRETS, 400, "HIL.0001", json={"secret": bad}).startswith(
            "Invalid parameter. secret."
        )


def test_tags_of_every_resource_kind(api: HiLensApi) -> None:
    node_id = api.register("edge-tags", tags=[{"key": "site", "value": "a"}])
    other = api.register("edge-tags-2")
    configmap_id = api.post(CONFIGMAPS, {"configmap": configmap("tagged-cfg")})["configmap"]["id"]
    secret_id = api.post(SECRETS, {"secret": secret("tagged-secret")})["secret"]["id"]

    api.post(f"v3/node/{node_id}/tags", {"tags": [{"key": "site", "value": "b"}, {"key": "rack", "value": "r1"}]})
    assert api.node(node_id)["tags"] == {"site": "b", "rack": "r1"}
    assert api.get(f"v3/node/{node_id}/tags") == {
        "count": 2,
        "tags": [{"key": "site", "value": "b"}, {"key": "rack", "value": "r1"}],
    }
    assert api.request("DELETE", f"v3/node/{node_id}/tags/rack").status_code == 204
    assert api.request("DELETE", f"v3/node/{node_id}/tags/rack").status_code == 204  # already gone
    assert api.node(node_id)["tags"] == {"site": "b"}

    batch = {
        "resources": [
            {"resource_type": "node", "resource_id": node_id},
            {"resource_type": "node", "resource_id": other},
        ],
        "tags": [{"key": "k1", "value": "v1"}],
    }
    assert api.request("POST", "v3/tag-mgr/node-tags", json=batch).content == b""
    listed = api.get("v3/tag-mgr/node/tags")["tags"]
    assert {(t["resource_id"], t["key"]) for t in listed} == {(node_id, "site"), (node_id, "k1"), (other, "k1")}

    api.post(f"v3/configmaps/{configmap_id}/tags", {"tags": [{"key": "team", "value": "edge"}]})
    assert api.get(f"{CONFIGMAPS}/{configmap_id}")["configmap"]["tags"] == [{"key": "team", "value": "edge"}]
    api.post(f"v3/secret/{secret_id}/tags", {"tags": [{"key": "team", "value": "edge"}]})
    assert api.get("v3/tag-mgr/secret/tags")["tags"] == [{"resource_id": secret_id, "key": "team", "value": "edge"}]

    api.error("GET", f"v3/node/{'hilens-nope'}/tags", 404, "HIL.0010")
    api.error("GET", f"v3/volume/{node_id}/tags", 404, "HIL.0010")
    api.error("POST", f"v3/node/{node_id}/tags", 400, "HIL.0001", json={"tags": [{"key": "bad key", "value": "v"}]})
    many = {"tags": [{"key": f"k{i}", "value": "v"} for i in range(20)]}
    assert "more than 20" in api.error("POST", f"v3/node/{node_id}/tags", 400, "HIL.0001", json=many)
