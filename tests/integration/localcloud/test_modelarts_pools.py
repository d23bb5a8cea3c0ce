"""Resource pools, their nodes, events and metrics against a live localcloud (seed §10.3–10.22)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.localcloud.resource_api import CPU, CPU8, GPU, ResourceApi
from tests.support.api import eventually
from tests.support.localcloud import Credentials, LocalCloudProcess


@pytest.fixture
def api(localcloud: LocalCloudProcess, project: Credentials) -> Iterator[ResourceApi]:
    client = ResourceApi(localcloud, project)
    yield client
    client.close()


@pytest.fixture
def network(api: ResourceApi) -> str:
    return api.create_network("net-pools", "192.168.0.0/16")


def buckets(pool: dict[str, Any]) -> dict[str, int]:
    return {bucket: sum(e["count"] for e in entries) for bucket, entries in pool["status"]["resources"].items()}


def node_phases(api: ResourceApi, pool: str) -> list[str]:
    return [node.get("status", {}).get("phase") for node in api.get(f"v2/pools/{pool}/nodes")["items"]]


def test_pool_lifecycle_create_scale_delete(api: ResourceApi, network: str) -> None:
    body = api.pool_body("pool-main", network, resources=[{"flavor": CPU, "count": 2}], scope=["Train", "Infer"])
    created = api.post("v2/pools", body)
    name = created["metadata"]["name"]
    assert name == f"pool-main-{api.project.project_id}"
    assert created["status"]["phase"] == "Creating"
    assert created["status"]["scope"] == [
        {"scopeType": "Train", "state": "Enabling"},
        {"scopeType": "Infer", "state": "Enabling"},
    ]
    assert created["status"]["resources"]["creating"][0]["count"] == 2
    labels = created["metadata"]["labels"]
    assert (labels["os.modelarts/name"], labels["os.modelarts/workspace.id"]) == ("pool-main", "0")
    assert labels["os.modelarts/resource.id"].startswith("maos-pool-main-")
    assert created["metadata"]["annotations"] == {"os.modelarts/description": "", "os.modelarts/billing.mode": "0"}

    running = api.wait_pool(name)
    assert running["spec"]["resources"] == [{"flavor": CPU, "count": 2}]  # echoed as asked (§10.15)
    assert running["status"]["root"] == name
    assert [s["state"] for s in running["status"]["scope"]] == ["Enabled", "Enabled"]
    available = running["status"]["resources"]["available"]
    assert available == [
        {"flavor": CPU, "count": 2, "azs": [{"az": f"{api.project.region}a", "count": 2}], "nodePool": f"{CPU}-Default"}
    ]
    nodes = api.get(f"v2/pools/{name}/nodes")["items"]
    assert [n["status"]["phase"] for n in nodes] == ["Available", "Available"]
    assert all(n["metadata"]["name"].startswith("os-node-created-") for n in nodes)
    assert {n["status"]["privateIp"] for n in nodes} == {"192.168.0.1", "192.168.0.2"}
    assert nodes[0]["status"]["resources"] == {"cpu": "3920m", "memory": "6266Mi"}

    # Scale out: the spec changes at once, the new node is "creating" while the phase stays Running.
    scaled = api.patch(f"v2/pools/{name}", {"spec": {"resources": [{"flavor": CPU, "count": 3}]}})
    assert scaled["spec"]["resources"] == [{"flavor": CPU, "count": 3}]
    assert scaled["status"]["phase"] == "Running"
    assert buckets(scaled) == {"available": 2, "creating": 1}
    assert buckets(api.wait_pool(name)) == {"available": 3}

    # Scale in: the surplus node is "deleting", then gone.
    shrunk = api.patch(f"v2/pools/{name}", {"spec": {"resources": [{"flavor": CPU, "count": 1}]}})
    assert buckets(shrunk) == {"available": 1, "deleting": 2}
    assert buckets(api.wait_pool(name)) == {"available": 1}
    assert node_phases(api, name) == ["Available"]

    deleted = api.delete(f"v2/pools/{name}")
    assert deleted["status"]["phase"] == "Deleting" and "deletionTimestamp" in deleted["metadata"]
    assert api.delete(f"v2/pools/{name}")["status"]["phase"] == "Deleting"  # idempotent while deleting
    assert name not in [p["metadata"]["name"] for p in api.get("v2/pools")["items"]]
    eventually(lambda: api.gone(f"v2/pools/{name}"), bool)
    assert api.error("GET", f"v2/pools/{name}", 404, "ModelArts.50015001") == "pool not found"
    api.error("GET", f"v2/pools/{name}/nodes", 404, "ModelArts.50015001")
    api.error("GET", f"v2/pools/{name}/nodepools", 404, "ModelArts.50015001")


def test_scope_driver_and_flavor_changes(api: ResourceApi, network: str) -> None:
    name = api.create_pool("pool-gpu", network, resources=[{"flavor": GPU, "count": 1}], scope=["Train"])
    patched = api.patch(
        f"v2/pools/{name}",
        {
            "metadata": {"annotations": {"os.modelarts/description": "gpu pool"}},
            "spec": {
                "scope": ["Infer", "Notebook"],
                "driver": {"gpuVersion": "470.57.02", "updateStrategy": "idle"},
                "jobFlavors": ["modelarts.vm.gpu.t4u8"],
                "resources": [{"flavor": GPU, "count": 1}, {"flavor": CPU8, "count": 1}],
            },
        },
    )
    assert patched["metadata"]["annotations"]["os.modelarts/description"] == "gpu pool"
    assert patched["status"]["scope"] == [
        {"scopeType": "Infer", "state": "Enabling"},
        {"scopeType": "Notebook", "state": "Enabling"},
        {"scopeType": "Train", "state": "Disabling"},
    ]
    assert patched["status"]["driver"] == {"gpu": {"version": "470.57.02", "state": "Upgrading"}}
    settled = eventually(
        lambda: api.wait_pool(name),
        lambda p: (
            all(s["state"] == "Enabled" for s in p["status"]["scope"])
            and p["status"]["driver"]["gpu"]["state"] == "Running"
        ),
    )
    assert [s["scopeType"] for s in settled["status"]["scope"]] == ["Infer", "Notebook"]
    assert settled["spec"]["jobFlavors"] == ["modelarts.vm.gpu.t4u8"]
    assert [(e["flavor"], e["count"]) for e in settled["status"]["resources"]["available"]] == [(GPU, 1), (CPU8, 1)]
    nodepools = [np["metadata"]["name"] for np in api.get(f"v2/pools/{name}/nodepools")["items"]]
    assert nodepools == [f"{GPU}-Default", f"{CPU8}-Default"]
    gpu_node = next(n for n in api.get(f"v2/pools/{name}/nodes")["items"] if n["spec"]["flavor"] == GPU)
    assert gpu_node["status"]["resources"]["nvidia.com/gpu"] == "1"

    # Dropping a flavor from the (wholly replaced) list drains and removes its node pool.
    api.patch(f"v2/pools/{name}", {"spec": {"resources": [{"flavor": CPU8, "count": 1}]}})
    eventually(lambda: api.get(f"v2/pools/{name}/nodepools")["items"], lambda items: len(items) == 1)
    assert buckets(api.wait_pool(name)) == {"available": 1}


def test_azs_place_nodes(api: ResourceApi, network: str) -> None:
    region = api.project.region
    resources = [
        {"flavor": CPU, "count": 3, "azs": [{"az": f"{region}b", "count": 1}, {"az": f"{region}c", "count": 2}]}
    ]
    name = api.create_pool("pool-azs", network, resources=resources)
    azs = api.get(f"v2/pools/{name}")["status"]["resources"]["available"][0]["azs"]
    assert sorted((a["az"], a["count"]) for a in azs) == [(f"{region}b", 1), (f"{region}c", 2)]
    # The seed's example flavor is sold out in two AZs (§10.20): placing nodes there is refused.
    sold_out = [{"flavor": "modelarts.vm.cpu8u32g", "count": 1, "azs": [{"az": f"{region}a", "count": 1}]}]
    api.error("POST", "v2/pools", 400, "ModelArts.3976", json=api.pool_body("pool-sold", network, resources=sold_out))
    fallback = api.create_pool("pool-fallback", network, resources=[{"flavor": "modelarts.vm.cpu8u32g", "count": 1}])
    assert api.get(f"v2/pools/{fallback}/nodes")["items"][0]["status"]["az"] == f"{region}c"


def bad(api: ResourceApi, network: str, **changes: Any) -> dict[str, Any]:
    body = api.pool_body("pool-bad", network)
    for dotted, value in changes.items():
        target = body
        *parents, last = dotted.split("__")
        for key in parents:
            target = target[key]
        target[last] = value
    return body


@pytest.mark.parametrize(
    ("changes", "code", "fragment"),
    [
        ({"spec__scope": ["Train", "Serve"]}, "ModelArts.50004000", "spec.scope[1]"),
        ({"spec__scope": []}, "ModelArts.50004000", "spec.scope"),
        ({"spec__type": "Logical"}, "ModelArts.50004000", "spec.type"),
        ({"spec__resources": [{"flavor": CPU, "count": 0}]}, "ModelArts.50004000", "spec.resources[0].count"),
        (
            {"spec__resources": [{"flavor": CPU, "count": 2, "maxCount": 3}]},
            "ModelArts.50004000",
            "maxCount 3 must equal count 2",
        ),
        ({"spec__resources": [{"flavor": "modelarts.vm.none", "count": 1}]}, "ModelArts.50004000", "unknown flavor"),
        ({"spec__resources": [{"flavor": "modelarts.bm.gpu.8v100", "count": 1}]}, "ModelArts.6716", "sold out"),
        ({"spec__resources": [{"flavor": CPU, "count": 1}, {"flavor": CPU, "count": 1}]}, "ModelArts.50004000", "once"),
        ({"spec__network": {"name": "net-nowhere"}}, "ModelArts.50004000", "does not exist"),
        ({"spec__driver": {"gpuVersion": "470.57.02"}}, "ModelArts.50004000", "no GPU flavor"),
        ({"metadata__labels": {"os.modelarts/name": "Pool_1"}}, "ModelArts.50004000", "os.modelarts/name"),
        ({"metadata__annotations": {"os.modelarts/billing.mode": "1"}}, "ModelArts.50004000", "period"),
        ({"metadata__annotations": {"os.modelarts/tms.tags": "dev=1"}}, "ModelArts.50004000", "tms.tags"),
        ({"kind": "Network"}, "ModelArts.50004000", "kind"),
    ],
)
def test_invalid_create(api: ResourceApi, network: str, changes: dict[str, Any], code: str, fragment: str) -> None:
    message = api.error("POST", "v2/pools", 400, code, json=bad(api, network, **changes))
    assert fragment in message, message


def test_create_conflicts_and_preconditions(api: ResourceApi, network: str) -> None:
    api.create_pool("pool-once", network, wait=False)
    assert (
        api.error("POST", "v2/pools", 409, "ModelArts.50015000", json=api.pool_body("pool-once", network))
        == "Pool already exists."
    )
    pending = api.create_network("net-pending", "172.16.0.0/16", wait=False)
    assert "not Active" in api.error(
        "POST", "v2/pools", 400, "ModelArts.50004000", json=api.pool_body("pool-early", pending)
    )
    ghost = api.pool_body("pool-ghost", network, labels={"os.modelarts/workspace.id": "a" * 32})
    api.error("POST", "v2/pools", 400, "ModelArts.7005", json=ghost)
    # Changes wait until the pool is created.
    name = f"pool-once-{api.project.project_id}"
    api.error(
        "PATCH",
        f"v2/pools/{name}",
        400,
        "ModelArts.6355",
        json={"spec": {"scope": ["Infer"]}},
        headers={"Content-Type": "application/merge-patch+json"},
    )


def test_patch_rules(api: ResourceApi, network: str) -> None:
    name = api.create_pool("pool-patch", network)
    path = f"v2/pools/{name}"
    merge = {"Content-Type": "application/merge-patch+json"}
    for patch, fragment in [
        (
            {"metadata": {"labels": {"os.modelarts/workspace.id": "1"}}},
            'metadata.labels["os.modelarts/workspace.id"] cannot',
        ),
        ({"spec": {"network": {"name": "net-x"}}}, "spec.network.name cannot be changed"),
        ({"spec": {"type": "Other"}}, "spec.type cannot be changed"),
        ({"metadata": {"annotations": {"os.modelarts/billing.mode": "1"}}}, "billing.mode"),
        ({"spec": {"scope": None}}, "spec.scope"),
        ({"spec": {"resources": [{"flavor": CPU, "count": 0}]}}, "at least one node"),
        ({"spec": {"resources": [{"count": 2}]}}, "spec.resources[0].flavor"),
    ]:
        message = api.error("PATCH", path, 400, "ModelArts.50004000", json=patch, headers=merge)
        assert fragment in message, (patch, message)
    api.error("PATCH", path, 400, "ModelArts.50004000", json={}, headers={"Content-Type": "text/plain"})
    api.error("PATCH", path, 400, "ModelArts.50004000", json=[], headers=merge)
    # The whole object read back is a valid patch: status is the server's and is ignored.
    current = api.get(path)
    current["status"]["phase"] = "Abnormal"
    current["spec"]["resources"][0]["count"] = 3
    patched = api.patch(path, current)
    assert (patched["status"]["phase"], patched["spec"]["resources"][0]["count"]) == ("Running", 3)
    api.error(
        "PATCH", f"v2/pools/pool-missing-{api.project.project_id}", 404, "ModelArts.50015001", json={}, headers=merge
    )


def test_batch_delete_and_reboot_nodes(api: ResourceApi, network: str) -> None:
    name = api.create_pool("pool-nodes", network, resources=[{"flavor": CPU, "count": 3}])
    nodes = [n["metadata"]["name"] for n in api.get(f"v2/pools/{name}/nodes")["items"]]

    rebooted = api.post(f"v2/pools/{name}/nodes/batch-reboot", {"nodeNames": nodes[:1]})
    assert rebooted == {"nodeNames": nodes[:1]}
    assert node_phases(api, name)[0] == "Checking"
    eventually(lambda: node_phases(api, name), lambda phases: phases == ["Available"] * 3)

    api.post(f"v2/pools/{name}/nodes/batch-delete", {"deleteNodeNames": nodes[1:]})
    assert buckets(api.get(f"v2/pools/{name}")) == {"available": 1, "deleting": 2}
    pool = api.wait_pool(name)
    assert [n["metadata"]["name"] for n in api.get(f"v2/pools/{name}/nodes")["items"]] == nodes[:1]
    assert pool["spec"]["resources"] == [{"flavor": CPU, "count": 1}]  # the counts follow (§10.4)

    assert "at least one node" in api.error(
        "POST", f"v2/pools/{name}/nodes/batch-delete", 400, "ModelArts.50004000", json={"deleteNodeNames": nodes[:1]}
    )
    assert "no node" in api.error(
        "POST",
        f"v2/pools/{name}/nodes/batch-delete",
        400,
        "ModelArts.50004000",
        json={"deleteNodeNames": ["os-node-created-zzzzz"]},
    )
    api.error("POST", f"v2/pools/{name}/nodes/batch-reboot", 400, "ModelArts.50004000", json={"nodeNames": []})
    api.error(
        "POST",
        f"v2/pools/pool-none-{api.project.project_id}/nodes/batch-reboot",
        404,
        "ModelArts.50015001",
        json={"nodeNames": nodes[:1]},
    )


def test_node_list_pages_and_custom_prefix(api: ResourceApi, network: str) -> None:
    name = api.create_pool(
        "pool-prefix", network, resources=[{"flavor": CPU, "count": 3}], labels={"os.modelarts/node.prefix": "gpu-box"}
    )
    first = api.get(f"v2/pools/{name}/nodes", params={"limit": 2})
    assert len(first["items"]) == 2 and first["metadata"]["remainingItemCount"] == 1
    rest = api.get(f"v2/pools/{name}/nodes", params={"limit": 2, "continue": first["metadata"]["continue"]})
    assert len(rest["items"]) == 1 and rest["metadata"] == {}
    names = [n["metadata"]["name"] for n in first["items"] + rest["items"]]
    assert all(n.startswith("gpu-box-") for n in names) and len(set(names)) == 3


def test_fail_next_creation_ends_in_error_and_is_listed_as_failed(api: ResourceApi, network: str) -> None:
    api.fail_next("modelarts.pool", message="Failed to create the cluster.")
    name = api.create_pool("pool-doomed", network, wait=False)
    failed = api.wait_pool(name, "Error")
    assert failed["status"]["message"] == "Failed to create the cluster."
    assert failed["status"]["resources"] == {}
    assert name not in [p["metadata"]["name"] for p in api.get("v2/pools")["items"]]
    assert [p["metadata"]["name"] for p in api.get("v2/pools", params={"status": "failed"})["items"]] == [name]
    stats = api.get("v2/statistics/pools")
    assert stats["statistics"]["status"] == {"creating": 0, "created": 0, "failed": 1, "pending": 0}
    assert stats["operationTime"].endswith(" +0000 UTC")
    api.error("GET", "v2/pools", 400, "ModelArts.50004000", params={"status": "broken"})
    api.delete(f"v2/pools/{name}")
    eventually(lambda: api.gone(f"v2/pools/{name}"), bool)


def test_fail_next_scale_out_makes_the_pool_abnormal_until_repaired(api: ResourceApi, network: str) -> None:
    name = api.create_pool("pool-flaky", network, resources=[{"flavor": CPU, "count": 1}])
    api.fail_next("modelarts.pool", name, "no capacity in the AZ")
    api.patch(f"v2/pools/{name}", {"spec": {"resources": [{"flavor": CPU, "count": 2}]}})
    abnormal = api.wait_pool(name, "Abnormal")
    assert abnormal["status"]["message"] == "no capacity in the AZ"
    assert buckets(abnormal) == {"available": 1, "abnormal": 1}
    # Scaling back in gives up the broken node first; the pool is Running again.
    api.patch(f"v2/pools/{name}", {"spec": {"resources": [{"flavor": CPU, "count": 1}]}})
    repaired = api.wait_pool(name)
    assert "message" not in repaired["status"] and buckets(repaired) == {"available": 1}


def test_fail_next_deletion_leaves_the_pool_abnormal(api: ResourceApi, network: str) -> None:
    name = api.create_pool("pool-stuck", network, resources=[{"flavor": CPU, "count": 1}])
    api.fail_next("modelarts.pool", name, "nodes could not be released")
    api.delete(f"v2/pools/{name}")
    stuck = api.wait_pool(name, "Abnormal")
    assert stuck["status"]["message"] == "nodes could not be released"
    assert "deletionTimestamp" not in stuck["metadata"] and buckets(stuck) == {"available": 1}


def test_list_filters(api: ResourceApi, network: str) -> None:
    workspace = api.post("v1/workspaces", {"name": "pool-home"})["id"]
    mine = api.create_pool("pool-ws", network, wait=False, labels={"os.modelarts/workspace.id": workspace})
    default = api.create_pool("pool-default", network, wait=False)
    listed = api.get("v2/pools")
    assert (listed["kind"], listed["apiVersion"], set(listed)) == ("PoolList", "v2", {"kind", "apiVersion", "items"})
    assert [p["metadata"]["name"] for p in api.get("v2/pools", params={"workspaceId": workspace})["items"]] == [mine]
    assert [p["metadata"]["name"] for p in api.get("v2/pools", params={"status": "creating"})["items"]] == [
        mine,
        default,
    ]
    api.wait_pool(mine)
    api.wait_pool(default)
    assert len(api.get("v2/pools", params={"status": "created"})["items"]) == 2
    selected = api.get("v2/pools", params={"labelSelector": "os.modelarts/name=pool-default"})["items"]
    assert [p["metadata"]["name"] for p in selected] == [default]
    assert api.get("v2/statistics/pools", params={"workspaceId": workspace})["statistics"]["status"]["created"] == 1
    assert {"type": "pool", "quota": 15, "used": 2} in api.get("v1/quotas")["quotas"]["resources"]


def test_events_follow_status_changes_and_page(api: ResourceApi, network: str) -> None:
    name = api.create_pool("pool-events", network, resources=[{"flavor": CPU, "count": 1}])
    api.fail_next("modelarts.pool", name, "node lost")
    api.patch(f"v2/pools/{name}", {"spec": {"resources": [{"flavor": CPU, "count": 2}]}})
    api.wait_pool(name, "Abnormal")
    events = api.get("v1/events", params={"resource": "pools", "name": name})
    assert (events["kind"], events["apiVersion"], events["metadata"]) == ("EventList", "v1", {})
    messages = [(e["type"], e["reason"], e["message"].split(", timestamp")[0]) for e in events["items"]]
    assert messages == [
        (
            "Normal",
            "PoolResourcesStatusChange",
            "Pool resources status changed, available/abnormal/creating/deleting count from 0/0/0/0 to 0/0/1/0",
        ),
        (
            "Normal",
            "PoolResourcesStatusChange",
            "Pool resources status changed, available/abnormal/creating/deleting count from 0/0/1/0 to 1/0/0/0",
        ),
        ("Normal", "PoolStatusChange", "Pool status changed, from Creating to Running."),
        (
            "Normal",
            "PoolResourcesStatusChange",
            "Pool resources status changed, available/abnormal/creating/deleting count from 1/0/0/0 to 1/0/1/0",
        ),
        (
            "Warning",
            "PoolResourcesStatusChange",
            "Pool resources status changed, available/abnormal/creating/deleting count from 1/0/1/0 to 1/1/0/0",
        ),
        ("Warning", "PoolStatusChange", "Pool status changed, from Running to Abnormal, details: node lost."),
    ]
    assert all(e["count"] == 1 and e["firstTimestamp"] == e["lastTimestamp"] for e in events["items"])

    first = api.get("v1/events", params={"resource": "pools", "name": name, "limit": 4})
    assert len(first["items"]) == 4 and first["metadata"]["remainingItemCount"] == 2
    rest = api.get(
        "v1/events", params={"resource": "pools", "name": name, "limit": 4, "continue": first["metadata"]["continue"]}
    )
    assert [e["message"] for e in first["items"] + rest["items"]] == [e["message"] for e in events["items"]]
    warnings = api.get("v1/events", params={"resource": "pools", "name": name, "type": "Warning"})["items"]
    assert len(warnings) == 2
    api.error("GET", "v1/events", 400, "ModelArts.50004000", params={"resource": "pools"})
    api.error("GET", "v1/events", 400, "ModelArts.50004000", params={"resource": "nodes", "name": name})
    api.error("GET", "v1/events", 400, "ModelArts.50004000", params={"resource": "pools", "name": name, "limit": 501})
    missing = f"pool-gone-{api.project.project_id}"
    assert (
        api.error("GET", "v1/events", 404, "ModelArts.50015001", params={"resource": "pools", "name": missing})
        == f"Pool {missing} not found."
    )


def test_monitor_metrics_statistics_and_workloads(api: ResourceApi, network: str) -> None:
    name = api.create_pool("pool-metrics", network, resources=[{"flavor": GPU, "count": 2}])
    monitor = api.get(
        f"v2/pools/{name}/monitor", params={"time_range": "-1.-1.10", "statistics": "average", "period": "60"}
    )
    by_name = {m["metric"]["metricName"]: m for m in monitor["metrics"]}
    assert set(by_name) == {
        "cpuUsage",
        "memUsedRate",
        "gpuUtil",
        "gpuMemUsage",
        "npuUtil",
        "npuMemUsage",
        "diskAvailableCapacity",
        "diskCapacity",
        "diskUsedRate",
    }
    cpu = by_name["cpuUsage"]
    assert cpu["metric"]["namespace"] == "PAAS.AGGR" and cpu["metric"]["dimensions"][0]["name"] == "clusterId"
    assert len(cpu["dataPoints"]) == 10
    assert all(
        0 < p["statistics"][0]["value"] < 100 and p["statistics"][0]["statistic"] == "average"
        for p in cpu["dataPoints"]
    )
    assert by_name["npuUtil"]["dataPoints"][0]["statistics"][0]["value"] == -1  # no NPU in this pool
    assert by_name["diskCapacity"]["dataPoints"][0]["statistics"][0]["value"] == 2 * 100 * 1024
    fixed = {"time_range": "1700000000000.1700000600000.10", "statistics": "maximum", "period": "300"}
    series = api.get(f"v2/pools/{name}/monitor", params=fixed)
    assert series == api.get(f"v2/pools/{name}/monitor", params=fixed)  # a deterministic idle load
    assert [p["timestamp"] for p in series["metrics"][0]["dataPoints"]] == [1700000100000, 1700000400000]
    for params in (
        {"period": "120"},
        {"statistics": "median"},
        {"time_range": "yesterday"},
        {"time_range": "-1.-1.1500"},
    ):
        api.error("GET", f"v2/pools/{name}/monitor", 400, "ModelArts.50004000", params=params)

    runtime = api.get("v2/metrics/runtime/pools")
    assert (runtime["apiVersion"], runtime["kind"]) == ("v2", "PoolMetricsList")
    table = runtime["items"][0]["table"]
    assert runtime["items"][0]["metadata"]["name"] == name
    assert table["capacity"]["value"] == {"cpu": "16", "memory": "64Gi", "nvidia-t4": "2"}
    assert table["allocated"]["value"] == {"cpu": "0", "memory": "0Gi", "nvidia-t4": "0"}

    assert api.get(f"v2/pools/{name}/workloads", params={"type": "train", "limit": 10}) == {
        "apiVersion": "v1",
        "kind": "WorkloadList",
        "items": [],
    }
    api.error("GET", f"v2/pools/{name}/workloads", 400, "ModelArts.50004000", params={"type": "batch"})
    api.error("GET", f"v2/pools/{name}/workloads", 400, "ModelArts.50004000", params={"limit": 501})
    stats = api.get(f"v2/statistics/pools/{name}/workloads")["statistics"]
    assert stats["total"] == 0 and [i["type"] for i in stats["items"]] == ["train", "infer", "notebook"]
    assert stats["items"][0]["status"]["Running"] == 0
    api.error("GET", f"v2/statistics/pools/pool-no-{api.project.project_id}/workloads", 404, "ModelArts.50015001")


def test_tags_come_from_the_tms_annotation(api: ResourceApi, network: str) -> None:
    tags = json.dumps([{"key": "dev", "value": "dev1"}, {"key": "team", "value": "vision"}])
    first = api.create_pool("pool-tag1", network, wait=False, annotations={"os.modelarts/tms.tags": tags})
    api.create_pool(
        "pool-tag2",
        network,
        wait=False,
        annotations={"os.modelarts/tms.tags": json.dumps([{"key": "dev", "value": "dev2"}])},
    )
    # /v1/{project_id}/pools/tags is not mistaken for the tags of a pool named "tags".
    assert api.get("v1/pools/tags") == {
        "tags": [{"key": "dev", "values": ["dev1", "dev2"]}, {"key": "team", "values": ["vision"]}]
    }
    assert api.get("v1/pools/tags", params={"offset": 1, "limit": 1}) == {
        "tags": [{"key": "team", "values": ["vision"]}]
    }
    api.error("GET", "v1/pools/tags", 400, "ModelArts.0101", params={"limit": "-1"})

    # The seed answers one pool's tags with 204 *and* a body (§15.2), which HTTP cannot carry.
    response = api.request("GET", f"v1/pools/{first}/tags")
    assert (response.status_code, response.content) == (204, b"")
    compat = api.request("GET", f"v1/pools/{first}/tags", headers={"X-LocalCloud-Compat": "status-200"})
    assert compat.status_code == 200
    assert compat.json() == {"tags": [{"key": "dev", "values": ["dev1"]}, {"key": "team", "values": ["vision"]}]}
    api.error("GET", f"v1/pools/pool-none-{api.project.project_id}/tags", 404, "ModelArts.50015001")


def test_time_scale_zero_settles_on_the_next_request_and_keeps_failures() -> None:
    server = LocalCloudProcess(time_scale=0).start()
    instant = ResourceApi(server, server.new_project())
    try:
        network = instant.create_network("net-instant", wait=False)
        assert instant.get(f"v1/networks/{network}")["status"]["phase"] == "Active"
        pool = instant.create_pool("pool-instant", network, wait=False)
        assert buckets(instant.get(f"v2/pools/{pool}")) == {"available": 2}
        instant.fail_next("modelarts.pool")
        failed = instant.create_pool("pool-failed", network, wait=False)
        for _ in range(3):  # the 3-day retention is not scaled down to nothing
            assert instant.get(f"v2/pools/{failed}")["status"]["phase"] == "Error"
    finally:
        instant.close()
        server.stop()
