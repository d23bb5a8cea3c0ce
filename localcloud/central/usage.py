"""What a cluster's nodes are using, as resource monitoring reports it (seed C.2, C.3).

A running pod is taken to use what it asked for: its ``cpu`` cores, its ``memory`` GB, its share of
accelerator cards (and that share of their memory), plus ``POD_DISK_GB`` of disk for its image and
logs. Utilisations are fractions 0-1 (C.6's example ``0.233444``). Every change of a cluster's usage
is kept as a sample, so the monitoring trends (``cpuUtilizationList`` …) show the last ``SAMPLES``
changes, keyed by epoch milliseconds.
"""

from __future__ import annotations

from typing import Any

from aicompute.localcloud.central.common import JSON, NODE_KIND, POD_KIND, epoch_ms
from aicompute.localcloud.store import Transaction

USAGE_KIND = "central.usage"
SAMPLES = 60
POD_DISK_GB = 1.0
# Memory per card of the accelerator types the standard's examples name (and their peers); the
# card list itself is in T/BAX part 5 appendix I, which the seed does not carry.
CARD_MEMORY_GB = {
    "NVIDIA_T4": 16,
    "NVIDIA_P4": 8,
    "NVIDIA_A2": 16,
    "NVIDIA_A10": 24,
    "NVIDIA_A30": 24,
    "NVIDIA_V100": 32,
    "NVIDIA_A100": 40,
    "HUAWEI_ASCEND_310": 8,
    "HUAWEI_ASCEND_310P": 24,
    "HUAWEI_ASCEND_910": 32,
}
DEFAULT_CARD_MEMORY_GB = 16


def card_memory(xpu_type: str) -> int:
    return CARD_MEMORY_GB.get(xpu_type.upper(), DEFAULT_CARD_MEMORY_GB)


def _ratio(used: float, total: float) -> float:
    return round(used / total, 6) if total else 0.0


def measure(nodes: list[JSON], pods: list[JSON]) -> JSON:
    """Totals and use of ``nodes`` by the running ``pods`` placed on them."""
    ids = {node["nodeId"] for node in nodes}
    running = [pod for pod in pods if pod["status"] == "Running" and pod["_nodeId"] in ids]
    cpu = sum(node["cpu"] for node in nodes)
    cards: dict[str, JSON] = {}
    for node in nodes:
        for card in node["xpuResources"]:
            cards.setdefault(card["xpuType"], {"num": 0, "used": 0.0})["num"] += card["num"]
    for pod in running:
        request = pod["_request"]
        if request["xpuType"] in cards:
            cards[request["xpuType"]]["used"] += request["xpu"]
    xpu = {}
    for xpu_type, card in cards.items():
        utilization = _ratio(card["used"], card["num"])
        memory = card["num"] * card_memory(xpu_type)
        xpu[xpu_type] = {
            "xpuMemory": memory,
            "xpuMemoryUsed": round(utilization * memory, 3),
            "xpuUtilization": utilization,
        }
    return {
        "cpu": cpu,
        "cpuUtilization": _ratio(sum(pod["_request"]["cpu"] for pod in running), cpu),
        "memory": sum(node["memoy"] for node in nodes),
        "memoryUsed": float(sum(pod["_request"]["memory"] for pod in running)),
        "disk": sum(node["disk"] for node in nodes),
        "diskUsed": POD_DISK_GB * len(running),
        "xpu": xpu,
    }


def _sample(measured: JSON, moment: int) -> JSON:
    return {
        "t": moment,
        "cpuUtilization": measured["cpuUtilization"],
        "memoryUsed": measured["memoryUsed"],
        "diskUsed": measured["diskUsed"],
        "xpu": {key: [value["xpuUtilization"], value["xpuMemoryUsed"]] for key, value in measured["xpu"].items()},
    }


def _append(samples: list[JSON], sample: JSON) -> list[JSON]:
    if samples and {**samples[-1], "t": 0} == {**sample, "t": 0}:
        return samples
    if samples and samples[-1]["t"] == sample["t"]:
        samples = samples[:-1]  # one sample per millisecond: the last word of a request
    return [*samples, sample][-SAMPLES:]


def record(tx: Transaction, project_id: str, cluster_code: str) -> None:
    """Keep a sample of the cluster's and of each of its nodes' usage, if it changed."""
    nodes = [node for node in tx.objects(NODE_KIND, project_id) if node["clusterCode"] == cluster_code]
    pods = [pod for pod in tx.objects(POD_KIND, project_id) if pod["clusterCode"] == cluster_code]
    history = tx.get(USAGE_KIND, project_id, cluster_code) or {"cluster": [], "nodes": {}}
    moment = epoch_ms()
    history["cluster"] = _append(history["cluster"], _sample(measure(nodes, pods), moment))
    history["nodes"] = {
        node["nodeId"]: _append(history["nodes"].get(node["nodeId"], []), _sample(measure([node], pods), moment))
        for node in nodes
    }
    tx.put(USAGE_KIND, project_id, cluster_code, history)


def samples(tx: Transaction, project_id: str, cluster_code: str, node_id: str | None = None) -> list[JSON]:
    history = tx.get(USAGE_KIND, project_id, cluster_code) or {"cluster": [], "nodes": {}}
    found: list[JSON] = history["cluster"] if node_id is None else history["nodes"].get(node_id, [])
    return found


def forget(tx: Transaction, project_id: str, cluster_code: str) -> None:
    tx.delete(USAGE_KIND, project_id, cluster_code)


def trend(history: list[JSON], field: str, xpu_type: str | None = None, index: int = 0) -> list[dict[str, Any]]:
    """``List<Map<Long,Double>>`` (C.6): one ``{"<epoch ms>": value}`` per sample, oldest first."""
    points = []
    for sample in history:
        if xpu_type is None:
            points.append({str(sample["t"]): sample[field]})
        elif xpu_type in sample["xpu"]:
            points.append({str(sample["t"]): sample["xpu"][xpu_type][index]})
    return points
