"""How application instances (pods) follow the devices they run on, and when a deployment is up.

A pod's ``status`` (seed table 5-256 enum) is derived, never stored: ``Failed`` when its rollout
failed; ``Pending`` ("挂起") until the cloud side has rolled it out, while its device is not yet
connected or is upgrading, and while the instance is paused; ``Running`` on a running device; and
``Unkonwn`` (the seed's spelling, kept verbatim) when the device is lost, stopped or gone.

A deployment is ``CREATING`` until every pod has been rolled out and runs: a deployment to a device
that is not running stays pending. ``settle`` moves it to ``RUNNING`` when that happens, and is
called whenever it may have (a rollout, a device connecting or being enabled, a pod removed or resumed).
"""

from __future__ import annotations

from aicompute.localcloud.hilens.common import DEPLOYMENT_KIND, DEVICE_KIND, JSON, Transaction, hilens_time
from aicompute.localcloud.hilens.instances import deployment_ids_on, pods_of
from aicompute.localcloud.hilens.node_state import device_state

UNKNOWN = "Unkonwn"  # sic: the only spelling the seed gives (table 5-256)
_STATUS_BY_DEVICE_STATE = {"RUNNING": "Running", "UNCONNECTED": "Pending", "UPGRADING": "Pending"}


def pod_status(tx: Transaction, project_id: str, pod: JSON) -> str:
    if pod["_failed"] is not None:
        return "Failed"
    if not pod["_rolled"]:
        return "Pending"
    device = tx.get(DEVICE_KIND, project_id, pod["node_id"])
    status = UNKNOWN if device is None else _STATUS_BY_DEVICE_STATE.get(device_state(device), UNKNOWN)
    return "Pending" if status == "Running" and pod["_paused"] else status


def running_pods(tx: Transaction, project_id: str, pods: list[JSON]) -> int:
    return sum(pod_status(tx, project_id, pod) == "Running" for pod in pods)


def settle(tx: Transaction, project_id: str, deployment_id: str) -> None:
    """A ``CREATING`` deployment whose pods are all rolled out and running becomes ``RUNNING``."""
    deployment = tx.get(DEPLOYMENT_KIND, project_id, deployment_id)
    if deployment is None or deployment["state"] != "CREATING":
        return
    pods = pods_of(tx, project_id, deployment_id=deployment_id)
    if pods and running_pods(tx, project_id, pods) == len(pods):
        deployment.update(state="RUNNING", updated_at=hilens_time())
        tx.put(DEPLOYMENT_KIND, project_id, deployment_id, deployment)


def settle_node(tx: Transaction, project_id: str, node_id: str) -> None:
    """The device changed: settle every deployment with an instance on it."""
    for deployment_id in deployment_ids_on(tx, project_id, node_id):
        settle(tx, project_id, deployment_id)


_POD_KEYS = [
    "configs",
    "reason",
    "host_ip",
    "created_at",
    "cluster_id",
    "updated_at",
    "project_id",
    "name",
    "id",
    "deployment_id",
    "affinity",
    "apps",
    "node_id",
    "status",
]


def pod_view(tx: Transaction, project_id: str, pod: JSON) -> JSON:
    """Table 5-256; ``reason`` is why the instance failed, ``host_ip`` its device's first address."""
    device = tx.get(DEVICE_KIND, project_id, pod["node_id"])
    failure = pod["_failed"]
    view = {
        **pod,
        "reason": None if failure is None else failure["message"],
        "host_ip": next(iter(device["host_ips"]), None) if device else None,
        "status": pod_status(tx, project_id, pod),
    }
    return {key: view.get(key) for key in _POD_KEYS}
