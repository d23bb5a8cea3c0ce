"""The emulated Kubernetes inside each central-platform cluster (digest §6.8): nodes, pods, the
scheduler and the Deployment controller.

* A cluster's **nodes** (A.7-A.9) get an internal IP from the cluster's ``hostNetwork`` (its first
  two addresses are the gateway and the API server), an external IP from 100.64.0.0/10, and
  ``machineType`` GPU when they carry accelerator cards.
* A **workload** (B.2) is a Deployment: its controller keeps ``replicas`` pods, named
  ``<workloadName>-<template hash>-<5 chars>`` as a ReplicaSet names them. A scale-down removes
  unscheduled pods first, then pending ones, then the newest.
* The **scheduler** places a pod on the node with the most free CPU that still fits its ``cpu``,
  ``memory`` (Gi) and ``xpu`` (fractions add up per card type, seed B.9 row 11); a pod that asks for
  an ``xpuType`` only goes to nodes with those cards (the accelerator-type label of seed 10.3). A
  pod that fits nowhere stays ``Pending`` with the scheduler's reason, until nodes are added.
* A scheduled pod is ``Pending`` (``ContainerCreating``) until it starts: then ``Running`` and ready.
  An armed ``central.workload`` failure fails the next pod start instead: the pod ends ``Failed``
  with the message and is replaced only by the next scale (PUT).
* Pods of removed nodes are deleted and replaced on the remaining nodes.
"""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
import time
from typing import Any

from aicompute.localcloud.central import usage
from aicompute.localcloud.central.common import (
    CCP,
    CLUSTER_KIND,
    CONFLICT,
    JSON,
    NODE_KIND,
    POD_KIND,
    SEQUENCE_KIND,
    WORKLOAD_KIND,
    next_number,
)
from aicompute.localcloud.directives import pop_failure
from aicompute.localcloud.lifecycle import Lifecycle, step
from aicompute.localcloud.store import Transaction

POD_STARTED_STEP = "central.pod.started"
POD_START_DELAY_SECONDS = 3.0
DEFAULT_HOST_NETWORK = "192.168.0.0/16"  # when a cluster names none (A.11 hostNetwork is optional)
EXTERNAL_NETWORK = ipaddress.ip_network("100.64.0.0/10")
POD_NETWORK = ipaddress.ip_network("10.244.0.0/16")
POD_PORT = 8750  # PodVO.port: the create request names none; the standard's example port (B.27)
RESERVED_HOSTS = 2  # the gateway and the API server's inner address
# Kubernetes' SafeEncodeString alphabet: pod-template hashes and name suffixes.
_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


# clusters ----------------------------------------------------------------------------------------
def in_region(cluster: JSON, region_id: str | None) -> bool:
    """Whether a request's ``regionId`` (optional everywhere) finds ``cluster``: none given, the
    region the cluster was created in, or any region for a cluster created without one (it lives in
    the platform's default region, which the standard does not name: a client may call it anything)."""
    if not region_id or region_id == cluster["regionId"]:
        return True
    return not cluster.get("_regionGiven", True)


def get_cluster(tx: Transaction, project_id: str, code: str, region_id: str | None = None) -> JSON:
    """The cluster, or the CCP's code 404 (also when ``regionId`` names another region)."""
    cluster = tx.get(CLUSTER_KIND, project_id, code)
    if cluster is None or not in_region(cluster, region_id):
        raise CCP.not_found("cluster", code)
    return cluster


def running_cluster(tx: Transaction, project_id: str, code: str, region_id: str | None = None) -> JSON:
    cluster = get_cluster(tx, project_id, code, region_id)
    if cluster["phase"] != "running":
        raise CCP.error(CONFLICT, f"cluster {code} is {cluster['phase']}, not running")
    return cluster


def host_network(spec: JSON) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(spec.get("hostNetwork") or DEFAULT_HOST_NETWORK)


def node_capacity(spec: JSON) -> int:
    """How many nodes a cluster spec's ``hostNetwork`` has addresses for."""
    return host_network(spec).num_addresses - 2 - RESERVED_HOSTS  # less the network and broadcast addresses


