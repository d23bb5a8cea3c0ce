"""HiLens devices, the professional console's "nodes" (seed §5.1.1–5.1.6; the certificate renewal
``PUT …/nodes/{node_id}/cert`` comes from the official SDK, the seed does not document it).

Registration is synchronous and answers the id, the name and the installation package (only then).
A device is ``UNCONNECTED`` until localcloud's simulated edge agent connects it (``agent.py``:
``POST /_localcloud/hilens/devices/{id}/connect``, or automatically ``LOCALCLOUD_HILENS_AUTO_CONNECT``
emulated seconds after registration); it is then ``RUNNING``, ``FAIL`` once the agent is lost,
``STOPPED`` while disabled (``action/stop``; ``action/start`` brings back the connection's state) and
``UPGRADING`` during a firmware upgrade. The state is derived from those facts, never stored.

Reads follow the seed's two shapes: the list (NodeResponse, table 5-5) has ``firmware_status`` as an
integer and ``deployment_num``; the detail (table 5-17) has ``firmware_status`` as a string and the
hardware the agent reported. ``tags`` is sent as a list of ``{key, value}`` and read back as a map
``{key: value}`` ("设备标签对列表", examples ``{ }``; digest §10.7). The workspace a device is in is
not returned (table 5-17 has no ``workspace_id``); list with ``?workspace_id=`` to see it. A device
that still runs application instances is deleted only with ``force_delete=true`` (the instances go
with it); otherwise 409.
"""

from __future__ import annotations

import os
import re
import time
from typing import Any

from fastapi import Response

from aicompute.localcloud.directives import arm_creation_failure
from aicompute.localcloud.hilens import instances
from aicompute.localcloud.hilens.common import (
    DEFAULT_WORKSPACE_ID,
    DEVICE_KIND,
    JSON,
    CloudDep,
    HiLensProject,
    JsonBody,
    Project,
    Transaction,
    bad_request,
    bool_param,
    conflict,
    fuzzy,
    has_tags,
    hilens_error,
    hilens_time,
    new_id,
    not_found,
    page,
    parse,
    provider_param,
    tag_list,
    tag_pairs,
)
from aicompute.localcloud.hilens.device_models import (
    NodeReqDetail,
    NodeRequest,
    UpdateNodeReqDetail,
    UpdateNodeRequest,
    check_log_configs,
    log_configs,
)
from aicompute.localcloud.hilens.device_package import build_package
from aicompute.localcloud.hilens.node_state import device_state, upgrading
from aicompute.localcloud.hilens.rollout import settle, settle_node
from aicompute.localcloud.hilens.workspaces import require_workspace
from aicompute.localcloud.inline import InlineRouter
from aicompute.localcloud.lifecycle import Lifecycle

NAME_PATTERN = re.compile(r"^[\u4e00-\u9fa5A-Za-z0-9_-]{1,64}$")
# Emulated seconds after registration at which the simulated agent connects; unset or "off": never.
AUTO_CONNECT_ENV = "LOCALCLOUD_HILENS_AUTO_CONNECT"
AGENT_CONNECT_STEP = "hilens.device.agent_connected"  # registered by agent.py


# state and views -------------------------------------------------------------------------------
def _tag_map(device: JSON) -> dict[str, str]:
    return {tag["key"]: tag["value"] for tag in device["_tags"]}


_DETAIL_KEYS = [
    "id",
    "arch",
    "memory",
    "name",
    "description",
    "created_at",
    "updated_at",
    "user_name",
    "cluster_id",
    "cluster_node_state",
    "cluster_node_type",
    "firmware_name",
    "firmware_version",
    "upgrade_firmware_version",
    "firmware_status",
    "firmware_upgrade_record",
    "state",
    "type",
    "active_status",
    "cpu",
    "gpu_num",
    "npu_num",
    "npu_type",
    "os_name",
    "os_type",
    "os_version",
    "enable_container",
    "enable_gpu",
    "enable_npu",
    "host_ips",
    "tags",
    "npu_info",
    "active_content",
    "log_configs",
    "event_validity_period",
]
_LIST_KEYS = [
    "id",
    "name",
    "description",
    "created_at",
    "cluster_id",
    "cluster_node_state",
    "cluster_node_type",
    "firmware_name",
    "upgrade_firmware_version",
    "firmware_status",
    "firmware_upgrade_record",
    "state",
    "type",
    "active_status",
    "cpu",
    "gpu_num",
    "npu_num",
    "host_ips",
    "tags",
    "deployment_num",
]


