"""Device activation with running-service orders (seed §5.1.7, 5.1.8, 5.1.11, 5.1.12).

Running-service orders are bought outside the API; every localcloud project owns a set of them from
its first use (``ORDER_STOCK``: one order per device class). Activating binds a device to orders —
``order_id`` for lite and small devices, ``cpu_order_id`` and ``npu_gpu_order_id`` for large ones —
and uses one unit of each (400 when an order has none left; 409 when the device is already active).
Deactivating ("将激活订单与设备解绑") gives the units back. Each change is an activation record; the
first one, ``INACTIVE``, is the registration's (devices.py).
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict

from aicompute.localcloud.hilens.common import (
    JSON,
    PLATFORM_ORDER_KIND,
    CloudDep,
    HiLensProject,
    JsonBody,
    Transaction,
    bad_request,
    conflict,
    hilens_time,
    not_found,
    page,
    parse,
    public,
)
from aicompute.localcloud.hilens.devices import get_device, save_device
from aicompute.localcloud.inline import InlineRouter

# (device_type, amount) of the running-service orders every project owns.
ORDER_STOCK = (("lite_device", 10), ("small_device", 10), ("large_device_cpu", 5), ("large_device_gpu_npu", 5))
# Which order field takes which device class (table 5-35).
_ORDER_CLASSES = {
    "order_id": ("lite_device", "small_device"),
    "cpu_order_id": ("large_device", "large_device_cpu"),
    "npu_gpu_order_id": ("large_device", "large_device_gpu_npu"),
}


class ActivateNode(BaseModel):
    model_config = ConfigDict(extra="ignore")

    order_id: str | None = None
    cpu_order_id: str | None = None
    npu_gpu_order_id: str | None = None


def ensure_orders(tx: Transaction, project_id: str) -> list[JSON]:
    orders = tx.objects(PLATFORM_ORDER_KIND, project_id)
    if orders:
        return orders
    for device_type, amount in ORDER_STOCK:
        order_id = uuid.uuid4().hex
        order = {
            "amount": amount,
            "used_amount": 0,
            "cbc_order_id": f"CS{uuid.uuid4().hex[:18].upper()}",
            "device_type": device_type,
            "id": order_id,
            "order_update_time": hilens_time(),
            "status": 0,
            "_type": "running_service",
        }
        tx.put(PLATFORM_ORDER_KIND, project_id, order_id, order)
        orders.append(order)
    return orders


def _order(tx: Transaction, project_id: str, field: str, order_id: str) -> JSON:
    ensure_orders(tx, project_id)
    order = tx.get(PLATFORM_ORDER_KIND, project_id, order_id)
    if order is None:
        raise not_found("order", order_id)
    if order["device_type"] not in _ORDER_CLASSES[field]:
        raise bad_request(f"{field}: the order {order_id} is for {order['device_type']} devices")
    if order["used_amount"] >= order["amount"]:
        raise bad_request(f"{field}: the order {order_id} has no unit left")
    return order


def _use(tx: Transaction, project_id: str, order: JSON, units: int) -> None:
    order.update(used_amount=order["used_amount"] + units, order_update_time=hilens_time())
    tx.put(PLATFORM_ORDER_KIND, project_id, order["id"], order)


def _record(project_id: str, device: JSON) -> None:
    device["_activations"].append(
        {
            "update_time": hilens_time(),
            "active_status": device["active_status"],
            "project_id": project_id,
            "node_id": device["id"],
        }
    )


def activate(tx: Transaction, project_id: str, node_id: str, body: ActivateNode) -> None:
    device = get_device(tx, project_id, node_id)
    if device["active_status"] == "ACTIVATED":
        raise conflict(f"The device {node_id} is already activated.")
    given = {field: getattr(body, field) for field in _ORDER_CLASSES if getattr(body, field)}
    if not given:
        raise bad_request("give order_id, cpu_order_id or npu_gpu_order_id")
    orders = [_order(tx, project_id, field, order_id) for field, order_id in given.items()]
    for order in orders:
        _use(tx, project_id, order, 1)
    device.update(active_status="ACTIVATED", active_content=[order["id"] for order in orders])
    _record(project_id, device)
    save_device(tx, project_id, device)


def deactivate(tx: Transaction, project_id: str, node_id: str) -> None:
    device = get_device(tx, project_id, node_id)
    if device["active_status"] != "ACTIVATED":
        return
    for order_id in device["active_content"]:
        order = tx.get(PLATFORM_ORDER_KIND, project_id, order_id)
        if order is not None:
            _use(tx, project_id, order, -1)
    device.update(active_status="INACTIVE", active_content=[])
    _record(project_id, device)
    save_device(tx, project_id, device)


# routes ------------------------------------------------------------------------------------------
router = InlineRouter()


@router.post("/v3/{project_id}/ai-mgr/nodes/{node_id}/activate")
def activate_node(node_id: str, project: HiLensProject, cloud: CloudDep, body: JsonBody) -> dict[str, Any]:
    request = parse(ActivateNode, body)
    with cloud.store.transaction() as tx:
        activate(tx, project.project_id, node_id, request)
    return {"node_id": node_id}


@router.post("/v3/{project_id}/ai-mgr/nodes/{node_id}/deactivate")
def deactivate_node(node_id: str, project: HiLensProject, cloud: CloudDep) -> dict[str, Any]:
    with cloud.store.transaction() as tx:
        deactivate(tx, project.project_id, node_id)
    return {"node_id": node_id}


@router.get("/v3/{project_id}/ai-mgr/nodes/{node_id}/activation/records")
def records(
    node_id: str, project: HiLensProject, cloud: CloudDep, offset: str | None = None, limit: str | None = None
) -> dict[str, Any]:
    window = page(offset, limit, 100, 100)
    with cloud.store.transaction() as tx:
        history = get_device(tx, project.project_id, node_id)["_activations"]
    return {"count": len(history), "records": window.of(history)}


@router.get("/v1/{project_id}/platform-manager/orders")
def list_orders(
    project: HiLensProject,
    cloud: CloudDep,
    id: str | None = None,
    device_type: str | None = None,
    type: str | None = None,
    offset: str | None = None,
    limit: str | None = None,
) -> dict[str, Any]:
    window = page(offset, limit, 100, 100)
    if type not in (None, "running_service", "development_service"):
        raise bad_request(f"type: must be running_service or development_service, not {type!r}")
    with cloud.store.transaction() as tx:
        orders = ensure_orders(tx, project.project_id)
    found = [
        order
        for order in orders
        if id in (None, order["id"]) and device_type in (None, order["device_type"]) and type in (None, order["_type"])
    ]
    return {"total": len(found), "data": [public(order) for order in window.of(found)]}