def free_addresses(tx: Transaction, project_id: str, cluster: JSON) -> int:
    """How many more nodes the cluster has addresses for (a removed node's address is not reused)."""
    used = tx.get(SEQUENCE_KIND, project_id, f"{cluster['clusterCode']}/nodes")
    return max(0, node_capacity(cluster["spec"]) - (used["last"] if used else 0))


def inner_address(cluster: JSON) -> str:
    return str(host_network(cluster["spec"]).network_address + RESERVED_HOSTS)


# nodes -------------------------------------------------------------------------------------------
def nodes_of(tx: Transaction, project_id: str, cluster_code: str) -> list[JSON]:
    return [node for node in tx.objects(NODE_KIND, project_id) if node["clusterCode"] == cluster_code]


def add_nodes(
    tx: Transaction, lifecycle: Lifecycle, project_id: str, cluster: JSON, count: int, resource: JSON
) -> list[str]:
    """``count`` nodes of ``resource`` (a ResourceSpec) joined to the cluster; returns their ids."""
    code = cluster["clusterCode"]
    if count > free_addresses(tx, project_id, cluster):
        raise CCP.error(
            CONFLICT, f"hostNetwork {host_network(cluster['spec'])} of cluster {code} has no room for {count} nodes"
        )
    cards = [{"xpuType": card["xpuType"], "num": card["num"]} for card in resource.get("xpuResources") or []]
    ids = []
    for _ in range(count):
        number = next_number(tx, project_id, "node")
        index = next_number(tx, project_id, f"{code}/nodes")
        node_id = str(number)
        tx.put(
            NODE_KIND,
            project_id,
            node_id,
            {
                "nodeId": node_id,
                "clusterCode": code,
                "interallp": str(host_network(cluster["spec"]).network_address + RESERVED_HOSTS + index),
                "externallp": str(EXTERNAL_NETWORK.network_address + number),
                "machineType": "GPU" if cards else "CPU",
                "cpu": resource["cpu"],
                "memoy": resource["mem"],
                "disk": resource["rootDiskSize"] + resource["localDiskSize"],
                "xpuResources": cards,
                "_hostName": f"{code}-node-{node_id}",
            },
        )
        ids.append(node_id)
    schedule(tx, lifecycle, project_id, code)
    return ids


def remove_nodes(
    tx: Transaction, lifecycle: Lifecycle, project_id: str, cluster_code: str, node_ids: list[str]
) -> None:
    """Remove the nodes; their pods are deleted and the workloads' controllers replace them."""
    gone = set(node_ids)
    for node_id in node_ids:
        tx.delete(NODE_KIND, project_id, node_id)
    affected: dict[str, None] = {}
    for pod in pods_of_cluster(tx, project_id, cluster_code):
        if pod["_nodeId"] in gone:
            tx.delete(POD_KIND, project_id, pod_key(pod))
            affected[pod["_workload"]] = None
    for key in affected:
        workload = tx.get(WORKLOAD_KIND, project_id, key)
        if workload is not None:
            reconcile(tx, lifecycle, project_id, workload)
    schedule(tx, lifecycle, project_id, cluster_code)


# pods --------------------------------------------------------------------------------------------
def workload_key(workload: JSON) -> str:
    return f"{workload['clusterCode']}/{workload['namespace']}/{workload['workloadName']}"


def pod_key(pod: JSON) -> str:
    return f"{pod['clusterCode']}/{pod['namespace']}/{pod['name']}"


def pods_of_cluster(tx: Transaction, project_id: str, cluster_code: str) -> list[JSON]:
    return [pod for pod in tx.objects(POD_KIND, project_id) if pod["clusterCode"] == cluster_code]


def pods_of(tx: Transaction, project_id: str, workload: JSON) -> list[JSON]:
    key = workload_key(workload)
    return [pod for pod in pods_of_cluster(tx, project_id, workload["clusterCode"]) if pod["_workload"] == key]


def _safe_encode(digest: bytes, length: int) -> str:
    return "".join(_ALPHABET[byte % len(_ALPHABET)] for byte in digest[:length])


