"""HiLens devices against a live localcloud (seed §5.1): registration and its package, the simulated
agent, start/stop, updates, listing, activation, certificates, deletion, the basic console."""

from __future__ import annotations

import base64
import io
import json
import os
import tarfile
from collections.abc import Iterator

import pytest
from cryptography import x509

from tests.integration.localcloud.hilens_api import HiLensApi, eventually
from tests.support.localcloud import Credentials, LocalCloudProcess

NODES = "v3/ai-mgr/nodes"


@pytest.fixture
def api(localcloud: LocalCloudProcess, project: Credentials) -> Iterator[HiLensApi]:
    with HiLensApi(localcloud, project) as client:
        yield client


def unpack(package: str) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(base64.b64decode(package)), mode="r:gz") as archive:
        return {member.name: archive.extractfile(member).read() for member in archive.getmembers()}  # type: ignore[union-attr]


def test_registration_answers_a_package_once(api: HiLensApi) -> None:
    # The seed's example body: size as a string, a sub-account id, batch 1 (§5.1.2).
    body = {
        "node": {
            "name": "gg11112344",
            "description": "",
            "tags": [],
            "iam_user_id": "19a1ef99f8ed4d4ab38be5085adaf84a",
            "batch": 1,
            "enable_npu": False,
            "enable_gpu": False,
            "log_configs": [{"size": "50", "rotate_num": 10, "type": "LTS", "component": "app"}],
        }
    }
    created = api.post(f"{NODES}?provider=hilens", body)
    assert set(created) == {"id", "name", "package"} and created["id"].startswith("hilens-")
    files = unpack(created["package"])
    assert set(files) == {"node.conf", "certificate", "private_key"}
    config = json.loads(files["node.conf"])
    assert (config["node_id"], config["project_id"]) == (created["id"], api.project.project_id)
    assert x509.load_pem_x509_certificate(files["certificate"]).subject.rfc4514_string() == f"CN={created['id']}"

    shown = api.node(created["id"])
    assert "package" not in shown and "workspace_id" not in shown
    assert shown["log_configs"] == [{"component": "app", "level": "info", "rotate_num": 10, "size": 50, "type": "LTS"}]
    assert (shown["state"], shown["active_status"], shown["tags"], shown["arch"]) == (
        "UNCONNECTED",
        "INACTIVE",
        {},
        None,
    )

    renewed = api.put(f"{NODES}/{created['id']}/cert")
    assert renewed["id"] == created["id"] and renewed["package"] != created["package"]
    ief = api.post(f"{NODES}?provider=ief", {"node": {"name": "ief-node"}})
    assert ief["id"].startswith("ief-")


def test_registration_rules(api: HiLensApi) -> None:
    assert api.error("POST", NODES, 400, "HIL.0055", json={"node": {"name": "bad name!"}}) == "Invalid device name."
    message = api.error("POST", NODES, 400, "HIL.0001", json={"node": {"name": "n", "description": "a<b"}})
    assert message.startswith("Invalid parameter. node.description:")
    too_many = [{"key": f"k{i}", "value": "v"} for i in range(21)]
    api.error("POST", NODES, 400, "HIL.0001", json={"node": {"name": "n", "tags": too_many}})
    hilens_period = {"component": "app", "type": "local", "rotate_period": "daily"}
    assert "rotate_period" in api.error(
        "POST", NODES, 400, "HIL.0001", json={"node": {"name": "n", "log_configs": [hilens_period]}}
    )
    api.post(f"{NODES}?provider=ief", {"node": {"name": "n", "log_configs": [hilens_period]}})
    api.error("POST", NODES, 400, "HIL.0001", params={"provider": "aws"}, json={"node": {"name": "n"}})


