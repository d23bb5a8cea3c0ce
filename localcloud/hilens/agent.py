"""localcloud's simulated HiLens edge agent (admin API, not part of HiLens).

A registered device stays ``UNCONNECTED`` until its agent connects, as a real device does once its
package is installed. Tests and demos drive the agent here:

* ``POST /_localcloud/hilens/devices/{device_id}/connect`` — the agent connects and reports the
  hardware (``arch``, ``cpu``, ``memory`` in KiB, ``gpu_num``, ``npu_num``, ``type``, ``os_name``,
  ``os_type``, ``os_version``, ``host_ips``, ``firmware_version``; defaults for a first connection
  describe a small ARM device). The device is ``RUNNING`` (unless disabled) and the application
  instances waiting for it start. A failure armed for ``hilens.device`` (its id, or ``*`` before it
  was registered) makes the attempt fail: the device is ``FAIL`` and an alarm is raised.
* ``POST /_localcloud/hilens/devices/{device_id}/disconnect`` — the agent is lost: ``FAIL``, an
  alarm, and a firmware upgrade under way fails.

Both take an optional JSON ``project_id`` (the server's default project otherwise) and answer the
device's detail. With ``LOCALCLOUD_HILENS_AUTO_CONNECT=<emulated seconds>`` in the server's
environment the agent also connects by itself that long after registration (default: never).
"""

from __future__ import annotations

import hashlib
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from aicompute.localcloud.directives import pop_failure
from aicompute.localcloud.hilens.basic_console import raise_alarm
from aicompute.localcloud.hilens.common import (
    DEVICE_KIND,
    JSON,
    CloudDep,
    JsonBody,
    Transaction,
    advance,
    parse,
)
from aicompute.localcloud.hilens.devices import AGENT_CONNECT_STEP, device_detail, get_device, save_device
from aicompute.localcloud.hilens.firmware import OFFLINE_CAUSE, end_upgrade
from aicompute.localcloud.hilens.node_state import upgrading
from aicompute.localcloud.hilens.rollout import settle_node
from aicompute.localcloud.inline import InlineRouter
from aicompute.localcloud.lifecycle import step

KIB_PER_GIB = 1024 * 1024
_TYPES = {"aarch64": "General ARM Device", "x86_64": "General x86 Device"}
_AGENTS = {"aarch64": "HiLens_Device_Agent", "x86_64": "HiLens_Device_Agent_x86"}


class AgentReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    project_id: str | None = None
    arch: Literal["aarch64", "x86_64"] | None = None
    cpu: int | None = Field(default=None, ge=1)
    memory: int | None = Field(default=None, ge=1, description="KiB")
    gpu_num: int | None = Field(default=None, ge=0)
    npu_num: int | None = Field(default=None, ge=0)
    type: str | None = None
    os_name: str | None = None
    os_type: str | None = None
    os_version: str | None = None
    host_ips: list[str] | None = None
    firmware_version: str | None = None


class Disconnect(BaseModel):
    model_config = ConfigDict(extra="forbid")

    project_id: str | None = None


def _first_facts(device: JSON, arch: str) -> JSON:
    """What a small device reports the first time, unless its agent says otherwise."""
    octet = int(hashlib.sha256(device["id"].encode()).hexdigest()[:2], 16) % 250 + 2
    return {
        "arch": arch,
        "type": _TYPES[arch],
        "cpu": 4,
        "memory": 8 * KIB_PER_GIB,
        "gpu_num": 1 if device["enable_gpu"] else 0,
        "npu_num": 1 if device["enable_npu"] else 0,
        "os_name": "linux",
        "os_type": "Linux",
        "os_version": "#1 SMP Mon Mar 16 00:02:15 UTC 2020",
        "host_ips": [f"192.168.0.{octet}"],
        "firmware_name": _AGENTS[arch],
        "firmware_version": "1.0.0",
        "enable_container": True,
    }


def _take_report(device: JSON, report: AgentReport) -> None:
    if not device["_ever_connected"]:
        device.update(_first_facts(device, report.arch or "aarch64"))
    reported = report.model_dump(exclude_none=True, exclude={"project_id"})
    if "arch" in reported:
        reported.setdefault("type", _TYPES[reported["arch"]])
    device.update(reported)


def connect(tx: Transaction, project_id: str, node_id: str, report: AgentReport) -> JSON:
    device = get_device(tx, project_id, node_id)
    failure = pop_failure(tx, project_id, DEVICE_KIND, device, node_id)
    if failure is not None:
        device.update(_connected=False, _ever_connected=True)
        raise_alarm(tx, project_id, device, "连接失败", failure)
        save_device(tx, project_id, device)
        return device
    _take_report(device, report)
    device.update(_connected=True, _ever_connected=True)
    save_device(tx, project_id, device)
    settle_node(tx, project_id, node_id)
    return device


def disconnect(tx: Transaction, project_id: str, node_id: str) -> JSON:
    device = get_device(tx, project_id, node_id)
    if not device["_connected"]:
        return device
    device["_connected"] = False
    if upgrading(device):
        end_upgrade(tx, project_id, device, OFFLINE_CAUSE)
    raise_alarm(tx, project_id, device, "离线", "The device's agent stopped sending heartbeats.")
    save_device(tx, project_id, device)
    return device


@step(AGENT_CONNECT_STEP)
def _auto_connected(tx: Transaction, project_id: str, args: dict[str, Any]) -> None:
    device = tx.get(DEVICE_KIND, project_id, args["node_id"])
    if device is not None and not device["_ever_connected"]:
        connect(tx, project_id, args["node_id"], AgentReport())


# routes ------------------------------------------------------------------------------------------
router = InlineRouter(prefix="/_localcloud/hilens")


@router.post("/devices/{device_id}/connect")
def connect_device(device_id: str, cloud: CloudDep, body: JsonBody) -> dict[str, Any]:
    report = parse(AgentReport, body)
    project_id = report.project_id or cloud.settings.project_id
    with cloud.store.transaction() as tx:
        advance(cloud, tx, project_id)
        return device_detail(connect(tx, project_id, device_id, report))


@router.post("/devices/{device_id}/disconnect")
def disconnect_device(device_id: str, cloud: CloudDep, body: JsonBody) -> dict[str, Any]:
    request = parse(Disconnect, body)
    project_id = request.project_id or cloud.settings.project_id
    with cloud.store.transaction() as tx:
        advance(cloud, tx, project_id)
        return device_detail(disconnect(tx, project_id, device_id))
