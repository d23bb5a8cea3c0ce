"""What a pool reports about its use: monitoring, utilisation, statistics, workloads.

Seed §10.12 (real-time utilisation of every pool), §10.18 (a pool's monitoring series), §10.19
(pool counts per state), §10.21/§10.22 (a pool's workloads and their counts). Capacities come from
the pools' available nodes and their flavors. localcloud runs no training jobs, notebooks or
services on its pools, so nothing is allocated and the workload lists are empty; the monitoring
series are a deterministic idle load derived from the pool's name and the sample time.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Query

from aicompute.localcloud.inline import InlineRouter
from aicompute.localcloud.modelarts import fleet
from aicompute.localcloud.modelarts.catalog import Flavor
from aicompute.localcloud.modelarts.common import CloudDep, ModelArtsProject, Transaction, modelarts_error, rfc3339_now
from aicompute.localcloud.modelarts.kube import JSON, POOL_KIND, POOL_NOT_FOUND_CODE, WORKSPACE_LABEL, bad_request

# (metricName, unit) as in the seed's example (§10.18), namespace PAAS.AGGR, dimension clusterId.
MONITOR_METRICS = (
    ("cpuUsage", "Percent"),
    ("memUsedRate", "Percent"),
    ("gpuUtil", "Percent"),
    ("gpuMemUsage", "Percent"),
    ("npuUtil", ""),
    ("npuMemUsage", ""),
    ("diskAvailableCapacity", "Megabytes"),
    ("diskCapacity", "Megabytes"),
    ("diskUsedRate", "Percent"),
)
STATISTICS = ("maximum", "minimun", "sum", "average", "sampleCount")  # "minimun" sic (§10.18)
PERIODS = (60, 300, 900, 3600)
MAX_POINTS = 1440
_TIME_RANGE = re.compile(r"^(-1|\d+)\.(-1|\d+)\.(\d+)$")
WORKLOAD_TYPES = ("train", "infer", "notebook")
WORKLOAD_STATES = (
    "Queue",
    "Pending",
    "Abnormal",
    "Terminating",
    "Creating",
    "Running",
    "Completed",
    "Terminated",
    "Failed",
)
CREATED_PHASES = ("Running", "Abnormal")


# backend ---------------------------------------------------------------------------------------
def _serving_nodes(tx: Transaction, project_id: str, pool_name: str) -> list[tuple[JSON, Flavor]]:
    nodes = fleet.nodes_of(tx, project_id, pool_name)
    return [
        (node, fleet.flavor_of(node["spec"]["flavor"]))
        for node in nodes
        if fleet.BUCKET_OF_PHASE.get(fleet.phase_of(node)) == "available"
    ]


def _capacity(flavors: list[Flavor]) -> dict[str, str]:
    value = {"cpu": str(sum(f.cpu for f in flavors)), "memory": f"{sum(f.memory_gi for f in flavors)}Gi"}
    accelerators: Counter[str] = Counter()
    for flavor in flavors:
        for accelerator in (flavor.gpu, flavor.npu):
            if accelerator is not None:
                accelerators[accelerator.type] += accelerator.size
    # The card count is keyed by the card type ("tnt004" in the seed's example, table 10-121).
    value.update({card: str(count) for card, count in accelerators.items()})
    return value


def runtime_metrics(tx: Transaction, project_id: str) -> JSON:
    items = []
    now = rfc3339_now()
    for pool in tx.objects(POOL_KIND, project_id):
        if fleet.pool_phase(pool) not in CREATED_PHASES:
            continue
        capacity = _capacity([flavor for _, flavor in _serving_nodes(tx, project_id, pool["metadata"]["name"])])
        allocated = {key: "0Gi" if key == "memory" else "0" for key in capacity}
        items.append(
            {
                "table": {
                    "allocated": {"value": allocated, "timestamp": now, "window": "1m"},
                    "capacity": {"value": capacity, "maxValue": dict(capacity), "timestamp": now, "window": "1m"},
                },
                "metadata": {"name": pool["metadata"]["name"], "labels": dict(pool["metadata"]["labels"])},
            }
        )
    # Table 10-116 gives "os.modelarts.xxxx/v2", the example "v2"; the example is followed.
    return {"apiVersion": "v2", "kind": "PoolMetricsList", "items": items}


def go_time_now() -> str:
    """Go's ``time.Time`` text, as ``operationTime`` shows it: ``2022-12-05 11:15:59.329633162 +0000 UTC``."""
    now = datetime.now(UTC)
    return f"{now:%Y-%m-%d %H:%M:%S}.{now.microsecond * 1000:09d} +0000 UTC"