def test_the_agent_connects_and_is_lost(api: HiLensApi) -> None:
    node_id = api.register("edge-agent", enable_npu=True)
    connected = api.connect(node_id, arch="x86_64", cpu=16, host_ips=["10.0.0.8"])
    assert (connected["state"], connected["type"], connected["cpu"]) == ("RUNNING", "General x86 Device", 16)
    assert (connected["npu_num"], connected["host_ips"], connected["firmware_name"]) == (
        1,
        ["10.0.0.8"],
        "HiLens_Device_Agent_x86",
    )
    assert api.disconnect(node_id)["state"] == "FAIL"
    alarms = api.get("v1/alarm-manager/alarms", device_id=node_id)
    assert alarms["total"] == 1 and alarms["data"][0]["name"] == "设备edge-agent离线"
    assert api.connect(node_id)["cpu"] == 16  # what the agent reported before stays

    api.post(f"{NODES}/{node_id}/action/stop")
    assert api.node(node_id)["state"] == "STOPPED"
    api.disconnect(node_id)
    api.post(f"{NODES}/{node_id}/action/start")
    assert api.node(node_id)["state"] == "FAIL"
    api.connect(node_id)
    assert api.node(node_id)["state"] == "RUNNING"
    api.error("POST", f"{NODES}/{node_id}/action/reboot", 400, "HIL.0001")


def test_an_armed_failure_fails_the_connection(api: HiLensApi) -> None:
    api.fail_next("hilens.device", message="certificate rejected")
    node_id = api.register("edge-doomed")
    assert api.connect(node_id)["state"] == "FAIL"
    assert api.get("v1/alarm-manager/alarms")["data"][0]["reason"] == "certificate rejected"
    assert api.connect(node_id)["state"] == "RUNNING"  # the failure was used up
    other = api.register("edge-by-id")
    api.fail_next("hilens.device", other)
    assert api.connect(other)["state"] == "FAIL"


def test_updates_replace_lists_and_keep_the_rest(api: HiLensApi) -> None:
    node_id = api.register("edge-upd", description="before", tags=[{"key": "a", "value": "1"}])
    body = {"node": {"tags": [{"key": "b", "value": "2"}], "npu_type": "null", "enable_gpu": True}}
    assert api.request("PUT", f"{NODES}/{node_id}", json=body).content == b""
    shown = api.node(node_id)
    assert (shown["description"], shown["tags"], shown["npu_type"], shown["enable_gpu"]) == (
        "before",
        {"b": "2"},
        None,
        True,
    )
    # The seed's example sends the update as POST (§5.1.4).
    api.post(f"{NODES}/{node_id}", {"node": {"description": "HiLens节点"}})
    assert api.node(node_id)["description"] == "HiLens节点"
    api.error("PUT", f"{NODES}/{node_id}", 400, "HIL.0001", json={"node": {"npu_type": "D999"}})
    api.error("PUT", f"{NODES}/nope", 404, "HIL.0010", json={"node": {}})


def test_listing_filters_and_pages(api: HiLensApi) -> None:
    workspace_id = api.post("v3/ai-mgr/workspaces", {"name": "other"})["workspace_id"]
    first = api.register("cam-east", tags=[{"key": "site", "value": "east"}, {"key": "tier", "value": "1"}])
    second = api.online_device("cam-west", tags=[{"key": "site", "value": "west"}])
    hidden = api.register("cam-other", workspace_id=workspace_id)
    listed = api.get(NODES)
    assert listed["count"] == 2 and [n["id"] for n in listed["nodes"]] == [second, first]  # newest first
    assert listed["nodes"][0]["firmware_status"] is None and listed["nodes"][0]["deployment_num"] == 0
    assert [n["id"] for n in api.get(NODES, workspace_id=workspace_id)["nodes"]] == [hidden]
    assert [n["id"] for n in api.get(NODES, tags="site.east,tier.1")["nodes"]] == [first]
    assert api.get(NODES, tags="site.east,tier.2")["count"] == 0
    assert [n["id"] for n in api.get(NODES, status="RUNNING")["nodes"]] == [second]
    assert [n["id"] for n in api.get(NODES, name="west")["nodes"]] == [second]
    assert api.get(NODES, provider="ief")["count"] == 0
    assert api.get(NODES, cluster_id="0")["count"] == 2 and api.get(NODES, is_cluster_node="true")["count"] == 0
    page = api.get(NODES, offset=1, limit=1)
    assert page["count"] == 2 and [n["id"] for n in page["nodes"]] == [first]
    api.error("GET", NODES, 400, "HIL.0001", params={"limit": 0})
    api.error("GET", NODES, 400, "HIL.0001", params={"limit": 101})


