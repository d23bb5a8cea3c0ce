"""HiLens application deployments and their instances against a live localcloud (seed §5.3)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.localcloud.hilens_api import HiLensApi, app, deployment_body, eventually
from tests.support.localcloud import Credentials, LocalCloudProcess

DEPLOYMENTS = "v3/ai-mgr/deployments"


@pytest.fixture
def api(localcloud: LocalCloudProcess, project: Credentials) -> Iterator[HiLensApi]:
    with HiLensApi(localcloud, project) as client:
        yield client


def statuses(api: HiLensApi, deployment_id: str) -> list[str]:
    return [pod["status"] for pod in api.pods(deployment_id=deployment_id)]


def test_a_deployment_rolls_out_and_runs(api: HiLensApi) -> None:
    node_id = api.online_device("edge-run")
    # The seed's example sends replicas and privileged as strings (§5.3.2).
    apps = [app(privileged="false", envs=[{"name": "MODE", "value": "fast"}], version="1.0.5")]
    body = deployment_body("food-detection", [node_id], description="", tags=[{"key": "team", "value": "edge"}])
    body["deployment"]["replicas"] = "1"
    body["deployment"]["template"]["apps"] = apps
    created = api.post(DEPLOYMENTS, body)
    assert created["id"].startswith("hilens-") and created["state"] == "CREATING"
    assert (created["ready_replicas"], created["replicas"], created["node_num"]) == (0, 1, 1)
    assert created["result"] == [{"node_id": node_id}] and created["node_ids"] == [node_id]
    assert created["template"]["configs"] == {
        "host_network": False,
        "restart_policy": "Always",
        "host_pid": False,
        "migration": False,
        "toleration_seconds": 0,
    }
    echoed = created["template"]["apps"][0]
    assert (echoed["privileged"], echoed["is_modelbox"], echoed["args"], echoed["resources"]["requests"]) == (
        False,
        False,
        [],
        {},
    )
    assert "tags" not in created and "license_quota" not in created

    running = api.wait_deployment(created["id"], "RUNNING")
    assert running["ready_replicas"] == 1 and statuses(api, created["id"]) == ["Running"]
    assert api.get("v3/deployment/" + created["id"] + "/tags")["tags"] == [{"key": "team", "value": "edge"}]
    assert api.get("v3/ai-mgr/nodes", app_name="detect")["nodes"][0]["deployment_num"] == 1


def test_a_deployment_to_an_offline_device_stays_pending(api: HiLensApi) -> None:
    node_id = api.register("edge-later")
    created = api.deploy("waiting", [node_id])
    for _ in range(10):  # well past the rollout (5 emulated seconds = 50 ms here)
        pending = api.deployment(created["id"])
        assert (pending["state"], pending["ready_replicas"]) == ("CREATING", 0)
        assert statuses(api, created["id"]) == ["Pending"]
        time.sleep(0.02)
    api.connect(node_id)
    running = api.wait_deployment(created["id"], "RUNNING")
    assert running["ready_replicas"] == 1 and statuses(api, created["id"]) == ["Running"]

    api.disconnect(node_id)
    lost = api.deployment(created["id"])
    assert (lost["state"], lost["ready_replicas"]) == ("RUNNING", 0)
    assert statuses(api, created["id"]) == ["Unkonwn"]  # the seed's spelling
    api.connect(node_id)
    api.post(f"v3/ai-mgr/nodes/{node_id}/action/stop")
    assert statuses(api, created["id"]) == ["Unkonwn"]


def test_offline_devices_past_x_expired_time_fail_the_deployment(api: HiLensApi) -> None:
    online = api.online_device("edge-on")
    offline = api.register("edge-off")
    body = deployment_body("expiring", [online, offline])
    created = api.post(DEPLOYMENTS, body, headers={"X-Expired-Time": "1"})  # 60 emulated seconds
    failed = api.wait_deployment(created["id"], "CREATE_FAILED")
    assert failed["ready_replicas"] == 1 and "X-Expired-Time" in failed["reason"]
    results = {item["node_id"]: item for item in failed["result"]}
    assert results[online] == {"node_id": online}
    assert results[offline]["error_code"] == "HIL.0002" and "1 minutes" in results[offline]["error_message"]
    api.deployment_error("POST", DEPLOYMENTS, 400, "HIL.0001", json=body, headers={"X-Expired-Time": "86401"})


def test_an_armed_failure_fails_the_rollout(api: HiLensApi) -> None:
    node_id = api.online_device("edge-fail")
    api.fail_next("hilens.deployment", message="image pull failed")
    created = api.deploy("doomed", [node_id])
    failed = api.wait_deployment(created["id"], "CREATE_FAILED")
    assert failed["reason"] == "image pull failed" and failed["ready_replicas"] == 0
    assert failed["result"] == [{"node_id": node_id, "error_code": "HIL.0002", "error_message": "image pull failed"}]
    pod = api.pods(deployment_id=created["id"])[0]
    assert (pod["status"], pod["reason"]) == ("Failed", "image pull failed")
    # A new template rolls out again.
    api.put(f"{DEPLOYMENTS}/{created['id']}", {"deployment": deployment_body("doomed", [node_id])["deployment"]})
    assert api.wait_deployment(created["id"], "RUNNING")["result"] == [{"node_id": node_id}]


def test_updates_roll_out_again(api: HiLensApi) -> None:
    node_id = api.online_device("edge-upd")
    created = api.deploy("updated", [node_id])
    deployment_id = created["id"]
    api.wait_deployment(deployment_id, "RUNNING")

    described = api.put(f"{DEPLOYMENTS}/{deployment_id}", {"description": "only the text"})
    assert (described["description"], described["state"]) == ("only the text", "RUNNING")
    template = {"configs": {"restart_policy": "Never", "host_network": True}, "apps": [app("tracker")]}
    replaced = api.put(f"{DEPLOYMENTS}/{deployment_id}", {"deployment": {"replicas": 2, "template": template}})
    assert (replaced["state"], replaced["replicas"], replaced["template"]["apps"][0]["name"]) == (
        "CREATING",
        2,
        "tracker",
    )
    assert api.pods(deployment_id=deployment_id)[0]["apps"][0]["name"] == "tracker"
    api.wait_deployment(deployment_id, "RUNNING")

    envs = {"patch": {"envs": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}], "status.hostIP": []}}
    patched = api.ok("PATCH", f"{DEPLOYMENTS}/{deployment_id}", json=envs)
    assert patched["state"] == "CREATING"
    again = api.ok("PATCH", f"{DEPLOYMENTS}/{deployment_id}", json={"patch": {"envs": [{"name": "A", "value": "3"}]}})
    assert again["template"]["apps"][0]["envs"] == [{"name": "A", "value": "3"}, {"name": "B", "value": "2"}]
    versioned = api.ok("PATCH", f"{DEPLOYMENTS}/{deployment_id}", json={"version": "0.0.2"})
    assert versioned["template"]["apps"][0]["version"] == "0.0.2"
    api.wait_deployment(deployment_id, "RUNNING")
    unchanged = api.ok("PATCH", f"{DEPLOYMENTS}/{deployment_id}", json={"version": "0.0.2"})
    assert unchanged["state"] == "RUNNING"


def test_batch_deploy_and_instances(api: HiLensApi) -> None:
    first = api.online_device("edge-b1")
    second = api.online_device("edge-b2", tags=[{"key": "zone", "value": "north"}])
    third = api.register("edge-b3", tags=[{"key": "zone", "value": "north"}])
    created = api.deploy("fleet", [first])
    deployment_id = created["id"]
    nodes = f"{DEPLOYMENTS}/{deployment_id}/nodes"
    grown = api.put(nodes, {"node_num": 1, "node_ids": [second], "deployment_id": deployment_id})
    assert grown["node_ids"] == [first, second] and grown["state"] == "CREATING"
    by_tag = api.put(
        nodes, {"node_num": 2, "node_tags": [{"key": "zone", "value": "north"}], "deployment_id": deployment_id}
    )
    assert by_tag["node_ids"] == [first, second, third] and by_tag["node_num"] == 3
    api.deployment_error("PUT", nodes, 400, "HIL.0001", json={"node_num": 1, "node_ids": [first], "deployment_id": "x"})
    api.deployment_error(
        "PUT", nodes, 400, "HIL.0001", json={"node_num": 2, "node_ids": [first], "deployment_id": deployment_id}
    )

    eventually(lambda: sorted(statuses(api, deployment_id)) == ["Pending", "Running", "Running"])
    assert api.deployment(deployment_id)["state"] == "CREATING"
    pods = {pod["node_id"]: pod for pod in api.pods(deployment_id=deployment_id)}
    waiting = pods[third]["id"]
    assert api.delete(f"{DEPLOYMENTS}/{deployment_id}/{waiting}") == {"pod_id": waiting}
    assert api.wait_deployment(deployment_id, "RUNNING")["node_ids"] == [first, second]

    paused = pods[first]["id"]
    action = f"{DEPLOYMENTS}/{deployment_id}/{paused}/action"
    assert api.post(f"{action}/pause") == {"pod_id": paused}
    assert api.deployment(deployment_id)["ready_replicas"] == 1
    assert [pod["status"] for pod in api.pods(node_id=first)] == ["Pending"]
    api.post(f"{action}/resume")
    assert api.deployment(deployment_id)["ready_replicas"] == 2
    api.deployment_error("POST", f"{action}/reboot", 400, "HIL.0001")
    api.deployment_error("DELETE", f"{DEPLOYMENTS}/{deployment_id}/nope", 404, "HIL.0010")
    api.delete(f"{DEPLOYMENTS}/{deployment_id}/{pods[second]['id']}")
    api.deployment_error("DELETE", f"{DEPLOYMENTS}/{deployment_id}/{paused}", 409, "HIL.0011")
    assert "force_delete" in api.error("DELETE", f"v3/ai-mgr/nodes/{first}", 409, "HIL.0011")
    api.delete(f"v3/ai-mgr/nodes/{first}", params={"force_delete": "true"})
    assert api.deployment(deployment_id)["node_ids"] == []


def test_listing_deployments_and_pods(api: HiLensApi) -> None:
    node_id = api.online_device("edge-list")
    other = api.online_device("edge-list-2")
    ids = [api.deploy(f"app-{index:02d}", [node_id])["id"] for index in range(11)]
    mine = api.deploy("other-app", [other])["id"]
    listed = api.get(DEPLOYMENTS)
    assert listed["count"] == 12 and len(listed["deployments"]) == 10  # default limit 10 (table 5-62)
    assert listed["deployments"][0]["id"] == mine  # newest first
    ascending = api.get(DEPLOYMENTS, sort="created_at:asc", limit=2, offset=1)
    assert [d["id"] for d in ascending["deployments"]] == ids[1:3]
    assert [d["id"] for d in api.get(DEPLOYMENTS, node_id=other)["deployments"]] == [mine]
    assert api.get(DEPLOYMENTS, name="app-0", limit=100)["count"] == 10
    assert api.get(DEPLOYMENTS, provider="ief")["count"] == 0
    api.deployment_error("GET", DEPLOYMENTS, 400, "HIL.0001", params={"limit": 101})
    api.deployment_error("GET", DEPLOYMENTS, 400, "HIL.0001", params={"node_id": node_id, "cluster_id": "c"})
    api.deployment_error("GET", DEPLOYMENTS, 400, "HIL.0001", params={"sort": "name"})
    pods = api.get("v3/ai-mgr/pods", limit=5)
    assert pods["count"] == 12 and len(pods["pods"]) == 5
    assert api.get("v3/ai-mgr/pods", deployment_id=mine)["pods"][0]["host_ip"] == api.node(other)["host_ips"][0]
    assert api.get("v3/ai-mgr/pods", workspace_id="elsewhere")["count"] == 0
    api.error("GET", "v3/ai-mgr/pods", 400, "HIL.0001", params={"node_id": node_id, "cluster_id": "c"})


def test_deletion(api: HiLensApi) -> None:
    node_id = api.online_device("edge-del")
    created = api.deploy("short-lived", [node_id])
    deployment_id = created["id"]
    assert api.delete(f"{DEPLOYMENTS}/{deployment_id}") == {"deployment_id": deployment_id}
    assert api.deployment(deployment_id)["state"] == "DELETING"
    api.deployment_error("PUT", f"{DEPLOYMENTS}/{deployment_id}", 409, "HIL.0011", json={"description": "x"})
    eventually(lambda: api.request("GET", f"{DEPLOYMENTS}/{deployment_id}").status_code == 404)
    api.deployment_error("GET", f"{DEPLOYMENTS}/{deployment_id}", 404, "HIL.0010")
    assert api.pods(deployment_id=deployment_id) == []

    kept = api.deploy("sticky", [node_id])["id"]
    api.fail_next("hilens.deployment", kept, message="device busy")
    api.delete(f"{DEPLOYMENTS}/{kept}")
    failed = api.wait_deployment(kept, "DELETE_FAILED")
    assert failed["reason"] == "device busy"
    api.delete(f"{DEPLOYMENTS}/{kept}", params={"force_delete": "true"})
    api.deployment_error("GET", f"{DEPLOYMENTS}/{kept}", 404, "HIL.0010")


def test_request_rules(api: HiLensApi) -> None:
    node_id = api.register("edge-rules")
    api.deploy("taken", [node_id])
    assert "already exists" in api.deployment_error(
        "POST", DEPLOYMENTS, 409, "HIL.0011", json=deployment_body("taken", [node_id])
    )

    def refused(body: dict[str, Any], status: int = 400, code: str = "HIL.0001") -> str:
        return api.deployment_error("POST", DEPLOYMENTS, status, code, json=body)

    assert "name" in refused(deployment_body("Bad_Name", [node_id]))
    assert "exactly one" in refused(deployment_body("both", [node_id], cluster_id="c1"))
    refused(deployment_body("none", []))
    refused(deployment_body("ghost", ["hilens-nope"]), 404, "HIL.0010")
    refused(deployment_body("cluster", [], cluster_id="hilens-cluster"), 404, "HIL.0010")
    refused(deployment_body("untagged", [], node_tags=[{"key": "zone", "value": "x"}], node_num=1))
    body = deployment_body("replicas", [node_id])
    body["deployment"]["replicas"] = 100
    assert "deployment.replicas" in refused(body)
    bad_apps = [
        app(envs=[{"name": "A", "value": "1", "field_path": "status.hostIP"}]),
        app(envs=[{"name": "A", "value": "1"}, {"name": "A", "value": "2"}]),
        app(
            volumes=[
                {
                    "name": "vol001",
                    "type": "configMap",
                    "source": "c",
                    "key": "k",
                    "destination": "/d",
                    "read_only": False,
                }
            ]
        ),
        app(resources={"limits": {"cpu": "lots"}}),
        app(resources={"limits": {"memory": "2"}}),
        app(args=["--x=$(HOME)"]),
        app(ports=[{"container_port": 80, "host_port": 8080, "host_port_range": {"min_port": 1, "max_port": 9}}]),
    ]
    for bad in bad_apps:
        body = deployment_body("apps", [node_id])
        body["deployment"]["template"]["apps"] = [bad]
        assert refused(body).startswith("Invalid parameter. deployment.template.apps[0]")
    body["deployment"]["template"]["init_containers"] = [app()]
    assert "reserved" in refused(body)
    missing = api.request("POST", DEPLOYMENTS, json={"name": "x"}).json()
    assert set(missing) == {"request_id", "error_code", "error_message"}


def test_market_deployments_take_units_from_skill_orders(api: HiLensApi) -> None:
    node_id = api.online_device("edge-market")
    order_id = api.post(
        "v1/skill-market/skill-order",
        {"skill_id": "26d00abae3a44c24a820ae9e92fe53c4", "amount": 2, "commission_flag": 0},
    )["order_id"]
    body = deployment_body("market", [node_id], source="hlm", license_quota=2)
    body["deployment"]["template"]["apps"] = [app("skill-free", version="0.0.1")]
    created = api.post(DEPLOYMENTS, body)
    assert api.get(f"v1/skill-market/skill-order/{order_id}")["used_amount"] == 2
    assert api.pods(deployment_id=created["id"])[0]["apps"][0]["app_order_id"] == order_id
    assert "no skill order" in api.deployment_error(
        "POST", DEPLOYMENTS, 400, "HIL.0001", json={**body, "name": "market-2"}
    )
    # Units come back when the instance goes, whether with its device or its deployment.
    api.delete(f"v3/ai-mgr/nodes/{node_id}", params={"force_delete": "true"})
    assert api.get(f"v1/skill-market/skill-order/{order_id}")["used_amount"] == 0
    again = api.post(DEPLOYMENTS, {**body, "name": "market-3", "node_ids": [api.online_device("edge-market-2")]})
    assert api.get(f"v1/skill-market/skill-order/{order_id}")["used_amount"] == 2
    api.delete(f"{DEPLOYMENTS}/{again['id']}", params={"force_delete": "true"})
    assert api.get(f"v1/skill-market/skill-order/{order_id}")["used_amount"] == 0