def pool_statistics(tx: Transaction, project_id: str, workspace_id: str) -> JSON:
    phases = Counter(
        fleet.pool_phase(pool)
        for pool in tx.objects(POOL_KIND, project_id)
        if pool["metadata"]["labels"][WORKSPACE_LABEL] == workspace_id
    )
    # Failed pools are purged after 3 days, so every Error pool is a failure of the last 3 days;
    # no pool waits for a payment in localcloud, hence pending is always 0.
    status = {
        "creating": phases["Creating"],
        "created": sum(phases[phase] for phase in CREATED_PHASES),
        "failed": min(phases["Error"], 500),
        "pending": 0,
    }
    return {"statistics": {"status": status}, "operationTime": go_time_now()}


def parse_time_range(text: str, period: int, now_ms: int) -> tuple[int, int]:
    """``start.end.durationInMinutes`` in epoch ms; -1 derives one end from the other (§10.18)."""
    match = _TIME_RANGE.match(text)
    if match is None:
        raise bad_request(f"time_range: {text!r} is not startTimeInMillis.endTimeInMillis.durationInMinutes")
    start, end, minutes = (int(part) for part in match.groups())
    if minutes < 1 or minutes * 60 / period > MAX_POINTS:
        raise bad_request(f"time_range: durationInMinutes * 60 / period must be between 1 and {MAX_POINTS}")
    if start == -1 and end == -1:
        end = now_ms
    if start == -1:
        start = end - minutes * 60_000
    elif end == -1:
        end = min(start + minutes * 60_000, now_ms)
    if end <= start:
        raise bad_request("time_range: the end must be after the start")
    return start, end


