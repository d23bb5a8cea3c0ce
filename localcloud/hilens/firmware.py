"""Firmware: the global catalogue (seed §5.2.1) and device upgrades with their progress (§5.1.9–10).

An upgrade needs a running device whose type the firmware is for; the device is then ``UPGRADING``
and the progress (``GET …/firmware/upgrade-progress``) climbs 0 → 25 → 50 → 75 → 100 over
``UPGRADE_SECONDS`` with ``status`` 1, ending at 3 (succeeded: the device runs the new version, a
record is added) or 2 (failed, with the ``cause``: a failure armed for ``hilens.firmware`` with the
device's id, or the device going offline meanwhile). The upgrade answers no body; ``firmware_id``
and ``firmware_name`` are response headers (table 5-42). ``X-Expired-Time`` (1–86400 minutes) is
validated; since an upgrade only starts on a running device, it has nothing to wait for.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Header, Response

from aicompute.localcloud.directives import take_failure
from aicompute.localcloud.hilens.basic_console import raise_alarm
from aicompute.localcloud.hilens.common import (
    DEVICE_KIND,
    FIRMWARE_KIND,
    JSON,
    CloudDep,
    HiLensCaller,
    HiLensProject,
    Transaction,
    bad_request,
    conflict,
    hilens_time,
    not_found,
    page,
    query_int,
)
from aicompute.localcloud.hilens.devices import get_device, save_device
from aicompute.localcloud.hilens.node_state import device_state, upgrading
from aicompute.localcloud.inline import InlineRouter
from aicompute.localcloud.lifecycle import Lifecycle, step

PROGRESS_STEP = "hilens.firmware.progressed"
UPGRADE_SECONDS = 20.0
PROGRESS_MARKS = (25, 50, 75, 100)
OFFLINE_CAUSE = "The device went offline during the upgrade."


def _firmware(firmware_id: str, name: str, version: str, device_type: str, arch: str, **extra: Any) -> JSON:
    return {
        "id": firmware_id,
        "name": name,
        "description": f"{name} {version} for {device_type}.",
        "version": version,
        "version_type": "release",
        "expire_time": None,
        "firmware_whitelist": [],
        "type": "full",
        "series": "HiLens",
        "device_type": device_type,
        "arch": arch,
        "os_name": "Linux",
        "os_type": "Linux",
        "os_version": "#1 SMP Mon Mar 16 00:02:15 UTC 2020",
        "size": 46301864,
        "create_time": 1627302463397,
        "update_time": 1627302463397,
        **extra,
    }


ARM, X86 = "General ARM Device", "General x86 Device"
FIRMWARES: tuple[JSON, ...] = (
    # The seed's example (§5.2.1).
    _firmware(
        "a91e80c5f3174a6ba8b07b1bd5b0f01a",
        "HiLens_Device_Agent",
        "1.0.0",
        "Atlas 500",
        "aarch64",
        description="firmware description.",
        series="Atlas",
        type="incremental",
    ),
    _firmware("3c1f2e4d5b6a47c8990a1b2c3d4e5f60", "HiLens_Device_Agent", "1.0.0", ARM, "aarch64"),
    _firmware("5e2d3c4b5a6947d88f7e6d5c4b3a2910", "HiLens_Device_Agent", "1.1.0", ARM, "aarch64"),
    _firmware("7f8e9d0c1b2a43e5a6f7e8d9c0b1a2f3", "HiLens_Device_Agent", "2.0.0", ARM, "aarch64", size=51203584),
    _firmware("0a1b2c3d4e5f46a7b8c9d0e1f2a3b4c5", "HiLens_Device_Agent_x86", "1.0.0", X86, "x86_64"),
    _firmware("9a8b7c6d5e4f43a2b1c0d9e8f7a6b5c4", "HiLens_Device_Agent_x86", "2.0.0", X86, "x86_64"),
)
_FIRMWARES_BY_ID = {firmware["id"]: firmware for firmware in FIRMWARES}


def list_firmwares(device_type: str, arch: str | None, os_name: str | None, os_version: str | None) -> list[JSON]:
    wanted = {"device_type": device_type, "arch": arch, "os_name": os_name, "os_version": os_version}
    return [fw for fw in FIRMWARES if all(value in (None, fw[key]) for key, value in wanted.items())]


# upgrades ----------------------------------------------------------------------------------------
def start_upgrade(tx: Transaction, lifecycle: Lifecycle, project_id: str, node_id: str, firmware_id: str) -> JSON:
    device = get_device(tx, project_id, node_id)
    firmware = _FIRMWARES_BY_ID.get(firmware_id)
    if firmware is None:
        raise not_found("firmware", firmware_id)
    if upgrading(device):
        raise conflict(f"The device {node_id} is already upgrading its firmware.")
    state = device_state(device)
    if state != "RUNNING":
        raise conflict(f"The device {node_id} is {state}; firmware is upgraded on a running device.")
    if firmware["device_type"] != device["type"]:
        raise bad_request(
            f"firmware_id: {firmware_id} is for {firmware['device_type']}, the device is {device['type']}"
        )
    op = int(device["_upgrade"]["op"]) + 1 if device["_upgrade"] else 1
    device["_upgrade"] = {"firmware_id": firmware_id, "op": op, "status": 1, "progress": 0, "cause": None}
    device.update(firmware_status=1, upgrade_firmware_version=firmware["version"])
    save_device(tx, project_id, device)
    for index, mark in enumerate(PROGRESS_MARKS, start=1):
        delay = UPGRADE_SECONDS * index / len(PROGRESS_MARKS)
        lifecycle.schedule(tx, project_id, delay, PROGRESS_STEP, {"node_id": node_id, "op": op, "progress": mark})
    return firmware


def _record(device: JSON, firmware: JSON, status: int) -> None:
    device["_firmware_records"].append(
        {
            "firmware_name": firmware["name"],
            "firmware_version": firmware["version"],
            "firmware_size": firmware["size"],
            "firmware_upgrade_time": hilens_time(),
            "status": status,
        }
    )


def end_upgrade(tx: Transaction, project_id: str, device: JSON, cause: str | None) -> None:
    """Finish the device's upgrade: succeeded without a cause, failed with one (the caller saves)."""
    upgrade = device["_upgrade"]
    firmware = _FIRMWARES_BY_ID[upgrade["firmware_id"]]
    status = 2 if cause else 3
    upgrade.update(status=status, cause=cause)
    if status == 3:
        upgrade["progress"] = 100
        device.update(firmware_name=firmware["name"], firmware_version=firmware["version"])
    device.update(firmware_status=status, upgrade_firmware_version=None)
    _record(device, firmware, status)
    if cause:
        raise_alarm(tx, project_id, device, "固件升级失败", cause)