def _computed(device: JSON) -> JSON:
    return {
        "state": device_state(device),
        "tags": _tag_map(device),
        "firmware_upgrade_record": device["_firmware_records"] or None,  # null until one (table 5-1 example)
    }


def device_detail(device: JSON) -> JSON:
    """Table 5-17: ``firmware_status`` is a string there ("1", "2", "3")."""
    view = {**device, **_computed(device)}
    status = device["firmware_status"]
    view["firmware_status"] = None if status is None else str(status)
    return {key: view.get(key) for key in _DETAIL_KEYS}


def device_summary(tx: Transaction, project_id: str, device: JSON) -> JSON:
    """Table 5-5 (list): ``firmware_status`` is an integer, with ``deployment_num``."""
    deployments = instances.deployment_ids_on(tx, project_id, device["id"])
    view = {**device, **_computed(device), "deployment_num": len(deployments)}
    return {key: view.get(key) for key in _LIST_KEYS}


# backend ---------------------------------------------------------------------------------------
def get_device(tx: Transaction, project_id: str, node_id: str) -> JSON:
    device = tx.get(DEVICE_KIND, project_id, node_id)
    if device is None:
        raise not_found("device", node_id)
    return device


def save_device(tx: Transaction, project_id: str, device: JSON) -> None:
    now = time.time()
    device.update(updated_at=hilens_time(now), _updated=now)
    tx.put(DEVICE_KIND, project_id, device["id"], device)


def _new_device(project: Project, node_id: str, provider: str, workspace_id: str, body: NodeReqDetail) -> JSON:
    now = time.time()
    return {
        "id": node_id,
        "name": body.name,
        "description": body.description,
        "created_at": hilens_time(now),
        "updated_at": hilens_time(now),
        "user_name": project.user_name,
        **dict.fromkeys(("cluster_id", "cluster_node_state", "cluster_node_type"), None),
        # What the agent reports when it connects (agent.py); nothing before.
        **dict.fromkeys(("arch", "type", "os_name", "os_type", "os_version", "firmware_name"), None),
        **dict.fromkeys(("firmware_version", "upgrade_firmware_version", "firmware_status"), None),
        **dict.fromkeys(("memory", "cpu", "gpu_num", "npu_num"), 0),
        "host_ips": [],
        "npu_info": {},
        "enable_container": False,
        "enable_gpu": body.enable_gpu,
        "enable_npu": body.enable_npu,
        "npu_type": body.npu_type,
        "log_configs": log_configs(body.log_configs),
        "event_validity_period": body.event_validity_period,
        "active_status": "INACTIVE",
        "active_content": [],
        "_provider": provider,
        "_workspace_id": workspace_id,
        "_iam_user_id": body.iam_user_id,
        "_batch": body.batch,
        "_tags": tag_list(body.tags),
        "_created": now,
        "_updated": now,
        "_stopped": False,
        "_connected": False,
        "_ever_connected": False,
        "_upgrade": None,
        "_firmware_records": [],
        # The activation history starts INACTIVE at registration (table 5-51 example).
        "_activations": [
            {
                "update_time": hilens_time(now),
                "active_status": "INACTIVE",
                "project_id": project.project_id,
                "node_id": node_id,
            }
        ],
        "_cert_serial": "",
    }


def auto_connect_delay() -> float | None:
    value = os.environ.get(AUTO_CONNECT_ENV, "").strip().lower()
    if value in ("", "off", "never"):
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        return None


