"""Where application instances (pods) run: the store-level queries devices and deployments share.

A deployment has one pod per target device. The deployment's ``node_ids``, ``node_num`` and
``result`` are read off its pods, so removing a pod (or a device's pods) is all it takes to take a
device out of a deployment.
"""

from __future__ import annotations

from aicompute.localcloud.hilens.common import JSON, POD_KIND, Transaction
from aicompute.localcloud.hilens.skill_market import release_order


def pods_of(
    tx: Transaction, project_id: str, deployment_id: str | None = None, node_id: str | None = None
) -> list[JSON]:
    """The project's pods, oldest first, optionally only one deployment's or one device's."""
    return [
        pod
        for pod in tx.objects(POD_KIND, project_id)
        if deployment_id in (None, pod["deployment_id"]) and node_id in (None, pod["node_id"])
    ]


def deployment_ids_on(tx: Transaction, project_id: str, node_id: str) -> list[str]:
    """The deployments with an instance on the device, each once."""
    return list(dict.fromkeys(pod["deployment_id"] for pod in pods_of(tx, project_id, node_id=node_id)))


def runs_app(tx: Transaction, project_id: str, node_id: str, app_name: str) -> bool:
    """Whether an instance on the device runs an app whose name contains ``app_name``."""
    return any(app_name in app["name"] for pod in pods_of(tx, project_id, node_id=node_id) for app in pod["apps"])


def remove_pods(tx: Transaction, project_id: str, pods: list[JSON]) -> None:
    """The pods go, and the skill-order units they held come back."""
    for pod in pods:
        for order_id, units in pod["_orders"]:
            release_order(tx, project_id, order_id, units)
        tx.delete(POD_KIND, project_id, pod["id"])