def _load(seed: str, timestamp: int) -> float:
    """A deterministic number in [0, 1) for one series and one sample time."""
    digest = hashlib.sha256(f"{seed}:{timestamp}".encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32


def _sample(metric: str, pool_name: str, timestamp: int, flavors: list[Flavor]) -> float:
    if not flavors:
        return -1
    load = _load(f"{pool_name}/{metric}", timestamp)
    disk_mb = sum(flavor.disk_gi for flavor in flavors) * 1024
    disk_used = 20 + 5 * _load(f"{pool_name}/disk", timestamp)
    has_gpu = any(flavor.gpu for flavor in flavors)
    has_npu = any(flavor.npu for flavor in flavors)
    values = {
        "cpuUsage": 5 + 10 * load,
        "memUsedRate": 12 + 6 * load,
        "gpuUtil": 2 * load if has_gpu else -1,
        "gpuMemUsage": 3 * load if has_gpu else -1,
        "npuUtil": 2 * load if has_npu else -1,
        "npuMemUsage": 3 * load if has_npu else -1,
        "diskCapacity": float(disk_mb),
        "diskUsedRate": disk_used,
        "diskAvailableCapacity": disk_mb * (1 - disk_used / 100),
    }
    return round(values[metric], 3)


def _statistic(value: float, statistic: str, period: int) -> float:
    """One value per period from per-minute samples: their count, sum, extremes or mean."""
    samples = period // 60
    if value == -1:
        return -1
    derived = {
        "average": value,
        "maximum": value * 1.05,
        "minimun": value * 0.95,
        "sum": value * samples,
        "sampleCount": float(samples),
    }
    return round(derived[statistic], 3)


def pool_monitor(tx: Transaction, project_id: str, pool: JSON, time_range: str, statistic: str, period: int) -> JSON:
    if statistic not in STATISTICS:
        raise bad_request(f"statistics: {statistic!r} is not one of {', '.join(STATISTICS)}")
    if period not in PERIODS:
        raise bad_request(f"period: {period} is not one of {', '.join(map(str, PERIODS))}")
    start, end = parse_time_range(time_range, period, int(time.time() * 1000))
    pool_name = pool["metadata"]["name"]
    flavors = [flavor for _, flavor in _serving_nodes(tx, project_id, pool_name)]
    step_ms = period * 1000
    times = range(start - start % step_ms + step_ms, end + 1, step_ms)
    dimension = [{"name": "clusterId", "value": pool["_cluster_id"]}]
    metrics = []
    for metric, unit in MONITOR_METRICS:
        points = [
            {
                "timestamp": timestamp,
                "unit": unit,
                "statistics": [
                    {
                        "statistic": statistic,
                        "value": _statistic(_sample(metric, pool_name, timestamp, flavors), statistic, period),
                    }
                ],
            }
            for timestamp in times
        ]
        metrics.append(
            {
                "metric": {"dimensions": dimension, "metricName": metric, "namespace": "PAAS.AGGR"},
                "dataPoints": points,
            }
        )
    return {"metrics": metrics}


def workloads_of(tx: Transaction, project_id: str, pool_name: str) -> list[JSON]:
    """The jobs running on a pool: localcloud emulates no training jobs or notebooks, so none."""
    if tx.get(POOL_KIND, project_id, pool_name) is None:
        raise modelarts_error(404, POOL_NOT_FOUND_CODE, f"Pool {pool_name} not found.")
    return []


def workload_statistics(workloads: list[JSON]) -> JSON:
    items = []
    for workload_type in WORKLOAD_TYPES:
        of_type = [workload for workload in workloads if workload["type"] == workload_type]
        states = Counter(workload["status"] for workload in of_type)
        items.append(
            {
                "type": workload_type,
                "total": len(of_type),
                "status": {state: states[state] for state in WORKLOAD_STATES},
            }
        )
    return {"statistics": {"total": len(workloads), "items": items}}


def _check_choice(name: str, value: str | None, choices: tuple[str, ...]) -> None:
    if value not in (None, "", *choices):
        raise bad_request(f"{name}: {value!r} is not one of {', '.join(choices)}")


def _check_int(name: str, value: str | None, maximum: int | None = None) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(str(value))
    except ValueError:
        raise bad_request(f"{name}: {value!r} is not an integer") from None
    if number < 0 or (maximum is not None and number > maximum):
        raise bad_request(f"{name}: {number} is out of range")
    return number


# routes ----------------------------------------------------------------------------------------
router = InlineRouter()


@router.get("/v2/{project_id}/metrics/runtime/pools")
def show_runtime_metrics(project: ModelArtsProject, cloud: CloudDep) -> dict[str, Any]:
    with cloud.store.transaction() as tx:
        return runtime_metrics(tx, project.project_id)


@router.get("/v2/{project_id}/statistics/pools")
def show_pool_statistics(
    project: ModelArtsProject,
    cloud: CloudDep,
    workspace_id: Annotated[str | None, Query(alias="workspaceId")] = None,
) -> dict[str, Any]:
    with cloud.store.transaction() as tx:
        return pool_statistics(tx, project.project_id, workspace_id or "0")


@router.get("/v2/{project_id}/pools/{pool_name}/monitor")
def show_pool_monitor(
    pool_name: str,
    project: ModelArtsProject,
    cloud: CloudDep,
    time_range: str = "-1.-1.60",
    statistics: str = "maximum",
    period: str = "60",
) -> dict[str, Any]:
    period_seconds = _check_int("period", period)
    with cloud.store.transaction() as tx:
        pool = fleet.get_pool(tx, project.project_id, pool_name)
        return pool_monitor(tx, project.project_id, pool, time_range, statistics, period_seconds or 60)


@router.get("/v2/{project_id}/pools/{pool_name}/workloads")
def list_pool_workloads(
    pool_name: str,
    project: ModelArtsProject,
    cloud: CloudDep,
    workload_type: Annotated[str | None, Query(alias="type")] = None,
    status: str | None = None,
    sort: str | None = None,
    ascend: str | None = None,
    offset: str | None = None,
    limit: str | None = None,
) -> dict[str, Any]:
    _check_choice("type", workload_type, WORKLOAD_TYPES)
    _check_choice("status", status, WORKLOAD_STATES)
    _check_choice("sort", sort, ("create_time",))
    _check_choice("ascend", ascend, ("true", "false"))
    start = _check_int("offset", offset) or 0
    page_size = _check_int("limit", limit, maximum=500) or 500  # empty or 0 means 500 (§10.21)
    with cloud.store.transaction() as tx:
        workloads = workloads_of(tx, project.project_id, pool_name)
    chosen = [w for w in workloads if workload_type in (None, "", w["type"]) and status in (None, "", w["status"])]
    chosen.sort(key=lambda workload: int(workload["createTime"]), reverse=ascend != "true")
    return {"apiVersion": "v1", "kind": "WorkloadList", "items": chosen[start : start + page_size]}


@router.get("/v2/{project_id}/statistics/pools/{pool_name}/workloads")
def show_workload_statistics(pool_name: str, project: ModelArtsProject, cloud: CloudDep) -> dict[str, Any]:
    with cloud.store.transaction() as tx:
        return workload_statistics(workloads_of(tx, project.project_id, pool_name))
