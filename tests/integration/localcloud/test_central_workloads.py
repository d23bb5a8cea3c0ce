"""Algorithm-engine workloads and their pods against a live localcloud (seed appendix B)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.localcloud.central_api import CentralApi, workload_body
from tests.support.api import eventually
from tests.support.localcloud import Credentials, LocalCloudProcess


@pytest.fixture
def api(localcloud: LocalCloudProcess, project: Credentials) -> Iterator[CentralApi]:
    client = CentralApi(localcloud, project)
    yield client
    client.close()


@pytest.fixture
def cluster(api: CentralApi) -> str:
    """Two nodes of 8 cores, 16 GB and 2 T4 cards each."""
    return api.create_cluster()


def ref(cluster: str, **more: Any) -> dict[str, Any]:
    return {"clusterCode": cluster, "namespace": "default", **more}


def test_a_workload_is_a_deployment(api: CentralApi, cluster: str) -> None:
    created = api.call("POST", "/CCP/algoService/workloads", json=workload_body(cluster, replicas=3))
    assert created["code"] == "0" and created["data"]["namespace"] == "default"
    name = created["data"]["workloadName"]
    assert re.fullmatch(r"human_detect-deployment-[a-z0-9]{5}", name)  # as B.2's example answers

    pods = api.wait_ready(cluster, name, 3)
    template = {pod["name"].rsplit("-", 2)[1] for pod in pods}
    assert len(template) == 1 and all(re.fullmatch(rf"{name}-[a-z0-9]{{10}}-[a-z0-9]{{5}}", p["name"]) for p in pods)
    pod = pods[0]
    assert pod["status"] == "Running" and pod["ready"] and pod["restarts"] == 0 and pod["port"] == 8750
    assert pod["deploymentName"] == name and pod["labels"] == [{"name": "app", "value": "test"}]
    assert pod["image"] == "registry.example/algo:1.0" and pod["podIP"].startswith("10.244.")
    assert {p["nodeName"] for p in pods} == {f"{cluster}-node-1", f"{cluster}-node-2"}
    assert {p["hostIP"] for p in pods} == {"192.168.0.3", "192.168.0.4"}
    assert "namespace" not in pod and isinstance(pod["age"], int)

    detail = api.ok("GET", f"/CCP/algoservice/workloads/{name}", json=ref(cluster))
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", detail.pop("createdDate"))
    assert detail == {
        "namespace": "default",
        "workloadName": name,
        "replicas": 3,
        "xpuType": "NVIDIA_T4",
        "xpu": 1.0,
        "cpu": 2,
        "memory": 4,
        "xpuMemory": 16.0,
        "image": "registry.example/algo:1.0",
        "status": "Running",
    }
    one = api.ok("GET", f"/CCP/algoservice/pods/{pod['name']}", params=ref(cluster, workloadName=name))
    assert one == {**pod, "age": one["age"], "namespace": "default"}

    api.ok("PUT", f"/CCP/algoService/workloads/{name}", json=ref(cluster, replicas=1))
    assert len(api.wait_ready(cluster, name, 1)) == 1
    api.ok("DELETE", f"/CCP/algoservice/workloads/{name}", json=ref(cluster))
    assert api.fails("GET", f"/CCP/algoservice/workloads/{name}", 404, params=ref(cluster)).startswith("workload")
    assert api.fails("GET", "/CCP/algoservice/pods", 404, params=ref(cluster, workloadName=name))


def test_pods_wait_for_room_and_follow_the_nodes(api: CentralApi, cluster: str) -> None:
    # Four cards in the cluster: a fifth pod of one card fits nowhere.
    name = api.create_workload(cluster, "greedy", replicas=5)
    pods = eventually(lambda: api.pods(cluster, name), lambda pods: sum(p["status"] == "Running" for p in pods) == 4)
    waiting = [p for p in pods if p["status"] == "Pending"]
    assert len(waiting) == 1 and waiting[0]["nodeName"] == "" and not waiting[0]["ready"]
    assert waiting[0]["statusDesc"] == "0/2 nodes are available: 2 Insufficient NVIDIA_T4."
    assert api.ok("GET", f"/CCP/algoservice/workloads/{name}", params=ref(cluster))["status"] == "Pending"

    cpu_only = {"cpu": 4, "mem": 8, "rootDiskSize": 40, "localDiskSize": 0}
    added = api.call(
        "POST", "/CCP/cluster/nodes", json={"clusterCode": cluster, "count": 1, "spec": {"nodeResource": cpu_only}}
    )
    assert api.ok("GET", "/CCP/algoservice/pods", params=ref(cluster, workloadName=name))["pods"][-1]["statusDesc"] == (
        "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 2 Insufficient NVIDIA_T4."
    )
    t4 = {
        "cpu": 8,
        "mem": 16,
        "rootDiskSize": 40,
        "localDiskSize": 0,
        "xpuResources": [{"xpuType": "NVIDIA_T4", "num": 1}],
    }
    more = api.call(
        "POST", "/CCP/cluster/nodes", json={"clusterCode": cluster, "count": 1, "spec": {"nodeResource": t4}}
    )
    api.wait_ready(cluster, name, 5)
    assert api.ok("GET", f"/CCP/algoservice/workloads/{name}", params=ref(cluster))["status"] == "Running"

    # The pods of a removed node are replaced; with no room left, the replacements wait.
    api.ok("DELETE", "/CCP/cluster/nodes", json={"clusterCode": cluster, "nodeId": more["nodeId"] + added["nodeId"]})
    pods = eventually(lambda: api.pods(cluster, name), lambda pods: sum(p["status"] == "Running" for p in pods) == 4)
    assert len(pods) == 5 and all(p["nodeName"] != f"{cluster}-node-{more['nodeId'][0]}" for p in pods)


def test_scaling_down_removes_waiting_pods_first(api: CentralApi, cluster: str) -> None:
    name = api.create_workload(cluster, "shrink", replicas=6)
    pods = eventually(lambda: api.pods(cluster, name), lambda pods: sum(p["status"] == "Running" for p in pods) == 4)
    running = {p["name"] for p in pods if p["status"] == "Running"}
    api.ok("PUT", f"/CCP/algoservice/workloads/{name}", json=ref(cluster, replicas=4, workloadName="ignored"))
    assert {p["name"] for p in api.pods(cluster, name)} == running
    api.ok("PUT", f"/CCP/algoservice/workloads/{name}", json=ref(cluster, replicas=0))
    assert api.pods(cluster, name) == []
    assert api.ok("GET", f"/CCP/algoservice/workloads/{name}", params=ref(cluster))["status"] == "Running"


def test_list_pages_orders_and_filters(api: CentralApi, cluster: str) -> None:
    names = [api.create_workload(cluster, f"engine{i}", replicas=0, xpu=0, xpuType="") for i in range(3)]
    api.ok("POST", "/CCP/algoservice/workloads", json={**workload_body(cluster, "elsewhere", 0), "nameSpace": "video"})
    everything = api.ok("GET", "/CCP/algoservice/workloads", params={"clusterCode": cluster})
    assert [w["workloadName"] for w in everything["pageContent"]] == names  # namespace "default" by default
    assert everything["total"] == 3 and "pageRequest" not in everything
    assert set(everything["pageContent"][0]) == {"namespace", "workloadName", "replicas", "createdDate"}

    request = {"pageNumber": 1, "pageSize": 2, "orderList": [{"property": "id", "direction": "desc"}]}
    first = api.ok(
        "GET",
        "/CCP/algoservice/workloads",
        json={"clusterCode": cluster, "namespace": "default", "pageRequest": request},
    )
    assert [w["workloadName"] for w in first["pageContent"]] == names[::-1][:2]
    assert first["total"] == 3 and first["pageRequest"] == request
    # The same through a query string (bodies of GETs get lost in proxies).
    second = api.ok(
        "GET",
        "/CCP/algoservice/workloads",
        params={
            "clusterCode": cluster,
            "pageRequest.pageNumber": 2,
            "pageRequest.pageSize": 2,
            "pageRequest.orderList": '[{"property":"workloadName","direction":"DESC"}]',
        },
    )
    assert [w["workloadName"] for w in second["pageContent"]] == [names[0]]
    zero = api.ok(
        "GET",
        "/CCP/algoservice/workloads",
        json={"clusterCode": cluster, "pageRequest": {"pageNumber": 0, "pageSize": 1}},
    )
    assert [w["workloadName"] for w in zero["pageContent"]] == names[:1] and zero["pageRequest"]["pageNumber"] == 1
    one = api.ok("GET", "/CCP/algoservice/workloads", params={"clusterCode": cluster, "workloadName": names[1]})
    assert [w["workloadName"] for w in one["pageContent"]] == [names[1]]
    video = api.ok("GET", "/CCP/algoservice/workloads", params={"clusterCode": cluster, "namespace": "video"})
    [elsewhere] = video["pageContent"]
    assert elsewhere["workloadName"].startswith("elsewhere-deployment-")
    bad = {"clusterCode": cluster, "pageRequest": {"pageNumber": 1, "pageSize": 2, "orderList": [{"property": "size"}]}}
    assert "pageRequest.orderList[0].property" in api.fails("GET", "/CCP/algoservice/workloads", 400, json=bad)
    assert api.fails("GET", "/CCP/algoservice/workloads", 404, params={"clusterCode": "cluster-77"})


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"labelSelector": {"app": "other"}}, "does not select the pod labels"),
        ({"xpu": 0.25}, "xpu: 0.25 has more than one decimal place"),
        ({"xpuType": ""}, "xpuType is required when xpu is above 0"),
        ({"nameSpace": "Default"}, "nameSpace: 'Default' must be a DNS label"),
        ({"name": "-bad"}, "name: '-bad' must be 1-40"),
        ({"replicas": -1}, "replicas: Input should be greater than or equal to 0"),
        ({"labels": {}}, "labels: at least one label is required"),
        ({"labels": {"app": "test", "bad key!": "x"}}, "is not a valid label key"),
        ({"image": None}, "image: Input should be a valid string"),
    ],
)
def test_invalid_workloads_are_code_400(api: CentralApi, cluster: str, change: dict[str, Any], fragment: str) -> None:
    assert fragment in api.fails("POST", "/CCP/algoservice/workloads", 400, json={**workload_body(cluster), **change})


def test_workload_conflicts(api: CentralApi, cluster: str) -> None:
    body = workload_body(cluster, "twin", 0)
    del body["nameSpace"]
    api.ok("POST", "/CCP/algoservice/workloads", json={**body, "namespace": "default"})  # the other spelling
    assert api.fails("POST", "/CCP/algoservice/workloads", 409, json=workload_body(cluster, "twin", 0))
    creating = api.create_cluster("later", wait=False)
    assert "creating" in api.fails("POST", "/CCP/algoservice/workloads", 409, json=workload_body(creating))


def test_fail_next_fails_a_pod_until_the_next_scale(api: CentralApi, cluster: str) -> None:
    api.fail_next("central.workload", message="ImagePullBackOff: manifest unknown")
    name = api.create_workload(cluster, "broken", replicas=2)
    pods = eventually(lambda: api.pods(cluster, name), lambda pods: all(p["status"] != "Pending" for p in pods))
    assert sorted(p["status"] for p in pods) == ["Failed", "Running"]
    failed = next(p for p in pods if p["status"] == "Failed")
    assert failed["statusDesc"] == "ImagePullBackOff: manifest unknown" and not failed["ready"]
    assert api.ok("GET", f"/CCP/algoservice/workloads/{name}", params=ref(cluster))["status"] == "Failed"
    api.ok("PUT", f"/CCP/algoservice/workloads/{name}", json=ref(cluster, replicas=2))
    assert failed["name"] not in {p["name"] for p in api.wait_ready(cluster, name, 2)}

    api.fail_next("central.workload", name, "OOMKilled")
    api.ok("PUT", f"/CCP/algoservice/workloads/{name}", json=ref(cluster, replicas=3))
    pods = eventually(lambda: api.pods(cluster, name), lambda pods: all(p["status"] != "Pending" for p in pods))
    assert [p["statusDesc"] for p in pods if p["status"] == "Failed"] == ["OOMKilled"]


def test_deleting_the_cluster_takes_its_workloads(api: CentralApi, cluster: str) -> None:
    name = api.create_workload(cluster, "doomed", replicas=1)
    api.wait_ready(cluster, name, 1)
    api.ok("DELETE", f"/CCP/clusters/{cluster}")
    api.wait_cluster(cluster, "deleted")
    assert api.fails("GET", f"/CCP/algoservice/workloads/{name}", 404, params=ref(cluster))