def register(
    tx: Transaction, lifecycle: Lifecycle, project: Project, provider: str, body: NodeReqDetail
) -> tuple[JSON, str]:
    """The new device and its package."""
    if not NAME_PATTERN.match(body.name):
        raise hilens_error(400, "HIL.0055", "Invalid device name.")
    check_log_configs(body.log_configs, provider)
    workspace_id = require_workspace(tx, project, body.workspace_id)
    node_id = new_id(provider)
    device = _new_device(project, node_id, provider, workspace_id, body)
    package = build_package(node_id, body.name, project.project_id, project.region)
    device["_cert_serial"] = package.serial
    arm_creation_failure(tx, project.project_id, DEVICE_KIND, device)
    tx.put(DEVICE_KIND, project.project_id, node_id, device)
    delay = auto_connect_delay()
    if delay is not None:
        lifecycle.schedule(tx, project.project_id, delay, AGENT_CONNECT_STEP, {"node_id": node_id})
    return device, package.encoded


def renew_certificate(tx: Transaction, project: Project, node_id: str) -> tuple[JSON, str]:
    device = get_device(tx, project.project_id, node_id)
    package = build_package(node_id, device["name"], project.project_id, project.region)
    device["_cert_serial"] = package.serial
    save_device(tx, project.project_id, device)
    return device, package.encoded


def update_device(tx: Transaction, project_id: str, node_id: str, body: UpdateNodeReqDetail) -> None:
    """Fields left out stay as they are; ``tags`` and ``log_configs`` replace the whole list."""
    device = get_device(tx, project_id, node_id)
    given = body.model_fields_set
    if body.log_configs is not None:
        check_log_configs(body.log_configs, device["_provider"])
        device["log_configs"] = log_configs(body.log_configs)
    if body.tags is not None:
        device["_tags"] = tag_list(body.tags)
    for field in ("description", "event_validity_period", "enable_gpu", "enable_npu"):
        if field in given and getattr(body, field) is not None:
            device[field] = getattr(body, field)
    if "npu_type" in given:
        device["npu_type"] = None if body.npu_type in (None, "null") else body.npu_type
    save_device(tx, project_id, device)


def set_enabled(tx: Transaction, project_id: str, node_id: str, action: str) -> None:
    """``stop`` disables the device (it cannot reach the cloud); ``start`` enables it again."""
    if action not in ("start", "stop"):
        raise bad_request(f"action: must be start or stop, not {action!r}")
    device = get_device(tx, project_id, node_id)
    if upgrading(device):
        raise conflict(f"The device {node_id} is upgrading its firmware.")
    device["_stopped"] = action == "stop"
    save_device(tx, project_id, device)
    settle_node(tx, project_id, node_id)


def delete_device(tx: Transaction, project_id: str, node_id: str, force: bool) -> None:
    get_device(tx, project_id, node_id)
    pods = instances.pods_of(tx, project_id, node_id=node_id)
    if pods and not force:
        raise conflict(
            f"The device {node_id} still runs {len(pods)} application instance(s); "
            "delete them first or pass force_delete=true."
        )
    instances.remove_pods(tx, project_id, pods)
    tx.delete(DEVICE_KIND, project_id, node_id)
    for deployment_id in {pod["deployment_id"] for pod in pods}:
        settle(tx, project_id, deployment_id)


def _listed(tx: Transaction, project_id: str, device: JSON, query: dict[str, Any]) -> bool:
    cluster = query["cluster_id"]
    return (
        fuzzy(query["name"], device["name"])
        and device["_workspace_id"] == (query["workspace_id"] or DEFAULT_WORKSPACE_ID)
        and query["provider"] in (None, device["_provider"])
        and (not cluster or device["cluster_id"] == (None if cluster == "0" else cluster))
        and query["status"] in (None, "", device_state(device))
        and query["active_status"] in (None, "", device["active_status"])
        and (query["is_cluster_node"] is None or query["is_cluster_node"] == (device["cluster_id"] is not None))
        and has_tags(device["_tags"], tag_pairs(query["tags"]))
        and (not query["app_name"] or instances.runs_app(tx, project_id, device["id"], query["app_name"]))
    )