def template_hash(workload: JSON) -> str:
    """The pod-template hash in pod names: it changes only when the pod template does."""
    template = {key: workload.get(key) for key in ("labels", "containerName", "image", "cpu", "memory", "xpu")}
    template.update(xpuType=workload.get("xpuType"), command=workload.get("command"), args=workload.get("args"))
    return _safe_encode(hashlib.sha256(repr(sorted(template.items())).encode()).digest(), 10)


def _new_pod(tx: Transaction, project_id: str, workload: JSON) -> JSON:
    prefix = f"{workload['workloadName']}-{template_hash(workload)}"
    while True:
        name = f"{prefix}-{''.join(secrets.choice(_ALPHABET) for _ in range(5))}"
        if tx.get(POD_KIND, project_id, f"{workload['clusterCode']}/{workload['namespace']}/{name}") is None:
            break
    pod: JSON = {
        "name": name,
        "namespace": workload["namespace"],
        "clusterCode": workload["clusterCode"],
        "nodeName": "",
        "hostIP": "",
        "podIP": "",
        "port": POD_PORT,
        "status": "Pending",
        "statusDesc": "",
        "image": workload["image"],
        "restarts": 0,
        "ready": False,
        "deploymentName": workload["workloadName"],
        "labels": [{"name": key, "value": value} for key, value in workload["labels"].items()],
        "_workload": workload_key(workload),
        "_nodeId": None,
        "_request": {key: workload[key] for key in ("cpu", "memory", "xpuType", "xpu")},
        "_created": time.time(),
        "_op": 0,
    }
    tx.put(POD_KIND, project_id, pod_key(pod), pod)
    return pod


def _removal_order(pod: JSON) -> tuple[bool, bool, bool, float]:
    """Which pods a scale-down removes first: unscheduled, then pending, then not ready, then newest."""
    return (pod["_nodeId"] is not None, pod["status"] != "Pending", pod["ready"], -pod["_created"])


def reconcile(
    tx: Transaction, lifecycle: Lifecycle, project_id: str, workload: JSON, replace_failed: bool = False
) -> None:
    """Create or delete pods until the workload has ``replicas`` of them, then schedule."""
    pods = pods_of(tx, project_id, workload)
    if replace_failed:
        for pod in [pod for pod in pods if pod["status"] == "Failed"]:
            tx.delete(POD_KIND, project_id, pod_key(pod))
            pods.remove(pod)
    missing = workload["replicas"] - len(pods)
    for _ in range(missing):
        _new_pod(tx, project_id, workload)
    for pod in sorted(pods, key=_removal_order)[: max(0, -missing)]:
        tx.delete(POD_KIND, project_id, pod_key(pod))
    schedule(tx, lifecycle, project_id, workload["clusterCode"])


def delete_workload(tx: Transaction, lifecycle: Lifecycle, project_id: str, workload: JSON) -> None:
    for pod in pods_of(tx, project_id, workload):
        tx.delete(POD_KIND, project_id, pod_key(pod))
    tx.delete(WORKLOAD_KIND, project_id, workload_key(workload))
    schedule(tx, lifecycle, project_id, workload["clusterCode"])


def forget_cluster(tx: Transaction, project_id: str, cluster_code: str) -> None:
    """Everything inside a deleted cluster disappears with it."""
    for pod in pods_of_cluster(tx, project_id, cluster_code):
        tx.delete(POD_KIND, project_id, pod_key(pod))
    for workload in tx.objects(WORKLOAD_KIND, project_id):
        if workload["clusterCode"] == cluster_code:
            tx.delete(WORKLOAD_KIND, project_id, workload_key(workload))
    for node in nodes_of(tx, project_id, cluster_code):
        tx.delete(NODE_KIND, project_id, node["nodeId"])
    usage.forget(tx, project_id, cluster_code)


# scheduling --------------------------------------------------------------------------------------
def holds_resources(pod: JSON) -> bool:
    return pod["_nodeId"] is not None and pod["status"] != "Failed"