def test_activation_uses_running_service_orders(api: HiLensApi) -> None:
    node_id = api.register("edge-paid")
    orders = api.get("v1/platform-manager/orders", device_type="small_device")
    order = orders["data"][0]
    assert orders["total"] == 1 and (order["amount"], order["used_amount"]) == (10, 0)
    assert api.post(f"{NODES}/{node_id}/activate", {"order_id": order["id"]}) == {"node_id": node_id}
    shown = api.node(node_id)
    assert (shown["active_status"], shown["active_content"]) == ("ACTIVATED", [order["id"]])
    assert api.get("v1/platform-manager/orders", id=order["id"])["data"][0]["used_amount"] == 1
    api.error("POST", f"{NODES}/{node_id}/activate", 409, "HIL.0011", json={"order_id": order["id"]})

    assert api.post(f"{NODES}/{node_id}/deactivate") == {"node_id": node_id}
    records = api.get(f"{NODES}/{node_id}/activation/records")
    assert [r["active_status"] for r in records["records"]] == ["INACTIVE", "ACTIVATED", "INACTIVE"]
    assert records["count"] == 3 and records["records"][0]["project_id"] == api.project.project_id
    assert api.get("v1/platform-manager/orders", id=order["id"])["data"][0]["used_amount"] == 0

    large = api.get("v1/platform-manager/orders", device_type="large_device_cpu")["data"][0]["id"]
    assert "large_device_cpu" in api.error(
        "POST", f"{NODES}/{node_id}/activate", 400, "HIL.0001", json={"order_id": large}
    )
    api.error("POST", f"{NODES}/{node_id}/activate", 404, "HIL.0010", json={"cpu_order_id": "nope"})
    api.error("POST", f"{NODES}/{node_id}/activate", 400, "HIL.0001", json={})
    assert api.get("v1/platform-manager/orders", type="development_service")["total"] == 0


def test_deleting_devices(api: HiLensApi) -> None:
    node_id = api.register("edge-gone")
    assert api.request("DELETE", f"{NODES}/{node_id}").status_code == 200
    api.error("GET", f"{NODES}/{node_id}", 404, "HIL.0010")
    api.error("DELETE", f"{NODES}/{node_id}", 404, "HIL.0010")


def test_the_basic_console_lists_devices(api: HiLensApi) -> None:
    node_id = api.online_device("kit-1", enable_gpu=True)
    devices = api.get("v2/device-manager/devices", name="kit")
    device = devices["data"][0]
    assert devices["total"] == 1 and (device["id"], device["status"], device["memory"]) == (node_id, 1, 8)
    assert (device["os"], device["user_time"], device["active_flag"]) == ("GNU/Linux", api.project.user_name, 0)
    api.disconnect(node_id)
    assert api.get("v2/device-manager/devices")["data"][0]["status"] == 0


@pytest.fixture(scope="module")
def auto_connecting() -> Iterator[LocalCloudProcess]:
    os.environ["LOCALCLOUD_HILENS_AUTO_CONNECT"] = "10"
    try:
        server = LocalCloudProcess(time_scale=0.01).start()
    finally:
        del os.environ["LOCALCLOUD_HILENS_AUTO_CONNECT"]
    yield server
    server.stop()


def test_the_agent_can_connect_by_itself(auto_connecting: LocalCloudProcess) -> None:
    with HiLensApi(auto_connecting, auto_connecting.new_project()) as api:
        node_id = api.register("edge-auto")
        eventually(lambda: api.node(node_id)["state"], lambda state: state == "RUNNING")
        assert api.node(node_id)["arch"] == "aarch64"