def list_devices(tx: Transaction, project_id: str, query: dict[str, Any]) -> list[JSON]:
    """Newest first, as the seed's example lists them."""
    found = [device for device in tx.objects(DEVICE_KIND, project_id) if _listed(tx, project_id, device, query)]
    return sorted(found, key=lambda device: device["_created"], reverse=True)


# routes ----------------------------------------------------------------------------------------
router = InlineRouter()


@router.get("/v3/{project_id}/ai-mgr/nodes")
def list_all(
    project: HiLensProject,
    cloud: CloudDep,
    offset: str | None = None,
    limit: str | None = None,
    name: str | None = None,
    workspace_id: str | None = None,
    app_name: str | None = None,
    tags: str | None = None,
    provider: str | None = None,
    cluster_id: str | None = None,
    status: str | None = None,
    active_status: str | None = None,
    is_cluster_node: str | None = None,
) -> dict[str, Any]:
    window = page(offset, limit, 100, 100)
    query = {
        "name": name,
        "workspace_id": workspace_id,
        "app_name": app_name,
        "tags": tags,
        "provider": provider_param(provider, None),
        "cluster_id": cluster_id,
        "status": status,
        "active_status": active_status,
        "is_cluster_node": None if is_cluster_node in (None, "") else bool_param("is_cluster_node", is_cluster_node),
    }
    with cloud.store.transaction() as tx:
        found = list_devices(tx, project.project_id, query)
        nodes = [device_summary(tx, project.project_id, device) for device in window.of(found)]
    return {"count": len(found), "nodes": nodes}


@router.post("/v3/{project_id}/ai-mgr/nodes")
def create(project: HiLensProject, cloud: CloudDep, body: JsonBody, provider: str | None = None) -> dict[str, Any]:
    request = parse(NodeRequest, body).node
    chosen = provider_param(provider, "hilens") or "hilens"
    with cloud.store.transaction() as tx:
        device, package = register(tx, cloud.lifecycle, project, chosen, request)
    return {"id": device["id"], "name": device["name"], "package": package}


@router.get("/v3/{project_id}/ai-mgr/nodes/{node_id}")
def show(node_id: str, project: HiLensProject, cloud: CloudDep) -> dict[str, Any]:
    with cloud.store.transaction() as tx:
        return device_detail(get_device(tx, project.project_id, node_id))


# The seed's example sends this update as POST on the same URL (digest §10.4): both are read.
@router.put("/v3/{project_id}/ai-mgr/nodes/{node_id}")
@router.post("/v3/{project_id}/ai-mgr/nodes/{node_id}")
def update(node_id: str, project: HiLensProject, cloud: CloudDep, body: JsonBody) -> Response:
    request = parse(UpdateNodeRequest, body).node
    with cloud.store.transaction() as tx:
        update_device(tx, project.project_id, node_id, request)
    return Response(status_code=200)


@router.delete("/v3/{project_id}/ai-mgr/nodes/{node_id}")
def delete(node_id: str, project: HiLensProject, cloud: CloudDep, force_delete: str | None = None) -> Response:
    force = bool_param("force_delete", force_delete)
    with cloud.store.transaction() as tx:
        delete_device(tx, project.project_id, node_id, force)
    return Response(status_code=200)


@router.post("/v3/{project_id}/ai-mgr/nodes/{node_id}/action/{action}")
def start_or_stop(
    node_id: str, action: str, project: HiLensProject, cloud: CloudDep, provider: str | None = None
) -> Response:
    provider_param(provider, "hilens")
    with cloud.store.transaction() as tx:
        set_enabled(tx, project.project_id, node_id, action)
    return Response(status_code=200)


@router.put("/v3/{project_id}/ai-mgr/nodes/{node_id}/cert")
def renew_cert(node_id: str, project: HiLensProject, cloud: CloudDep) -> dict[str, Any]:
    with cloud.store.transaction() as tx:
        device, package = renew_certificate(tx, project, node_id)
    return {"id": device["id"], "name": device["name"], "package": package}