def _free(node: JSON, pods: list[JSON]) -> dict[str, float]:
    free: dict[str, float] = {"cpu": node["cpu"], "memory": node["memoy"]}
    for card in node["xpuResources"]:
        free[f"xpu:{card['xpuType']}"] = free.get(f"xpu:{card['xpuType']}", 0) + card["num"]
    for pod in pods:
        if pod["_nodeId"] == node["nodeId"] and holds_resources(pod):
            request = pod["_request"]
            free["cpu"] -= request["cpu"]
            free["memory"] -= request["memory"]
            if request["xpuType"]:
                key = f"xpu:{request['xpuType']}"
                free[key] = free.get(key, 0) - request["xpu"]
    return free


def _misfit(free: dict[str, float], request: JSON) -> str | None:
    """Why a pod does not fit a node (the scheduler's reason), or None when it fits."""
    if request["xpuType"] and f"xpu:{request['xpuType']}" not in free:
        return "node(s) didn't match Pod's node affinity/selector"
    if request["cpu"] > free["cpu"]:
        return "Insufficient cpu"
    if request["memory"] > free["memory"]:
        return "Insufficient memory"
    # A tolerance for sums of one-decimal fractions (0.1 + 0.2 > 0.3 in binary floating point).
    if request["xpuType"] and request["xpu"] > free[f"xpu:{request['xpuType']}"] + 1e-9:
        return f"Insufficient {request['xpuType']}"
    return None


def _unschedulable(reasons: list[str], node_count: int) -> str:
    if not node_count:
        return "0/0 nodes are available: no nodes available to schedule pods."
    counts: dict[str, int] = {}
    for reason in reasons:
        counts[reason] = counts.get(reason, 0) + 1
    listed = ", ".join(sorted(f"{count} {reason}" for reason, count in counts.items()))  # as kube-scheduler sorts
    return f"0/{node_count} nodes are available: {listed}."


def schedule(tx: Transaction, lifecycle: Lifecycle, project_id: str, cluster_code: str) -> None:
    """Place every unscheduled pod of the cluster (oldest first), then record the cluster's usage."""
    nodes = sorted(nodes_of(tx, project_id, cluster_code), key=lambda node: int(node["nodeId"]))
    pods = pods_of_cluster(tx, project_id, cluster_code)
    for pod in sorted((pod for pod in pods if pod["_nodeId"] is None), key=lambda pod: pod["_created"]):
        fits, reasons = [], []
        for node in nodes:
            free = _free(node, pods)
            reason = _misfit(free, pod["_request"])
            if reason is None:
                fits.append((-free["cpu"], int(node["nodeId"]), node))
            else:
                reasons.append(reason)
        if not fits:
            pod["statusDesc"] = _unschedulable(reasons, len(nodes))
            tx.put(POD_KIND, project_id, pod_key(pod), pod)
            continue
        node = min(fits, key=lambda fit: fit[:2])[2]
        pod.update(
            nodeName=node["_hostName"],
            hostIP=node["interallp"],
            podIP=str(POD_NETWORK.network_address + next_number(tx, project_id, f"{cluster_code}/pods")),
            statusDesc="ContainerCreating",
            _nodeId=node["nodeId"],
        )
        pod["_op"] += 1
        tx.put(POD_KIND, project_id, pod_key(pod), pod)
        lifecycle.schedule(
            tx, project_id, POD_START_DELAY_SECONDS, POD_STARTED_STEP, {"pod": pod_key(pod), "op": pod["_op"]}
        )
    usage.record(tx, project_id, cluster_code)


@step(POD_STARTED_STEP)
def _pod_started(tx: Transaction, project_id: str, args: dict[str, Any]) -> None:
    pod = tx.get(POD_KIND, project_id, args["pod"])
    if pod is None or pod["_op"] != args["op"] or pod["status"] != "Pending":
        return
    workload = tx.get(WORKLOAD_KIND, project_id, pod["_workload"])
    failure = None
    if workload is not None:
        failure = pop_failure(tx, project_id, WORKLOAD_KIND, workload, workload["workloadName"])
        tx.put(WORKLOAD_KIND, project_id, pod["_workload"], workload)
    if failure is None:
        pod.update(status="Running", statusDesc="Ready", ready=True)
    else:
        pod.update(status="Failed", statusDesc=failure, ready=False)
    tx.put(POD_KIND, project_id, args["pod"], pod)
    usage.record(tx, project_id, pod["clusterCode"])
