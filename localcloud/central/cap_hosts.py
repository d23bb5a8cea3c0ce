"""The analysis platform's (CAP's) own hosts: where algorithm services run, as ``/CAP/Status`` reports them.

The CAP is a platform with its own compute (seed 7.1.1; digest §8.4); localcloud gives every tenant
the same three hosts: the two of the D.5 example (``NVidia A2`` cards) and one with ``NVIDIA T4``
cards. A service's replicas are placed on hosts whose card type matches its ``gpuType`` (compared
on letters and digits only, so ``NVidia A2``, ``Nvidia A2`` and ``NVIDIA_A2`` are one type), each
taking ``gpuQuota`` of a host's cards, the emptiest host first.

For the D.5 ``opsInfos`` an instance is taken to use, per card it holds, ``CORES_PER_CARD`` CPU
cores and ``MEMORY_GB_PER_CARD`` GB, plus ``DISK_GB_PER_INSTANCE``; the ``*Use`` fields are
percentages (the examples' 55.8 and 80 read as such; digest §8.4 leaves the unit open).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aicompute.localcloud.central.common import JSON, SERVICE_KIND
from aicompute.localcloud.store import Transaction

CORES_PER_CARD = 2.0
MEMORY_GB_PER_CARD = 8.0
DISK_GB_PER_INSTANCE = 2.0


@dataclass(frozen=True)
class CapHost:
    ip: str
    hostName: str
    cpu: int
    gpu: int
    gpuType: str
    memory: float  # GB
    disk: float  # TB
    os: str


HOSTS = (
    CapHost("10.172.198.208", "BQF996500332", 16, 4, "NVidia A2", 256, 14, "ubuntu 18.0.4"),
    CapHost("10.172.198.232", "BQF996500105", 32, 2, "NVidia A2", 128, 8, "ubuntu 18.0.4"),
    CapHost("10.172.198.240", "BQF996500217", 32, 4, "NVIDIA T4", 128, 8, "ubuntu 18.0.4"),
)


def same_card(one: str, other: str) -> bool:
    return re.sub(r"[^0-9a-z]", "", one.lower()) == re.sub(r"[^0-9a-z]", "", other.lower())


def _allocations(tx: Transaction, project_id: str) -> list[tuple[str, str, float]]:
    """``(host name, algoId, gpu share)`` of every placed replica of the tenant's services."""
    return [
        (host, service["algoId"], service["gpuQuota"])
        for service in tx.objects(SERVICE_KIND, project_id)
        for host in service.get("_placement", [])
    ]


def place(tx: Transaction, project_id: str, replicas: int, quota: float, gpu_type: str) -> list[CapHost] | None:
    """A host for each replica, or None when the matching cards lack room for all of them."""
    free = {host.hostName: float(host.gpu) for host in HOSTS}
    for host_name, _, share in _allocations(tx, project_id):
        free[host_name] -= share
    chosen = []
    for _ in range(replicas):
        candidates = [host for host in HOSTS if same_card(host.gpuType, gpu_type) and free[host.hostName] >= quota]
        if not candidates:
            return None
        host = max(candidates, key=lambda h: free[h.hostName])
        free[host.hostName] -= quota
        chosen.append(host)
    return chosen


def host_named(name: str) -> CapHost:
    return next(host for host in HOSTS if host.hostName == name)


def status(tx: Transaction, project_id: str) -> JSON:
    """The CAPStatusResponse ``data`` (D.12): each host's inventory and what the services use of it."""
    allocations = _allocations(tx, project_id)
    ops = []
    for host in HOSTS:
        mine = [(algo, share) for name, algo, share in allocations if name == host.hostName]
        cards = sum(share for _, share in mine)
        details: dict[str, float] = {}
        for algo, share in mine:
            details[algo] = details.get(algo, 0.0) + share
        ops.append(
            {
                "ip": host.ip,
                "hostName": host.hostName,
                "cpuUse": round(100 * cards * CORES_PER_CARD / host.cpu, 3),
                "gpuUse": round(100 * cards / host.gpu, 3),
                "memoryUse": round(100 * cards * MEMORY_GB_PER_CARD / host.memory, 3),
                "diskUse": round(100 * len(mine) * DISK_GB_PER_INSTANCE / (host.disk * 1024), 3),
                "gpuUsedetail": [{"algoId": algo, "gpuQuota": share} for algo, share in details.items()],
            }
        )
    return {"basicInfos": [dict(host.__dict__) for host in HOSTS], "opsInfos": ops}
