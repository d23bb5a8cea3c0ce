"""HiLens firmware against a live localcloud: the catalogue (seed §5.2.1), upgrades and their progress
(§5.1.9, §5.1.10)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.localcloud.hilens_api import HiLensApi, eventually
from tests.support.localcloud import Credentials, LocalCloudProcess

ARM_2_0_0 = "7f8e9d0c1b2a43e5a6f7e8d9c0b1a2f3"
X86_2_0_0 = "9a8b7c6d5e4f43a2b1c0d9e8f7a6b5c4"


@pytest.fixture
def api(localcloud: LocalCloudProcess, project: Credentials) -> Iterator[HiLensApi]:
    with HiLensApi(localcloud, project) as client:
        yield client


def firmwares(api: HiLensApi, **params: Any) -> Any:
    return api.global_request("GET", "/v3/ai-mgr/firmwares", params=params)


def progress(api: HiLensApi, node_id: str) -> dict[str, Any]:
    return dict(api.get(f"v3/node-manager/node/{node_id}/firmware/upgrade-progress"))


def upgrade_path(node_id: str, firmware_id: str) -> str:
    return f"v3/node-manager/node/{node_id}/firmware/{firmware_id}"


def test_the_catalogue(api: HiLensApi) -> None:
    arm = firmwares(api, device_type="General ARM Device").json()
    assert arm["count"] == 3 and [fw["version"] for fw in arm["firmwares"]] == ["1.0.0", "1.1.0", "2.0.0"]
    assert firmwares(api, device_type="General ARM Device", arch="x86_64").json()["count"] == 0
    assert [
        fw["id"] for fw in firmwares(api, device_type="General ARM Device", limit=1, offset=2).json()["firmwares"]
    ] == [ARM_2_0_0]
    missing = firmwares(api)
    assert (missing.status_code, missing.json()["error_code"]) == (400, "HIL.0001")
    assert firmwares(api, device_type="Atlas 500", limit=101).status_code == 400


def test_an_upgrade_progresses_and_succeeds(api: HiLensApi) -> None:
    node_id = api.online_device("edge-fw")
    assert progress(api, node_id) == {"version": None, "status": None, "progress": None, "cause": None}
    started = api.request("PUT", upgrade_path(node_id, ARM_2_0_0), headers={"X-Expired-Time": "30"})
    assert started.status_code == 200 and started.content == b""
    assert (started.headers["firmware_id"], started.headers["firmware_name"]) == (ARM_2_0_0, "HiLens_Device_Agent")

    upgrading = api.node(node_id)
    assert (upgrading["state"], upgrading["firmware_status"], upgrading["upgrade_firmware_version"]) == (
        "UPGRADING",
        "1",
        "2.0.0",
    )
    api.error("PUT", upgrade_path(node_id, ARM_2_0_0), 409, "HIL.0011")
    api.error("POST", f"v3/ai-mgr/nodes/{node_id}/action/stop", 409, "HIL.0011")
    seen: list[str] = []

    def read() -> dict[str, Any]:
        current = progress(api, node_id)
        seen.append(current["progress"])
        return current

    done = eventually(read, lambda p: p["status"] == 3)
    assert done == {"version": "2.0.0", "status": 3, "progress": "100", "cause": None}
    assert set(seen) <= {"0", "25", "50", "75", "100"} and seen == sorted(seen, key=int)

    upgraded = api.node(node_id)
    assert (upgraded["state"], upgraded["firmware_version"], upgraded["firmware_status"]) == ("RUNNING", "2.0.0", "3")
    record = upgraded["firmware_upgrade_record"]
    assert len(record) == 1 and (record[0]["firmware_version"], record[0]["status"]) == ("2.0.0", 3)
    listed = api.get("v3/ai-mgr/nodes")["nodes"][0]
    assert (listed["firmware_status"], listed["upgrade_firmware_version"]) == (3, None)  # an integer in the list


def test_upgrades_that_cannot_start(api: HiLensApi) -> None:
    node_id = api.register("edge-offline")
    assert "UNCONNECTED" in api.error("PUT", upgrade_path(node_id, ARM_2_0_0), 409, "HIL.0011")
    api.connect(node_id)
    assert "General x86 Device" in api.error("PUT", upgrade_path(node_id, X86_2_0_0), 400, "HIL.0001")
    api.error("PUT", upgrade_path(node_id, "nope"), 404, "HIL.0010")
    api.error("PUT", upgrade_path("nope", ARM_2_0_0), 404, "HIL.0010")
    api.error("PUT", upgrade_path(node_id, ARM_2_0_0), 400, "HIL.0001", headers={"X-Expired-Time": "0"})


def test_armed_failures_and_lost_devices_fail_the_upgrade(api: HiLensApi) -> None:
    node_id = api.online_device("edge-fw-fail")
    api.fail_next("hilens.firmware", node_id, message="checksum mismatch")
    api.put(upgrade_path(node_id, ARM_2_0_0))
    failed = eventually(lambda: progress(api, node_id), lambda p: p["status"] != 1)
    assert (failed["status"], failed["cause"]) == (2, "checksum mismatch")
    shown = api.node(node_id)
    assert (shown["state"], shown["firmware_version"], shown["firmware_status"]) == ("RUNNING", "1.0.0", "2")
    assert api.get("v2/device-manager/devices")["data"][0]["firmware_cause"] == "checksum mismatch"

    api.put(upgrade_path(node_id, ARM_2_0_0))
    api.disconnect(node_id)
    assert progress(api, node_id)["cause"] == "The device went offline during the upgrade."
    assert [r["status"] for r in api.node(node_id)["firmware_upgrade_record"]] == [2, 2]
