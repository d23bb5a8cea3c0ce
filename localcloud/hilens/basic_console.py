"""The basic console's read APIs (seed §4.1): its device list and the devices' alarms.

The basic console lists the project's HiLens devices in its own shape (table 4-5): ``status`` 1
while the device runs, else 0; ``memory`` in whole GiB; epoch-millisecond times; ``user_time`` (sic,
"IAM用户名") the owner's name; ``active_flag`` 1 (activated, paid) or 0. Alarms are raised when a
device's agent is lost or fails to connect (agent.py) and when a firmware upgrade fails.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from aicompute.localcloud.hilens.common import (
    ALARM_KIND,
    DEVICE_KIND,
    JSON,
    CloudDep,
    HiLensProject,
    Transaction,
    fuzzy,
    page,
)
from aicompute.localcloud.hilens.node_state import device_state
from aicompute.localcloud.inline import InlineRouter

KIB_PER_GIB = 1024 * 1024


def _ms(timestamp: float) -> int:
    return int(timestamp * 1000)


def basic_device(device: JSON) -> JSON:
    updated = device["_updated"]
    return {
        "id": device["id"],
        "name": device["name"],
        "type": device["type"],
        "status": 1 if device_state(device) == "RUNNING" else 0,
        "cpu": device["cpu"],
        "memory": device["memory"] // KIB_PER_GIB,
        "os": None if device["os_type"] is None else f"GNU/{device['os_type']}",
        "firmware_name": device["firmware_name"],
        "firmware_version": device["firmware_version"],
        "firmware_status": device["firmware_status"],
        "firmware_cause": device["_upgrade"]["cause"] if device["_upgrade"] else None,
        "path": None,
        "path_update_status": 0,
        "path_update_cause": None,
        "create_time": _ms(device["_created"]),
        "update_time": _ms(updated),
        "user_time": device["user_name"],
        "resource_spec_code": None,
        "cloud_service_type": None,
        "active_content": ",".join(device["active_content"]) or None,
        "active_flag": 1 if device["active_status"] == "ACTIVATED" else 0,
        "topic_urn": None,
    }


def raise_alarm(tx: Transaction, project_id: str, device: JSON, name: str, reason: str, level: str = "major") -> None:
    alarms = tx.objects(ALARM_KIND, project_id)
    alarm = {
        "id": uuid.uuid4().hex,
        "name": f"设备{device['name']}{name}",
        "alarm_id": len(alarms) + 1,
        "level": level,
        "platform": device["_provider"],
        "impact": "设备上的应用部署无法运行",
        "detail": reason,
        "reason": reason,
        "deal_suggestion": "检查设备的网络与HiLens Device Agent",
        "create_time": _ms(time.time()),
        "_device_id": device["id"],
    }
    tx.put(ALARM_KIND, project_id, alarm["id"], alarm)


# routes ------------------------------------------------------------------------------------------
router = InlineRouter()


@router.get("/v2/{project_id}/device-manager/devices")
def list_devices(
    project: HiLensProject,
    cloud: CloudDep,
    offset: str | None = None,
    limit: str | None = None,
    name: str | None = None,
) -> dict[str, Any]:
    window = page(offset, limit, 100, 100)
    with cloud.store.transaction() as tx:
        devices = tx.objects(DEVICE_KIND, project.project_id)
    found = [device for device in devices if device["_provider"] == "hilens" and fuzzy(name, device["name"])]
    return {"total": len(found), "data": [basic_device(device) for device in window.of(found)]}


@router.get("/v1/{project_id}/alarm-manager/alarms")
def list_alarms(
    project: HiLensProject,
    cloud: CloudDep,
    offset: str | None = None,
    limit: str | None = None,
    device_id: str | None = None,
) -> dict[str, Any]:
    window = page(offset, limit, 100, 100)
    with cloud.store.transaction() as tx:
        alarms = tx.objects(ALARM_KIND, project.project_id)
    found = [alarm for alarm in alarms if device_id in (None, alarm["_device_id"])]
    found.reverse()  # newest first
    return {
        "total": len(found),
        "data": [{k: v for k, v in alarm.items() if not k.startswith("_")} for alarm in window.of(found)],
    }