@step(PROGRESS_STEP)
def _progressed(tx: Transaction, project_id: str, args: dict[str, Any]) -> None:
    device = tx.get(DEVICE_KIND, project_id, args["node_id"])
    upgrade = device["_upgrade"] if device else None
    if device is None or upgrade is None or upgrade["op"] != args["op"] or upgrade["status"] != 1:
        return
    if args["progress"] < PROGRESS_MARKS[-1]:
        upgrade["progress"] = args["progress"]
    else:
        node_id = args["node_id"]
        cause = take_failure(tx, project_id, FIRMWARE_KIND, node_id) or take_failure(tx, project_id, FIRMWARE_KIND, "*")
        end_upgrade(tx, project_id, device, cause)
    save_device(tx, project_id, device)


def progress_view(device: JSON) -> JSON:
    """Table 5-46; all null before the device's first upgrade."""
    upgrade = device["_upgrade"]
    if upgrade is None:
        return {"version": None, "status": None, "progress": None, "cause": None}
    firmware = _FIRMWARES_BY_ID[upgrade["firmware_id"]]
    return {
        "version": firmware["version"],
        "status": upgrade["status"],
        "progress": str(upgrade["progress"]),
        "cause": upgrade["cause"],
    }


# routes ------------------------------------------------------------------------------------------
router = InlineRouter()


@router.get("/v3/ai-mgr/firmwares")
def list_all(
    _: HiLensCaller,
    device_type: str | None = None,
    arch: str | None = None,
    os_name: str | None = None,
    os_version: str | None = None,
    offset: str | None = None,
    limit: str | None = None,
) -> dict[str, Any]:
    if not device_type:
        raise bad_request("device_type: required")
    window = page(offset, limit, 100, 100)
    found = list_firmwares(device_type, arch, os_name, os_version)
    return {"count": len(found), "firmwares": window.of(found)}


@router.put("/v3/{project_id}/node-manager/node/{node_id}/firmware/{firmware_id}")
def upgrade(
    node_id: str,
    firmware_id: str,
    project: HiLensProject,
    cloud: CloudDep,
    expired_time: Annotated[str | None, Header(alias="X-Expired-Time")] = None,
) -> Response:
    if expired_time is not None:
        query_int("X-Expired-Time", expired_time, 0, 1, 86400)
    with cloud.store.transaction() as tx:
        firmware = start_upgrade(tx, cloud.lifecycle, project.project_id, node_id, firmware_id)
    return Response(status_code=200, headers={"firmware_id": firmware["id"], "firmware_name": firmware["name"]})


@router.get("/v3/{project_id}/node-manager/node/{node_id}/firmware/upgrade-progress")
def progress(
    node_id: str, project: HiLensProject, cloud: CloudDep, offset: str | None = None, limit: str | None = None
) -> dict[str, Any]:
    page(offset, limit, 100, 100)  # listed by the seed although the answer is one object (digest §10.23)
    with cloud.store.transaction() as tx:
        return progress_view(get_device(tx, project.project_id, node_id))
