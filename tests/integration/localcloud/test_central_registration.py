"""CAP registration (seed D.2-D.4) and machine mode (appendices H and I) against a live localcloud."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest

from tests.integration.localcloud.central_api import CentralApi
from tests.support.localcloud import Credentials, LocalCloudProcess

CAP_BODY = {"id": "300000000601", "type": "AI_CLOUD", "ip": "127.0.0.1", "port": 8123, "username": "u", "password": "p"}
MACHINE = {"code": "machine_code", "ip": "127.0.0.1", "port": 8123, "username": "username", "password": "password"}


@pytest.fixture
def api(localcloud: LocalCloudProcess, project: Credentials) -> Iterator[CentralApi]:
    client = CentralApi(localcloud, project)
    yield client
    client.close()


def caps(localcloud: LocalCloudProcess, api: CentralApi) -> list[dict[str, object]]:
    return list(localcloud.admin("GET", "/central/caps", params={"project_id": api.project.project_id}))


def test_cap_registration_and_keepalive(localcloud: LocalCloudProcess, api: CentralApi) -> None:
    assert api.call("POST", "/ACP/Register", json=CAP_BODY) == {"data": {}, "code": 0, "message": "success"}
    [registered] = caps(localcloud, api)
    assert {key: registered[key] for key in ("id", "type", "ip", "port", "username", "online", "expires")} == {
        **{key: value for key, value in CAP_BODY.items() if key != "password"},
        "online": True,
        "expires": 60,
    }
    assert "password" not in registered and "_password" not in registered
    assert api.call("POST", "/ACP/Keepalive", json={"id": CAP_BODY["id"], "expires": 1})["code"] == 0
    time.sleep(1.1)
    assert caps(localcloud, api)[0]["online"] is False
    api.ok("POST", "/ACP/Keepalive", json={"id": CAP_BODY["id"]})  # D.4's example sends no expires
    assert caps(localcloud, api)[0]["online"] is True and caps(localcloud, api)[0]["expires"] == 60
    assert api.call("POST", "/ACP/UnRegister", json={"id": CAP_BODY["id"]}) == {
        "data": {},
        "code": 0,
        "message": "success",
    }
    assert caps(localcloud, api) == []
    assert api.call("POST", "/ACP/UnRegister", json={"id": CAP_BODY["id"]}) == {
        "code": 404,
        "message": f"registered device {CAP_BODY['id']} does not exist",
        "data": None,
    }
    assert api.fails("POST", "/ACP/Keepalive", 404, json={"id": "nobody", "expires": 5})
    assert "type: Input should be 'AI_CAMERA', 'AI_BOX' or 'AI_CLOUD'" in api.fails(
        "POST", "/ACP/Register", 400, json={**CAP_BODY, "type": "AI_PHONE"}
    )
    assert "is not an IP address" in api.fails("POST", "/ACP/Register", 400, json={**CAP_BODY, "ip": "cap.local"})


def test_machine_registration(api: CentralApi) -> None:
    assert api.call("POST", "/CAD/machine/register", json=MACHINE)["data"] is None
    status = api.ok("GET", "/CAD/machine/status/machine_code")
    assert status == {
        "deviceCode": "machine_code",
        "code": "machine_code",
        "isOnline": True,
        "cpuUtilization": "0.05",
        "memUsage": "2",
        "memFree": "62",
        "diskUsage": "20",
        "diskFree": "236",
    }
    api.ok("POST", "/CAD/machine/keepalive", json={"code": "machine_code", "expires": 1})
    time.sleep(1.1)
    assert api.ok("GET", "/CAD/machine/status/machine_code")["isOnline"] is False
    assert "expires: Field required" in api.fails("POST", "/CAD/machine/keepalive", 400, json={"code": "machine_code"})
    wrong = {"deviceCode": "machine_code", "username": "username", "password": "guess"}
    assert api.fails("POST", "/CAD/machine/unregister", 403, json=wrong).endswith("is wrong")
    # H.7's example names the machine deviceCode.
    api.ok("POST", "/CAD/machine/unregister", json={**wrong, "password": "password"})
    assert api.fails("GET", "/CAD/machine/status/machine_code", 404) == "machine machine_code does not exist"


def test_machine_mode_packages(api: CentralApi) -> None:
    api.ok("POST", "/CAD/machine/register", json={"code": "m1", "ip": "10.0.0.8", "port": 80})
    body = api.call(
        "POST",
        "/CAD/machine/algoFilePackages",
        json={"algoFilePackageId": 1, "authAddress": "127.0.0.1:8080", "licenseFile": "/auth_license.txt"},
    )
    assert body["code"] == "0" and body["message"] == "success"
    assert "algoFilePackageId" in api.fails(
        "POST", "/CAD/machine/algoFilePackages", 400, json={"algoFilePackageId": "one"}
    )
    api.ok("DELETE", "/CAD/machine/algoFilePackages/1")
    assert api.fails("DELETE", "/CAD/machine/algoFilePackages/1", 404)

    api.ok(
        "POST",
        "/CAD/machine/algoPackages",
        json={"algoPackageCode": "BAIDU-HUMAN_ATTR_ALERT-1.0.0", "args": "xpuType=NVIDIA_T4"},
    )
    api.ok(
        "POST",
        "/CAD/machine/algoPackages",
        json={"algoPackageCode": "ENGINE_X", "args": "type=ENGINE, name=人体结构化, version=2.1"},
    )
    listed = api.ok("GET", "/CAD/machine/algoPackages", json={"status": "RUNNING"})
    first = listed[0]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}", first.pop("createdDate"))
    assert first == {
        "algoPackageName": "HUMAN_ATTR_ALERT",
        "algoPackageType": "BIN",
        "algoPackageVersion": "1.0.0",
        "algoPackageCode": "BAIDU-HUMAN_ATTR_ALERT-1.0.0",
        "status": "RUNNING",
    }
    assert listed[1]["algoPackageName"] == "人体结构化" and listed[1]["algoPackageType"] == "ENGINE"
    assert api.ok("GET", "/CAD/machine/algoPackages", params={"status": "STOPPED"}) == []
    assert "status" in api.fails("GET", "/CAD/machine/algoPackages", 400, params={"status": "PAUSED"})

    code = "BAIDU-HUMAN_ATTR_ALERT-1.0.0"
    detail = api.ok("GET", f"/CAD/machine/algoPackages/{code}")
    assert detail == api.ok("POST", f"/cad/machine/algopackages/{code}")  # table I.7's method, I.5's spelling
    assert detail == api.ok("GET", f"/CAD/machine/algorithmPackages/{code}")  # I.7's URI
    assert detail == api.ok("GET", f"/CAD/algoPackage/devices/device-1/{code}")  # I.7's example
    # Running packages are what the machine's resources go to.
    assert api.ok("GET", "/CAD/machine/status/m1")["memUsage"] == "10"
    assert "must be 1-127" in api.fails("POST", "/CAD/machine/algoPackages", 400, json={"algoPackageCode": "a b"})
    api.ok("DELETE", f"/CAD/machine/algoPackages/{code}")
    assert api.fails("GET", f"/CAD/machine/algoPackages/{code}", 404) == f"algorithm package {code} does not exist"
    assert api.fails("DELETE", f"/CAD/machine/algoPackages/{code}", 404)
